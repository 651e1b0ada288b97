#include "cluster/node.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "cluster/snapshot.h"
#include "gpu/advertised.h"
#include "gpu/testing/test_models.h"

namespace gpupack::cluster {
namespace {

class NodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<gpu::GpuCatalog> catalog = gpu::GpuCatalog::Create(gpu::testing::AllModelsForTest());
    ASSERT_TRUE(catalog) << catalog.error().message();
    catalog_.emplace(std::move(*catalog));
    a100_ = *catalog_->Find("A100-SXM4-40GB");
  }

  // A geometry of `count` instances of `profile` on an A100.
  SharingConfig Mig(const std::string& profile, int count, MigStrategy strategy,
                    int32_t replicas = 1) {
    const gpu::MigGeometryEngine& engine = catalog_->Geometry(*a100_);
    std::vector<std::string> names(static_cast<size_t>(count), profile);
    SharingConfig sharing;
    sharing.mode = replicas > 1 ? SharingMode::kMigTimeSlicing : SharingMode::kMig;
    sharing.replicas = replicas;
    sharing.mig_strategy = strategy;
    sharing.geometry = *engine.Fit(*engine.CountsFromNames(names));
    return sharing;
  }

  Node A100Node(const SharingConfig& sharing, int gpus = 8) {
    Node node;
    node.name = "n1";
    node.allocatable.milli_cpu = 96000;
    node.allocatable.memory_bytes = int64_t{1} << 40;
    node.allocatable.pods = 110;
    for (int i = 0; i < gpus; ++i) {
      node.gpus.push_back(NodeGpu{i, "A100-SXM4-40GB", sharing, {}});
    }
    return node;
  }

  static Pod GpuPod(std::string name, GpuDemandKind kind, std::string resource, int64_t count,
                    std::string profile = "") {
    Pod pod;
    pod.name = std::move(name);
    pod.namespace_name = "ns";
    pod.requests.pods = 1;
    pod.requests.milli_cpu = 1000;
    pod.requests.Set(resource, count);
    pod.gpu.kind = kind;
    pod.gpu.count = count;
    pod.gpu.resource_name = std::move(resource);
    pod.gpu.mig_profile = std::move(profile);
    return pod;
  }

  std::optional<gpu::GpuCatalog> catalog_;
  const gpu::GpuModel* a100_ = nullptr;
};

TEST_F(NodeTest, TimeSlicedA100AdvertisesReplicasTimesGpus) {
  SharingConfig ts;
  ts.mode = SharingMode::kTimeSlicing;
  ts.replicas = 4;
  Node node = A100Node(ts);
  Result<Resources> capacity = node.ExpectedGpuCapacity(*catalog_);
  ASSERT_TRUE(capacity);
  EXPECT_EQ(capacity->Get("nvidia.com/gpu"), 32);
  ts.rename_by_default = true;
  EXPECT_EQ(AdvertisedCapacity(ts, *a100_).Get("nvidia.com/gpu.shared"), 4);
  EXPECT_EQ(AdvertisedCapacity(ts, *a100_).Get("nvidia.com/gpu"), 0);
}

TEST_F(NodeTest, MigSingleFoldsInstancesIntoNvidiaGpuAndMixedNamesProfiles) {
  EXPECT_EQ(AdvertisedCapacity(Mig("1g.5gb", 7, MigStrategy::kSingle), *a100_).ToString(),
            "nvidia.com/gpu=7");
  EXPECT_EQ(AdvertisedCapacity(Mig("1g.5gb", 7, MigStrategy::kMixed), *a100_).ToString(),
            "nvidia.com/mig-1g.5gb=7");
  // The seed's MIG + time-slicing case: 7 instances x 4 replicas = 28 pods on one A100.
  SharingConfig mig_ts = Mig("1g.5gb", 7, MigStrategy::kMixed, 4);
  EXPECT_EQ(mig_ts.SlotCount(), 28);
  EXPECT_EQ(AdvertisedCapacity(mig_ts, *a100_).Get("nvidia.com/mig-1g.5gb"), 28);
  EXPECT_EQ(mig_ts.Describe(*a100_), "mig 7x1g.5gb ts-4 (mixed)");
}

