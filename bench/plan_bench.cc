// The planner's speed (BENCHMARKS.md, "Planner"):
//   BM_MakePlan/<pending>/<nodes>  a whole plan for 1,000 pending pods on 100 nodes and 10,000 on
//                                  5,000 (8 A100s a node, half of them time-sliced x4, a quarter
//                                  MIG mixed, a quarter whole; about half of every node in use);
//   BM_PlaceOne                    one placement decision (Placer::Choose) on the 5,000-node /
//                                  40,000-GPU cluster, with p50 / p99 (thread CPU time) over 2,000
//                                  varied pods.
#include <algorithm>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "cluster/snapshot.h"
#include "plan/fit.h"
#include "plan/placer.h"
#include "plan/planner.h"
#include "plan/testing/fixtures.h"

namespace gpupack::plan {
namespace {

using cluster::MigStrategy;

constexpr const char* kA100 = "A100-SXM4-40GB";

const gpu::GpuCatalog& Catalog() {
  static const gpu::GpuCatalog catalog = testing::CatalogForTest();
  return catalog;
}

cluster::SharingConfig SharingOf(int node) {
  switch (node % 4) {
    case 0:
    case 1:
      return testing::TimeSliced(4);
    case 2:
      return testing::MigSharing(Catalog(), kA100, {"3g.20gb", "2g.10gb", "1g.5gb", "1g.5gb"},
                                 MigStrategy::kMixed);
    default:
      return cluster::SharingConfig{};
  }
}

// A pod that fits the kind of node `node` is (so the cluster can be filled by binding it there).
cluster::Pod PodFor(const std::string& name, int node, int variant) {
  switch (node % 4) {
    case 0:
    case 1:
      return testing::GpuPod(name, 1, std::to_string(2 + variant % 6) + "Gi", true);
    case 2: {
      const char* profiles[] = {"1g.5gb", "2g.10gb", "3g.20gb"};
      return testing::MixedMigPod(name, profiles[variant % 3]);
    }
    default:
      return testing::GpuPod(name, 1 + variant % 2);
  }
}

// CPU time of this thread: on a shared, loaded build machine wall-clock percentiles measure the
// other jobs' preemptions, not the decision.
double ThreadCpuMicros() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
}

struct Cluster {
  cluster::ClusterSnapshot snapshot;
};

// `nodes` nodes about half full, and `pending` pods of every kind.
std::unique_ptr<Cluster> MakeCluster(int nodes, int pending) {
  std::vector<cluster::Node> node_list;
  std::vector<cluster::Pod> pods;
  for (int n = 0; n < nodes; ++n) {
    std::string name = "node-" + std::to_string(100000 + n);
    node_list.push_back(
        testing::GpuNodeForTest(name, Catalog(), kA100, 8, SharingOf(n), "t", 8.0 + n % 3));
    // Time-sliced nodes get 16 of 32 replicas, MIG nodes 2 of their 4 instances per GPU's worth,
    // whole nodes 4 of 8 GPUs.
    int bound = n % 4 < 2 ? 16 : (n % 4 == 2 ? 12 : 3);
    for (int b = 0; b < bound; ++b) {
      cluster::Pod pod = PodFor("run-" + std::to_string(n) + "-" + std::to_string(b), n, b % 3);
      pod.node_name = name;
      pod.phase = cluster::PodPhase::kRunning;
      pods.push_back(std::move(pod));
    }
  }
  for (int p = 0; p < pending; ++p) {
    pods.push_back(PodFor("pending-" + std::to_string(p), p, p / 4));
  }
  std::vector<std::string> warnings;
  auto snapshot = cluster::BuildSnapshot(std::move(node_list), std::move(pods), {},
                                         cluster::InstanceCatalog(), Catalog(), warnings);
  if (!snapshot) {
    return nullptr;
  }
  return std::make_unique<Cluster>(Cluster{*std::move(snapshot)});
}

void BM_MakePlan(benchmark::State& state) {
  auto cluster = MakeCluster(static_cast<int>(state.range(1)), static_cast<int>(state.range(0)));
  if (!cluster) {
    state.SkipWithError("snapshot");
    return;
  }
  size_t placed = 0;
  for (auto _ : state) {
    auto plan = MakePlan(cluster->snapshot, Catalog(), PlanOptions{});
    if (!plan) {
      state.SkipWithError(plan.error().message().c_str());
      return;
    }
    placed = plan->placements.size();
    benchmark::DoNotOptimize(plan);
  }
  state.counters["placed"] = static_cast<double>(placed);
}

BENCHMARK(BM_MakePlan)->Args({1000, 100})->Args({10000, 5000})->Unit(benchmark::kMillisecond);

void BM_PlaceOne(benchmark::State& state) {
  auto cluster = MakeCluster(5000, 0);
  if (!cluster) {
    state.SkipWithError("snapshot");
    return;
  }
  std::vector<cluster::Pod> probes;
  for (int i = 0; i < 2000; ++i) {
    probes.push_back(PodFor("probe-" + std::to_string(i), i, i / 4));
  }
  std::vector<const cluster::Pod*> mix;
  for (const cluster::Pod& p : probes) {
    mix.push_back(&p);
  }
  FitChecker fit(Catalog());
  Placer placer(fit, PlacementPolicy::kGpupack, mix);
  std::vector<DeviceChoice> devices;
  std::vector<double> micros;
  size_t next = 0;
  for (auto _ : state) {
    const cluster::Pod& pod = probes[next++ % probes.size()];
    double start = ThreadCpuMicros();
    auto chosen = placer.Choose(pod, cluster->snapshot.nodes, devices);
    double end = ThreadCpuMicros();
    benchmark::DoNotOptimize(chosen);
    micros.push_back(end - start);
  }
  std::sort(micros.begin(), micros.end());
  state.counters["p50_cpu_us"] = micros[micros.size() / 2];
  state.counters["p99_cpu_us"] = micros[micros.size() * 99 / 100];
  state.counters["gpus"] = 40000;
}

BENCHMARK(BM_PlaceOne)->Iterations(2000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace gpupack::plan

BENCHMARK_MAIN();
