#include "kube/testing/fake_kube_client.h"

#include <gtest/gtest.h>

#include "kube/informer.h"
#include "kube/testing/fake_sleeper.h"

namespace gpupack::kube::testing {
namespace {

nlohmann::json Node(const std::string& name, const std::string& gpus) {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", {{"gpupack.io/node-template", "a100"}}}}},
          {"status", {{"capacity", {{"nvidia.com/gpu", gpus}}}}}};
}

class FakeKubeClientTest : public ::testing::Test {
 protected:
  FakeKubeClientTest() : sleeper_(clock_) {
    InformerOptions options;
    options.page_size = 2;
    informer_ = MakeNodeInformer(fake_, options, sleeper_);
    InformerHandlers<NodeObject> handlers;
    handlers.on_delete = [this](const NodeObject& node) { deleted_.push_back(node.meta.name); };
    informer_->SetHandlers(handlers);
  }

  FakeKubeClient fake_;
  ManualClock clock_;
  FakeSleeper sleeper_;
  std::unique_ptr<NodeInformer> informer_;
  std::vector<std::string> deleted_;
};

TEST_F(FakeKubeClientTest, InformerListsInPagesAndFollowsWrites) {
  for (int i = 0; i < 5; ++i) {
    fake_.Seed(NodesResource(), Node("n" + std::to_string(i), "8"));
  }
  ASSERT_TRUE(informer_->Resync());
  EXPECT_EQ(informer_->Size(), 5u);
  ASSERT_TRUE(fake_.Patch(NodesResource(), {"", "n1"}, PatchType::kMerge,
                          R"({"status":{"capacity":{"nvidia.com/gpu":"32"}}})", {}));
  ASSERT_TRUE(fake_.Delete(NodesResource(), {"", "n4"}, {}));
  Result<WatchOutcome> outcome = informer_->WatchOnce(nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(outcome->events, 2);
  EXPECT_EQ(informer_->Get({"", "n1"})->capacity.at(0).second, 32);
  EXPECT_EQ(deleted_, std::vector<std::string>{"n4"});
  int lists = 0;
  for (const auto& call : fake_.Calls()) {
    lists += call == "list nodes" ? 1 : 0;
  }
  EXPECT_EQ(lists, 3);  // 5 nodes in pages of 2
}

TEST_F(FakeKubeClientTest, CompactionExpiresTheWatchAndTheRelistDeletesVanishedNodes) {
  fake_.Seed(NodesResource(), Node("a", "8"));
  fake_.Seed(NodesResource(), Node("b", "8"));
  ASSERT_TRUE(informer_->Resync());
  ASSERT_TRUE(fake_.Delete(NodesResource(), {"", "b"}, {}));
  fake_.Compact();
  Result<WatchOutcome> expired = informer_->WatchOnce(nullptr);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->end, WatchOutcome::End::kExpired);
  EXPECT_TRUE(deleted_.empty());
  ASSERT_TRUE(informer_->WatchOnce(nullptr));
  EXPECT_EQ(deleted_, std::vector<std::string>{"b"});
  EXPECT_EQ(informer_->Size(), 1u);
}

TEST_F(FakeKubeClientTest, UpdateWithRetrySurvivesAnInjectedConflict) {
  fake_.Seed(NodesResource(), Node("a", "8"));
  fake_.FailNext("update nodes a", Error(ErrorCode::kAborted, "conflict"));
  int attempts = 0;
  Result<nlohmann::json> stored =
      fake_.UpdateWithRetry(NodesResource(), {"", "a"}, [&](nlohmann::json& node) -> Result<bool> {
        ++attempts;
        node["metadata"]["labels"]["nvidia.com/device-plugin.config"] = "ts-4";
        return true;
      });
  ASSERT_TRUE(stored) << stored.error().message();
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(fake_.Peek(NodesResource(), {"", "a"})
                .value()["metadata"]["labels"]["nvidia.com/device-plugin.config"],
            "ts-4");
}

TEST_F(FakeKubeClientTest, StaleUpdateConflictsAndFinalizersDelayDeletion) {
  fake_.Seed(NodeClaimsResource(),
             {{"metadata", {{"name", "c"}, {"finalizers", {"karpenter.sh/termination"}}}}});
  nlohmann::json claim = fake_.Peek(NodeClaimsResource(), {"", "c"}).value();
  ASSERT_TRUE(
      fake_.Patch(NodeClaimsResource(), {"", "c"}, PatchType::kMerge, R"({"spec":{"x":1}})", {}));
  Result<nlohmann::json> stale = fake_.Update(NodeClaimsResource(), claim, {});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), ErrorCode::kAborted);
  Result<nlohmann::json> deleting = fake_.Delete(NodeClaimsResource(), {"", "c"}, {});
  ASSERT_TRUE(deleting);
  EXPECT_TRUE((*deleting)["metadata"].contains("deletionTimestamp"));
  EXPECT_TRUE(fake_.Peek(NodeClaimsResource(), {"", "c"}));
}

TEST_F(FakeKubeClientTest, BindingSetsTheNodeOnceAndEvictionDeletesThePod) {
  fake_.Seed(PodsResource(), {{"metadata", {{"name", "p"}, {"namespace", "w"}}}, {"spec", {}}});
  ASSERT_TRUE(fake_.Bind({"w", "p"}, "n1"));
  EXPECT_EQ(fake_.Peek(PodsResource(), {"w", "p"}).value()["spec"]["nodeName"], "n1");
  EXPECT_FALSE(fake_.Bind({"w", "p"}, "n2"));
  ASSERT_TRUE(fake_.Evict({"w", "p"}, {}));
  EXPECT_FALSE(fake_.Peek(PodsResource(), {"w", "p"}));
}

TEST_F(FakeKubeClientTest, ANodeNameFieldSelectorFollowsBindsPatchesAndDeletes) {
  auto pod = [](const std::string& name) {
    return nlohmann::json{{"metadata", {{"name", name}, {"namespace", "w"}}}, {"spec", {}}};
  };
  fake_.Seed(PodsResource(), pod("a"));
  fake_.Seed(PodsResource(), pod("b"));
  fake_.Seed(PodsResource(), pod("c"));
  ASSERT_TRUE(fake_.Bind({"w", "a"}, "n1"));
  ASSERT_TRUE(fake_.Bind({"w", "b"}, "n1"));
  ASSERT_TRUE(fake_.Patch(PodsResource(), {"w", "c"}, PatchType::kMerge,
                          R"({"spec":{"nodeName":"n2"}})", {}));
  ASSERT_TRUE(fake_.Delete(PodsResource(), {"w", "a"}, {}));
  auto names_on = [&](const std::string& node) {
    ListOptions options;
    options.field_selector = "spec.nodeName=" + node;
    std::vector<std::string> names;
    Result<ObjectList> list = fake_.List(PodsResource(), options);
    for (const nlohmann::json& item : list->items) {
      names.push_back(item["metadata"]["name"]);
    }
    return names;
  };
  EXPECT_EQ(names_on("n1"), std::vector<std::string>{"b"});
  EXPECT_EQ(names_on("n2"), std::vector<std::string>{"c"});
  EXPECT_TRUE(names_on("n3").empty());
  fake_.Seed(PodsResource(), pod("d"));
  EXPECT_EQ(names_on(""), std::vector<std::string>{"d"});
}

}  // namespace
}  // namespace gpupack::kube::testing