TEST_F(NodeTest, MigNodesGetPartitionLabelsAndTheMigTaint) {
  SharingConfig mixed = Mig("1g.5gb", 2, MigStrategy::kMixed);
  const gpu::MigGeometryEngine& engine = catalog_->Geometry(*a100_);
  std::vector<std::string> names = {"3g.20gb", "1g.5gb"};
  mixed.geometry = *engine.Fit(*engine.CountsFromNames(names));
  Labels labels = PartitionLabels(mixed, *a100_);
  EXPECT_EQ(labels, (Labels{{"nvidia.com/gpu.mig-partition-1g.5gb", "true"},
                            {"nvidia.com/gpu.mig-partition-3g.20gb", "true"}}));
  ASSERT_EQ(SharingTaints(mixed).size(), 1U);
  EXPECT_EQ(SharingTaints(mixed)[0].ToString(), "nvidia.com/gpu.mig=true:NoSchedule");
  // The seed pod fits such a node: it tolerates the taint and its selector matches.
  Pod seed = GpuPod("seed", GpuDemandKind::kMigProfile, "nvidia.com/gpu", 1, "1g.5gb");
  seed.node_selector = {{"nvidia.com/gpu.mig-partition-1g.5gb", "true"}};
  seed.tolerations = {{"nvidia.com/gpu.mig", TolerationOperator::kExists, "",
                       TaintEffect::kNoSchedule, std::nullopt}};
  EXPECT_TRUE(MatchesNodeLabels(seed, labels));
  EXPECT_TRUE(Tolerates(seed, SharingTaints(mixed)));
  SharingConfig whole;
  EXPECT_TRUE(PartitionLabels(whole, *a100_).empty());
  EXPECT_TRUE(SharingTaints(whole).empty());
}

TEST_F(NodeTest, PlannedNodeCarriesWhatTheSeedPodNeeds) {
  NodeTemplate t;
  t.name = "a100-mig";
  t.taints = {{"team", "ml", TaintEffect::kNoSchedule}};
  InstanceType a2;
  a2.name = "a2-highgpu-1g";
  a2.gpu_model = "A100-SXM4-40GB";
  a2.gpu_count = 1;
  a2.capacity.milli_cpu = 12000;
  a2.capacity.Set("nvidia.com/gpu", 1);
  Offering offering{CapacityType::kSpot, "us-central1-a", 1.80385};
  Node node =
      PlannedNode("planned-0", t, a2, offering, Mig("1g.5gb", 7, MigStrategy::kSingle, 4), *a100_);
  EXPECT_EQ(node.allocatable.Get("nvidia.com/gpu"), 28);
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.mig-partition-1g.5gb"), "true");
  EXPECT_EQ(node.labels.at("gpupack.io/node-template"), "a100-mig");
  ASSERT_EQ(node.taints.size(), 2U);
  EXPECT_EQ(node.taints[1].ToString(), "nvidia.com/gpu.mig=true:NoSchedule");
  EXPECT_EQ(node.gpus.size(), 1U);
  EXPECT_DOUBLE_EQ(node.price_per_hour, 1.80385);
  Pod seed = GpuPod("seed", GpuDemandKind::kMigProfile, "nvidia.com/gpu", 1, "1g.5gb");
  seed.node_selector = {{"nvidia.com/gpu.mig-partition-1g.5gb", "true"}};
  seed.tolerations = {{"", TolerationOperator::kExists, "", std::nullopt, std::nullopt}};
  EXPECT_TRUE(MatchesNodeLabels(seed, node.labels, node.name));
  EXPECT_TRUE(Tolerates(seed, node.taints));
  for (int i = 0; i < 28; ++i) {
    seed.name = "seed-" + std::to_string(i);
    ASSERT_TRUE(AllocateBoundPod(node, seed, *catalog_));
  }
  seed.name = "seed-28";
  EXPECT_FALSE(AllocateBoundPod(node, seed, *catalog_));
}

