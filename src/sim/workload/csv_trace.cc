#include "sim/workload/csv_trace.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "common/file.h"
#include "common/quantity.h"
#include "sim/trace/csv_text.h"
#include "sim/workload/arrivals.h"
#include "sim/workload/pod_shape.h"
#include "sim/workload/workload_util.h"

namespace gpupack::sim {
namespace {

constexpr std::string_view kRequired[] = {"name", "arrival", "cpu", "memory"};
constexpr std::string_view kOptional[] = {"duration",   "gpu",      "gpu_fraction", "mig_profile",
                                          "gpu_memory", "template", "namespace"};

// Numbered lines without the comments and blank lines.
std::vector<std::pair<int, std::string_view>> ContentLines(std::string_view text) {
  std::vector<std::pair<int, std::string_view>> lines;
  LineReader reader(text);
  while (std::optional<std::string_view> line = reader.Next()) {
    if (!line->empty() && line->front() != '#') {
      lines.emplace_back(static_cast<int>(reader.number()), *line);
    }
  }
  return lines;
}

bool IsKnownColumn(std::string_view name) {
  return std::find(std::begin(kRequired), std::end(kRequired), name) != std::end(kRequired) ||
         std::find(std::begin(kOptional), std::end(kOptional), name) != std::end(kOptional);
}

std::string DurationCell(Duration d) {
  if (d.count() % 1000 == 0)
    return std::to_string(d.count() / 1000);
  return std::to_string(d.count()) + "ms";
}

// A Kubernetes object name (DNS-1123 subdomain): lowercase letters, digits, '-' and '.',
// starting and ending with a letter or digit. Anything else (a leading '#' read back as a
// comment, a comma, bytes that are not ASCII) would not survive WriteCsvTrace.
bool IsObjectName(std::string_view name) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (name.empty() || name.size() > 253 || !alnum(name.front()) || !alnum(name.back()))
    return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

}  // namespace

Result<Workload> ParseCsvTrace(std::string_view text, std::string_view file, Duration end) {
  std::vector<std::pair<int, std::string_view>> lines = ContentLines(text);
  std::string file_name(file);
  if (lines.empty())
    return InvalidArgumentError(file_name + ":1: empty file; expected a header line");
  auto fail = [&](int line, std::string_view column, const std::string& problem) {
    return InvalidArgumentError(file_name + ":" + std::to_string(line) + ": " +
                                (column.empty() ? "" : std::string(column) + ": ") + problem);
  };
  std::vector<std::string_view> header = SplitFields(lines.front().second);
  int header_line = lines.front().first;
  for (std::string_view column : header) {
    if (!IsKnownColumn(column))
      return fail(header_line, "", "unknown column '" + std::string(column) + "'");
  }
  for (std::string_view column : kRequired) {
    if (std::find(header.begin(), header.end(), column) == header.end())
      return fail(header_line, "", "header has no column '" + std::string(column) + "'");
  }
  Workload workload;
  for (size_t index = 1; index < lines.size(); ++index) {
    auto [line, content] = lines[index];
    std::vector<std::string_view> fields = SplitFields(content);
    if (fields.size() != header.size()) {
      return fail(line, "",
                  "expected " + std::to_string(header.size()) + " fields, found " +
                      std::to_string(fields.size()));
    }
    auto cell = [&](std::string_view column) -> std::string_view {
      auto it = std::find(header.begin(), header.end(), column);
      return it == header.end() ? std::string_view()
                                : fields[static_cast<size_t>(it - header.begin())];
    };
    auto wrap = [&](std::string_view column, const Error& error) {
      return fail(line, column, error.message());
    };
    std::string name(cell("name"));
    if (name.empty())
      return fail(line, "name", "empty");
    if (!IsObjectName(name))
      return fail(line, "name",
                  "not a Kubernetes name (lowercase letters, digits, '-' and '.', starting and "
                  "ending with a letter or digit)");
    PodArrival arrival;
    Result<Duration> at = ParseDurationText(cell("arrival"));
    if (!at)
      return wrap("arrival", at.error());
    arrival.at = *at;
    if (!cell("duration").empty()) {
      Result<Duration> run_for = ParseDurationText(cell("duration"));
      if (!run_for)
        return wrap("duration", run_for.error());
      arrival.run_for = *run_for;
    }
    PodShape shape;
    Result<int64_t> cpu = ParseMilliCpu(cell("cpu"));
    if (!cpu)
      return wrap("cpu", cpu.error());
    shape.milli_cpu = *cpu;
    Result<int64_t> memory = ParseBytes(cell("memory"));
    if (!memory)
      return wrap("memory", memory.error());
    shape.memory_bytes = *memory;
    if (!cell("gpu").empty()) {
      Result<int64_t> gpus = ParseCount(cell("gpu"));
      if (!gpus)
        return wrap("gpu", gpus.error());
      shape.gpus = *gpus;
    }
    if (!cell("gpu_fraction").empty()) {
      Result<Quantity> fraction = Quantity::Parse(cell("gpu_fraction"));
      if (!fraction)
        return wrap("gpu_fraction", fraction.error());
      if (fraction->MilliValue() <= 0 || fraction->MilliValue() >= 1000)
        return fail(line, "gpu_fraction", "must be above 0 and below 1");
      shape.milli_gpu = fraction->MilliValue();
    }
    shape.mig_profile = cell("mig_profile");
    if (!cell("gpu_memory").empty()) {
      Result<int64_t> gpu_memory = ParseBytes(cell("gpu_memory"));
      if (!gpu_memory)
        return wrap("gpu_memory", gpu_memory.error());
      shape.gpu_memory_bytes = *gpu_memory;
    }
    shape.node_template = cell("template");
    std::string namespace_name(cell("namespace"));
    if (!namespace_name.empty() && !IsObjectName(namespace_name))
      return fail(line, "namespace",
                  "not a Kubernetes name (lowercase letters, digits, '-' and '.', starting and "
                  "ending with a letter or digit)");
    Result<cluster::Pod> pod =
        BuildPod(name, namespace_name.empty() ? "default" : namespace_name, shape);
    if (!pod)
      return fail(line, "", pod.error().message());
    if (arrival.at >= end)
      continue;
    arrival.pod = std::move(*pod);
    arrival.source = file_name + ":" + std::to_string(line);
    workload.arrivals.push_back(std::move(arrival));
  }
  GP_TRY(SortAndCheckUnique(workload));
  return workload;
}

Result<Workload> ReadCsvTrace(const std::string& path, Duration end) {
  GP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseCsvTrace(text, path, end);
}

std::string WriteCsvTrace(const Workload& workload) {
  std::string out =
      "name,namespace,arrival,duration,cpu,memory,gpu,gpu_fraction,mig_profile,"
      "gpu_memory,template\n";
  for (const PodArrival& arrival : workload.arrivals) {
    const cluster::Pod& pod = arrival.pod;
    const cluster::GpuDemand& gpu = pod.gpu;
    out += pod.name + "," + pod.namespace_name + "," + DurationCell(arrival.at) + "," +
           (arrival.run_for ? DurationCell(*arrival.run_for) : "") + "," +
           FormatMilli(pod.requests.milli_cpu) + "," + FormatBytes(pod.requests.memory_bytes) + ",";
    out += (gpu.kind == cluster::GpuDemandKind::kWholeGpu ? std::to_string(gpu.count) : "") + ",";
    out += (gpu.kind == cluster::GpuDemandKind::kSharedGpu && gpu.milli_gpu > 0
                ? FormatMilli(gpu.milli_gpu)
                : "") +
           ",";
    out += (gpu.kind == cluster::GpuDemandKind::kMigProfile ? gpu.mig_profile : "") + ",";
    out += (gpu.gpu_memory_bytes > 0 ? FormatBytes(gpu.gpu_memory_bytes) : "") + ",";
    out += pod.RequiredNodeTemplate().value_or("") + "\n";
  }
  return out;
}

bool LooksLikeCsvTrace(std::string_view text) {
  std::vector<std::pair<int, std::string_view>> lines = ContentLines(text);
  if (lines.empty())
    return false;
  std::vector<std::string_view> header = SplitFields(lines.front().second);
  return std::all_of(std::begin(kRequired), std::end(kRequired), [&](std::string_view column) {
    return std::find(header.begin(), header.end(), column) != header.end();
  });
}

}  // namespace gpupack::sim
