#include "sim/simulation.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <unordered_map>
#include <utility>

#include "cluster/node.h"
#include "cluster/snapshot.h"
#include "common/rng.h"
#include "control/control_loop.h"
#include "plan/fit.h"
#include "plan/lower_bound.h"

namespace gpupack::sim {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr Duration kSpotNoticeLead = std::chrono::minutes(2);
constexpr double kMsPerHour = 3600.0 * 1000.0;

enum class EventKind : uint8_t {
  kArrival,       // index: arrival
  kFinish,        // index: pod; generation: the pod's binding
  kNodeReady,     // index: node; the machine booted (still tainted)
  kSharingReady,  // index: node; generation: the node's configuration round
  kSpotNotice,    // index: node
  kSpotGone,      // index: node
  kSample,
  kWakeup,
  kSpotStorm,  // index: the fault
};

struct Event {
  int64_t at_ms = 0;
  uint64_t seq = 0;
  EventKind kind = EventKind::kWakeup;
  uint32_t index = 0;
  uint64_t generation = 0;

  // Earliest first, then in the order scheduled (a min-heap through std::priority_queue).
  bool operator<(const Event& other) const {
    return at_ms != other.at_ms ? at_ms > other.at_ms : seq > other.seq;
  }
};

// The run's events, earliest first. The arrivals, known at the start and most of a run's events,
// wait in a sorted list read by a cursor; the rest go through a heap, which stays the size of
// what is running (a heap of every arrival cost a dozen levels per event).
class EventQueue {
 public:
  // The run's arrivals, before any other event is scheduled.
  void SetArrivals(std::vector<Event> arrivals) {
    // Equal times keep their scheduling order: `seq` settles ties.
    auto earlier = [](const Event& a, const Event& b) { return b < a; };
    if (!std::is_sorted(arrivals.begin(), arrivals.end(), earlier)) {
      std::sort(arrivals.begin(), arrivals.end(), earlier);
    }
    arrivals_ = std::move(arrivals);
    next_arrival_ = 0;
  }

  void Schedule(const Event& event) { heap_.push(event); }

  bool Empty() const { return next_arrival_ == arrivals_.size() && heap_.empty(); }

  // The earliest event; the queue must not be empty.
  const Event& Top() const { return FromArrivals() ? arrivals_[next_arrival_] : heap_.top(); }

  void Pop() {
    if (FromArrivals()) {
      ++next_arrival_;
    } else {
      heap_.pop();
    }
  }

 private:
  bool FromArrivals() const {
    return next_arrival_ < arrivals_.size() &&
           (heap_.empty() || heap_.top() < arrivals_[next_arrival_]);
  }

  std::vector<Event> arrivals_;
  size_t next_arrival_ = 0;
  std::priority_queue<Event> heap_;
};

struct SimPod {
  cluster::Pod pod;  // as the strategy asks
  double gpus_needed = 0;
  std::optional<Duration> remaining;  // run time left; nullopt: to the end
  Timestamp pending_since;
  Timestamp started;
  uint64_t generation = 0;
  int32_t node = -1;  // bound node index
  bool done = false;
  bool ever_bound = false;
  bool interrupted = false;
  std::string reason;  // the planner's last word while pending
};

struct SimNode {
  cluster::Node node;
  Timestamp launched;
  uint64_t generation = 0;
  bool alive = true;
  // control::PlannerNeedsNode, kept up to date (World::Refresh) whenever the node changes: the
  // view lends only such nodes, and computing it for every node at every pass was most of a pass.
  bool planner_needs = true;
  bool failing_reconfiguration = false;
  bool reconfiguring = false;                    // a reconfiguration round is in flight
  std::vector<cluster::SharingConfig> previous;  // sharing before the round
};

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

bool MatchesAnyPattern(const std::vector<std::string>& patterns, std::string_view name) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& pattern) {
    return cluster::MatchesGlob(pattern, name);
  });
}

class World final : public control::ClusterView, public control::Actuator {
 public:
  World(const Scenario& scenario, const cluster::InstanceCatalog& instances,
        const gpu::GpuCatalog& catalog, const SimulationOptions& options)
      : scenario_(scenario),
        instances_(instances),
        catalog_(catalog),
        options_(options),
        rng_(scenario.seed),
        faults_(scenario.faults, scenario.seed) {}

