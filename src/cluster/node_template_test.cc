#include "cluster/node_template.h"

#include <gtest/gtest.h>

namespace gpupack::cluster {
namespace {

InstanceType Type(std::string name, std::string model, int32_t gpus) {
  InstanceType type;
  type.name = std::move(name);
  type.gpu_model = std::move(model);
  type.gpu_count = gpus;
  return type;
}

TEST(NodeTemplateTest, GlobsMatchWildcards) {
  EXPECT_TRUE(MatchesGlob("g5.*", "g5.xlarge"));
  EXPECT_TRUE(MatchesGlob("*", "p4d.24xlarge"));
  EXPECT_TRUE(MatchesGlob("p*.48xlarge", "p5en.48xlarge"));
  EXPECT_FALSE(MatchesGlob("g5.*", "g6.xlarge"));
  EXPECT_FALSE(MatchesGlob("p4d.24xlarge", "p4de.24xlarge"));
}

TEST(NodeTemplateTest, InstanceTypesAreFilteredByNameModelAndGpuCount) {
  NodeTemplate t;
  t.instance_types = {"g5.*", "p4d.24xlarge"};
  t.exclude_instance_types = {"g5.48xlarge"};
  EXPECT_TRUE(t.AllowsInstanceType(Type("g5.xlarge", "A10G", 1)));
  EXPECT_FALSE(t.AllowsInstanceType(Type("g5.48xlarge", "A10G", 8)));
  EXPECT_FALSE(t.AllowsInstanceType(Type("g6.xlarge", "L4", 1)));
  t.gpu_models = {"A100-SXM4-40GB"};
  EXPECT_FALSE(t.AllowsInstanceType(Type("g5.xlarge", "A10G", 1)));
  EXPECT_TRUE(t.AllowsInstanceType(Type("p4d.24xlarge", "A100-SXM4-40GB", 8)));
  t.max_gpus_per_node = 4;
  EXPECT_FALSE(t.AllowsInstanceType(Type("p4d.24xlarge", "A100-SXM4-40GB", 8)));
  EXPECT_FALSE(NodeTemplate{}.AllowsInstanceType(Type("m5.large", "", 0)));
}

TEST(NodeTemplateTest, OfferingsAreOnDemandOnlyUnlessSpotIsListed) {
  NodeTemplate t;
  Offering spot{CapacityType::kSpot, "us-east-1a", 5.3};
  Offering on_demand{CapacityType::kOnDemand, "us-east-1a", 21.9};
  EXPECT_FALSE(t.AllowsOffering(spot));
  EXPECT_TRUE(t.AllowsOffering(on_demand));
  t.capacity_types = {CapacityType::kSpot};
  t.zones = {"us-east-1b"};
  EXPECT_FALSE(t.AllowsOffering(spot));
  t.zones = {"us-east-1a"};
  EXPECT_TRUE(t.AllowsOffering(spot));
  EXPECT_FALSE(t.AllowsOffering(on_demand));
}

TEST(NodeTemplateTest, ReplicasComeFromThePerModelOverrideFirst) {
  TimeSlicingSpec ts{true, 4, {{"A100-SXM4-40GB", 7}}};
  EXPECT_EQ(ts.ReplicasFor("A100-SXM4-40GB"), 7);
  EXPECT_EQ(ts.ReplicasFor("T4"), 4);
  ts.enabled = false;
  EXPECT_EQ(ts.ReplicasFor("T4"), 0);
}

TEST(NodeTemplateTest, NodeLabelsCarryTemplateTypeZoneAndCapacityType) {
  NodeTemplate t;
  t.name = "a100-mig";
  t.labels = {{"team", "ml"}};
  Labels labels = t.NodeLabels(Type("p4d.24xlarge", "A100-SXM4-40GB", 8),
                               Offering{CapacityType::kSpot, "us-east-1a", 5.3});
  EXPECT_EQ(labels.at("gpupack.io/node-template"), "a100-mig");
  EXPECT_EQ(labels.at("node.kubernetes.io/instance-type"), "p4d.24xlarge");
  EXPECT_EQ(labels.at("topology.kubernetes.io/zone"), "us-east-1a");
  EXPECT_EQ(labels.at("karpenter.sh/capacity-type"), "spot");
  EXPECT_EQ(labels.at("team"), "ml");
}

TEST(NodeTemplateTest, PlainGpuRequestOnATimeSlicedTemplateBecomesAReplica) {
  GpuDemand whole{GpuDemandKind::kWholeGpu, GpuRequestForm::kGpuResource, 1, "", false, 0, 0,
                  "nvidia.com/gpu"};
  NodeTemplate ts;
  ts.time_slicing.enabled = true;
  EXPECT_EQ(RefineForTemplate(whole, ts).kind, GpuDemandKind::kSharedGpu);
  ts.mig.enabled = true;
  EXPECT_EQ(RefineForTemplate(whole, ts).kind, GpuDemandKind::kWholeGpu);
  GpuDemand mig{GpuDemandKind::kMigProfile,
                GpuRequestForm::kMigSelector,
                1,
                "1g.5gb",
                false,
                0,
                0,
                "nvidia.com/gpu"};
  EXPECT_TRUE(RefineForTemplate(mig, ts).time_sliced);
  ts.time_slicing.enabled = false;
  EXPECT_FALSE(RefineForTemplate(mig, ts).time_sliced);
}

TEST(NodeTemplateTest, CatalogFindsTypesAndCheapestOffering) {
  InstanceType p4d = Type("p4d.24xlarge", "A100-SXM4-40GB", 8);
  p4d.offerings = {{CapacityType::kSpot, "us-east-1b", 6.0},
                   {CapacityType::kSpot, "us-east-1a", 5.3},
                   {CapacityType::kOnDemand, "us-east-1a", 21.96}};
  Result<InstanceCatalog> catalog = InstanceCatalog::Create(
      {"aws", "us-east-1", "2026-08-01", "test"}, {p4d, Type("g5.xlarge", "A10G", 1)});
  ASSERT_FALSE(catalog);  // g5.xlarge has no offering
  InstanceType g5 = Type("g5.xlarge", "A10G", 1);
  g5.offerings = {{CapacityType::kOnDemand, "us-east-1a", 1.006}};
  catalog = InstanceCatalog::Create({"aws", "us-east-1", "2026-08-01", "test"}, {p4d, g5});
  ASSERT_TRUE(catalog) << catalog.error().message();
  EXPECT_EQ(catalog->types()[0].name, "g5.xlarge");
  const InstanceType* found = catalog->Find("p4d.24xlarge");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->Cheapest(CapacityType::kSpot)->zone, "us-east-1a");
  EXPECT_EQ(found->Cheapest(CapacityType::kSpot, "us-east-1b")->price_per_hour, 6.0);
  EXPECT_EQ(catalog->Find("p5.48xlarge"), nullptr);
}

}  // namespace
}  // namespace gpupack::cluster
