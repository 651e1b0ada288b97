#include "control/control_loop.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "plan/fit.h"
#include "plan/planner.h"

namespace gpupack::control {

namespace {

bool HasTaint(const cluster::Node& node, std::string_view key) {
  return std::any_of(node.taints.begin(), node.taints.end(),
                     [&](const cluster::Taint& taint) { return taint.key == key; });
}

bool IsComing(const cluster::Node& node) { return HasTaint(node, kTaintSharingPending); }

}  // namespace

bool HasFreeGpuSlot(const cluster::Node& node) {
  for (const cluster::NodeGpu& gpu : node.gpus) {
    int32_t devices = gpu.sharing.IsMig() ? gpu.sharing.InstanceCount() : 1;
    for (int32_t d = 0; d < devices; ++d) {
      if (gpu.FreeSlots(gpu.sharing.IsMig() ? d : -1) > 0) {
        return true;
      }
    }
  }
  return node.gpus.empty();
}

bool PlannerNeedsNode(const cluster::Node& node,
                      const std::vector<cluster::NodeTemplate>& templates) {
  if (HasFreeGpuSlot(node)) {
    return true;
  }
  auto it = std::lower_bound(
      templates.begin(), templates.end(), node.template_name,
      [](const cluster::NodeTemplate& t, const std::string& name) { return t.name < name; });
  return it != templates.end() && it->name == node.template_name &&
         (it->max_gpus || it->max_hourly_cost || it->spot_percent);
}

const cluster::Node* ClusterRefs::FindNode(std::string_view name) const {
  auto it = std::lower_bound(
      nodes.begin(), nodes.end(), name,
      [](const cluster::Node* n, std::string_view wanted) { return n->name < wanted; });
  return it != nodes.end() && (*it)->name == name ? *it : nullptr;
}

const cluster::Pod* ClusterRefs::FindPod(std::string_view key) const {
  auto it = std::lower_bound(
      pods.begin(), pods.end(), key,
      [](const cluster::Pod* p, std::string_view k) { return cluster::CompareKey(*p, k) < 0; });
  return it != pods.end() && cluster::CompareKey(**it, key) == 0 ? *it : nullptr;
}

cluster::ClusterSnapshot ClusterRefs::Copy() const {
  cluster::ClusterSnapshot snapshot;
  snapshot.nodes.reserve(nodes.size());
  for (const cluster::Node* node : nodes) {
    snapshot.nodes.push_back(*node);
  }
  snapshot.pods.reserve(pods.size());
  for (const cluster::Pod* pod : pods) {
    snapshot.pods.push_back(*pod);
  }
  snapshot.templates = *templates;
  snapshot.instances = *instances;
  return snapshot;
}

ClusterRefs RefsTo(const cluster::ClusterSnapshot& snapshot) {
  ClusterRefs refs;
  refs.nodes.reserve(snapshot.nodes.size());
  for (const cluster::Node& node : snapshot.nodes) {
    refs.nodes.push_back(&node);
  }
  refs.pods.reserve(snapshot.pods.size());
  for (const cluster::Pod& pod : snapshot.pods) {
    refs.pods.push_back(&pod);
  }
  refs.templates = &snapshot.templates;
  refs.instances = &snapshot.instances;
  return refs;
}

ControlLoop::ControlLoop(ClusterView& view, Actuator& actuator, const Clock& clock,
                         const gpu::GpuCatalog& catalog, ControlOptions options)
    : view_(&view),
      actuator_(&actuator),
      clock_(&clock),
      catalog_(&catalog),
      fit_(catalog),
      options_(std::move(options)),
      disruption_window_start_(clock.Now()) {}

void ControlLoop::NotePending() {
  Timestamp now = clock_->Now();
  if (!batch_first_) {
    batch_first_ = now;
  }
  batch_last_ = now;
}

void ControlLoop::NoteNodeChanged() { node_changed_ = true; }

std::optional<Timestamp> ControlLoop::NextWakeup() const {
  std::optional<Timestamp> next;
  auto consider = [&next](Timestamp t) {
    if (!next || t < *next) {
      next = t;
    }
  };
  if (batch_first_) {
    consider(std::min(*batch_first_ + options_.batch_max, *batch_last_ + options_.batch_idle));
  }
  if (node_changed_) {
    consider(clock_->Now());
  }
  for (const auto& [node, at] : launched_at_) {
    consider(at + options_.launch_timeout);
  }
  for (const auto& [node, since] : empty_since_) {
    consider(std::max(since + options_.empty_node_ttl,
                      removals_in_window_ >= options_.max_removals_per_interval
                          ? disruption_window_start_ + options_.disruption_interval
                          : Timestamp{}));
  }
  return next;
}

Result<ControlLoop::Pass> ControlLoop::Read() {
  Pass pass;
  if (std::optional<ClusterRefs> lent = view_->Lend()) {
    pass.refs = *std::move(lent);
    return pass;
  }
  GP_ASSIGN_OR_RETURN(cluster::ClusterSnapshot snapshot, view_->Snapshot());
  pass.owned = std::make_unique<cluster::ClusterSnapshot>(std::move(snapshot));
  pass.refs = RefsTo(*pass.owned);
  return pass;
}

Result<ReconcileReport> ControlLoop::Reconcile() {
  ReconcileReport report;
  GP_ASSIGN_OR_RETURN(Pass pass, Read());
  node_changed_ = false;
  GP_TRY(HandleLaunchFailures(report));
  GP_TRY(ExpireLaunches(pass.refs, report));
  if (report.launches_expired > 0) {
    GP_ASSIGN_OR_RETURN(pass, Read());
  }
  GP_TRY(BindNominated(pass.refs, report));
  Timestamp now = clock_->Now();
  if (batch_first_ &&
      now >= std::min(*batch_first_ + options_.batch_max, *batch_last_ + options_.batch_idle)) {
    batch_first_.reset();
    batch_last_.reset();
    if (report.bound > 0) {
      GP_ASSIGN_OR_RETURN(pass, Read());
    }
    // What RemoveEmpty removes stays in the pass (a removed empty node is still readable): the
    // plan sees the cluster as read.
    GP_TRY(RemoveEmpty(pass.refs, report));
    GP_TRY(PlanPending(std::move(pass), report));
  } else {
    GP_TRY(RemoveEmpty(pass.refs, report));
  }
  return report;
}

Status ControlLoop::BindNominated(const ClusterRefs& refs, ReconcileReport& report) {
  // Every check is against the cluster as read (a lent node changes with each bind), then the
  // binds go out in order.
  struct Bind {
    std::string pod;
    std::string node;
    std::vector<plan::DeviceChoice> devices;
  };

  std::vector<Bind> binds;
  std::vector<plan::DeviceChoice> devices;
  for (auto it = nominations_.begin(); it != nominations_.end();) {
    const cluster::Pod* pod = refs.FindPod(it->first);
    const cluster::Node* node = refs.FindNode(it->second);
    if (pod == nullptr || pod->IsBound() || pod->IsTerminal()) {
      it = nominations_.erase(it);
      continue;
    }
    if (node == nullptr) {  // the launch failed or the node died: plan the pod again
      it = nominations_.erase(it);
      NotePending();
      continue;
    }
    if (IsComing(*node) || !node->ready) {
      ++it;
      continue;
    }
    // The node is ready; the bind goes through the scheduler's checks against its real state.
    if (fit_.Fits(*pod, *node, &devices)) {
      binds.push_back(Bind{it->first, std::move(it->second), devices});
    } else {
      NotePending();
    }
    it = nominations_.erase(it);
  }
  for (const Bind& bind : binds) {
    GP_TRY(actuator_->Bind(bind.pod, bind.node, bind.devices));
    ++report.bound;
  }
  return OkStatus();
}

Status ControlLoop::ExpireLaunches(const ClusterRefs& refs, ReconcileReport& report) {
  Timestamp now = clock_->Now();
  for (auto it = launched_at_.begin(); it != launched_at_.end();) {
    const cluster::Node* node = refs.FindNode(it->first);
    if (node == nullptr || (node->ready && !IsComing(*node))) {
      it = launched_at_.erase(it);  // gone, or ready: no longer ours to watch
      continue;
    }
    if (now - it->second < options_.launch_timeout) {
      ++it;
      continue;
    }
    GP_TRY(actuator_->Remove(it->first));
    ++report.launches_expired;
    std::erase_if(nominations_,
                  [&](const auto& nomination) { return nomination.second == it->first; });
    NotePending();  // its nominated pods are pending and planned again
    it = launched_at_.erase(it);
  }
  return OkStatus();
}

void ControlLoop::AddCapacityError(std::string instance_type, cluster::CapacityType capacity_type,
                                   std::string zone) {
  capacity_errors_.push_back(CapacityError{std::move(instance_type), capacity_type, std::move(zone),
                                           clock_->Now() + options_.capacity_error_ttl});
}

Status ControlLoop::HandleLaunchFailures(ReconcileReport& report) {
  for (LaunchFailure& failure : view_->TakeLaunchFailures()) {
    AddCapacityError(std::move(failure.instance_type), failure.capacity_type,
                     std::move(failure.zone));
    ++report.launch_failures;
    launched_at_.erase(failure.node);
    size_t nominated = std::erase_if(
        nominations_, [&](const auto& nomination) { return nomination.second == failure.node; });
    if (nominated > 0) {
      NotePending();  // planned again without the offering that failed
    }
    if (failure.exists) {
      // Given back, so the cloud does not bring it up later as a node nobody planned for.
      to_give_back_.insert(std::move(failure.node));
    }
  }
  // The view reports each failure once: a removal that fails is tried again next time.
  for (auto it = to_give_back_.begin(); it != to_give_back_.end();) {
    GP_TRY(actuator_->Remove(*it));
    it = to_give_back_.erase(it);
  }
  return OkStatus();
}

Status ControlLoop::FilterCapacityErrors(cluster::ClusterSnapshot& snapshot) {
  if (capacity_errors_.empty()) {
    return OkStatus();
  }
  std::vector<cluster::InstanceType> types(snapshot.instances.types().begin(),
                                           snapshot.instances.types().end());
  for (cluster::InstanceType& type : types) {
    std::erase_if(type.offerings, [&](const cluster::Offering& offering) {
      return std::any_of(capacity_errors_.begin(), capacity_errors_.end(),
                         [&](const CapacityError& error) {
                           return error.instance_type == type.name &&
                                  error.capacity_type == offering.capacity_type &&
                                  (error.zone.empty() || error.zone == offering.zone);
                         });
    });
  }
  std::erase_if(types, [](const cluster::InstanceType& type) { return type.offerings.empty(); });
  GP_ASSIGN_OR_RETURN(snapshot.instances, cluster::InstanceCatalog::Create(
                                              snapshot.instances.info(), std::move(types)));
  return OkStatus();
}

Result<bool> ControlLoop::PlanOnExisting(const ClusterRefs& refs, ReconcileReport& report) {
  // The same view of the cluster as PlanPending's full path below, built on the lent nodes.
  cluster::CopyOnWriteNodes nodes(refs.nodes);
  std::set<std::string, std::less<>> coming;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (IsComing(nodes[i])) {
      cluster::Node& node = nodes.Mutable(i);
      coming.insert(node.name);
      std::erase_if(node.taints,
                    [](const cluster::Taint& taint) { return taint.key == kTaintSharingPending; });
      node.ready = true;
    }
  }
  std::vector<const cluster::Pod*> accounted;  // nominated pods accounted on their node
  std::vector<plan::DeviceChoice> devices;
  for (const auto& [key, node_name] : nominations_) {
    const cluster::Pod* pod = refs.FindPod(key);
    if (pod == nullptr || pod->IsBound()) {
      continue;
    }
    std::optional<size_t> node = nodes.Find(node_name);
    if (node && fit_.Fits(*pod, nodes[*node], &devices)) {
      plan::Assign(nodes.Mutable(*node), *pod, devices);
      accounted.push_back(pod);
    }
  }
  std::sort(accounted.begin(), accounted.end());
  // Accounting nominated pods may fill a node; the view vouches for the others when it can.
  nodes.EraseIf([&](size_t i, const cluster::Node& node) {
    return (!refs.planner_nodes_only || nodes.Copied(i)) &&
           !PlannerNeedsNode(node, *refs.templates);
  });
  std::vector<const cluster::Pod*> pending;
  for (const cluster::Pod* pod : refs.pods) {
    if (!pod->IsBound() && !pod->IsTerminal() && pod->IsSatisfiable() &&
        !std::binary_search(accounted.begin(), accounted.end(), pod)) {
      pending.push_back(pod);
    }
  }
  if (pending.empty()) {
    return true;
  }
  GP_ASSIGN_OR_RETURN(std::optional<std::vector<plan::Placement>> placements,
                      plan::PlaceOnExistingNodes(std::move(pending), nodes, placers_,
                                                 *refs.templates, options_.plan));
  if (!placements) {
    return false;
  }
  ++launches_;  // as a full plan counts (it names the nodes it buys after it)
  report.planned = true;
  for (const plan::Placement& placement : *placements) {
    if (coming.contains(placement.node)) {
      nominations_[placement.pod] = placement.node;
      ++report.nominated;
    } else {
      GP_TRY(actuator_->Bind(placement.pod, placement.node, placement.devices));
      ++report.bound;
    }
  }
  // What a full plan reports unschedulable when it places every pending pod.
  for (const cluster::Pod* pod : refs.pods) {
    if (!pod->IsSatisfiable() && !pod->IsBound() && !pod->IsTerminal()) {
      report.unschedulable.push_back(plan::Unschedulable{pod->Key(), pod->unsatisfiable_reason});
    }
  }
  return true;
}