  Status Prepare() {
    // The copies allow the instance types their originals allow: the reference model is theirs.
    mig_model_ = MigReferenceModel(scenario_.templates, instances_, catalog_);
    const gpu::GpuModel* reference = mig_model_;
    std::vector<std::pair<cluster::GpuDemand, std::string>> reasons;
    pods_.reserve(scenario_.workload.arrivals.size());
    const PodRewriter rewriter(options_.strategy, mig_model_, scenario_.templates,
                               FindCheapestGpu(scenario_.templates, instances_, catalog_));
    for (const PodArrival& arrival : scenario_.workload.arrivals) {
      SimPod& pod = pods_.emplace_back();  // built in place: a pod is costly to move
      GP_TRY(rewriter.RewriteInto(arrival.pod, pod.pod));
      pod.pod.node_name.clear();
      pod.pod.phase = cluster::PodPhase::kPending;
      pod.pod.created = Timestamp{arrival.at};
      pod.gpus_needed = GpusNeeded(arrival.pod, reference, scenario_.templates);
      pod.remaining = arrival.run_for;
      pod.pod.unsatisfiable_reason = UnsatisfiableReason(pod.pod.gpu, reasons);
    }
    // Whole-GPU pods as the strategy asks (a strategy may give a large shared pod a whole GPU).
    bool whole_gpu_pods = std::any_of(pods_.begin(), pods_.end(), [](const SimPod& pod) {
      return pod.pod.gpu.kind == cluster::GpuDemandKind::kWholeGpu;
    });
    templates_ =
        StrategyTemplates(options_.strategy, scenario_.templates,
                          whole_gpu_pods || options_.strategy.strategy == Strategy::kDedicated);
    // The planner only ever buys what a template allows: the snapshots carry just those types,
    // not a copy of the whole cloud catalog per control-loop pass.
    std::vector<cluster::InstanceType> allowed;
    for (const cluster::InstanceType& type : instances_.types()) {
      if (std::any_of(templates_.begin(), templates_.end(),
                      [&](const cluster::NodeTemplate& t) { return t.AllowsInstanceType(type); })) {
        allowed.push_back(type);
      }
    }
    GP_ASSIGN_OR_RETURN(planning_instances_,
                        cluster::InstanceCatalog::Create(instances_.info(), std::move(allowed)));
    std::vector<uint32_t> order(pods_.size());
    for (uint32_t i = 0; i < order.size(); ++i) {
      order[i] = i;
    }
    std::vector<std::string> keys(pods_.size());
    for (size_t i = 0; i < pods_.size(); ++i) {
      keys[i] = pods_[i].pod.Key();
    }
    auto by_key = [&](uint32_t a, uint32_t b) { return keys[a] < keys[b]; };
    // Generated workloads name their pods in arrival order: one pass then spares the sort.
    if (!std::is_sorted(order.begin(), order.end(), by_key)) {
      std::sort(order.begin(), order.end(), by_key);
    }
    rank_.resize(pods_.size());
    for (uint32_t r = 0; r < order.size(); ++r) {
      rank_[order[r]] = r;
    }
    index_by_key_.reserve(pods_.size());
    for (size_t i = 0; i < pods_.size(); ++i) {
      index_by_key_.emplace(std::move(keys[i]), static_cast<uint32_t>(i));
    }
    return OkStatus();
  }

  // cluster::UnsatisfiableReason, remembered for the last few demands: a workload has thousands
  // of pods and a handful of demands, and the answer walks the catalogs.
  std::string UnsatisfiableReason(const cluster::GpuDemand& demand,
                                  std::vector<std::pair<cluster::GpuDemand, std::string>>& known) {
    constexpr size_t kRemembered = 16;
    for (const auto& [seen, reason] : known) {
      if (seen == demand) {
        return reason;
      }
    }
    std::string reason = cluster::UnsatisfiableReason(demand, catalog_, instances_);
    if (known.size() < kRemembered) {
      known.emplace_back(demand, reason);
    }
    return reason;
  }

