#include "sim/strategy.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "catalog/gpu_catalog_loader.h"
#include "catalog/instance_catalog_loader.h"
#include "cluster/gpu_demand.h"

namespace gpupack::sim {
namespace {

constexpr int64_t kGi = int64_t{1} << 30;

cluster::Pod SharedPod(int64_t milli, int64_t memory) {
  cluster::Pod pod;
  pod.name = "p";
  pod.namespace_name = "ns";
  pod.requests.Set(cluster::kResourceGpu, 1);
  pod.gpu.kind = cluster::GpuDemandKind::kSharedGpu;
  pod.gpu.count = 1;
  pod.gpu.resource_name = std::string(cluster::kResourceGpu);
  pod.gpu.milli_gpu = milli;
  pod.gpu.gpu_memory_bytes = memory;
  return pod;
}

TEST(StrategyTest, NamesRoundTripWithAndWithoutSpot) {
  for (Strategy strategy : AllStrategies()) {
    auto parsed = ParseStrategy(StrategyName(strategy));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->strategy, strategy);
    EXPECT_FALSE(parsed->spot);
  }
  auto spot = ParseStrategy("mig+time-slicing+spot");
  ASSERT_TRUE(spot);
  EXPECT_EQ(spot->strategy, Strategy::kMigTimeSlicing);
  EXPECT_TRUE(spot->spot);
  EXPECT_EQ(spot->Name(), "mig+time-slicing+spot");
  EXPECT_FALSE(ParseStrategy("mps"));
}

TEST(StrategyTest, DedicatedGivesASharedPodAWholeGpu) {
  auto pod = RewritePod({Strategy::kDedicated, false}, SharedPod(250, 8 * kGi), nullptr, {});
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->gpu.kind, cluster::GpuDemandKind::kWholeGpu);
  EXPECT_EQ(pod->requests.Get(cluster::kResourceGpu), 1);
}

TEST(StrategyTest, MigPicksTheSmallestProfileWithEnoughComputeAndMemory) {
  auto catalog = catalog::LoadBuiltInGpuCatalog();
  ASSERT_TRUE(catalog);
  auto model = catalog->Find("A100-SXM4-40GB");
  ASSERT_TRUE(model);
  auto small = RewritePod({Strategy::kMig, false}, SharedPod(100, 4 * kGi), *model, {});
  ASSERT_TRUE(small);
  EXPECT_EQ(small->gpu.mig_profile, "1g.5gb");
  EXPECT_EQ(small->requests.Get("nvidia.com/mig-1g.5gb"), 1);
  EXPECT_EQ(small->requests.Get(cluster::kResourceGpu), 0);
  auto wide = RewritePod({Strategy::kMig, false}, SharedPod(400, 4 * kGi), *model, {});
  ASSERT_TRUE(wide);
  EXPECT_EQ(wide->gpu.mig_profile, "3g.20gb");
  // Under mig+time-slicing an instance holding two such replicas, where that packs denser.
  auto sliced = RewritePod({Strategy::kMigTimeSlicing, false}, SharedPod(50, 2 * kGi), *model, {});
  ASSERT_TRUE(sliced);
  EXPECT_EQ(sliced->gpu.mig_profile, "1g.5gb");
  EXPECT_TRUE(sliced->gpu.time_sliced);
  // Halves of 3g.20gb host 4 per GPU, whole 2g.10gb 3: it shares.
  auto pair = RewritePod({Strategy::kMigTimeSlicing, false}, SharedPod(200, 8 * kGi), *model, {});
  ASSERT_TRUE(pair);
  EXPECT_EQ(pair->gpu.mig_profile, "3g.20gb");
  EXPECT_TRUE(pair->gpu.time_sliced);
  // Whole 1g.5gb host 7 per GPU, halves of 2g.10gb 6: it keeps an instance of its own.
  auto own = RewritePod({Strategy::kMigTimeSlicing, false}, SharedPod(100, 4 * kGi), *model, {});
  ASSERT_TRUE(own);
  EXPECT_EQ(own->gpu.mig_profile, "1g.5gb");
  EXPECT_FALSE(own->gpu.time_sliced);
  auto alone = RewritePod({Strategy::kMigTimeSlicing, false}, SharedPod(100, 25 * kGi), *model, {});
  ASSERT_TRUE(alone);
  EXPECT_EQ(alone->gpu.mig_profile, "7g.40gb");
  EXPECT_FALSE(alone->gpu.time_sliced);
  EXPECT_FALSE(RewritePod({Strategy::kMig, false}, SharedPod(100, 60 * kGi), *model, {}));
}

