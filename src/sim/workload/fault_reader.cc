#include "sim/workload/fault_reader.h"

#include <charconv>
#include <cmath>

#include <yaml-cpp/yaml.h>

#include "catalog/internal/yaml_reader.h"
#include "common/file.h"
#include "sim/workload/arrivals.h"

namespace gpupack::sim {
namespace {

using catalog_internal::JoinPath;
using catalog_internal::YamlReader;

class FaultParser {
 public:
  explicit FaultParser(const YamlReader& reader) : reader_(reader) {}

  [[nodiscard]] Result<std::vector<Fault>> List(const YAML::Node& list) {
    if (!list.IsSequence())
      return reader_.Fail(list, "faults", "expected a list of faults");
    std::vector<Fault> faults;
    for (size_t index = 0; index < list.size(); ++index) {
      GP_ASSIGN_OR_RETURN(Fault fault, Entry(list[index], "faults[" + std::to_string(index) + "]"));
      faults.push_back(std::move(fault));
    }
    return faults;
  }

 private:
  [[nodiscard]] Result<Fault> Entry(const YAML::Node& node, const std::string& path) {
    GP_TRY(reader_.RequireMap(node, path));
    GP_TRY(reader_.RejectUnknownKeys(node, path,
                                     {"kind", "from", "until", "for", "fraction", "probability",
                                      "instanceTypes", "capacityType", "zone", "missing"}));
    Fault fault;
    fault.source = reader_.source() + ":" + std::to_string(reader_.Line(node));
    if (!node["kind"])
      return reader_.Fail(node, JoinPath(path, "kind"), "required");
    GP_ASSIGN_OR_RETURN(std::string kind, reader_.String(node["kind"], JoinPath(path, "kind")));
    std::optional<FaultKind> parsed = ParseFaultKind(kind);
    if (!parsed)
      return reader_.Fail(node["kind"], JoinPath(path, "kind"),
                          "unknown fault '" + kind +
                              "' (spot-storm, insufficient-capacity, launch-never-ready, "
                              "mig-failure, device-plugin-shortfall)");
    fault.kind = *parsed;
    GP_TRY(Window(node, path, fault));
    GP_TRY(OnlyFor(node, path, "fraction", fault.kind == FaultKind::kSpotStorm));
    GP_TRY(OnlyFor(
        node, path, "probability",
        fault.kind != FaultKind::kSpotStorm && fault.kind != FaultKind::kInsufficientCapacity));
    GP_TRY(OnlyFor(node, path, "instanceTypes", fault.kind == FaultKind::kInsufficientCapacity));
    GP_TRY(OnlyFor(node, path, "capacityType", fault.kind == FaultKind::kInsufficientCapacity));
    GP_TRY(OnlyFor(node, path, "zone", fault.kind == FaultKind::kInsufficientCapacity));
    GP_TRY(OnlyFor(node, path, "missing", fault.kind == FaultKind::kDevicePluginShortfall));
    if (fault.kind == FaultKind::kInsufficientCapacity) {
      GP_TRY(Capacity(node, path, fault));
    } else {
      GP_ASSIGN_OR_RETURN(
          fault.fraction,
          Share(node, path, fault.kind == FaultKind::kSpotStorm ? "fraction" : "probability"));
    }
    if (node["missing"]) {
      GP_ASSIGN_OR_RETURN(int64_t missing, reader_.Int(node["missing"], JoinPath(path, "missing")));
      if (missing < 1 || missing > 1024)
        return reader_.Fail(node["missing"], JoinPath(path, "missing"),
                            "must be between 1 and 1024");
      fault.missing = static_cast<int32_t>(missing);
    }
    return fault;
  }

  [[nodiscard]] Status OnlyFor(const YAML::Node& node, const std::string& path,
                               std::string_view key, bool allowed) {
    if (!allowed && node[std::string(key)])
      return reader_.Fail(node[std::string(key)], JoinPath(path, key),
                          "not a field of this kind of fault");
    return OkStatus();
  }

  [[nodiscard]] Result<Duration> DurationAt(const YAML::Node& node, const std::string& path) {
    GP_ASSIGN_OR_RETURN(std::string text, reader_.String(node, path));
    Result<Duration> value = ParseDurationText(text);
    if (!value)
      return reader_.Fail(node, path, value.error().message());
    return *value;
  }

