// Reads a node's physical GPUs and how each is shared from what GFD and the NVIDIA device plugin
// publish on it (NVIDIA-NOTES sections 2-3): the product label names the model,
// nvidia.com/mig.strategy and the advertised resources give the sharing. Shared by the YAML
// reader (k8s_reader.h) and the controller's view of a live cluster, so both read a node alike.
//
// Thread safety: pure functions.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "cluster/instance_type.h"
#include "cluster/node.h"
#include "common/error.h"
#include "gpu/gpu_catalog.h"

namespace gpupack::catalog {

// Where DeriveNodeGpus reports a problem with one field of the node ("status.allocatable",
// "metadata.labels.nvidia.com/gpu.product"): `warn` for problems that leave the node's GPUs out;
// `fail` makes the error returned for contradictions that make the node unreadable.
struct NodeFieldReporter {
  std::function<void(std::string_view field, std::string_view problem)> warn;
  std::function<Error(std::string_view field, std::string_view problem)> fail;
};

// Fills node.gpus from node.labels, node.allocatable and node.instance_type. A node without a
// product label, or with a model the catalog does not know, gets no GPUs (and a warning when it
// advertises some). `instances`, when given, supplies the physical GPU count of single-strategy
// MIG nodes whose labels do not.
[[nodiscard]] Status DeriveNodeGpus(const gpu::GpuCatalog& catalog,
                                    const cluster::InstanceCatalog* instances, cluster::Node& node,
                                    const NodeFieldReporter& report);

// The GPU model part of a GFD product label and the MIG profile of a single-strategy one:
// "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb-SHARED" -> ("NVIDIA-A100-SXM4-40GB", "1g.5gb").
std::pair<std::string, std::string> SplitGpuProduct(std::string product);

}  // namespace gpupack::catalog
