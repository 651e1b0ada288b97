// Placer: online placement of pending pods, one at a time, onto existing nodes (and nodes already
// being provisioned), with a pluggable policy. Each decision is FitChecker's (fit.h): a policy
// only ranks the nodes and devices where the pod fits.
//
// Policies:
//   first-fit  the first node (by name) where the pod fits, on Fit's tightest device.
//   best-fit   the node left with the fewest free GPU slots (then the least free CPU share), so
//              big holes stay open for big pods.
//   fgd        fragmentation-aware (after FGD, Weng et al., ATC'23): the node whose GPU
//              fragmentation grows least, fragmentation being the free GPU share, in thousandths
//              of a GPU, on devices that the pending pods' demand classes (weighted by how often
//              each occurs) could not use.
//   gpupack    the default: a device already shared by running pods before an idle one (idle
//              GPUs stay free for repartitioning and whole-GPU pods, empty nodes stay removable),
//              then best-fit, then the cheaper node. Note: the FGD-style scoring here is our own;
//              when the packing library (src/plan/packing) lands it should replace it.
//
// Search: like kube-scheduler (percentageOfNodesToScore), a large cluster is not scored whole:
// nodes are tried in order and the search stops once FeasibleNodesToScore(nodes) nodes fit; the
// policy ranks those. This keeps one decision about a millisecond on 5,000 nodes, and starting
// from the first node packs the front of the cluster, which leaves later nodes empty to remove.
//
// Order: SortForPlacement sorts pods by priority (desc), then larger GPU demand (in thousandths of
// a GPU), then more CPU, then key, so that the outcome does not depend on the input order.
//
// Thread safety: a Placer is immutable after construction; Place mutates only its arguments.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/node.h"
#include "cluster/pod.h"
#include "cluster/snapshot.h"
#include "common/error.h"
#include "plan/fit.h"
#include "plan/plan.h"

namespace gpupack::plan {

enum class PlacementPolicy { kFirstFit, kBestFit, kFragmentationAware, kGpupack };

// "first-fit", "best-fit", "fgd", "gpupack".
std::string_view PlacementPolicyName(PlacementPolicy policy);

// Parses a policy name; InvalidArgument naming the accepted names otherwise.
[[nodiscard]] Result<PlacementPolicy> ParsePlacementPolicy(std::string_view name);

// A pod's GPU demand in thousandths of a GPU (a whole GPU 1000, a MIG instance its compute share
// of an A100-class GPU, a replica its milli_gpu or 1000 / 7 when unstated), times its count.
int64_t DemandMilliGpu(const cluster::GpuDemand& demand);

// Sorts `pods` in placement order (see the file comment).
void SortForPlacement(std::vector<const cluster::Pod*>& pods);

// How many feasible nodes kube-scheduler scores in a cluster of `nodes` (its adaptive default:
// all below 100 nodes, else max(100, nodes x max(5, 50 - nodes / 125) %)).
size_t FeasibleNodesToScore(size_t nodes);

class Placer {
 public:
  // `fit` must outlive the placer. `demand_mix` (the pending pods) weights the fgd policy's
  // fragmentation measure; other policies ignore it. `score_all` turns the kube-scheduler
  // search limit off (every feasible node is ranked).
  Placer(const FitChecker& fit, PlacementPolicy policy,
         std::span<const cluster::Pod* const> demand_mix, bool score_all = false);

  // The node of `nodes` where `pod` goes under the policy, with its devices in `devices`;
  // nullopt when it fits nowhere. Nodes whose index is in `excluded` (sorted) are skipped.
  std::optional<size_t> Choose(const cluster::Pod& pod, std::span<const cluster::Node> nodes,
                               std::vector<DeviceChoice>& devices,
                               std::span<const size_t> excluded = {}) const;

  // The same over nodes by pointer (a copy-on-write cluster, cluster::CopyOnWriteNodes).
  std::optional<size_t> Choose(const cluster::Pod& pod, std::span<const cluster::Node* const> nodes,
                               std::vector<DeviceChoice>& devices) const;

  PlacementPolicy policy() const { return policy_; }

  const FitChecker& fit() const { return *fit_; }

 private:
  // Compared lexicographically, lower is better.
  using Score = std::array<double, 4>;

  // Choose's search over `count` nodes, node i being `node_at(i)`.
  template <class NodeAt>
  std::optional<size_t> ChooseAmong(const cluster::Pod& pod, size_t count, NodeAt node_at,
                                    std::vector<DeviceChoice>& devices,
                                    std::span<const size_t> excluded) const;

  // Only called for nodes where the pod fits, with Fit's device choice.
  Score ScoreOf(const cluster::Pod& pod, const cluster::Node& node,
                const std::vector<DeviceChoice>& devices) const;

  // Free GPU share on `node` (thousandths) that no demand class of the mix could use, weighted
  // by class frequency, with `devices` counted as taken by `pod` when given.
  double Fragmentation(const cluster::Node& node, const cluster::Pod* pod,
                       const std::vector<DeviceChoice>* devices) const;

  struct DemandClass {
    int64_t milli = 0;  // share one unit needs
    double weight = 0;  // fraction of the mix
  };

  const FitChecker* fit_;
  PlacementPolicy policy_;
  bool score_all_;
  std::vector<DemandClass> classes_;
};

// Places `pods` (in the given order) one at a time on `nodes` with `placer`, accounting each
// placement on its node. Returns the placements; pods that fit nowhere go to `unplaced` in order.
std::vector<Placement> PlacePods(const Placer& placer, std::span<const cluster::Pod* const> pods,
                                 std::vector<cluster::Node>& nodes,
                                 std::vector<const cluster::Pod*>& unplaced);

// The same on a copy-on-write cluster, for a caller that reads the placements only: every pod
// but the last is accounted on its node, so only the nodes that take a pod before the last are
// copied (none for a batch of one pod, the common case in a control loop).
std::vector<Placement> PlacePods(const Placer& placer, std::span<const cluster::Pod* const> pods,
                                 cluster::CopyOnWriteNodes& nodes,
                                 std::vector<const cluster::Pod*>& unplaced);

}  // namespace gpupack::plan
