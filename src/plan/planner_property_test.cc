// Properties of MakePlan on random clusters and pods: nothing over-committed, every geometry
// valid, removals never strand a pod, every pending pod accounted once, deterministic, cost at
// least the lower bound; PlaceOnExistingNodes (the control loop's fast path) agrees with it.
#include <algorithm>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "plan/fit.h"
#include "plan/planner.h"
#include "plan/repartitioner.h"
#include "plan/testing/fixtures.h"

namespace gpupack::plan {
namespace {

using cluster::MigStrategy;
using testing::CatalogForTest;
using testing::GpuNodeForTest;
using testing::MigSharing;

constexpr const char* kA100 = "A100-SXM4-40GB";

const gpu::GpuCatalog& Catalog() {
  static const gpu::GpuCatalog catalog = CatalogForTest();
  return catalog;
}

const std::vector<std::string>& Profiles() {
  static const std::vector<std::string> profiles = {"1g.5gb", "2g.10gb", "3g.20gb", "4g.20gb",
                                                    "7g.40gb"};
  return profiles;
}

cluster::SharingConfig RandomSharing(int kind) {
  switch (kind) {
    case 0:
      return cluster::SharingConfig{};
    case 1:
      return testing::TimeSliced(2);
    case 2:
      return testing::TimeSliced(7);
    case 3:
      return MigSharing(Catalog(), kA100, std::vector<std::string>(7, "1g.5gb"),
                        MigStrategy::kSingle);
    case 4:
      return MigSharing(Catalog(), kA100, {"3g.20gb", "2g.10gb", "1g.5gb", "1g.5gb"},
                        MigStrategy::kMixed);
    default:
      return MigSharing(Catalog(), kA100, {"7g.40gb"}, MigStrategy::kMixed);
  }
}

cluster::Pod RandomPod(const std::string& name, int kind, int size) {
  switch (kind) {
    case 0:
      return testing::GpuPod(name, 1 + size % 2);
    case 1:
      return testing::GpuPod(name, 1, std::to_string(2 + size * 3) + "Gi", true);
    case 2:
      return testing::SeedMigPod(name, "1g.5gb");
    case 3:
      return testing::MixedMigPod(name, Profiles()[static_cast<size_t>(size) % Profiles().size()]);
    default:
      return testing::CpuPod(name, 500 + size * 4000);
  }
}

// Whether the replicas of some shared device (a time-sliced GPU or MIG instance) were given more
// GPU memory than it has.
bool GpuMemoryOvercommitted(const cluster::Node& node, const FitChecker& fit) {
  for (const cluster::NodeGpu& device : node.gpus) {
    if (device.SlotsPerDevice() <= 1) {
      continue;
    }
    const gpu::GpuModel* model = fit.ModelOf(device);
    int count = device.sharing.IsMig() ? device.sharing.InstanceCount() : 1;
    for (int d = 0; d < count; ++d) {
      int instance = device.sharing.IsMig() ? d : -1;
      int64_t memory = 0;
      for (const cluster::GpuAllocation& a : device.allocations) {
        if (a.instance == instance) {
          memory += a.gpu_memory_bytes;
        }
      }
      if (memory > DeviceMemoryBytes(device, model, instance)) {
        return true;
      }
    }
  }
  return false;
}

cluster::ClusterSnapshot RandomSnapshot() {
  int node_count = *rc::gen::inRange(1, 6);
  std::vector<cluster::Node> nodes;
  std::vector<cluster::NodeTemplate> templates;
  cluster::NodeTemplate dynamic;
  dynamic.name = "dyn";
  dynamic.mig.enabled = true;
  dynamic.mig.strategy = MigStrategy::kMixed;
  dynamic.mig.dynamic = true;
  templates.push_back(dynamic);
  for (int i = 0; i < node_count; ++i) {
    int kind = *rc::gen::inRange(0, 6);
    int gpus = *rc::gen::inRange(1, 3);
    std::string name = "n" + std::to_string(i);
    nodes.push_back(GpuNodeForTest(name, Catalog(), kA100, gpus, RandomSharing(kind),
                                   kind >= 4 ? "dyn" : "t", 1.0 + i));
  }
  std::vector<cluster::Pod> pods;
  int pod_count = *rc::gen::inRange(0, 20);
  for (int i = 0; i < pod_count; ++i) {
    cluster::Pod pod =
        RandomPod("p" + std::to_string(i), *rc::gen::inRange(0, 5), *rc::gen::inRange(0, 5));
    pod.priority = *rc::gen::inRange(0, 3);
    if (*rc::gen::inRange(0, 3) == 0) {
      pod.node_name = "n" + std::to_string(*rc::gen::inRange(0, node_count));
      pod.phase = cluster::PodPhase::kRunning;
    }
    pods.push_back(std::move(pod));
  }
  std::vector<std::string> warnings;
  auto snapshot = cluster::BuildSnapshot(std::move(nodes), std::move(pods), std::move(templates),
                                         cluster::InstanceCatalog(), Catalog(), warnings);
  RC_ASSERT(snapshot.has_value());
  // Pods bound beyond a node's capacity are a broken input, not what the planner is judged on.
  RC_PRE(warnings.empty());
  // Nor are pods bound to replicas whose memory they overcommit: the device plugin does not
  // enforce gpupack's GPU memory, so Kubernetes may have bound them.
  FitChecker fit(Catalog());
  for (const cluster::Node& node : snapshot->nodes) {
    RC_PRE(node.allocatable.Covers(node.requested));
    RC_PRE(!GpuMemoryOvercommitted(node, fit));
  }
  return *std::move(snapshot);
}

// The cluster after `plan`, replayed from the snapshot: moved pods released from their old node,
// every placement on an existing node accounted on the devices the plan names.
std::vector<cluster::Node> Replay(const cluster::ClusterSnapshot& snapshot, const Plan& plan,
                                  const FitChecker& fit) {
  std::vector<cluster::Node> nodes = snapshot.nodes;
  auto find = [&](const std::string& name) -> cluster::Node* {
    for (cluster::Node& n : nodes) {
      if (n.name == name) {
        return &n;
      }
    }
    return nullptr;
  };
  for (const Reconfiguration& r : plan.reconfigurations) {
    cluster::Node* node = find(r.node);
    RC_ASSERT(node != nullptr);
    RC_ASSERT(node->gpus[static_cast<size_t>(r.gpu)].IsIdle());
    ApplySharing(*node, static_cast<size_t>(r.gpu), r.to.sharing, fit);
  }
  for (const Placement& p : plan.placements) {
    const cluster::Pod* pod = snapshot.FindPod(p.pod);
    RC_ASSERT(pod != nullptr);
    if (p.moved) {
      cluster::Node* from = find(pod->node_name);
      RC_ASSERT(from != nullptr);
      cluster::ReleasePod(*from, *pod);
    }
    cluster::Node* to = find(p.node);
    if (to != nullptr) {
      Assign(*to, *pod, p.devices);
    }
  }
  return nodes;
}

// A placement policy and a disruption budget drawn at random.
PlanOptions RandomOptions() {
  PlanOptions options;
  options.placement_policy =
      *rc::gen::element<std::string>("gpupack", "first-fit", "best-fit", "fgd");
  options.disruption_budget = *rc::gen::inRange(0, 3);
  return options;
}

RC_GTEST_PROP(PlannerProperty, PlansNeverOvercommitAndNeverStrandAPod, ()) {
  cluster::ClusterSnapshot snapshot = RandomSnapshot();
  PlanOptions options = RandomOptions();
  auto plan = MakePlan(snapshot, Catalog(), options);
  RC_ASSERT(plan.has_value());
  FitChecker fit(Catalog());
  std::vector<cluster::Node> after = Replay(snapshot, *plan, fit);

  std::set<std::string> removed;
  for (const Removal& r : plan->removals) {
    removed.insert(r.node);
  }
  for (const cluster::Node& node : after) {
    // Kubernetes' counts.
    RC_ASSERT(node.allocatable.Covers(node.requested));
    RC_ASSERT(!GpuMemoryOvercommitted(node, fit));
    for (const cluster::NodeGpu& device : node.gpus) {
      const gpu::GpuModel* model = fit.ModelOf(device);
      int count = device.sharing.IsMig() ? device.sharing.InstanceCount() : 1;
      for (int d = 0; d < count; ++d) {
        RC_ASSERT(device.FreeSlots(device.sharing.IsMig() ? d : -1) >= 0);
      }
      if (device.sharing.IsMig()) {
        const gpu::MigGeometryEngine& engine = Catalog().Geometry(*model);
        RC_ASSERT(engine.ValidatePlacements(device.sharing.geometry.placements).has_value());
        RC_ASSERT(cluster::ValidateSharing(device.sharing, *model, engine).has_value());
      }
    }
    if (removed.count(node.name) != 0) {
      RC_ASSERT(node.pods.empty());
    }
  }
  // Every pending pod once; moved pods were running.
  std::map<std::string, int> seen;
  for (const Placement& p : plan->placements) {
    if (!p.moved) {
      ++seen[p.pod];
    }
    RC_ASSERT(removed.count(p.node) == 0);
  }
  for (const Unschedulable& u : plan->unschedulable) {
    ++seen[u.pod];
  }
  for (const cluster::Pod& pod : snapshot.pods) {
    if (!pod.IsBound() && !pod.IsTerminal()) {
      RC_ASSERT(seen[pod.Key()] == 1);
    }
  }
  double provisioned = 0;
  for (const Provision& p : plan->provisions) {
    provisioned += p.price_per_hour * p.count;
  }
  RC_ASSERT(provisioned + 1e-9 >= plan->lower_bound_cost_per_hour);
  RC_ASSERT(plan->cost_per_hour + 1e-9 >= plan->lower_bound_cost_per_hour);
  auto again = MakePlan(snapshot, Catalog(), options);
  RC_ASSERT(again.has_value());
  RC_ASSERT(*again == *plan);
}

RC_GTEST_PROP(PlannerProperty, PlanningOnAGivenUpSnapshotGivesTheSamePlanAsOnACopy, ()) {
  cluster::ClusterSnapshot snapshot = RandomSnapshot();
  PlanOptions options = RandomOptions();
  options.reference_costs = false;
  auto on_copy = MakePlan(snapshot, Catalog(), options);
  auto in_place = MakePlan(cluster::ClusterSnapshot(snapshot), Catalog(), options);
  RC_ASSERT(on_copy.has_value());
  RC_ASSERT(in_place.has_value());
  RC_ASSERT(*in_place == *on_copy);
}

RC_GTEST_PROP(PlannerProperty, PlacingOnExistingNodesAloneMatchesTheFullPlanWhenEveryPodFits, ()) {
  cluster::ClusterSnapshot snapshot = RandomSnapshot();
  PlanOptions options = RandomOptions();
  options.reference_costs = false;
  auto full = MakePlan(snapshot, Catalog(), options);
  RC_ASSERT(full.has_value());

  std::vector<const cluster::Node*> lent;
  for (const cluster::Node& node : snapshot.nodes) {
    lent.push_back(&node);
  }
  const std::vector<cluster::Node> before = snapshot.nodes;
  cluster::CopyOnWriteNodes nodes(lent);
  FitChecker fit(Catalog());
  PlacerCache placers(fit);
  auto fast =
      PlaceOnExistingNodes(snapshot.PendingPods(), nodes, placers, snapshot.templates, options);
  RC_ASSERT(fast.has_value());
  for (size_t i = 0; i < before.size(); ++i) {  // the lent nodes are only read
    RC_ASSERT(snapshot.nodes[i].pods == before[i].pods);
    RC_ASSERT(snapshot.nodes[i].gpus == before[i].gpus);
    RC_ASSERT(snapshot.nodes[i].requested == before[i].requested);
  }

  // Whether step 1 of the full plan placed every pending pod: then it bought nothing,
  // repartitioned nothing and gave up on no pod it could run.
  bool gave_up = std::any_of(full->unschedulable.begin(), full->unschedulable.end(),
                             [&](const Unschedulable& u) {
                               const cluster::Pod* pod = snapshot.FindPod(u.pod);
                               return pod != nullptr && pod->IsSatisfiable();
                             });
  bool all_on_existing = full->provisions.empty() && full->reconfigurations.empty() && !gave_up;
  RC_CLASSIFY(fast->has_value(), "every pod fits existing nodes");
  RC_ASSERT(fast->has_value() == all_on_existing);
  if (fast->has_value()) {
    std::vector<Placement> placed;
    for (const Placement& p : full->placements) {
      if (!p.moved) {
        placed.push_back(p);
      }
    }
    RC_ASSERT(**fast == placed);
  }
}

}  // namespace
}  // namespace gpupack::plan
