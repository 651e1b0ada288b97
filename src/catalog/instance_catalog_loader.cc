#include "catalog/instance_catalog_loader.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <span>

#include <yaml-cpp/yaml.h>

#include "catalog/embedded_catalog.h"
#include "catalog/internal/yaml_fields.h"
#include "cluster/gpu_demand.h"
#include "common/embedded_file.h"
#include "common/file.h"
#include "common/quantity.h"

namespace gpupack::catalog {
namespace {

using catalog_internal::Location;

constexpr std::string_view kEmbeddedPrefix = "instances/";
constexpr std::string_view kEmbeddedSuffix = ".yaml";
constexpr int64_t kDefaultMaxPods = 110;

Result<cluster::InstanceType> ReadType(const std::string& file, const YAML::Node& item,
                                       const std::string& path,
                                       const std::vector<std::string>& default_zones,
                                       const gpu::GpuCatalog& gpus) {
  Location unnamed(file, "");
  if (!item.IsMap()) {
    return tl::unexpected(unnamed.At(item, path, "must be a map"));
  }
  GP_ASSIGN_OR_RETURN(auto name,
                      catalog_internal::OptString(unnamed, item, "name", path + ".name"));
  if (!name || name->empty()) {
    return tl::unexpected(unnamed.At(item, path + ".name", "required"));
  }
  Location loc(file, *name);
  cluster::InstanceType type;
  type.name = *name;
  GP_ASSIGN_OR_RETURN(const YAML::Node gpu, catalog_internal::OptMap(loc, item, "gpu", "gpu"));
  if (gpu.IsDefined()) {
    GP_ASSIGN_OR_RETURN(auto model, catalog_internal::OptString(loc, gpu, "model", "gpu.model"));
    GP_ASSIGN_OR_RETURN(auto count, catalog_internal::OptInt(loc, gpu, "count", "gpu.count"));
    if (!model || !count || *count <= 0 || *count > 64) {
      return tl::unexpected(loc.At(gpu, "gpu", "needs model and count (1..64)"));
    }
    Result<const gpu::GpuModel*> found = gpus.Find(*model);
    if (!found) {
      return tl::unexpected(loc.At(gpu["model"], "gpu.model", found.error().message()));
    }
    type.gpu_model = (*found)->name;
    type.gpu_count = static_cast<int32_t>(*count);
    type.capacity.Set(cluster::kResourceGpu, *count);
  }
  GP_ASSIGN_OR_RETURN(auto vcpu, catalog_internal::OptNumber(loc, item, "vcpu", "vcpu"));
  // Bounded before the cast below (fuzz: vcpu 2e92 overflowed int64 milli-CPU).
  constexpr double kMaxVcpu = 1e6;
  if (!vcpu || !(*vcpu > 0 && *vcpu <= kMaxVcpu)) {
    return tl::unexpected(loc.At(item, "vcpu", "required, > 0 and at most 1000000"));
  }
  type.capacity.milli_cpu = static_cast<int64_t>(*vcpu * 1000);
  GP_ASSIGN_OR_RETURN(auto memory, catalog_internal::OptString(loc, item, "memory", "memory"));
  if (!memory) {
    return tl::unexpected(loc.At(item, "memory", "required"));
  }
  Result<int64_t> bytes = ParseBytes(*memory);
  if (!bytes || *bytes <= 0) {
    return tl::unexpected(
        loc.At(item["memory"], "memory", bytes ? "must be > 0" : bytes.error().message()));
  }
  type.capacity.memory_bytes = *bytes;
  GP_ASSIGN_OR_RETURN(auto max_pods, catalog_internal::OptInt(loc, item, "maxPods", "maxPods"));
  type.capacity.pods = max_pods.value_or(kDefaultMaxPods);
  GP_ASSIGN_OR_RETURN(std::vector<std::string> zones,
                      catalog_internal::StringList(loc, item, "zones", "zones"));
  if (zones.empty()) {
    zones = default_zones;
  }
  if (zones.empty()) {
    return tl::unexpected(loc.At(item, "zones", "no zones (neither the type's nor the catalog's)"));
  }
  GP_ASSIGN_OR_RETURN(auto on_demand,
                      catalog_internal::OptNumber(loc, item, "onDemand", "onDemand"));
  GP_ASSIGN_OR_RETURN(auto spot, catalog_internal::OptNumber(loc, item, "spot", "spot"));
  if (!on_demand && !spot) {
    return tl::unexpected(loc.At(item, "onDemand", "needs an onDemand or a spot price"));
  }
  for (auto [price, capacity_type, key] :
       {std::tuple{on_demand, cluster::CapacityType::kOnDemand, "onDemand"},
        std::tuple{spot, cluster::CapacityType::kSpot, "spot"}}) {
    if (!price) {
      continue;
    }
    if (!(*price > 0)) {
      return tl::unexpected(loc.At(item[key], key, "must be > 0 (USD per hour)"));
    }
    for (const std::string& zone : zones) {
      type.offerings.push_back({capacity_type, zone, *price});
    }
  }
  return type;
}

}  // namespace

Result<cluster::InstanceCatalog> ParseInstanceCatalog(std::string_view text, std::string_view file,
                                                      const gpu::GpuCatalog& gpus) {
  std::string file_name(file);
  GP_ASSIGN_OR_RETURN(std::vector<YAML::Node> documents,
                      catalog_internal::ParseDocuments(text, file));
  if (documents.size() != 1 || !documents.front().IsMap()) {
    return InvalidArgumentError(file_name + ":1: an instance catalog is one YAML map");
  }
  const YAML::Node& root = documents.front();
  Location loc(file_name, "");
  try {
    GP_ASSIGN_OR_RETURN(auto version, catalog_internal::OptString(loc, root, "version", "version"));
    if (version.value_or("v1") != "v1") {
      return tl::unexpected(loc.At(root["version"], "version",
                                   "unsupported \"" + *version + "\"; this gpupack reads v1"));
    }
    cluster::InstanceCatalog::Info info;
    GP_ASSIGN_OR_RETURN(auto cloud, catalog_internal::OptString(loc, root, "cloud", "cloud"));
    GP_ASSIGN_OR_RETURN(auto region, catalog_internal::OptString(loc, root, "region", "region"));
    GP_ASSIGN_OR_RETURN(auto as_of, catalog_internal::OptString(loc, root, "asOf", "asOf"));
    GP_ASSIGN_OR_RETURN(auto source, catalog_internal::OptString(loc, root, "source", "source"));
    if (!as_of || as_of->empty()) {
      return tl::unexpected(loc.At(root, "asOf", "required: the date the prices were read"));
    }
    info.cloud = cloud.value_or("");
    info.region = region.value_or("");
    info.as_of = *as_of;
    info.source = source.value_or("");
    GP_ASSIGN_OR_RETURN(std::vector<std::string> zones,
                        catalog_internal::StringList(loc, root, "zones", "zones"));
    GP_ASSIGN_OR_RETURN(const YAML::Node items,
                        catalog_internal::OptSeq(loc, root, "instanceTypes", "instanceTypes"));
    if (!items.IsDefined() || items.size() == 0) {
      return tl::unexpected(loc.At(root, "instanceTypes", "required, non-empty"));
    }
    std::vector<cluster::InstanceType> types;
    std::map<std::string, size_t> first_index;  // name -> its first item, to name duplicates
    for (size_t i = 0; i < items.size(); ++i) {
      std::string path = "instanceTypes[" + std::to_string(i) + "]";
      GP_ASSIGN_OR_RETURN(cluster::InstanceType type,
                          ReadType(file_name, items[i], path, zones, gpus));
      auto [first, inserted] = first_index.emplace(type.name, i);
      if (!inserted) {
        return tl::unexpected(loc.At(items[i]["name"], path + ".name",
                                     "\"" + type.name +
                                         "\" is listed twice (first as instanceTypes[" +
                                         std::to_string(first->second) + "])"));
      }
      types.push_back(std::move(type));
    }
    Result<cluster::InstanceCatalog> catalog =
        cluster::InstanceCatalog::Create(std::move(info), std::move(types));
    if (!catalog) {
      return tl::unexpected(catalog.error().WithContext(file_name));
    }
    return catalog;
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(file_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

std::vector<std::string> EmbeddedInstanceCatalogNames() {
  std::vector<std::string> names;
  for (const EmbeddedFile& file : embedded::EmbeddedFiles()) {
    std::string_view name = file.name;
    if (name.starts_with(kEmbeddedPrefix) && name.ends_with(kEmbeddedSuffix)) {
      name.remove_prefix(kEmbeddedPrefix.size());
      name.remove_suffix(kEmbeddedSuffix.size());
      names.emplace_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<cluster::InstanceCatalog> LoadInstanceCatalog(std::string_view name_or_path,
                                                     const gpu::GpuCatalog& gpus) {
  for (const EmbeddedFile& file : embedded::EmbeddedFiles()) {
    std::string wanted =
        std::string(kEmbeddedPrefix) + std::string(name_or_path) + std::string(kEmbeddedSuffix);
    if (file.name == wanted) {
      return ParseInstanceCatalog(file.data, file.name, gpus);
    }
  }
  std::string path(name_or_path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::string known;
    for (const std::string& name : EmbeddedInstanceCatalogNames()) {
      known += name + ", ";
    }
    return NotFoundError("unknown instance catalog \"" + path + "\": not one of " + known +
                         "nor a file");
  }
  GP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseInstanceCatalog(text, path, gpus);
}

}  // namespace gpupack::catalog