TEST(StrategyTest, EveryStrategyKeepsAWholeGpuTemplate) {
  cluster::NodeTemplate base;
  base.name = "gpu";
  auto dedicated = StrategyTemplates({Strategy::kDedicated, false}, {&base, 1}, true);
  ASSERT_EQ(dedicated.size(), 1u);
  EXPECT_FALSE(dedicated[0].time_slicing.enabled);
  auto mig = StrategyTemplates({Strategy::kMigTimeSlicing, true}, {&base, 1}, true);
  ASSERT_EQ(mig.size(), 2u);
  EXPECT_EQ(mig[0].name, "gpu");
  EXPECT_EQ(mig[1].name, "gpu-mig-time-slicing");
  EXPECT_TRUE(mig[1].mig.enabled);
  EXPECT_TRUE(mig[1].time_slicing.enabled);
  EXPECT_EQ(mig[1].capacity_types.size(), 2u);
  // The copies spend the original's limits, not a budget each.
  EXPECT_EQ(mig[0].LimitsGroup(), "gpu");
  EXPECT_EQ(mig[1].LimitsGroup(), "gpu");
  // Without whole-GPU pods only the shared copy is bought from.
  auto sliced = StrategyTemplates({Strategy::kTimeSlicing, false}, {&base, 1}, false);
  ASSERT_EQ(sliced.size(), 1u);
  EXPECT_EQ(sliced[0].name, "gpu-time-slicing");
}

TEST(StrategyTest, SharedPodsArePinnedToTheSharedCopiesAndWholeOnesToTheOriginals) {
  cluster::NodeTemplate base;
  base.name = "gpu";
  auto pod = RewritePod({Strategy::kTimeSlicing, false}, SharedPod(250, kGi), nullptr, {&base, 1});
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->RequiredNodeTemplate(), "gpu-time-slicing");
  cluster::Pod whole = SharedPod(0, 0);
  whole.gpu.kind = cluster::GpuDemandKind::kWholeGpu;
  auto kept = RewritePod({Strategy::kTimeSlicing, false}, whole, nullptr, {&base, 1});
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->RequiredNodeTemplate(), "gpu");  // no time-sliced replica for a whole-GPU pod
  auto dedicated = RewritePod({Strategy::kDedicated, false}, whole, nullptr, {&base, 1});
  ASSERT_TRUE(dedicated);
  EXPECT_FALSE(dedicated->RequiredNodeTemplate());
}

TEST(StrategyTest, AutoPinsPodsWithoutAGpuToTheOriginalsWithTheWholeGpuPods) {
  cluster::NodeTemplate base;
  base.name = "gpu";
  cluster::Pod cpu_only;
  cpu_only.name = "c";
  cpu_only.namespace_name = "ns";
  cpu_only.requests.milli_cpu = 1000;
  auto pinned = RewritePod({Strategy::kAuto, false}, cpu_only, nullptr, {&base, 1});
  ASSERT_TRUE(pinned);
  EXPECT_EQ(pinned->RequiredNodeTemplate(), "gpu");
  auto free = RewritePod({Strategy::kTimeSlicing, false}, cpu_only, nullptr, {&base, 1});
  ASSERT_TRUE(free);
  EXPECT_FALSE(free->RequiredNodeTemplate());
}

// The built-in GPU catalog and AWS's instance types.
struct Catalogs {
  gpu::GpuCatalog gpus;
  cluster::InstanceCatalog instances;
};

Catalogs LoadCatalogs() {
  auto gpus = catalog::LoadBuiltInGpuCatalog();
  EXPECT_TRUE(gpus);
  auto instances = catalog::LoadInstanceCatalog("aws", *gpus);
  EXPECT_TRUE(instances) << instances.error().message();
  return {std::move(*gpus), std::move(*instances)};
}

// The cheapest GPU of a template allowing `types` (globs) on AWS.
CheapestGpu CheapestOf(const Catalogs& catalogs, std::vector<std::string> types) {
  cluster::NodeTemplate node_template;
  node_template.name = "t";
  node_template.instance_types = std::move(types);
  return FindCheapestGpu({&node_template, 1}, catalogs.instances, catalogs.gpus);
}

std::vector<std::string> NamesOf(const CheapestGpu& cheapest) {
  std::vector<std::string> names;
  for (const cluster::InstanceType& type : cheapest.types) {
    names.push_back(type.name);
  }
  return names;
}

