// The control loop gpupack runs, in the controller against a real cluster and in `gpupack
// simulate` against the simulated one (DESIGN.md sections 2 and 5: the simulator is a digital
// twin). It owns the rules that are not pure planning:
//
//   - batching: pods that become pending within a short window are planned together (the window
//     closes `batch_idle` after the last pending pod, at most `batch_max` after the first, as
//     Karpenter's 1 s idle / 10 s max);
//   - coming capacity: a node launched but not ready yet is shown to the planner as if it were
//     there, with the pods nominated to it, so a second batch does not buy it again; nominated
//     pods are bound when the node is ready, and go back to pending when its launch fails or it
//     disappears;
//   - readiness: a node carrying the startup taint gpupack.io/sharing-pending takes no pods;
//   - insufficient capacity: an offering whose launch failed is not offered to the planner for
//     `capacity_error_ttl`, whether Launch said so at once (the simulator) or the view reports it
//     later (ClusterView::TakeLaunchFailures: Karpenter deletes a NodeClaim it found no capacity
//     for); a node whose launch failed later is given back and its nominated pods planned again;
//   - stuck launches: a node the loop bought that is still not ready (booted and configured)
//     `launch_timeout` later is given back and its nominated pods are planned again (Karpenter's
//     registration TTL);
//   - scale-down: a node with no pods for `empty_node_ttl` is removed, at most
//     `max_removals_per_interval` per `disruption_interval` (disruptive actions are
//     rate-limited).
//
// Time comes only from the injected Clock. The loop never sleeps: the caller (controller main
// loop or simulator) calls Reconcile() at NextWakeup() or when something changed.
//
// Thread safety: none; one loop per thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/snapshot.h"
#include "common/clock.h"
#include "common/error.h"
#include "gpu/gpu_catalog.h"
#include "plan/fit.h"
#include "plan/placer.h"
#include "plan/plan.h"

namespace gpupack::control {

// The startup taint of a node whose sharing config (MIG geometry, time-slicing replicas) is not
// applied yet.
inline constexpr std::string_view kTaintSharingPending = "gpupack.io/sharing-pending";

// Whether some device of `node` has a free slot (or the node has no GPUs): only such nodes can
// take a pending pod, so only they (and the pods bound on them) go to the planner.
bool HasFreeGpuSlot(const cluster::Node& node);

// Whether the planner must see `node`: it has a free slot, or it belongs to a template with
// limits (limits.gpus, limits.hourlyCost) or a Spot share, which the provisioner checks against
// every node the template has, full ones included. `templates` sorted by name.
bool PlannerNeedsNode(const cluster::Node& node,
                      const std::vector<cluster::NodeTemplate>& templates);

// A launch found failed after Actuator::Launch had returned: the cloud had no capacity for the
// offering, or the launch failed outright.
struct LaunchFailure {
  std::string node;  // the coming node as the view showed it
  std::string instance_type;
  cluster::CapacityType capacity_type = cluster::CapacityType::kOnDemand;
  std::string zone;  // empty: the offerings of every zone
  std::string reason;
  // Whether the failed node still exists and must be given back (Actuator::Remove); false when
  // it is gone already.
  bool exists = false;
};

// What ClusterView::Snapshot() holds, by reference instead of by copy.
struct ClusterRefs {
  std::vector<const cluster::Node*> nodes;                        // sorted by name
  std::vector<const cluster::Pod*> pods;                          // sorted by key
  const std::vector<cluster::NodeTemplate>* templates = nullptr;  // sorted by name
  const cluster::InstanceCatalog* instances = nullptr;
  // Whether `nodes` holds only nodes PlannerNeedsNode is true for (a view that lends may say so,
  // and spare the loop asking again of every node).
  bool planner_nodes_only = false;

  // Lookups by name / key (binary search); nullptr when absent.
  const cluster::Node* FindNode(std::string_view name) const;
  const cluster::Pod* FindPod(std::string_view key) const;

  // A snapshot of copies of what these refer to.
  cluster::ClusterSnapshot Copy() const;
};

// Refs to the parts of `snapshot`, which must outlive them.
ClusterRefs RefsTo(const cluster::ClusterSnapshot& snapshot);

// What the loop reads: the cluster as it is now.
class ClusterView {
 public:
  virtual ~ClusterView() = default;

  // Nodes (with their GPUs and allocations), pods, templates and the instance catalog, built
  // with cluster::BuildSnapshot's invariants (sorted, accounted). Bound pods may be left out (the
  // loop never moves running pods; nodes still account them), and so may nodes the planner does
  // not need (PlannerNeedsNode false: they can take no pod, are not empty and count against no
  // limit; a nomination to one is planned again either way); pending pods and every other node
  // may not. Leaving them out keeps
  // a pass cheap on a large cluster.
  [[nodiscard]] virtual Result<cluster::ClusterSnapshot> Snapshot() = 0;

  // The launches found failed since the last call, each once. A view whose actuator reports
  // every failure from Launch itself (ResourceExhausted; the simulator) has none.
  virtual std::vector<LaunchFailure> TakeLaunchFailures() { return {}; }

  // For a view that holds its cluster in memory (the simulator): what Snapshot() would return,
  // lent instead of copied, so that a pass over a large cluster copies only what it changes.
  // What is lent stays valid until the next call to the view or the actuator, except that a
  // Remove (of an empty node) leaves it valid and unchanged. nullopt, the default: the view does
  // not lend, the loop takes a Snapshot().
  virtual std::optional<ClusterRefs> Lend() { return std::nullopt; }
};

// What the loop does to the cluster.
class Actuator {
 public:
  virtual ~Actuator() = default;

