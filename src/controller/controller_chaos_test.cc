// Controller chaos (issue 7 part 4; issue 6 "Done when"): the real controller, wired as
// `gpupack controller` wires it (HttpKubeClient, KubeActuator writing through
// LeaderGuardedClient behind LeaderGuardedActuator, LeaderElector, RunWhileLeading), over HTTPS
// against the stateful loopback API server, through the seed scenario (7 MIG pods pending -> one
// NodeClaim -> Karpenter's node joins -> labels -> startup taint removed -> kube-scheduler binds
// the pods) while the server fails requests, cuts watches, answers slowly, and replicas are killed,
// starved of their Lease or restarted.
//
// The test plays Karpenter, the GPU Operator and kube-scheduler by writing straight into the
// server's state (ChaosCluster::Step), and waits on conditions with a bounded deadline, never a
// fixed time. Every scenario ends with the same invariants (ChaosCluster::Violations).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "catalog/mig_parted_yaml.h"
#include "cluster/gpu_demand.h"
#include "common/rng.h"
#include "control/control_loop.h"
#include "controller/cluster_hooks.h"
#include "controller/controller.h"
#include "controller/conventions.h"
#include "controller/kube_actuator.h"
#include "controller/leader_election.h"
#include "controller/seed_scenario_testing.h"
#include "kube/forwarding_kube_client.h"
#include "kube/http_kube_client.h"
#include "kube/testing/loopback_api_server.h"

namespace gpupack::controller {
namespace {

using ::testing::IsEmpty;
using json = nlohmann::json;
using std::chrono::milliseconds;

constexpr std::string_view kToken = "gpupack-token";
constexpr size_t kSeedPods = 7;
// The bound of every wait: reached in well under a second normally, generous for a loaded
// 2-core CI machine.
constexpr std::chrono::seconds kDeadline{30};
const std::string kLeases =
    "/apis/coordination.k8s.io/v1/namespaces/" + std::string(kDefaultNamespace) + "/leases";
const std::string kConfigMaps =
    "/api/v1/namespaces/" + std::string(kDefaultGpuOperatorNamespace) + "/configmaps";
const std::string kNodeClaims = "/apis/karpenter.sh/v1/nodeclaims";

// Lease times short enough for a test, in client-go's proportions.
LeaderElectionConfig TestElection(std::string identity, bool release_on_cancel) {
  LeaderElectionConfig config;
  config.identity = std::move(identity);
  config.lease_duration = std::chrono::seconds(3);
  config.renew_deadline = std::chrono::seconds(2);
  config.retry_period = milliseconds(250);
  config.release_on_cancel = release_on_cancel;
  return config;
}

bool HasTaint(const json& object, std::string_view key) {
  const json& spec = object.contains("spec") ? object["spec"] : json::object();
  for (const json& taint : spec.value("taints", json::array())) {
    if (taint.value("key", "") == key && taint.value("effect", "") == "NoSchedule") {
      return true;
    }
  }
  return false;
}

std::string Label(const json& object, std::string_view key) {
  const json& labels = object["metadata"].value("labels", json::object());
  auto found = labels.find(std::string(key));
  return found != labels.end() && found->is_string() ? found->get<std::string>() : "";
}

// One event the API server recorded.
struct HistoryEvent {
  kube::WatchEventType type;
  json object;
  int64_t version = 0;
};

// One call a controller replica made, and when it started.
struct Call {
  std::string verb;  // get, list, create, update, patch, delete, evict, bind
  std::string resource;
  Timestamp start;
  bool ok = false;

  bool IsWrite() const { return verb != "get" && verb != "list"; }
};

// A KubeClient that forwards to another and records each call (watches left out), so a test
// can tell which replica wrote what, and when.
class RecordingClient final : public kube::ForwardingKubeClient {
 public:
  RecordingClient(kube::KubeClient& inner, const Clock& clock)
      : ForwardingKubeClient(inner), clock_(clock) {}

  std::vector<Call> Calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

  Result<json> GetPath(const std::string& path) override {
    return Note("get", path, clock_.Now(), inner().GetPath(path));
  }

  Result<json> Get(const kube::Resource& resource, const kube::ObjectKey& key) override {
    return Note("get", resource.DisplayName(), clock_.Now(), inner().Get(resource, key));
  }

  Result<kube::ObjectList> List(const kube::Resource& resource,
                                const kube::ListOptions& options) override {
    return Note("list", resource.DisplayName(), clock_.Now(), inner().List(resource, options));
  }

