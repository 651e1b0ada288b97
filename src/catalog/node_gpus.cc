#include "catalog/node_gpus.h"

#include <algorithm>
#include <map>
#include <optional>

#include "common/quantity.h"

namespace gpupack::catalog {
namespace {

using cluster::Resources;

constexpr std::string_view kLabelInstanceGpuCount = "karpenter.k8s.aws/instance-gpu-count";
constexpr std::string_view kLabelGpuCount = "nvidia.com/gpu.count";
constexpr std::string_view kLabelMigStrategy = "nvidia.com/mig.strategy";

std::optional<int64_t> LabelInt(const cluster::Labels& labels, std::string_view key) {
  auto it = labels.find(key);
  if (it == labels.end()) {
    return std::nullopt;
  }
  Result<int64_t> value = ParseCount(it->second);
  return value ? std::optional<int64_t>(*value) : std::nullopt;
}

// Spreads `total` instances of each profile over `gpus` GPUs as evenly as possible.
std::vector<gpu::ProfileCounts> SpreadCounts(const gpu::ProfileCounts& total, int64_t gpus) {
  std::vector<gpu::ProfileCounts> out(static_cast<size_t>(gpus),
                                      gpu::ProfileCounts(total.size(), 0));
  size_t next = 0;
  for (size_t p = 0; p < total.size(); ++p) {
    for (int i = 0; i < total[p]; ++i) {
      ++out[next % out.size()][p];
      ++next;
    }
  }
  return out;
}

}  // namespace

Status DeriveNodeGpus(const gpu::GpuCatalog& catalog, const cluster::InstanceCatalog* instances,
                      cluster::Node& node, const NodeFieldReporter& report) {
  const Resources& advertised = node.allocatable;
  auto product_it = node.labels.find(cluster::kLabelGpuProduct);
  int64_t gpu_units = advertised.Get(cluster::kResourceGpu);
  int64_t shared_units = advertised.Get(cluster::kResourceGpuShared);
  std::map<std::string, int64_t> mig_units;  // profile -> advertised units
  bool mig_shared = false;
  for (const auto& [name, value] : advertised.scalar) {
    if (name.starts_with(cluster::kResourceMigPrefix) && value > 0) {
      std::string_view resource = name;
      if (resource.ends_with(cluster::kSharedSuffix)) {
        resource.remove_suffix(cluster::kSharedSuffix.size());
        mig_shared = true;
      }
      Result<std::string> profile = gpu::ProfileNameFromResource(resource);
      if (!profile) {
        return tl::unexpected(report.fail("status.allocatable." + name, profile.error().message()));
      }
      mig_units[*profile] += value;
    }
  }
  if (product_it == node.labels.end()) {
    if (gpu_units + shared_units > 0 || !mig_units.empty()) {
      report.warn("metadata.labels",
                  "advertises GPUs but has no nvidia.com/gpu.product label; "
                  "its GPUs are left out");
    }
    return OkStatus();
  }
  auto [model_name, single_profile] = SplitGpuProduct(product_it->second);
  Result<const gpu::GpuModel*> found = catalog.Find(model_name);
  if (!found) {
    report.warn("metadata.labels.nvidia.com/gpu.product",
                found.error().message() + "; its GPUs are left out");
    return OkStatus();
  }
  const gpu::GpuModel& model = **found;
  const gpu::MigGeometryEngine& engine = catalog.Geometry(model);
  auto strategy_it = node.labels.find(kLabelMigStrategy);
  cluster::MigStrategy strategy = cluster::MigStrategy::kNone;
  if (strategy_it != node.labels.end()) {
    strategy = gpu::ParseMigStrategy(strategy_it->second).value_or(cluster::MigStrategy::kNone);
  }
  int64_t replicas = LabelInt(node.labels, cluster::kLabelGpuReplicas).value_or(1);
  if (strategy == cluster::MigStrategy::kMixed && !mig_units.empty()) {
    std::string key = gpu::MigResourceName(mig_units.begin()->first) + ".replicas";
    replicas = LabelInt(node.labels, key).value_or(1);
  }
  replicas = std::max<int64_t>(replicas, 1);
  bool rename = shared_units > 0 || mig_shared;

  cluster::SharingConfig base;
  base.replicas = static_cast<int32_t>(replicas);
  base.rename_by_default = rename;
  auto add_gpus = [&](int64_t count, const cluster::SharingConfig& sharing) {
    for (int64_t i = 0; i < count; ++i) {
      cluster::NodeGpu device;
      device.index = static_cast<int>(node.gpus.size());
      device.model = model.name;
      device.sharing = sharing;
      node.gpus.push_back(std::move(device));
    }
  };
  auto add_mig_gpus = [&](const gpu::ProfileCounts& total, int64_t gpus,
                          cluster::MigStrategy mig_strategy) -> Status {
    for (const gpu::ProfileCounts& counts : SpreadCounts(total, gpus)) {
      Result<gpu::MigGeometry> geometry = engine.Fit(counts);
      if (!geometry) {
        report.warn("status.allocatable",
                    "the advertised MIG devices do not fit " + std::to_string(gpus) + " " +
                        model.name + ": " + geometry.error().message() + "; its GPUs are left out");
        node.gpus.clear();
        return OkStatus();
      }
      cluster::SharingConfig sharing = base;
      sharing.mode =
          replicas > 1 ? cluster::SharingMode::kMigTimeSlicing : cluster::SharingMode::kMig;
      sharing.mig_strategy = mig_strategy;
      sharing.geometry = std::move(*geometry);
      add_gpus(1, sharing);
    }
    return OkStatus();
  };

  if (strategy == cluster::MigStrategy::kSingle && !single_profile.empty()) {
    Result<size_t> profile = model.FindProfileIndex(single_profile);
    if (!profile) {
      return tl::unexpected(
          report.fail("metadata.labels.nvidia.com/gpu.product", profile.error().message()));
    }
    int64_t devices = (gpu_units + shared_units) / replicas;
    std::optional<int64_t> physical = LabelInt(node.labels, kLabelInstanceGpuCount);
    if (!physical && instances != nullptr) {
      if (const cluster::InstanceType* type = instances->Find(node.instance_type)) {
        physical = type->gpu_count;
      }
    }
    int max_per_gpu = model.mig_profiles[*profile].max_instances;
    if (!physical) {
      physical = (devices + max_per_gpu - 1) / max_per_gpu;
    }
    if (devices == 0 || *physical <= 0) {
      return OkStatus();
    }
    gpu::ProfileCounts total(model.mig_profiles.size(), 0);
    total[*profile] = static_cast<int>(devices);
    return add_mig_gpus(total, *physical, cluster::MigStrategy::kSingle);
  }

  int64_t physical = LabelInt(node.labels, kLabelGpuCount).value_or(0);
  int64_t whole = (gpu_units + shared_units) / replicas;
  if (strategy == cluster::MigStrategy::kMixed && !mig_units.empty()) {
    gpu::ProfileCounts total(model.mig_profiles.size(), 0);
    for (const auto& [profile_name, units] : mig_units) {
      Result<size_t> profile = model.FindProfileIndex(profile_name);
      if (!profile) {
        return tl::unexpected(report.fail("status.allocatable", profile.error().message()));
      }
      total[*profile] = static_cast<int>(units / replicas);
    }
    int64_t mig_gpus = physical - whole;
    if (mig_gpus <= 0) {
      int64_t instances_total = 0;
      for (int count : total) {
        instances_total += count;
      }
      mig_gpus = std::max<int64_t>(1, (instances_total + model.mig_compute_slices - 1) /
                                          std::max(1, model.mig_compute_slices));
    }
    cluster::SharingConfig unshared;
    add_gpus(whole, unshared);
    return add_mig_gpus(total, mig_gpus, cluster::MigStrategy::kMixed);
  }
  cluster::SharingConfig sharing = base;
  sharing.mode = replicas > 1 ? cluster::SharingMode::kTimeSlicing : cluster::SharingMode::kWhole;
  add_gpus(physical > 0 ? std::min(physical, whole) : whole, sharing);
  return OkStatus();
}

std::pair<std::string, std::string> SplitGpuProduct(std::string product) {
  if (product.ends_with("-SHARED")) {
    product.resize(product.size() - std::string_view("-SHARED").size());
  }
  size_t mig = product.find("-MIG-");
  if (mig == std::string::npos) {
    return {product, ""};
  }
  return {product.substr(0, mig), product.substr(mig + 5)};
}

}  // namespace gpupack::catalog