Status ControlLoop::PlanPending(Pass pass, ReconcileReport& report) {
  Timestamp now = clock_->Now();
  std::erase_if(capacity_errors_, [now](const CapacityError& error) { return error.until <= now; });
  // The fast path does not compute the reference costs a full plan reports.
  if (!options_.plan.reference_costs) {
    GP_ASSIGN_OR_RETURN(bool done, PlanOnExisting(pass.refs, report));
    if (done) {
      return OkStatus();
    }
  }
  cluster::ClusterSnapshot snapshot = pass.owned ? std::move(*pass.owned) : pass.refs.Copy();
  // The planner sees: nodes that can take a pod (coming ones as if ready, with the pods
  // nominated to them accounted), and the pods that are pending and not nominated.
  std::set<std::string, std::less<>> coming;
  for (cluster::Node& node : snapshot.nodes) {
    if (IsComing(node)) {
      coming.insert(node.name);
      std::erase_if(node.taints,
                    [](const cluster::Taint& taint) { return taint.key == kTaintSharingPending; });
      node.ready = true;
    }
  }
  std::vector<plan::DeviceChoice> devices;
  // Both are sorted by pod key: walking the nominations visits the pods in the snapshot's order.
  for (const auto& [key, node_name] : nominations_) {
    const cluster::Pod* found = snapshot.FindPod(key);
    if (found == nullptr || found->IsBound()) {
      continue;
    }
    cluster::Pod& pod = snapshot.pods[static_cast<size_t>(found - snapshot.pods.data())];
    cluster::Node* node = snapshot.FindNode(node_name);
    if (node != nullptr && fit_.Fits(pod, *node, &devices)) {
      plan::Assign(*node, pod, devices);
      pod.node_name = node->name;
    }
  }
  std::erase_if(snapshot.nodes, [&](const cluster::Node& node) {
    return !PlannerNeedsNode(node, snapshot.templates);
  });
  std::erase_if(snapshot.pods, [&](const cluster::Pod& pod) {
    return pod.IsTerminal() || (pod.IsBound() && snapshot.FindNode(pod.node_name) == nullptr);
  });
  if (snapshot.PendingPods().empty()) {
    return OkStatus();
  }
  GP_TRY(FilterCapacityErrors(snapshot));

  plan::PlanOptions plan_options = options_.plan;
  plan_options.node_name_prefix = options_.plan.node_name_prefix + std::to_string(launches_) + "-";
  ++launches_;
  GP_ASSIGN_OR_RETURN(plan::Plan plan,
                      plan::MakePlan(std::move(snapshot), *catalog_, plan_options));
  report.planned = true;
  report.lower_bound_cost_per_hour = plan.lower_bound_cost_per_hour;

  for (const plan::Reconfiguration& change : plan.reconfigurations) {
    GP_TRY(actuator_->Reconfigure(change));
    coming.insert(change.node);
    ++report.reconfigured;
  }
  std::set<std::string, std::less<>> failed;
  for (const plan::Provision& provision : plan.provisions) {
    Status launched = actuator_->Launch(provision);
    if (!launched) {
      if (launched.error().code() != ErrorCode::kResourceExhausted) {
        return launched;
      }
      AddCapacityError(provision.instance_type, provision.capacity_type, provision.zone);
      failed.insert(provision.node_names.begin(), provision.node_names.end());
      ++report.launch_failures;
      continue;
    }
    report.launched_nodes += provision.count;
    coming.insert(provision.node_names.begin(), provision.node_names.end());
    for (const std::string& name : provision.node_names) {
      launched_at_.emplace(name, clock_->Now());
    }
  }
  for (const plan::Placement& placement : plan.placements) {
    if (placement.moved) {
      continue;  // the loop does not consolidate running pods (disruption_budget 0)
    }
    if (failed.contains(placement.node)) {
      NotePending();  // planned again without the offering that had no capacity
    } else if (coming.contains(placement.node)) {
      nominations_[placement.pod] = placement.node;
      ++report.nominated;
    } else {
      GP_TRY(actuator_->Bind(placement.pod, placement.node, placement.devices));
      ++report.bound;
    }
  }
  report.unschedulable = std::move(plan.unschedulable);
  return OkStatus();
}

