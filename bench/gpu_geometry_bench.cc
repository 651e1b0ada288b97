// Speed of the MIG geometry engine on the operations the planner calls in its inner loops.
// Run: cmake --preset release && cmake --build build/release --target gp_gpu_bench &&
//      build/release/bench/gp_gpu_bench
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "catalog/gpu_catalog_loader.h"
#include "gpu/geometry.h"
#include "gpu/gpu_catalog.h"

namespace gpupack::gpu {
namespace {

const GpuCatalog& Catalog() {
  static const GpuCatalog catalog = [] {
    auto loaded = catalog::LoadBuiltInGpuCatalog();
    if (!loaded) {
      std::fprintf(stderr, "%s\n", loaded.error().message().c_str());
      std::abort();
    }
    return std::move(*loaded);
  }();
  return catalog;
}

const MigGeometryEngine& A100() { return **Catalog().FindGeometry("A100-SXM4-40GB"); }

ProfileCounts Counts(const MigGeometryEngine& engine, std::vector<std::string> names) {
  return *engine.CountsFromNames(names);
}

void BM_LoadBuiltInCatalog(benchmark::State& state) {
  for (auto _ : state) {
    auto catalog = catalog::LoadBuiltInGpuCatalog();
    benchmark::DoNotOptimize(catalog);
  }
}

BENCHMARK(BM_LoadBuiltInCatalog)->Unit(benchmark::kMillisecond);

void BM_EngineConstructionL7(benchmark::State& state) {
  const GpuModel& model = A100().model();
  for (auto _ : state) {
    MigGeometryEngine engine(model);
    benchmark::DoNotOptimize(engine);
  }
}

BENCHMARK(BM_EngineConstructionL7)->Unit(benchmark::kMicrosecond);

void BM_FitsLookup(benchmark::State& state) {
  const MigGeometryEngine& engine = A100();
  ProfileCounts counts = Counts(engine, {"3g.20gb", "2g.10gb", "1g.5gb", "1g.5gb"});
  for (auto _ : state) {
    benchmark::DoNotOptimize(engine.Fits(counts));
  }
}

BENCHMARK(BM_FitsLookup);

void BM_FitSearch(benchmark::State& state) {
  const MigGeometryEngine& engine = A100();
  // The backtracking case: the 3g must go to the top half.
  ProfileCounts counts = Counts(engine, {"3g.20gb", "2g.10gb", "1g.5gb", "1g.5gb"});
  for (auto _ : state) {
    auto geometry = engine.Fit(counts);
    benchmark::DoNotOptimize(geometry);
  }
}

BENCHMARK(BM_FitSearch);

void BM_PlaceAdditional(benchmark::State& state) {
  const MigGeometryEngine& engine = A100();
  size_t three = *engine.model().FindProfileIndex("3g.20gb");
  size_t one = *engine.model().FindProfileIndex("1g.5gb");
  std::vector<MigPlacement> existing = {{three, 4, 4}, {one, 0, 1}};
  for (auto _ : state) {
    auto placement = engine.PlaceAdditional(existing, one);
    benchmark::DoNotOptimize(placement);
  }
}

BENCHMARK(BM_PlaceAdditional);

void BM_BestGeometry(benchmark::State& state) {
  const MigGeometryEngine& engine = A100();
  ProfileCounts demand =
      Counts(engine, {"3g.20gb", "2g.10gb", "2g.10gb", "1g.5gb", "1g.5gb", "1g.5gb", "1g.10gb"});
  for (auto _ : state) {
    auto choice = engine.Best(demand);
    benchmark::DoNotOptimize(choice);
  }
}

BENCHMARK(BM_BestGeometry);

void BM_FindModelByProductLabel(benchmark::State& state) {
  const GpuCatalog& catalog = Catalog();
  for (auto _ : state) {
    auto model = catalog.Find("NVIDIA-H100-80GB-HBM3");
    benchmark::DoNotOptimize(model);
  }
}

BENCHMARK(BM_FindModelByProductLabel);

}  // namespace
}  // namespace gpupack::gpu

BENCHMARK_MAIN();
