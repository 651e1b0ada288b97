// Replays Alibaba's openb pod lists (src/sim/trace/openb.h reads them) as a Workload, and
// generates synthetic traces in the same format.
//
// Replay: a pod arrives at creation_time (seconds from the replay's start in the trace, times
// `time_scale`) and runs for deletion_time - scheduled_time (creation_time when it was never
// scheduled), also scaled; a pod without deletion_time runs until the simulation ends, and one
// without
// creation_time arrives at 0 (the static lists of the FGD protocol). cpu_milli and memory_mib
// become its requests; num_gpu/gpu_milli its GpuDemand: gpu_milli < 1000 is one time-sliced
// replica with milli_gpu = gpu_milli, otherwise num_gpu whole GPUs. gpu_spec is kept as the
// annotation gpupack.io/trace-gpu-spec and not turned into node affinity: the trace's models
// (P100, T4, V100M16, A10, G1..G3 — Alibaba's internal codes) are not in any cloud catalog, so
// a constraint on them would make every constrained pod unschedulable in a cloud simulation.
//
// The synthetic generator draws pods whose mix matches the real default trace's published
// statistics (about 13% CPU-only pods, 38% fractional-GPU, 48% one whole GPU, 1% multi-GPU;
// fractions clustered at 0.25..0.5 and 0.8; CPU 1..32 cores at about 4 GiB per core;
// log-normal run times with a median of about 10 minutes). It copies no rows of the trace.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "sim/trace/openb.h"
#include "sim/workload.h"

namespace gpupack::sim {

inline constexpr std::string_view kAnnotationTraceGpuSpec = "gpupack.io/trace-gpu-spec";

// Where in the trace a replay begins.
struct OpenbReplayStart {
  int64_t seconds = 0;  // trace seconds
  // Instead of `seconds`: as far before the trace's last creation time as the run is long, so
  // the run covers the trace's last stretch (the real trace's pods crowd its last weeks).
  bool last = false;
};

struct OpenbReplayOptions {
  double time_scale = 1.0;               // trace seconds -> simulated seconds
  std::optional<int64_t> limit;          // only the first `limit` pods by creation time
  Duration end{std::chrono::hours(24)};  // arrivals at or after `end` are dropped
  // Pods created before the start that still run then arrive at 0 with the rest of their run;
  // pods deleted by then are left out.
  OpenbReplayStart start;
  std::string namespace_name = "openb";
};

// `file` names the pod list in sources ("<file>:<row line>").
[[nodiscard]] Result<Workload> OpenbToWorkload(const std::vector<OpenbPod>& pods,
                                               std::string_view file,
                                               const OpenbReplayOptions& options);

// ReadOpenbPodList + OpenbToWorkload.
[[nodiscard]] Result<Workload> ReadOpenbWorkload(const std::string& path,
                                                 const OpenbReplayOptions& options);

struct SyntheticOpenbOptions {
  int64_t pods = 1000;
  uint64_t seed = 1;
  Duration span{std::chrono::hours(24)};  // creation times are spread over this span
};

// A pod list in the openb format (all eleven columns), sorted by creation time.
std::string GenerateSyntheticOpenbPodList(const SyntheticOpenbOptions& options);

// A node list in the openb format: `nodes` 8-GPU nodes of the single model "A100" with 96 cores
// and 768 GiB, for the static protocol's packing experiments on a synthetic trace.
std::string GenerateSyntheticOpenbNodeList(int64_t nodes);

}  // namespace gpupack::sim
