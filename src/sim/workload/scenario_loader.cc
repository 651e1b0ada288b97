#include "sim/workload/scenario_loader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <optional>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "catalog/instance_catalog_loader.h"
#include "catalog/internal/yaml_reader.h"
#include "catalog/k8s_reader.h"
#include "catalog/node_template_reader.h"
#include "cluster/snapshot.h"
#include "common/file.h"
#include "common/quantity.h"
#include "common/rng.h"
#include "sim/trace/openb.h"
#include "sim/workload/arrivals.h"
#include "sim/workload/csv_trace.h"
#include "sim/workload/fault_reader.h"
#include "sim/workload/openb_replay.h"
#include "sim/workload/pod_shape.h"
#include "sim/workload/workload_util.h"

namespace gpupack::sim {
namespace {

using catalog_internal::JoinPath;
using catalog_internal::YamlReader;

// Reads one scenario; holds the reader, the folder for relative paths and the result.
class ScenarioParser {
 public:
  ScenarioParser(const std::string& path, const gpu::GpuCatalog& catalog)
      : reader_(path, 1, nullptr), path_(path), catalog_(catalog) {
    base_ = std::filesystem::path(path).parent_path();
  }

  [[nodiscard]] Result<Scenario> Parse(std::string_view text) {
    GP_ASSIGN_OR_RETURN(YAML::Node root, reader_.Load(text));
    if (!root.IsDefined() || root.IsNull())
      return InvalidArgumentError(path_ + ":1: empty scenario; expected a mapping with workloads");
    GP_TRY(reader_.RequireMap(root, ""));
    GP_TRY(reader_.RejectUnknownKeys(
        root, "",
        {"name", "description", "length", "seed", "catalogs", "strategies", "cloud", "control",
         "templates", "workloads", "faults"}));
    Scenario scenario;
    scenario.source = path_;
    if (!root["name"])
      return reader_.Fail(root, "name", "required");
    GP_ASSIGN_OR_RETURN(scenario.name, reader_.String(root["name"], "name"));
    if (root["description"]) {
      GP_ASSIGN_OR_RETURN(scenario.description, reader_.String(root["description"], "description"));
    }
    if (root["length"]) {
      GP_ASSIGN_OR_RETURN(scenario.length, DurationField(root["length"], "length"));
      if (scenario.length <= Duration(0))
        return reader_.Fail(root["length"], "length", "must be above 0");
    }
    if (root["seed"]) {
      GP_ASSIGN_OR_RETURN(int64_t seed, reader_.Int(root["seed"], "seed"));
      if (seed < 0)
        return reader_.Fail(root["seed"], "seed", "must not be negative");
      scenario.seed = static_cast<uint64_t>(seed);
    }
    GP_ASSIGN_OR_RETURN(scenario.catalogs, Catalogs(root["catalogs"]));
    GP_ASSIGN_OR_RETURN(scenario.strategies, Strategies(root["strategies"]));
    GP_TRY(Cloud(root["cloud"], scenario.cloud));
    GP_TRY(Control(root["control"], scenario.control));
    if (root["faults"]) {
      GP_ASSIGN_OR_RETURN(scenario.faults, ReadFaultList(reader_, root["faults"]));
    }
    GP_ASSIGN_OR_RETURN(scenario.templates, Templates(root["templates"]));
    if (!root["workloads"])
      return reader_.Fail(root, "workloads", "required");
    const YAML::Node& workloads = root["workloads"];
    if (!workloads.IsSequence() || workloads.size() == 0)
      return reader_.Fail(workloads, "workloads", "expected a non-empty list");
    for (size_t index = 0; index < workloads.size(); ++index) {
      std::string path = "workloads[" + std::to_string(index) + "]";
      Rng rng(scenario.seed * 1'000'003ULL + index);
      GP_TRY(WorkloadEntry(workloads[index], path, scenario.length, rng, scenario.workload));
    }
    GP_TRY(SortAndCheckUnique(scenario.workload));
    return scenario;
  }

 private:
  std::string Resolve(const std::string& relative) const {
    std::filesystem::path file(relative);
    if (file.is_absolute() || base_.empty())
      return relative;
    return (base_ / file).lexically_normal().string();
  }

