#include "kube/objects.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/file.h"

namespace gpupack::kube {
namespace {

nlohmann::json FinalList(const std::string& what) {
  return nlohmann::json::parse(*ReadFile(std::string(GP_SHARED_DIR) +
                                         "/reference/kube-wire/11-final-list-" + what +
                                         "/response-body.json"));
}

const nlohmann::json& Named(const nlohmann::json& list, const std::string& name) {
  for (const auto& item : list["items"]) {
    if (item["metadata"]["name"] == name) {
      return item;
    }
  }
  throw std::runtime_error("no " + name);
}

int64_t Amount(const ResourceList& list, const std::string& name) {
  for (const auto& [resource, amount] : list) {
    if (resource == name) {
      return amount;
    }
  }
  return -1;
}

TEST(DecodeNodeTest, MixedMigNodeKeepsCapacityTaintsAndLabels) {
  Result<NodeObject> node = DecodeNode(Named(FinalList("nodes"), "ip-10-0-1-11.ec2.internal"));
  ASSERT_TRUE(node) << node.error().message();
  EXPECT_EQ(node->meta.name, "ip-10-0-1-11.ec2.internal");
  EXPECT_TRUE(node->meta.namespace_name.empty());
  EXPECT_FALSE(node->meta.resource_version.empty());
  EXPECT_EQ(Amount(node->capacity, "nvidia.com/mig-1g.5gb"), 56);
  EXPECT_EQ(Amount(node->capacity, "nvidia.com/gpu"), 0);
  EXPECT_EQ(Amount(node->capacity, "cpu"), 96000);
  EXPECT_EQ(Amount(node->allocatable, "cpu"), 95690);
  EXPECT_EQ(Amount(node->capacity, "memory"), 1176259376LL * 1024);
  ASSERT_EQ(node->taints.size(), 2u);
  EXPECT_EQ(node->taints[1].key, "gpupack.io/sharing-pending");
  EXPECT_EQ(node->taints[1].effect, "NoSchedule");
  EXPECT_EQ(node->provider_id, "aws:///us-east-1a/i-0a1b2c3d4e5f60011");
  EXPECT_TRUE(node->ready);
  ASSERT_NE(node->meta.Label("nvidia.com/gpu.product"), nullptr);
  EXPECT_EQ(*node->meta.Label("nvidia.com/gpu.product"), "NVIDIA-A100-SXM4-40GB");
  EXPECT_EQ(node->meta.Label("no/such"), nullptr);
}

TEST(DecodePodTest, MigSeedPodKeepsRequestsOwnerAndPendingState) {
  Result<PodObject> pod = DecodePod(Named(FinalList("pods"), "mig-infer-5d8f7c9b6d-b3n8w"));
  ASSERT_TRUE(pod) << pod.error().message();
  EXPECT_EQ(pod->meta.namespace_name, "gpu-workloads");
  EXPECT_TRUE(pod->node_name.empty());
  EXPECT_TRUE(pod->unschedulable);
  EXPECT_EQ(pod->phase, "Pending");
  EXPECT_EQ(Amount(pod->requests, "nvidia.com/gpu"), 1);
  EXPECT_EQ(Amount(pod->requests, "cpu"), 2000);
  EXPECT_EQ(Amount(pod->requests, "memory"), 8LL << 30);
  ASSERT_EQ(pod->meta.owners.size(), 1u);
  EXPECT_EQ(pod->meta.owners[0].kind, "ReplicaSet");
  EXPECT_TRUE(pod->meta.owners[0].controller);
  bool tolerates_mig = false;
  for (const auto& toleration : pod->tolerations) {
    tolerates_mig =
        tolerates_mig || (toleration.key == "nvidia.com/gpu.mig" && toleration.op == "Exists");
  }
  EXPECT_TRUE(tolerates_mig);
}

TEST(DecodePodTest, LimitsStandInForMissingRequestsAndInitContainersTakeTheMax) {
  nlohmann::json pod = nlohmann::json::parse(R"({"metadata":{"name":"p","namespace":"n"},
    "spec":{"containers":[{"resources":{"limits":{"nvidia.com/gpu":"2","cpu":"1"},
                                        "requests":{"cpu":"250m"}}},
                          {"resources":{"requests":{"cpu":"250m"}}}],
            "initContainers":[{"resources":{"requests":{"cpu":"2","nvidia.com/gpu":"1"}}}],
            "overhead":{"cpu":"100m"}}})");
  Result<PodObject> decoded = DecodePod(pod);
  ASSERT_TRUE(decoded) << decoded.error().message();
  EXPECT_EQ(Amount(decoded->requests, "nvidia.com/gpu"), 2);
  EXPECT_EQ(Amount(decoded->requests, "cpu"), 2100);
}

TEST(DecodePodTest, KeepsRequiredNodeAffinityAndDropsThePreferredTerms) {
  nlohmann::json pod = nlohmann::json::parse(R"({"metadata":{"name":"p","namespace":"n"},
    "spec":{"containers":[],
      "affinity":{"nodeAffinity":{
        "requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
          {"matchExpressions":[
             {"key":"topology.kubernetes.io/zone","operator":"In",
              "values":["us-east-1a","us-east-1b"]},
             {"key":"nvidia.com/gpu.count","operator":"Gt","values":["3"]},
             {"key":"spot","operator":"DoesNotExist"}]},
          {"matchFields":[{"key":"metadata.name","operator":"NotIn","values":["bad-node"]}]}]},
        "preferredDuringSchedulingIgnoredDuringExecution":[
          {"weight":10,"preference":{"matchExpressions":[
             {"key":"k","operator":"Exists"}]}}]}}}})");
  Result<PodObject> decoded = DecodePod(pod);
  ASSERT_TRUE(decoded) << decoded.error().message();
  const std::vector<NodeSelectorTerm>& terms = decoded->required_node_affinity;
  ASSERT_EQ(terms.size(), 2u);
  ASSERT_EQ(terms[0].match_expressions.size(), 3u);
  EXPECT_TRUE(terms[0].match_fields.empty());
  const NodeSelectorRequirement& zone = terms[0].match_expressions[0];
  EXPECT_EQ(zone.key, "topology.kubernetes.io/zone");
  EXPECT_EQ(zone.op, "In");
  ASSERT_EQ(zone.values.size(), 2u);
  EXPECT_EQ(zone.values[1], "us-east-1b");
  EXPECT_EQ(terms[0].match_expressions[1].op, "Gt");
  EXPECT_TRUE(terms[0].match_expressions[2].values.empty());
  ASSERT_EQ(terms[1].match_fields.size(), 1u);
  EXPECT_EQ(terms[1].match_fields[0].key, "metadata.name");
  EXPECT_EQ(terms[1].match_fields[0].values[0], "bad-node");
}

