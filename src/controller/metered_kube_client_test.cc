#include "controller/metered_kube_client.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "controller/metrics.h"
#include "kube/resource.h"
#include "kube/testing/fake_kube_client.h"

namespace gpupack::controller {
namespace {

TEST(MeteredKubeClientTest, CountsFailedCallsByVerbAndCodeAndPassesResultsOn) {
  kube::testing::FakeKubeClient fake;
  GpupackMetrics metrics;
  MeteredKubeClient client(fake, metrics);
  nlohmann::json node = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "n1"}}}};
  ASSERT_TRUE(client.Create(kube::NodesResource(), "", node, {}).has_value());
  Result<nlohmann::json> missing = client.Get(kube::NodesResource(), {"", "n2"});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  fake.FailNext("patch nodes", Error(ErrorCode::kUnavailable, "500"));
  fake.FailNext("evict pod", Error(ErrorCode::kUnavailable, "429 PDB"));
  EXPECT_FALSE(client.Patch(kube::NodesResource(), {"", "n1"}, kube::PatchType::kMerge, "{}", {}));
  EXPECT_FALSE(client.Evict({"ml", "p"}, {}));
  EXPECT_FALSE(client.Create(kube::NodesResource(), "", node, {}).has_value());  // exists

  std::string text = metrics.registry().Expose();
  EXPECT_NE(text.find("gpupack_api_errors_total{verb=\"get\",code=\"NotFound\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("gpupack_api_errors_total{verb=\"patch\",code=\"Unavailable\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("gpupack_api_errors_total{verb=\"create\",code=\"AlreadyExists\"} 1\n"),
            std::string::npos);
  EXPECT_EQ(text.find("verb=\"list\""), std::string::npos);
}

}  // namespace
}  // namespace gpupack::controller