  // Binds pending pod `pod` (a Pod::Key) to a ready node on the chosen devices.
  [[nodiscard]] virtual Status Bind(const std::string& pod, const std::string& node,
                                    const std::vector<plan::DeviceChoice>& devices) = 0;

  // Buys provision.count nodes named provision.node_names. They appear in the view at once,
  // tainted with kTaintSharingPending until their GPUs are configured. ResourceExhausted when
  // the cloud has no capacity for that offering (nothing is created then).
  [[nodiscard]] virtual Status Launch(const plan::Provision& provision) = 0;

  // Applies a new sharing config to an idle GPU (the node is tainted while it happens).
  [[nodiscard]] virtual Status Reconfigure(const plan::Reconfiguration& change) = 0;

  // Gives back an empty node.
  [[nodiscard]] virtual Status Remove(const std::string& node) = 0;
};

struct ControlOptions {
  Duration batch_idle{std::chrono::seconds(1)};
  Duration batch_max{std::chrono::seconds(10)};
  Duration empty_node_ttl{std::chrono::seconds(30)};
  Duration capacity_error_ttl{std::chrono::minutes(3)};
  Duration launch_timeout{std::chrono::minutes(15)};
  Duration disruption_interval{std::chrono::minutes(5)};
  int32_t max_removals_per_interval = 10;
  plan::PlanOptions plan;
};

// What one Reconcile did, for metrics and logs.
struct ReconcileReport {
  bool planned = false;
  int32_t bound = 0;
  int32_t nominated = 0;
  int32_t launched_nodes = 0;
  int32_t launch_failures = 0;  // from Launch, and those the view reported
  int32_t reconfigured = 0;
  int32_t removed = 0;
  int32_t launches_expired = 0;  // nodes given back because they never became ready
  // Pods the planner could not place this time, with why (they stay pending).
  std::vector<plan::Unschedulable> unschedulable;
  double lower_bound_cost_per_hour = 0;
};

class ControlLoop {
 public:
  // `clock` and `catalog` must outlive the loop.
  ControlLoop(ClusterView& view, Actuator& actuator, const Clock& clock,
              const gpu::GpuCatalog& catalog, ControlOptions options);
  // Not copied or moved: placers_ points at fit_.
  ControlLoop(const ControlLoop&) = delete;
  ControlLoop& operator=(const ControlLoop&) = delete;

  // A pod became pending (arrived, or lost its node): opens or extends the batch window.
  void NotePending();

  // A node became ready or changed: nominated pods may be bound at the next Reconcile.
  void NoteNodeChanged();

  // When Reconcile should run next (batch window end, an empty node's TTL, a nomination to
  // bind); nullopt when nothing is due.
  std::optional<Timestamp> NextWakeup() const;

  // Reads the view, binds nominated pods whose node is ready, plans the pending pods when the
  // batch window has closed, and removes nodes empty for longer than the TTL.
  [[nodiscard]] Result<ReconcileReport> Reconcile();

  // Pods nominated to nodes that are not ready yet, by pod key.
  const std::map<std::string, std::string, std::less<>>& nominations() const {
    return nominations_;
  }

 private:
  struct CapacityError {
    std::string instance_type;
    cluster::CapacityType capacity_type;
    std::string zone;  // empty: every zone
    Timestamp until;
  };

  // What one pass reads: the view's lent cluster, or a snapshot of the pass's own that `refs`
  // point into.
  struct Pass {
    std::unique_ptr<cluster::ClusterSnapshot> owned;
    ClusterRefs refs;
  };

  [[nodiscard]] Result<Pass> Read();
  [[nodiscard]] Status BindNominated(const ClusterRefs& refs, ReconcileReport& report);
  [[nodiscard]] Status PlanPending(Pass pass, ReconcileReport& report);
  // The fast path of PlanPending when every pending pod fits existing capacity: binds and
  // nominates as the full plan would, copying only the nodes it changes. False when some pod
  // fits nowhere (nothing was done; the caller plans in full).
  [[nodiscard]] Result<bool> PlanOnExisting(const ClusterRefs& refs, ReconcileReport& report);
  [[nodiscard]] Status RemoveEmpty(const ClusterRefs& refs, ReconcileReport& report);
  [[nodiscard]] Status FilterCapacityErrors(cluster::ClusterSnapshot& snapshot);
  [[nodiscard]] Status HandleLaunchFailures(ReconcileReport& report);
  void AddCapacityError(std::string instance_type, cluster::CapacityType capacity_type,
                        std::string zone);

  [[nodiscard]] Status ExpireLaunches(const ClusterRefs& refs, ReconcileReport& report);

  ClusterView* view_;
  Actuator* actuator_;
  const Clock* clock_;
  const gpu::GpuCatalog* catalog_;
  plan::FitChecker fit_;  // built once: it indexes the whole GPU catalog
  plan::PlacerCache placers_{fit_};
  ControlOptions options_;

  std::optional<Timestamp> batch_first_;
  std::optional<Timestamp> batch_last_;
  bool node_changed_ = false;
  std::map<std::string, std::string, std::less<>> nominations_;  // pod -> node
  std::map<std::string, Timestamp, std::less<>> empty_since_;    // node -> first seen empty
  std::vector<CapacityError> capacity_errors_;
  std::map<std::string, Timestamp, std::less<>> launched_at_;  // bought, not ready yet
  std::set<std::string, std::less<>> to_give_back_;            // failed launches to Remove
  Timestamp disruption_window_start_;
  int32_t removals_in_window_ = 0;
  uint64_t launches_ = 0;
};

}  // namespace gpupack::control
