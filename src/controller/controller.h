// Controller: gpupack running against a cluster (DESIGN.md section 5). It owns the informers
// (Pods, Nodes, NodeTemplates, NodeClaims, gpupack's ConfigMaps), shows them to the same
// control::ControlLoop the simulator runs through a KubeClusterView, and acts through the
// control::Actuator it is given (KubeActuator, or DryRunActuator which writes nothing).
//
// Run(): each informer lists and watches on its own thread; once all have synced, the loop
// reconciles at NextWakeup(). Informer handlers only note what changed (a pending GPU pod opens
// the batch window, a node change lets nominated pods be bound) and wake the loop through a
// condition variable; nothing polls. Run returns when its CancelToken is set (leadership lost,
// SIGTERM).
//
// RunOnce(): lists everything once and reconciles once with the batch window closed: what
// `gpupack controller --once` and the tests use.
//
// Thread safety: Run and RunOnce from one thread at a time; Stop() from any thread.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "cluster/instance_type.h"
#include "common/clock.h"
#include "common/error.h"
#include "control/control_loop.h"
#include "controller/kube_cluster_view.h"
#include "gpu/gpu_catalog.h"
#include "kube/informer.h"
#include "kube/kube_client.h"
#include "kube/sleeper.h"

namespace gpupack::controller {

// The ClusterView the loop reads: the KubeClusterView, telling `observer` each snapshot and
// keeping the latest.
class ObservedView final : public control::ClusterView {
 public:
  ObservedView(KubeClusterView& view,
               const std::function<void(std::shared_ptr<const cluster::ClusterSnapshot>)>& observer)
      : view_(view), observer_(observer) {}

  [[nodiscard]] Result<cluster::ClusterSnapshot> Snapshot() override;

  std::vector<control::LaunchFailure> TakeLaunchFailures() override {
    return view_.TakeLaunchFailures();
  }

  // The latest snapshot; null before the first.
  const std::shared_ptr<const cluster::ClusterSnapshot>& latest() const { return latest_; }

 private:
  KubeClusterView& view_;
  std::shared_ptr<const cluster::ClusterSnapshot> latest_;
  const std::function<void(std::shared_ptr<const cluster::ClusterSnapshot>)>& observer_;
};

struct ControllerOptions {
  ViewOptions view = DefaultViewOptions();
  control::ControlOptions control;
  // How long Run waits for the informers' first lists before giving up.
  Duration sync_timeout{std::chrono::minutes(2)};
  // Run reconciles at least this often even when nothing is due (a safety net for a missed
  // event; the informers' watches make it rarely matter).
  Duration resync_interval{std::chrono::minutes(1)};
  int64_t page_size = 500;
};

// "planned: 1 node(s) launched, 7 nominated, 0 bound, ..." for logs.
std::string DescribeReport(const control::ReconcileReport& report);

// What one reconcile saw and did, for the work around it (finishing joined nodes, Events,
// NodeTemplate status).
struct ReconcileContext {
  const std::vector<kube::NodeObject>& nodes;  // the informer's nodes after the reconcile
  const cluster::ClusterSnapshot& snapshot;    // the one the reconcile acted on
  const control::ReconcileReport& report;
  const std::map<std::string, std::string, std::less<>>& nominations;  // pod -> coming node
  // Objects the view could not use, at this reconcile and the one before, not reported yet
  // (Events). A problem of one pass only (a ConfigMap key written a moment before the claim
  // that names it, not in the informer's cache yet) is logged, never reported.
  const std::vector<ObjectProblem>& lasting_problems;
};

// Callbacks around the loop (operations, the actuator's own work). All optional; they run on the
// loop's thread and must not call back into the Controller.
struct ControllerHooks {
  // The informers have synced (readiness).
  std::function<void()> on_synced;
  // The loop woke up (liveness): at least every resync_interval.
  std::function<void()> on_wakeup;
  // The loop read the cluster (before it acts on what it read).
  std::function<void(std::shared_ptr<const cluster::ClusterSnapshot> snapshot)> on_snapshot;
  // A reconcile finished, and how long it took (metrics).
  std::function<void(const control::ReconcileReport& report, Duration latency)> on_report;
  // Extra work after every reconcile; an error is logged and the loop goes on.
  std::function<Status(const ReconcileContext& context)> after_reconcile;
};

class Controller {
 public:
  // Everything borrowed must outlive the controller.
  Controller(kube::KubeClient& client, control::Actuator& actuator, const gpu::GpuCatalog& gpus,
             const cluster::InstanceCatalog& instances, const Clock& clock, kube::Sleeper& sleeper,
             ControllerOptions options);
  ~Controller();

  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Set before RunOnce or Run.
  void SetHooks(ControllerHooks hooks) { hooks_ = std::move(hooks); }

