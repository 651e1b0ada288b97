#include "sim/workload/openb_replay.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include "common/quantity.h"
#include "common/rng.h"
#include "sim/workload/pod_shape.h"
#include "sim/workload/workload_util.h"

namespace gpupack::sim {
namespace {

Duration Scaled(int64_t seconds, double scale) {
  return Duration(
      static_cast<int64_t>(std::llround(static_cast<double>(seconds) * scale * 1000.0)));
}

// Draws an index with probability proportional to its weight.
size_t Pick(Rng& rng, const std::vector<double>& weights) {
  double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  double x = rng.UniformDouble() * total;
  for (size_t index = 0; index < weights.size(); ++index) {
    if (x < weights[index])
      return index;
    x -= weights[index];
  }
  return weights.size() - 1;
}

}  // namespace

Result<Workload> OpenbToWorkload(const std::vector<OpenbPod>& pods, std::string_view file,
                                 const OpenbReplayOptions& options) {
  if (!(options.time_scale > 0))
    return InvalidArgumentError("timeScale must be above 0");
  if (options.limit && *options.limit < 0)
    return InvalidArgumentError("limit must not be negative");
  // Row order (the pod's line in the file) breaks ties between equal creation times.
  std::vector<size_t> order(pods.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return pods[a].creation_time.value_or(0) < pods[b].creation_time.value_or(0);
  });
  int64_t start = options.start.seconds;
  if (options.start.last && !order.empty()) {
    auto span = static_cast<int64_t>(
        std::ceil(static_cast<double>(options.end.count()) / 1000.0 / options.time_scale));
    // The last pod arrives a second (scaled) before the end.
    start = std::max<int64_t>(pods[order.back()].creation_time.value_or(0) + 1 - span, 0);
  }
  // Pods that ended before the start are not part of the replay.
  std::erase_if(order, [&](size_t index) {
    return pods[index].deletion_time && *pods[index].deletion_time <= start;
  });
  if (options.limit && static_cast<size_t>(*options.limit) < order.size())
    order.resize(static_cast<size_t>(*options.limit));
  Workload workload;
  for (size_t index : order) {
    const OpenbPod& row = pods[index];
    std::string source = std::string(file) + ":" + std::to_string(index + 2);
    PodArrival arrival;
    const int64_t created = row.creation_time.value_or(0);
    arrival.at = Scaled(std::max<int64_t>(created - start, 0), options.time_scale);
    if (arrival.at >= options.end)
      continue;
    if (row.deletion_time) {
      // A pod running at the start runs what is left of its run.
      int64_t started = std::max(row.scheduled_time.value_or(created), start);
      arrival.run_for =
          std::max(Scaled(std::max<int64_t>(*row.deletion_time - started, 0), options.time_scale),
                   Duration(1));
    }
    PodShape shape;
    shape.milli_cpu = row.cpu_milli;
    shape.memory_bytes = row.memory_mib * kMiB;
    if (row.num_gpu > 0 && row.gpu_milli < 1000)
      shape.milli_gpu = row.gpu_milli;
    else
      shape.gpus = row.num_gpu;
    Result<cluster::Pod> pod = BuildPod(row.name, options.namespace_name, shape);
    if (!pod)
      return InvalidArgumentError(source + ": " + pod.error().message());
    if (!row.gpu_spec.empty()) {
      std::string spec;
      for (const std::string& model : row.gpu_spec)
        spec += (spec.empty() ? "" : "|") + model;
      pod->annotations[std::string(kAnnotationTraceGpuSpec)] = spec;
    }
    arrival.pod = std::move(*pod);
    arrival.source = std::move(source);
    workload.arrivals.push_back(std::move(arrival));
  }
  GP_TRY(SortAndCheckUnique(workload));
  return workload;
}

Result<Workload> ReadOpenbWorkload(const std::string& path, const OpenbReplayOptions& options) {
  GP_ASSIGN_OR_RETURN(std::vector<OpenbPod> pods, ReadOpenbPodList(path));
  return OpenbToWorkload(pods, path, options);
}