  Result<StrategyResult> Run() {
    GP_TRY(Prepare());
    control::ControlOptions control_options;
    control_options.batch_idle = scenario_.control.batch_idle;
    control_options.batch_max = scenario_.control.batch_max;
    control_options.empty_node_ttl = scenario_.control.empty_node_ttl;
    control_options.plan.placement_policy = options_.placement_policy;
    control_options.plan.disruption_budget = 0;
    control_options.plan.seed = scenario_.seed;
    control_options.plan.node_name_prefix = "sim-";
    // Nothing reads a plan's reference costs here (the run's bound is computed once, at the
    // end): one LP per plan was three quarters of a run.
    control_options.plan.reference_costs = false;
    loop_.emplace(*this, *this, clock_, catalog_, control_options);

    end_ms_ = duration_cast<milliseconds>(scenario_.length).count();
    Duration step = options_.sample_step.count() > 0
                        ? options_.sample_step
                        : std::max(Duration{1000}, scenario_.length / 720);
    step_ms_ = step.count();
    std::vector<Event> arrivals;
    arrivals.reserve(scenario_.workload.arrivals.size());
    for (uint32_t i = 0; i < scenario_.workload.arrivals.size(); ++i) {
      int64_t at = scenario_.workload.arrivals[i].at.count();
      if (at <= end_ms_) {
        arrivals.push_back(Event{at, seq_++, EventKind::kArrival, i, 0});
      }
    }
    queue_.SetArrivals(std::move(arrivals));
    Push(0, EventKind::kSample, 0, 0);
    for (uint32_t i = 0; i < scenario_.faults.size(); ++i) {
      const Fault& fault = scenario_.faults[i];
      if (fault.kind == FaultKind::kSpotStorm && fault.from.count() <= end_ms_) {
        Push(fault.from.count(), EventKind::kSpotStorm, i, 0);
      }
    }
    while (!queue_.Empty() && queue_.Top().at_ms <= end_ms_) {
      Event event = queue_.Top();
      queue_.Pop();
      clock_.Set(Timestamp{Duration{event.at_ms}});
      ++result_.events;
      GP_TRY(Handle(event));
      ScheduleWakeup();
    }
    clock_.Set(Timestamp{Duration{end_ms_}});
    return Finish();
  }

  // ---- ClusterView ----
  Result<cluster::ClusterSnapshot> Snapshot() override { return Lend()->Copy(); }

  // What the loop may act on (the contract lets a view leave the rest out): the nodes the planner
  // needs, and pending pods, not every running pod. Lent: nothing is copied per pass. Nodes and
  // pods live in vectors that only Launch grows, and Retire leaves a node's object as it was.
  std::optional<control::ClusterRefs> Lend() override {
    control::ClusterRefs refs;
    refs.planner_nodes_only = true;
    refs.templates = &templates_;
    refs.instances = &planning_instances_;
    refs.nodes.reserve(node_by_name_.size());
    for (const auto& [name, index] : node_by_name_) {
      if (nodes_[index].planner_needs) {
        refs.nodes.push_back(&nodes_[index].node);
      }
    }
    refs.pods.reserve(pending_.size());
    for (const auto& [rank, index] : pending_) {
      refs.pods.push_back(&pods_[index].pod);
    }
    return refs;
  }

  // ---- Actuator ----
  Status Bind(const std::string& key, const std::string& node_name,
              const std::vector<plan::DeviceChoice>& devices) override {
    auto pod_it = index_by_key_.find(key);
    auto node_it = node_by_name_.find(node_name);
    if (pod_it == index_by_key_.end() || node_it == node_by_name_.end()) {
      return NotFoundError("bind " + key + " to " + node_name + ": no such pod or node");
    }
    SimPod& pod = pods_[pod_it->second];
    SimNode& node = nodes_[node_it->second];
    if (pod.pod.IsBound()) {
      return FailedPreconditionError("bind " + key + ": already bound");
    }
    plan::Assign(node.node, pod.pod, devices);
    Refresh(node);
    pod.pod.node_name = node_name;
    pod.pod.phase = cluster::PodPhase::kRunning;
    pod.node = static_cast<int32_t>(node_it->second);
    pod.started = clock_.Now();
    pod.reason.clear();
    ++pod.generation;
    pending_seconds_.push_back(static_cast<double>((clock_.Now() - pod.pending_since).count()) /
                               1000.0);
    if (!pod.ever_bound) {
      pod.ever_bound = true;
      ++result_.pods_scheduled;
    } else if (pod.interrupted) {
      ++result_.pods_rescheduled;
    }
    pod.interrupted = false;
    pending_.erase(rank_[pod_it->second]);
    used_gpus_ += pod.gpus_needed;
    if (pod.remaining) {
      Push(Now() + pod.remaining->count(), EventKind::kFinish, pod_it->second, pod.generation);
    }
    return OkStatus();
  }

