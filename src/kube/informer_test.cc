// Informers against the loopback replay server: paged initial list, watch events, reconnects
// after a dropped stream, re-list after 410 Gone with deletes for vanished objects.
#include "kube/informer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kube/testing/replay_fixture.h"

namespace gpupack::kube {
namespace {

using testing::ReplayResponse;

class InformerTest : public testing::ReplayTest {
 protected:
  void SetUp() override {
    client_ = MakeClient();
    InformerOptions options;
    options.page_size = 2;
    options.watch_timeout_seconds = 15;
    informer_ = MakeNodeInformer(*client_, options, sleeper_);
    InformerHandlers<NodeObject> handlers;
    handlers.on_add = [this](const NodeObject& node) { added_.push_back(node.meta.name); };
    handlers.on_update = [this](const NodeObject& old_node, const NodeObject& node) {
      EXPECT_EQ(old_node.meta.name, node.meta.name);
      updated_.push_back(node.meta.name);
    };
    handlers.on_delete = [this](const NodeObject& node) { deleted_.push_back(node.meta.name); };
    informer_->SetHandlers(handlers);
  }

  static std::string WatchTarget(const std::string& version) {
    return "/api/v1/nodes?watch=true&resourceVersion=" + version +
           "&allowWatchBookmarks=true&timeoutSeconds=15";
  }

  void ServeThreePages() {
    server_.Serve("02-list-nodes-page1");
    server_.Serve("02-list-nodes-page2");
    server_.Serve("02-list-nodes-page3");
  }

  // The captured final node list, without the nodes in `drop`, at `version`.
  ReplayResponse FinalNodes(const std::vector<std::string>& drop, const std::string& version) {
    ReplayResponse response = server_.LoadResponse("11-final-list-nodes");
    nlohmann::json list = nlohmann::json::parse(response.body);
    nlohmann::json kept = nlohmann::json::array();
    for (auto& item : list["items"]) {
      // Compared as a string: GCC 12 at -O2 warns (-Warray-bounds, bogus) inside json's ==.
      const std::string name = item["metadata"]["name"].get<std::string>();
      if (std::find(drop.begin(), drop.end(), name) == drop.end()) {
        kept.push_back(item);
      }
    }
    list["items"] = kept;
    list["metadata"]["resourceVersion"] = version;
    response.body = list.dump() + "\n";
    return response;
  }

