// Speed of the simulator (BENCHMARKS.md, "Simulator"): simulated events per second on one core,
// and a long, large run. Synthetic workload: shared inference pods (a quarter GPU, 8 GiB) with
// Poisson arrivals and exponential run times on one p4d template, under time-slicing.
//
//   sim_bench --benchmark_filter=Events     the events/s figure (a day, 2,000 pods)
//   sim_bench --benchmark_filter=Week       a week of 100,000 pods on ~1,000 nodes (slow)
#include <cstdio>
#include <ctime>
#include <optional>

#include <benchmark/benchmark.h>

#include "catalog/gpu_catalog_loader.h"
#include "catalog/instance_catalog_loader.h"
#include "cluster/gpu_demand.h"
#include "common/rng.h"
#include "sim/simulation.h"

namespace gpupack::sim {
namespace {

constexpr int64_t kGi = int64_t{1} << 30;

Scenario MakeScenario(int pods, Duration length, Duration mean_run) {
  Scenario scenario;
  scenario.name = "bench";
  cluster::NodeTemplate node_template;
  node_template.name = "a100";
  node_template.instance_types = {"p4d.24xlarge"};
  scenario.templates = {node_template};
  scenario.length = length;
  Rng rng(1);
  double gap = static_cast<double>(length.count()) / pods;
  double at = 0;
  for (int i = 0; i < pods; ++i) {
    at += rng.Exponential(gap);
    PodArrival arrival;
    arrival.at = Duration{static_cast<int64_t>(at)};
    arrival.run_for =
        Duration{static_cast<int64_t>(rng.Exponential(static_cast<double>(mean_run.count())))};
    cluster::Pod& pod = arrival.pod;
    char name[32];
    std::snprintf(name, sizeof name, "p-%07d", i);
    pod.name = name;
    pod.namespace_name = "bench";
    pod.requests.milli_cpu = 500;
    pod.requests.memory_bytes = kGi;
    pod.requests.pods = 1;
    pod.requests.Set(cluster::kResourceGpu, 1);
    pod.gpu.kind = cluster::GpuDemandKind::kSharedGpu;
    pod.gpu.form = cluster::GpuRequestForm::kGpuResource;
    pod.gpu.count = 1;
    pod.gpu.resource_name = std::string(cluster::kResourceGpu);
    pod.gpu.milli_gpu = 250;
    pod.gpu.gpu_memory_bytes = 8 * kGi;
    scenario.workload.arrivals.push_back(std::move(arrival));
  }
  return scenario;
}

// `report_progress`: a line on stderr per tenth of simulated time with the CPU seconds so far,
// so a run stopped early still tells how far it got.
void RunScenario(benchmark::State& state, const Scenario& scenario, bool report_progress) {
  auto gpus = catalog::LoadBuiltInGpuCatalog();
  auto instances = catalog::LoadInstanceCatalog("aws", *gpus);
  SimulationOptions options;
  options.strategy = StrategyChoice{Strategy::kTimeSlicing, false};
  options.lower_bound = false;
  int tenths = 0;
  if (report_progress) {
    options.progress = [&tenths](double done) {
      if (done * 10 >= tenths + 1) {
        tenths = static_cast<int>(done * 10);
        std::fprintf(stderr, "simulated %d%% after %.1f s CPU\n", tenths * 10,
                     static_cast<double>(std::clock()) / CLOCKS_PER_SEC);
      }
    };
  }
  int64_t events = 0;
  int64_t plans = 0;
  double peak = 0;
  for (auto _ : state) {
    auto result = Simulate(scenario, *instances, *gpus, options);
    if (!result) {
      state.SkipWithError(result.error().message().c_str());
      return;
    }
    events += result->events;
    plans += result->plans;
    peak = result->peak_gpus;
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["events"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kAvgIterations);
  state.counters["plans"] =
      benchmark::Counter(static_cast<double>(plans), benchmark::Counter::kAvgIterations);
  state.counters["peak_gpus"] = peak;
}

void BM_SimulatorEvents(benchmark::State& state) {
  RunScenario(
      state,
      MakeScenario(static_cast<int>(state.range(0)), std::chrono::hours(24), std::chrono::hours(2)),
      false);
}

BENCHMARK(BM_SimulatorEvents)->Arg(2000)->Unit(benchmark::kMillisecond);

// 100,000 pods over a week, each running 54 h on average: about 32,000 run at once from the
// third day, a quarter GPU each, on about 1,000 p4d nodes (8 GPUs). The 10,000-pod run (about
// 100 nodes) is the quick one to iterate on.
void BM_SimulatorWeek(benchmark::State& state) {
  RunScenario(state,
              MakeScenario(static_cast<int>(state.range(0)), std::chrono::hours(24 * 7),
                           std::chrono::hours(54)),
              true);
}

BENCHMARK(BM_SimulatorWeek)->Arg(100000)->Arg(10000)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace gpupack::sim

BENCHMARK_MAIN();
