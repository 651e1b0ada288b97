#include "catalog/node_template_reader.h"

#include <gtest/gtest.h>

#include "catalog/gpu_catalog_loader.h"
#include "catalog/k8s_reader.h"
#include "common/file.h"

namespace gpupack::catalog {
namespace {

const std::string kWire = std::string(GP_SHARED_DIR) + "/reference/kube-wire/";

class NodeTemplateReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<gpu::GpuCatalog> gpus = LoadBuiltInGpuCatalog();
    ASSERT_TRUE(gpus) << gpus.error().message();
    gpus_.emplace(std::move(*gpus));
  }

  Result<KubeObjects> ReadRequest(const std::string& folder) {
    Result<std::string> text = ReadFile(kWire + folder + "/request-body.json");
    EXPECT_TRUE(text);
    return ReadKubeObjects(*text, folder, *gpus_);
  }

  Result<KubeObjects> Read(const std::string& spec) {
    return ReadKubeObjects(
        "apiVersion: gpupack.io/v1alpha1\nkind: NodeTemplate\nmetadata: {name: t}\nspec:\n" + spec,
        "t.yaml", *gpus_);
  }

  std::optional<gpu::GpuCatalog> gpus_;
};

TEST_F(NodeTemplateReaderTest, ReadsTheTemplateTheControllerCreates) {
  Result<KubeObjects> objects = ReadRequest("09-nodetemplate-create");
  ASSERT_TRUE(objects) << objects.error().message();
  ASSERT_EQ(objects->templates.size(), 1U);
  const cluster::NodeTemplate& t = objects->templates[0];
  EXPECT_EQ(t.name, "a100-shared");
  EXPECT_EQ(t.instance_types, (std::vector<std::string>{"p4d.24xlarge"}));
  EXPECT_EQ(t.gpu_models, (std::vector<std::string>{"A100-SXM4-40GB"}));
  EXPECT_EQ(t.capacity_types, (std::vector<cluster::CapacityType>{
                                  cluster::CapacityType::kSpot, cluster::CapacityType::kOnDemand}));
  EXPECT_TRUE(t.time_slicing.enabled);
  EXPECT_EQ(t.time_slicing.shared_clients_per_gpu, 4);
  EXPECT_EQ(t.time_slicing.per_gpu_model.at("A100-SXM4-40GB"), 4);
  EXPECT_TRUE(t.mig.enabled);
  EXPECT_EQ(t.mig.strategy, cluster::MigStrategy::kMixed);
  EXPECT_TRUE(objects->warnings.empty());
}

TEST_F(NodeTemplateReaderTest, RejectsWhatTheApiserverRejects) {
  // The same values the apiserver answered 422 to (09-nodetemplate-create-invalid*).
  Result<KubeObjects> too_many = ReadRequest("09-nodetemplate-create-invalid-422");
  ASSERT_FALSE(too_many);
  EXPECT_NE(too_many.error().message().find(
                "NodeTemplate/a100-too-many-clients: spec.gpuSharing.timeSlicing."
                "sharedClientsPerGpu: must be 2..48 (replicas per GPU), got 100"),
            std::string::npos)
      << too_many.error().message();
  Result<KubeObjects> bad_types = ReadRequest("09-nodetemplate-create-invalid-types-422");
  ASSERT_FALSE(bad_types);
  EXPECT_NE(bad_types.error().message().find("must be"), std::string::npos);
  EXPECT_NE(
      Read("  gpuSharing: {mig: {enabled: \"yes\"}}\n")
          .error()
          .message()
          .find("t.yaml:5: NodeTemplate/t: spec.gpuSharing.mig.enabled: must be true or false"),
      std::string::npos);
  EXPECT_NE(Read("  gpuSharing: {mig: {strategy: dual}}\n")
                .error()
                .message()
                .find("unsupported value \"dual\""),
            std::string::npos);
  EXPECT_NE(Read("  gpuSharing: {timeSlicing: {perGpuModel: {A100-SXM4-40GB: 1}}}\n")
                .error()
                .message()
                .find("perGpuModel.A100-SXM4-40GB: must be 2..48"),
            std::string::npos);
  EXPECT_NE(Read("  gpuSharing: {timeSlicing: {sharedClientsPerGpu: four}}\n")
                .error()
                .message()
                .find("must be an integer"),
            std::string::npos);
  EXPECT_NE(Read("  gpuModels: [Z100]\n")
                .error()
                .message()
                .find("t.yaml:5: NodeTemplate/t: "
                      "spec.gpuModels[0]: unknown GPU"),
            std::string::npos);
  EXPECT_NE(Read("  capacityTypes: [reserved]\n").error().message().find("unsupported value"),
            std::string::npos);
  EXPECT_NE(Read("  capacityTypes: [spot]\n  spotPercent: 50\n")
                .error()
                .message()
                .find("spotPercent: needs capacityTypes [spot, on-demand]"),
            std::string::npos);
  EXPECT_NE(Read("  minGpusPerNode: 8\n  maxGpusPerNode: 4\n")
                .error()
                .message()
                .find("larger than maxGpusPerNode"),
            std::string::npos);
  EXPECT_NE(Read("  taints: [{key: a, effect: Sometimes}]\n")
                .error()
                .message()
                .find("spec.taints[0].effect"),
            std::string::npos);
  Result<KubeObjects> wrong_version = ReadKubeObjects(
      "apiVersion: gpupack.io/v1\nkind: NodeTemplate\nmetadata: {name: t}\n", "t.yaml", *gpus_);
  ASSERT_FALSE(wrong_version);
  EXPECT_NE(wrong_version.error().message().find("expected gpupack.io/v1alpha1"),
            std::string::npos);
}

