#include "plan/lower_bound.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "plan/fit.h"
#include "plan/internal/provision_model.h"
#include "plan/lp/cutting_stock.h"

namespace gpupack::plan {
namespace {

using provision_internal::Candidate;
using provision_internal::PodClass;

// A device's memory is counted in this many units; pods' budgets are rounded down to units and
// the device's memory too, so the rounded sum can only allow more (see the header).
constexpr int64_t kMemoryUnits = 32;

// The replica counts a GPU's sharing config may have: [lo, hi]; {1, 1} when not time-sliced.
struct ReplicaRange {
  int32_t lo = 1;
  int32_t hi = 1;
};

// A sharing config family of one GPU: the config at the loosest replica count, and the range.
struct Family {
  cluster::SharingConfig sharing;
  ReplicaRange replicas;
};

// A class that may put pieces on a kind of device.
struct Item {
  size_t cls = 0;
  int32_t cap = 1;     // the most replicas at which a slot still gives the pod's compute share
  int64_t memory = 0;  // units per piece
};

// Devices of one kind (a GPU, or the MIG instances of one profile) under one family.
struct DeviceKind {
  ReplicaRange replicas;
  int64_t memory_capacity = 0;  // units
  std::vector<Item> items;

  std::string Key() const {
    std::string key = std::to_string(replicas.lo) + "-" + std::to_string(replicas.hi) + "/" +
                      std::to_string(memory_capacity) + ":";
    for (const Item& item : items) {
      key += std::to_string(item.cls) + "c" + std::to_string(item.cap) + "m" +
             std::to_string(item.memory) + ",";
    }
    return key;
  }
};

// One GPU column family: the price of one GPU and its devices, by kind.
struct GpuShape {
  double price = 0;
  std::vector<std::pair<size_t, int>> kinds;  // index into the kinds, devices of it on the GPU
};

// Every sharing config family a GPU of `candidate` may have (see the header).
std::vector<Family> Families(const Candidate& candidate, const gpu::GpuCatalog& catalog,
                             bool any_attribute_profile) {
  const cluster::NodeTemplate& node_template = *candidate.node_template;
  const gpu::GpuModel& model = *candidate.model;
  bool time_slicing = node_template.time_slicing.enabled;
  ReplicaRange range;
  if (time_slicing) {
    int32_t fixed = node_template.time_slicing.ReplicasFor(model.name);
    range = fixed > 0 ? ReplicaRange{fixed, fixed}
                      : ReplicaRange{cluster::kMinReplicas, cluster::kMaxReplicas};
  }
  std::vector<Family> families;
  auto add = [&](cluster::SharingConfig config) {
    if (time_slicing) {
      config.mode = config.IsMig() ? cluster::SharingMode::kMigTimeSlicing
                                   : cluster::SharingMode::kTimeSlicing;
      config.replicas = range.lo;
    }
    families.push_back(Family{std::move(config), range});
  };
  add(cluster::SharingConfig{});
  if (!node_template.mig.enabled || !model.mig_capable) {
    return families;
  }
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
  return families;
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

// One unit of `pod`: what Fit checks against a single device.
cluster::Pod OnePiece(const cluster::Pod& pod) {
  cluster::Pod piece = pod;
  piece.gpu.count = 1;
  if (!pod.gpu.resource_name.empty()) {
    piece.requests.Set(pod.gpu.resource_name, 1);
  }
  return piece;
}

// The kind of device of MIG profile `profile` (any when not MIG) of GPU config `family` on
// `node` (planned with it), with the classes whose pods fit `node` (`fits_node`) and one unit
// of which fits a device of that kind.
DeviceKind MakeKind(const FitChecker& fit, const cluster::Node& node, const Family& family,
                    size_t profile, std::span<const cluster::Pod> pieces,
                    std::span<const PodClass> classes, const std::vector<bool>& fits_node) {
  cluster::Node only = node;
  if (family.sharing.IsMig()) {
    for (cluster::NodeGpu& device : only.gpus) {
      std::erase_if(device.sharing.geometry.placements,
                    [&](const gpu::MigPlacement& p) { return p.profile != profile; });
    }
  }
  const cluster::NodeGpu& device = only.gpus.front();
  const gpu::GpuModel* model = fit.ModelOf(device);
  int instance = family.sharing.IsMig() ? 0 : -1;
  cluster::NodeGpu unshared = device;
  unshared.sharing.replicas = 1;
  int64_t share = SlotMilliGpu(unshared, model, instance);
  int64_t memory = DeviceMemoryBytes(device, model, instance);
  int64_t unit = std::max<int64_t>(1, (memory + kMemoryUnits - 1) / kMemoryUnits);
  DeviceKind kind;
  kind.replicas = family.replicas;
  kind.memory_capacity = memory / unit;
  for (size_t i = 0; i < classes.size(); ++i) {
    if (!fits_node[i] || !fit.Fits(pieces[i], only, nullptr)) {
      continue;
    }
    const cluster::GpuDemand& demand = classes[i].representative().gpu;
    int32_t cap = family.replicas.hi;
    if (demand.milli_gpu > 0) {
      cap = static_cast<int32_t>(std::min<int64_t>(cap, share / demand.milli_gpu));
    }
    int64_t per_piece = demand.gpu_memory_bytes / std::max<int64_t>(demand.count, 1);
    kind.items.push_back(Item{i, cap, per_piece / unit});
  }
  return kind;
}

// The most one device of `kind` can earn at `duals`, and its pieces per item: for each replica
// count r some item's cap sets, an unbounded knapsack of at most r pieces of the items with
// cap >= r, whose memory (when time-sliced) fits the device.
double BestOnDevice(const DeviceKind& kind, std::span<const double> duals,
                    std::vector<int>& pieces) {
  pieces.assign(kind.items.size(), 0);
  if (kind.replicas.hi == 1) {
    double best = 0;
    for (size_t k = 0; k < kind.items.size(); ++k) {
      if (duals[kind.items[k].cls] > best) {
        best = duals[kind.items[k].cls];
        std::fill(pieces.begin(), pieces.end(), 0);
        pieces[k] = 1;
      }
    }
    return best;
  }
  std::set<int32_t> counts;
  for (const Item& item : kind.items) {
    if (duals[item.cls] > 0) {
      counts.insert(item.cap);
    }
  }
  auto width = static_cast<size_t>(kind.memory_capacity) + 1;
  double best = 0;
  std::vector<double> value;
  std::vector<int> choice;
  for (int32_t r : counts) {
    auto rows = static_cast<size_t>(r) + 1;
    value.assign(rows * width, 0);
    choice.assign(rows * width, -1);
    for (size_t c = 1; c < rows; ++c) {
      for (size_t m = 0; m < width; ++m) {
        double here = value[(c - 1) * width + m];
        int pick = -1;
        for (size_t k = 0; k < kind.items.size(); ++k) {
          const Item& item = kind.items[k];
          auto weight = static_cast<size_t>(item.memory);
          double gain = duals[item.cls];
          if (item.cap < r || gain <= 0 || weight > m) {
            continue;
          }
          double with = gain + value[(c - 1) * width + m - weight];
          if (with > here + 1e-12) {
            here = with;
            pick = static_cast<int>(k);
          }
        }
        value[c * width + m] = here;
        choice[c * width + m] = pick;
      }
    }
    double total = value[(rows - 1) * width + width - 1];
    if (total > best + 1e-12) {
      best = total;
      std::fill(pieces.begin(), pieces.end(), 0);
      size_t m = width - 1;
      for (size_t c = rows - 1; c > 0; --c) {
        int pick = choice[c * width + m];
        if (pick >= 0) {
          ++pieces[static_cast<size_t>(pick)];
          m -= static_cast<size_t>(kind.items[static_cast<size_t>(pick)].memory);
        }
      }
    }
  }
  return best;
}

}  // namespace

Result<double> LowerBoundCostPerHour(const cluster::ClusterSnapshot& snapshot,
                                     std::span<const cluster::Pod* const> pods,
                                     const gpu::GpuCatalog& catalog, const PlanOptions& options) {
  std::vector<const cluster::Pod*> needing;
  bool attribute_profile = false;
  for (const cluster::Pod* pod : pods) {
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
  std::vector<cluster::Pod> pieces;
  for (const PodClass& pod_class : classes) {
    pieces.push_back(OnePiece(pod_class.representative()));
  }
  std::vector<std::string> problems;
  std::vector<Candidate> candidates =
      provision_internal::Candidates(snapshot, catalog, options, problems);

  FitChecker fit(catalog);
  std::vector<DeviceKind> kinds;
  std::map<std::string, size_t> kind_index;
  std::map<std::string, GpuShape> shapes;  // by kinds and counts, keeping the cheapest price
  std::vector<bool> servable(classes.size(), false);
  for (const Candidate& candidate : candidates) {
    if (candidate.type->gpu_count <= 0) {
      continue;
    }
    for (const Family& family : Families(candidate, catalog, attribute_profile)) {
      cluster::Node node =
          cluster::PlannedNode("", *candidate.node_template, *candidate.type, *candidate.offering,
                               family.sharing, *candidate.model);
      std::vector<bool> fits_node(classes.size(), false);
      bool any = false;
      for (size_t i = 0; i < classes.size(); ++i) {
        fits_node[i] = fit.Fits(classes[i].representative(), node, nullptr);
        any = any || fits_node[i];
      }
      if (!any) {
        continue;
      }
      // Devices per kind on one GPU: the GPU, or per MIG profile its instances.
      std::map<size_t, int> devices;
      if (family.sharing.IsMig()) {
        for (const gpu::MigPlacement& placement : family.sharing.geometry.placements) {
          ++devices[placement.profile];
        }
      } else {
        devices[0] = 1;
      }
      GpuShape shape;
      shape.price =
          candidate.offering->price_per_hour / static_cast<double>(candidate.type->gpu_count);
      std::string key;
      for (const auto& [profile, count] : devices) {
        DeviceKind kind = MakeKind(fit, node, family, profile, pieces, classes, fits_node);
        if (kind.items.empty()) {
          continue;
        }
        for (const Item& item : kind.items) {
          servable[item.cls] = true;
        }
        std::string kind_key = kind.Key();
        auto [it, inserted] = kind_index.try_emplace(kind_key, kinds.size());
        if (inserted) {
          kinds.push_back(std::move(kind));
        }
        shape.kinds.emplace_back(it->second, count);
        key += std::to_string(it->second) + "x" + std::to_string(count) + ";";
      }
      if (shape.kinds.empty()) {
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
      int64_t units = std::max<int64_t>(classes[i].representative().gpu.count, 1);
      problem.demand.push_back(static_cast<int>(units * std::ssize(classes[i].pods)));
    }
  }
  if (rows.empty()) {
    return 0.0;
  }
  std::vector<const GpuShape*> shape_list;
  for (const auto& [key, shape] : shapes) {
    shape_list.push_back(&shape);
  }
  std::vector<double> values(kinds.size());
  std::vector<std::vector<int>> kind_pieces(kinds.size());
  lp::PricingCallback pricing =
      [&](std::span<const double> duals) -> std::optional<lp::CoverColumn> {
    std::vector<double> class_duals(classes.size(), 0);
    for (size_t r = 0; r < rows.size(); ++r) {
      class_duals[rows[r]] = duals[r];
    }
    for (size_t k = 0; k < kinds.size(); ++k) {
      values[k] = BestOnDevice(kinds[k], class_duals, kind_pieces[k]);
    }
    const GpuShape* best = nullptr;
    double best_reduced = -1e-7;
    for (const GpuShape* shape : shape_list) {
      double value = 0;
      for (const auto& [k, count] : shape->kinds) {
        value += values[k] * count;
      }
      double reduced = shape->price - value;
      if (reduced < best_reduced) {
        best_reduced = reduced;
        best = shape;
      }
    }
    if (best == nullptr) {
      return std::nullopt;
    }
    std::vector<int> coverage(classes.size(), 0);
    for (const auto& [k, count] : best->kinds) {
      for (size_t j = 0; j < kinds[k].items.size(); ++j) {
        coverage[kinds[k].items[j].cls] += kind_pieces[k][j] * count;
      }
    }
    lp::CoverColumn column;
    column.cost = best->price;
    for (size_t r = 0; r < rows.size(); ++r) {
      column.coverage.push_back(coverage[rows[r]]);
    }
    return column;
  };
  GP_ASSIGN_OR_RETURN(lp::CoveringSolution solution, lp::SolveCovering(problem, pricing));
  return solution.lp_bound;
}

}  // namespace gpupack::plan
