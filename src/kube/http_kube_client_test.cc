// The libcurl client against the loopback replay server: each test serves captured exchanges
// from a real kube-apiserver (kube-wire) and checks what the client sent and how it read the
// answer. See README "Kubernetes client: what was tested how".
#include "kube/http_kube_client.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kube/testing/replay_fixture.h"

namespace gpupack::kube {
namespace {

using testing::RecordedRequest;
using testing::ReplayResponse;
using testing::ReplayTest;

std::string Header(const RecordedRequest& request, const std::string& name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? "" : it->second;
}

ReplayResponse Answer(int status, std::string body,
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
  ReplayResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

const char* const kServerError =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"etcdserver: leader changed","reason":"InternalError","code":500})";

using HttpKubeClientTest = ReplayTest;

TEST_F(HttpKubeClientTest, DiscoveryReadsVersionAndCoreResources) {
  server_.Serve("01-discovery-version");
  server_.Serve("01-discovery-api-v1");
  auto client = MakeClient();
  Result<nlohmann::json> version = client->GetPath("/version");
  ASSERT_TRUE(version) << version.error().message();
  EXPECT_EQ((*version)["gitVersion"], "v1.26.5");
  Result<nlohmann::json> core = client->GetPath("/api/v1");
  ASSERT_TRUE(core) << core.error().message();
  bool has_nodes = false;
  for (const auto& resource : (*core)["resources"]) {
    has_nodes = has_nodes || resource["name"] == "nodes";
  }
  EXPECT_TRUE(has_nodes);
  RecordedRequest sent = server_.Requests().at(0);
  EXPECT_EQ(Header(sent, "accept"), "application/json");
  EXPECT_EQ(Header(sent, "authorization"), "Bearer admin-token");
  EXPECT_EQ(Header(sent, "user-agent"), "gpupack-test/1.0");
}

TEST_F(HttpKubeClientTest, ListAllFollowsContinueTokensAcrossThreePages) {
  server_.Serve("02-list-nodes-page1");
  server_.Serve("02-list-nodes-page2");
  server_.Serve("02-list-nodes-page3");
  auto client = MakeClient();
  ListOptions options;
  options.limit = 2;
  Result<ObjectList> list = client->ListAll(NodesResource(), options);
  ASSERT_TRUE(list) << list.error().message();
  ASSERT_EQ(list->items.size(), 6u);
  EXPECT_EQ(KeyOf(list->items[0]).name, "ip-10-0-1-10.ec2.internal");
  EXPECT_EQ(KeyOf(list->items[5]).name, "ip-10-0-3-15.ec2.internal");
  EXPECT_EQ(list->resource_version, "259");
  EXPECT_TRUE(list->continue_token.empty());
  std::vector<RecordedRequest> sent = server_.Requests();
  ASSERT_EQ(sent.size(), 3u);
  // The continue token goes back exactly as the server gave it.
  EXPECT_EQ(sent[1].target, server_.LoadTarget("02-list-nodes-page2").second);
  EXPECT_EQ(sent[2].target, server_.LoadTarget("02-list-nodes-page3").second);
  EXPECT_TRUE(server_.Unmatched().empty());
}

TEST_F(HttpKubeClientTest, ListAllRestartsOnceWhenTheContinueTokenExpired) {
  server_.Serve("03-list-nodes-before-compaction-page1");
  server_.Serve("03-list-continue-token-expired-410");
  // The restarted list gets the whole list in one page.
  ReplayResponse full = server_.LoadResponse("11-final-list-nodes");
  server_.Script("GET", "/api/v1/nodes?limit=2", full);
  auto client = MakeClient();
  ListOptions options;
  options.limit = 2;
  Result<ObjectList> list = client->ListAll(NodesResource(), options);
  ASSERT_TRUE(list) << list.error().message();
  EXPECT_EQ(list->items.size(), 6u);
  EXPECT_EQ(list->resource_version, "396");
  EXPECT_EQ(server_.Requests().size(), 3u);
}

TEST_F(HttpKubeClientTest, SelectorsAreEncodedAsKubectlSendsThem) {
  server_.Serve("02-list-nodes-labelselector");
  server_.Serve("02-list-pods-unscheduled-fieldselector");
  auto client = MakeClient();
  ListOptions nodes;
  nodes.label_selector = "nvidia.com/mig.config=all-1g.5gb,karpenter.sh/capacity-type in (spot)";
  ASSERT_TRUE(client->List(NodesResource(), nodes));
  ListOptions pods;
  pods.field_selector = "spec.nodeName=,status.phase!=Succeeded,status.phase!=Failed";
  Result<ObjectList> pending = client->List(PodsResource(), pods);
  ASSERT_TRUE(pending) << pending.error().message();
  EXPECT_FALSE(pending->items.empty());
  std::vector<RecordedRequest> sent = server_.Requests();
  EXPECT_EQ(sent[0].target, server_.LoadTarget("02-list-nodes-labelselector").second);
  EXPECT_EQ(sent[1].target, server_.LoadTarget("02-list-pods-unscheduled-fieldselector").second);
}

TEST_F(HttpKubeClientTest, MissingObjectIsNotFoundNamingVerbResourceAndObject) {
  server_.Serve("02-get-node-404");
  auto client = MakeClient();
  Result<nlohmann::json> node = client->Get(NodesResource(), {"", "ip-10-0-9-99.ec2.internal"});
  ASSERT_FALSE(node);
  EXPECT_EQ(node.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(node.error().message(),
            "get nodes ip-10-0-9-99.ec2.internal: HTTP 404 NotFound: nodes "
            "\"ip-10-0-9-99.ec2.internal\" not found");
}

TEST_F(HttpKubeClientTest, CreateOfExistingObjectIsAlreadyExistsButStalePutIsAborted) {
  server_.Serve("04-create-existing-409-alreadyexists");
  server_.Serve("04-update-put-stale-rv-409");
  auto client = MakeClient();
  nlohmann::json node =
      nlohmann::json::parse(server_.LoadRequestBody("04-create-existing-409-alreadyexists"));
  Result<nlohmann::json> created = client->Create(NodesResource(), "", node, {});
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code(), ErrorCode::kAlreadyExists);
  nlohmann::json stale =
      nlohmann::json::parse(server_.LoadRequestBody("04-update-put-stale-rv-409"));
  Result<nlohmann::json> updated = client->Update(NodesResource(), stale, {});
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code(), ErrorCode::kAborted);
  EXPECT_NE(updated.error().message().find("update nodes ip-10-0-3-14.ec2.internal: HTTP 409 "
                                           "Conflict"),
            std::string::npos)
      << updated.error().message();
}