TEST_F(NodeTest, CapacityAgreesWithTheInteropCodecsForUniformNodes) {
  struct Case {
    SharingConfig sharing;
    std::vector<std::string> replicated;  // resources the device-plugin config time-slices
  };

  SharingConfig ts;
  ts.mode = SharingMode::kTimeSlicing;
  ts.replicas = 4;
  SharingConfig mixed = Mig("1g.5gb", 2, MigStrategy::kMixed);
  const gpu::MigGeometryEngine& engine = catalog_->Geometry(*a100_);
  std::vector<std::string> names = {"3g.20gb", "2g.10gb", "1g.5gb", "1g.5gb"};
  mixed.geometry = *engine.Fit(*engine.CountsFromNames(names));
  std::vector<Case> cases = {
      {ts, {"nvidia.com/gpu"}},
      {Mig("1g.5gb", 7, MigStrategy::kSingle, 4), {"nvidia.com/gpu"}},
      {Mig("1g.5gb", 7, MigStrategy::kMixed, 2), {"nvidia.com/mig-1g.5gb"}},
      {mixed, {}},
  };
  for (const Case& c : cases) {
    Node node = A100Node(c.sharing, 8);
    Result<Resources> ours = node.ExpectedGpuCapacity(*catalog_);
    ASSERT_TRUE(ours);
    gpu::NodeGpuLayout layout{8, c.sharing.IsMig(), engine.ProfileNames(c.sharing.geometry)};
    Result<gpu::AdvertisedNode> theirs =
        gpu::ComputeAdvertised(*a100_, layout,
                               gpu::MakeTimeSlicingConfig(c.sharing.mig_strategy,
                                                          c.sharing.replicas, c.replicated, false));
    ASSERT_TRUE(theirs) << theirs.error().message();
    for (const auto& [name, value] : theirs->capacity) {
      EXPECT_EQ(ours->Get(name), value) << c.sharing.Describe(*a100_) << " " << name;
    }
    for (const auto& [name, value] : ours->scalar) {
      EXPECT_EQ(theirs->capacity.at(name), value) << c.sharing.Describe(*a100_) << " " << name;
    }
  }
}

TEST_F(NodeTest, ValidateSharingRejectsWhatThePluginWouldRefuse) {
  const gpu::MigGeometryEngine& engine = catalog_->Geometry(*a100_);
  SharingConfig ts;
  ts.mode = SharingMode::kTimeSlicing;
  ts.replicas = 49;
  EXPECT_FALSE(ValidateSharing(ts, *a100_, engine));
  ts.replicas = 48;
  EXPECT_TRUE(ValidateSharing(ts, *a100_, engine));
  SharingConfig single = Mig("3g.20gb", 1, MigStrategy::kSingle);
  EXPECT_TRUE(ValidateSharing(single, *a100_, engine));
  std::vector<std::string> mixed_names = {"3g.20gb", "1g.5gb"};
  single.geometry = *engine.Fit(*engine.CountsFromNames(mixed_names));
  Status status = ValidateSharing(single, *a100_, engine);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message().find("single MIG strategy"), std::string::npos);
  const gpu::GpuModel* t4 = *catalog_->Find("T4");
  EXPECT_FALSE(ValidateSharing(Mig("1g.5gb", 1, MigStrategy::kMixed), *t4, engine));
}

TEST_F(NodeTest, BoundPodsTakeTheLowestFreeSlots) {
  Node node = A100Node(Mig("1g.5gb", 7, MigStrategy::kSingle), 2);
  // The seed form on a single-strategy node: nvidia.com/gpu: 1 is one 1g.5gb instance.
  for (int i = 0; i < 8; ++i) {
    Pod pod = GpuPod("seed-" + std::to_string(i), GpuDemandKind::kMigProfile, "nvidia.com/gpu", 1,
                     "1g.5gb");
    ASSERT_TRUE(AllocateBoundPod(node, pod, *catalog_));
  }
  EXPECT_EQ(node.gpus[0].allocations.size(), 7U);
  EXPECT_EQ(node.gpus[1].allocations.size(), 1U);
  EXPECT_EQ(node.requested.Get("nvidia.com/gpu"), 8);
  EXPECT_EQ(node.pods.size(), 8U);
}

TEST_F(NodeTest, AllocationFailsWhenTheNodeHasNoMatchingDevice) {
  Node node = A100Node(Mig("1g.5gb", 7, MigStrategy::kMixed), 1);
  Pod pod = GpuPod("whole", GpuDemandKind::kWholeGpu, "nvidia.com/gpu", 1);
  Status status = AllocateBoundPod(node, pod, *catalog_);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kResourceExhausted);
  // CPU and memory are still accounted: the pod is running there.
  EXPECT_EQ(node.requested.milli_cpu, 1000);
}

TEST_F(NodeTest, ReleaseUndoesAllocate) {
  SharingConfig ts;
  ts.mode = SharingMode::kTimeSlicing;
  ts.replicas = 4;
  Node node = A100Node(ts, 1);
  Pod pod = GpuPod("ts", GpuDemandKind::kSharedGpu, "nvidia.com/gpu", 3);
  ASSERT_TRUE(AllocateBoundPod(node, pod, *catalog_));
  EXPECT_EQ(node.gpus[0].FreeSlots(-1), 1);
  EXPECT_FALSE(node.gpus[0].IsIdle());
  ReleasePod(node, pod);
  EXPECT_TRUE(node.gpus[0].IsIdle());
  EXPECT_TRUE(node.requested.IsZero());
}

