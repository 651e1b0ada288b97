#include "kube/testing/loopback_api_server.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "kube/http_kube_client.h"
#include "kube/informer.h"
#include "kube/testing/fake_sleeper.h"

namespace gpupack::kube::testing {
namespace {

::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

nlohmann::json Node(const std::string& name, const std::string& pool = "a") {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", {{"pool", pool}}}}},
          {"status", {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

nlohmann::json Pod(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "ml"}}},
          {"spec", {{"schedulerName", "gpupack"}, {"containers", nlohmann::json::array()}}}};
}

class LoopbackApiServerTest : public ::testing::Test {
 protected:
  LoopbackApiServerTest() : server_(GP_KUBE_TESTDATA, Options()), sleeper_(clock_) {
    server_.RequireToken("admin-token");
  }

  static LoopbackApiServerOptions Options() {
    LoopbackApiServerOptions options;
    options.bookmark_interval = std::chrono::milliseconds(5);
    return options;
  }

  std::unique_ptr<HttpKubeClient> MakeClient(const std::string& token = "admin-token") {
    ClusterConfig config;
    config.server = server_.Url();
    std::ifstream ca(std::string(GP_KUBE_TESTDATA) + "/ca.crt");
    std::stringstream pem;
    pem << ca.rdbuf();
    config.ca_pem = pem.str();
    config.token = token;
    config.source = "test";
    HttpClientOptions options;
    options.clock = &clock_;
    options.sleeper = &sleeper_;
    Result<std::unique_ptr<HttpKubeClient>> client = HttpKubeClient::Create(config, options);
    EXPECT_TRUE(client.has_value());
    return std::move(*client);
  }

  FakeKubeClient& fake() { return server_.fake(); }

  LoopbackApiServer server_;
  ManualClock clock_{Timestamp{std::chrono::seconds(1795000000)}};
  FakeSleeper sleeper_;
};

TEST_F(LoopbackApiServerTest, GetReturnsTheStoredObjectAndAMissingOneIsTheRealNotFound) {
  fake().Seed(NodesResource(), Node("n1"));
  auto client = MakeClient();
  Result<nlohmann::json> node = client->Get(NodesResource(), {"", "n1"});
  ASSERT_TRUE(node.has_value()) << node.error().message();
  EXPECT_EQ((*node)["metadata"]["labels"]["pool"], "a");
  EXPECT_EQ(ResourceVersionOf(*node), ResourceVersionOf(*fake().Peek(NodesResource(), {"", "n1"})));

  Result<nlohmann::json> missing = client->Get(NodesResource(), {"", "n9"});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(Contains(missing.error().message(), "404 NotFound: nodes \"n9\" not found"));
}

TEST_F(LoopbackApiServerTest, AWrongTokenGetsTheCaptured401Body) {
  auto client = MakeClient("wrong");
  Result<nlohmann::json> nodes = client->GetPath("/api/v1/nodes");
  ASSERT_FALSE(nodes.has_value());
  EXPECT_EQ(nodes.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(nodes.error().message(), "401 Unauthorized: Unauthorized"));
}

TEST_F(LoopbackApiServerTest, ListPagesFollowContinueTokensWithSelectors) {
  for (int i = 0; i < 5; ++i) {
    fake().Seed(NodesResource(), Node("n" + std::to_string(i), i % 2 == 0 ? "a" : "b"));
  }
  auto client = MakeClient();
  ListOptions options;
  options.limit = 2;
  Result<ObjectList> first = client->List(NodesResource(), options);
  ASSERT_TRUE(first.has_value()) << first.error().message();
  EXPECT_EQ(first->items.size(), 2u);
  EXPECT_FALSE(first->continue_token.empty());

  Result<ObjectList> all = client->ListAll(NodesResource(), options);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->items.size(), 5u);
  EXPECT_EQ(all->items[4]["metadata"]["name"], "n4");
  EXPECT_EQ(all->resource_version, first->resource_version);

  options.label_selector = "pool=b";
  Result<ObjectList> pool_b = client->ListAll(NodesResource(), options);
  ASSERT_TRUE(pool_b.has_value());
  ASSERT_EQ(pool_b->items.size(), 2u);
  EXPECT_EQ(pool_b->items[0]["metadata"]["name"], "n1");
}