  // Lists every resource, then one reconcile with the batch window closed. The list errors
  // (connection refused, 401/403) are returned as they are.
  [[nodiscard]] Result<control::ReconcileReport> RunOnce();

  // Runs until `stop` is set (see the header comment). Errors: the informers did not sync
  // within sync_timeout. A failing reconcile is logged and retried, its pending pods planned
  // again, 200 ms later (at least batch_idle), the wait doubling while failures go on, up to
  // resync_interval.
  [[nodiscard]] Status Run(const kube::CancelToken& stop);

  // Wakes Run so it notices its CancelToken at once.
  void Wake();

  // The problems the view found in the latest snapshot (objects left out).
  const std::vector<ObjectProblem>& problems() const { return view_.problems(); }

 private:
  void InstallHandlers();
  [[nodiscard]] Result<control::ReconcileReport> ReconcileAndReport();
  // Logs the view's problems the previous reconcile did not have; returns those it had too
  // that were not returned before (ReconcileContext::lasting_problems).
  std::vector<ObjectProblem> LogProblems();

  const Clock& clock_;
  ControllerOptions options_;
  std::unique_ptr<kube::NodeInformer> nodes_;
  std::unique_ptr<kube::PodInformer> pods_;
  std::unique_ptr<kube::GenericInformer> node_templates_;
  std::unique_ptr<kube::GenericInformer> node_claims_;
  std::unique_ptr<kube::GenericInformer> config_maps_;
  KubeClusterView view_;
  control::Actuator& actuator_;
  const gpu::GpuCatalog& gpus_;
  ObservedView observed_;
  std::unique_ptr<control::ControlLoop> loop_;
  ControllerHooks hooks_;
  std::vector<ObjectProblem> logged_problems_;  // the previous reconcile's, sorted
  std::set<std::string> reported_problems_;     // texts returned by LogProblems, still there

  // Guards the loop's Note* calls (from informer threads) against Reconcile, and the wakeup.
  std::mutex mu_;
  std::condition_variable wake_;
  bool dirty_ = false;  // guarded by mu_: something changed since the last reconcile
};

// An Actuator that writes nothing: each action is logged and printed as one line to `out`
// (like `kubectl --dry-run=client`), and reported as done so the loop carries on as if it had
// happened. Launched nodes never appear in the cluster, so a long dry run plans them again after
// each batch window: an action already printed is not printed again.
class DryRunActuator final : public control::Actuator {
 public:
  explicit DryRunActuator(std::FILE* out, const gpu::GpuCatalog& gpus) : out_(out), gpus_(gpus) {}

  [[nodiscard]] Status Bind(const std::string& pod, const std::string& node,
                            const std::vector<plan::DeviceChoice>& devices) override;
  [[nodiscard]] Status Launch(const plan::Provision& provision) override;
  [[nodiscard]] Status Reconfigure(const plan::Reconfiguration& change) override;
  [[nodiscard]] Status Remove(const std::string& node) override;

  // The lines printed so far.
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  void Print(std::string line);

  std::FILE* out_;
  const gpu::GpuCatalog& gpus_;
  std::vector<std::string> lines_;
  std::set<std::string> printed_;
};

}  // namespace gpupack::controller
