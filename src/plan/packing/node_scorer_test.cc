#include "plan/packing/node_scorer.h"

#include <vector>

#include <gtest/gtest.h>

#include "common/rng.h"

namespace gpupack::plan::packing {
namespace {

WorkloadProfile FractionalSizes(const std::vector<int32_t>& sizes) {
  WorkloadProfile profile;
  for (int32_t size : sizes) {
    profile.typical_pods.push_back(TypicalPod{1000, 1, size, 0.1});
  }
  return profile;
}

// The definition, sum by sum (f is fillable when f - size is, for some size), as a table by free.
std::vector<int32_t> HoleWasteByScan(const std::vector<int32_t>& sizes, int32_t min_filler) {
  std::vector<bool> fillable(static_cast<size_t>(kMilliPerGpu) + 1, false);
  fillable[0] = true;
  for (int32_t sum = 1; sum <= kMilliPerGpu; ++sum) {
    for (int32_t size : sizes) {
      if (size >= min_filler && size < kMilliPerGpu && size <= sum &&
          fillable[static_cast<size_t>(sum - size)]) {
        fillable[static_cast<size_t>(sum)] = true;
      }
    }
  }
  std::vector<int32_t> waste(static_cast<size_t>(kMilliPerGpu) + 1, 0);
  int32_t largest = 0;
  for (int32_t free = 0; free < kMilliPerGpu; ++free) {
    if (fillable[static_cast<size_t>(free)]) {
      largest = free;
    }
    waste[static_cast<size_t>(free)] = free - largest;
  }
  return waste;
}

TEST(NodeScorerTest, HoleWasteIsWhatTheFrequentSizesCannotFill) {
  NodeScorer scorer(Policy::kGpupack, FractionalSizes({250, 300}));
  EXPECT_EQ(scorer.HoleWaste(0), 0);
  EXPECT_EQ(scorer.HoleWaste(249), 249);
  EXPECT_EQ(scorer.HoleWaste(250), 0);
  EXPECT_EQ(scorer.HoleWaste(299), 49);
  EXPECT_EQ(scorer.HoleWaste(549), 49);         // 500 = 2 x 250
  EXPECT_EQ(scorer.HoleWaste(550), 0);          // 250 + 300
  EXPECT_EQ(scorer.HoleWaste(999), 999 - 900);  // 900 = 3 x 300
  EXPECT_EQ(scorer.HoleWaste(kMilliPerGpu), 0);
}

TEST(NodeScorerTest, SizesBelowTheFillerMinimumOrWholeGpusFillNothing) {
  NodeScorer scorer(Policy::kGpupack, FractionalSizes({100, 1000}));  // min_filler_milli is 200
  EXPECT_EQ(scorer.HoleWaste(100), 100);
  EXPECT_EQ(scorer.HoleWaste(999), 999);
}

TEST(NodeScorerTest, HoleWasteMatchesTheSumBySumDefinitionOnRandomSizes) {
  Rng rng(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<int32_t> sizes;
    int count = static_cast<int>(rng.UniformInt(0, 4));
    for (int i = 0; i < count; ++i) {
      sizes.push_back(static_cast<int32_t>(rng.UniformInt(1, 999)));
    }
    GpupackWeights weights;
    NodeScorer scorer(Policy::kGpupack, FractionalSizes(sizes), weights);
    std::vector<int32_t> expected = HoleWasteByScan(sizes, weights.min_filler_milli);
    for (int32_t free = 0; free <= kMilliPerGpu; ++free) {
      ASSERT_EQ(scorer.HoleWaste(free), expected[static_cast<size_t>(free)])
          << "round " << round << ", free " << free;
    }
  }
}

}  // namespace
}  // namespace gpupack::plan::packing
