#include "sim/workload/pod_shape.h"

namespace gpupack::sim {

Result<cluster::Pod> BuildPod(const std::string& name, const std::string& namespace_name,
                              const PodShape& shape) {
  int forms = (shape.gpus > 0 ? 1 : 0) + (shape.milli_gpu > 0 ? 1 : 0) +
              (shape.mig_profile.empty() ? 0 : 1);
  if (forms > 1)
    return InvalidArgumentError("give one of a GPU count, a GPU fraction or a MIG profile");
  if (shape.milli_gpu < 0 || shape.milli_gpu >= 1000)
    return InvalidArgumentError("a GPU fraction must be above 0 and below 1");
  if (shape.gpus < 0 || shape.milli_cpu < 0 || shape.memory_bytes < 0 || shape.gpu_memory_bytes < 0)
    return InvalidArgumentError("amounts must not be negative");
  cluster::Pod pod;
  pod.name = name;
  pod.namespace_name = namespace_name;
  pod.requests.milli_cpu = shape.milli_cpu;
  pod.requests.memory_bytes = shape.memory_bytes;
  pod.requests.pods = 1;
  if (shape.gpus > 0) {
    pod.requests.Set(cluster::kResourceGpu, shape.gpus);
  } else if (shape.milli_gpu > 0) {
    pod.requests.Set(cluster::kResourceGpuShared, 1);
  } else if (!shape.mig_profile.empty()) {
    std::string resource(cluster::kResourceMigPrefix);
    for (char c : shape.mig_profile)
      resource += c == '+' ? '.' : c;
    pod.requests.Set(resource, 1);
    pod.tolerations.push_back({std::string(cluster::kTaintMig),
                               cluster::TolerationOperator::kExists, "",
                               cluster::TaintEffect::kNoSchedule, std::nullopt});
  }
  if (shape.gpu_memory_bytes > 0) {
    pod.annotations[std::string(cluster::kAnnotationGpuMemory)] =
        std::to_string(shape.gpu_memory_bytes);
  }
  if (!shape.node_template.empty())
    pod.node_selector[std::string(cluster::kLabelNodeTemplate)] = shape.node_template;
  GP_TRY(cluster::RecognizeGpuDemand(pod));
  if (!pod.IsSatisfiable())
    return InvalidArgumentError(pod.unsatisfiable_reason);
  pod.gpu.milli_gpu = shape.milli_gpu;
  return pod;
}

}  // namespace gpupack::sim
