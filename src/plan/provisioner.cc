#include "plan/provisioner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "plan/internal/provision_model.h"

namespace gpupack::plan {
namespace {

using provision_internal::Candidate;
using provision_internal::Misfit;
using provision_internal::PodClass;

// Relative difference below which two scores are equal (rounding noise).
constexpr double kTie = 1e-12;

std::string Money(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "$%.2f", value);
  return buffer;
}

std::string Hex(uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%08llx",
                static_cast<unsigned long long>(value & 0xffffffffULL));
  return buffer;
}

uint64_t Fnv1a(uint64_t hash, std::string_view text) {
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash ^ 0xff;
}

// What a template has bought so far (existing nodes plus this pass), for its limits and its
// Spot share.
struct TemplateUsage {
  int64_t gpus = 0;
  double cost = 0;
  int64_t spot_gpus = 0;
  int64_t on_demand_gpus = 0;
};

// A candidate with a sharing config: its planned node and, per class, why one pod cannot run on
// an empty one (stage 0: it can). None of it depends on the pods left, so it is built once per
// pass and shared by every round.
struct NodeModel {
  size_t candidate = 0;
  cluster::SharingConfig sharing;
  cluster::Node node;
  std::vector<Misfit> misfits;  // per class
};

// A node option in one round: a node model and which of the classes still open may run on it.
struct Option {
  const NodeModel* model = nullptr;
  std::vector<bool> eligible;  // per class
};

class Provisioner {
 public:
  Provisioner(const ProvisionRequest& request, std::vector<Candidate> candidates,
              std::vector<PodClass> classes, std::vector<std::string> problems)
      : problems_(std::move(problems)),
        request_(request),
        candidates_(std::move(candidates)),
        classes_(std::move(classes)),
        models_by_candidate_(candidates_.size()),
        remaining_(classes_.size(), 0),
        weight_(classes_.size(), 0),
        best_misfit_(classes_.size()) {
    for (size_t i = 0; i < classes_.size(); ++i) {
      remaining_[i] = static_cast<int64_t>(classes_[i].pods.size());
    }
    for (const cluster::Node& node : request.snapshot->nodes) {
      if (node.template_name.empty()) {
        continue;
      }
      const cluster::NodeTemplate* node_template =
          request.snapshot->FindTemplate(node.template_name);
      TemplateUsage& usage =
          usage_[node_template != nullptr ? node_template->LimitsGroup() : node.template_name];
      auto gpus = static_cast<int64_t>(node.gpus.size());
      usage.gpus += gpus;
      usage.cost += node.price_per_hour;
      (node.capacity_type == cluster::CapacityType::kSpot ? usage.spot_gpus
                                                          : usage.on_demand_gpus) += gpus;
    }
  }

  ProvisionResult Run() {
    Weigh();
    while (PlaceRound()) {
    }
    ProvisionResult result;
    result.provisions = std::move(provisions_);
    result.placements = std::move(placements_);
    for (size_t i = 0; i < classes_.size(); ++i) {
      const auto& pods = classes_[i].pods;
      for (size_t p = pods.size() - static_cast<size_t>(remaining_[i]); p < pods.size(); ++p) {
        result.unschedulable.push_back(Unschedulable{pods[p]->Key(), WhyUnplaced(i)});
      }
    }
    auto by_pod = [](const auto& a, const auto& b) { return a.pod < b.pod; };
    std::sort(result.placements.begin(), result.placements.end(), by_pod);
    std::sort(result.unschedulable.begin(), result.unschedulable.end(), by_pod);
    std::sort(result.provisions.begin(), result.provisions.end(),
              [](const Provision& a, const Provision& b) {
                return a.node_names.front() < b.node_names.front();
              });
    return result;
  }

 private:
  // The node model of `candidate` with `sharing`, built on first use.
  const NodeModel& Model(size_t c, const cluster::SharingConfig& sharing) {
    for (const NodeModel* model : models_by_candidate_[c]) {
      if (model->sharing == sharing) {
        return *model;
      }
    }
    const Candidate& candidate = candidates_[c];
    NodeModel& model = models_.emplace_back();
    model.candidate = c;
    model.sharing = sharing;
    model.node = cluster::PlannedNode("", *candidate.node_template, *candidate.type,
                                      *candidate.offering, sharing, *candidate.model);
    model.misfits.reserve(classes_.size());
    for (const PodClass& pod_class : classes_) {
      model.misfits.push_back(provision_internal::CheckEmptyNode(
          pod_class.representative(), candidate, model.sharing, model.node));
    }
    models_by_candidate_[c].push_back(&model);
    return model;
  }

