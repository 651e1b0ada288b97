// Readers for Alibaba's openb GPU cluster trace (clusterdata cluster-trace-gpu-v2023, used by
// the FGD paper): the node list (`sn,cpu_milli,memory_mib,gpu,model`) and the pod lists
// (`name,cpu_milli,memory_mib,num_gpu,gpu_milli[,gpu_spec,qos,pod_phase,...]`; the multigpu
// variants have only the first five columns). Columns are found by header name, so their order
// does not matter and unknown columns are ignored. Plain CSV: the files have no quoting.
//
// Every bad row is reported as one error "<file>:<line>: <what is wrong>" (InvalidArgument).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "plan/packing/pack_cluster.h"

namespace gpupack::sim {

struct OpenbPod {
  std::string name;
  int64_t cpu_milli = 0;
  int64_t memory_mib = 0;
  int32_t num_gpu = 0;
  int32_t gpu_milli = 0;
  std::vector<std::string> gpu_spec;  // allowed GPU models; empty = any
  // Seconds since the trace start (columns creation_time, deletion_time, scheduled_time);
  // nullopt when the column is absent or the cell empty.
  std::optional<int64_t> creation_time;
  std::optional<int64_t> deletion_time;
  std::optional<int64_t> scheduled_time;
};

// Parses a node list. `file_name` only labels errors.
[[nodiscard]] Result<std::vector<plan::packing::PackNodeSpec>> ParseOpenbNodeList(
    std::string_view text, std::string_view file_name);

// Parses a pod list. Checks that num_gpu is 0..16, gpu_milli 0..1000, that multi-GPU pods ask
// for whole GPUs and that CPU-only pods ask for no GPU share.
[[nodiscard]] Result<std::vector<OpenbPod>> ParseOpenbPodList(std::string_view text,
                                                              std::string_view file_name);

// Read and parse a file (NotFound when it does not exist).
[[nodiscard]] Result<std::vector<plan::packing::PackNodeSpec>> ReadOpenbNodeList(
    const std::string& path);
[[nodiscard]] Result<std::vector<OpenbPod>> ReadOpenbPodList(const std::string& path);

// The pod's request for `cluster`: gpu_spec names become the model mask (models the cluster
// does not have are simply not allowed).
plan::packing::PackPod ToPackPod(const OpenbPod& pod, const plan::packing::PackCluster& cluster);

}  // namespace gpupack::sim