  Result<json> Create(const kube::Resource& resource, const std::string& namespace_name,
                      const json& object, const kube::WriteOptions& options) override {
    Timestamp start = clock_.Now();
    return Note("create", resource.DisplayName(), start,
                inner().Create(resource, namespace_name, object, options));
  }

  Result<json> Update(const kube::Resource& resource, const json& object,
                      const kube::WriteOptions& options) override {
    Timestamp start = clock_.Now();
    return Note("update", resource.DisplayName(), start, inner().Update(resource, object, options));
  }

  Result<json> Patch(const kube::Resource& resource, const kube::ObjectKey& key,
                     kube::PatchType type, const std::string& body,
                     const kube::WriteOptions& options) override {
    Timestamp start = clock_.Now();
    return Note("patch", resource.DisplayName(), start,
                inner().Patch(resource, key, type, body, options));
  }

  Result<json> Delete(const kube::Resource& resource, const kube::ObjectKey& key,
                      const kube::DeleteOptions& options) override {
    Timestamp start = clock_.Now();
    return Note("delete", resource.DisplayName(), start, inner().Delete(resource, key, options));
  }

  Status Evict(const kube::ObjectKey& pod, const kube::DeleteOptions& options) override {
    Timestamp start = clock_.Now();
    return Note("evict", "pods", start, inner().Evict(pod, options));
  }

  Status Bind(const kube::ObjectKey& pod, const std::string& node_name) override {
    Timestamp start = clock_.Now();
    return Note("bind", "pods", start, inner().Bind(pod, node_name));
  }

 private:
  template <class R>
  R Note(const char* verb, std::string resource, Timestamp start, R result) {
    std::lock_guard lock(mu_);
    calls_.push_back(Call{verb, std::move(resource), start, result.has_value()});
    return result;
  }

  const Clock& clock_;
  mutable std::mutex mu_;
  std::vector<Call> calls_;  // guarded by mu_
};

// The catalogs, loaded once for every test of the binary.
struct Catalogs {
  std::optional<gpu::GpuCatalog> gpus;
  std::optional<cluster::InstanceCatalog> instances;
};

const Catalogs& SharedCatalogs() {
  static const Catalogs* catalogs = [] {
    auto* loaded = new Catalogs();
    // GCP sells the one-GPU A100 (a2-highgpu-1g) the seed fits on.
    testing::LoadCatalogs("gcp", loaded->gpus, loaded->instances);
    return loaded;
  }();
  return *catalogs;
}

// The cluster around the controller: the loopback API server seeded with the seed scenario, and
// what Karpenter, the GPU Operator and kube-scheduler would do, one Step at a time.
class ChaosCluster {
 public:
  ChaosCluster() {
    server_.RequireToken(std::string(kToken));
    const Catalogs& catalogs = SharedCatalogs();
    json node_template = testing::MigSingleTemplate();
    node_template["spec"]["nodeClassRef"] = {
        {"group", "karpenter.k8s.gcp"}, {"kind", "GCENodeClass"}, {"name", "gpu"}};
    testing::SeedMigScenario(fake(), *catalogs.gpus, node_template);
    std::ifstream ca(std::string(GP_KUBE_TESTDATA) + "/ca.crt");
    std::stringstream pem;
    pem << ca.rdbuf();
    config_.server = server_.Url();
    config_.ca_pem = pem.str();
    config_.token = std::string(kToken);
    config_.source = "loopback";
  }

  kube::testing::LoopbackApiServer& server() { return server_; }

  kube::testing::FakeKubeClient& fake() { return server_.fake(); }

  const kube::ClusterConfig& config() const { return config_; }

  std::vector<json> Objects(const kube::Resource& resource) {
    auto list = fake().ListAll(resource, {});
    return list ? list->items : std::vector<json>{};
  }