TEST_F(NodeTest, SnapshotMarksDemandsNoGpuModelCanMeet) {
  Pod unknown_profile =
      GpuPod("big", GpuDemandKind::kMigProfile, "nvidia.com/mig-9g.99gb", 1, "9g.99gb");
  Pod too_much_memory = GpuPod("mem", GpuDemandKind::kWholeGpu, "nvidia.com/gpu", 1);
  too_much_memory.gpu.gpu_memory_bytes = int64_t{200} << 30;
  Pod fine = GpuPod("ok", GpuDemandKind::kMigProfile, "nvidia.com/mig-1g.5gb", 1, "1g.5gb");
  std::vector<std::string> warnings;
  Result<ClusterSnapshot> snapshot =
      BuildSnapshot({}, {unknown_profile, too_much_memory, fine}, {}, {}, *catalog_, warnings);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->FindPod("ns/big")->unsatisfiable_reason,
            "no GPU model in the catalog has MIG profile \"9g.99gb\"");
  EXPECT_NE(snapshot->FindPod("ns/mem")->unsatisfiable_reason.find("needs 200Gi of GPU memory"),
            std::string::npos);
  ASSERT_EQ(snapshot->PendingPods().size(), 1U);
  EXPECT_EQ(snapshot->PendingPods()[0]->name, "ok");
  EXPECT_EQ(snapshot->UnsatisfiablePods().size(), 2U);
}

TEST_F(NodeTest, SnapshotAccountsBoundPodsAndWarnsAboutMissingNodes) {
  Node node = A100Node(Mig("1g.5gb", 7, MigStrategy::kMixed), 1);
  Pod bound = GpuPod("a", GpuDemandKind::kMigProfile, "nvidia.com/mig-1g.5gb", 1, "1g.5gb");
  bound.node_name = "n1";
  Pod lost = bound;
  lost.name = "b";
  lost.node_name = "gone";
  std::vector<std::string> warnings;
  Result<ClusterSnapshot> snapshot =
      BuildSnapshot({node}, {lost, bound}, {}, {}, *catalog_, warnings);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->FindNode("n1")->gpus[0].allocations.size(), 1U);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_NE(warnings[0].find("ns/b: bound to node gone"), std::string::npos);
  EXPECT_EQ(snapshot->PodsOn("n1").size(), 1U);
  EXPECT_FALSE(BuildSnapshot({node, node}, {}, {}, {}, *catalog_, warnings));
}

TEST(SnapshotFindPod, FindsPodsByKeyWhereNamespacesAndNamesShareLettersAndSlashesOrderThem) {
  // Keys that only sort right when compared as whole "namespace/name" strings: '-' sorts
  // before '/', which sorts before letters, and one namespace is a prefix of another.
  ClusterSnapshot snapshot;
  for (auto [ns, name] : std::vector<std::pair<std::string, std::string>>{
           {"a", "b"}, {"a", "bc"}, {"a-x", "b"}, {"ab", "c"}, {"b", "a"}}) {
    Pod pod;
    pod.namespace_name = ns;
    pod.name = name;
    snapshot.pods.push_back(pod);
  }
  std::sort(snapshot.pods.begin(), snapshot.pods.end(),
            [](const Pod& a, const Pod& b) { return a.Key() < b.Key(); });
  for (const Pod& pod : snapshot.pods) {
    const Pod* found = snapshot.FindPod(pod.Key());
    ASSERT_NE(found, nullptr) << pod.Key();
    EXPECT_EQ(found->Key(), pod.Key());
  }
  EXPECT_EQ(snapshot.FindPod("a/"), nullptr);
  EXPECT_EQ(snapshot.FindPod("a/bcd"), nullptr);
  EXPECT_EQ(snapshot.FindPod("a"), nullptr);
  EXPECT_EQ(snapshot.FindPod("ab/"), nullptr);
  EXPECT_EQ(snapshot.FindPod("a-x/bb"), nullptr);
  EXPECT_EQ(snapshot.FindPod(""), nullptr);
  EXPECT_EQ(snapshot.FindPod("c/a"), nullptr);
}

}  // namespace
}  // namespace gpupack::cluster