TEST_F(LoopbackApiServerTest, AContinueTokenExpiresWhenHistoryIsCompacted) {
  for (int i = 0; i < 3; ++i) {
    fake().Seed(NodesResource(), Node("n" + std::to_string(i)));
  }
  auto client = MakeClient();
  ListOptions options;
  options.limit = 2;
  Result<ObjectList> first = client->List(NodesResource(), options);
  ASSERT_TRUE(first.has_value());
  fake().Seed(NodesResource(), Node("n3"));
  fake().Compact();
  options.continue_token = first->continue_token;
  Result<ObjectList> stale = client->List(NodesResource(), options);
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code(), ErrorCode::kAborted);
  EXPECT_TRUE(Contains(stale.error().message(), "410 Expired"));
}

TEST_F(LoopbackApiServerTest, CreateTwiceIsAlreadyExistsAndAStaleUpdateIsAConflict) {
  auto client = MakeClient();
  Result<nlohmann::json> created = client->Create(NodesResource(), "", Node("n1"), {});
  ASSERT_TRUE(created.has_value()) << created.error().message();
  Result<nlohmann::json> again = client->Create(NodesResource(), "", Node("n1"), {});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_TRUE(Contains(again.error().message(), "nodes \"n1\" already exists"));

  nlohmann::json edited = *created;
  edited["metadata"]["labels"]["pool"] = "b";
  ASSERT_TRUE(client->Update(NodesResource(), edited, {}).has_value());
  edited["metadata"]["labels"]["pool"] = "c";  // still the old resourceVersion
  Result<nlohmann::json> stale = client->Update(NodesResource(), edited, {});
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code(), ErrorCode::kAborted);
  EXPECT_TRUE(Contains(stale.error().message(), "the object has been modified"));

  Result<nlohmann::json> retried = client->UpdateWithRetry(
      NodesResource(), {"", "n1"}, [](nlohmann::json& node) -> Result<bool> {
        node["metadata"]["labels"]["pool"] = "c";
        return true;
      });
  ASSERT_TRUE(retried.has_value());
  EXPECT_EQ((*fake().Peek(NodesResource(), {"", "n1"}))["metadata"]["labels"]["pool"], "c");
}

TEST_F(LoopbackApiServerTest, PatchesAreAppliedByContentType) {
  fake().Seed(NodesResource(), Node("n1"));
  auto client = MakeClient();
  ASSERT_TRUE(client
                  ->Patch(NodesResource(), {"", "n1"}, PatchType::kMerge,
                          R"({"metadata":{"labels":{"merge":"yes"}}})", {})
                  .has_value());
  ASSERT_TRUE(client
                  ->Patch(NodesResource(), {"", "n1"}, PatchType::kJson,
                          R"([{"op":"add","path":"/metadata/labels/json","value":"yes"}])", {})
                  .has_value());
  ASSERT_TRUE(client
                  ->Patch(NodesResource(), {"", "n1"}, PatchType::kStrategicMerge,
                          R"({"spec":{"unschedulable":true}})", {})
                  .has_value());
  WriteOptions apply;
  apply.field_manager = "gpupack";
  ASSERT_TRUE(client
                  ->Patch(NodesResource(), {"", "n1"}, PatchType::kApply,
                          R"({"metadata":{"labels":{"apply":"yes"}}})", apply)
                  .has_value());
  nlohmann::json node = *fake().Peek(NodesResource(), {"", "n1"});
  EXPECT_EQ(node["metadata"]["labels"]["merge"], "yes");
  EXPECT_EQ(node["metadata"]["labels"]["json"], "yes");
  EXPECT_EQ(node["metadata"]["labels"]["apply"], "yes");
  EXPECT_EQ(node["spec"]["unschedulable"], true);

  fake().Seed(NodeClaimsResource(), {{"metadata", {{"name", "c1"}}}});
  Result<nlohmann::json> strategic_crd =
      client->Patch(NodeClaimsResource(), {"", "c1"}, PatchType::kStrategicMerge, "{}", {});
  ASSERT_FALSE(strategic_crd.has_value());
  EXPECT_TRUE(Contains(strategic_crd.error().message(), "415 UnsupportedMediaType"));
}

