// ClusterSnapshot: everything the planner needs at one instant: nodes (with their GPUs, sharing
// configs and allocations), pods (bound and pending), node templates and the instance catalog.
// The planner is a pure function of a snapshot (DESIGN.md section 3).
//
// Invariants after BuildSnapshot: nodes sorted by name, pods by Key(), templates by name, all
// unique; every bound, non-terminal pod is accounted on its node (Node::requested, Node::pods,
// GPU allocations); every GPU pod's demand was checked against the GPU catalog (and the largest
// instance type) and, when nothing could ever run it, carries unsatisfiable_reason.
//
// Thread safety: values; const methods are safe from several threads.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/instance_type.h"
#include "cluster/node.h"
#include "cluster/node_template.h"
#include "cluster/pod.h"
#include "common/error.h"
#include "gpu/gpu_catalog.h"

namespace gpupack::cluster {

struct ClusterSnapshot {
  std::vector<Node> nodes;
  std::vector<Pod> pods;
  std::vector<NodeTemplate> templates;
  InstanceCatalog instances;

  // Lookups by name / key (binary search); nullptr when absent.
  const Node* FindNode(std::string_view name) const;
  Node* FindNode(std::string_view name);
  const Pod* FindPod(std::string_view key) const;
  const NodeTemplate* FindTemplate(std::string_view name) const;

  // Pods waiting for a node (not bound, not terminal) that could ever run, highest priority
  // first, then oldest first, then by key: the order the scheduler's queue offers them.
  std::vector<const Pod*> PendingPods() const;

  // Pods whose unsatisfiable_reason is set, by key.
  std::vector<const Pod*> UnsatisfiablePods() const;

  // Bound, non-terminal pods on node `name`, by key. Linear in the pods; hot paths use
  // Node::pods with FindPod.
  std::vector<const Pod*> PodsOn(std::string_view name) const;
};

// Pod::Key() (namespace/name) compared with `key` like std::string::compare (<0, 0, >0),
// without building the key: the planner and the control loop look pods up by key in every pass.
int CompareKey(const Pod& pod, std::string_view key);

// Nodes read where they are and copied on first write: a control-loop pass plans on the nodes a
// view lends (ClusterView::Lend) and copies only the few it changes, not a large cluster.
class CopyOnWriteNodes {
 public:
  // `nodes` sorted by name, unique; they must outlive this and not change while it reads them.
  explicit CopyOnWriteNodes(std::vector<const Node*> nodes);

  size_t size() const { return nodes_.size(); }

  const Node& operator[](size_t i) const { return *nodes_[i]; }

  // Every node, by index; an entry points at the copy once the node was written.
  std::span<const Node* const> pointers() const { return nodes_; }

  // Node i for writing: copied on the first call for it; other nodes' references stay valid.
  Node& Mutable(size_t i);

  // Whether node i was copied (written).
  bool Copied(size_t i) const { return copy_of_[i] != nullptr; }

  // The index of node `name` (binary search); nullopt when absent.
  std::optional<size_t> Find(std::string_view name) const;

  // Leaves out the nodes `drop(i, node)` is true for (their copies live on until destruction).
  template <class Predicate>
  void EraseIf(Predicate drop) {
    size_t kept = 0;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (!drop(i, *nodes_[i])) {
        nodes_[kept] = nodes_[i];
        copy_of_[kept] = copy_of_[i];
        ++kept;
      }
    }
    nodes_.resize(kept);
    copy_of_.resize(kept);
  }

 private:
  std::vector<const Node*> nodes_;
  std::vector<Node*> copy_of_;  // the writable copy of each node, nullptr until written
  // Owned one by one, so copies never move (and nothing is allocated while none is made).
  std::vector<std::unique_ptr<Node>> copies_;
};

// Why no GPU model of `catalog` (and, when `instances` has types, no instance type) can ever run
// a pod with `demand`; "" when something can. Examples: `no GPU model in the catalog has MIG
// profile "9g.99gb"`, `needs 200Gi of GPU memory per GPU; the largest GPU in the catalog has
// 141Gi`, `asks for 16 GPUs; the largest instance type has 8`.
std::string UnsatisfiableReason(const GpuDemand& demand, const gpu::GpuCatalog& catalog,
                                const InstanceCatalog& instances);

// Builds a snapshot: sorts and checks uniqueness (InvalidArgument "duplicate node <name>" /
// "duplicate pod <key>" / "duplicate NodeTemplate <name>"), refines demands of pods that pin a
// template (RefineForTemplate), marks unsatisfiable pods (keeping reasons already set), fills
// node prices from `instances`, and accounts bound pods on their nodes. What does not add up in
// the input (a pod bound to a node that is not there, a running pod whose GPU the node's labels
// do not show) is appended to `warnings` rather than failing: live clusters are like that.
[[nodiscard]] Result<ClusterSnapshot> BuildSnapshot(std::vector<Node> nodes, std::vector<Pod> pods,
                                                    std::vector<NodeTemplate> templates,
                                                    InstanceCatalog instances,
                                                    const gpu::GpuCatalog& catalog,
                                                    std::vector<std::string>& warnings);

}  // namespace gpupack::cluster