  // An error of a file referenced from the scenario, at the reference's line.
  tl::unexpected<Error> FailReferenced(const YAML::Node& node, std::string_view path,
                                       const Error& error) const {
    return reader_.Fail(node, path, error.message());
  }

  [[nodiscard]] Result<Duration> DurationField(const YAML::Node& node, std::string_view path) {
    GP_ASSIGN_OR_RETURN(std::string text, reader_.String(node, path));
    Result<Duration> value = ParseDurationText(text);
    if (!value)
      return reader_.Fail(node, path, value.error().message());
    return *value;
  }

  [[nodiscard]] Result<double> Number(const YAML::Node& node, std::string_view path) {
    GP_ASSIGN_OR_RETURN(std::string text, reader_.String(node, path));
    double value = 0.0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
        !std::isfinite(value))
      return reader_.Fail(node, path, "expected a number, got '" + text + "'");
    if (value < 0)
      return reader_.Fail(node, path, "must not be negative");
    return value;
  }

  [[nodiscard]] Result<std::vector<std::string>> StringList(const YAML::Node& node,
                                                            std::string_view path) {
    std::vector<std::string> out;
    if (!node)
      return out;
    if (!node.IsSequence())
      return reader_.Fail(node, path, "expected a list");
    for (size_t index = 0; index < node.size(); ++index) {
      GP_ASSIGN_OR_RETURN(
          std::string value,
          reader_.String(node[index], std::string(path) + "[" + std::to_string(index) + "]"));
      out.push_back(std::move(value));
    }
    return out;
  }

  [[nodiscard]] Result<std::vector<std::string>> Catalogs(const YAML::Node& node) {
    GP_ASSIGN_OR_RETURN(std::vector<std::string> names, StringList(node, "catalogs"));
    for (size_t index = 0; index < names.size(); ++index) {
      std::string& name = names[index];
      if (name == "aws" || name == "gcp" || name == "azure")
        continue;
      name = Resolve(name);
      if (!std::filesystem::exists(name))
        return reader_.Fail(node[index], "catalogs[" + std::to_string(index) + "]",
                            "not aws, gcp, azure or an existing file: " + name);
    }
    return names;
  }

  [[nodiscard]] Result<std::vector<std::string>> Strategies(const YAML::Node& node) {
    GP_ASSIGN_OR_RETURN(std::vector<std::string> names, StringList(node, "strategies"));
    for (size_t index = 0; index < names.size(); ++index) {
      if (std::find(std::begin(kStrategyNames), std::end(kStrategyNames), names[index]) ==
          std::end(kStrategyNames))
        return reader_.Fail(node[index], "strategies[" + std::to_string(index) + "]",
                            "unknown strategy '" + names[index] +
                                "' (dedicated, time-slicing, mig, mig+time-slicing, auto)");
    }
    return names;
  }

  [[nodiscard]] Status Cloud(const YAML::Node& node, CloudSettings& cloud) {
    if (!node)
      return OkStatus();
    GP_TRY(reader_.RequireMap(node, "cloud"));
    GP_TRY(reader_.RejectUnknownKeys(node, "cloud",
                                     {"launchLatency", "devicePluginDelay", "migReconfigureTime",
                                      "spotInterruptionsPerHour", "insufficientCapacity"}));
    if (node["launchLatency"]) {
      GP_ASSIGN_OR_RETURN(cloud.launch_latency,
                          DurationField(node["launchLatency"], "cloud.launchLatency"));
    }
    if (node["devicePluginDelay"]) {
      GP_ASSIGN_OR_RETURN(cloud.device_plugin_delay,
                          DurationField(node["devicePluginDelay"], "cloud.devicePluginDelay"));
    }
    if (node["migReconfigureTime"]) {
      GP_ASSIGN_OR_RETURN(cloud.mig_reconfigure_time,
                          DurationField(node["migReconfigureTime"], "cloud.migReconfigureTime"));
    }
    if (node["spotInterruptionsPerHour"]) {
      GP_ASSIGN_OR_RETURN(
          cloud.spot_interruptions_per_hour,
          Number(node["spotInterruptionsPerHour"], "cloud.spotInterruptionsPerHour"));
    }
    GP_ASSIGN_OR_RETURN(cloud.insufficient_capacity,
                        StringList(node["insufficientCapacity"], "cloud.insufficientCapacity"));
    return OkStatus();
  }

