// The discrete-event simulator behind `gpupack simulate` (DESIGN.md section 2): one workload
// replayed against a simulated cloud under one sharing strategy, driven by the same control loop
// (src/control) the controller runs against a real cluster. The simulator is the loop's
// ClusterView and Actuator, in process, on a virtual clock.
//
// The simulated cloud (CloudSettings): a launch takes the family's latency (a log-normal draw
// around the mean, longer for larger machines), then the device plugin / feature discovery delay
// (plus the MIG reconfiguration time for MIG nodes) before the node's sharing config is ready and
// its startup taint goes; offerings listed as out of capacity fail their launches; Spot nodes are
// interrupted at the configured rate with a 2-minute notice (the node is cordoned and drained at
// the notice, its pods go back to pending with the run time they have left, and it is gone two
// minutes later). The scenario's faults (sim/faults.h) add Spot storms, capacity errors in a
// window, machines that never boot, MIG reconfigurations that fail (the GPUs keep their old
// geometry, the pods nominated to them are planned again) and device plugins that advertise less
// than planned.
//
// Pods arrive at their time, run for their duration (or to the end) once bound, and are
// resubmitted when their node dies. A pod nothing can run is reported with its reason at once;
// a pod still pending at the end is reported with the planner's last reason.
//
// Deterministic: the same scenario, strategy and seed give the same result, field for field.
//
// Thread safety: Simulate is a pure function of its inputs; strategies may run on threads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cluster/instance_type.h"
#include "common/error.h"
#include "gpu/gpu_catalog.h"
#include "sim/faults.h"
#include "sim/strategy.h"
#include "sim/workload.h"

namespace gpupack::sim {

struct SimulationOptions {
  StrategyChoice strategy;
  // How often the time series is sampled; 0: the scenario's length / 720.
  Duration sample_step{0};
  // The planner's placement policy (plan::PlanOptions::placement_policy).
  std::string placement_policy = "gpupack";
  // Compute the cost lower bound (an LP per window of the run).
  bool lower_bound = true;
  // Called now and then with the share of simulated time done (0..1).
  std::function<void(double)> progress;
};

// One sample of the time series.
struct TimePoint {
  double seconds = 0;           // since the start
  double gpus_provisioned = 0;  // physical GPUs of every node bought (launching ones included)
  double gpus_needed = 0;       // the compute share the running and pending pods really need
  double gpus_used = 0;         // the compute share of the running pods
  int64_t pending_pods = 0;
  double cost_per_hour = 0;
};

struct UnscheduledPod {
  std::string pod;
  std::string reason;
};

struct StrategyResult {
  std::string name;
  double gpu_hours = 0;
  double cost = 0;  // USD over the run
  double peak_gpus = 0;
  double mean_gpus = 0;
  // GPU-hours the running pods really used over GPU-hours provisioned.
  double allocation_ratio = 0;
  int64_t pods_submitted = 0;
  int64_t pods_scheduled = 0;  // bound at least once
  int64_t pods_interrupted = 0;
  int64_t pods_rescheduled = 0;  // bound again after an interruption
  double pending_p50_seconds = 0;
  double pending_p95_seconds = 0;
  double pending_p99_seconds = 0;
  double lower_bound_cost = 0;  // USD over the run; <= cost
  int64_t events = 0;
  int64_t plans = 0;
  int64_t nodes_launched = 0;
  int64_t launch_failures = 0;
  int64_t reconfigurations = 0;
  int64_t reconfiguration_failures = 0;
  FaultReport faults;  // what the faults did, and the invariants the simulated cloud checked
  std::vector<TimePoint> timeseries;
  std::vector<UnscheduledPod> unscheduled;  // by pod key
};

// Runs the scenario under options.strategy. `instances` is the scenario's instance catalog.
// InvalidArgument when the strategy cannot apply to the workload; errors of the planner are
// passed on.
[[nodiscard]] Result<StrategyResult> Simulate(const Scenario& scenario,
                                              const cluster::InstanceCatalog& instances,
                                              const gpu::GpuCatalog& catalog,
                                              const SimulationOptions& options);

}  // namespace gpupack::sim