  // Karpenter launches a Node for each NodeClaim without one (already configured by the GPU
  // Operator: the MIG manager done, 7 devices); kube-scheduler binds pending pods to a node the
  // controller labelled and freed of its startup taint.
  void Step() {
    std::vector<json> nodes = Objects(kube::NodesResource());
    for (const json& claim : Objects(kube::NodeClaimsResource())) {
      std::string name = claim["metadata"]["name"].get<std::string>();
      bool joined = std::any_of(nodes.begin(), nodes.end(), [&](const json& node) {
        return Label(node, kLabelKarpenterNodeClaim) == name;
      });
      if (!joined) {
        fake().Seed(kube::NodesResource(), testing::JoinedMigNode(claim, "node-" + name));
      }
    }
    std::string ready;
    for (const json& node : nodes) {
      if (!Label(node, cluster::kLabelDevicePluginConfig).empty() &&
          !HasTaint(node, control::kTaintSharingPending)) {
        ready = node["metadata"]["name"].get<std::string>();
      }
    }
    if (ready.empty()) {
      return;
    }
    for (const json& pod : Objects(kube::PodsResource())) {
      if (pod["spec"].value("nodeName", "").empty()) {
        Status bound = fake().Bind({pod["metadata"]["namespace"].get<std::string>(),
                                    pod["metadata"]["name"].get<std::string>()},
                                   ready);
        EXPECT_TRUE(bound) << bound.error().message();
      }
    }
  }

  // The seed scenario's end: one node, labelled for its sharing, its startup taint gone, every
  // pod bound to it.
  bool Converged() {
    std::vector<json> nodes = Objects(kube::NodesResource());
    if (nodes.size() != 1 || Label(nodes[0], cluster::kLabelDevicePluginConfig).empty() ||
        HasTaint(nodes[0], control::kTaintSharingPending)) {
      return false;
    }
    std::vector<json> pods = Objects(kube::PodsResource());
    return pods.size() == kSeedPods && std::all_of(pods.begin(), pods.end(), [&](const json& pod) {
             return pod["spec"].value("nodeName", "") == nodes[0]["metadata"]["name"];
           });
  }

  // Polls `condition` (playing the cluster with Step when `drive`) until it holds; false after
  // kDeadline.
  bool WaitFor(const std::function<bool()>& condition, bool drive = true) {
    auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (std::chrono::steady_clock::now() < deadline) {
      if (drive) {
        Step();
      }
      if (condition()) {
        return true;
      }
      std::this_thread::sleep_for(milliseconds(5));
    }
    return false;
  }

  bool WaitConverged() {
    return WaitFor([this] { return Converged(); });
  }

  // The invariants every scenario ends with; empty when they all hold.
  std::vector<std::string> Violations() {
    std::vector<std::string> violations;
    // One demand (the seed's 7 pods): exactly one NodeClaim, ever, and never deleted.
    std::vector<json> claims = Objects(kube::NodeClaimsResource());
    if (claims.size() != 1) {
      violations.push_back(std::to_string(claims.size()) + " NodeClaims, want 1");
    }
    std::vector<HistoryEvent> history = History();
    int64_t claims_added = 0;
    for (const HistoryEvent& event : history) {
      if (event.object.value("kind", "") != "NodeClaim") {
        continue;
      }
      if (event.type == kube::WatchEventType::kAdded) {
        ++claims_added;
      } else if (event.type == kube::WatchEventType::kDeleted) {
        violations.push_back("NodeClaim " + event.object["metadata"]["name"].get<std::string>() +
                             " deleted");
      }
    }
    if (claims_added != 1) {
      violations.push_back(std::to_string(claims_added) + " NodeClaims created, want 1");
    }
    // The MIG node carries its sharing: labels, the MIG taint, no startup taint (it is ready:
    // the MIG manager reports success and the planned 7 devices are allocatable).
    std::set<std::string> node_names;
    for (const json& node : Objects(kube::NodesResource())) {
      std::string name = node["metadata"]["name"].get<std::string>();
      node_names.insert(name);
      for (std::string_view label :
           {cluster::kLabelDevicePluginConfig, kLabelMigConfig, cluster::kLabelNodeTemplate}) {
        if (Label(node, label).empty()) {
          violations.push_back("node " + name + " has no label " + std::string(label));
        }
      }
      if (Label(node, std::string(cluster::kLabelMigPartitionPrefix) + "1g.5gb") != "true") {
        violations.push_back("node " + name + " has no MIG partition label");
      }
      if (!HasTaint(node, cluster::kTaintMig)) {
        violations.push_back("node " + name + " lost the MIG taint");
      }
      if (HasTaint(node, control::kTaintSharingPending)) {
        violations.push_back("node " + name + " is ready but keeps the startup taint");
      }
    }
    // No pod stranded: bound to a node that exists, or told why not.
    std::set<std::string> reported;
    for (const json& event : Objects(kube::EventsResource())) {
      if (event.value("reason", "") == "GpupackUnschedulable") {
        reported.insert(event["involvedObject"].value("name", ""));
      }
    }
    for (const json& pod : Objects(kube::PodsResource())) {
      std::string name = pod["metadata"]["name"].get<std::string>();
      std::string node = pod["spec"].value("nodeName", "");
      if (!node_names.contains(node) && !reported.contains(name)) {
        violations.push_back("pod " + name + " stranded: not bound, no reason reported");
      }
    }
    // A label never points at a ConfigMap key before the key exists.
    CheckConfigMapsFirst(history, violations);
    return violations;
  }

