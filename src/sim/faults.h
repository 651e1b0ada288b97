// Fault injection for the simulated cloud (`gpupack simulate --faults FILE`, or a scenario's
// `faults:` section; docs in README.md "Fault injection"). Each fault has a time window
// [from, until) of simulated time:
//
//   spot-storm             `fraction` of the Spot nodes alive at `from` get an interruption
//                          notice (2 minutes, then gone) at uniform times within the window;
//   insufficient-capacity  launches of the matching offerings (instance type globs such as
//                          "p4d.*" for a whole family, optionally one capacity type and zone)
//                          fail with insufficient capacity;
//   launch-never-ready     a launch succeeds but, with `probability`, the machine never boots
//                          (the control loop must give up on it and buy another);
//   mig-failure            a MIG reconfiguration ends `failed` with `probability`: the GPU keeps
//                          its old geometry (what `--mig-failure-rate` sets for the whole run);
//   device-plugin-shortfall  when a node's sharing config is applied, with `probability` the
//                          device plugin advertises `missing` devices (time-slicing replicas or
//                          MIG instances) fewer than planned.
//
// The FaultInjector makes the draws from its own Rng stream (seeded from the scenario seed), so
// a run without faults draws nothing from it and gives the same result as before.
//
// Thread safety: Fault is a value; a FaultInjector belongs to one simulation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/instance_type.h"
#include "cluster/resources.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/rng.h"

namespace gpupack::sim {

enum class FaultKind : uint8_t {
  kSpotStorm,
  kInsufficientCapacity,
  kLaunchNeverReady,
  kMigFailure,
  kDevicePluginShortfall,
};

// "spot-storm", "insufficient-capacity", "launch-never-ready", "mig-failure",
// "device-plugin-shortfall".
std::string_view FaultKindName(FaultKind kind);
std::optional<FaultKind> ParseFaultKind(std::string_view name);

struct Fault {
  FaultKind kind = FaultKind::kSpotStorm;
  Duration from{0};
  Duration until = Duration::max();  // exclusive; max: to the end of the run
  // kSpotStorm: the share of Spot nodes hit (0..1). Other kinds but kInsufficientCapacity: the
  // probability per launch, reconfiguration or configured node (0..1).
  double fraction = 1.0;
  // kInsufficientCapacity: instance type globs; a capacity type and zone when only one offering
  // is out (nullopt / empty: all of them).
  std::vector<std::string> instance_types;
  std::optional<cluster::CapacityType> capacity_type;
  std::string zone;
  int32_t missing = 1;  // kDevicePluginShortfall: devices not advertised per node
  std::string source;   // "faults.yaml:12", for messages

  bool ActiveAt(Duration now) const { return now >= from && now < until; }
};

// What the injector did, and what the simulated cloud observed of the invariants the chaos
// suite asserts (src/sim/chaos_test.cc).
struct FaultReport {
  int64_t spot_notices = 0;             // by storms (not the scenario's steady rate)
  int64_t capacity_errors = 0;          // launches refused by an insufficient-capacity fault
  int64_t never_ready = 0;              // machines that never booted
  int64_t mig_failures = 0;             // reconfigurations that ended `failed`
  int64_t shortfalls = 0;               // nodes whose device plugin advertised less
  int64_t launches_expired = 0;         // stuck launches the control loop gave back
  int64_t busy_gpus_reconfigured = 0;   // invariant: a GPU holding a pod was repartitioned
  int64_t launches_without_demand = 0;  // invariant: a node bought with no pod nominated to it
};

class FaultInjector {
 public:
  FaultInjector(std::vector<Fault> faults, uint64_t seed);

  const std::vector<Fault>& faults() const { return faults_; }

  // Whether a launch of `type` through (capacity_type, zone) fails now with insufficient
  // capacity; counts it when it does.
  bool OutOfCapacity(std::string_view type, cluster::CapacityType capacity_type,
                     std::string_view zone, Duration now);

  // Draws whether a machine launched now never boots.
  bool NeverReady(Duration now);

  // Draws whether a MIG reconfiguration started now fails.
  bool ReconfigurationFails(Duration now);

  // Draws how many devices the device plugin leaves out of a node configured now (0: none) and
  // takes them off `allocatable`'s nvidia.com/* resources, the most plentiful first.
  void ApplyShortfall(Duration now, cluster::Resources& allocatable);

  // The storm `fault` (kSpotStorm) hits `count` of `spot_nodes` candidates: the indices chosen
  // (into the candidates) and when each gets its notice, sorted by time.
  struct Notice {
    size_t candidate = 0;
    Duration at{0};
  };

  std::vector<Notice> StormNotices(const Fault& fault, size_t spot_nodes, Duration end);

  FaultReport report;

 private:
  // Draws against every active fault of `kind`: true when one of them fires.
  bool Draw(FaultKind kind, Duration now, const Fault** fired = nullptr);

  std::vector<Fault> faults_;
  Rng rng_;
};

}  // namespace gpupack::sim
