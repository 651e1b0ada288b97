// Consolidator: existing nodes the plan can give back because every pod on them fits elsewhere
// (DESIGN.md sections 3 and 5).
//
// Candidates are gpupack's nodes (those with a gpupack.io/node-template) that did not receive a
// pod in this plan. An empty one is always removed and does not count against the budget (no
// pod is disrupted). A busy one is removed only when every pod on it may be moved (none
// annotated gpupack.io/do-not-disrupt: "true", none without an owning controller, no Job's pod
// when options.protect_running_jobs) and each fits, by FitChecker, on a node that stays; at most
// options.disruption_budget busy nodes go per plan. Candidates are tried cheapest disruption
// first (fewest pods to move), then largest saving, then by name. Removals never strand a pod:
// a node is removed only after all its pods are placed elsewhere, and no pod moves onto a node
// that is removed.
//
// Thread safety: pure; mutates only its arguments.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "cluster/node.h"
#include "cluster/snapshot.h"
#include "plan/fit.h"
#include "plan/placer.h"
#include "plan/plan.h"

namespace gpupack::plan {

struct ConsolidationResult {
  std::vector<Removal> removals;  // by node
  std::vector<Placement> moves;   // pods moved off removed nodes (Placement::moved)
  std::vector<size_t> removed;    // indices into the nodes, ascending
};

// Why `pod` must stay where it is ("do-not-disrupt", "no owner", "a Job's pod"), or "".
std::string WhyPinned(const cluster::Pod& pod, const PlanOptions& options);

// Removes what it can from `nodes` (the snapshot's nodes with this plan's placements), moving
// pods with `placer`. `touched` lists node indices that received pending pods in this plan
// (sorted); they are kept. Moved pods are accounted on their new nodes; removed nodes stay in
// `nodes` (their indices are in the result) with their pods released.
ConsolidationResult Consolidate(const cluster::ClusterSnapshot& snapshot, const Placer& placer,
                                const PlanOptions& options, std::vector<cluster::Node>& nodes,
                                std::span<const size_t> touched);

}  // namespace gpupack::plan
