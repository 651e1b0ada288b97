#include "plan/planner.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plan/consolidator.h"
#include "plan/fit.h"
#include "plan/lower_bound.h"
#include "plan/placer.h"
#include "plan/provisioner.h"
#include "plan/repartitioner.h"

namespace gpupack::plan {
namespace {

bool TemplateAllowed(const PlanOptions& options, std::string_view name) {
  return options.allowed_templates.empty() ||
         std::find(options.allowed_templates.begin(), options.allowed_templates.end(), name) !=
             options.allowed_templates.end();
}

// `templates` sorted by name, as a snapshot's.
[[nodiscard]] Status CheckOptions(const std::vector<cluster::NodeTemplate>& templates,
                                  const PlanOptions& options) {
  if (options.disruption_budget < 0) {
    return InvalidArgumentError("disruption budget must be >= 0, got " +
                                std::to_string(options.disruption_budget));
  }
  for (const std::string& name : options.allowed_templates) {
    auto it = std::lower_bound(
        templates.begin(), templates.end(), name,
        [](const cluster::NodeTemplate& t, const std::string& wanted) { return t.name < wanted; });
    if (it == templates.end() || it->name != name) {
      return InvalidArgumentError("allowed template \"" + name +
                                  "\" is not a NodeTemplate of the snapshot");
    }
  }
  return OkStatus();
}

// By pod, a pod's placement before its move.
void SortPlacements(std::vector<Placement>& placements) {
  std::sort(placements.begin(), placements.end(), [](const Placement& a, const Placement& b) {
    return a.pod != b.pod ? a.pod < b.pod : a.moved < b.moved;
  });
}

// The index of node `name` in `nodes` (sorted by name, as in a snapshot).
std::optional<size_t> NodeIndex(const std::vector<cluster::Node>& nodes, std::string_view name) {
  auto it = std::lower_bound(
      nodes.begin(), nodes.end(), name,
      [](const cluster::Node& n, std::string_view wanted) { return n.name < wanted; });
  if (it == nodes.end() || it->name != name) {
    return std::nullopt;
  }
  return static_cast<size_t>(it - nodes.begin());
}

// What the GPU pods on the planned nodes (kept and new) would cost with one unshared GPU per
// requested GPU: Plan::dedicated_cost_per_hour.
double DedicatedCostPerHour(const cluster::ClusterSnapshot& snapshot,
                            const std::vector<cluster::Node>& nodes, const Plan& plan,
                            const PlanOptions& options) {
  double gpu_price = CheapestGpuPricePerHour(snapshot, options);
  double cost = 0;
  for (const cluster::Node& node : nodes) {
    for (const std::string& key : node.pods) {
      const cluster::Pod* pod = snapshot.FindPod(key);
      if (pod != nullptr && pod->gpu.IsGpu()) {
        cost += gpu_price * static_cast<double>(pod->gpu.count);
      }
    }
  }
  for (const Placement& p : plan.placements) {
    const cluster::Pod* pod = snapshot.FindPod(p.pod);
    if (pod != nullptr && pod->gpu.IsGpu() && !NodeIndex(nodes, p.node)) {
      cost += gpu_price * static_cast<double>(pod->gpu.count);
    }
  }
  return cost;
}

}  // namespace

double CheapestGpuPricePerHour(const cluster::ClusterSnapshot& snapshot,
                               const PlanOptions& options) {
  double best = std::numeric_limits<double>::infinity();
  for (const cluster::NodeTemplate& node_template : snapshot.templates) {
    if (!TemplateAllowed(options, node_template.name)) {
      continue;
    }
    for (const cluster::InstanceType& type : snapshot.instances.types()) {
      if (type.gpu_count <= 0 || !node_template.AllowsInstanceType(type)) {
        continue;
      }
      for (const cluster::Offering& offering : type.offerings) {
        if (node_template.AllowsOffering(offering)) {
          best = std::min(best, offering.price_per_hour / type.gpu_count);
        }
      }
    }
  }
  if (best == std::numeric_limits<double>::infinity()) {
    for (const cluster::Node& node : snapshot.nodes) {
      if (!node.gpus.empty() && node.price_per_hour > 0) {
        best = std::min(best, node.price_per_hour / static_cast<double>(node.gpus.size()));
      }
    }
  }
  return best == std::numeric_limits<double>::infinity() ? 0 : best;
}

namespace {

// MakePlan's work. `nodes` starts as the snapshot's nodes and takes the plan's changes; it may be
// snapshot.nodes itself: past the placements, the snapshot's nodes are only read for what
// placing pods does not change (the provisioner's template usage: templates, GPU counts, prices),
// except by the reference costs, which need a copy.
Result<Plan> PlanOn(const cluster::ClusterSnapshot& snapshot, std::vector<cluster::Node>& nodes,
                    const gpu::GpuCatalog& catalog, const PlanOptions& options) {
  GP_TRY(CheckOptions(snapshot.templates, options));
  GP_ASSIGN_OR_RETURN(PlacementPolicy policy, ParsePlacementPolicy(options.placement_policy));
  Plan plan;
  for (const cluster::Pod* pod : snapshot.UnsatisfiablePods()) {
    if (!pod->IsBound() && !pod->IsTerminal()) {
      plan.unschedulable.push_back(Unschedulable{pod->Key(), pod->unsatisfiable_reason});
    }
  }

  FitChecker fit(catalog);
  std::vector<const cluster::Pod*> pending = snapshot.PendingPods();
  SortForPlacement(pending);
  Placer placer(fit, policy, pending);

  // 1. Existing capacity.
  std::vector<const cluster::Pod*> unplaced;
  plan.placements = PlacePods(placer, pending, nodes, unplaced);

  // 2. Idle dynamic MIG GPUs.
  if (options.repartition && !unplaced.empty()) {
    RepartitionResult repartition = Repartition(snapshot, fit, nodes, unplaced);
    plan.reconfigurations = std::move(repartition.reconfigurations);
    for (Placement& p : repartition.placements) {
      plan.placements.push_back(std::move(p));
    }
  }

  // 3. New nodes.
  if (!unplaced.empty()) {
    ProvisionRequest request{
        .snapshot = &snapshot, .pods = unplaced, .catalog = &catalog, .options = options};
    GP_ASSIGN_OR_RETURN(ProvisionResult provisioned, ProvisionNodes(request));
    plan.provisions = std::move(provisioned.provisions);
    for (Placement& p : provisioned.placements) {
      plan.placements.push_back(std::move(p));
    }
    for (Unschedulable& u : provisioned.unschedulable) {
      plan.unschedulable.push_back(std::move(u));
    }
  }

  // 4. Nodes to give back. Nodes that just received pending pods stay.
  std::vector<size_t> touched;
  for (const Placement& p : plan.placements) {
    if (std::optional<size_t> index = NodeIndex(nodes, p.node)) {
      touched.push_back(*index);
    }
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  ConsolidationResult consolidation = Consolidate(snapshot, placer, options, nodes, touched);
  plan.removals = std::move(consolidation.removals);
  for (Placement& p : consolidation.moves) {
    plan.placements.push_back(std::move(p));
  }

  // 5. Costs.
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!std::binary_search(consolidation.removed.begin(), consolidation.removed.end(), i)) {
      plan.cost_per_hour += nodes[i].price_per_hour;
    }
  }
  for (const Provision& p : plan.provisions) {
    plan.cost_per_hour += p.price_per_hour * p.count;
  }
  if (options.reference_costs) {
    plan.dedicated_cost_per_hour = DedicatedCostPerHour(snapshot, nodes, plan, options);
    // The bound is on hosting what this plan hosts: no plan can be held to pods it cannot place.
    std::vector<std::string_view> left_out;
    for (const Unschedulable& u : plan.unschedulable) {
      left_out.push_back(u.pod);
    }
    std::sort(left_out.begin(), left_out.end());
    std::vector<const cluster::Pod*> hosted;
    for (const cluster::Pod* pod : pending) {
      if (!std::binary_search(left_out.begin(), left_out.end(), pod->Key())) {
        hosted.push_back(pod);
      }
    }
    GP_ASSIGN_OR_RETURN(plan.lower_bound_cost_per_hour,
                        LowerBoundCostPerHour(snapshot, hosted, catalog, options));
  }