 private:
  // Every event the API server recorded, in resourceVersion order.
  std::vector<HistoryEvent> History() {
    std::vector<HistoryEvent> events;
    for (const kube::Resource& resource :
         {kube::ConfigMapsResource(), kube::NodeClaimsResource(), kube::NodesResource()}) {
      kube::WatchOptions options;
      options.resource_version = "0";
      auto watched = fake().Watch(
          resource, options,
          [&](const kube::WatchEvent& event) {
            events.push_back(HistoryEvent{event.type, event.object,
                                          std::stoll(std::string(event.resource_version))});
          },
          nullptr);
      EXPECT_TRUE(watched) << watched.error().message();
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const auto& a, const auto& b) { return a.version < b.version; });
    return events;
  }

  void CheckConfigMapsFirst(const std::vector<HistoryEvent>& history,
                            std::vector<std::string>& violations) {
    std::set<std::string> plugin_keys;
    std::set<std::string> mig_configs;
    for (const HistoryEvent& event : history) {
      const json& object = event.object;
      std::string kind = object.value("kind", "");
      if (kind == "ConfigMap") {
        const json& data = object.value("data", json::object());
        if (object["metadata"]["name"] == kDefaultDevicePluginConfigMap) {
          for (const auto& [key, value] : data.items()) {
            plugin_keys.insert(key);
          }
        } else if (object["metadata"]["name"] == kDefaultMigPartedConfigMap &&
                   data.contains("config.yaml")) {
          auto parsed =
              catalog::ParseMigPartedConfig(data["config.yaml"].get<std::string>(), "mig-parted");
          EXPECT_TRUE(parsed) << parsed.error().message();
          if (parsed) {
            for (const auto& [name, entries] : parsed->spec.mig_configs) {
              mig_configs.insert(name);
            }
          }
        }
        continue;
      }
      std::string what = kind + " " + object["metadata"]["name"].get<std::string>();
      for (std::string_view label : {kLabelPlannedSharing, cluster::kLabelDevicePluginConfig}) {
        std::string key = Label(object, label);
        if (!key.empty() && !plugin_keys.contains(key)) {
          violations.push_back(what + " points at device-plugin config " + key +
                               " before the ConfigMap has it");
        }
      }
      std::string mig = Label(object, kLabelMigConfig);
      if (!mig.empty() && !mig_configs.contains(mig)) {
        violations.push_back(what + " points at mig-parted config " + mig +
                             " before the ConfigMap has it");
      }
    }
  }

  // Each open watch and kept-alive connection holds a server thread: two replicas hold about 16.
  kube::testing::LoopbackApiServer server_{GP_KUBE_TESTDATA,
                                           kube::testing::LoopbackApiServerOptions{.threads = 48}};
  kube::ClusterConfig config_;
};

// One controller replica, as `gpupack controller` runs it: its own HTTPS client, leader
// elector, actuator (guarded by the Lease) and controller with fresh informers, running
// RunWhileLeading on a thread of its own. Destroying it stops it.
class Replica {
 public:
  Replica(ChaosCluster& cluster, LeaderElectionConfig election) : election_(election) {
    const Catalogs& catalogs = SharedCatalogs();
    kube::HttpClientOptions http_options;
    // Quick retries keep the tests short; the Retry-After of a 429 is still honoured.
    http_options.retry.initial_backoff = milliseconds(20);
    http_options.retry.max_backoff = milliseconds(200);
    auto http = kube::HttpKubeClient::Create(cluster.config(), http_options);
    EXPECT_TRUE(http) << http.error().message();
    http_ = std::move(*http);
    client_ = std::make_unique<RecordingClient>(*http_, clock_);
    elector_ = std::make_unique<LeaderElector>(*client_, clock_, sleeper_, election_);
    LeaderElector* elector = elector_.get();
    auto is_leader = [elector] { return elector->IsLeader(); };
    actuator_client_ = std::make_unique<LeaderGuardedClient>(*client_, is_leader);
    KubeActuatorOptions actuator_options;
    actuator_options.reporting_instance = elector_->identity();
    actuator_ =
        std::make_unique<KubeActuator>(*actuator_client_, *catalogs.gpus, clock_, actuator_options);
    guarded_ = std::make_unique<LeaderGuardedActuator>(*actuator_, is_leader);
    ControllerOptions options;
    options.control.batch_idle = milliseconds(50);
    options.control.batch_max = milliseconds(500);
    options.control.plan.disruption_budget = 0;
    options.sync_timeout = kDeadline;
    controller_ = std::make_unique<Controller>(*client_, *guarded_, *catalogs.gpus,
                                               *catalogs.instances, clock_, sleeper_, options);
    ClusterHookTargets targets;
    targets.actuator = actuator_.get();
    targets.may_write = is_leader;
    controller_->SetHooks(MakeClusterHooks(targets));
    thread_ = std::thread([this] {
      result_ = RunWhileLeading(*elector_, *controller_, stop_, {});
      ended_ = true;
    });
  }

