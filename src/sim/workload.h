// Workload and Scenario: what the simulator replays, whatever it was read from (a native
// scenario file, a plain CSV of pods, the Alibaba openb trace, or a generated trace). The
// readers in src/sim/workload/ produce these values; the simulation engine (src/sim/simulation*)
// consumes them. This header is the contract between the two.
//
// A pod's GpuDemand says what it really needs (kWholeGpu; kMigProfile; kSharedGpu with
// milli_gpu — the compute share — and gpu_memory_bytes). The engine's sharing strategies
// (dedicated, time-slicing, mig, mig+time-slicing, auto) rewrite how each pod asks for it, so one
// workload is compared under every strategy.
//
// Thread safety: values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/node_template.h"
#include "cluster/pod.h"
#include "common/clock.h"
#include "sim/faults.h"

namespace gpupack::sim {

// One pod the workload submits at `at` (since the simulation start). It runs for `run_for` once
// scheduled (nullopt: until the simulation ends); a pod whose node dies is resubmitted with the
// time it has left.
struct PodArrival {
  Duration at{0};
  std::optional<Duration> run_for;
  cluster::Pod pod;  // unique Key(); requests, demand, selectors, tolerations, owner
  // Where the pod came from, for errors and reports ("trace.csv:12", "scenario.yaml:40").
  std::string source;
};

struct Workload {
  // Sorted by `at`, then by pod key (readers sort; the engine relies on it).
  std::vector<PodArrival> arrivals;
};

// The simulated cloud's behaviour. Durations are means of their distributions (the engine
// draws them through gpupack::Rng from the scenario's seed).
struct CloudSettings {
  Duration launch_latency{std::chrono::seconds(90)};       // NodeClaim -> node Ready
  Duration device_plugin_delay{std::chrono::seconds(60)};  // Ready -> capacity advertised (GFD)
  Duration mig_reconfigure_time{std::chrono::seconds(120)};
  // Spot interruptions per Spot node per hour (each with a 2-minute notice).
  double spot_interruptions_per_hour = 0.0;
  // Instance types (or families: "p4d.*") whose launches fail with insufficient capacity.
  std::vector<std::string> insufficient_capacity;
};

// The control loop's knobs the scenario may set (Karpenter-like defaults).
struct ControlSettings {
  Duration batch_idle{std::chrono::seconds(1)};
  Duration batch_max{std::chrono::seconds(10)};
  Duration empty_node_ttl{std::chrono::seconds(30)};
  Duration consolidation_interval{std::chrono::minutes(5)};
};

struct Scenario {
  std::string name;
  std::string description;
  std::string source;                 // the file it was read from
  std::vector<std::string> catalogs;  // "aws", "gcp", "azure" or file paths
  std::vector<cluster::NodeTemplate> templates;
  Workload workload;
  Duration length{std::chrono::hours(24)};  // simulated time
  std::vector<std::string> strategies;      // empty: all five
  uint64_t seed = 1;
  CloudSettings cloud;
  ControlSettings control;
  // Faults the simulated cloud injects (the `faults:` section; `--faults FILE` adds to them).
  std::vector<Fault> faults;
};

}  // namespace gpupack::sim
