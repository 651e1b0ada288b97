// Placer: online placement of pending pods, one at a time, onto existing nodes (and nodes already
// being provisioned), with a pluggable policy. Feasibility and the device choice are FitChecker's
// (fit.h: MIG, time-slicing, memory, taints, affinity); a policy only ranks the nodes where the
// pod fits, with Fit's devices.
//
// Ranking is the packing library's, not a second implementation: each feasible node and the
// node after the placement are projected onto packing::PackNode and scored by
// packing::NodeScorer (src/plan/packing/node_scorer.h), the code `gpupack bench packing`
// measures. Policies (packing/placer.h has the details):
//   first-fit  the first node (in the given order, callers sort by name) where the pod fits.
//   best-fit   least CPU + GPU left after the placement, normalised by the largest node.
//   fgd        least growth of FGD's fragmentation (Weng et al., ATC'23) for the expected
//              workload, integer sigmoid score.
//   gpupack    the default: fgd plus stranded GPUs (idle GPUs that the node's free CPU and
//              memory cannot feed), hole waste (free GPU share that the workload's frequent
//              fractional sizes cannot fill) and GPU-model scarcity.
// Ties go to the lowest node index: with integer scores that consolidation matters.
//
// Lent GPUs: a pod that states a GPU share (kSharedGpu) and fits on an unshared GPU takes it whole
// (the simulator's auto lets it, src/sim/strategy.h). Such a lent GPU is chosen only from a node
// that already runs pods (an empty node would be kept for a fraction of a GPU instead of given
// back) and only when no feasible node offers a shared slot (a free replica is paid for and of no
// use to whole-GPU pods; a free whole GPU serves every pod).
//
// The projection (what the packing model sees of a Kubernetes node):
//   - CPU and memory: allocatable and allocatable - requested (memory in MiB);
//   - per GPU, free milli-GPU = 1000 x the GPU's free compute share: an unshared GPU is 1000 or
//     0; a time-sliced GPU with R replicas gives 1000 / R per free replica (a pod stating a
//     smaller milli_gpu still takes a whole replica: what is left for others is counted in
//     replicas); a MIG GPU gives, per free slot of an instance, the instance's compute slices
//     over the model's (a 1g.5gb instance of an A100 = 1/7 = 142), time-sliced instances that
//     divided by their replicas. Slices outside the geometry are not free (using them needs a
//     repartition); MIG GPUs of a model the catalog does not know give 0, as Fit cannot use them.
//   - the pod takes what Fit's devices take on each GPU (recomputed after, so replicas of 7
//     add up to exactly 1000); GPUs past packing::kMaxGpusPerNode are not scored.
//   - the workload profile is built from the demand mix (the pending pods), one shape per pod
//     independent of any node: CPU, whole GPUs x 1000, a MIG profile its compute share of a
//     7-slice GPU, a replica its milli_gpu or 1000 / 7 when unstated (DemandMilliGpu); shared
//     or MIG demand of a whole GPU or more counts as whole GPUs.
//   - no GPU model: Kubernetes pods restrict models through selectors the planner does not map
//     to models, so the profile has no model pressure and the model-scarcity term is 0 here.
//
// Search: like kube-scheduler (percentageOfNodesToScore), a large cluster is not scored whole:
// nodes are tried in order and the search stops once FeasibleNodesToScore(nodes) nodes fit; the
// policy ranks those. This keeps one decision about a millisecond on 5,000 nodes, and starting
// from the first node packs the front of the cluster, which leaves later nodes empty to remove.
//
// Order: SortForPlacement sorts pods by priority (desc), then larger GPU demand (in thousandths of
// a GPU), then more CPU, then key, so that the outcome does not depend on the input order.
//
// Thread safety: a Placer is immutable after construction; Choose mutates only its arguments.
#pragma once

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
#include "plan/packing/node_scorer.h"
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
  // `fit` must outlive the placer. `demand_mix` (the pending pods) is the expected workload of
  // the fgd and gpupack policies (their workload profile); other policies ignore it.
  // `score_all` turns the kube-scheduler search limit off (every feasible node is ranked).
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
  friend class PlacerCache;

  // `shapes`: the demand mix's profile shapes (ProfileShapes).
  Placer(const FitChecker& fit, PlacementPolicy policy, std::span<const packing::PackPod> shapes,
         bool score_all);

  // Choose's search over `count` nodes, node i being `node_at(i)`.
  template <class NodeAt>
  std::optional<size_t> ChooseAmong(const cluster::Pod& pod, size_t count, NodeAt node_at,
                                    std::vector<DeviceChoice>& devices,
                                    std::span<const size_t> excluded) const;

  const FitChecker* fit_;
  PlacementPolicy policy_;
  bool score_all_;
  packing::NodeScorer scorer_;
};

// The placer of each pass of a control loop. Building one (its workload profile and scorer) was
// a tenth of a simulated pass, and consecutive passes mostly see the same demand mix (often one
// pending pod of a common shape), so the last placer is kept while the policy and the profile
// shapes of the demand mix are the same.
//
// Thread safety: none; one cache per loop.
class PlacerCache {
 public:
  // `fit` must outlive the cache.
  explicit PlacerCache(const FitChecker& fit) : fit_(&fit) {}

  // A placer equal to Placer(fit, policy, demand_mix); valid until the next call.
  const Placer& Get(PlacementPolicy policy, std::span<const cluster::Pod* const> demand_mix);

 private:
  const FitChecker* fit_;
  std::vector<packing::PackPod> shapes_;  // of the kept placer's demand mix
  std::optional<Placer> placer_;
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
