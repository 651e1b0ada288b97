#include "cluster/gpu_demand.h"

#include <cctype>

#include "common/quantity.h"

namespace gpupack::cluster {

std::string_view GpuDemandKindName(GpuDemandKind kind) {
  switch (kind) {
    case GpuDemandKind::kNone:
      return "none";
    case GpuDemandKind::kWholeGpu:
      return "whole";
    case GpuDemandKind::kMigProfile:
      return "mig";
    case GpuDemandKind::kSharedGpu:
      return "shared";
  }
  return "?";
}

std::string_view GpuRequestFormName(GpuRequestForm form) {
  switch (form) {
    case GpuRequestForm::kNone:
      return "none";
    case GpuRequestForm::kGpuResource:
      return "nvidia.com/gpu";
    case GpuRequestForm::kMigSelector:
      return "mig-partition selector";
    case GpuRequestForm::kMigResource:
      return "nvidia.com/mig-<profile>";
    case GpuRequestForm::kSharedResource:
      return "nvidia.com/gpu.shared";
  }
  return "?";
}

std::string GpuDemand::ToString() const {
  std::string out;
  switch (kind) {
    case GpuDemandKind::kNone:
      return "no GPU";
    case GpuDemandKind::kWholeGpu:
      out = std::to_string(count) + "x whole GPU";
      break;
    case GpuDemandKind::kMigProfile:
      out = std::to_string(count) + "x MIG " + mig_profile;
      if (time_sliced) {
        out += " (time-sliced replica)";
      }
      break;
    case GpuDemandKind::kSharedGpu:
      out = std::to_string(count) + "x time-sliced GPU replica";
      if (milli_gpu > 0) {
        out += " of " + FormatMilli(milli_gpu) + " GPU";
      }
      break;
  }
  if (gpu_memory_bytes > 0) {
    out += ", " + FormatBytes(gpu_memory_bytes) + " GPU memory";
  }
  return out;
}

bool IsGpuResource(std::string_view resource) {
  return resource == kResourceGpu || resource == kResourceGpuShared ||
         resource.starts_with(kResourceMigPrefix);
}

bool IsTimeSlicingConfigKey(std::string_view key) {
  return key.starts_with("ts-") || key.find("-ts-") != std::string_view::npos;
}

}  // namespace gpupack::cluster
