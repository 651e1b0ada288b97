// The provisioner and lower bound on 20,000 pending pods (BENCHMARKS.md, "Provisioner").
//
// 20,000 pods in 40 classes (whole GPUs of 1, 2 or 4; time-sliced replicas with 2-10Gi of GPU
// memory; MIG 1g.5gb / 2g.10gb / 3g.20gb under the mixed strategy; varied CPU requests) over
// three templates on the built-in AWS catalog, no existing nodes.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "catalog/gpu_catalog_loader.h"
#include "catalog/instance_catalog_loader.h"
#include "cluster/snapshot.h"
#include "plan/lower_bound.h"
#include "plan/provisioner.h"

namespace gpupack::plan {
namespace {

constexpr int64_t kGi = int64_t{1} << 30;

struct Fixture {
  gpu::GpuCatalog gpus;
  cluster::ClusterSnapshot snapshot;
  std::vector<const cluster::Pod*> pending;
};

cluster::Pod MakePod(int index, int kind) {
  cluster::Pod pod;
  pod.name = "p" + std::to_string(index);
  pod.namespace_name = "bench";
  pod.requests.milli_cpu = 250 * (1 + kind % 4);
  pod.requests.memory_bytes = kGi * (1 + kind % 3);
  pod.requests.pods = 1;
  cluster::Toleration mig{"nvidia.com/gpu.mig", cluster::TolerationOperator::kExists, "",
                          cluster::TaintEffect::kNoSchedule, std::nullopt};
  switch (kind % 4) {
    case 0:
      pod.requests.Set("nvidia.com/gpu", 1 << (kind / 4 % 3));
      pod.node_selector["gpupack.io/node-template"] = "whole";
      break;
    case 1:
      pod.requests.Set("nvidia.com/gpu", 1);
      pod.node_selector["gpupack.io/node-template"] = "shared";
      pod.annotations["gpupack.io/gpu-memory"] = std::to_string(2 + kind % 9) + "Gi";
      break;
    case 2: {
      const char* profiles[] = {"1g.5gb", "2g.10gb", "3g.20gb"};
      pod.requests.Set(std::string("nvidia.com/mig-") + profiles[kind / 4 % 3], 1);
      pod.tolerations.push_back(mig);
      break;
    }
    default:
      pod.requests.Set("nvidia.com/gpu", 1);
      pod.node_selector["gpupack.io/node-template"] = "whole";
      break;
  }
  return pod;
}

Fixture* Build() {
  auto gpus = catalog::LoadBuiltInGpuCatalog();
  auto instances = catalog::LoadInstanceCatalog("aws", *gpus);
  if (!gpus || !instances) {
    std::fprintf(stderr, "cannot load the built-in catalogs\n");
    std::exit(1);
  }
  std::vector<cluster::NodeTemplate> templates(3);
  templates[0].name = "whole";
  templates[0].capacity_types = {cluster::CapacityType::kSpot, cluster::CapacityType::kOnDemand};
  templates[1].name = "shared";
  templates[1].time_slicing.enabled = true;
  templates[2].name = "mig";
  templates[2].mig.enabled = true;
  templates[2].mig.strategy = cluster::MigStrategy::kMixed;
  std::vector<cluster::Pod> pods;
  for (int i = 0; i < 20000; ++i) {
    pods.push_back(MakePod(i, i % 40));
  }
  for (cluster::Pod& pod : pods) {
    (void)cluster::RecognizeGpuDemand(pod);
  }
  std::vector<std::string> warnings;
  auto snapshot = cluster::BuildSnapshot({}, std::move(pods), std::move(templates),
                                         std::move(*instances), *gpus, warnings);
  if (!snapshot) {
    std::fprintf(stderr, "%s\n", snapshot.error().message().c_str());
    std::exit(1);
  }
  auto* fixture = new Fixture{std::move(*gpus), std::move(*snapshot), {}};
  fixture->pending = fixture->snapshot.PendingPods();
  return fixture;
}

Fixture& Shared() {
  static Fixture* fixture = Build();
  return *fixture;
}

void BM_Provision20kPods(benchmark::State& state) {
  Fixture& fixture = Shared();
  ProvisionRequest request{&fixture.snapshot, fixture.pending, &fixture.gpus, {}};
  double cost = 0;
  size_t unschedulable = 0;
  for (auto _ : state) {
    auto result = ProvisionNodes(request);
    cost = 0;
    int nodes = 0;
    for (const Provision& provision : result->provisions) {
      cost += provision.price_per_hour * provision.count;
      nodes += provision.count;
    }
    unschedulable = result->unschedulable.size();
    state.counters["nodes"] = nodes;
    benchmark::DoNotOptimize(result);
  }
  state.counters["cost_per_hour"] = cost;
  state.counters["unschedulable"] = static_cast<double>(unschedulable);
}

BENCHMARK(BM_Provision20kPods)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_LowerBound20kPods(benchmark::State& state) {
  Fixture& fixture = Shared();
  double bound = 0;
  for (auto _ : state) {
    auto result = LowerBoundCostPerHour(fixture.snapshot, fixture.pending, fixture.gpus, {});
    if (!result) {
      state.SkipWithError(result.error().message().c_str());
      return;
    }
    bound = *result;
  }
  state.counters["bound_per_hour"] = bound;
}

BENCHMARK(BM_LowerBound20kPods)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace gpupack::plan
