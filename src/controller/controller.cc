#include "controller/controller.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "cluster/gpu_demand.h"
#include "common/check.h"
#include "common/log.h"
#include "controller/node_sharing.h"

namespace gpupack::controller {
namespace {

// The first retry after a failed reconcile (then doubling, up to resync_interval).
constexpr Duration kMinRetryBackoff = std::chrono::milliseconds(200);

// Whether a pod waits for a GPU node: not bound, not finished, asks for an nvidia.com/ resource.
bool IsPendingGpuPod(const kube::PodObject& pod) {
  if (!pod.node_name.empty() || pod.meta.deleting || pod.phase == "Succeeded" ||
      pod.phase == "Failed") {
    return false;
  }
  return std::any_of(pod.requests.begin(), pod.requests.end(), [](const auto& request) {
    return request.first.str().starts_with("nvidia.com/") && request.second > 0;
  });
}

std::string DescribeGpus(const std::vector<plan::GpuPlan>& gpus, const gpu::GpuCatalog& catalog) {
  if (gpus.empty()) {
    return "no GPUs";
  }
  const plan::GpuPlan& first = gpus.front();
  Result<const gpu::GpuModel*> model = catalog.Find(first.model);
  std::string sharing = model ? first.sharing.Describe(**model) : "?";
  bool alike = std::all_of(gpus.begin(), gpus.end(), [&](const plan::GpuPlan& gpu) {
    return gpu.model == first.model && gpu.sharing == first.sharing;
  });
  return fmt::format("{} x {} {}{}", gpus.size(), first.model, sharing,
                     alike ? "" : " (and others)");
}

kube::InformerOptions Paged(const ControllerOptions& options, const std::string& namespace_name) {
  kube::InformerOptions out;
  out.namespace_name = namespace_name;
  out.page_size = options.page_size;
  return out;
}

}  // namespace

Result<cluster::ClusterSnapshot> ObservedView::Snapshot() {
  GP_ASSIGN_OR_RETURN(cluster::ClusterSnapshot snapshot, view_.Snapshot());
  latest_ = std::make_shared<const cluster::ClusterSnapshot>(snapshot);
  if (observer_) {
    observer_(latest_);
  }
  return snapshot;
}

std::string DescribeReport(const control::ReconcileReport& report) {
  return fmt::format(
      "{}: {} node(s) launched, {} launch failure(s), {} pod(s) nominated, {} bound, {} GPU(s) "
      "reconfigured, {} node(s) removed, {} unschedulable",
      report.planned ? "planned" : "reconciled", report.launched_nodes, report.launch_failures,
      report.nominated, report.bound, report.reconfigured, report.removed,
      report.unschedulable.size());
}

Controller::Controller(kube::KubeClient& client, control::Actuator& actuator,
                       const gpu::GpuCatalog& gpus, const cluster::InstanceCatalog& instances,
                       const Clock& clock, kube::Sleeper& sleeper, ControllerOptions options)
    : clock_(clock),
      options_(std::move(options)),
      nodes_(kube::MakeNodeInformer(client, Paged(options_, ""), sleeper)),
      pods_(kube::MakePodInformer(client, Paged(options_, ""), sleeper)),
      node_templates_(kube::MakeGenericInformer(client, kube::NodeTemplatesResource(),
                                                Paged(options_, ""), sleeper)),
      node_claims_(kube::MakeGenericInformer(client, kube::NodeClaimsResource(),
                                             Paged(options_, ""), sleeper)),
      config_maps_(kube::MakeGenericInformer(client, kube::ConfigMapsResource(),
                                             Paged(options_, options_.view.namespace_name),
                                             sleeper)),
      view_(ClusterInformers{nodes_.get(), pods_.get(), node_templates_.get(), node_claims_.get(),
                             config_maps_.get()},
            gpus, instances, options_.view),
      actuator_(actuator),
      gpus_(gpus),
      observed_(view_, hooks_.on_snapshot) {
  InstallHandlers();
}

Controller::~Controller() = default;

void Controller::InstallHandlers() {
  auto note_pod = [this](const kube::PodObject& pod) {
    std::lock_guard lock(mu_);
    dirty_ = true;
    if (loop_ != nullptr && IsPendingGpuPod(pod)) {
      loop_->NotePending();
      wake_.notify_all();
    }
  };
  kube::InformerHandlers<kube::PodObject> pod_handlers;
  pod_handlers.on_add = note_pod;
  pod_handlers.on_update = [note_pod](const kube::PodObject&, const kube::PodObject& pod) {
    note_pod(pod);
  };
  pod_handlers.on_delete = [this](const kube::PodObject&) {
    std::lock_guard lock(mu_);
    dirty_ = true;
  };
  pods_->SetHandlers(std::move(pod_handlers));

  auto note_node = [this]() {
    std::lock_guard lock(mu_);
    dirty_ = true;
    if (loop_ != nullptr) {
      loop_->NoteNodeChanged();
      wake_.notify_all();
    }
  };
  kube::InformerHandlers<kube::NodeObject> node_handlers;
  node_handlers.on_add = [note_node](const kube::NodeObject&) { note_node(); };
  node_handlers.on_update = [note_node](const kube::NodeObject&, const kube::NodeObject&) {
    note_node();
  };
  node_handlers.on_delete = [note_node](const kube::NodeObject&) { note_node(); };
  nodes_->SetHandlers(std::move(node_handlers));

  // A NodeClaim that vanishes (a failed launch) sends its nominated pods back to pending.
  kube::InformerHandlers<kube::GenericObject> claim_handlers;
  claim_handlers.on_delete = [this, note_node](const kube::GenericObject& claim) {
    view_.NoteNodeClaimDeleted(claim);
    note_node();
  };
  claim_handlers.on_update = [note_node](const kube::GenericObject&, const kube::GenericObject&) {
    note_node();
  };
  node_claims_->SetHandlers(std::move(claim_handlers));
}

std::vector<ObjectProblem> Controller::LogProblems() {
  const std::vector<ObjectProblem>& problems = view_.problems();
  std::vector<ObjectProblem> lasting;
  std::set<std::string> reported;
  for (const ObjectProblem& problem : problems) {
    bool before = std::binary_search(logged_problems_.begin(), logged_problems_.end(), problem);
    if (!before) {
      log::Warn("{}", problem.text);
    } else if (!reported_problems_.contains(problem.text)) {
      lasting.push_back(problem);
    }
    if (before) {
      reported.insert(problem.text);
    }
  }
  logged_problems_ = problems;  // sorted by the view
  reported_problems_ = std::move(reported);
  return lasting;
}

Result<control::ReconcileReport> Controller::ReconcileAndReport() {
  Timestamp start = clock_.Now();
  Result<control::ReconcileReport> report = loop_->Reconcile();
  std::vector<ObjectProblem> lasting_problems = LogProblems();
  if (!report) {
    return report;
  }
  Duration latency = clock_.Now() - start;
  log::Info("{} ({} ms)", DescribeReport(*report), latency.count());
  for (const plan::Unschedulable& pod : report->unschedulable) {
    log::Info("cannot place {}: {}", pod.pod, pod.reason);
  }
  if (hooks_.after_reconcile && observed_.latest() != nullptr) {
    std::vector<kube::NodeObject> nodes = nodes_->List();
    Status after = hooks_.after_reconcile(ReconcileContext{nodes, *observed_.latest(), *report,
                                                           loop_->nominations(), lasting_problems});
    if (!after) {
      log::Warn("after reconcile: {}", after.error().message());
    }
  }
  if (hooks_.on_report) {
    hooks_.on_report(*report, latency);
  }
  return report;
}

Result<control::ReconcileReport> Controller::RunOnce() {
  for (kube::NodeInformer* informer : {nodes_.get()}) {
    GP_TRY(informer->Resync());
  }
  GP_TRY(pods_->Resync());
  for (kube::GenericInformer* informer :
       {node_templates_.get(), node_claims_.get(), config_maps_.get()}) {
    GP_TRY(informer->Resync());
  }
  std::lock_guard lock(mu_);
  if (loop_ == nullptr) {
    // --once has no later reconcile to wait for: the batch window closes at once.
    control::ControlOptions once = options_.control;
    once.batch_idle = Duration(0);
    once.batch_max = Duration(0);
    loop_ = std::make_unique<control::ControlLoop>(observed_, actuator_, clock_, gpus_, once);
  }
  loop_->NotePending();
  loop_->NoteNodeChanged();
  dirty_ = false;
  return ReconcileAndReport();
}

void Controller::Wake() {
  std::lock_guard lock(mu_);
  wake_.notify_all();
}

Status Controller::Run(const kube::CancelToken& stop) {
  {
    std::lock_guard lock(mu_);
    GP_CHECK(loop_ == nullptr, "RunOnce and Run do not share a controller");
    loop_ = std::make_unique<control::ControlLoop>(observed_, actuator_, clock_, gpus_,
                                                   options_.control);
  }
  kube::CancelToken informers_stop;
  std::vector<std::thread> threads;
  threads.emplace_back([&] { nodes_->Run(informers_stop); });
  threads.emplace_back([&] { pods_->Run(informers_stop); });
  for (kube::GenericInformer* informer :
       {node_templates_.get(), node_claims_.get(), config_maps_.get()}) {
    threads.emplace_back([&informers_stop, informer] { informer->Run(informers_stop); });
  }
  auto stop_informers = [&] {
    informers_stop.Cancel();
    for (std::thread& thread : threads) {
      thread.join();
    }
  };
  auto synced = [&] {
    return nodes_->HasSynced() && pods_->HasSynced() && node_templates_->HasSynced() &&
           node_claims_->HasSynced() && config_maps_->HasSynced();
  };

  std::unique_lock lock(mu_);
  // The informers' first lists: a short bounded wait per round (their handlers wake us too).
  Timestamp sync_deadline = clock_.Now() + options_.sync_timeout;
  while (!synced() && !stop.IsCancelled()) {
    if (clock_.Now() >= sync_deadline) {
      lock.unlock();
      stop_informers();
      return UnavailableError("the informers did not sync within " +
                              std::to_string(options_.sync_timeout.count() / 1000) +
                              " s (is the API server reachable?)");
    }
    wake_.wait_for(lock, std::chrono::milliseconds(200));
  }
  if (hooks_.on_synced) {
    hooks_.on_synced();
  }
  log::Info("informers synced: {} nodes, {} pods, {} NodeTemplates, {} NodeClaims", nodes_->Size(),
            pods_->Size(), node_templates_->Size(), node_claims_->Size());
  loop_->NotePending();  // whatever is pending now is the first batch
  Timestamp last_reconcile = clock_.Now();
  bool first = true;
  int failures = 0;      // reconciles failed in a row
  Timestamp retry_at{};  // after a failure: not before then
  while (!stop.IsCancelled()) {
    if (hooks_.on_wakeup) {
      hooks_.on_wakeup();
    }
    Timestamp now = clock_.Now();
    Timestamp due = last_reconcile + options_.resync_interval;
    if (std::optional<Timestamp> wakeup = loop_->NextWakeup()) {
      due = std::min(due, *wakeup);
    }
    if (dirty_) {
      due = std::min(due, last_reconcile + options_.control.batch_idle);
    }
    if (!first && now < due) {
      wake_.wait_for(lock, due - now);
      continue;
    }
    if (!first && now < retry_at) {
      wake_.wait_for(lock, retry_at - now);
      continue;
    }
    first = false;
    dirty_ = false;
    Result<control::ReconcileReport> report = ReconcileAndReport();
    last_reconcile = clock_.Now();
    if (report) {
      failures = 0;
      retry_at = Timestamp{};
    } else {
      // The loop has closed the batch it failed to carry out (a launch or a ConfigMap write
      // refused, the API unreachable): open a new one, or its pods would wait for a pod event
      // that may never come. Retries back off exponentially up to resync_interval.
      ++failures;
      Duration backoff = std::min(options_.resync_interval,
                                  kMinRetryBackoff * (int64_t{1} << std::min(failures - 1, 16)));
      backoff = std::max(backoff, options_.control.batch_idle);
      retry_at = last_reconcile + backoff;
      loop_->NotePending();
      log::Error("reconcile: {}; retrying in {} ms", report.error().message(), backoff.count());
    }
  }
  lock.unlock();
  stop_informers();
  return OkStatus();
}

// --- DryRunActuator ----------------------------------------------------------------------------

void DryRunActuator::Print(std::string line) {
  if (!printed_.insert(line).second) {
    return;  // the same action planned again (its node never appears in a dry run)
  }
  log::Info("dry run: {}", line);
  if (out_ != nullptr) {
    std::fprintf(out_, "%s\n", line.c_str());
    std::fflush(out_);
  }
  lines_.push_back(std::move(line));
}

Status DryRunActuator::Bind(const std::string& pod, const std::string& node,
                            const std::vector<plan::DeviceChoice>& devices) {
  std::string on;
  for (const plan::DeviceChoice& device : devices) {
    on += fmt::format("{}gpu {}{}", on.empty() ? "" : ", ", device.gpu,
                      device.instance >= 0 ? fmt::format(" instance {}", device.instance) : "");
  }
  Print(
      fmt::format("pod/{} bound to node/{}{} (dry run)", pod, node, on.empty() ? "" : " on " + on));
  return OkStatus();
}

Status DryRunActuator::Launch(const plan::Provision& provision) {
  // The labels gpupack would put on the NodeClaim (KubeActuator::Launch adds the template's
  // own): they name the sharing configs the node would get.
  GP_ASSIGN_OR_RETURN(NodeSharing sharing, PlanNodeSharing(provision.gpus, gpus_));
  sharing.labels[std::string(cluster::kLabelNodeTemplate)] = provision.template_name;
  std::string labels;
  for (const auto& [key, value] : sharing.labels) {
    labels += fmt::format("{}{}={}", labels.empty() ? "" : ",", key, value);
  }
  // The planner's node names are left out: the real NodeClaims get other names, and a long dry
  // run re-plans the same node under a new name after every batch window.
  Print(fmt::format(
      "nodeclaim.karpenter.sh created (dry run): {} x {} {} in {} from NodeTemplate {}, {}, "
      "${:.2f}/h each, labels {}{}",
      provision.count, provision.instance_type, cluster::CapacityTypeName(provision.capacity_type),
      provision.zone.empty() ? "any zone" : provision.zone, provision.template_name,
      DescribeGpus(provision.gpus, gpus_), provision.price_per_hour, labels,
      provision.reason.empty() ? "" : ": " + provision.reason));
  return OkStatus();
}

Status DryRunActuator::Reconfigure(const plan::Reconfiguration& change) {
  Print(fmt::format("node/{} GPU {} reconfigured (dry run): {} -> {}{}", change.node, change.gpu,
                    DescribeGpus({change.from}, gpus_), DescribeGpus({change.to}, gpus_),
                    change.reason.empty() ? "" : ": " + change.reason));
  return OkStatus();
}

Status DryRunActuator::Remove(const std::string& node) {
  Print(fmt::format("node/{} cordoned, drained and its NodeClaim deleted (dry run)", node));
  return OkStatus();
}

}  // namespace gpupack::controller
