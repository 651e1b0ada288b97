// Reads the gpupack.io/v1alpha1 NodeTemplate custom resource (the YAML the controller will use)
// into cluster::NodeTemplate.
//
// spec fields (those of the CRD in shared/reference/kube-wire/crds, plus the ones marked +):
//   instanceTypes: [p4d.24xlarge, "g5.*"]      include; '*' is a wildcard
//   excludeInstanceTypes: [g5.48xlarge]     +   exclude, after include
//   gpuModels: [NVIDIA-A100-SXM4-40GB]          any spelling the GPU catalog knows
//   zones: [us-east-1a]
//   capacityTypes: [spot, on-demand]            empty: on-demand only
//   spotPercent: 50                         +   0..100 (or "50%"); needs both capacity types
//   minGpusPerNode: 1, maxGpusPerNode: 8    +
//   gpuSharing:
//     timeSlicing: {enabled, sharedClientsPerGpu: 2..48, perGpuModel: {<model>: 2..48}}
//     mig: {enabled, strategy: single|mixed, dynamic}
//   labels: {team: ml}                      +   put on every node of the template
//   taints: [{key, value, effect}]          +
//   limits: {gpus: 64, hourlyCost: "150.00"} +  physical GPUs, USD/hour over all its nodes
//   nodeClassRef: {group, kind, name}       +   the Karpenter NodeClass of its NodeClaims
// Unknown fields are warnings (the apiserver's fieldValidation=Warn); type and range errors are
// errors naming the field, as the apiserver's schema validation reports them.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cluster/node_template.h"
#include "common/error.h"
#include "gpu/gpu_catalog.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace gpupack::catalog {

// Reads one NodeTemplate object (a map with apiVersion, kind, metadata, spec) found in `file`.
// Unknown fields are appended to `warnings`.
[[nodiscard]] Result<cluster::NodeTemplate> ReadNodeTemplate(const YAML::Node& object,
                                                             std::string_view file,
                                                             const gpu::GpuCatalog& catalog,
                                                             std::vector<std::string>& warnings);

}  // namespace gpupack::catalog