  ~Replica() { Stop(); }

  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  // Stops it (releasing the Lease unless its config says otherwise: a killed process) and
  // waits for its threads.
  void Stop() {
    stop_.Cancel();
    controller_->Wake();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  bool IsLeader() const { return elector_->IsLeader(); }

  // RunWhileLeading returned (leadership lost, or stopped); result() is set then.
  bool Ended() const { return ended_.load(); }

  const Status& result() const { return result_; }

  const LeaderElectionConfig& election() const { return election_; }

  std::vector<Call> Calls() const { return client_->Calls(); }

 private:
  LeaderElectionConfig election_;
  SystemClock clock_;
  kube::RealSleeper sleeper_;
  std::unique_ptr<kube::HttpKubeClient> http_;
  std::unique_ptr<RecordingClient> client_;
  std::unique_ptr<LeaderElector> elector_;
  std::unique_ptr<LeaderGuardedClient> actuator_client_;
  std::unique_ptr<KubeActuator> actuator_;
  std::unique_ptr<LeaderGuardedActuator> guarded_;
  std::unique_ptr<Controller> controller_;
  kube::CancelToken stop_;
  Status result_ = OkStatus();
  std::atomic<bool> ended_{false};
  std::thread thread_;  // last: started once everything it uses exists
};

// A write checked against the Lease just before the deadline starts a moment later (the thread
// may be descheduled in between on a loaded machine); later than this is a write made after it.
constexpr milliseconds kCheckToWriteSlack{200};

// The writes (Lease writes aside) `replica` started after its renew deadline: the start of the
// lease read that began its last successful renewal, plus the renew deadline (plus the slack).
std::vector<std::string> WritesAfterRenewDeadline(const Replica& replica) {
  std::vector<Call> calls = replica.Calls();
  std::optional<Timestamp> last_read;
  std::optional<Timestamp> renewed_from;
  for (const Call& call : calls) {
    if (!call.resource.starts_with("leases")) {
      continue;
    }
    if (call.verb == "get") {
      last_read = call.start;
    } else if ((call.verb == "update" || call.verb == "create") && call.ok && last_read) {
      renewed_from = last_read;
    }
  }
  std::vector<std::string> late;
  if (!renewed_from) {
    return late;
  }
  Timestamp deadline = *renewed_from + replica.election().renew_deadline + kCheckToWriteSlack;
  for (const Call& call : calls) {
    if (call.IsWrite() && !call.resource.starts_with("leases") && call.start > deadline) {
      late.push_back(fmt::format("{} {} {} ms after the renew deadline", call.verb, call.resource,
                                 (call.start - deadline).count()));
    }
  }
  return late;
}

TEST(ControllerChaosTest, ConvergesThroughServerErrorsAndTooManyRequests) {
  ChaosCluster cluster;
  kube::testing::LoopbackApiServer& server = cluster.server();
  // Lists fail (GETs are retried by the client), the first NodeClaim and ConfigMap creates get a
  // 500 (a POST the server may have acted on is not retried by the client: the controller must
  // plan again), Lease renewals fail, and the rest is throttled with Retry-After.
  server.FailNext("GET /api/v1/nodes", 3, 500);
  server.FailNext("GET /api/v1/pods", 2, 503);
  server.FailNext("POST " + kNodeClaims, 2, 500);
  server.FailNext("POST " + kNodeClaims, 1, 429, 1);
  server.FailNext("POST " + kConfigMaps, 1, 500);
  server.FailNext("PATCH /api/v1/nodes", 1, 429, 1);
  server.FailNext("PUT " + kLeases, 2, 500);
  constexpr int64_t kScheduled = 3 + 2 + 2 + 1 + 1 + 1 + 2;

  Replica replica(cluster, TestElection("replica-0", true));
  ASSERT_TRUE(cluster.WaitConverged()) << "not converged";
  EXPECT_THAT(cluster.Violations(), IsEmpty());
  EXPECT_EQ(server.FaultCount(), kScheduled);
  EXPECT_FALSE(replica.Ended());
}

TEST(ControllerChaosTest, ConvergesWhenWatchStreamsAreCutEveryFewEventsWithoutDuplicateActions) {
  ChaosCluster cluster;
  cluster.server().CutWatchesAfter(1);
  Replica replica(cluster, TestElection("replica-0", true));
  ASSERT_TRUE(cluster.WaitConverged()) << "not converged";
  EXPECT_THAT(cluster.Violations(), IsEmpty());
  // The informers' five watches were cut and reopened.
  EXPECT_GT(cluster.server().WatchCount(), 5);
  // The one NodeClaim was created once: no re-create after a reconnect.
  std::vector<Call> calls = replica.Calls();
  EXPECT_EQ(std::count_if(calls.begin(), calls.end(),
                          [](const Call& call) {
                            return call.verb == "create" && call.resource.starts_with("nodeclaims");
                          }),
            1);
}

TEST(ControllerChaosTest, ConvergesAgainstASlowApiServerAndKeepsItsLease) {
  ChaosCluster cluster;
  cluster.server().Delay("", milliseconds(200));
  Replica replica(cluster, TestElection("replica-0", true));
  ASSERT_TRUE(cluster.WaitConverged()) << "not converged";
  EXPECT_THAT(cluster.Violations(), IsEmpty());
  EXPECT_FALSE(replica.Ended());
  EXPECT_TRUE(replica.IsLeader());
}

TEST(ControllerChaosTest, ConvergesWhenItsWritesTakeSecondsEach) {
  // Seconds per call on the writes the seed needs (ConfigMaps, the NodeClaim, node patches);
  // Lease renewals stay prompt, so the leader keeps leading through them.
  ChaosCluster cluster;
  kube::testing::LoopbackApiServer& server = cluster.server();
  for (const std::string& route :
       {"POST " + kConfigMaps, "PUT " + kConfigMaps, "PATCH " + kConfigMaps, "POST " + kNodeClaims,
        std::string("PATCH /api/v1/nodes")}) {
    server.Delay(route, std::chrono::seconds(2));
  }
  Replica replica(cluster, TestElection("replica-0", true));
  ASSERT_TRUE(cluster.WaitConverged()) << "not converged";
  EXPECT_THAT(cluster.Violations(), IsEmpty());
  EXPECT_FALSE(replica.Ended());
  EXPECT_TRUE(replica.IsLeader());
}

TEST(ControllerChaosTest, AStandbyTakesOverFromALeaderKilledAfterItCreatedTheNodeClaim) {
  ChaosCluster cluster;
  // Killed: it stops without releasing the Lease, so the standby waits for it to expire.
  auto leader = std::make_unique<Replica>(cluster, TestElection("replica-a", false));
  ASSERT_TRUE(cluster.WaitFor([&] { return leader->IsLeader(); }, false));
  Replica standby(cluster, TestElection("replica-b", true));
  // Karpenter is held back: the leader dies after its NodeClaim, before any label or untaint.
  ASSERT_TRUE(
      cluster.WaitFor([&] { return !cluster.Objects(kube::NodeClaimsResource()).empty(); }, false));
  leader.reset();
  ASSERT_TRUE(cluster.WaitConverged()) << "not converged";
  EXPECT_TRUE(standby.IsLeader());
  EXPECT_THAT(cluster.Violations(), IsEmpty());
}

TEST(ControllerChaosTest, ALeaderThatCannotRenewStopsWritingBeforeItsRenewDeadline) {
  ChaosCluster cluster;
  kube::testing::LoopbackApiServer& server = cluster.server();
  auto leader = std::make_unique<Replica>(cluster, TestElection("replica-a", false));
  ASSERT_TRUE(
      cluster.WaitFor([&] { return !cluster.Objects(kube::NodeClaimsResource()).empty(); }, false));
  // Its renewals fail from now on while its writes are slow: a reconcile that began while it
  // led must not go on writing once its renew deadline has passed.
  server.FailNext("PUT " + kLeases, 1000000, 500);
  server.Delay("PATCH /api/v1/nodes", milliseconds(700));
  server.Delay("POST /api/v1/namespaces/default/events", milliseconds(700));
  server.Delay("PATCH /apis/gpupack.io", milliseconds(700));
  ASSERT_TRUE(cluster.WaitFor([&] { return leader->Ended(); }));
  EXPECT_FALSE(leader->IsLeader());
  ASSERT_FALSE(leader->result());
  EXPECT_EQ(leader->result().error().code(), ErrorCode::kUnavailable);
  EXPECT_THAT(WritesAfterRenewDeadline(*leader), IsEmpty());

  // The process exits; its restart (the API server healthy again) finishes the work.
  leader.reset();
  server.ClearFaults();
  server.Delay("PATCH /api/v1/nodes", milliseconds(0));
  server.Delay("POST /api/v1/namespaces/default/events", milliseconds(0));
  server.Delay("PATCH /apis/gpupack.io", milliseconds(0));
  Replica restarted(cluster, TestElection("replica-b", true));
  ASSERT_TRUE(cluster.WaitConverged()) << "not converged";
  EXPECT_THAT(cluster.Violations(), IsEmpty());
}

// Where a restart loop stops a replica.
enum class Stage { kLeading, kConfigMapWritten, kNodeClaimCreated, kNodeLabelled, kUntainted };

// Whether `replica` leads and the cluster has reached `stage`.
bool Reached(ChaosCluster& cluster, const Replica& replica, Stage stage) {
  auto node_label = [&] {
    for (const json& node : cluster.Objects(kube::NodesResource())) {
      if (!Label(node, cluster::kLabelDevicePluginConfig).empty()) {
        return true;
      }
    }
    return false;
  };
  if (!replica.IsLeader()) {
    return false;
  }
  switch (stage) {
    case Stage::kLeading:
      return true;
    case Stage::kConfigMapWritten:
      return !cluster.Objects(kube::ConfigMapsResource()).empty();
    case Stage::kNodeClaimCreated:
      return !cluster.Objects(kube::NodeClaimsResource()).empty();
    case Stage::kNodeLabelled:
      return node_label();
    case Stage::kUntainted: {
      std::vector<json> nodes = cluster.Objects(kube::NodesResource());
      return !nodes.empty() && !HasTaint(nodes[0], control::kTaintSharingPending);
    }
  }
  return false;
}

TEST(ControllerChaosTest, ARestartedControllerFinishesWhereTheLastOneStoppedWithoutDuplicates) {
  ChaosCluster cluster;
  const std::vector<Stage> stops = {Stage::kLeading,          Stage::kConfigMapWritten,
                                    Stage::kNodeClaimCreated, Stage::kLeading,
                                    Stage::kNodeLabelled,     Stage::kUntainted};
  for (size_t i = 0; i < stops.size(); ++i) {
    SCOPED_TRACE("restart " + std::to_string(i));
    Replica replica(cluster, TestElection("replica-" + std::to_string(i), true));
    bool drive = stops[i] == Stage::kNodeLabelled || stops[i] == Stage::kUntainted;
    ASSERT_TRUE(cluster.WaitFor([&] { return Reached(cluster, replica, stops[i]); }, drive));
  }
  Replica last(cluster, TestElection("replica-last", true));
  ASSERT_TRUE(cluster.WaitConverged()) << "not converged";
  EXPECT_THAT(cluster.Violations(), IsEmpty());
}

// What the slow chaos driver tried, over all its rounds.
struct ChaosTotals {
  int64_t rounds = 0;
  int64_t failures = 0;  // requests answered 500, 503 or 429 by the server
  int64_t cut_rounds = 0;
  int64_t slow_rounds = 0;
  int64_t kills = 0;
  int64_t restarts = 0;
  int64_t requests = 0;
  int64_t watches = 0;
  int64_t violations = 0;
};

// One randomized round: failure bursts on random routes, watch cuts, a slow server, and replicas
// killed (Lease not released) or restarted at random stages; then a last replica must converge
// and the invariants hold. Returns the violations (a stage never reached counts as one).
std::vector<std::string> ChaosRound(Rng& rng, ChaosTotals& totals) {
  const std::vector<std::string> routes = {"GET /api/v1/nodes",
                                           "GET /api/v1/pods",
                                           "GET " + kNodeClaims,
                                           "GET /apis/gpupack.io",
                                           "GET " + kConfigMaps,
                                           "GET " + kLeases,
                                           "POST " + kNodeClaims,
                                           "POST " + kConfigMaps,
                                           "PATCH " + kConfigMaps,
                                           "PATCH /api/v1/nodes",
                                           "PUT " + kLeases,
                                           "PATCH /apis/gpupack.io",
                                           "POST /api/v1/namespaces/default/events"};
  const int statuses[] = {500, 503, 429};
  ChaosCluster cluster;
  kube::testing::LoopbackApiServer& server = cluster.server();
  for (int64_t burst = rng.UniformInt(1, 4); burst > 0; --burst) {
    server.FailNext(routes[rng.Uniform(routes.size())], static_cast<int>(rng.UniformInt(1, 4)),
                    statuses[rng.Uniform(3)], 1);
  }
  if (rng.Bernoulli(0.5)) {
    server.CutWatchesAfter(rng.UniformInt(1, 4));
    ++totals.cut_rounds;
  }
  if (rng.Bernoulli(0.3)) {
    server.Delay("", milliseconds(rng.UniformInt(50, 200)));
    ++totals.slow_rounds;
  }
  std::vector<std::string> violations;
  const Stage stages[] = {Stage::kLeading, Stage::kConfigMapWritten, Stage::kNodeClaimCreated,
                          Stage::kNodeLabelled, Stage::kUntainted};
  for (int64_t disruptions = rng.UniformInt(0, 3), i = 0; i < disruptions; ++i) {
    Stage stage = stages[rng.Uniform(5)];
    bool kill = rng.Bernoulli(0.5);
    Replica replica(cluster, TestElection("replica-" + std::to_string(i), !kill));
    bool drive = stage == Stage::kNodeLabelled || stage == Stage::kUntainted;
    if (!cluster.WaitFor([&] { return Reached(cluster, replica, stage); }, drive)) {
      violations.push_back("stage " + std::to_string(static_cast<int>(stage)) + " not reached");
    }
    ++(kill ? totals.kills : totals.restarts);
  }
  Replica last(cluster, TestElection("replica-last", true));
  if (!cluster.WaitConverged()) {
    violations.push_back("not converged");
  }
  for (std::string& violation : cluster.Violations()) {
    violations.push_back(std::move(violation));
  }
  ++totals.rounds;
  totals.failures += server.FaultCount();
  totals.requests += server.RequestCount();
  totals.watches += server.WatchCount();
  totals.violations += static_cast<int64_t>(violations.size());
  return violations;
}

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::stoll(value) : fallback;
}

// The chaos figures of RELIABILITY.md. Slow (about 5 s a round): GP_RUN_SLOW_TESTS=1 (ctest -L
// slow); GP_CHAOS_ROUNDS (default 20) and GP_CHAOS_SEED (default 1).
TEST(ControllerChaosSlowTest, RandomizedRoundsOfEveryFaultKeepTheInvariants) {
  if (std::getenv("GP_RUN_SLOW_TESTS") == nullptr) {
    GTEST_SKIP() << "set GP_RUN_SLOW_TESTS=1 (ctest -L slow)";
  }
  const int64_t rounds = EnvInt("GP_CHAOS_ROUNDS", 20);
  const auto seed = static_cast<uint64_t>(EnvInt("GP_CHAOS_SEED", 1));
  ChaosTotals totals;
  auto start = std::chrono::steady_clock::now();
  for (int64_t round = 0; round < rounds; ++round) {
    Rng rng(seed * 1000003 + static_cast<uint64_t>(round));
    SCOPED_TRACE("round " + std::to_string(round));
    EXPECT_THAT(ChaosRound(rng, totals), IsEmpty());
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "controller chaos (seed %llu): %lld rounds, %lld requests failed with 500/503/429, watches "
      "cut in %lld rounds, slow API server in %lld, %lld leaders killed, %lld controllers "
      "restarted; %lld invariant violations; %lld requests served, %lld watch streams; %.1f s\n",
      static_cast<unsigned long long>(seed), static_cast<long long>(totals.rounds),
      static_cast<long long>(totals.failures), static_cast<long long>(totals.cut_rounds),
      static_cast<long long>(totals.slow_rounds), static_cast<long long>(totals.kills),
      static_cast<long long>(totals.restarts), static_cast<long long>(totals.violations),
      static_cast<long long>(totals.requests), static_cast<long long>(totals.watches), seconds);
  EXPECT_EQ(totals.violations, 0);
}

}  // namespace
}  // namespace gpupack::controller