  // The options for the classes still to place; `weights` are the pods left per class.
  std::vector<Option> Options(std::span<const int64_t> weights, bool record_misfits) {
    std::vector<Option> options;
    // The configs depend on the template and the GPU model only, not on the instance type's
    // size or the offering: derived once per pair, not once per zone and capacity type.
    std::map<std::pair<const cluster::NodeTemplate*, const gpu::GpuModel*>,
             std::vector<cluster::SharingConfig>>
        configs_by_kind;
    for (size_t c = 0; c < candidates_.size(); ++c) {
      const Candidate& candidate = candidates_[c];
      auto [configs, inserted] =
          configs_by_kind.try_emplace({candidate.node_template, candidate.model});
      if (inserted) {
        configs->second =
            provision_internal::SharingConfigsFor(candidate, *request_.catalog, classes_, weights);
      }
      for (const cluster::SharingConfig& sharing : configs->second) {
        Option option;
        option.model = &Model(c, sharing);
        option.eligible.assign(classes_.size(), false);
        bool any = false;
        for (size_t i = 0; i < classes_.size(); ++i) {
          if (weights[i] <= 0) {
            continue;
          }
          const Misfit& misfit = option.model->misfits[i];
          option.eligible[i] = misfit.stage == 0;
          any = any || option.eligible[i];
          if (record_misfits && misfit.stage > best_misfit_[i].stage) {
            best_misfit_[i] = misfit;
            best_misfit_[i].reason =
                "template " + candidate.node_template->name + ": " + misfit.reason;
          }
        }
        if (any) {
          options.push_back(std::move(option));
        }
      }
    }
    return options;
  }

  // Each class's weight: the least cost per pod of serving it alone on one node. A node's value
  // is the weighted pods it serves, so the greedy choice (least price per value) prefers nodes
  // that serve dear pods well, and weights make pods of different sizes comparable.
  void Weigh() {
    std::vector<Option> options = Options(remaining_, /*record_misfits=*/true);
    for (const Option& option : options) {
      for (size_t i = 0; i < classes_.size(); ++i) {
        if (!option.eligible[i] || !classes_[i].representative().IsSatisfiable()) {
          continue;
        }
        int64_t alone = provision_internal::CopiesThatFit(
            option.model->node.allocatable, classes_[i].representative().requests, remaining_[i]);
        if (alone <= 0) {
          continue;
        }
        double per_pod = candidates_[option.model->candidate].offering->price_per_hour /
                         static_cast<double>(alone);
        if (weight_[i] == 0 || per_pod < weight_[i]) {
          weight_[i] = per_pod;
        }
      }
    }
    fill_order_.resize(classes_.size());
    for (size_t i = 0; i < classes_.size(); ++i) {
      fill_order_[i] = i;
    }
    std::stable_sort(fill_order_.begin(), fill_order_.end(),
                     [this](size_t a, size_t b) { return weight_[a] > weight_[b]; });
  }

  // What one empty node of `option` takes and could still take.
  struct Filled {
    std::vector<int64_t> pods;  // per class: the pods it takes now (largest weight first)
    double value = 0;           // their summed weights
    double spare = 0;  // the weights of the open GPU classes' pods its leftover room could host
  };

  Filled Fill(const Option& option) const {
    Filled filled;
    filled.pods.assign(classes_.size(), 0);
    cluster::Resources free = option.model->node.allocatable;
    auto take = [&](size_t i, int64_t limit) {
      const cluster::Resources& request = classes_[i].representative().requests;
      int64_t copies = provision_internal::CopiesThatFit(free, request, limit);
      for (int64_t k = 0; k < copies; ++k) {
        free -= request;
      }
      return copies;
    };
    for (size_t i : fill_order_) {
      if (option.eligible[i] && remaining_[i] > 0 && weight_[i] > 0) {
        filled.pods[i] = take(i, remaining_[i]);
        filled.value += static_cast<double>(filled.pods[i]) * weight_[i];
      }
    }
    // More pods like the pending ones are the best guess of the demand to come: the GPU room
    // left is worth the pods of those classes its free slots could still host. Only the GPU
    // resources count: cpu or memory may bind first on this node, but slots are what a sharing
    // config decides, and what later pods with smaller cpu requests can use.
    for (size_t i : fill_order_) {
      if (!option.eligible[i] || remaining_[i] <= 0 || weight_[i] <= 0) {
        continue;
      }
      cluster::Resources slots;
      for (const auto& [name, amount] : classes_[i].representative().requests.scalar) {
        if (cluster::IsGpuResource(name)) {
          slots.Set(name, amount);
        }
      }
      if (slots.scalar.empty()) {
        continue;
      }
      int64_t copies =
          provision_internal::CopiesThatFit(free, slots, std::numeric_limits<int64_t>::max());
      for (int64_t k = 0; k < copies; ++k) {
        free -= slots;
      }
      filled.spare += static_cast<double>(copies) * weight_[i];
    }
    return filled;
  }

