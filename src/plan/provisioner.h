// Provisioner: the cheapest nodes to buy, with a sharing config for every GPU, for the pending
// pods that fit nowhere in the cluster (DESIGN.md section 3). Built on branch `prov`.
//
// Thread safety: pure function.
#pragma once

#include <vector>

#include "cluster/pod.h"
#include "cluster/snapshot.h"
#include "common/error.h"
#include "gpu/gpu_catalog.h"
#include "plan/plan.h"

namespace gpupack::plan {

struct ProvisionRequest {
  const cluster::ClusterSnapshot* snapshot = nullptr;
  std::vector<const cluster::Pod*> pods;  // pods that fit nowhere existing, in queue order
  const gpu::GpuCatalog* catalog = nullptr;
  PlanOptions options;
};

struct ProvisionResult {
  std::vector<Provision> provisions;
  std::vector<Placement> placements;  // onto the new nodes (Provision::node_names)
  std::vector<Unschedulable> unschedulable;

  bool operator==(const ProvisionResult&) const = default;
};

// Chooses templates, instance types, offerings and per-GPU sharing configs so that every pod of
// `request.pods` is placed on a new node or reported unschedulable with the reason.
[[nodiscard]] Result<ProvisionResult> ProvisionNodes(const ProvisionRequest& request);

}  // namespace gpupack::plan