std::string GenerateSyntheticOpenbPodList(const SyntheticOpenbOptions& options) {
  Rng rng(options.seed);
  // GPU count classes: CPU-only, fractional, one whole GPU, 2, 4, 8 GPUs.
  const std::vector<double> kClassWeights = {13.3, 37.8, 48.0, 0.2, 0.2, 0.5};
  const std::vector<int64_t> kFractions = {50, 150, 250, 350, 460, 500, 600, 800};
  const std::vector<double> kFractionWeights = {1, 99, 207, 388, 899, 147, 253, 1078};
  const std::vector<int64_t> kCores = {1, 2, 4, 6, 8, 12, 16, 32};
  const std::vector<double> kCoreWeights = {4, 8, 14, 12, 20, 26, 10, 6};
  const std::vector<std::string_view> kQos = {"LS", "BE", "Burstable"};
  const std::vector<double> kQosWeights = {57, 42, 1};
  const std::vector<std::string_view> kPhases = {"Running", "Succeeded", "Failed"};
  const std::vector<double> kPhaseWeights = {80, 3, 17};
  const double span_seconds = static_cast<double>(options.span.count()) / 1000.0;

  struct Row {
    int64_t created = 0;
    std::string text;  // the columns after the name
  };

  std::vector<Row> rows;
  for (int64_t index = 0; index < options.pods; ++index) {
    size_t gpu_class = Pick(rng, kClassWeights);
    int64_t num_gpu = std::array<int64_t, 6>{0, 1, 1, 2, 4, 8}[gpu_class];
    int64_t gpu_milli = gpu_class == 0 ? 0 : 1000;
    if (gpu_class == 1)
      gpu_milli = kFractions[Pick(rng, kFractionWeights)];
    int64_t cores = kCores[Pick(rng, kCoreWeights)] * std::max<int64_t>(num_gpu, 1);
    int64_t cpu_milli = cores * 1000;
    // About 4 GiB per core, between 2 and 6.
    int64_t memory_mib = cores * (2048 + 1024 * static_cast<int64_t>(rng.Uniform(5)));
    auto created = static_cast<int64_t>(rng.UniformDouble() * span_seconds);
    // Log-normal run time: median about 10 minutes, a tail of hours and the odd day.
    auto run = static_cast<int64_t>(std::exp(rng.Normal(std::log(600.0), 1.8)));
    run = std::max<int64_t>(run, 5);
    std::string_view phase = kPhases[Pick(rng, kPhaseWeights)];
    Row row;
    row.created = created;
    row.text = std::to_string(cpu_milli) + "," + std::to_string(memory_mib) + "," +
               std::to_string(num_gpu) + "," + std::to_string(gpu_milli) + ",," +
               std::string(kQos[Pick(rng, kQosWeights)]) + "," + std::string(phase) + "," +
               std::to_string(created) + "," + std::to_string(created + run + 2) + "," +
               std::to_string(created + 2);
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.created < b.created; });
  std::string out =
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
      "deletion_time,scheduled_time\n";
  int64_t number = 0;
  for (const Row& row : rows) {
    std::string name = std::to_string(number++);
    name.insert(0, name.size() < 4 ? 4 - name.size() : 0, '0');
    out += "synth-pod-" + name + "," + row.text + "\n";
  }
  return out;
}

std::string GenerateSyntheticOpenbNodeList(int64_t nodes) {
  std::string out = "sn,cpu_milli,memory_mib,gpu,model\n";
  for (int64_t index = 0; index < nodes; ++index) {
    std::string name = std::to_string(index);
    name.insert(0, name.size() < 4 ? 4 - name.size() : 0, '0');
    out += "synth-node-" + name + ",96000,786432,8,A100\n";
  }
  return out;
}

}  // namespace gpupack::sim
