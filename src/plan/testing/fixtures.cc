#include "plan/testing/fixtures.h"

#include "common/check.h"
#include "gpu/testing/test_models.h"

namespace gpupack::plan::testing {
namespace {

cluster::Pod BasePod(const std::string& name) {
  cluster::Pod pod;
  pod.name = name;
  pod.namespace_name = "default";
  pod.owner = cluster::OwnerRef{"ReplicaSet", "rs"};
  pod.requests.pods = 1;
  pod.requests.milli_cpu = 500;
  pod.requests.memory_bytes = int64_t{1} << 30;
  return pod;
}

cluster::Toleration MigToleration() {
  return cluster::Toleration{std::string(cluster::kTaintMig), cluster::TolerationOperator::kExists,
                             "", cluster::TaintEffect::kNoSchedule, std::nullopt};
}

void Recognize(cluster::Pod& pod) {
  Status status = cluster::RecognizeGpuDemand(pod);
  GP_CHECK(status.has_value(), "test pod demand");
}

}  // namespace

gpu::GpuCatalog CatalogForTest() {
  auto catalog = gpu::GpuCatalog::Create(gpu::testing::AllModelsForTest());
  GP_CHECK(catalog.has_value(), "test catalog");
  return *std::move(catalog);
}

cluster::SharingConfig MigSharing(const gpu::GpuCatalog& catalog, const std::string& model,
                                  const std::vector<std::string>& profiles,
                                  cluster::MigStrategy strategy, int32_t replicas) {
  const gpu::MigGeometryEngine& engine = **catalog.FindGeometry(model);
  auto counts = engine.CountsFromNames(profiles);
  GP_CHECK(counts.has_value(), "test profiles");
  auto geometry = engine.Fit(*counts);
  GP_CHECK(geometry.has_value(), "test geometry");
  cluster::SharingConfig sharing;
  sharing.mode = replicas > 1 ? cluster::SharingMode::kMigTimeSlicing : cluster::SharingMode::kMig;
  sharing.replicas = replicas;
  sharing.mig_strategy = strategy;
  sharing.geometry = *std::move(geometry);
  return sharing;
}

cluster::SharingConfig TimeSliced(int32_t replicas) {
  cluster::SharingConfig sharing;
  sharing.mode = cluster::SharingMode::kTimeSlicing;
  sharing.replicas = replicas;
  return sharing;
}

cluster::Node GpuNodeForTest(const std::string& name, const gpu::GpuCatalog& catalog,
                             const std::string& model, int gpus,
                             const cluster::SharingConfig& sharing,
                             const std::string& template_name, double price) {
  const gpu::GpuModel& gpu_model = **catalog.Find(model);
  cluster::Node node;
  node.name = name;
  node.template_name = template_name;
  node.price_per_hour = price;
  node.instance_type = "test.8gpu";
  if (!template_name.empty()) {
    node.labels.emplace(cluster::kLabelNodeTemplate, template_name);
  }
  if (sharing.IsTimeSliced() && !sharing.IsMig()) {
    node.labels.emplace(cluster::kLabelSharingStrategy, "time-slicing");
  }
  cluster::Labels partitions = cluster::PartitionLabels(sharing, gpu_model);
  node.labels.insert(partitions.begin(), partitions.end());
  node.taints = cluster::SharingTaints(sharing);
  node.allocatable.milli_cpu = 96000;
  node.allocatable.memory_bytes = int64_t{1} << 40;
  node.allocatable.pods = 110;
  for (int i = 0; i < gpus; ++i) {
    node.gpus.push_back(cluster::NodeGpu{i, gpu_model.name, sharing, {}});
    node.allocatable += cluster::AdvertisedCapacity(sharing, gpu_model);
  }
  node.capacity = node.allocatable;
  return node;
}

cluster::Pod SeedMigPod(const std::string& name, const std::string& profile) {
  cluster::Pod pod = BasePod(name);
  pod.tolerations.push_back(MigToleration());
  pod.node_selector.emplace(std::string(cluster::kLabelMigPartitionPrefix) + profile, "true");
  pod.requests.Set(cluster::kResourceGpu, 1);
  Recognize(pod);
  return pod;
}

cluster::Pod MixedMigPod(const std::string& name, const std::string& profile) {
  cluster::Pod pod = BasePod(name);
  pod.tolerations.push_back(MigToleration());
  pod.requests.Set(gpu::MigResourceName(profile), 1);
  Recognize(pod);
  return pod;
}

cluster::Pod GpuPod(const std::string& name, int64_t count, const std::string& memory,
                    bool time_sliced) {
  cluster::Pod pod = BasePod(name);
  pod.requests.Set(cluster::kResourceGpu, count);
  if (!memory.empty()) {
    pod.annotations.emplace(cluster::kAnnotationGpuMemory, memory);
  }
  if (time_sliced) {
    pod.node_selector.emplace(cluster::kLabelSharingStrategy, "time-slicing");
  }
  Recognize(pod);
  return pod;
}

cluster::Pod CpuPod(const std::string& name, int64_t milli_cpu) {
  cluster::Pod pod = BasePod(name);
  pod.requests.milli_cpu = milli_cpu;
  Recognize(pod);
  return pod;
}

}  // namespace gpupack::plan::testing