  SortPlacements(plan.placements);
  std::sort(plan.reconfigurations.begin(), plan.reconfigurations.end(),
            [](const Reconfiguration& a, const Reconfiguration& b) {
              return a.node != b.node ? a.node < b.node : a.gpu < b.gpu;
            });
  std::sort(
      plan.provisions.begin(), plan.provisions.end(), [](const Provision& a, const Provision& b) {
        // Both arms string_view: `? "" : front()` would make a temporary std::string.
        std::string_view na =
            a.node_names.empty() ? std::string_view() : std::string_view(a.node_names.front());
        std::string_view nb =
            b.node_names.empty() ? std::string_view() : std::string_view(b.node_names.front());
        return na != nb ? na < nb : a.instance_type < b.instance_type;
      });
  std::sort(plan.unschedulable.begin(), plan.unschedulable.end(),
            [](const Unschedulable& a, const Unschedulable& b) { return a.pod < b.pod; });
  return plan;
}

}  // namespace

Result<Plan> MakePlan(const cluster::ClusterSnapshot& snapshot, const gpu::GpuCatalog& catalog,
                      const PlanOptions& options) {
  std::vector<cluster::Node> nodes = snapshot.nodes;
  return PlanOn(snapshot, nodes, catalog, options);
}

Result<Plan> MakePlan(cluster::ClusterSnapshot&& snapshot, const gpu::GpuCatalog& catalog,
                      const PlanOptions& options) {
  if (options.reference_costs) {
    return MakePlan(std::as_const(snapshot), catalog, options);
  }
  return PlanOn(snapshot, snapshot.nodes, catalog, options);
}

Result<std::optional<std::vector<Placement>>> PlaceOnExistingNodes(
    std::vector<const cluster::Pod*> pending, cluster::CopyOnWriteNodes& nodes,
    PlacerCache& placers, const std::vector<cluster::NodeTemplate>& templates,
    const PlanOptions& options) {
  GP_TRY(CheckOptions(templates, options));
  GP_ASSIGN_OR_RETURN(PlacementPolicy policy, ParsePlacementPolicy(options.placement_policy));
  SortForPlacement(pending);
  const Placer& placer = placers.Get(policy, pending);
  std::vector<const cluster::Pod*> unplaced;
  std::vector<Placement> placements = PlacePods(placer, pending, nodes, unplaced);
  if (!unplaced.empty()) {
    return std::optional<std::vector<Placement>>();
  }
  SortPlacements(placements);
  return std::optional<std::vector<Placement>>(std::move(placements));
}

}  // namespace gpupack::plan
