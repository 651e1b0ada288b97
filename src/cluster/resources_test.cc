#include "cluster/resources.h"

#include <gtest/gtest.h>

#include "common/quantity.h"

namespace gpupack::cluster {
namespace {

Resources Make(int64_t milli_cpu, int64_t memory, int64_t gpus) {
  Resources r;
  r.milli_cpu = milli_cpu;
  r.memory_bytes = memory;
  r.Set("nvidia.com/gpu", gpus);
  return r;
}

TEST(ResourcesTest, AddAndSubtractKeepZeroScalarsOut) {
  Resources a = Make(2000, 8 * kGiB, 1);
  Resources b = Make(500, kGiB, 1);
  Resources sum = a + b;
  EXPECT_EQ(sum.milli_cpu, 2500);
  EXPECT_EQ(sum.Get("nvidia.com/gpu"), 2);
  Resources back = sum - b - b;
  EXPECT_EQ(back.Get("nvidia.com/gpu"), 0);
  EXPECT_TRUE(back.scalar.empty());
  EXPECT_EQ(back, Make(1500, 7 * kGiB, 0));
}

TEST(ResourcesTest, CoversComparesEveryResourceAndNamesTheFirstShortfall) {
  Resources node = Make(4000, 16 * kGiB, 2);
  node.pods = 110;
  Resources pod = Make(1000, kGiB, 1);
  pod.pods = 1;
  EXPECT_TRUE(node.Covers(pod));
  pod.Set("nvidia.com/mig-1g.5gb", 1);
  EXPECT_FALSE(node.Covers(pod));
  EXPECT_EQ(node.FirstShortfall(pod), "nvidia.com/mig-1g.5gb");
  EXPECT_EQ(node.FirstShortfall(Make(5000, 0, 0)), "cpu");
}

TEST(ResourcesTest, MaxWithTakesTheLargerOfEach) {
  Resources a = Make(2000, kGiB, 0);
  a.MaxWith(Make(1000, 2 * kGiB, 1));
  EXPECT_EQ(a, Make(2000, 2 * kGiB, 1));
}

TEST(ResourcesTest, PrintsSortedAndSkipsZeros) {
  Resources r = Make(2500, 8 * kGiB, 1);
  r.Set("ephemeral-storage", 10);
  EXPECT_EQ(r.ToString(), "cpu=2500m, memory=8Gi, ephemeral-storage=10, nvidia.com/gpu=1");
  EXPECT_TRUE(Resources{}.IsZero());
}

}  // namespace
}  // namespace gpupack::cluster
