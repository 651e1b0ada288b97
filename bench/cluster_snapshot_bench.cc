// Reading a cluster snapshot: parsing `kubectl get pods -o json`-style lists into the cluster
// model, and BuildSnapshot at Kubernetes' scale limits (5,000 nodes, 150,000 pods).
// Results: BENCHMARKS.md, "Cluster model and Kubernetes readers".
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "catalog/gpu_catalog_loader.h"
#include "catalog/k8s_reader.h"
#include "cluster/snapshot.h"
#include "common/check.h"

namespace gpupack {
namespace {

const gpu::GpuCatalog& Catalog() {
  static const gpu::GpuCatalog& catalog = *[] {
    static Result<gpu::GpuCatalog> loaded = catalog::LoadBuiltInGpuCatalog();
    GP_CHECK(loaded.has_value(), "the built-in GPU catalog loads");
    return &*loaded;
  }();
  return catalog;
}

// A PodList as the apiserver returns it: compact JSON, items without kind, MIG seed pods.
std::string PodListJson(int pods) {
  std::string out = R"({"kind":"PodList","apiVersion":"v1","items":[)";
  for (int i = 0; i < pods; ++i) {
    if (i > 0) {
      out += ',';
    }
    out +=
        R"({"metadata":{"name":"infer-)" + std::to_string(i) +
        R"(","namespace":"ml","creationTimestamp":"2026-11-24T19:34:49Z","labels":{"app":"infer"}},)"
        R"("spec":{"nodeSelector":{"nvidia.com/gpu.mig-partition-1g.5gb":"true"},)"
        R"("tolerations":[{"key":"nvidia.com/gpu.mig","operator":"Exists","effect":"NoSchedule"}],)"
        R"("containers":[{"name":"c","image":"triton","resources":{"limits":{"nvidia.com/gpu":"1"},)"
        R"("requests":{"cpu":"2","memory":"8Gi","nvidia.com/gpu":"1"}}}]},"status":{"phase":"Pending"}})";
  }
  out += "]}";
  return out;
}

void BM_ReadPodListJson(benchmark::State& state) {
  std::string json = PodListJson(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    Result<catalog::KubeObjects> objects = catalog::ReadKubeObjects(json, "pods.json", Catalog());
    GP_CHECK(objects.has_value() && objects->pods.size() == static_cast<size_t>(state.range(0)),
             "reads every pod");
    benchmark::DoNotOptimize(objects);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(json.size()));
}

BENCHMARK(BM_ReadPodListJson)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// 5,000 time-sliced 8-GPU nodes and 30 bound pods each (150,000 pods), plus 1,000 pending.
void BM_BuildSnapshot(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  constexpr int kPodsPerNode = 30;
  std::vector<cluster::Node> node_list;
  std::vector<cluster::Pod> pod_list;
  cluster::SharingConfig ts;
  ts.mode = cluster::SharingMode::kTimeSlicing;
  ts.replicas = 4;
  for (int n = 0; n < nodes; ++n) {
    cluster::Node node;
    node.name = "node-" + std::to_string(n);
    node.allocatable.milli_cpu = 96000;
    node.allocatable.memory_bytes = int64_t{1} << 40;
    node.allocatable.pods = 110;
    for (int g = 0; g < 8; ++g) {
      node.gpus.push_back(cluster::NodeGpu{g, "A100-SXM4-40GB", ts, {}});
    }
    node_list.push_back(std::move(node));
    for (int p = 0; p < kPodsPerNode + (n < 1000 ? 1 : 0); ++p) {
      cluster::Pod pod;
      pod.name = "pod-" + std::to_string(n) + "-" + std::to_string(p);
      pod.namespace_name = "ml";
      pod.requests.milli_cpu = 1000;
      pod.requests.pods = 1;
      pod.requests.Set("nvidia.com/gpu", 1);
      pod.gpu = {cluster::GpuDemandKind::kSharedGpu,
                 cluster::GpuRequestForm::kGpuResource,
                 1,
                 "",
                 false,
                 0,
                 0,
                 "nvidia.com/gpu"};
      if (p < kPodsPerNode) {
        pod.node_name = node_list.back().name;
        pod.phase = cluster::PodPhase::kRunning;
      }
      pod_list.push_back(std::move(pod));
    }
  }
  for (auto _ : state) {
    std::vector<std::string> warnings;
    Result<cluster::ClusterSnapshot> snapshot =
        cluster::BuildSnapshot(node_list, pod_list, {}, {}, Catalog(), warnings);
    GP_CHECK(snapshot.has_value() && warnings.empty(), "builds without warnings");
    benchmark::DoNotOptimize(snapshot);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(pod_list.size()));
}

BENCHMARK(BM_BuildSnapshot)->Arg(500)->Arg(5000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gpupack

BENCHMARK_MAIN();