  Status Launch(const plan::Provision& provision) override {
    if (MatchesAnyPattern(scenario_.cloud.insufficient_capacity, provision.instance_type)) {
      return ResourceExhaustedError("insufficient capacity for " + provision.instance_type);
    }
    if (faults_.OutOfCapacity(provision.instance_type, provision.capacity_type, provision.zone,
                              clock_.Now().since_epoch)) {
      return ResourceExhaustedError("insufficient capacity for " + provision.instance_type +
                                    " (injected fault)");
    }
    const cluster::NodeTemplate* node_template = FindTemplate(provision.template_name);
    const cluster::InstanceType* type = instances_.Find(provision.instance_type);
    if (node_template == nullptr || type == nullptr || provision.gpus.empty()) {
      return InternalError("launch: unknown template or instance type " + provision.instance_type);
    }
    const cluster::Offering* offering = nullptr;
    for (const cluster::Offering& candidate : type->offerings) {
      if (candidate.capacity_type == provision.capacity_type && candidate.zone == provision.zone) {
        offering = &candidate;
      }
    }
    GP_ASSIGN_OR_RETURN(const gpu::GpuModel* model, catalog_.Find(type->gpu_model));
    if (offering == nullptr) {
      return InternalError("launch: no offering of " + provision.instance_type);
    }
    for (const std::string& name : provision.node_names) {
      SimNode node;
      node.node = cluster::PlannedNode(name, *node_template, *type, *offering,
                                       provision.gpus.front().sharing, *model);
      for (size_t g = 0; g < node.node.gpus.size() && g < provision.gpus.size(); ++g) {
        node.node.gpus[g].sharing = provision.gpus[g].sharing;
      }
      node.node.taints.push_back(cluster::Taint{std::string(control::kTaintSharingPending), "true",
                                                cluster::TaintEffect::kNoSchedule});
      node.node.ready = false;
      node.launched = clock_.Now();
      Refresh(node);
      uint32_t index = static_cast<uint32_t>(nodes_.size());
      node_by_name_.emplace(name, index);
      bool spot = provision.capacity_type == cluster::CapacityType::kSpot;
      provisioned_gpus_ += static_cast<double>(type->gpu_count);
      cost_per_hour_ += node.node.price_per_hour;
      nodes_.push_back(std::move(node));
      ++result_.nodes_launched;
      launched_this_round_.push_back(name);
      int64_t latency = LaunchLatency(*type);
      if (!faults_.NeverReady(clock_.Now().since_epoch)) {
        Push(Now() + latency, EventKind::kNodeReady, index, 0);
      }
      if (spot && scenario_.cloud.spot_interruptions_per_hour > 0) {
        double hours = rng_.Exponential(1.0 / scenario_.cloud.spot_interruptions_per_hour);
        Push(Now() + static_cast<int64_t>(hours * kMsPerHour), EventKind::kSpotNotice, index, 0);
      }
    }
    return OkStatus();
  }

  Status Reconfigure(const plan::Reconfiguration& change) override {
    auto it = node_by_name_.find(change.node);
    if (it == node_by_name_.end()) {
      return NotFoundError("reconfigure: no node " + change.node);
    }
    SimNode& node = nodes_[it->second];
    if (change.gpu < 0 || static_cast<size_t>(change.gpu) >= node.node.gpus.size()) {
      return InvalidArgumentError("reconfigure " + change.node + ": no GPU " +
                                  std::to_string(change.gpu));
    }
    if (!node.node.gpus[static_cast<size_t>(change.gpu)].IsIdle()) {
      ++faults_.report.busy_gpus_reconfigured;  // the chaos suite's invariant
    }
    // One round may change several GPUs of the node: a failure restores them all to what they
    // were before the round's first change.
    if (!node.reconfiguring) {
      node.previous.resize(node.node.gpus.size());
      for (size_t g = 0; g < node.node.gpus.size(); ++g) {
        node.previous[g] = node.node.gpus[g].sharing;
      }
      node.reconfiguring = true;
    }
    node.node.gpus[static_cast<size_t>(change.gpu)].sharing = change.to.sharing;
    auto model = catalog_.Find(change.to.model);
    if (model) {
      node.node.allocatable.scalar.clear();
      for (const cluster::NodeGpu& gpu : node.node.gpus) {
        node.node.allocatable += cluster::AdvertisedCapacity(gpu.sharing, **model);
      }
      node.node.capacity.scalar = node.node.allocatable.scalar;
    }
    node.node.taints.push_back(cluster::Taint{std::string(control::kTaintSharingPending), "true",
                                              cluster::TaintEffect::kNoSchedule});
    node.failing_reconfiguration =
        faults_.ReconfigurationFails(clock_.Now().since_epoch) || node.failing_reconfiguration;
    Refresh(node);
    ++node.generation;
    ++result_.reconfigurations;
    Push(Now() + scenario_.cloud.mig_reconfigure_time.count(), EventKind::kSharingReady, it->second,
         node.generation);
    return OkStatus();
  }

