// Reader for the FGD artifact's published allocation results
// (`experiments/analysis/expected_results/analysis_allo_discrete.csv` of
// hkust-adsl/kubernetes-scheduler-simulator): one row per (workload, policy, tune, seed) with the
// allocation ratio (%) at each arrival percentage 0..N.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace gpupack::sim {

struct PublishedPackingRun {
  std::string workload;  // e.g. "openb_pod_list_default"
  std::string policy;    // e.g. "06-FGD"
  double tune = 0;       // inflation
  int64_t seed = 0;
  int64_t total_gpus = 0;
  std::vector<double> curve;  // allocation % at arrival 0, 1, ... %
};

// Parses the CSV; "<file>:<line>: ..." (InvalidArgument) for a malformed row.
[[nodiscard]] Result<std::vector<PublishedPackingRun>> ParsePublishedPackingRuns(
    std::string_view text, std::string_view file_name);

[[nodiscard]] Result<std::vector<PublishedPackingRun>> ReadPublishedPackingRuns(
    const std::string& path);

}  // namespace gpupack::sim
