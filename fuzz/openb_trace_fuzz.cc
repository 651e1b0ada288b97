// Alibaba openb trace CSVs: the same bytes as a node list and as a pod list (both readers find
// their columns by header name).
#include "fuzz/fuzz.h"
#include "sim/trace/openb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = gpupack::fuzz::AsText(data, size);
  (void)gpupack::sim::ParseOpenbNodeList(text, "fuzz.csv");
  (void)gpupack::sim::ParseOpenbPodList(text, "fuzz.csv");
  return 0;
}