  std::unique_ptr<HttpKubeClient> client_;
  std::unique_ptr<NodeInformer> informer_;
  std::vector<std::string> added_;
  std::vector<std::string> updated_;
  std::vector<std::string> deleted_;
};

TEST_F(InformerTest, PagedListThenWatchKeepsTheCacheCurrent) {
  ServeThreePages();
  server_.Script("GET", WatchTarget("259"), server_.LoadResponse("03-watch-nodes"));
  Result<WatchOutcome> outcome = informer_->WatchOnce(nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_TRUE(informer_->HasSynced());
  EXPECT_EQ(added_.size(), 7u);  // 6 listed, 1 created during the watch
  EXPECT_EQ(updated_,
            (std::vector<std::string>{"ip-10-0-1-10.ec2.internal", "ip-10-0-3-14.ec2.internal",
                                      "ip-10-0-3-16.ec2.internal"}));
  EXPECT_EQ(deleted_, std::vector<std::string>{"ip-10-0-2-13.ec2.internal"});
  EXPECT_EQ(informer_->Size(), 6u);
  EXPECT_FALSE(informer_->Get({"", "ip-10-0-2-13.ec2.internal"}));
  std::optional<NodeObject> created = informer_->Get({"", "ip-10-0-3-16.ec2.internal"});
  ASSERT_TRUE(created);
  EXPECT_EQ(created->meta.resource_version, "286");
  EXPECT_EQ(informer_->ResourceVersion(), "286");
  InformerStats stats = informer_->Stats();
  EXPECT_EQ(stats.events, 5);
  EXPECT_EQ(stats.bookmarks, 1);
  std::vector<NodeObject> nodes = informer_->List();
  EXPECT_TRUE(std::is_sorted(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) {
    return a.meta.Key() < b.meta.Key();
  }));
}

TEST_F(InformerTest, DroppedWatchReconnectsFromTheLastVersionSeen) {
  ServeThreePages();
  ReplayResponse stream = server_.LoadResponse("03-watch-nodes");
  ReplayResponse dropped = stream;
  dropped.drop_after_lines = 2;
  server_.Script("GET", WatchTarget("259"), dropped);
  ReplayResponse rest = stream;
  rest.body = rest.body.substr(rest.body.find('\n', rest.body.find('\n') + 1) + 1);
  server_.Script("GET", WatchTarget("283"), rest);
  // After the second stream ends, the third connection (from 286) has no answer: the informer
  // backs off, and the test stops it there.
  CancelToken cancel;
  sleeper_.on_sleep = [&cancel] { cancel.Cancel(); };
  informer_->Run(cancel);
  InformerStats stats = informer_->Stats();
  EXPECT_EQ(stats.lists, 1);
  EXPECT_EQ(stats.watches, 3);
  EXPECT_EQ(stats.events, 5);
  EXPECT_EQ(stats.failures, 1);
  EXPECT_EQ(informer_->ResourceVersion(), "286");
  EXPECT_TRUE(informer_->Get({"", "ip-10-0-3-16.ec2.internal"}));
  EXPECT_FALSE(informer_->Get({"", "ip-10-0-2-13.ec2.internal"}));
  EXPECT_EQ(sleeper_.waits.size(), 1u);
}

TEST_F(InformerTest, InStreamGoneRelistsAndDeletesWhatVanished) {
  server_.Script("GET", "/api/v1/nodes?limit=2", FinalNodes({}, "396"));
  server_.Script("GET", "/api/v1/nodes?limit=2",
                 FinalNodes({"ip-10-0-1-11.ec2.internal", "ip-10-0-3-16.ec2.internal"}, "420"));
  server_.Script("GET", WatchTarget("396"),
                 server_.LoadResponse("03-watch-too-old-rv-410-error-event"));
  ReplayResponse empty_stream = server_.LoadResponse("03-watch-nodes");
  empty_stream.body.clear();
  server_.Script("GET", WatchTarget("420"), empty_stream);

  Result<WatchOutcome> first = informer_->WatchOnce(nullptr);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->end, WatchOutcome::End::kExpired);
  EXPECT_EQ(informer_->Size(), 6u);
  added_.clear();
  Result<WatchOutcome> second = informer_->WatchOnce(nullptr);
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->end, WatchOutcome::End::kClosed);
  EXPECT_EQ(deleted_,
            (std::vector<std::string>{"ip-10-0-1-11.ec2.internal", "ip-10-0-3-16.ec2.internal"}));
  EXPECT_TRUE(added_.empty());
  EXPECT_TRUE(updated_.empty());  // same resourceVersions: no spurious updates
  EXPECT_EQ(informer_->Size(), 4u);
  EXPECT_EQ(informer_->Stats().relists_after_gone, 1);
  EXPECT_EQ(informer_->Stats().lists, 2);
}

TEST_F(InformerTest, HttpGoneOnTheWatchAlsoRelists) {
  server_.Script("GET", "/api/v1/nodes?limit=2", FinalNodes({}, "396"));
  server_.Script("GET", WatchTarget("396"), server_.LoadResponse("03-list-rv-exact-compacted-410"));
  Result<WatchOutcome> outcome = informer_->WatchOnce(nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(outcome->end, WatchOutcome::End::kExpired);
  EXPECT_EQ(informer_->Stats().relists_after_gone, 1);
}

TEST_F(InformerTest, MalformedLinesAndUndecodableObjectsAreCountedNotFatal) {
  ServeThreePages();
  ReplayResponse stream = server_.LoadResponse("03-watch-nodes");
  stream.body =
      "garbage\n" +
      std::string(
          R"({"type":"ADDED","object":{"kind":"Node","metadata":{"name":"bad","resourceVersion":"281"},"status":{"capacity":{"cpu":"many"}}}})") +
      "\n" + stream.body;
  server_.Script("GET", WatchTarget("259"), stream);
  Result<WatchOutcome> outcome = informer_->WatchOnce(nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  InformerStats stats = informer_->Stats();
  EXPECT_EQ(stats.malformed_lines, 1);
  EXPECT_EQ(stats.decode_errors, 1);
  EXPECT_EQ(stats.events, 5);
  EXPECT_FALSE(informer_->Get({"", "bad"}));
  EXPECT_EQ(informer_->ResourceVersion(), "286");
}

TEST_F(InformerTest, GenericInformerCachesNodeClaims) {
  ReplayResponse list = server_.LoadResponse("11-final-list-nodeclaims");
  server_.Script("GET", "/apis/karpenter.sh/v1/nodeclaims?limit=500", list);
  InformerOptions options;
  auto claims = MakeGenericInformer(*client_, NodeClaimsResource(), options, sleeper_);
  ASSERT_TRUE(claims->Resync());
  ASSERT_EQ(claims->Size(), 1u);
  GenericObject claim = claims->List()[0];
  EXPECT_NE(claim.body.find("\"nodeClassRef\""), std::string::npos);
}

}  // namespace
}  // namespace gpupack::kube