TEST_F(HttpKubeClientTest, UpdateWithRetryRereadsAfterAConflict) {
  std::string stale_body = server_.LoadRequestBody("04-update-put-stale-rv-409");
  std::string fresh_body = server_.LoadRequestBody("04-update-put-success");
  server_.Script("GET", "/api/v1/nodes/ip-10-0-3-14.ec2.internal", Answer(200, stale_body));
  server_.Script("GET", "/api/v1/nodes/ip-10-0-3-14.ec2.internal", Answer(200, fresh_body));
  server_.Serve("04-update-put-stale-rv-409");
  server_.Serve("04-update-put-success");
  auto client = MakeClient();
  int mutations = 0;
  Result<nlohmann::json> stored =
      client->UpdateWithRetry(NodesResource(), {"", "ip-10-0-3-14.ec2.internal"},
                              [&](nlohmann::json& node) -> Result<bool> {
                                ++mutations;
                                node["metadata"]["labels"]["gpupack.io/checked"] = "true";
                                return true;
                              });
  ASSERT_TRUE(stored) << stored.error().message();
  EXPECT_EQ(mutations, 2);
  EXPECT_EQ(ResourceVersionOf(*stored), "316");
  std::vector<RecordedRequest> sent = server_.Requests();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[0].method, "GET");
  EXPECT_EQ(sent[1].method, "PUT");
  EXPECT_EQ(sent[2].method, "GET");
  EXPECT_EQ(sent[3].method, "PUT");
  // The second PUT carries the re-read resourceVersion, not the stale one.
  EXPECT_EQ(ResourceVersionOf(nlohmann::json::parse(sent[3].body)),
            ResourceVersionOf(nlohmann::json::parse(fresh_body)));
}