TEST(StrategyTest, AutoLendsASharedPodTheWholeGpusOfTheCheapestGpusInstanceTypesOnly) {
  Catalogs catalogs = LoadCatalogs();
  cluster::NodeTemplate base;
  base.name = "gpu";
  auto labels = [](const std::string& node_template, const std::string& type) {
    return cluster::Labels{{std::string(cluster::kLabelNodeTemplate), node_template},
                           {std::string(cluster::kLabelInstanceType), type},
                           {"team", "a"}};
  };
  cluster::Pod shared = SharedPod(250, kGi);
  shared.node_selector["team"] = "a";  // other requirements hold for both kinds of node
  const PodRewriter rewriter({Strategy::kAuto, false}, nullptr, {&base, 1},
                             CheapestOf(catalogs, {"g6.xlarge"}));
  auto pod = rewriter.Rewrite(shared);
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->gpu.kind, cluster::GpuDemandKind::kSharedGpu);
  EXPECT_TRUE(cluster::MatchesNodeLabels(*pod, labels("gpu-auto-ts", "p4d.24xlarge")));
  EXPECT_TRUE(cluster::MatchesNodeLabels(*pod, labels("gpu", "g6.xlarge")));
  EXPECT_FALSE(cluster::MatchesNodeLabels(*pod, labels("gpu", "p4d.24xlarge")));
  cluster::Labels other_team = labels("gpu", "g6.xlarge");
  other_team["team"] = "b";
  EXPECT_FALSE(cluster::MatchesNodeLabels(*pod, other_team));
  // Whole-GPU pods, and the other strategies, are pinned as before.
  cluster::Pod whole = SharedPod(0, 0);
  whole.gpu.kind = cluster::GpuDemandKind::kWholeGpu;
  auto kept = rewriter.Rewrite(whole);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->RequiredNodeTemplate(), "gpu");
  const PodRewriter sliced({Strategy::kTimeSlicing, false}, nullptr, {&base, 1},
                           CheapestOf(catalogs, {"g6.xlarge"}));
  auto only_copies = sliced.Rewrite(shared);
  ASSERT_TRUE(only_copies);
  EXPECT_FALSE(cluster::MatchesNodeLabels(*only_copies, labels("gpu", "g6.xlarge")));
  EXPECT_EQ(only_copies->RequiredNodeTemplate(), "gpu-time-slicing");
}

TEST(StrategyTest, AutoGivesAWholeGpuToASharedPodWhoseCpuLeavesTimeSlicingLittleToGain) {
  Catalogs catalogs = LoadCatalogs();
  cluster::NodeTemplate base;
  base.name = "gpu";
  const PodRewriter rewriter({Strategy::kAuto, false}, nullptr, {&base, 1},
                             CheapestOf(catalogs, {"p4d.*"}));
  // 0.4 of an A100 and 10 of a p4d's 96 CPUs: 9 a node time-sliced, 8 whole.
  cluster::Pod heavy = SharedPod(400, 8 * kGi);
  heavy.requests.milli_cpu = 10000;
  heavy.requests.memory_bytes = 40 * kGi;
  auto whole = rewriter.Rewrite(heavy);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->gpu.kind, cluster::GpuDemandKind::kWholeGpu);
  EXPECT_EQ(whole->RequiredNodeTemplate(), "gpu");
  // With 4 CPUs, 16 time-sliced (two replicas a GPU) against 8 whole: shared.
  cluster::Pod light = heavy;
  light.requests.milli_cpu = 4000;
  auto shared = rewriter.Rewrite(light);
  ASSERT_TRUE(shared);
  EXPECT_EQ(shared->gpu.kind, cluster::GpuDemandKind::kSharedGpu);
  // Time-slicing itself keeps both shared: it is what that strategy measures.
  const PodRewriter sliced({Strategy::kTimeSlicing, false}, nullptr, {&base, 1},
                           CheapestOf(catalogs, {"p4d.*"}));
  auto kept = sliced.Rewrite(heavy);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->gpu.kind, cluster::GpuDemandKind::kSharedGpu);
}