TEST(DecodePodTest, APodWithoutAffinityHasNoRequiredTerms) {
  Result<PodObject> pod = DecodePod(Named(FinalList("pods"), "mig-infer-5d8f7c9b6d-b3n8w"));
  ASSERT_TRUE(pod) << pod.error().message();
  EXPECT_TRUE(pod->required_node_affinity.empty());
}

TEST(DecodePodTest, BadQuantityNamesThePodAndResource) {
  nlohmann::json pod =
      nlohmann::json::parse(R"({"kind":"Pod","metadata":{"name":"p","namespace":"n"},
    "spec":{"containers":[{"resources":{"requests":{"cpu":"lots"}}}]}})");
  Result<PodObject> decoded = DecodePod(pod);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().message().rfind("Pod n/p: requests.cpu", 0), 0u)
      << decoded.error().message();
}

TEST(DecodeMetaTest, ObjectWithoutNameIsRejected) {
  // A BOOKMARK's object: only a resourceVersion and zero values.
  nlohmann::json bookmark = nlohmann::json::parse(
      R"({"kind":"Node","metadata":{"resourceVersion":"286","creationTimestamp":null},"spec":{}})");
  Result<NodeObject> node = DecodeNode(bookmark);
  ASSERT_FALSE(node);
  EXPECT_EQ(node.error().message(), "Node object: metadata.name is missing");
}

TEST(DecodeGenericTest, NodeClaimKeepsItsBodyWithoutMetadata) {
  nlohmann::json claims = FinalList("nodeclaims");
  ASSERT_FALSE(claims["items"].empty());
  Result<GenericObject> claim = DecodeGeneric(claims["items"][0]);
  ASSERT_TRUE(claim) << claim.error().message();
  nlohmann::json body = nlohmann::json::parse(claim->body);
  EXPECT_FALSE(body.contains("metadata"));
  EXPECT_TRUE(body.contains("spec"));
  EXPECT_EQ(body["apiVersion"], "karpenter.sh/v1");
}

}  // namespace
}  // namespace gpupack::kube
