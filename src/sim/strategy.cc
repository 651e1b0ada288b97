#include "sim/strategy.h"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <string>

#include "cluster/gpu_demand.h"
#include "cluster/node_template.h"
#include "cluster/sharing.h"
#include "gpu/gpu_model.h"

namespace gpupack::sim {

namespace {

constexpr std::array<Strategy, 5> kAll = {Strategy::kDedicated, Strategy::kTimeSlicing,
                                          Strategy::kMig, Strategy::kMigTimeSlicing,
                                          Strategy::kAuto};
constexpr std::string_view kSpotSuffix = "+spot";
constexpr int64_t kMib = int64_t{1} << 20;

void SetGpuRequest(cluster::Pod& pod, const std::string& resource, int64_t count) {
  // The resource asked already (the usual case) is set in place, not erased and added again.
  std::erase_if(pod.requests.scalar, [&](const auto& entry) {
    return cluster::IsGpuResource(entry.first) && entry.first != resource;
  });
  pod.requests.Set(resource, count);
  pod.gpu.resource_name = resource;
  pod.gpu.count = count;
}

void TolerateMig(cluster::Pod& pod) {
  cluster::Toleration toleration;
  toleration.key = std::string(cluster::kTaintMig);
  toleration.op = cluster::TolerationOperator::kExists;
  if (std::find(pod.tolerations.begin(), pod.tolerations.end(), toleration) ==
      pod.tolerations.end()) {
    pod.tolerations.push_back(toleration);
  }
}

// Drops the MIG interface (partition selectors and the MIG taint's toleration) from a pod whose
// rewritten request names its MIG profile in the resource, or asks for no MIG instance at all: a
// non-MIG node has no partition label, and a partition picked for the original profile would
// contradict the rewritten one.
void DropMigInterface(cluster::Pod& pod) {
  auto is_partition = [](std::string_view key) {
    return key.starts_with(cluster::kLabelMigPartitionPrefix);
  };
  std::erase_if(pod.node_selector, [&](const auto& entry) { return is_partition(entry.first); });
  if (pod.required_affinity) {
    bool unrestricted = false;
    for (cluster::NodeSelectorTerm& term : pod.required_affinity->terms) {
      std::erase_if(term.match_expressions, [&](const auto& req) { return is_partition(req.key); });
      unrestricted = unrestricted || (term.match_expressions.empty() && term.match_fields.empty());
    }
    if (unrestricted) {  // a term that required only a partition now admits every node
      pod.required_affinity.reset();
    }
  }
  std::erase_if(pod.tolerations, [](const cluster::Toleration& toleration) {
    return toleration.key == cluster::kTaintMig;
  });
}

const cluster::NodeTemplate* PinnedTemplate(const cluster::Pod& pod,
                                            std::span<const cluster::NodeTemplate> base) {
  std::optional<std::string> name = pod.RequiredNodeTemplate();
  if (!name) {
    return nullptr;
  }
  auto it = std::find_if(base.begin(), base.end(),
                         [&](const cluster::NodeTemplate& t) { return t.name == *name; });
  return it == base.end() ? nullptr : &*it;
}

// The demand as the template the pod pins gives it (RefineForTemplate): nvidia.com/gpu on a
// time-sliced template is a replica, a MIG instance on a MIG + time-slicing template a replica of
// the instance. The strategies rewrite what the pod needs, not the template it was written for.
cluster::GpuDemand StatedDemand(const cluster::Pod& pod,
                                std::span<const cluster::NodeTemplate> base) {
  const cluster::NodeTemplate* pinned = PinnedTemplate(pod, base);
  return pinned == nullptr ? pod.gpu : cluster::RefineForTemplate(pod.gpu, *pinned);
}

// How many replicas share each MIG instance of a time-sliced MIG pod: the count its template
// states for `model`; 1 (the pod is sized as the whole instance) when unknown.
int64_t InstanceReplicas(const cluster::GpuDemand& demand, const cluster::Pod& pod,
                         std::span<const cluster::NodeTemplate> base, const gpu::GpuModel& model) {
  const cluster::NodeTemplate* pinned = PinnedTemplate(pod, base);
  if (!demand.time_sliced || pinned == nullptr) {
    return 1;
  }
  return std::max<int64_t>(1, pinned->time_slicing.ReplicasFor(model.name));
}

// Pins the pod to the templates that serve its rewritten demand: `shared`, the strategy's sharing
// copies; else the originals (sharing off). A template the pod already pins (nodeSelector or a
// required-affinity In/NotIn) is mapped to those copies of it; a pod that pins none is pinned to
// those of every template.
// `every`: the names serving every template (what a pod that pins none is pinned to).
void Pin(const StrategyChoice& choice, cluster::Pod& pod, bool shared,
         const std::vector<std::string>& every) {
  auto serving = [&](const std::string& name) {
    return shared ? SharedTemplateNames(choice, name) : std::vector<std::string>{name};
  };
  constexpr std::string_view key = cluster::kLabelNodeTemplate;
  cluster::NodeSelectorRequirement pin{std::string(key), cluster::SelectorOperator::kIn, {}};
  auto selected = pod.node_selector.find(key);
  bool from_selector = selected != pod.node_selector.end();
  if (from_selector) {
    pin.values = serving(selected->second);
    pod.node_selector.erase(selected);
  } else {
    pin.values = every;
  }
  // Built in place (no temporary selector to copy from): a run pins every pod.
  std::vector<cluster::NodeSelectorTerm>& terms =
      (pod.required_affinity ? *pod.required_affinity : pod.required_affinity.emplace()).terms;
  if (terms.empty()) {
    terms.emplace_back();
  }
  for (size_t t = 0; t < terms.size(); ++t) {
    bool pinned = false;
    for (cluster::NodeSelectorRequirement& req : terms[t].match_expressions) {
      if (req.key != key) {
        continue;
      }
      std::vector<std::string> values;
      for (const std::string& value : req.values) {
        std::vector<std::string> names;
        if (req.op == cluster::SelectorOperator::kIn) {
          names = serving(value);
        } else if (req.op == cluster::SelectorOperator::kNotIn) {
          names = SharedTemplateNames(choice, value);  // excluded with every copy
          names.push_back(value);
        } else {
          names = {value};
        }
        values.insert(values.end(), names.begin(), names.end());
      }
      req.values = std::move(values);
      pinned = pinned || req.op == cluster::SelectorOperator::kIn;
    }
    if (from_selector || !pinned) {
      // The last term takes the pin itself (most pods have one term): a run rewrites every pod.
      if (t + 1 < terms.size()) {
        terms[t].match_expressions.push_back(pin);
      } else {
        terms[t].match_expressions.push_back(std::move(pin));
      }
    }
  }
}

}  // namespace

std::span<const Strategy> AllStrategies() { return kAll; }

std::string_view StrategyName(Strategy strategy) {
  switch (strategy) {
    case Strategy::kDedicated:
      return "dedicated";
    case Strategy::kTimeSlicing:
      return "time-slicing";
    case Strategy::kMig:
      return "mig";
    case Strategy::kMigTimeSlicing:
      return "mig+time-slicing";
    case Strategy::kAuto:
      return "auto";
  }
  return "dedicated";
}

std::string StrategyChoice::Name() const {
  std::string name(StrategyName(strategy));
  if (spot) {
    name += kSpotSuffix;
  }
  return name;
}

Result<StrategyChoice> ParseStrategy(std::string_view text) {
  StrategyChoice choice;
  if (text.ends_with(kSpotSuffix)) {
    choice.spot = true;
    text.remove_suffix(kSpotSuffix.size());
  }
  for (Strategy strategy : kAll) {
    if (StrategyName(strategy) == text) {
      choice.strategy = strategy;
      return choice;
    }
  }
  return InvalidArgumentError(
      "unknown strategy \"" + std::string(text) +
      "\": expected dedicated, time-slicing, mig, mig+time-slicing or auto, "
      "optionally with +spot");
}

std::string SharedTemplateName(const StrategyChoice& choice, std::string_view base) {
  std::string name = std::string(base) + "-" + std::string(StrategyName(choice.strategy));
  std::replace(name.begin(), name.end(), '+', '-');
  return name;
}

std::vector<std::string> SharedTemplateNames(const StrategyChoice& choice, std::string_view base) {
  std::string name = SharedTemplateName(choice, base);
  switch (choice.strategy) {
    case Strategy::kDedicated:
      return {};
    case Strategy::kTimeSlicing:
    case Strategy::kMig:
    case Strategy::kMigTimeSlicing:
      return {name};
    case Strategy::kAuto:
      return {name + "-mig", name + "-mig-ts", name + "-ts"};
  }
  return {};
}

std::vector<cluster::NodeTemplate> StrategyTemplates(const StrategyChoice& choice,
                                                     std::span<const cluster::NodeTemplate> base,
                                                     bool whole_gpu_pods) {
  std::vector<cluster::NodeTemplate> templates;
  for (const cluster::NodeTemplate& original : base) {
    cluster::NodeTemplate whole = original;
    whole.time_slicing = cluster::TimeSlicingSpec{};
    whole.mig = cluster::MigSpec{};
    if (choice.spot) {
      whole.capacity_types = {cluster::CapacityType::kOnDemand, cluster::CapacityType::kSpot};
    }
    // The copies with the strategy's sharing; the planner chooses the replica count.
    auto add_copy = [&](std::string name, bool time_slice, bool mig) {
      cluster::NodeTemplate shared = whole;
      shared.name = std::move(name);
      shared.limits_group = original.name;  // the copies share the original's limits
      shared.labels[std::string(cluster::kLabelNodeTemplate)] = shared.name;
      shared.time_slicing.enabled = time_slice;
      shared.mig.enabled = mig;
      // Under auto, pods state their size and ask nvidia.com/gpu: the single strategy
      // advertises MIG instances under that name; the others ask mig-<profile> (mixed).
      shared.mig.strategy = choice.strategy == Strategy::kAuto ? cluster::MigStrategy::kSingle
                                                               : cluster::MigStrategy::kMixed;
      shared.mig.dynamic = mig;
      templates.push_back(std::move(shared));
    };
    std::string name = SharedTemplateName(choice, original.name);
    switch (choice.strategy) {
      case Strategy::kDedicated:
        break;
      case Strategy::kTimeSlicing:
        add_copy(name, true, false);
        break;
      case Strategy::kMig:
        add_copy(name, false, true);
        break;
      case Strategy::kMigTimeSlicing:
        add_copy(name, true, true);
        break;
      case Strategy::kAuto:
        add_copy(name + "-ts", true, false);
        add_copy(name + "-mig", false, true);
        add_copy(name + "-mig-ts", true, true);
        break;
    }
    if (choice.strategy != Strategy::kDedicated && !whole_gpu_pods) {
      continue;
    }
    templates.push_back(std::move(whole));
  }
  std::sort(templates.begin(), templates.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return templates;
}

namespace {

bool AllowedByAny(std::span<const cluster::NodeTemplate> templates,
                  const cluster::InstanceType& type) {
  return type.gpu_count > 0 && std::any_of(templates.begin(), templates.end(), [&](const auto& t) {
           return t.AllowsInstanceType(type);
         });
}

// The GPU model with the cheapest on-demand GPU-hour among the instance types the templates
// allow (MIG-capable ones only when `mig_only`); nullptr when none.
const gpu::GpuModel* CheapestGpuModel(std::span<const cluster::NodeTemplate> templates,
                                      const cluster::InstanceCatalog& instances,
                                      const gpu::GpuCatalog& catalog, bool mig_only) {
  const gpu::GpuModel* best = nullptr;
  double best_price = std::numeric_limits<double>::infinity();
  for (const cluster::InstanceType& type : instances.types()) {
    if (!AllowedByAny(templates, type)) {
      continue;
    }
    auto model = catalog.Find(type.gpu_model);
    const cluster::Offering* offering = type.Cheapest(cluster::CapacityType::kOnDemand);
    if (!model || (mig_only && !(*model)->mig_capable) || offering == nullptr) {
      continue;
    }
    double per_gpu = offering->price_per_hour / type.gpu_count;
    if (per_gpu < best_price) {
      best_price = per_gpu;
      best = *model;
    }
  }
  return best;
}

}  // namespace

const gpu::GpuModel* MigReferenceModel(std::span<const cluster::NodeTemplate> templates,
                                       const cluster::InstanceCatalog& instances,
                                       const gpu::GpuCatalog& catalog) {
  return CheapestGpuModel(templates, instances, catalog, true);
}

CheapestGpu FindCheapestGpu(std::span<const cluster::NodeTemplate> templates,
                            const cluster::InstanceCatalog& instances,
                            const gpu::GpuCatalog& catalog) {
  CheapestGpu cheapest;
  cheapest.model = CheapestGpuModel(templates, instances, catalog, false);
  if (cheapest.model == nullptr) {
    return cheapest;
  }
  for (const cluster::InstanceType& type : instances.types()) {
    auto model = catalog.Find(type.gpu_model);
    if (AllowedByAny(templates, type) && model && *model == cheapest.model) {
      cheapest.types.push_back(type);
    }
  }
  std::sort(cheapest.types.begin(), cheapest.types.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return cheapest;
}

PodRewriter::PodRewriter(const StrategyChoice& choice, const gpu::GpuModel* mig_model,
                         std::span<const cluster::NodeTemplate> base, CheapestGpu cheapest)
    : choice_(choice), mig_model_(mig_model), base_(base) {
  if (choice.strategy == Strategy::kAuto) {
    cheapest_ = std::move(cheapest);
    for (const cluster::InstanceType& type : cheapest_.types) {
      lendable_types_.push_back(type.name);
    }
  }
  for (const cluster::NodeTemplate& node_template : base) {
    for (std::string& name : SharedTemplateNames(choice, node_template.name)) {
      every_shared_.push_back(std::move(name));
    }
    every_whole_.push_back(node_template.name);
  }
}

Result<cluster::Pod> RewritePod(const StrategyChoice& choice, const cluster::Pod& pod,
                                const gpu::GpuModel* mig_model,
                                std::span<const cluster::NodeTemplate> base) {
  return PodRewriter(choice, mig_model, base).Rewrite(pod);
}

bool PodRewriter::SharingPays(const cluster::Pod& pod, int64_t milli, int64_t memory) const {
  if (cheapest_.model == nullptr || cheapest_.types.empty()) {
    return true;
  }
  // Replicas of one GPU the pod's compute share and GPU memory allow.
  int64_t replicas = cluster::kMaxReplicas;
  if (milli > 0) {
    replicas = std::min<int64_t>(replicas, 1000 / milli);
  }
  if (memory > 0 && cheapest_.model->memory_mib > 0) {
    replicas = std::min(replicas, cheapest_.model->memory_mib * kMib / memory);
  }
  for (const cluster::InstanceType& type : cheapest_.types) {
    // Copies of the pod a node's CPU and memory hold, whatever its GPUs.
    int64_t by_node = std::numeric_limits<int64_t>::max();
    if (pod.requests.milli_cpu > 0) {
      by_node = std::min(by_node, type.capacity.milli_cpu / pod.requests.milli_cpu);
    }
    if (pod.requests.memory_bytes > 0) {
      by_node = std::min(by_node, type.capacity.memory_bytes / pod.requests.memory_bytes);
    }
    auto sliced = static_cast<double>(std::min(type.gpu_count * replicas, by_node));
    auto whole = static_cast<double>(std::min<int64_t>(type.gpu_count, by_node));
    if (whole > 0 && sliced >= kSharingPaysRatio * whole) {
      return true;
    }
  }
  return false;
}

Result<cluster::Pod> PodRewriter::Rewrite(const cluster::Pod& original) const {
  cluster::Pod pod;
  GP_TRY(RewriteInto(original, pod));
  return pod;
}

Status PodRewriter::RewriteInto(const cluster::Pod& original, cluster::Pod& pod) const {
  const StrategyChoice& choice = choice_;
  const gpu::GpuModel* mig_model = mig_model_;
  std::span<const cluster::NodeTemplate> base = base_;
  pod = original;
  // Pinned through required node affinity: shared pods to the shared copies, so a whole GPU
  // bought for a whole-GPU pod is not taken by shared pods one at a time; whole-GPU pods to the
  // originals (sharing off), so they take no time-sliced replica and leave the copies' nodes to
  // the shared pods. Under dedicated every template is an original: nothing to pin.
  auto pin = [&](bool shared) {
    if (choice.strategy != Strategy::kDedicated) {
      Pin(choice, pod, shared, shared ? every_shared_ : every_whole_);
    }
  };
  cluster::GpuDemand& demand = pod.gpu;
  demand = StatedDemand(original, base);
  if (demand.kind == cluster::GpuDemandKind::kNone) {
    if (choice.strategy == Strategy::kAuto) {
      pin(false);
    }
    return OkStatus();
  }
  if (demand.kind == cluster::GpuDemandKind::kWholeGpu) {
    pin(false);
    return OkStatus();
  }
  // The compute share and memory the pod needs, whatever form it asked in (a time-sliced replica
  // of a MIG instance: its share of the instance).
  int64_t milli = demand.milli_gpu;
  int64_t memory = demand.gpu_memory_bytes;
  if (demand.kind == cluster::GpuDemandKind::kMigProfile && mig_model != nullptr) {
    auto profile = mig_model->FindProfile(demand.mig_profile);
    if (profile) {
      int64_t replicas = InstanceReplicas(demand, original, base, *mig_model);
      milli = std::max<int64_t>(milli, (*profile)->compute_slices * 1000 /
                                           (std::max(1, mig_model->mig_compute_slices) * replicas));
      memory = std::max(memory, (*profile)->memory_mib * kMib / replicas);
    }
  }
  // From here on the pod asks no MIG instance, or names its profile in the resource.
  DropMigInterface(pod);
  // Time-slicing gives every replica an equal share: a pod that needs more than half a GPU's
  // compute can share it with nobody, and takes a whole GPU (with the whole-GPU pods).
  // Under auto, so does a pod whose CPU or memory leaves time-slicing nothing worth a pool of its
  // own (SharingPays).
  bool whole = choice.strategy == Strategy::kDedicated ||
               ((choice.strategy == Strategy::kTimeSlicing || choice.strategy == Strategy::kAuto) &&
                milli * cluster::kMinReplicas > 1000) ||
               (choice.strategy == Strategy::kAuto && !SharingPays(pod, milli, memory));
  if (whole) {
    demand = cluster::GpuDemand{};
    demand.kind = cluster::GpuDemandKind::kWholeGpu;
    demand.form = cluster::GpuRequestForm::kGpuResource;
    demand.gpu_memory_bytes = memory;
    SetGpuRequest(pod, std::string(cluster::kResourceGpu), 1);
    pin(false);
    return OkStatus();
  }
  switch (choice.strategy) {
    case Strategy::kDedicated:
      return OkStatus();
    case Strategy::kTimeSlicing:
    case Strategy::kAuto:
      demand = cluster::GpuDemand{};
      demand.kind = cluster::GpuDemandKind::kSharedGpu;
      demand.form = cluster::GpuRequestForm::kGpuResource;
      demand.milli_gpu = milli;
      demand.gpu_memory_bytes = memory;
      SetGpuRequest(pod, std::string(cluster::kResourceGpu), 1);
      if (choice.strategy == Strategy::kAuto) {
        TolerateMig(pod);  // the planner may serve it from a MIG instance (single strategy)
      }
      if (lendable_types_.empty()) {
        pin(true);
        return OkStatus();
      }
      {
        // Either a copy's node, or (each term again, pinned to the originals) a whole GPU of
        // the cheapest GPU's instance types.
        cluster::Pod lent = pod;
        Pin(choice, lent, false, every_whole_);
        pin(true);
        const cluster::NodeSelectorRequirement cheapest{std::string(cluster::kLabelInstanceType),
                                                        cluster::SelectorOperator::kIn,
                                                        lendable_types_};
        for (cluster::NodeSelectorTerm& term : lent.required_affinity->terms) {
          term.match_expressions.push_back(cheapest);
          pod.required_affinity->terms.push_back(std::move(term));
        }
      }
      return OkStatus();
    case Strategy::kMig:
    case Strategy::kMigTimeSlicing: {
      if (mig_model == nullptr) {
        return InvalidArgumentError("strategy " + choice.Name() +
                                    ": no template can buy a MIG-capable GPU");
      }
      // A time-sliced instance gives each of its (at least 2) replicas half its memory and
      // compute at most. Under mig+time-slicing a pod takes such a replica where that hosts
      // more pods per GPU than instances of its own: on an A100-40GB a 1g.5gb pod keeps a whole
      // 1g.5gb (7 per GPU) rather than half a 2g.10gb (3 x 2).
      const gpu::MigProfile* profile = mig_model->SmallestProfileFor(memory, milli);
      bool sliced = false;
      if (choice.strategy == Strategy::kMigTimeSlicing) {
        const gpu::MigProfile* shared = mig_model->SmallestProfileFor(2 * memory, 2 * milli);
        if (shared != nullptr &&
            (profile == nullptr || 2 * shared->max_instances > profile->max_instances)) {
          profile = shared;
          sliced = true;
        }
      }
      if (profile == nullptr) {
        return InvalidArgumentError("pod " + original.Key() + ": no MIG profile of " +
                                    mig_model->name + " is large enough for " +
                                    original.gpu.ToString());
      }
      demand = cluster::GpuDemand{};
      demand.kind = cluster::GpuDemandKind::kMigProfile;
      demand.form = cluster::GpuRequestForm::kMigResource;
      demand.mig_profile = profile->name;
      demand.time_sliced = sliced;
      demand.milli_gpu = sliced ? milli : 0;
      demand.gpu_memory_bytes = memory;
      SetGpuRequest(pod, profile->ResourceName(), 1);
      TolerateMig(pod);
      pin(true);
      return OkStatus();
    }
  }
  return OkStatus();
}

double GpusNeeded(const cluster::Pod& pod, const gpu::GpuModel* reference,
                  std::span<const cluster::NodeTemplate> base) {
  const cluster::GpuDemand demand = StatedDemand(pod, base);
  double count = static_cast<double>(demand.count);
  switch (demand.kind) {
    case cluster::GpuDemandKind::kNone:
      return 0;
    case cluster::GpuDemandKind::kWholeGpu:
      return count;
    case cluster::GpuDemandKind::kSharedGpu: {
      double share = static_cast<double>(demand.milli_gpu) / 1000.0;
      if (reference != nullptr && reference->memory_mib > 0) {
        share = std::max(share, static_cast<double>(demand.gpu_memory_bytes) /
                                    static_cast<double>(reference->memory_mib * kMib));
      }
      return count * std::min(1.0, share);
    }
    case cluster::GpuDemandKind::kMigProfile: {
      if (reference != nullptr && reference->mig_compute_slices > 0) {
        auto profile = reference->FindProfile(demand.mig_profile);
        if (profile) {
          return count * (*profile)->compute_slices / reference->mig_compute_slices /
                 static_cast<double>(InstanceReplicas(demand, pod, base, *reference));
        }
      }
      return count / 7.0;
    }
  }
  return 0;
}

}  // namespace gpupack::sim