  [[nodiscard]] Status Control(const YAML::Node& node, ControlSettings& control) {
    if (!node)
      return OkStatus();
    GP_TRY(reader_.RequireMap(node, "control"));
    GP_TRY(reader_.RejectUnknownKeys(
        node, "control", {"batchIdle", "batchMax", "emptyNodeTtl", "consolidationInterval"}));
    if (node["batchIdle"]) {
      GP_ASSIGN_OR_RETURN(control.batch_idle,
                          DurationField(node["batchIdle"], "control.batchIdle"));
    }
    if (node["batchMax"]) {
      GP_ASSIGN_OR_RETURN(control.batch_max, DurationField(node["batchMax"], "control.batchMax"));
    }
    if (node["emptyNodeTtl"]) {
      GP_ASSIGN_OR_RETURN(control.empty_node_ttl,
                          DurationField(node["emptyNodeTtl"], "control.emptyNodeTtl"));
    }
    if (node["consolidationInterval"]) {
      GP_ASSIGN_OR_RETURN(
          control.consolidation_interval,
          DurationField(node["consolidationInterval"], "control.consolidationInterval"));
    }
    return OkStatus();
  }

  [[nodiscard]] Result<std::vector<cluster::NodeTemplate>> Templates(const YAML::Node& node) {
    std::vector<cluster::NodeTemplate> templates;
    if (!node)
      return templates;
    if (!node.IsSequence())
      return reader_.Fail(node, "templates", "expected a list of NodeTemplates or file names");
    for (size_t index = 0; index < node.size(); ++index) {
      std::string path = "templates[" + std::to_string(index) + "]";
      const YAML::Node& entry = node[index];
      if (entry.IsScalar()) {
        std::string file = Resolve(entry.Scalar());
        Result<catalog::KubeObjects> objects = catalog::ReadKubeFiles({file}, catalog_);
        if (!objects)
          return FailReferenced(entry, path, objects.error());
        if (objects->templates.empty())
          return reader_.Fail(entry, path, file + " holds no NodeTemplate");
        for (cluster::NodeTemplate& node_template : objects->templates)
          templates.push_back(std::move(node_template));
        continue;
      }
      std::vector<std::string> warnings;
      Result<cluster::NodeTemplate> node_template =
          catalog::ReadNodeTemplate(entry, path_, catalog_, warnings);
      if (!node_template)
        return tl::unexpected(node_template.error());
      if (!warnings.empty())
        return InvalidArgumentError(warnings.front());
      templates.push_back(std::move(*node_template));
    }
    for (size_t a = 0; a < templates.size(); ++a) {
      for (size_t b = a + 1; b < templates.size(); ++b) {
        if (templates[a].name == templates[b].name)
          return reader_.Fail(node[b < node.size() ? b : node.size() - 1], "templates",
                              "NodeTemplate " + templates[b].name + " is defined twice");
      }
    }
    return templates;
  }

