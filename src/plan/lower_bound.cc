#include "plan/lower_bound.h"

#include <algorithm>
#include <map>
#include <string>

#include "plan/internal/provision_model.h"
#include "plan/lp/cutting_stock.h"

namespace gpupack::plan {
namespace {

using provision_internal::Candidate;
using provision_internal::PodClass;

// One node shape of the LP: price, and per GPU resource its slots and the classes using it.
struct Shape {
  double price = 0;

  struct Group {
    int64_t capacity = 0;
    std::vector<size_t> classes;
    std::vector<int64_t> units;  // per entry of `classes`
  };

  std::vector<Group> groups;
};

// Every sharing config a node of `candidate` may have (see the header).
std::vector<cluster::SharingConfig> AllConfigs(const Candidate& candidate,
                                               const gpu::GpuCatalog& catalog,
                                               bool any_attribute_profile) {
  const cluster::NodeTemplate& node_template = *candidate.node_template;
  const gpu::GpuModel& model = *candidate.model;
  std::vector<int32_t> replicas;
  if (node_template.time_slicing.enabled) {
    int32_t fixed = node_template.time_slicing.ReplicasFor(model.name);
    for (int32_t r = cluster::kMinReplicas; r <= cluster::kMaxReplicas; ++r) {
      if (fixed == 0 || fixed == r) {
        replicas.push_back(r);
      }
    }
  }
  std::vector<cluster::SharingConfig> configs;
  auto add = [&](cluster::SharingConfig config) {
    if (replicas.empty()) {
      configs.push_back(config);
      return;
    }
    for (int32_t r : replicas) {
      cluster::SharingConfig shared = config;
      shared.mode = config.IsMig() ? cluster::SharingMode::kMigTimeSlicing
                                   : cluster::SharingMode::kTimeSlicing;
      shared.replicas = r;
      configs.push_back(shared);
    }
  };
  add(cluster::SharingConfig{});
  if (node_template.mig.enabled && model.mig_capable) {
    const gpu::MigGeometryEngine& engine = catalog.Geometry(model);
    gpu::ProfileSet set = any_attribute_profile ? gpu::ProfileSet::kAll : gpu::ProfileSet::kBase;
    bool mixed = node_template.mig.strategy == cluster::MigStrategy::kMixed;
    std::vector<gpu::MigGeometry> geometries;
    if (mixed) {
      auto maximal = engine.MaximalGeometries(set);
      geometries.assign(maximal.begin(), maximal.end());
    } else {
      for (size_t profile = 0; profile < engine.profile_count(); ++profile) {
        if (set == gpu::ProfileSet::kBase && !model.mig_profiles[profile].IsBase()) {
          continue;
        }
        gpu::ProfileCounts only(engine.profile_count(), 0);
        only[profile] = 8;
        auto choice = engine.Best(only);
        if (choice) {
          geometries.push_back(choice->geometry);
        }
      }
    }
    for (gpu::MigGeometry& geometry : geometries) {
      cluster::SharingConfig config;
      config.mode = cluster::SharingMode::kMig;
      config.geometry = std::move(geometry);
      config.mig_strategy = mixed ? cluster::MigStrategy::kMixed : cluster::MigStrategy::kSingle;
      add(std::move(config));
    }
  }
  return configs;
}

// Whether an existing node might host pods of `pod`'s kind after a repartition.
bool ExistingNodeMightHost(const cluster::Pod& pod, const cluster::Node& node) {
  if (!node.ready || node.unschedulable || (pod.gpu.IsGpu() && node.gpus.empty())) {
    return false;
  }
  cluster::Labels labels = node.labels;
  for (const auto& [key, value] : pod.node_selector) {
    if (key.starts_with("nvidia.com/")) {
      labels.insert_or_assign(key, value);
    }
  }
  std::vector<cluster::Taint> taints;
  for (const cluster::Taint& taint : node.taints) {
    if (taint.key != cluster::kTaintMig) {
      taints.push_back(taint);
    }
  }
  return cluster::MatchesNodeLabels(pod, labels, node.name) &&
         cluster::FindUntoleratedTaint(pod.tolerations, taints) == nullptr;
}

// Best multiset for one group by unbounded knapsack: value per class from `duals`.
double Knapsack(const Shape::Group& group, std::span<const double> duals,
                std::vector<int>& coverage) {
  auto capacity = static_cast<size_t>(group.capacity);
  std::vector<double> best(capacity + 1, 0);
  std::vector<int> choice(capacity + 1, -1);
  for (size_t c = 1; c <= capacity; ++c) {
    best[c] = best[c - 1];
    choice[c] = -1;
    for (size_t k = 0; k < group.classes.size(); ++k) {
      auto units = static_cast<size_t>(group.units[k]);
      double value = duals[group.classes[k]];
      if (units <= c && value > 0 && best[c - units] + value > best[c] + 1e-12) {
        best[c] = best[c - units] + value;
        choice[c] = static_cast<int>(k);
      }
    }
  }
  for (size_t c = capacity; c > 0;) {
    if (choice[c] < 0) {
      --c;
      continue;
    }
    auto k = static_cast<size_t>(choice[c]);
    ++coverage[group.classes[k]];
    c -= static_cast<size_t>(group.units[k]);
  }
  return best[capacity];
}

}  // namespace

Result<double> LowerBoundCostPerHour(const cluster::ClusterSnapshot& snapshot,
                                     std::span<const cluster::Pod* const> pending,
                                     const gpu::GpuCatalog& catalog, const PlanOptions& options) {
  std::vector<const cluster::Pod*> needing;
  bool attribute_profile = false;
  for (const cluster::Pod* pod : pending) {
    if (!pod->gpu.IsGpu() || !pod->IsSatisfiable()) {
      continue;  // CPU-only pods are relaxed away; unsatisfiable ones cost nothing
    }
    bool existing =
        std::any_of(snapshot.nodes.begin(), snapshot.nodes.end(),
                    [&](const cluster::Node& node) { return ExistingNodeMightHost(*pod, node); });
    if (!existing) {
      needing.push_back(pod);
      attribute_profile =
          attribute_profile || pod->gpu.mig_profile.find_first_of("+-") != std::string::npos;
    }
  }
  std::vector<PodClass> classes = provision_internal::GroupPods(needing);
  std::vector<std::string> problems;
  std::vector<Candidate> candidates =
      provision_internal::Candidates(snapshot, catalog, options, problems);

  // Shapes, keyed by what they serve, keeping the cheapest price.
  std::map<std::string, Shape> shapes;
  std::vector<bool> servable(classes.size(), false);
  for (const Candidate& candidate : candidates) {
    for (const cluster::SharingConfig& sharing :
         AllConfigs(candidate, catalog, attribute_profile)) {
      cluster::Node node = cluster::PlannedNode("", *candidate.node_template, *candidate.type,
                                                *candidate.offering, sharing, *candidate.model);
      std::map<std::string, Shape::Group> groups;
      for (size_t i = 0; i < classes.size(); ++i) {
        const cluster::Pod& pod = classes[i].representative();
        provision_internal::Misfit misfit =
            provision_internal::CheckEmptyNode(pod, candidate, sharing, node);
        if (misfit.stage != 0 && misfit.stage != 5) {
          continue;  // stage 5 (cpu, memory, pods) is relaxed
        }
        const std::string& resource = pod.gpu.resource_name;
        int64_t units = std::max<int64_t>(pod.requests.Get(resource), 1);
        Shape::Group& group = groups[resource];
        group.capacity = node.allocatable.Get(resource);
        if (units <= group.capacity) {
          group.classes.push_back(i);
          group.units.push_back(units);
          servable[i] = true;
        }
      }
      std::string key;
      Shape shape;
      shape.price = candidate.offering->price_per_hour;
      for (auto& [resource, group] : groups) {
        if (group.classes.empty()) {
          continue;
        }
        key += resource + "=" + std::to_string(group.capacity) + ":";
        for (size_t k = 0; k < group.classes.size(); ++k) {
          key += std::to_string(group.classes[k]) + "x" + std::to_string(group.units[k]) + ",";
        }
        key += ';';
        shape.groups.push_back(std::move(group));
      }
      if (shape.groups.empty()) {
        continue;
      }
      auto [it, inserted] = shapes.try_emplace(key, shape);
      if (!inserted && shape.price < it->second.price) {
        it->second.price = shape.price;
      }
    }
  }

  lp::CoveringProblem problem;
  std::vector<size_t> rows;  // class per row
  for (size_t i = 0; i < classes.size(); ++i) {
    if (servable[i]) {
      rows.push_back(i);
      problem.demand.push_back(static_cast<int>(classes[i].pods.size()));
    }
  }
  if (rows.empty()) {
    return 0.0;
  }
  std::vector<int> row_of(classes.size(), -1);
  for (size_t r = 0; r < rows.size(); ++r) {
    row_of[rows[r]] = static_cast<int>(r);
  }
  std::vector<const Shape*> shape_list;
  for (const auto& [key, shape] : shapes) {
    shape_list.push_back(&shape);
  }
  lp::PricingCallback pricing =
      [&](std::span<const double> duals) -> std::optional<lp::CoverColumn> {
    std::vector<double> class_duals(classes.size(), 0);
    for (size_t r = 0; r < rows.size(); ++r) {
      class_duals[rows[r]] = duals[r];
    }
    std::optional<lp::CoverColumn> best;
    double best_reduced = -1e-7;
    for (const Shape* shape : shape_list) {
      std::vector<int> coverage(classes.size(), 0);
      double value = 0;
      for (const Shape::Group& group : shape->groups) {
        value += Knapsack(group, class_duals, coverage);
      }
      double reduced = shape->price - value;
      if (reduced < best_reduced) {
        best_reduced = reduced;
        lp::CoverColumn column;
        column.cost = shape->price;
        column.coverage.assign(rows.size(), 0);
        for (size_t i = 0; i < classes.size(); ++i) {
          if (row_of[i] >= 0) {
            column.coverage[static_cast<size_t>(row_of[i])] = coverage[i];
          }
        }
        best = std::move(column);
      }
    }
    return best;
  };
  GP_ASSIGN_OR_RETURN(lp::CoveringSolution solution, lp::SolveCovering(problem, pricing));
  return solution.lp_bound;
}

}  // namespace gpupack::plan
