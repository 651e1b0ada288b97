// Loads instance price catalogs (catalog/instances/<cloud>.yaml) into cluster::InstanceCatalog.
// The shipped catalogs (aws: us-east-1, gcp: us-central1, azure: eastus) are compiled into the
// binary; a user file with the same format replaces them (`--catalog aws|gcp|azure|FILE`).
//
// File format (camelCase like catalog/gpus.yaml):
//   version: v1
//   cloud: aws                     region: us-east-1
//   asOf: "2026-08-01"             (required: the date the prices were read)
//   source: <where they were read>
//   zones: [us-east-1a, ...]       (default zones of every type)
//   instanceTypes:
//     - {name: p4d.24xlarge, gpu: {model: A100-SXM4-40GB, count: 8}, vcpu: 96, memory: 1152Gi,
//        onDemand: 21.96, spot: 5.30, zones: [...], maxPods: 110}
// Each type becomes one on-demand offering per zone, plus one Spot offering per zone when `spot`
// is given. GPU models are resolved in the GPU catalog and stored by canonical name.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cluster/instance_type.h"
#include "common/error.h"
#include "gpu/gpu_catalog.h"

namespace gpupack::catalog {

// Parses catalog text; `file` names it in errors ("<file>:<line>: instanceTypes[3]: ...").
[[nodiscard]] Result<cluster::InstanceCatalog> ParseInstanceCatalog(std::string_view text,
                                                                    std::string_view file,
                                                                    const gpu::GpuCatalog& gpus);

// The names of the embedded catalogs, sorted: {"aws", "azure", "gcp"}.
std::vector<std::string> EmbeddedInstanceCatalogNames();

// An embedded catalog by name, or else a file at `name_or_path`. NotFound
// `unknown instance catalog "x": not aws, azure, gcp, nor a file` when neither.
[[nodiscard]] Result<cluster::InstanceCatalog> LoadInstanceCatalog(std::string_view name_or_path,
                                                                   const gpu::GpuCatalog& gpus);

}  // namespace gpupack::catalog