  [[nodiscard]] Status Window(const YAML::Node& node, const std::string& path, Fault& fault) {
    if (node["from"]) {
      GP_ASSIGN_OR_RETURN(fault.from, DurationAt(node["from"], JoinPath(path, "from")));
    }
    if (node["until"] && node["for"])
      return reader_.Fail(node["for"], JoinPath(path, "for"), "give until or for, not both");
    if (node["until"]) {
      GP_ASSIGN_OR_RETURN(fault.until, DurationAt(node["until"], JoinPath(path, "until")));
      if (fault.until <= fault.from)
        return reader_.Fail(node["until"], JoinPath(path, "until"), "must be after from");
    } else if (node["for"]) {
      GP_ASSIGN_OR_RETURN(Duration length, DurationAt(node["for"], JoinPath(path, "for")));
      if (length <= Duration(0))
        return reader_.Fail(node["for"], JoinPath(path, "for"), "must be above 0");
      if (length > Duration::max() - fault.from)
        return reader_.Fail(node["for"], JoinPath(path, "for"), "too long");
      fault.until = fault.from + length;
    } else if (fault.kind == FaultKind::kSpotStorm) {
      return reader_.Fail(node, JoinPath(path, "for"),
                          "required for a spot-storm (the window the notices spread over)");
    }
    return OkStatus();
  }

  [[nodiscard]] Result<double> Share(const YAML::Node& node, const std::string& path,
                                     std::string_view key) {
    std::string field = JoinPath(path, key);
    if (!node[std::string(key)])
      return reader_.Fail(node, field, "required (a number from 0 to 1)");
    const YAML::Node& value = node[std::string(key)];
    GP_ASSIGN_OR_RETURN(std::string text, reader_.String(value, field));
    double share = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), share);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
        !std::isfinite(share))
      return reader_.Fail(value, field, "expected a number from 0 to 1, got '" + text + "'");
    if (share < 0 || share > 1)
      return reader_.Fail(value, field, "must be between 0 and 1, got " + text);
    return share;
  }

  [[nodiscard]] Status Capacity(const YAML::Node& node, const std::string& path, Fault& fault) {
    std::string field = JoinPath(path, "instanceTypes");
    const YAML::Node& types = node["instanceTypes"];
    if (!types)
      return reader_.Fail(node, field, "required (instance types or globs such as p4d.*)");
    if (!types.IsSequence() || types.size() == 0)
      return reader_.Fail(types, field, "expected a non-empty list");
    for (size_t index = 0; index < types.size(); ++index) {
      GP_ASSIGN_OR_RETURN(std::string type,
                          reader_.String(types[index], field + "[" + std::to_string(index) + "]"));
      if (type.empty())
        return reader_.Fail(types[index], field + "[" + std::to_string(index) + "]",
                            "must not be empty");
      fault.instance_types.push_back(std::move(type));
    }
    if (node["capacityType"]) {
      std::string capacity_field = JoinPath(path, "capacityType");
      GP_ASSIGN_OR_RETURN(std::string text, reader_.String(node["capacityType"], capacity_field));
      fault.capacity_type = cluster::ParseCapacityType(text);
      if (!fault.capacity_type)
        return reader_.Fail(node["capacityType"], capacity_field,
                            "unknown capacity type '" + text + "' (on-demand or spot)");
    }
    if (node["zone"]) {
      GP_ASSIGN_OR_RETURN(fault.zone, reader_.String(node["zone"], JoinPath(path, "zone")));
    }
    return OkStatus();
  }

  const YamlReader& reader_;
};

}  // namespace

Result<std::vector<Fault>> ReadFaultList(const YamlReader& reader, const YAML::Node& list) {
  FaultParser parser(reader);
  return parser.List(list);
}

Result<std::vector<Fault>> ParseFaultsFile(std::string_view text, const std::string& path) {
  YamlReader reader(path, 1, nullptr);
  GP_ASSIGN_OR_RETURN(YAML::Node root, reader.Load(text));
  if (!root.IsDefined() || root.IsNull())
    return InvalidArgumentError(path + ":1: empty faults file; expected a mapping with faults");
  GP_TRY(reader.RequireMap(root, ""));
  GP_TRY(reader.RejectUnknownKeys(root, "", {"faults"}));
  if (!root["faults"])
    return reader.Fail(root, "faults", "required");
  return ReadFaultList(reader, root["faults"]);
}

Result<std::vector<Fault>> LoadFaultsFile(const std::string& path) {
  GP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseFaultsFile(text, path);
}

}  // namespace gpupack::sim