TEST_F(LoopbackApiServerTest, DeleteHonoursPreconditionsThenRemovesTheObject) {
  fake().Seed(NodesResource(), Node("n1"));
  auto client = MakeClient();
  DeleteOptions wrong_uid;
  wrong_uid.precondition_uid = "not-the-uid";
  Result<nlohmann::json> refused = client->Delete(NodesResource(), {"", "n1"}, wrong_uid);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kAborted);
  EXPECT_TRUE(Contains(refused.error().message(), "the UID in the precondition (not-the-uid)"));
  ASSERT_TRUE(client->Delete(NodesResource(), {"", "n1"}, {}).has_value());
  EXPECT_FALSE(fake().Peek(NodesResource(), {"", "n1"}).has_value());
}

TEST_F(LoopbackApiServerTest, EvictionDeletesThePodAndABudgetRefusalIs429) {
  fake().Seed(PodsResource(), Pod("p1"));
  fake().Seed(PodsResource(), Pod("p2"));
  auto client = MakeClient();
  ASSERT_TRUE(client->Evict({"ml", "p1"}, {}).has_value());
  EXPECT_FALSE(fake().Peek(PodsResource(), {"ml", "p1"}).has_value());

  fake().FailNext("evict pod ml/p2", UnavailableError("The disruption budget pdb needs 1").value());
  Status refused = client->Evict({"ml", "p2"}, {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(Contains(refused.error().message(), "429 TooManyRequests: Cannot evict pod"));
  EXPECT_TRUE(fake().Peek(PodsResource(), {"ml", "p2"}).has_value());
}

TEST_F(LoopbackApiServerTest, BindingSetsTheNodeAndASecondBindingIsAConflict) {
  fake().Seed(PodsResource(), Pod("p1"));
  auto client = MakeClient();
  ASSERT_TRUE(client->Bind({"ml", "p1"}, "n1").has_value());
  EXPECT_EQ((*fake().Peek(PodsResource(), {"ml", "p1"}))["spec"]["nodeName"], "n1");
  Status again = client->Bind({"ml", "p1"}, "n2");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), ErrorCode::kAborted);
  EXPECT_TRUE(Contains(again.error().message(), "pod p1 is already assigned to node \"n1\""));
  Status missing = client->Bind({"ml", "p9"}, "n1");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_F(LoopbackApiServerTest, InjectedServerErrorsAreRetriedAndRetryAfterIsHonoured) {
  fake().Seed(NodesResource(), Node("n1"));
  auto client = MakeClient();
  server_.FailNext("GET /api/v1/nodes/n1", 2, 500);
  ASSERT_TRUE(client->Get(NodesResource(), {"", "n1"}).has_value());
  EXPECT_EQ(client->Stats().retries, 2);

  server_.FailNext("GET /api/v1/nodes/n1", 1, 429, 7);
  ASSERT_TRUE(client->Get(NodesResource(), {"", "n1"}).has_value());
  ASSERT_FALSE(sleeper_.waits.empty());
  EXPECT_EQ(sleeper_.waits.back(), std::chrono::seconds(7));
}

TEST_F(LoopbackApiServerTest, WatchStreamsWhatHappenedAfterTheVersionThenABookmark) {
  fake().Seed(NodesResource(), Node("n1"));
  std::string from = std::to_string(fake().ResourceVersion());
  fake().Seed(NodesResource(), Node("n2"));
  ASSERT_TRUE(fake().Delete(NodesResource(), {"", "n1"}, {}).has_value());
  server_.CutWatchesAfter(3);
  auto client = MakeClient();
  WatchOptions options;
  options.resource_version = from;
  std::vector<std::string> seen;
  Result<WatchOutcome> outcome = client->Watch(
      NodesResource(), options,
      [&](const WatchEvent& event) {
        seen.push_back(std::string(WatchEventTypeName(event.type)) + " " +
                       event.object["metadata"].value("name", "") + "@" +
                       std::string(event.resource_version));
      },
      nullptr);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  std::string now = std::to_string(fake().ResourceVersion());
  std::vector<std::string> expected = {"ADDED n2@" + std::to_string(std::stoll(from) + 1),
                                       "DELETED n1@" + now, "BOOKMARK @" + now};
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(outcome->end, WatchOutcome::End::kClosed);
  EXPECT_EQ(outcome->last_resource_version, now);
}

TEST_F(LoopbackApiServerTest, WatchFromVersionZeroStartsWithTheObjectsThatExist) {
  fake().Seed(NodesResource(), Node("n1"));
  fake().Seed(NodesResource(), Node("n2"));
  server_.CutWatchesAfter(2);
  auto client = MakeClient();
  WatchOptions options;
  options.resource_version = "0";
  std::vector<std::string> names;
  Result<WatchOutcome> outcome = client->Watch(
      NodesResource(), options,
      [&](const WatchEvent& event) {
        EXPECT_EQ(event.type, WatchEventType::kAdded);
        names.push_back(event.object["metadata"].value("name", ""));
      },
      nullptr);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(names, (std::vector<std::string>{"n1", "n2"}));
}

TEST_F(LoopbackApiServerTest, AWatchCutMidStreamResumesFromTheLastVersionSeen) {
  fake().Seed(NodesResource(), Node("n0"));
  std::string from = std::to_string(fake().ResourceVersion());
  for (int i = 1; i <= 3; ++i) {
    fake().Seed(NodesResource(), Node("n" + std::to_string(i)));
  }
  auto client = MakeClient();
  std::vector<std::string> names;
  auto record = [&](const WatchEvent& event) {
    names.push_back(event.object["metadata"].value("name", ""));
  };
  server_.CutWatchesAfter(2);
  WatchOptions options;
  options.resource_version = from;
  options.allow_bookmarks = false;
  Result<WatchOutcome> cut = client->Watch(NodesResource(), options, record, nullptr);
  ASSERT_TRUE(cut.has_value());
  EXPECT_EQ(cut->end, WatchOutcome::End::kClosed);
  EXPECT_EQ(names, (std::vector<std::string>{"n1", "n2"}));

  server_.CutWatchesAfter(1);
  options.resource_version = cut->last_resource_version;
  Result<WatchOutcome> resumed = client->Watch(NodesResource(), options, record, nullptr);
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(names, (std::vector<std::string>{"n1", "n2", "n3"}));
  EXPECT_EQ(server_.WatchCount(), 2);
}

TEST_F(LoopbackApiServerTest, AnInformerSyncsThroughTheServerAndFollowsItsWatch) {
  fake().Seed(NodesResource(), Node("n1"));
  auto client = MakeClient();
  auto writer = MakeClient();
  InformerOptions options;
  options.page_size = 1;
  auto informer = MakeNodeInformer(*client, options, sleeper_);
  ASSERT_TRUE(informer->Resync().has_value());
  EXPECT_EQ(informer->Size(), 1u);

  // Written after the list and before the watch: the watch from the list's resourceVersion
  // must deliver it (a watch opened before the write could end before it, as a server timeout).
  ASSERT_TRUE(writer->Create(NodesResource(), "", Node("n2", "b"), {}).has_value());
  server_.CutWatchesAfter(1);
  Result<WatchOutcome> outcome = informer->WatchOnce(nullptr);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  std::optional<NodeObject> n2 = informer->Get({"", "n2"});
  ASSERT_TRUE(n2.has_value());
  EXPECT_EQ(*n2->meta.Label("pool"), "b");
  EXPECT_EQ(informer->ResourceVersion(), std::to_string(fake().ResourceVersion()));
}

TEST_F(LoopbackApiServerTest, ACompactedHistoryEndsTheWatchWith410AndTheInformerRelists) {
  fake().Seed(NodesResource(), Node("n1"));
  fake().Seed(NodesResource(), Node("n2"));
  auto client = MakeClient();
  auto informer = MakeNodeInformer(*client, {}, sleeper_);
  ASSERT_TRUE(informer->Resync().has_value());
  ASSERT_TRUE(fake().Delete(NodesResource(), {"", "n1"}, {}).has_value());
  fake().Seed(NodesResource(), Node("n3"));
  fake().Compact();

  Result<WatchOutcome> expired = informer->WatchOnce(nullptr);
  ASSERT_TRUE(expired.has_value());
  EXPECT_EQ(expired->end, WatchOutcome::End::kExpired);
  EXPECT_TRUE(Contains(expired->detail, "too old resource version"));

  server_.CutWatchesAfter(0);
  ASSERT_TRUE(informer->WatchOnce(nullptr).has_value());
  EXPECT_EQ(informer->Stats().relists_after_gone, 1);
  EXPECT_FALSE(informer->Get({"", "n1"}).has_value());
  EXPECT_TRUE(informer->Get({"", "n3"}).has_value());
}

}  // namespace
}  // namespace gpupack::kube::testing