  // Whether the template's limits and Spot share let it buy one more node of `candidate`.
  bool Allowed(const Candidate& candidate) {
    const cluster::NodeTemplate& node_template = *candidate.node_template;
    const TemplateUsage& usage = usage_[node_template.LimitsGroup()];
    int64_t gpus = candidate.type->gpu_count;
    if (node_template.max_gpus && usage.gpus + gpus > *node_template.max_gpus) {
      return false;
    }
    if (node_template.max_hourly_cost &&
        usage.cost + candidate.offering->price_per_hour > *node_template.max_hourly_cost + 1e-9) {
      return false;
    }
    std::vector<cluster::CapacityType> types = node_template.AllowedCapacityTypes();
    bool both = types.size() > 1;
    if (node_template.spot_percent && both) {
      // The Spot share steers each new node: Spot while Spot GPUs are at most the share of the
      // template's GPUs, on-demand while on-demand GPUs are at most the rest. Every prefix of
      // the pass thus stays within one node of the target share.
      double share = *node_template.spot_percent / 100.0;
      auto total = static_cast<double>(usage.spot_gpus + usage.on_demand_gpus);
      if (candidate.offering->capacity_type == cluster::CapacityType::kSpot) {
        return share > 0 && static_cast<double>(usage.spot_gpus) <= share * total;
      }
      return share < 1 && static_cast<double>(usage.on_demand_gpus) <= (1 - share) * total;
    }
    return true;
  }

  bool PlaceRound() {
    std::vector<int64_t> open(classes_.size(), 0);
    bool any = false;
    for (size_t i = 0; i < classes_.size(); ++i) {
      open[i] = weight_[i] > 0 ? remaining_[i] : 0;
      any = any || open[i] > 0;
    }
    if (!any) {
      return false;
    }
    std::vector<Option> options = Options(open, /*record_misfits=*/false);
    const Option* best = nullptr;
    Filled best_fill;
    double best_score = std::numeric_limits<double>::infinity();
    double best_hosting = std::numeric_limits<double>::infinity();
    size_t fitting = 0;
    for (const Option& option : options) {
      const Candidate& candidate = candidates_[option.model->candidate];
      if (!Allowed(candidate)) {
        continue;
      }
      Filled fill = Fill(option);
      if (fill.value <= 0) {
        continue;
      }
      ++fitting;
      double price = candidate.offering->price_per_hour;
      double score = price / fill.value;
      // Ties on the price per pod served (the rule with small batches: one pending pod costs
      // a whole GPU's price on every node option) go to the option with the least price per pod
      // it can host, served and spare: a time-sliced GPU that can take the next pods of the
      // same kinds beats a whole GPU that takes this one pod only. Ties on that too go to a
      // config without MIG (no reconfiguration, and replicas are at least as large as MIG
      // instances of the same count), then to the earlier option (order of templates, types,
      // zones, capacity types, configs), so the choice is deterministic.
      double hosting = price / (fill.value + fill.spare);
      bool tied = best != nullptr && score <= best_score * (1 + kTie);
      bool better = score < best_score * (1 - kTie) ||
                    (tied && hosting < best_hosting * (1 - kTie)) ||
                    (tied && hosting <= best_hosting * (1 + kTie) && best->model->sharing.IsMig() &&
                     !option.model->sharing.IsMig());
      if (better) {
        best_score = score;
        best_hosting = hosting;
        best = &option;
        best_fill = std::move(fill);
      }
    }
    if (best == nullptr) {
      return false;
    }
    Commit(*best->model, best_fill.pods, fitting);
    return true;
  }

