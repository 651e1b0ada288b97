#include "controller/conventions.h"

#include <gtest/gtest.h>

namespace gpupack::controller {
namespace {

TEST(ConventionsTest, OnlyTheGpupackPrefixIsOurs) {
  EXPECT_TRUE(IsGpupackKey("gpupack.io/node-template"));
  EXPECT_FALSE(IsGpupackKey("nvidia.com/mig.config"));
  EXPECT_FALSE(IsGpupackKey("example.com/gpupack.io/x"));
}

}  // namespace
}  // namespace gpupack::controller
