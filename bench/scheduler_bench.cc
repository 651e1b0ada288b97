// gpupack as a scheduler, end to end over HTTPS: 5,000 ready 8-GPU nodes (2/5 whole GPUs, 2/5
// time-sliced x4, 1/5 MIG 1g.5gb) in the loopback API server, 10,000 pending pods with
// schedulerName gpupack (2/5 whole GPU, 2/5 a time-sliced replica, 1/5 a MIG 1g.5gb instance).
// One iteration: read the snapshot through HttpKubeClient (paged lists, ReadKubeObjects,
// BuildSnapshot), place every pod with the gpupack policy, re-check each target node (one list
// per node) and bind every pod through pods/binding. The API server runs in the same process on
// the same cores, so its TLS and JSON work is in the figures too.
//
// Counters: binds_per_s (bindings over the whole cycle's wall time, snapshot included),
// bind_phase_per_s (RunOnce alone: placement, re-checks, bindings), snapshot_s, cpu_s (process
// CPU time of the cycle: client, server and TLS on both sides), bind_cpu_s and binds_per_cpu_s
// (the same for RunOnce alone: on a loaded shared machine the CPU figures are the ones to read).
// Results: BENCHMARKS.md, "Scheduler".
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include "catalog/gpu_catalog_loader.h"
#include "common/check.h"
#include "controller/scheduler.h"
#include "kube/http_kube_client.h"
#include "kube/testing/loopback_api_server.h"

namespace gpupack::controller {
namespace {

constexpr int kNodes = 5000;
constexpr int kPods = 10000;

const gpu::GpuCatalog& Catalog() {
  static const gpu::GpuCatalog& catalog = *[] {
    static Result<gpu::GpuCatalog> loaded = catalog::LoadBuiltInGpuCatalog();
    GP_CHECK(loaded.has_value(), "the built-in GPU catalog loads");
    return &*loaded;
  }();
  return catalog;
}

nlohmann::json Node(int index) {
  nlohmann::json labels = {{"nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB"},
                           {"nvidia.com/gpu.count", "8"}};
  nlohmann::json allocatable = {{"cpu", "96"}, {"memory", "1Ti"}, {"pods", "110"}};
  nlohmann::json taints = nlohmann::json::array();
  switch (index % 5) {
    case 0:
    case 1:
      allocatable["nvidia.com/gpu"] = "8";
      break;
    case 2:
    case 3:
      labels["nvidia.com/gpu.replicas"] = "4";
      allocatable["nvidia.com/gpu.shared"] = "32";
      break;
    default:
      labels["nvidia.com/mig.strategy"] = "mixed";
      allocatable["nvidia.com/mig-1g.5gb"] = "56";
      taints.push_back(
          {{"key", "nvidia.com/gpu.mig"}, {"value", "true"}, {"effect", "NoSchedule"}});
  }
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", "gpu-node-" + std::to_string(index)}, {"labels", labels}}},
          {"spec", {{"taints", taints}}},
          {"status",
           {{"capacity", allocatable},
            {"allocatable", allocatable},
            {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

nlohmann::json Pod(int index) {
  static const char* const kResources[] = {"nvidia.com/gpu", "nvidia.com/gpu",
                                           "nvidia.com/gpu.shared", "nvidia.com/gpu.shared",
                                           "nvidia.com/mig-1g.5gb"};
  std::string resource = kResources[index % 5];
  nlohmann::json spec = {
      {"schedulerName", "gpupack"},
      {"containers",
       {{{"name", "main"},
         {"image", "nvcr.io/nvidia/pytorch:24.05-py3"},
         {"resources",
          {{"requests",
            {{"cpu", std::to_string(1 + index % 4)}, {"memory", "4Gi"}, {resource, "1"}}},
           {"limits", {{resource, "1"}}}}}}}}};
  if (index % 5 == 4) {
    spec["tolerations"] = {{{"key", "nvidia.com/gpu.mig"}, {"operator", "Exists"}}};
  }
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", "job-" + std::to_string(index)},
            {"namespace", "ml"},
            {"creationTimestamp", "2026-11-24T10:00:00Z"}}},
          {"spec", spec},
          {"status", {{"phase", "Pending"}}}};
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& time) {
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void BM_ScheduleOverHttps(benchmark::State& state) {
  const int workers = static_cast<int>(state.range(0));
  std::ifstream ca(std::string(GP_KUBE_TESTDATA) + "/ca.crt");
  std::stringstream pem;
  pem << ca.rdbuf();
  for (auto _ : state) {
    state.PauseTiming();
    kube::testing::LoopbackApiServerOptions server_options;
    // One server thread per client connection, so no connection waits for a free one.
    server_options.threads = workers + 2;
    server_options.keep_alive_seconds = 5;
    kube::testing::LoopbackApiServer server(GP_KUBE_TESTDATA, server_options);
    server.RequireToken("bench-token");
    for (int i = 0; i < kNodes; ++i) {
      server.fake().Seed(kube::NodesResource(), Node(i));
    }
    for (int i = 0; i < kPods; ++i) {
      server.fake().Seed(kube::PodsResource(), Pod(i));
    }
    kube::ClusterConfig config;
    config.server = server.Url();
    config.ca_pem = pem.str();
    config.token = "bench-token";
    config.source = "bench";
    Result<std::unique_ptr<kube::HttpKubeClient>> client =
        kube::HttpKubeClient::Create(config, kube::HttpClientOptions());
    GP_CHECK(client.has_value(), "the client is created");
    state.ResumeTiming();

    double cpu_start = CpuSeconds();
    auto start = std::chrono::steady_clock::now();
    std::vector<std::string> warnings;
    Result<cluster::ClusterSnapshot> snapshot = ListClusterSnapshot(**client, Catalog(), warnings);
    GP_CHECK(snapshot.has_value() && warnings.empty(), "the snapshot reads cleanly");
    double snapshot_seconds = Since(start);
    double snapshot_cpu_seconds = CpuSeconds() - cpu_start;

    SchedulerOptions options;
    options.bind_workers = workers;
    Scheduler scheduler(**client, Catalog(), options);
    auto bind_start = std::chrono::steady_clock::now();
    Result<ScheduleReport> report = scheduler.RunOnce(*snapshot);
    double bind_seconds = Since(bind_start);
    double total_seconds = Since(start);
    double cpu_seconds = CpuSeconds() - cpu_start;
    GP_CHECK(report.has_value() && report->bound == kPods && report->failed == 0,
             "every pod is bound");

    state.counters["binds_per_s"] = static_cast<double>(report->bound) / total_seconds;
    state.counters["bind_phase_per_s"] = static_cast<double>(report->bound) / bind_seconds;
    state.counters["snapshot_s"] = snapshot_seconds;
    state.counters["cpu_s"] = cpu_seconds;
    state.counters["bind_cpu_s"] = cpu_seconds - snapshot_cpu_seconds;
    state.counters["binds_per_cpu_s"] =
        static_cast<double>(report->bound) / (cpu_seconds - snapshot_cpu_seconds);
    state.counters["requests"] = static_cast<double>(server.RequestCount());
    state.PauseTiming();
    client->reset();  // closes its connections before the server stops
    state.ResumeTiming();
  }
}

BENCHMARK(BM_ScheduleOverHttps)
    ->ArgName("workers")
    ->Arg(4)
    ->Arg(16)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace gpupack::controller

BENCHMARK_MAIN();
