// Kubernetes quantities: every parser accepts or rejects without UB, and what parses prints back
// to a string that parses to the same value.
#include "common/check.h"
#include "common/quantity.h"
#include "fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = gpupack::fuzz::AsText(data, size);
  gpupack::Result<gpupack::Quantity> quantity = gpupack::Quantity::Parse(text);
  if (quantity) {
    (void)quantity->Value();
    gpupack::Result<gpupack::Quantity> again = gpupack::Quantity::Parse(quantity->ToString());
    GP_CHECK(again && *again == *quantity, "ToString does not parse back");
  }
  if (gpupack::Result<int64_t> milli = gpupack::ParseMilliCpu(text); milli) {
    GP_CHECK(*milli >= 0, "negative CPU");
    (void)gpupack::FormatMilli(*milli);
  }
  if (gpupack::Result<int64_t> bytes = gpupack::ParseBytes(text); bytes) {
    GP_CHECK(*bytes >= 0, "negative bytes");
    GP_CHECK(gpupack::ParseBytes(gpupack::FormatBytes(*bytes)) == *bytes,
             "FormatBytes does not parse back");
  }
  if (gpupack::Result<int64_t> count = gpupack::ParseCount(text); count) {
    GP_CHECK(*count >= 0, "negative count");
  }
  return 0;
}