TEST(StrategyTest, TheCheapestGpuIsTheModelWithTheCheapestGpuHourWithItsInstanceTypes) {
  Catalogs catalogs = LoadCatalogs();
  CheapestGpu mixed = CheapestOf(catalogs, {"p4d.*", "g6.*"});
  ASSERT_NE(mixed.model, nullptr);
  EXPECT_EQ(mixed.model->name, "L4");  // not the dearer A100s
  std::vector<std::string> names = NamesOf(mixed);
  ASSERT_FALSE(names.empty());
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const std::string& name : names) {
    EXPECT_TRUE(name.starts_with("g6.")) << name;
  }
  EXPECT_EQ(NamesOf(CheapestOf(catalogs, {"p4d.*"})), std::vector<std::string>{"p4d.24xlarge"});
  EXPECT_EQ(CheapestOf(catalogs, {"no-such-type"}).model, nullptr);
}

// The values of the pod's required gpupack.io/node-template affinity, empty when it has none.
std::vector<std::string> PinnedTemplates(const cluster::Pod& pod) {
  if (!pod.required_affinity || pod.required_affinity->terms.empty()) {
    return {};
  }
  for (const auto& requirement : pod.required_affinity->terms[0].match_expressions) {
    if (requirement.key == cluster::kLabelNodeTemplate) {
      return requirement.values;
    }
  }
  return {};
}

TEST(StrategyTest, APodPinningATemplateIsPinnedToThatTemplatesCopiesThatServeIt) {
  cluster::NodeTemplate pinned;
  pinned.name = "ts";
  pinned.time_slicing.enabled = true;
  pinned.time_slicing.shared_clients_per_gpu = 4;
  cluster::NodeTemplate other;
  other.name = "other";
  std::vector<cluster::NodeTemplate> base = {other, pinned};
  // nvidia.com/gpu on the time-sliced template it pins: a replica (RefineForTemplate).
  cluster::Pod pod = SharedPod(0, 6 * kGi);
  pod.gpu.kind = cluster::GpuDemandKind::kWholeGpu;
  pod.gpu.form = cluster::GpuRequestForm::kGpuResource;
  pod.node_selector[std::string(cluster::kLabelNodeTemplate)] = "ts";
  auto sliced = RewritePod({Strategy::kTimeSlicing, false}, pod, nullptr, base);
  ASSERT_TRUE(sliced);
  EXPECT_EQ(sliced->gpu.kind, cluster::GpuDemandKind::kSharedGpu);
  EXPECT_EQ(sliced->RequiredNodeTemplate(), "ts-time-slicing");
  auto automatic = RewritePod({Strategy::kAuto, false}, pod, nullptr, base);
  ASSERT_TRUE(automatic);
  EXPECT_EQ(PinnedTemplates(*automatic),
            (std::vector<std::string>{"ts-auto-mig", "ts-auto-mig-ts", "ts-auto-ts"}));
  auto dedicated = RewritePod({Strategy::kDedicated, false}, pod, nullptr, base);
  ASSERT_TRUE(dedicated);
  EXPECT_EQ(dedicated->gpu.kind, cluster::GpuDemandKind::kWholeGpu);
  EXPECT_EQ(dedicated->RequiredNodeTemplate(), "ts");  // the original, sharing off
  // A pin through required affinity is mapped the same way, other requirements kept.
  cluster::Pod by_affinity = pod;
  by_affinity.node_selector.clear();
  by_affinity.required_affinity = cluster::NodeSelector{{cluster::NodeSelectorTerm{
      {{std::string(cluster::kLabelNodeTemplate), cluster::SelectorOperator::kIn, {"ts"}},
       {"zone", cluster::SelectorOperator::kIn, {"a"}}},
      {}}}};
  auto mapped = RewritePod({Strategy::kTimeSlicing, false}, by_affinity, nullptr, base);
  ASSERT_TRUE(mapped);
  EXPECT_EQ(mapped->RequiredNodeTemplate(), "ts-time-slicing");
  EXPECT_EQ(mapped->RequiredLabelValue("zone"), "a");
}

