#include "catalog/node_template_reader.h"

#include <charconv>

#include <yaml-cpp/yaml.h>

#include "catalog/internal/yaml_fields.h"

namespace gpupack::catalog {
namespace {

using catalog_internal::Location;

constexpr int64_t kMinReplicas = cluster::kMinReplicas;
constexpr int64_t kMaxReplicas = cluster::kMaxReplicas;

// The canonical name of GPU model `name` (any spelling the catalog knows).
Result<std::string> CanonicalModel(const Location& loc, const YAML::Node& node,
                                   std::string_view path, std::string_view name,
                                   const gpu::GpuCatalog& catalog) {
  Result<const gpu::GpuModel*> model = catalog.Find(name);
  if (!model) {
    return tl::unexpected(loc.At(node, path, model.error().message()));
  }
  return (*model)->name;
}

Result<int32_t> Replicas(const Location& loc, const YAML::Node& node, std::string_view path,
                         int64_t value) {
  if (value < kMinReplicas || value > kMaxReplicas) {
    return tl::unexpected(
        loc.At(node, path, "must be 2..48 (replicas per GPU), got " + std::to_string(value)));
  }
  return static_cast<int32_t>(value);
}

Status ReadTimeSlicing(const Location& loc, const YAML::Node& node, const gpu::GpuCatalog& catalog,
                       cluster::TimeSlicingSpec& spec, std::vector<std::string>& warnings) {
  constexpr std::string_view kPath = "spec.gpuSharing.timeSlicing";
  catalog_internal::WarnUnknownFields(loc, node, kPath,
                                      {"enabled", "sharedClientsPerGpu", "perGpuModel"}, warnings);
  GP_ASSIGN_OR_RETURN(
      auto enabled,
      catalog_internal::OptBool(loc, node, "enabled", "spec.gpuSharing.timeSlicing.enabled"));
  spec.enabled = enabled.value_or(false);
  GP_ASSIGN_OR_RETURN(auto clients,
                      catalog_internal::OptInt(loc, node, "sharedClientsPerGpu",
                                               "spec.gpuSharing.timeSlicing.sharedClientsPerGpu"));
  if (clients) {
    GP_ASSIGN_OR_RETURN(spec.shared_clients_per_gpu,
                        Replicas(loc, node["sharedClientsPerGpu"],
                                 "spec.gpuSharing.timeSlicing.sharedClientsPerGpu", *clients));
  }
  GP_ASSIGN_OR_RETURN(const YAML::Node per_model,
                      catalog_internal::OptMap(loc, node, "perGpuModel",
                                               "spec.gpuSharing.timeSlicing.perGpuModel"));
  if (per_model.IsDefined()) {
    for (const auto& entry : per_model) {
      std::string path = "spec.gpuSharing.timeSlicing.perGpuModel." + entry.first.Scalar();
      GP_ASSIGN_OR_RETURN(auto value,
                          catalog_internal::OptInt(loc, per_model, entry.first.Scalar(), path));
      if (!value) {
        return tl::unexpected(loc.At(entry.second, path, "must be an integer"));
      }
      GP_ASSIGN_OR_RETURN(int32_t replicas, Replicas(loc, entry.second, path, *value));
      GP_ASSIGN_OR_RETURN(std::string model,
                          CanonicalModel(loc, entry.first, path, entry.first.Scalar(), catalog));
      spec.per_gpu_model.insert_or_assign(model, replicas);
    }
  }
  return OkStatus();
}

Status ReadMig(const Location& loc, const YAML::Node& node, cluster::MigSpec& spec,
               std::vector<std::string>& warnings) {
  catalog_internal::WarnUnknownFields(loc, node, "spec.gpuSharing.mig",
                                      {"enabled", "strategy", "dynamic"}, warnings);
  GP_ASSIGN_OR_RETURN(
      auto enabled, catalog_internal::OptBool(loc, node, "enabled", "spec.gpuSharing.mig.enabled"));
  spec.enabled = enabled.value_or(false);
  GP_ASSIGN_OR_RETURN(
      auto dynamic, catalog_internal::OptBool(loc, node, "dynamic", "spec.gpuSharing.mig.dynamic"));
  spec.dynamic = dynamic.value_or(false);
  GP_ASSIGN_OR_RETURN(auto strategy, catalog_internal::OptString(loc, node, "strategy",
                                                                 "spec.gpuSharing.mig.strategy"));
  if (strategy) {
    Result<cluster::MigStrategy> parsed = gpu::ParseMigStrategy(*strategy);
    if (!parsed || *parsed == cluster::MigStrategy::kNone) {
      return tl::unexpected(loc.At(
          node["strategy"], "spec.gpuSharing.mig.strategy",
          "unsupported value \"" + *strategy + "\": supported values: \"single\", \"mixed\""));
    }
    spec.strategy = *parsed;
  }
  return OkStatus();
}

Status ReadTaints(const Location& loc, const YAML::Node& spec,
                  std::vector<cluster::Taint>& taints) {
  GP_ASSIGN_OR_RETURN(const YAML::Node list,
                      catalog_internal::OptSeq(loc, spec, "taints", "spec.taints"));
  for (size_t i = 0; list.IsDefined() && i < list.size(); ++i) {
    std::string path = "spec.taints[" + std::to_string(i) + "]";
    const YAML::Node& item = list[i];
    if (!item.IsMap()) {
      return tl::unexpected(loc.At(item, path, "must be a map with key, value, effect"));
    }
    cluster::Taint taint;
    GP_ASSIGN_OR_RETURN(auto key, catalog_internal::OptString(loc, item, "key", path + ".key"));
    GP_ASSIGN_OR_RETURN(auto value,
                        catalog_internal::OptString(loc, item, "value", path + ".value"));
    GP_ASSIGN_OR_RETURN(auto effect,
                        catalog_internal::OptString(loc, item, "effect", path + ".effect"));
    if (!key || key->empty()) {
      return tl::unexpected(loc.At(item, path + ".key", "required"));
    }
    std::optional<cluster::TaintEffect> parsed =
        effect ? cluster::ParseTaintEffect(*effect) : std::nullopt;
    if (!parsed) {
      return tl::unexpected(
          loc.At(item, path + ".effect", "must be NoSchedule, PreferNoSchedule or NoExecute"));
    }
    taint.key = *key;
    taint.value = value.value_or("");
    taint.effect = *parsed;
    taints.push_back(std::move(taint));
  }
  return OkStatus();
}

// spotPercent: an integer 0..100 or a string "NN%".
Result<std::optional<int32_t>> ReadSpotPercent(const Location& loc, const YAML::Node& spec) {
  const YAML::Node node = spec["spotPercent"];
  if (!node.IsDefined() || node.IsNull()) {
    return std::optional<int32_t>();
  }
  std::string text = node.IsScalar() ? node.Scalar() : "";
  if (text.ends_with('%')) {
    text.pop_back();
  }
  int64_t value = -1;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    value = -1;
  }
  if (value < 0 || value > 100) {
    return tl::unexpected(loc.At(node, "spec.spotPercent", "must be 0..100 (or \"50%\")"));
  }
  return std::optional<int32_t>(static_cast<int32_t>(value));
}

Status ReadLimits(const Location& loc, const YAML::Node& spec, cluster::NodeTemplate& out,
                  std::vector<std::string>& warnings) {
  GP_ASSIGN_OR_RETURN(const YAML::Node limits,
                      catalog_internal::OptMap(loc, spec, "limits", "spec.limits"));
  if (!limits.IsDefined()) {
    return OkStatus();
  }
  catalog_internal::WarnUnknownFields(loc, limits, "spec.limits", {"gpus", "hourlyCost"}, warnings);
  GP_ASSIGN_OR_RETURN(auto gpus, catalog_internal::OptInt(loc, limits, "gpus", "spec.limits.gpus"));
  if (gpus && *gpus < 0) {
    return tl::unexpected(loc.At(limits["gpus"], "spec.limits.gpus", "must be >= 0"));
  }
  out.max_gpus = gpus;
  GP_ASSIGN_OR_RETURN(
      auto cost, catalog_internal::OptNumber(loc, limits, "hourlyCost", "spec.limits.hourlyCost"));
  if (cost && *cost < 0) {
    return tl::unexpected(loc.At(limits["hourlyCost"], "spec.limits.hourlyCost", "must be >= 0"));
  }
  out.max_hourly_cost = cost;
  return OkStatus();
}

Status ReadNodeClassRef(const Location& loc, const YAML::Node& spec, cluster::NodeTemplate& out,
                        std::vector<std::string>& warnings) {
  GP_ASSIGN_OR_RETURN(const YAML::Node ref,
                      catalog_internal::OptMap(loc, spec, "nodeClassRef", "spec.nodeClassRef"));
  if (!ref.IsDefined()) {
    return OkStatus();
  }
  catalog_internal::WarnUnknownFields(loc, ref, "spec.nodeClassRef", {"group", "kind", "name"},
                                      warnings);
  cluster::NodeClassRef parsed;
  for (auto [key, field] : {std::pair{"group", &parsed.group}, std::pair{"kind", &parsed.kind},
                            std::pair{"name", &parsed.name}}) {
    std::string path = std::string("spec.nodeClassRef.") + key;
    GP_ASSIGN_OR_RETURN(auto value, catalog_internal::OptString(loc, ref, key, path));
    if (!value || value->empty()) {
      return tl::unexpected(loc.At(ref, path, "required"));
    }
    *field = *value;
  }
  out.node_class_ref = std::move(parsed);
  return OkStatus();
}

Status ReadSpec(const Location& loc, const YAML::Node& spec, const gpu::GpuCatalog& catalog,
                cluster::NodeTemplate& out, std::vector<std::string>& warnings) {
  catalog_internal::WarnUnknownFields(
      loc, spec, "spec",
      {"instanceTypes", "excludeInstanceTypes", "gpuModels", "zones", "capacityTypes",
       "spotPercent", "minGpusPerNode", "maxGpusPerNode", "gpuSharing", "labels", "taints",
       "limits", "nodeClassRef"},
      warnings);
  GP_ASSIGN_OR_RETURN(out.instance_types, catalog_internal::StringList(loc, spec, "instanceTypes",
                                                                       "spec.instanceTypes"));
  GP_ASSIGN_OR_RETURN(
      out.exclude_instance_types,
      catalog_internal::StringList(loc, spec, "excludeInstanceTypes", "spec.excludeInstanceTypes"));
  GP_ASSIGN_OR_RETURN(std::vector<std::string> models,
                      catalog_internal::StringList(loc, spec, "gpuModels", "spec.gpuModels"));
  for (size_t i = 0; i < models.size(); ++i) {
    GP_ASSIGN_OR_RETURN(
        std::string model,
        CanonicalModel(loc, spec["gpuModels"][i], "spec.gpuModels[" + std::to_string(i) + "]",
                       models[i], catalog));
    out.gpu_models.push_back(std::move(model));
  }
  GP_ASSIGN_OR_RETURN(out.zones, catalog_internal::StringList(loc, spec, "zones", "spec.zones"));
  GP_ASSIGN_OR_RETURN(
      std::vector<std::string> capacity_types,
      catalog_internal::StringList(loc, spec, "capacityTypes", "spec.capacityTypes"));
  for (size_t i = 0; i < capacity_types.size(); ++i) {
    std::optional<cluster::CapacityType> type = cluster::ParseCapacityType(capacity_types[i]);
    if (!type) {
      return tl::unexpected(loc.At(spec["capacityTypes"][i],
                                   "spec.capacityTypes[" + std::to_string(i) + "]",
                                   "unsupported value \"" + capacity_types[i] +
                                       "\": supported values: \"spot\", \"on-demand\""));
    }
    out.capacity_types.push_back(*type);
  }
  GP_ASSIGN_OR_RETURN(out.spot_percent, ReadSpotPercent(loc, spec));
  if (out.spot_percent && *out.spot_percent > 0 && out.capacity_types.size() < 2) {
    return tl::unexpected(
        loc.At(spec["spotPercent"], "spec.spotPercent", "needs capacityTypes [spot, on-demand]"));
  }
  for (auto [key, field] : {std::pair{"minGpusPerNode", &out.min_gpus_per_node},
                            std::pair{"maxGpusPerNode", &out.max_gpus_per_node}}) {
    std::string path = std::string("spec.") + key;
    GP_ASSIGN_OR_RETURN(auto value, catalog_internal::OptInt(loc, spec, key, path));
    if (value && (*value < 0 || *value > 1024)) {
      return tl::unexpected(loc.At(spec[key], path, "must be 0..1024"));
    }
    *field = static_cast<int32_t>(value.value_or(0));
  }
  if (out.max_gpus_per_node > 0 && out.min_gpus_per_node > out.max_gpus_per_node) {
    return tl::unexpected(
        loc.At(spec["minGpusPerNode"], "spec.minGpusPerNode", "is larger than maxGpusPerNode"));
  }
  GP_ASSIGN_OR_RETURN(const YAML::Node sharing,
                      catalog_internal::OptMap(loc, spec, "gpuSharing", "spec.gpuSharing"));
  if (sharing.IsDefined()) {
    catalog_internal::WarnUnknownFields(loc, sharing, "spec.gpuSharing", {"timeSlicing", "mig"},
                                        warnings);
    GP_ASSIGN_OR_RETURN(
        const YAML::Node ts,
        catalog_internal::OptMap(loc, sharing, "timeSlicing", "spec.gpuSharing.timeSlicing"));
    if (ts.IsDefined()) {
      GP_TRY(ReadTimeSlicing(loc, ts, catalog, out.time_slicing, warnings));
    }
    GP_ASSIGN_OR_RETURN(const YAML::Node mig,
                        catalog_internal::OptMap(loc, sharing, "mig", "spec.gpuSharing.mig"));
    if (mig.IsDefined()) {
      GP_TRY(ReadMig(loc, mig, out.mig, warnings));
    }
  }
  GP_ASSIGN_OR_RETURN(out.labels, catalog_internal::StringMap(loc, spec, "labels", "spec.labels"));
  GP_TRY(ReadTaints(loc, spec, out.taints));
  GP_TRY(ReadNodeClassRef(loc, spec, out, warnings));
  return ReadLimits(loc, spec, out, warnings);
}

}  // namespace

Result<cluster::NodeTemplate> ReadNodeTemplate(const YAML::Node& object, std::string_view file,
                                               const gpu::GpuCatalog& catalog,
                                               std::vector<std::string>& warnings) {
  Location unnamed(std::string(file), "NodeTemplate");
  GP_ASSIGN_OR_RETURN(const YAML::Node metadata,
                      catalog_internal::OptMap(unnamed, object, "metadata", "metadata"));
  GP_ASSIGN_OR_RETURN(auto name,
                      catalog_internal::OptString(unnamed, metadata, "name", "metadata.name"));
  if (!name || name->empty()) {
    return tl::unexpected(unnamed.At(object, "metadata.name", "required"));
  }
  Location loc(std::string(file), "NodeTemplate/" + *name);
  cluster::NodeTemplate out;
  out.name = *name;
  GP_ASSIGN_OR_RETURN(const YAML::Node spec, catalog_internal::OptMap(loc, object, "spec", "spec"));
  if (spec.IsDefined()) {
    GP_TRY(ReadSpec(loc, spec, catalog, out, warnings));
  }
  return out;
}

}  // namespace gpupack::catalog