  [[nodiscard]] Result<ArrivalPattern> Arrival(const YAML::Node& node, const std::string& path) {
    ArrivalPattern pattern;
    if (!node)
      return pattern;
    GP_TRY(reader_.RequireMap(node, path));
    GP_TRY(reader_.RejectUnknownKeys(
        node, path,
        {"pattern", "at", "ratePerHour", "peakRatePerHour", "troughRatePerHour", "peakHour"}));
    std::string kind = "at-once";
    if (node["pattern"]) {
      GP_ASSIGN_OR_RETURN(kind, reader_.String(node["pattern"], JoinPath(path, "pattern")));
    }
    if (node["at"]) {
      GP_ASSIGN_OR_RETURN(pattern.at, DurationField(node["at"], JoinPath(path, "at")));
    }
    auto need = [&](std::string_view key, double& field) -> Status {
      if (!node[std::string(key)])
        return reader_.Fail(node, JoinPath(path, key), "required for pattern " + kind);
      GP_ASSIGN_OR_RETURN(field, Number(node[std::string(key)], JoinPath(path, key)));
      return OkStatus();
    };
    auto forbid = [&](std::initializer_list<std::string_view> keys) -> Status {
      for (std::string_view key : keys) {
        if (node[std::string(key)])
          return reader_.Fail(node[std::string(key)], JoinPath(path, key),
                              "not used by pattern " + kind);
      }
      return OkStatus();
    };
    if (kind == "at-once") {
      GP_TRY(forbid({"ratePerHour", "peakRatePerHour", "troughRatePerHour", "peakHour"}));
      pattern.kind = ArrivalPatternKind::kAtOnce;
    } else if (kind == "poisson") {
      GP_TRY(forbid({"peakRatePerHour", "troughRatePerHour", "peakHour"}));
      pattern.kind = ArrivalPatternKind::kPoisson;
      GP_TRY(need("ratePerHour", pattern.rate_per_hour));
    } else if (kind == "diurnal") {
      GP_TRY(forbid({"ratePerHour"}));
      pattern.kind = ArrivalPatternKind::kDiurnal;
      GP_TRY(need("peakRatePerHour", pattern.peak_rate_per_hour));
      GP_TRY(need("troughRatePerHour", pattern.trough_rate_per_hour));
      if (node["peakHour"]) {
        GP_ASSIGN_OR_RETURN(pattern.peak_hour,
                            Number(node["peakHour"], JoinPath(path, "peakHour")));
        if (pattern.peak_hour > 24)
          return reader_.Fail(node["peakHour"], JoinPath(path, "peakHour"), "must be 0..24");
      }
    } else {
      return reader_.Fail(node["pattern"], JoinPath(path, "pattern"),
                          "unknown pattern '" + kind + "' (at-once, poisson, diurnal)");
    }
    return pattern;
  }

  [[nodiscard]] Result<RunTime> RunTimeField(const YAML::Node& node, const std::string& path) {
    RunTime run_time;
    if (!node)
      return run_time;
    if (node.IsScalar()) {
      if (node.Scalar() == "forever")
        return run_time;
      run_time.distribution = DurationDistribution::kFixed;
      GP_ASSIGN_OR_RETURN(run_time.mean, DurationField(node, path));
      return run_time;
    }
    GP_TRY(reader_.RequireMap(node, path));
    GP_TRY(reader_.RejectUnknownKeys(node, path, {"distribution", "mean", "sigma", "min"}));
    if (!node["distribution"])
      return reader_.Fail(node, JoinPath(path, "distribution"), "required");
    GP_ASSIGN_OR_RETURN(std::string kind,
                        reader_.String(node["distribution"], JoinPath(path, "distribution")));
    if (kind == "fixed") {
      run_time.distribution = DurationDistribution::kFixed;
    } else if (kind == "exponential") {
      run_time.distribution = DurationDistribution::kExponential;
    } else if (kind == "lognormal") {
      run_time.distribution = DurationDistribution::kLognormal;
    } else if (kind == "forever") {
      return run_time;
    } else {
      return reader_.Fail(
          node["distribution"], JoinPath(path, "distribution"),
          "unknown distribution '" + kind + "' (fixed, exponential, lognormal, forever)");
    }
    if (!node["mean"])
      return reader_.Fail(node, JoinPath(path, "mean"), "required");
    GP_ASSIGN_OR_RETURN(run_time.mean, DurationField(node["mean"], JoinPath(path, "mean")));
    if (run_time.mean.count() <= 0)
      return reader_.Fail(node["mean"], JoinPath(path, "mean"), "must be positive");
    if (node["sigma"]) {
      if (run_time.distribution != DurationDistribution::kLognormal)
        return reader_.Fail(node["sigma"], JoinPath(path, "sigma"), "only for lognormal");
      GP_ASSIGN_OR_RETURN(run_time.sigma, Number(node["sigma"], JoinPath(path, "sigma")));
      if (!(run_time.sigma >= 0) || !std::isfinite(run_time.sigma))
        return reader_.Fail(node["sigma"], JoinPath(path, "sigma"), "must be a finite number >= 0");
    }
    if (node["min"]) {
      GP_ASSIGN_OR_RETURN(run_time.min, DurationField(node["min"], JoinPath(path, "min")));
    }
    return run_time;
  }

