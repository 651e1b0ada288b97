// Repartitioner: before any node is bought, gives idle MIG GPUs of existing nodes new geometries
// that host pending MIG demand (DESIGN.md section 3).
//
// Only GPUs that are in MIG mode, hold no pod (NodeGpu::IsIdle), and belong to a node whose
// NodeTemplate has mig.dynamic are touched; a GPU with a running pod is never reconfigured
// (the MIG manager destroys every instance of a GPU it repartitions). The geometry is the
// geometry engine's Best for the demand of the pods that could use the node (mixed strategy), or
// as many instances as fit of the most-wanted profile (single strategy: one profile per GPU).
// A reconfiguration is kept only when at least one pending pod is placed on the GPU it changed.
//
// Thread safety: pure; mutates only its arguments.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "cluster/node.h"
#include "cluster/pod.h"
#include "cluster/snapshot.h"
#include "gpu/gpu_catalog.h"
#include "plan/fit.h"
#include "plan/plan.h"

namespace gpupack::plan {

struct RepartitionResult {
  std::vector<Reconfiguration> reconfigurations;  // by node, then GPU
  std::vector<Placement> placements;              // pods placed on the new instances
};

// Repartitions idle GPUs of `nodes` (the snapshot's nodes with this plan's placements so far)
// for `unplaced` (in placement order). Placed pods are removed from `unplaced`; `nodes` gets the
// new sharing configs, advertised capacity, partition labels and allocations.
RepartitionResult Repartition(const cluster::ClusterSnapshot& snapshot, const FitChecker& fit,
                              std::vector<cluster::Node>& nodes,
                              std::vector<const cluster::Pod*>& unplaced);

// A GPU's plan as the outputs show it: model, sharing config and geometry profile names.
GpuPlan DescribeGpu(const std::string& model_name, const cluster::SharingConfig& sharing,
                    const gpu::GpuCatalog& catalog);

// Sets `node`'s GPU `gpu` to `sharing` and brings what follows from it up to date: allocatable
// (the device plugin's advertised capacity) and gpupack's partition labels.
void ApplySharing(cluster::Node& node, size_t gpu, const cluster::SharingConfig& sharing,
                  const FitChecker& fit);

}  // namespace gpupack::plan
