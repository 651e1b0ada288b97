// Scenario files (ParseScenario: templates, workloads, cloud, control and faults sections) and
// faults files (ParseFaultsFile), from the same bytes. The scenario's folder does not exist, so
// relative trace and template paths read nothing.
#include <string>

#include "fuzz/fuzz.h"
#include "fuzz/fuzz_catalogs.h"
#include "sim/workload/fault_reader.h"
#include "sim/workload/scenario_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = gpupack::fuzz::AsText(data, size);
  (void)gpupack::sim::ParseScenario(text, "/nonexistent-gpupack-fuzz/scenario.yaml",
                                    gpupack::fuzz::BuiltInGpus());
  (void)gpupack::sim::ParseFaultsFile(text, "faults.yaml");
  return 0;
}