Status ControlLoop::RemoveEmpty(const ClusterRefs& refs, ReconcileReport& report) {
  Timestamp now = clock_->Now();
  if (now - disruption_window_start_ >= options_.disruption_interval) {
    disruption_window_start_ = now;
    removals_in_window_ = 0;
  }
  std::set<std::string, std::less<>> nominated_nodes;
  for (const auto& [pod, node] : nominations_) {
    nominated_nodes.insert(node);
  }
  std::map<std::string, Timestamp, std::less<>> still_empty;
  for (const cluster::Node* listed : refs.nodes) {
    const cluster::Node& node = *listed;
    if (!node.pods.empty() || IsComing(node) || nominated_nodes.contains(node.name) ||
        node.template_name.empty()) {
      continue;
    }
    auto seen = empty_since_.find(node.name);
    Timestamp since = seen == empty_since_.end() ? now : seen->second;
    if (now - since >= options_.empty_node_ttl &&
        removals_in_window_ < options_.max_removals_per_interval) {
      GP_TRY(actuator_->Remove(node.name));
      ++removals_in_window_;
      ++report.removed;
      continue;
    }
    still_empty.emplace(node.name, since);
  }
  empty_since_ = std::move(still_empty);
  return OkStatus();
}

}  // namespace gpupack::control
