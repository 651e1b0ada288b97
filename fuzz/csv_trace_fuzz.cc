// The plain CSV pod trace (ParseCsvTrace), its format detection, and the write/read round trip
// of whatever it accepted.
#include <chrono>

#include "common/check.h"
#include "fuzz/fuzz.h"
#include "sim/workload/csv_trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = gpupack::fuzz::AsText(data, size);
  (void)gpupack::sim::LooksLikeCsvTrace(text);
  auto workload = gpupack::sim::ParseCsvTrace(text, "fuzz.csv", std::chrono::hours(24 * 365));
  if (workload) {
    std::string written = gpupack::sim::WriteCsvTrace(*workload);
    auto again = gpupack::sim::ParseCsvTrace(written, "fuzz.csv", std::chrono::hours(24 * 365));
    GP_CHECK(again.has_value(), "a written trace does not parse back");
    GP_CHECK(again->arrivals.size() == workload->arrivals.size(),
             "a written trace parses back with another number of pods");
  }
  return 0;
}