  [[nodiscard]] Result<PodShape> Requests(const YAML::Node& node, const std::string& path) {
    PodShape shape;
    if (!node)
      return reader_.Fail(node, path, "required");
    GP_TRY(reader_.RequireMap(node, path));
    GP_TRY(reader_.RejectUnknownKeys(node, path, {"cpu", "memory", "gpu"}));
    auto quantity = [&](std::string_view key, auto parse, int64_t& field) -> Status {
      if (!node[std::string(key)])
        return OkStatus();
      std::string field_path = JoinPath(path, key);
      GP_ASSIGN_OR_RETURN(std::string text, reader_.String(node[std::string(key)], field_path));
      Result<int64_t> value = parse(text);
      if (!value)
        return reader_.Fail(node[std::string(key)], field_path, value.error().message());
      field = *value;
      return OkStatus();
    };
    GP_TRY(quantity("cpu", ParseMilliCpu, shape.milli_cpu));
    GP_TRY(quantity("memory", ParseBytes, shape.memory_bytes));
    const YAML::Node& gpu = node["gpu"];
    if (!gpu)
      return shape;
    std::string gpu_path = JoinPath(path, "gpu");
    GP_TRY(reader_.RequireMap(gpu, gpu_path));
    GP_TRY(reader_.RejectUnknownKeys(gpu, gpu_path, {"count", "fraction", "migProfile", "memory"}));
    if (gpu["count"]) {
      GP_ASSIGN_OR_RETURN(shape.gpus, reader_.Int(gpu["count"], JoinPath(gpu_path, "count")));
      if (shape.gpus < 1)
        return reader_.Fail(gpu["count"], JoinPath(gpu_path, "count"), "must be at least 1");
    }
    if (gpu["fraction"]) {
      GP_ASSIGN_OR_RETURN(double fraction, Number(gpu["fraction"], JoinPath(gpu_path, "fraction")));
      if (fraction <= 0 || fraction >= 1)
        return reader_.Fail(gpu["fraction"], JoinPath(gpu_path, "fraction"),
                            "must be above 0 and below 1 (ask for whole GPUs with count)");
      shape.milli_gpu = std::max<int64_t>(std::llround(fraction * 1000.0), 1);
    }
    if (gpu["migProfile"]) {
      GP_ASSIGN_OR_RETURN(shape.mig_profile,
                          reader_.String(gpu["migProfile"], JoinPath(gpu_path, "migProfile")));
      if (catalog_.ModelsOffering(shape.mig_profile).empty())
        return reader_.Fail(gpu["migProfile"], JoinPath(gpu_path, "migProfile"),
                            "no GPU in the catalog has MIG profile '" + shape.mig_profile + "'");
    }
    GP_TRY(quantity("memory", ParseBytes, shape.gpu_memory_bytes));
    return shape;
  }

