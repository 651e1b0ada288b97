#include "sim/trace/openb_results.h"

#include <gtest/gtest.h>

namespace gpupack::sim {
namespace {

TEST(OpenbResultsTest, ParsesPublishedAllocationCurves) {
  Result<std::vector<PublishedPackingRun>> runs = ParsePublishedPackingRuns(
      "workload,sc_policy,tune,seed,total_gpus,0,1,2\n"
      "openb_pod_list_default,06-FGD,1.3,42,6212,0.25,0.99,2.0\n",
      "allo.csv");
  ASSERT_TRUE(runs.has_value()) << runs.error().message();
  ASSERT_EQ(runs->size(), 1u);
  const PublishedPackingRun& run = runs->front();
  EXPECT_EQ(run.workload, "openb_pod_list_default");
  EXPECT_EQ(run.policy, "06-FGD");
  EXPECT_DOUBLE_EQ(run.tune, 1.3);
  EXPECT_EQ(run.seed, 42);
  EXPECT_EQ(run.total_gpus, 6212);
  EXPECT_EQ(run.curve, (std::vector<double>{0.25, 0.99, 2.0}));
}

TEST(OpenbResultsTest, ReportsBadRowsWithFileAndLine) {
  auto error = [](std::string_view text) {
    Result<std::vector<PublishedPackingRun>> runs = ParsePublishedPackingRuns(text, "a.csv");
    EXPECT_FALSE(runs.has_value());
    return runs.has_value() ? std::string() : runs.error().message();
  };
  EXPECT_EQ(error("workload,policy\n"),
            "a.csv:1: expected header 'workload,sc_policy,tune,seed,total_gpus,0,1,...'");
  EXPECT_EQ(error("workload,sc_policy,tune,seed,total_gpus,0\nw,p,1.3,42,6212,x\n"),
            "a.csv:2: allocation 'x' is not a number");
  EXPECT_EQ(error("workload,sc_policy,tune,seed,total_gpus,0\nw,p,1.3,42,6212\n"),
            "a.csv:2: expected 6 fields, found 5");
  EXPECT_EQ(error(""), "a.csv:1: empty file; expected a header line");
  // fuzz/regressions/openb_results: out-of-range seeds were cast to int64 (undefined behaviour).
  EXPECT_EQ(error("workload,sc_policy,tune,seed,total_gpus,0\nw,p,1.3,4e118,6212,1\n"),
            "a.csv:2: seed is not a whole number");
  EXPECT_EQ(error("workload,sc_policy,tune,seed,total_gpus,0\nw,p,1.3,42.5,6212,1\n"),
            "a.csv:2: seed is not a whole number");
  EXPECT_EQ(error("workload,sc_policy,tune,seed,total_gpus,0\nw,p,1.3,42,1e300,1\n"),
            "a.csv:2: total_gpus is not a positive whole number");
}

}  // namespace
}  // namespace gpupack::sim