TEST(StrategyTest, APodThatNoLongerAsksForAMigInstanceLosesTheMigInterface) {
  auto gpus = catalog::LoadBuiltInGpuCatalog();
  ASSERT_TRUE(gpus);
  auto model = gpus->Find("A100-SXM4-40GB");
  ASSERT_TRUE(model);
  // The seed's MIG form: partition selector, MIG toleration, nvidia.com/gpu.
  cluster::Pod pod = SharedPod(0, 0);
  pod.gpu.kind = cluster::GpuDemandKind::kMigProfile;
  pod.gpu.form = cluster::GpuRequestForm::kMigSelector;
  pod.gpu.mig_profile = "1g.5gb";
  pod.node_selector["nvidia.com/gpu.mig-partition-1g.5gb"] = "true";
  pod.tolerations.push_back(
      {std::string(cluster::kTaintMig), cluster::TolerationOperator::kExists, "", {}, {}});
  for (Strategy strategy : {Strategy::kDedicated, Strategy::kTimeSlicing}) {
    auto rewritten = RewritePod({strategy, false}, pod, *model, {});
    ASSERT_TRUE(rewritten);
    EXPECT_NE(rewritten->gpu.kind, cluster::GpuDemandKind::kMigProfile);
    EXPECT_TRUE(rewritten->node_selector.empty()) << StrategyName(strategy);
    EXPECT_TRUE(rewritten->tolerations.empty()) << StrategyName(strategy);
  }
  // Under mig the profile is named by the resource; the toleration stays.
  auto mig = RewritePod({Strategy::kMig, false}, pod, *model, {});
  ASSERT_TRUE(mig);
  EXPECT_EQ(mig->requests.Get("nvidia.com/mig-1g.5gb"), 1);
  EXPECT_TRUE(mig->node_selector.empty());
  EXPECT_EQ(mig->tolerations.size(), 1u);
}

TEST(StrategyTest, ATimeSlicedMigReplicaIsSizedAsItsShareOfTheInstance) {
  auto gpus = catalog::LoadBuiltInGpuCatalog();
  ASSERT_TRUE(gpus);
  auto model = gpus->Find("A100-SXM4-40GB");
  ASSERT_TRUE(model);
  cluster::NodeTemplate base;
  base.name = "mig-ts";
  base.mig.enabled = true;
  base.time_slicing.enabled = true;
  base.time_slicing.shared_clients_per_gpu = 4;
  cluster::Pod pod = SharedPod(0, 0);
  pod.gpu.kind = cluster::GpuDemandKind::kMigProfile;
  pod.gpu.mig_profile = "1g.5gb";
  pod.node_selector[std::string(cluster::kLabelNodeTemplate)] = "mig-ts";
  // A quarter of a 1g.5gb instance: two of them fit one, so it stays a 1g.5gb replica.
  auto rewritten = RewritePod({Strategy::kMigTimeSlicing, false}, pod, *model, {&base, 1});
  ASSERT_TRUE(rewritten);
  EXPECT_EQ(rewritten->gpu.mig_profile, "1g.5gb");
  EXPECT_TRUE(rewritten->gpu.time_sliced);
  EXPECT_EQ(rewritten->gpu.milli_gpu, 1000 / 7 / 4);
  EXPECT_NEAR(GpusNeeded(pod, *model, {&base, 1}), 1.0 / 28, 1e-9);
  EXPECT_NEAR(GpusNeeded(pod, *model), 1.0 / 7, 1e-9);  // unpinned: the whole instance
}

TEST(StrategyTest, AutoSizesSharedPodsAndKeepsThemOffWholeGpuTemplates) {
  cluster::NodeTemplate base;
  base.name = "gpu";
  StrategyChoice automatic{Strategy::kAuto, false};
  auto shared = RewritePod(automatic, SharedPod(250, kGi), nullptr, {&base, 1});
  ASSERT_TRUE(shared);
  EXPECT_EQ(shared->gpu.kind, cluster::GpuDemandKind::kSharedGpu);
  EXPECT_EQ(shared->gpu.milli_gpu, 250);
  EXPECT_EQ(shared->requests.Get(cluster::kResourceGpu), 1);
  EXPECT_EQ(PinnedTemplates(*shared),
            (std::vector<std::string>{"gpu-auto-mig", "gpu-auto-mig-ts", "gpu-auto-ts"}));
  // More than half a GPU shares it with nobody: a whole GPU, on the sharing-off original.
  auto large = RewritePod(automatic, SharedPod(800, kGi), nullptr, {&base, 1});
  ASSERT_TRUE(large);
  EXPECT_EQ(large->gpu.kind, cluster::GpuDemandKind::kWholeGpu);
  EXPECT_EQ(PinnedTemplates(*large), (std::vector<std::string>{"gpu"}));
  // The auto copies cut MIG under the single strategy, which advertises nvidia.com/gpu.
  auto templates = StrategyTemplates(automatic, {&base, 1}, true);
  ASSERT_EQ(templates.size(), 4u);
  EXPECT_EQ(templates[1].name, "gpu-auto-mig");
  EXPECT_EQ(templates[1].mig.strategy, cluster::MigStrategy::kSingle);
}

}  // namespace
}  // namespace gpupack::sim