TEST_F(NodeTemplateReaderTest, UnknownFieldsAreWarningsAsTheApiserverGivesThem) {
  Result<KubeObjects> objects = ReadRequest("09-nodetemplate-create-unknown-field-warn");
  ASSERT_TRUE(objects) << objects.error().message();
  ASSERT_EQ(objects->warnings.size(), 2U);
  EXPECT_EQ(objects->warnings[0],
            "09-nodetemplate-create-unknown-field-warn:38: NodeTemplate/a100-unknown-field: "
            "unknown field spec.bogus");
  EXPECT_NE(
      objects->warnings[1].find("unknown field spec.gpuSharing.timeSlicing.sharedClientsPerGPU"),
      std::string::npos)
      << objects->warnings[1];
}

TEST_F(NodeTemplateReaderTest, ReadsTheFieldsBeyondTheFixtureCrd) {
  Result<KubeObjects> objects = Read(R"(  instanceTypes: ["g5.*"]
  excludeInstanceTypes: [g5.48xlarge]
  capacityTypes: [spot, on-demand]
  spotPercent: "30%"
  minGpusPerNode: 1
  maxGpusPerNode: 4
  labels: {team: ml}
  taints: [{key: dedicated, value: ml, effect: NoSchedule}]
  limits: {gpus: 16, hourlyCost: "42.50"}
  gpuSharing: {timeSlicing: {enabled: true}}
)");
  ASSERT_TRUE(objects) << objects.error().message();
  const cluster::NodeTemplate& t = objects->templates[0];
  EXPECT_EQ(t.spot_percent, 30);
  EXPECT_EQ(t.exclude_instance_types, (std::vector<std::string>{"g5.48xlarge"}));
  EXPECT_EQ(t.min_gpus_per_node, 1);
  EXPECT_EQ(t.max_gpus_per_node, 4);
  EXPECT_EQ(t.labels.at("team"), "ml");
  ASSERT_EQ(t.taints.size(), 1U);
  EXPECT_EQ(t.taints[0].ToString(), "dedicated=ml:NoSchedule");
  EXPECT_EQ(t.max_gpus, 16);
  EXPECT_DOUBLE_EQ(*t.max_hourly_cost, 42.5);
  // Enabled without a count: the planner chooses the replicas.
  EXPECT_EQ(t.time_slicing.ReplicasFor("A10G"), 0);
  EXPECT_EQ(t.mig.strategy, cluster::MigStrategy::kSingle);
}

TEST_F(NodeTemplateReaderTest, ReadsTheNodeClassRefItsNodeClaimsUse) {
  Result<KubeObjects> objects =
      Read("  nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: gpu}\n");
  ASSERT_TRUE(objects) << objects.error().message();
  ASSERT_TRUE(objects->templates[0].node_class_ref.has_value());
  EXPECT_EQ(*objects->templates[0].node_class_ref,
            (cluster::NodeClassRef{"karpenter.k8s.aws", "EC2NodeClass", "gpu"}));
  EXPECT_TRUE(objects->warnings.empty());

  Result<KubeObjects> unset = Read("  zones: [us-east-1a]\n");
  ASSERT_TRUE(unset) << unset.error().message();
  EXPECT_FALSE(unset->templates[0].node_class_ref.has_value());

  Result<KubeObjects> no_name = Read("  nodeClassRef: {group: karpenter.k8s.aws, kind: X}\n");
  ASSERT_FALSE(no_name);
  EXPECT_NE(no_name.error().message().find("spec.nodeClassRef.name: required"), std::string::npos)
      << no_name.error().message();
}

}  // namespace
}  // namespace gpupack::catalog
