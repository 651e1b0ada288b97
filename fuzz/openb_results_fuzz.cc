// The FGD artifact's published allocation results CSV (`bench packing --compare`).
#include "fuzz/fuzz.h"
#include "sim/trace/openb_results.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)gpupack::sim::ParsePublishedPackingRuns(gpupack::fuzz::AsText(data, size), "fuzz.csv");
  return 0;
}