  Status Remove(const std::string& name) override {
    auto it = node_by_name_.find(name);
    if (it == node_by_name_.end()) {
      return NotFoundError("remove: no node " + name);
    }
    if (!nodes_[it->second].node.pods.empty()) {
      return FailedPreconditionError("remove: node " + name + " still runs pods");
    }
    Retire(it->second);
    return OkStatus();
  }

 private:
  int64_t Now() const { return clock_.Now().since_epoch.count(); }

  // After any change to a node.
  void Refresh(SimNode& node) {
    node.planner_needs = control::PlannerNeedsNode(node.node, templates_);
  }

  void Push(int64_t at, EventKind kind, uint32_t index, uint64_t generation) {
    queue_.Schedule(Event{at, seq_++, kind, index, generation});
  }

  const cluster::NodeTemplate* FindTemplate(std::string_view name) const {
    for (const cluster::NodeTemplate& candidate : templates_) {
      if (candidate.name == name) {
        return &candidate;
      }
    }
    return nullptr;
  }

  // A log-normal draw around the mean (sigma 0.25), longer for larger machines (more GPUs to
  // initialise): the launch latency of the instance's family.
  int64_t LaunchLatency(const cluster::InstanceType& type) {
    double mean = static_cast<double>(scenario_.cloud.launch_latency.count());
    double size = 1.0 + 0.1 * std::log2(static_cast<double>(std::max(1, type.gpu_count)));
    double draw = std::exp(rng_.Normal(0.0, 0.25) - 0.25 * 0.25 / 2.0);
    return static_cast<int64_t>(mean * size * draw);
  }

  void ScheduleWakeup() {
    std::optional<Timestamp> wake = loop_->NextWakeup();
    if (!wake) {
      return;
    }
    int64_t at = std::max(wake->since_epoch.count(), Now());
    if (!wakeup_at_ || at < *wakeup_at_) {
      wakeup_at_ = at;
      Push(at, EventKind::kWakeup, 0, 0);
    }
  }

  void MakePending(uint32_t index) {
    SimPod& pod = pods_[index];
    pod.pending_since = clock_.Now();
    pending_.emplace(rank_[index], index);
    loop_->NotePending();
  }

  // Unbinds a running pod whose node goes away: back to pending with the time it has left.
  void Evict(uint32_t index) {
    SimPod& pod = pods_[index];
    SimNode& node = nodes_[static_cast<size_t>(pod.node)];
    cluster::ReleasePod(node.node, pod.pod);
    Refresh(node);
    if (pod.remaining) {
      *pod.remaining -= clock_.Now() - pod.started;
      *pod.remaining = std::max(*pod.remaining, Duration{1});
    }
    used_gpus_ -= pod.gpus_needed;
    pod.pod.node_name.clear();
    pod.pod.phase = cluster::PodPhase::kPending;
    pod.node = -1;
    ++pod.generation;
    pod.interrupted = true;
    ++result_.pods_interrupted;
    MakePending(index);
  }

  void Retire(uint32_t index) {
    SimNode& node = nodes_[index];
    if (!node.alive) {
      return;
    }
    std::vector<std::string> keys = node.node.pods;
    for (const std::string& key : keys) {
      Evict(index_by_key_.at(key));
    }
    double hours = static_cast<double>((clock_.Now() - node.launched).count()) / kMsPerHour;
    size_t gpus = node.node.gpus.size();
    result_.gpu_hours += hours * static_cast<double>(gpus);
    result_.cost += hours * node.node.price_per_hour;
    provisioned_gpus_ -= static_cast<double>(gpus);
    cost_per_hour_ -= node.node.price_per_hour;
    node.alive = false;
    node_by_name_.erase(node.node.name);
    loop_->NoteNodeChanged();
  }