  [[nodiscard]] Status WorkloadEntry(const YAML::Node& node, const std::string& path, Duration end,
                                     Rng& rng, Workload& out) {
    GP_TRY(reader_.RequireMap(node, path));
    int forms = (node["requests"] ? 1 : 0) + (node["manifests"] ? 1 : 0) + (node["trace"] ? 1 : 0);
    if (forms != 1)
      return reader_.Fail(node, path, "give exactly one of requests, manifests or trace");
    if (node["trace"]) {
      GP_TRY(reader_.RejectUnknownKeys(node, path, {"trace"}));
      return TraceEntry(node["trace"], JoinPath(path, "trace"), end, out);
    }
    std::vector<cluster::Pod> pods;
    std::optional<int64_t> count;
    std::vector<std::string> sources;
    if (node["manifests"]) {
      GP_TRY(reader_.RejectUnknownKeys(node, path, {"manifests", "arrival", "duration"}));
      GP_ASSIGN_OR_RETURN(std::vector<std::string> files,
                          StringList(node["manifests"], JoinPath(path, "manifests")));
      if (files.empty())
        return reader_.Fail(node["manifests"], JoinPath(path, "manifests"), "empty list");
      for (std::string& file : files)
        file = Resolve(file);
      Result<catalog::KubeObjects> objects = catalog::ReadKubeFiles(files, catalog_);
      if (!objects)
        return FailReferenced(node["manifests"], JoinPath(path, "manifests"), objects.error());
      pods = std::move(objects->pods);
      std::sort(pods.begin(), pods.end(),
                [](const cluster::Pod& a, const cluster::Pod& b) { return a.Key() < b.Key(); });
      count = static_cast<int64_t>(pods.size());
    } else {
      GP_TRY(reader_.RejectUnknownKeys(
          node, path,
          {"name", "namespace", "count", "requests", "template", "arrival", "duration"}));
      if (!node["name"])
        return reader_.Fail(node, JoinPath(path, "name"), "required");
      GP_ASSIGN_OR_RETURN(std::string name, reader_.String(node["name"], JoinPath(path, "name")));
      std::string namespace_name = "default";
      if (node["namespace"]) {
        GP_ASSIGN_OR_RETURN(namespace_name,
                            reader_.String(node["namespace"], JoinPath(path, "namespace")));
      }
      if (node["count"]) {
        GP_ASSIGN_OR_RETURN(int64_t value, reader_.Int(node["count"], JoinPath(path, "count")));
        if (value < 0)
          return reader_.Fail(node["count"], JoinPath(path, "count"),
                              "must be >= 0, got " + std::to_string(value));
        count = value;
      }
      GP_ASSIGN_OR_RETURN(PodShape shape, Requests(node["requests"], JoinPath(path, "requests")));
      if (node["template"]) {
        GP_ASSIGN_OR_RETURN(shape.node_template,
                            reader_.String(node["template"], JoinPath(path, "template")));
      }
      Result<cluster::Pod> pod = BuildPod(name, namespace_name, shape);
      if (!pod)
        return reader_.Fail(node["requests"], JoinPath(path, "requests"), pod.error().message());
      pod->owner = cluster::OwnerRef{"Workload", name};
      pods.push_back(std::move(*pod));
    }
    GP_ASSIGN_OR_RETURN(ArrivalPattern pattern,
                        Arrival(node["arrival"], JoinPath(path, "arrival")));
    if (pattern.kind == ArrivalPatternKind::kAtOnce && !count)
      return reader_.Fail(node, JoinPath(path, "count"), "required for pattern at-once");
    GP_ASSIGN_OR_RETURN(RunTime run_time,
                        RunTimeField(node["duration"], JoinPath(path, "duration")));
    std::vector<Duration> instants = GenerateArrivals(pattern, count, end, rng);
    std::string source = path_ + ":" + std::to_string(reader_.Line(node));
    bool compact = !node["manifests"];
    for (size_t index = 0; index < instants.size(); ++index) {
      PodArrival arrival;
      arrival.at = instants[index];
      arrival.run_for = DrawRunTime(run_time, rng);
      arrival.pod = compact ? pods.front() : pods[index];
      if (compact)
        arrival.pod.name += "-" + std::to_string(index);
      arrival.source = source;
      out.arrivals.push_back(std::move(arrival));
    }
    return OkStatus();
  }