TEST_F(HttpKubeClientTest, InvalidPatchIsInvalidArgumentWithEachCauseOnce) {
  server_.Serve("04-merge-patch-invalid-label-422");
  auto client = MakeClient();
  Result<nlohmann::json> patched =
      client->Patch(NodesResource(), {"", "ip-10-0-3-14.ec2.internal"}, PatchType::kMerge,
                    server_.LoadRequestBody("04-merge-patch-invalid-label-422"), {});
  ASSERT_FALSE(patched);
  EXPECT_EQ(patched.error().code(), ErrorCode::kInvalidArgument);
  const std::string& message = patched.error().message();
  EXPECT_EQ(message.rfind("patch nodes ip-10-0-3-14.ec2.internal: HTTP 422 Invalid: ", 0), 0u)
      << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST_F(HttpKubeClientTest, CrdSchemaErrorListsEveryDistinctCause) {
  server_.Serve("09-nodetemplate-create-invalid-types-422");
  auto client = MakeClient();
  nlohmann::json body =
      nlohmann::json::parse(server_.LoadRequestBody("09-nodetemplate-create-invalid-types-422"));
  Result<nlohmann::json> created = client->Create(NodeTemplatesResource(), "", body, {});
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(created.error().message().find("create nodetemplates.gpupack.io"), std::string::npos);
  EXPECT_NE(created.error().message().find("Invalid"), std::string::npos);
}

TEST_F(HttpKubeClientTest, TooManyRequestsWaitsForRetryAfterThenSucceeds) {
  server_.Script("GET", "/api/v1/nodes/ip-10-0-2-12.ec2.internal",
                 Answer(429, R"({"kind":"Status","code":429,"reason":"TooManyRequests"})",
                        {{"Retry-After", "7"}}));
  server_.Serve("02-get-node");
  auto client = MakeClient();
  Result<nlohmann::json> node = client->Get(NodesResource(), {"", "ip-10-0-2-12.ec2.internal"});
  ASSERT_TRUE(node) << node.error().message();
  ASSERT_EQ(sleeper_.waits.size(), 1u);
  EXPECT_EQ(sleeper_.waits[0], std::chrono::seconds(7));
  EXPECT_EQ(client->Stats().retries, 1);
}

TEST_F(HttpKubeClientTest, ServerErrorsAreRetriedWithGrowingJitteredBackoff) {
  std::string target = server_.LoadTarget("02-get-node").second;
  server_.Script("GET", target, Answer(500, kServerError));
  server_.Script("GET", target, Answer(503, kServerError));
  server_.Serve("02-get-node");
  auto client = MakeClient();
  std::string name = target.substr(target.rfind('/') + 1);
  Result<nlohmann::json> node = client->Get(NodesResource(), {"", name});
  ASSERT_TRUE(node) << node.error().message();
  ASSERT_EQ(sleeper_.waits.size(), 2u);
  // Equal jitter: between half and all of 250 ms, then of 500 ms.
  EXPECT_GE(sleeper_.waits[0], std::chrono::milliseconds(125));
  EXPECT_LE(sleeper_.waits[0], std::chrono::milliseconds(250));
  EXPECT_GE(sleeper_.waits[1], std::chrono::milliseconds(250));
  EXPECT_LE(sleeper_.waits[1], std::chrono::milliseconds(500));
}

TEST_F(HttpKubeClientTest, PersistentServerErrorGivesUpAfterTheAttemptLimit) {
  server_.Script("GET", "/api/v1/nodes/n1", Answer(500, kServerError));
  auto client = MakeClient();
  Result<nlohmann::json> node = client->Get(NodesResource(), {"", "n1"});
  ASSERT_FALSE(node);
  EXPECT_EQ(node.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(node.error().message(),
            "gave up after 5 attempts: get nodes n1: HTTP 500 InternalError: etcdserver: leader "
            "changed");
  EXPECT_EQ(server_.Requests().size(), 5u);
  EXPECT_EQ(sleeper_.waits.size(), 4u);
}

TEST_F(HttpKubeClientTest, CreateIsNotRetriedAfterAServerErrorSoNoDuplicateIsMade) {
  server_.Script("POST", "/apis/karpenter.sh/v1/nodeclaims", Answer(500, kServerError));
  auto client = MakeClient();
  nlohmann::json claim = nlohmann::json::parse(server_.LoadRequestBody("09-nodeclaim-create"));
  Result<nlohmann::json> created = client->Create(NodeClaimsResource(), "", claim, {});
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(server_.Requests().size(), 1u);
  EXPECT_NE(created.error().message().find("create nodeclaims.karpenter.sh gpu-a100-*"),
            std::string::npos)
      << created.error().message();
}

TEST_F(HttpKubeClientTest, ForbiddenNamesTheVerbAndResourceAndHintsAtRbac) {
  server_.Serve("04-controller-token-before-rbac-403");
  auto client = MakeClient();
  Result<ObjectList> list = client->List(NodesResource(), {});
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(list.error().message().find("list nodes: HTTP 403 Forbidden: nodes is forbidden: "
                                        "User \"test-controller\" cannot list resource"),
            std::string::npos)
      << list.error().message();
  EXPECT_NE(list.error().message().find("ClusterRole"), std::string::npos);
}

TEST_F(HttpKubeClientTest, RotatedTokenFileIsReadAgainAfterA401) {
  std::string token_file = ::testing::TempDir() + "/gp-kube-token";
  ASSERT_TRUE(WriteFileAtomically(token_file, "first-token\n"));
  server_.RequireToken("first-token");
  server_.Serve("01-discovery-version");
  ClusterConfig config;
  config.token_file = token_file;
  auto client = MakeClient(config);
  ASSERT_TRUE(client->GetPath("/version"));
  // The kubelet rotates the bound token; the cached one is now refused.
  ASSERT_TRUE(WriteFileAtomically(token_file, "second-token\n"));
  server_.RequireToken("second-token");
  Result<nlohmann::json> version = client->GetPath("/version");
  ASSERT_TRUE(version) << version.error().message();
  EXPECT_EQ(client->Stats().auth_refreshes, 1);
  EXPECT_TRUE(sleeper_.waits.empty());
}

TEST_F(HttpKubeClientTest, TokenFileIsReadAgainAfterTheRefreshPeriodWithoutA401) {
  std::string token_file = ::testing::TempDir() + "/gp-kube-token-periodic";
  ASSERT_TRUE(WriteFileAtomically(token_file, "first-token"));
  server_.Serve("01-discovery-version");
  ClusterConfig config;
  config.token_file = token_file;
  auto client = MakeClient(config);
  ASSERT_TRUE(client->GetPath("/version"));
  ASSERT_TRUE(WriteFileAtomically(token_file, "second-token"));
  clock_.Advance(TokenSource::kTokenFileRefresh + std::chrono::seconds(1));
  ASSERT_TRUE(client->GetPath("/version"));
  EXPECT_EQ(Header(server_.Requests().at(1), "authorization"), "Bearer second-token");
}

TEST_F(HttpKubeClientTest, WrongFixedTokenIsUnauthorizedWithAHint) {
  server_.RequireToken("the-right-one");
  auto client = MakeClient();
  Result<nlohmann::json> version = client->GetPath("/version");
  ASSERT_FALSE(version);
  EXPECT_EQ(version.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(version.error().message().find("get /version: HTTP 401 Unauthorized: Unauthorized"),
            std::string::npos);
  EXPECT_NE(version.error().message().find("kubeconfig"), std::string::npos);
  EXPECT_EQ(server_.Requests().size(), 1u);  // a fixed token cannot change: no second try
}

struct PatchCase {
  std::string dir;
  PatchType type;
  WriteOptions options;
};

TEST_F(HttpKubeClientTest, EachPatchTypeSendsItsContentTypeAndTheBodyUnchanged) {
  WriteOptions apply;
  apply.field_manager = "gpupack";
  std::vector<PatchCase> cases = {
      {"04-merge-patch-node-labels", PatchType::kMerge, {}},
      {"04-json-patch-add-taint", PatchType::kJson, {}},
      {"04-strategic-merge-patch-node-taints-replaced", PatchType::kStrategicMerge, {}},
      {"10-ssa-apply-node-labels", PatchType::kApply, apply},
  };
  for (const auto& patch : cases) {
    server_.Serve(patch.dir);
  }
  auto client = MakeClient();
  for (size_t i = 0; i < cases.size(); ++i) {
    const PatchCase& patch = cases[i];
    std::string target = server_.LoadTarget(patch.dir).second;
    std::string path = target.substr(0, target.find('?'));
    std::string name = path.substr(path.rfind('/') + 1);
    std::string body = server_.LoadRequestBody(patch.dir);
    Result<nlohmann::json> patched =
        client->Patch(NodesResource(), {"", name}, patch.type, body, patch.options);
    ASSERT_TRUE(patched) << patch.dir << ": " << patched.error().message();
    EXPECT_EQ(ResourceVersionOf(*patched),
              ResourceVersionOf(nlohmann::json::parse(server_.LoadResponse(patch.dir).body)));
    RecordedRequest sent = server_.Requests().at(i);
    EXPECT_EQ(sent.method, "PATCH");
    EXPECT_EQ(sent.target, target) << patch.dir;
    EXPECT_EQ(sent.body, body) << patch.dir;
    EXPECT_EQ(Header(sent, "content-type"), PatchContentType(patch.type)) << patch.dir;
  }
}

TEST_F(HttpKubeClientTest, ApplyConflictIsAbortedAndListsEachManagerOnOneLine) {
  server_.Serve("10-ssa-apply-conflict-409");
  auto client = MakeClient();
  WriteOptions apply;
  apply.field_manager = "gpupack";
  Result<nlohmann::json> applied =
      client->Patch(NodesResource(), {"", "ip-10-0-1-11.ec2.internal"}, PatchType::kApply,
                    server_.LoadRequestBody("10-ssa-apply-conflict-409"), apply);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code(), ErrorCode::kAborted);
  EXPECT_EQ(applied.error().message().find('\n'), std::string::npos);
  EXPECT_NE(applied.error().message().find("conflicts with \"gpu-operator\""), std::string::npos);
}

TEST_F(HttpKubeClientTest, ApplyWithoutFieldManagerIsRefusedBeforeSending) {
  auto client = MakeClient();
  Result<nlohmann::json> applied =
      client->Patch(NodesResource(), {"", "n"}, PatchType::kApply, "{}", {});
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(server_.Requests().empty());
}

TEST_F(HttpKubeClientTest, StatusSubresourcePatchGoesToTheStatusPath) {
  server_.Serve("09-nodeclaim-status-merge-patch");
  auto [method, target] = server_.LoadTarget("09-nodeclaim-status-merge-patch");
  std::string name = target.substr(0, target.rfind("/status"));
  name = name.substr(name.rfind('/') + 1);
  auto client = MakeClient();
  WriteOptions status;
  status.subresource = "status";
  Result<nlohmann::json> patched =
      client->Patch(NodeClaimsResource(), {"", name}, PatchType::kMerge,
                    server_.LoadRequestBody("09-nodeclaim-status-merge-patch"), status);
  ASSERT_TRUE(patched) << patched.error().message();
  EXPECT_EQ(server_.Requests().at(0).target, target);
}

TEST_F(HttpKubeClientTest, DeleteSendsPreconditionsAndReportsAMismatchAsAborted) {
  server_.Serve("04-delete-node-precondition-uid-mismatch-409");
  server_.Serve("04-delete-node");
  auto client = MakeClient();
  DeleteOptions wrong;
  wrong.precondition_uid = "00000000-0000-0000-0000-000000000000";
  Result<nlohmann::json> refused =
      client->Delete(NodesResource(), {"", "ip-10-0-9-50.ec2.internal"}, wrong);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kAborted);
  DeleteOptions right;
  right.precondition_uid = "22ce6512-e33f-405a-b694-c58e4c46dde3";
  right.propagation_policy = "Background";
  Result<nlohmann::json> deleted =
      client->Delete(NodesResource(), {"", "ip-10-0-9-50.ec2.internal"}, right);
  ASSERT_TRUE(deleted) << deleted.error().message();
  EXPECT_EQ((*deleted)["status"], "Success");
  EXPECT_EQ(nlohmann::json::parse(server_.Requests().at(1).body),
            nlohmann::json::parse(server_.LoadRequestBody("04-delete-node")));
}

TEST_F(HttpKubeClientTest, EvictionSendsThePolicyV1BodyWithDeleteOptions) {
  server_.Serve("08-eviction-no-pdb-201");
  auto client = MakeClient();
  DeleteOptions options;
  options.grace_period_seconds = 30;
  ASSERT_TRUE(client->Evict({"gpu-workloads", "web-frontend-0"}, options));
  EXPECT_EQ(nlohmann::json::parse(server_.Requests().at(0).body),
            nlohmann::json::parse(server_.LoadRequestBody("08-eviction-no-pdb-201")));
}

TEST_F(HttpKubeClientTest, EvictionBlockedByADisruptionBudgetIsNotRetried) {
  server_.Serve("08-eviction-blocked-by-pdb-429");
  auto client = MakeClient();
  Status evicted = client->Evict({"gpu-workloads", "mig-infer-5d8f7c9b6d-x7k2p"}, {});
  ASSERT_FALSE(evicted);
  EXPECT_EQ(evicted.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(evicted.error().message().find("evict pod gpu-workloads/mig-infer-5d8f7c9b6d-x7k2p: "
                                           "HTTP 429 TooManyRequests: Cannot evict pod"),
            std::string::npos)
      << evicted.error().message();
  EXPECT_NE(evicted.error().message().find("The disruption budget mig-infer-pdb needs 1 healthy"),
            std::string::npos)
      << evicted.error().message();
  EXPECT_EQ(server_.Requests().size(), 1u);
  EXPECT_TRUE(sleeper_.waits.empty());
}

TEST_F(HttpKubeClientTest, EvictionRetryAfterIsReportedToTheCaller) {
  server_.Serve("08-eviction-pdb-not-yet-processed-429");
  auto client = MakeClient();
  Status evicted = client->Evict({"gpu-workloads", "mig-infer-5d8f7c9b6d-x7k2p"}, {});
  ASSERT_FALSE(evicted);
  EXPECT_NE(evicted.error().message().find("(retry after 10s)"), std::string::npos)
      << evicted.error().message();
  EXPECT_TRUE(sleeper_.waits.empty());
}

TEST_F(HttpKubeClientTest, BindingSendsWhatASchedulerSends) {
  server_.Serve("03-pod-binding-create");
  auto client = MakeClient();
  ASSERT_TRUE(
      client->Bind({"gpu-workloads", "mig-infer-5d8f7c9b6d-q9d4m"}, "ip-10-0-2-12.ec2.internal"));
  // Byte for byte, but for the capture's final newline.
  EXPECT_EQ(server_.Requests().at(0).body + "\n", server_.LoadRequestBody("03-pod-binding-create"));
}

struct SeenEvents {
  std::vector<std::string> types;
  std::vector<std::string> names;
};

WatchHandler Collect(SeenEvents& seen) {
  return [&seen](const WatchEvent& event) {
    seen.types.emplace_back(WatchEventTypeName(event.type));
    seen.names.push_back(KeyOf(event.object).name);
  };
}

TEST_F(HttpKubeClientTest, WatchParsesTheCapturedStreamEventByEvent) {
  server_.Serve("03-watch-nodes");
  auto client = MakeClient();
  WatchOptions options;
  options.resource_version = "280";
  options.timeout_seconds = 15;
  SeenEvents seen;
  Result<WatchOutcome> outcome = client->Watch(NodesResource(), options, Collect(seen), nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(seen.types, (std::vector<std::string>{"MODIFIED", "MODIFIED", "DELETED", "ADDED",
                                                  "MODIFIED", "BOOKMARK"}));
  EXPECT_EQ(seen.names[2], "ip-10-0-2-13.ec2.internal");
  EXPECT_EQ(outcome->end, WatchOutcome::End::kClosed);
  EXPECT_EQ(outcome->last_resource_version, "286");
  EXPECT_EQ(outcome->malformed_lines, 0);
  EXPECT_EQ(server_.Requests().at(0).target, server_.LoadTarget("03-watch-nodes").second);
}

TEST_F(HttpKubeClientTest, InStreamGoneErrorEndsTheWatchAsExpired) {
  server_.Serve("03-watch-too-old-rv-410-error-event");
  auto client = MakeClient();
  WatchOptions options;
  options.resource_version = "291";
  options.timeout_seconds = 10;
  SeenEvents seen;
  Result<WatchOutcome> outcome = client->Watch(NodesResource(), options, Collect(seen), nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(outcome->end, WatchOutcome::End::kExpired);
  EXPECT_EQ(outcome->detail, "too old resource version: 291 (301)");
  EXPECT_TRUE(seen.types.empty());
}

TEST_F(HttpKubeClientTest, HttpGoneOnAWatchEndsItAsExpired) {
  server_.Script(
      "GET",
      "/api/v1/nodes?watch=true&resourceVersion=5&allowWatchBookmarks=true&timeoutSeconds=300",
      server_.LoadResponse("03-list-rv-exact-compacted-410"));
  auto client = MakeClient();
  WatchOptions options;
  options.resource_version = "5";
  SeenEvents seen;
  Result<WatchOutcome> outcome = client->Watch(NodesResource(), options, Collect(seen), nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(outcome->end, WatchOutcome::End::kExpired);
}

TEST_F(HttpKubeClientTest, MalformedEventLineIsCountedAndSkipped) {
  server_.Serve("03-watch-nodes", [](ReplayResponse& response) {
    response.body.insert(response.body.find('\n') + 1, "{\"type\":\"MODIFIED\",\"obj\n");
    response.body.insert(0, "not json at all\n");
  });
  auto client = MakeClient();
  WatchOptions options;
  options.resource_version = "280";
  options.timeout_seconds = 15;
  SeenEvents seen;
  Result<WatchOutcome> outcome = client->Watch(NodesResource(), options, Collect(seen), nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(seen.types.size(), 6u);
  EXPECT_EQ(outcome->malformed_lines, 2);
}

TEST_F(HttpKubeClientTest, DroppedWatchEndsClosedWithTheLastVersionSeen) {
  server_.Serve("03-watch-nodes", [](ReplayResponse& response) { response.drop_after_lines = 2; });
  auto client = MakeClient();
  WatchOptions options;
  options.resource_version = "280";
  options.timeout_seconds = 15;
  SeenEvents seen;
  Result<WatchOutcome> outcome = client->Watch(NodesResource(), options, Collect(seen), nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(seen.types.size(), 2u);
  EXPECT_EQ(outcome->end, WatchOutcome::End::kClosed);
  EXPECT_EQ(outcome->last_resource_version, "283");
  EXPECT_FALSE(outcome->detail.empty());
}

TEST_F(HttpKubeClientTest, CancelledWatchStopsFromTheHandler) {
  server_.Serve("03-watch-nodes");
  auto client = MakeClient();
  WatchOptions options;
  options.resource_version = "280";
  options.timeout_seconds = 15;
  CancelToken cancel;
  int seen = 0;
  Result<WatchOutcome> outcome = client->Watch(
      NodesResource(), options,
      [&](const WatchEvent&) {
        ++seen;
        cancel.Cancel();
      },
      &cancel);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(outcome->end, WatchOutcome::End::kCancelled);
  EXPECT_GE(seen, 1);
}

TEST_F(HttpKubeClientTest, ServerSignedByAnotherCaIsRefused) {
  server_.Serve("01-discovery-version");
  ClusterConfig config;
  config.ca_pem = ReadTestFile("other-ca.crt");
  auto client = MakeClient(config);
  Result<nlohmann::json> version = client->GetPath("/version");
  ASSERT_FALSE(version);
  EXPECT_EQ(version.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(version.error().message().find("TLS verification"), std::string::npos)
      << version.error().message();
  EXPECT_TRUE(sleeper_.waits.empty());
}

TEST_F(HttpKubeClientTest, InsecureSkipTlsVerifyAcceptsAnyServer) {
  server_.Serve("01-discovery-version");
  ClusterConfig config;
  config.insecure_skip_tls_verify = true;
  auto client = MakeClient(config);
  EXPECT_TRUE(client->GetPath("/version"));
}

TEST_F(HttpKubeClientTest, TlsServerNameIsTheNameVerifiedWhileConnectingToTheServerAddress) {
  server_.Serve("01-discovery-version");
  ClusterConfig good;
  good.token = "t";
  good.tls_server_name = "localhost";  // in the certificate's SANs
  EXPECT_TRUE(MakeClient(good)->GetPath("/version"));
  ClusterConfig wrong;
  wrong.tls_server_name = "apiserver.example.com";  // not in them
  Result<nlohmann::json> refused = MakeClient(wrong)->GetPath("/version");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("TLS verification"), std::string::npos)
      << refused.error().message();
}

TEST_F(HttpKubeClientTest, ConnectionRefusedIsRetriedThenUnavailable) {
  ClusterConfig config;
  config.server = "https://127.0.0.1:1";
  config.source = "test";
  HttpClientOptions options;
  options.clock = &clock_;
  options.sleeper = &sleeper_;
  auto client = HttpKubeClient::Create(config, options);
  ASSERT_TRUE(client);
  Result<nlohmann::json> version = (*client)->GetPath("/version");
  ASSERT_FALSE(version);
  EXPECT_EQ(version.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(version.error().message().find("cannot connect to https://127.0.0.1:1"),
            std::string::npos)
      << version.error().message();
  EXPECT_EQ(sleeper_.waits.size(), 4u);
}

TEST_F(HttpKubeClientTest, PlainHttpToARemoteServerIsRefused) {
  ClusterConfig config;
  config.server = "http://10.0.0.1:6443";
  config.source = "kubeconfig k";
  auto client = HttpKubeClient::Create(config, {});
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().message(),
            "kubeconfig k: server \"http://10.0.0.1:6443\" must be an https:// URL");
}

class ClientCertificateTest : public ::testing::Test {
 protected:
  testing::ReplayServer server_{testing::CaptureRoot(), GP_KUBE_TESTDATA,
                                testing::TestData("ca.crt")};
};

TEST_F(ClientCertificateTest, ClientCertificateFromKubeconfigDataAuthenticates) {
  server_.Serve("01-discovery-version");
  std::string kubeconfig = ::testing::TempDir() + "/gp-kube-client-cert.yaml";
  auto base64 = [](const std::string& path) {
    std::string data = *ReadFile(path);
    static const char* alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned value = 0;
    int bits = -6;
    for (char c : data) {
      value = (value << 8) + static_cast<unsigned char>(c);
      bits += 8;
      while (bits >= 0) {
        out += alphabet[(value >> bits) & 0x3F];
        bits -= 6;
      }
    }
    if (bits > -6) {
      out += alphabet[((value << 8) >> (bits + 8)) & 0x3F];
    }
    while (out.size() % 4 != 0) {
      out += '=';
    }
    return out;
  };
  std::string text =
      "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
      "clusters:\n- name: k\n  cluster:\n    server: " +
      server_.Url() + "\n    certificate-authority-data: " + base64(testing::TestData("ca.crt")) +
      "\nusers:\n- name: u\n  user:\n    client-certificate-data: " +
      base64(testing::TestData("client.crt")) +
      "\n    client-key-data: " + base64(testing::TestData("client.key")) +
      "\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n";
  ASSERT_TRUE(WriteFileAtomically(kubeconfig, text));
  Result<ClusterConfig> config = LoadKubeconfig(kubeconfig, "");
  ASSERT_TRUE(config) << config.error().message();
  auto client = HttpKubeClient::Create(*config, {});
  ASSERT_TRUE(client);
  Result<nlohmann::json> version = (*client)->GetPath("/version");
  EXPECT_TRUE(version) << version.error().message();
}

TEST_F(ClientCertificateTest, WithoutAClientCertificateTheHandshakeFails) {
  ManualClock clock;
  testing::FakeSleeper sleeper(clock);
  ClusterConfig config;
  config.server = server_.Url();
  config.ca_pem = *ReadFile(testing::TestData("ca.crt"));
  HttpClientOptions options;
  options.sleeper = &sleeper;
  options.clock = &clock;
  auto client = HttpKubeClient::Create(config, options);
  ASSERT_TRUE(client);
  EXPECT_FALSE((*client)->GetPath("/version"));
}

}  // namespace
}  // namespace gpupack::kube