  Status Handle(const Event& event) {
    switch (event.kind) {
      case EventKind::kArrival: {
        SimPod& pod = pods_[event.index];
        ++result_.pods_submitted;
        if (!pod.pod.IsSatisfiable()) {
          pod.reason = pod.pod.unsatisfiable_reason;
          return OkStatus();
        }
        MakePending(event.index);
        return OkStatus();
      }
      case EventKind::kFinish: {
        SimPod& pod = pods_[event.index];
        if (pod.generation != event.generation || pod.node < 0) {
          return OkStatus();  // evicted since; the rebind scheduled its own finish
        }
        SimNode& node = nodes_[static_cast<size_t>(pod.node)];
        cluster::ReleasePod(node.node, pod.pod);
        Refresh(node);
        used_gpus_ -= pod.gpus_needed;
        pod.pod.phase = cluster::PodPhase::kSucceeded;
        pod.done = true;
        if (node.node.pods.empty()) {
          loop_->NoteNodeChanged();
        }
        return OkStatus();
      }
      case EventKind::kNodeReady: {
        SimNode& node = nodes_[event.index];
        if (!node.alive) {
          return OkStatus();
        }
        node.node.ready = true;
        Refresh(node);
        bool mig = std::any_of(node.node.gpus.begin(), node.node.gpus.end(),
                               [](const cluster::NodeGpu& gpu) { return gpu.sharing.IsMig(); });
        int64_t delay = scenario_.cloud.device_plugin_delay.count() +
                        (mig ? scenario_.cloud.mig_reconfigure_time.count() : 0);
        Push(Now() + delay, EventKind::kSharingReady, event.index, node.generation);
        return OkStatus();
      }
      case EventKind::kSharingReady: {
        SimNode& node = nodes_[event.index];
        if (!node.alive || node.generation != event.generation) {
          return OkStatus();
        }
        if (node.failing_reconfiguration) {
          // mig-parted gave up: the GPUs keep their old geometry; the loop plans again.
          node.failing_reconfiguration = false;
          ++result_.reconfiguration_failures;
          for (size_t g = 0; g < node.previous.size() && g < node.node.gpus.size(); ++g) {
            node.node.gpus[g].sharing = node.previous[g];
          }
          auto model = catalog_.Find(node.node.gpus.front().model);
          if (model) {
            node.node.allocatable.scalar.clear();
            for (const cluster::NodeGpu& gpu : node.node.gpus) {
              node.node.allocatable += cluster::AdvertisedCapacity(gpu.sharing, **model);
            }
          }
        }
        node.reconfiguring = false;
        if (std::erase_if(node.node.taints, [](const cluster::Taint& taint) {
              return taint.key == control::kTaintSharingPending;
            }) > 0) {
          faults_.ApplyShortfall(clock_.Now().since_epoch, node.node.allocatable);
        }
        Refresh(node);
        loop_->NoteNodeChanged();
        return OkStatus();
      }
      case EventKind::kSpotNotice: {
        SimNode& node = nodes_[event.index];
        if (!node.alive || node.node.unschedulable) {
          return OkStatus();  // gone, or noticed already (a storm and the steady rate)
        }
        // Cordon and drain at the notice, as the controller does; the machine goes 2 min later.
        node.node.unschedulable = true;
        std::vector<std::string> keys = node.node.pods;
        for (const std::string& key : keys) {
          Evict(index_by_key_.at(key));
        }
        Refresh(node);
        Push(Now() + kSpotNoticeLead.count(), EventKind::kSpotGone, event.index, 0);
        return OkStatus();
      }
      case EventKind::kSpotGone:
        Retire(event.index);
        return OkStatus();
      case EventKind::kSpotStorm: {
        std::vector<uint32_t> spot;  // alive Spot nodes not noticed yet, by index
        for (const auto& [name, index] : node_by_name_) {
          const cluster::Node& node = nodes_[index].node;
          if (node.capacity_type == cluster::CapacityType::kSpot && !node.unschedulable) {
            spot.push_back(index);
          }
        }
        std::sort(spot.begin(), spot.end());
        for (const FaultInjector::Notice& notice :
             faults_.StormNotices(scenario_.faults[event.index], spot.size(), Duration{end_ms_})) {
          Push(notice.at.count(), EventKind::kSpotNotice, spot[notice.candidate], 0);
        }
        return OkStatus();
      }
      case EventKind::kSample:
        Sample();
        if (Now() + step_ms_ <= end_ms_) {
          Push(Now() + step_ms_, EventKind::kSample, 0, 0);
        }
        if (options_.progress) {
          options_.progress(static_cast<double>(Now()) / static_cast<double>(end_ms_));
        }
        return OkStatus();
      case EventKind::kWakeup: {
        if (!wakeup_at_ || *wakeup_at_ != event.at_ms) {
          return OkStatus();  // superseded by an earlier wakeup
        }
        wakeup_at_.reset();
        std::optional<Timestamp> due = loop_->NextWakeup();
        if (!due || *due > clock_.Now()) {
          return OkStatus();
        }
        launched_this_round_.clear();
        GP_ASSIGN_OR_RETURN(control::ReconcileReport report, loop_->Reconcile());
        if (report.planned) {
          ++result_.plans;
        }
        CheckLaunchesHaveDemand();
        faults_.report.launches_expired += report.launches_expired;
        result_.launch_failures += report.launch_failures;
        for (const plan::Unschedulable& why : report.unschedulable) {
          auto it = index_by_key_.find(why.pod);
          if (it != index_by_key_.end()) {
            pods_[it->second].reason = why.reason;
          }
        }
        return OkStatus();
      }
    }
    return OkStatus();
  }