  // Buys as many identical nodes as the same fill keeps serving.
  void Commit(const NodeModel& option, const std::vector<int64_t>& fill, size_t fitting) {
    const Candidate& candidate = candidates_[option.candidate];
    const cluster::NodeTemplate& node_template = *candidate.node_template;
    int64_t copies = std::numeric_limits<int64_t>::max();
    for (size_t i = 0; i < classes_.size(); ++i) {
      if (fill[i] > 0) {
        copies = std::min(copies, remaining_[i] / fill[i]);
      }
    }
    TemplateUsage& usage = usage_[node_template.LimitsGroup()];
    int64_t gpus = candidate.type->gpu_count;
    if (node_template.spot_percent && node_template.AllowedCapacityTypes().size() > 1 && gpus > 0) {
      // Allowed() admits the k-th of k identical nodes while the capacity type's GPUs before it,
      // mine + (k-1) g, are at most share x (total + (k-1) g): k - 1 <= (share x total - mine)
      // / (g x (1 - share)).
      bool spot = candidate.offering->capacity_type == cluster::CapacityType::kSpot;
      double share = *node_template.spot_percent / 100.0;
      if (!spot) {
        share = 1 - share;
      }
      auto total = static_cast<double>(usage.spot_gpus + usage.on_demand_gpus);
      auto mine = static_cast<double>(spot ? usage.spot_gpus : usage.on_demand_gpus);
      if (share < 1) {
        double extra =
            std::floor((share * total - mine) / (static_cast<double>(gpus) * (1 - share)));
        copies = std::min(copies, 1 + static_cast<int64_t>(std::max(0.0, extra)));
      }
    }
    if (node_template.max_gpus && gpus > 0) {
      copies = std::min(copies, (*node_template.max_gpus - usage.gpus) / gpus);
    }
    if (node_template.max_hourly_cost) {
      copies = std::min(
          copies,
          static_cast<int64_t>(std::floor((*node_template.max_hourly_cost + 1e-9 - usage.cost) /
                                          candidate.offering->price_per_hour)));
    }
    copies = std::max<int64_t>(copies, 1);
    usage.gpus += gpus * copies;
    usage.cost += candidate.offering->price_per_hour * static_cast<double>(copies);
    (candidate.offering->capacity_type == cluster::CapacityType::kSpot ? usage.spot_gpus
                                                                       : usage.on_demand_gpus) +=
        gpus * copies;

    Provision provision;
    provision.template_name = node_template.name;
    provision.instance_type = candidate.type->name;
    provision.capacity_type = candidate.offering->capacity_type;
    provision.zone = candidate.offering->zone;
    provision.count = static_cast<int32_t>(copies);
    provision.price_per_hour = candidate.offering->price_per_hour;
    GpuPlan gpu_plan;
    gpu_plan.model = candidate.model->name;
    gpu_plan.sharing = option.sharing;
    if (option.sharing.IsMig()) {
      gpu_plan.geometry =
          request_.catalog->Geometry(*candidate.model).ProfileNames(option.sharing.geometry);
    }
    provision.gpus.assign(static_cast<size_t>(candidate.type->gpu_count), gpu_plan);

    // The name hashes what the nodes are and which pods they take, so planning the same pending
    // pods again names the same nodes and the controller never buys them twice.
    uint64_t hash = 14695981039346656037ULL;
    hash = Fnv1a(hash, candidate.type->name);
    hash = Fnv1a(hash, cluster::CapacityTypeName(candidate.offering->capacity_type));
    hash = Fnv1a(hash, candidate.offering->zone);
    hash = Fnv1a(hash, option.sharing.Describe(*candidate.model));
    std::vector<std::vector<const cluster::Pod*>> node_pods(static_cast<size_t>(copies));
    std::string summary;
    int64_t pods_per_node = 0;
    for (size_t i : fill_order_) {
      if (fill[i] <= 0) {
        continue;
      }
      const auto& pods = classes_[i].pods;
      size_t next = pods.size() - static_cast<size_t>(remaining_[i]);
      for (auto& bucket : node_pods) {
        for (int64_t k = 0; k < fill[i]; ++k) {
          bucket.push_back(pods[next]);
          hash = Fnv1a(hash, pods[next]->Key());
          ++next;
        }
      }
      remaining_[i] -= fill[i] * copies;
      pods_per_node += fill[i];
      summary += (summary.empty() ? "" : ", ") + std::to_string(fill[i]) + " x " +
                 classes_[i].representative().gpu.ToString();
    }
    for (int64_t n = 0; n < copies; ++n) {
      std::string name = request_.options.node_name_prefix + node_template.name + "-" + Hex(hash) +
                         "-" + std::to_string(n_names_[node_template.name]++);
      provision.node_names.push_back(name);
      cluster::Node node = option.node;
      node.name = name;
      for (const cluster::Pod* pod : node_pods[static_cast<size_t>(n)]) {
        placements_.push_back(Placement{pod->Key(), name, TakeDevices(node, *pod, *candidate.model),
                                        false,
                                        "new node " + name + " (" + candidate.type->name + ", " +
                                            option.sharing.Describe(*candidate.model) + ")"});
      }
    }
    provision.reason =
        candidate.type->name + " " +
        std::string(cluster::CapacityTypeName(candidate.offering->capacity_type)) + " " +
        candidate.offering->zone + ": " + std::to_string(pods_per_node) + " pods per node (" +
        summary + ") on " + std::to_string(candidate.type->gpu_count) + " GPU(s) as " +
        option.sharing.Describe(*candidate.model) + ", " +
        Money(candidate.offering->price_per_hour) + "/h, least cost per pod served of " +
        std::to_string(fitting) + " node options that fit";
    provisions_.push_back(std::move(provision));
  }

