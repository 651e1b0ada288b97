// The built-in GPU catalog and AWS instance catalog, loaded once per fuzz process: targets that
// resolve GPU models need them, and loading them on every input would dominate the run.
#pragma once

#include "catalog/gpu_catalog_loader.h"
#include "catalog/instance_catalog_loader.h"
#include "common/check.h"

namespace gpupack::fuzz {

inline const gpu::GpuCatalog& BuiltInGpus() {
  static const gpu::GpuCatalog* const catalog = [] {
    Result<gpu::GpuCatalog> loaded = catalog::LoadBuiltInGpuCatalog();
    GP_CHECK(loaded.has_value(), "the built-in GPU catalog does not load");
    return new gpu::GpuCatalog(std::move(*loaded));
  }();
  return *catalog;
}

inline const cluster::InstanceCatalog& AwsInstances() {
  static const cluster::InstanceCatalog* const instances = [] {
    Result<cluster::InstanceCatalog> loaded = catalog::LoadInstanceCatalog("aws", BuiltInGpus());
    GP_CHECK(loaded.has_value(), "the built-in AWS catalog does not load");
    return new cluster::InstanceCatalog(std::move(*loaded));
  }();
  return *instances;
}

}  // namespace gpupack::fuzz
