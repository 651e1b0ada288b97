#include "cluster/scheduling.h"

#include <gtest/gtest.h>

namespace gpupack::cluster {
namespace {

NodeSelectorRequirement Req(std::string key, SelectorOperator op,
                            std::vector<std::string> values = {}) {
  return NodeSelectorRequirement{std::move(key), op, std::move(values)};
}

const Labels kNode = {{"zone", "us-east-1a"}, {"gpus", "8"}, {"pool", "gpu"}};

TEST(SchedulingTest, InMatchesOnlyPresentLabelWithListedValue) {
  EXPECT_TRUE(
      MatchesRequirement(Req("zone", SelectorOperator::kIn, {"us-east-1b", "us-east-1a"}), kNode));
  EXPECT_FALSE(MatchesRequirement(Req("zone", SelectorOperator::kIn, {"us-east-1b"}), kNode));
  EXPECT_FALSE(MatchesRequirement(Req("absent", SelectorOperator::kIn, {"x"}), kNode));
}

TEST(SchedulingTest, NotInAndDoesNotExistMatchAbsentLabels) {
  EXPECT_TRUE(MatchesRequirement(Req("absent", SelectorOperator::kNotIn, {"x"}), kNode));
  EXPECT_FALSE(MatchesRequirement(Req("zone", SelectorOperator::kNotIn, {"us-east-1a"}), kNode));
  EXPECT_TRUE(MatchesRequirement(Req("absent", SelectorOperator::kDoesNotExist), kNode));
  EXPECT_FALSE(MatchesRequirement(Req("zone", SelectorOperator::kDoesNotExist), kNode));
  EXPECT_TRUE(MatchesRequirement(Req("zone", SelectorOperator::kExists), kNode));
  EXPECT_FALSE(MatchesRequirement(Req("absent", SelectorOperator::kExists), kNode));
}

TEST(SchedulingTest, GtAndLtCompareIntegers) {
  EXPECT_TRUE(MatchesRequirement(Req("gpus", SelectorOperator::kGt, {"4"}), kNode));
  EXPECT_FALSE(MatchesRequirement(Req("gpus", SelectorOperator::kGt, {"8"}), kNode));
  EXPECT_TRUE(MatchesRequirement(Req("gpus", SelectorOperator::kLt, {"10"}), kNode));
  // As integers, not strings: "8" < "10" fails lexically but holds numerically.
  EXPECT_FALSE(MatchesRequirement(Req("gpus", SelectorOperator::kGt, {"10"}), kNode));
}

TEST(SchedulingTest, GtLtNeverMatchNonIntegersOrAbsentLabels) {
  EXPECT_FALSE(MatchesRequirement(Req("zone", SelectorOperator::kGt, {"1"}), kNode));
  EXPECT_FALSE(MatchesRequirement(Req("gpus", SelectorOperator::kGt, {"four"}), kNode));
  EXPECT_FALSE(MatchesRequirement(Req("absent", SelectorOperator::kLt, {"5"}), kNode));
  EXPECT_FALSE(MatchesRequirement(Req("gpus", SelectorOperator::kGt, {"1", "2"}), kNode));
}

TEST(SchedulingTest, TermsAreOredAndExpressionsWithinATermAnded) {
  NodeSelectorTerm both{{Req("zone", SelectorOperator::kIn, {"us-east-1a"}),
                         Req("pool", SelectorOperator::kIn, {"cpu"})},
                        {}};
  NodeSelectorTerm pool_gpu{{Req("pool", SelectorOperator::kIn, {"gpu"})}, {}};
  EXPECT_FALSE(MatchesNodeSelectorTerms(NodeSelector{{both}}, kNode, "n1"));
  EXPECT_TRUE(MatchesNodeSelectorTerms(NodeSelector{{both, pool_gpu}}, kNode, "n1"));
}

TEST(SchedulingTest, EmptyTermAndEmptySelectorMatchNothing) {
  EXPECT_FALSE(MatchesNodeSelectorTerms(NodeSelector{{NodeSelectorTerm{}}}, kNode, "n1"));
  EXPECT_FALSE(MatchesNodeSelectorTerms(NodeSelector{}, kNode, "n1"));
}

TEST(SchedulingTest, MatchFieldsComparesTheNodeName) {
  NodeSelectorTerm term{{}, {Req("metadata.name", SelectorOperator::kIn, {"n1"})}};
  EXPECT_TRUE(MatchesTerm(term, kNode, "n1"));
  EXPECT_FALSE(MatchesTerm(term, kNode, "n2"));
}

TEST(SchedulingTest, LabelMapNeedsEveryEntryWithTheSameValue) {
  EXPECT_TRUE(MatchesLabelMap({}, kNode));
  EXPECT_TRUE(MatchesLabelMap({{"pool", "gpu"}}, kNode));
  EXPECT_FALSE(MatchesLabelMap({{"pool", "gpu"}, {"absent", ""}}, kNode));
  EXPECT_FALSE(MatchesLabelMap({{"pool", "GPU"}}, kNode));
}

TEST(SchedulingTest, EmptyKeyWithExistsToleratesEveryTaint) {
  Toleration all{"", TolerationOperator::kExists, "", std::nullopt, std::nullopt};
  EXPECT_TRUE(ToleratesTaint(all, Taint{"nvidia.com/gpu.mig", "true", TaintEffect::kNoSchedule}));
  EXPECT_TRUE(ToleratesTaint(all, Taint{"anything", "", TaintEffect::kNoExecute}));
}

TEST(SchedulingTest, TolerationEffectMustMatchUnlessEmpty) {
  Taint no_execute{"dedicated", "gpu", TaintEffect::kNoExecute};
  Toleration no_schedule{"dedicated", TolerationOperator::kEqual, "gpu", TaintEffect::kNoSchedule,
                         std::nullopt};
  Toleration any_effect{"dedicated", TolerationOperator::kEqual, "gpu", std::nullopt, std::nullopt};
  EXPECT_FALSE(ToleratesTaint(no_schedule, no_execute));
  EXPECT_TRUE(ToleratesTaint(any_effect, no_execute));
}

TEST(SchedulingTest, EqualWithEmptyValueMatchesOnlyAnEmptyTaintValue) {
  Toleration empty{"gpupack.io/sharing-pending", TolerationOperator::kEqual, "", std::nullopt,
                   std::nullopt};
  EXPECT_TRUE(
      ToleratesTaint(empty, Taint{"gpupack.io/sharing-pending", "", TaintEffect::kNoSchedule}));
  EXPECT_FALSE(
      ToleratesTaint(empty, Taint{"gpupack.io/sharing-pending", "x", TaintEffect::kNoSchedule}));
}

TEST(SchedulingTest, OnlyNoScheduleAndNoExecuteTaintsFilter) {
  std::vector<Taint> taints = {{"soft", "", TaintEffect::kPreferNoSchedule},
                               {"nvidia.com/gpu.mig", "true", TaintEffect::kNoSchedule}};
  EXPECT_EQ(FindUntoleratedTaint({}, taints), &taints[1]);
  std::vector<Toleration> mig = {
      {"nvidia.com/gpu.mig", TolerationOperator::kExists, "", TaintEffect::kNoSchedule, {}}};
  EXPECT_EQ(FindUntoleratedTaint(mig, taints), nullptr);
  std::vector<Taint> no_execute = {{"nvidia.com/gpu.mig", "true", TaintEffect::kNoExecute}};
  EXPECT_EQ(FindUntoleratedTaint(mig, no_execute), &no_execute[0]);
}

TEST(SchedulingTest, TaintPrintsLikeKubectl) {
  EXPECT_EQ((Taint{"nvidia.com/gpu.mig", "true", TaintEffect::kNoSchedule}).ToString(),
            "nvidia.com/gpu.mig=true:NoSchedule");
  EXPECT_EQ((Taint{"gpupack.io/sharing-pending", "", TaintEffect::kNoSchedule}).ToString(),
            "gpupack.io/sharing-pending:NoSchedule");
}

TEST(SchedulingTest, OperatorAndEffectNamesRoundTrip) {
  for (auto op : {SelectorOperator::kIn, SelectorOperator::kNotIn, SelectorOperator::kExists,
                  SelectorOperator::kDoesNotExist, SelectorOperator::kGt, SelectorOperator::kLt}) {
    EXPECT_EQ(ParseSelectorOperator(SelectorOperatorName(op)), op);
  }
  EXPECT_EQ(ParseSelectorOperator("in"), std::nullopt);
  EXPECT_EQ(ParseTaintEffect("NoExecute"), TaintEffect::kNoExecute);
  EXPECT_EQ(ParseTaintEffect("noschedule"), std::nullopt);
}

}  // namespace
}  // namespace gpupack::cluster