  // Slots for `pod` on the planned node: each unit of its GPU resource takes one slot of the
  // lowest-numbered device advertising it with one free (a whole GPU per unit when unshared).
  static std::vector<DeviceChoice> TakeDevices(cluster::Node& node, const cluster::Pod& pod,
                                               const gpu::GpuModel& model) {
    std::vector<DeviceChoice> devices;
    node.requested += pod.requests;
    if (!pod.gpu.IsGpu()) {
      return devices;
    }
    std::string resource = pod.gpu.resource_name;
    int64_t units = pod.requests.Get(resource);
    for (cluster::NodeGpu& gpu : node.gpus) {
      int instances = gpu.sharing.IsMig() ? gpu.sharing.InstanceCount() : 1;
      for (int d = 0; d < instances && units > 0; ++d) {
        int instance = gpu.sharing.IsMig() ? d : -1;
        if (cluster::DeviceResourceName(gpu.sharing, model, instance) != resource) {
          continue;
        }
        int32_t free = gpu.FreeSlots(instance);
        if (free <= 0) {
          continue;
        }
        auto take = static_cast<int32_t>(std::min<int64_t>(free, units));
        if (!gpu.sharing.IsTimeSliced()) {
          take = 1;
        }
        gpu.allocations.push_back(
            cluster::GpuAllocation{pod.Key(), instance, take, pod.gpu.gpu_memory_bytes});
        devices.push_back(DeviceChoice{gpu.index, instance, take});
        units -= take;
      }
    }
    return devices;
  }

  std::string WhyUnplaced(size_t i) const {
    const cluster::Pod& pod = classes_[i].representative();
    if (!pod.IsSatisfiable()) {
      return pod.unsatisfiable_reason;
    }
    if (weight_[i] > 0) {
      return "the templates' limits (limits.gpus, limits.hourlyCost) or Spot share leave no room "
             "for a node that can run it";
    }
    if (candidates_.empty()) {
      return problems_.empty() ? "no node template can provision" : problems_.front();
    }
    if (best_misfit_[i].stage == 0) {
      return "no node template can provision a node that runs it";
    }
    return "no offering fits: " + best_misfit_[i].reason;
  }

  std::vector<std::string> problems_;
  const ProvisionRequest& request_;
  std::vector<Candidate> candidates_;
  std::vector<PodClass> classes_;
  std::deque<NodeModel> models_;  // a deque: Option and models_by_candidate_ point into it
  std::vector<std::vector<const NodeModel*>> models_by_candidate_;
  std::vector<int64_t> remaining_;
  std::vector<double> weight_;
  std::vector<Misfit> best_misfit_;
  std::vector<size_t> fill_order_;
  std::map<std::string, TemplateUsage, std::less<>> usage_;
  std::map<std::string, int64_t, std::less<>> n_names_;
  std::vector<Provision> provisions_;
  std::vector<Placement> placements_;
};

}  // namespace

Result<ProvisionResult> ProvisionNodes(const ProvisionRequest& request) {
  if (request.snapshot == nullptr || request.catalog == nullptr) {
    return InvalidArgumentError("ProvisionNodes: snapshot and catalog are required");
  }
  std::vector<std::string> problems;
  std::vector<Candidate> candidates = provision_internal::Candidates(
      *request.snapshot, *request.catalog, request.options, problems);
  Provisioner provisioner(request, std::move(candidates),
                          provision_internal::GroupPods(request.pods), std::move(problems));
  return provisioner.Run();
}

}  // namespace gpupack::plan