  [[nodiscard]] Status TraceEntry(const YAML::Node& node, const std::string& path, Duration end,
                                  Workload& out) {
    GP_TRY(reader_.RequireMap(node, path));
    GP_TRY(reader_.RejectUnknownKeys(node, path,
                                     {"format", "path", "nodes", "timeScale", "limit", "start"}));
    if (!node["format"])
      return reader_.Fail(node, JoinPath(path, "format"), "required (openb or csv)");
    if (!node["path"])
      return reader_.Fail(node, JoinPath(path, "path"), "required");
    GP_ASSIGN_OR_RETURN(std::string format,
                        reader_.String(node["format"], JoinPath(path, "format")));
    GP_ASSIGN_OR_RETURN(std::string file, reader_.String(node["path"], JoinPath(path, "path")));
    file = Resolve(file);
    OpenbReplayOptions options;
    options.end = end;
    if (node["timeScale"]) {
      GP_ASSIGN_OR_RETURN(options.time_scale,
                          Number(node["timeScale"], JoinPath(path, "timeScale")));
      if (options.time_scale <= 0)
        return reader_.Fail(node["timeScale"], JoinPath(path, "timeScale"), "must be above 0");
    }
    if (node["limit"]) {
      GP_ASSIGN_OR_RETURN(int64_t limit, reader_.Int(node["limit"], JoinPath(path, "limit")));
      if (limit < 0)
        return reader_.Fail(node["limit"], JoinPath(path, "limit"), "must not be negative");
      options.limit = limit;
    }
    if (node["start"]) {
      GP_ASSIGN_OR_RETURN(std::string start,
                          reader_.String(node["start"], JoinPath(path, "start")));
      Result<Duration> at = ParseDurationText(start);
      if (start == "last") {
        options.start.last = true;
      } else if (at) {
        options.start.seconds = std::chrono::duration_cast<std::chrono::seconds>(*at).count();
      } else {
        return reader_.Fail(node["start"], JoinPath(path, "start"),
                            "'" + start + "': expected last or a duration of trace time (130d)");
      }
    }
    Result<Workload> workload;
    if (format == "openb") {
      if (node["nodes"]) {
        GP_ASSIGN_OR_RETURN(std::string nodes,
                            reader_.String(node["nodes"], JoinPath(path, "nodes")));
        Result<std::vector<plan::packing::PackNodeSpec>> list = ReadOpenbNodeList(Resolve(nodes));
        if (!list)
          return FailReferenced(node["nodes"], JoinPath(path, "nodes"), list.error());
      }
      workload = ReadOpenbWorkload(file, options);
    } else if (format == "csv") {
      if (node["nodes"] || node["timeScale"] || node["limit"] || node["start"])
        return reader_.Fail(node, path,
                            "nodes, timeScale, limit and start are for the openb format");
      workload = ReadCsvTrace(file, end);
    } else {
      return reader_.Fail(node["format"], JoinPath(path, "format"),
                          "unknown format '" + format + "' (openb or csv)");
    }
    if (!workload)
      return FailReferenced(node["path"], JoinPath(path, "path"), workload.error());
    for (PodArrival& arrival : workload->arrivals)
      out.arrivals.push_back(std::move(arrival));
    return OkStatus();
  }

  YamlReader reader_;
  std::string path_;
  std::filesystem::path base_;
  const gpu::GpuCatalog& catalog_;
};

}  // namespace

Result<Scenario> ParseScenario(std::string_view text, const std::string& path,
                               const gpu::GpuCatalog& catalog) {
  ScenarioParser parser(path, catalog);
  return parser.Parse(text);
}

Status CheckScenarioPodsCanRun(const Scenario& scenario, const cluster::InstanceCatalog& instances,
                               const gpu::GpuCatalog& catalog) {
  std::string prefix = scenario.source + ":";
  for (const PodArrival& arrival : scenario.workload.arrivals) {
    if (!arrival.source.starts_with(prefix)) {
      continue;
    }
    std::string reason = cluster::UnsatisfiableReason(arrival.pod.gpu, catalog, instances);
    if (!reason.empty())
      return InvalidArgumentError(arrival.source + ": " + arrival.pod.Key() + ": " + reason);
  }
  return OkStatus();
}

Result<Scenario> LoadScenario(const std::string& path, const gpu::GpuCatalog& catalog) {
  GP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseScenario(text, path, catalog);
}

Result<cluster::InstanceCatalog> LoadScenarioInstances(const Scenario& scenario,
                                                       const gpu::GpuCatalog& gpus) {
  std::vector<std::string> names = scenario.catalogs;
  if (names.empty()) {
    names = {"aws"};
  }
  if (names.size() == 1) {
    return catalog::LoadInstanceCatalog(names.front(), gpus);
  }
  std::vector<cluster::InstanceType> types;
  cluster::InstanceCatalog::Info info;
  for (const std::string& name : names) {
    GP_ASSIGN_OR_RETURN(cluster::InstanceCatalog one, catalog::LoadInstanceCatalog(name, gpus));
    if (info.cloud.empty()) {
      info = one.info();
    } else {
      info.cloud += "+" + one.info().cloud;
    }
    types.insert(types.end(), one.types().begin(), one.types().end());
  }
  return cluster::InstanceCatalog::Create(info, std::move(types));
}

}  // namespace gpupack::sim