  // The chaos suite's invariant: the loop buys a node only for pods it nominates to it, so one
  // demand is never provisioned twice.
  void CheckLaunchesHaveDemand() {
    if (launched_this_round_.empty()) {
      return;
    }
    std::set<std::string, std::less<>> demanded;
    for (const auto& [pod, node] : loop_->nominations()) {
      demanded.insert(node);
    }
    for (const std::string& name : launched_this_round_) {
      faults_.report.launches_without_demand += demanded.contains(name) ? 0 : 1;
    }
  }

  void Sample() {
    TimePoint point;
    point.seconds = static_cast<double>(Now()) / 1000.0;
    point.gpus_provisioned = provisioned_gpus_;
    point.gpus_used = used_gpus_;
    double pending_need = 0;
    for (const auto& [rank, index] : pending_) {
      pending_need += pods_[index].gpus_needed;
    }
    point.gpus_needed = used_gpus_ + pending_need;
    point.pending_pods = static_cast<int64_t>(pending_.size());
    point.cost_per_hour = cost_per_hour_;
    result_.timeseries.push_back(point);
  }

  // The cost no strategy could beat over each window: the LP lower bound of the pods that run
  // through the whole window, times its length (the cluster must host them all along).
  Result<double> LowerBound() {
    double cost = 0;
    int64_t window = std::max<int64_t>(step_ms_ * 8, 60 * 1000);
    for (int64_t start = 0; start + window <= end_ms_; start += window) {
      cluster::ClusterSnapshot snapshot;
      snapshot.templates = templates_;
      snapshot.instances = instances_;
      for (size_t i = 0; i < pods_.size(); ++i) {
        const RunSpan& run = runs_[i];
        if (run.start >= 0 && run.start <= start && run.end >= start + window) {
          cluster::Pod pod = pods_[i].pod;
          pod.node_name.clear();
          pod.phase = cluster::PodPhase::kPending;
          snapshot.pods.push_back(std::move(pod));
        }
      }
      if (snapshot.pods.empty()) {
        continue;
      }
      std::sort(snapshot.pods.begin(), snapshot.pods.end(),
                [](const cluster::Pod& a, const cluster::Pod& b) { return a.Key() < b.Key(); });
      std::vector<const cluster::Pod*> pending = snapshot.PendingPods();
      plan::PlanOptions plan_options;
      GP_ASSIGN_OR_RETURN(double per_hour,
                          plan::LowerBoundCostPerHour(snapshot, pending, catalog_, plan_options));
      cost += per_hour * static_cast<double>(window) / kMsPerHour;
    }
    return cost;
  }

  Result<StrategyResult> Finish() {
    // Close the books: nodes still up are paid to the end; runs recorded for the bound.
    for (uint32_t i = 0; i < nodes_.size(); ++i) {
      SimNode& node = nodes_[i];
      if (node.alive) {
        double hours = static_cast<double>((clock_.Now() - node.launched).count()) / kMsPerHour;
        result_.gpu_hours += hours * static_cast<double>(node.node.gpus.size());
        result_.cost += hours * node.node.price_per_hour;
      }
    }
    result_.name = options_.strategy.Name();
    result_.faults = faults_.report;
    double hours = static_cast<double>(end_ms_) / kMsPerHour;
    result_.mean_gpus = hours > 0 ? result_.gpu_hours / hours : 0;
    double used_gpu_hours = 0;
    for (size_t i = 0; i < result_.timeseries.size(); ++i) {
      const TimePoint& point = result_.timeseries[i];
      result_.peak_gpus = std::max(result_.peak_gpus, point.gpus_provisioned);
      used_gpu_hours += point.gpus_used * static_cast<double>(step_ms_) / kMsPerHour;
    }
    double provisioned_sampled = 0;
    for (const TimePoint& point : result_.timeseries) {
      provisioned_sampled += point.gpus_provisioned * static_cast<double>(step_ms_) / kMsPerHour;
    }
    result_.allocation_ratio = provisioned_sampled > 0 ? used_gpu_hours / provisioned_sampled : 0;
    result_.pending_p50_seconds = Percentile(pending_seconds_, 0.50);
    result_.pending_p95_seconds = Percentile(pending_seconds_, 0.95);
    result_.pending_p99_seconds = Percentile(pending_seconds_, 0.99);
    for (size_t i = 0; i < pods_.size(); ++i) {
      const SimPod& pod = pods_[i];
      bool arrived = scenario_.workload.arrivals[i].at.count() <= end_ms_;
      if (!arrived || pod.pod.IsBound() || pod.done) {
        continue;
      }
      std::string reason = pod.reason.empty()
                               ? "pending when the simulation ended (waiting for a node)"
                               : pod.reason;
      result_.unscheduled.push_back(UnscheduledPod{pod.pod.Key(), std::move(reason)});
    }
    std::sort(result_.unscheduled.begin(), result_.unscheduled.end(),
              [](const auto& a, const auto& b) { return a.pod < b.pod; });
    if (options_.lower_bound) {
      RecordRuns();
      GP_ASSIGN_OR_RETURN(result_.lower_bound_cost, LowerBound());
    }
    return std::move(result_);
  }

  // A pod's run for the bound: from its last bind to its end (or the end of the simulation).
  // Interrupted pods count from their last bind only, which keeps the bound a bound.
  void RecordRuns() {
    runs_.assign(pods_.size(), {-1, -1});
    for (size_t i = 0; i < pods_.size(); ++i) {
      const SimPod& pod = pods_[i];
      if (pod.done || pod.pod.IsBound()) {
        int64_t start = pod.started.since_epoch.count();
        // A finished pod keeps its node name (IsBound) but ran only for what it had left.
        int64_t end = pod.done && pod.remaining ? start + pod.remaining->count() : end_ms_;
        runs_[i] = {start, end};
      }
    }
  }

  const Scenario& scenario_;
  const cluster::InstanceCatalog& instances_;
  cluster::InstanceCatalog planning_instances_;  // the types some template allows
  const gpu::GpuCatalog& catalog_;
  const SimulationOptions& options_;
  Rng rng_;
  FaultInjector faults_;
  std::vector<std::string> launched_this_round_;  // nodes bought by the current Reconcile
  ManualClock clock_;
  std::optional<control::ControlLoop> loop_;
  std::vector<cluster::NodeTemplate> templates_;
  const gpu::GpuModel* mig_model_ = nullptr;

  std::vector<SimPod> pods_;
  std::vector<uint32_t> rank_;  // pod index -> rank by key
  // Looked up only, never walked: hashing is the cheaper lookup at every bind.
  std::unordered_map<std::string, uint32_t> index_by_key_;
  std::map<uint32_t, uint32_t> pending_;  // rank -> pod index, arrived and waiting for a node
  std::vector<SimNode> nodes_;
  std::map<std::string, uint32_t, std::less<>> node_by_name_;  // alive nodes

  EventQueue queue_;
  uint64_t seq_ = 0;
  std::optional<int64_t> wakeup_at_;
  int64_t end_ms_ = 0;
  int64_t step_ms_ = 1000;

  double provisioned_gpus_ = 0;
  double used_gpus_ = 0;
  double cost_per_hour_ = 0;
  std::vector<double> pending_seconds_;

  struct RunSpan {
    int64_t start;
    int64_t end;
  };

  std::vector<RunSpan> runs_;
  StrategyResult result_;
};

}  // namespace

Result<StrategyResult> Simulate(const Scenario& scenario, const cluster::InstanceCatalog& instances,
                                const gpu::GpuCatalog& catalog, const SimulationOptions& options) {
  World world(scenario, instances, catalog, options);
  return world.Run();
}

}  // namespace gpupack::sim
