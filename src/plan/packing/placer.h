// Online placement policies for fractional-GPU packing: given the cluster state and one pod,
// choose a node and GPUs (or none). Placed pods never move; the caller applies the choice with
// PackCluster::Assign. The baselines follow the FGD paper's descriptions (Weng et al., ATC'23):
//
//   first-fit   the first node (lowest name) where the pod fits
//   random      a uniformly random node where the pod fits
//   dotprod     smallest dot product of the request and the node's free CPU/memory/GPU, each
//               normalised by the node's capacity (Tetris-style alignment)
//   clustering  nodes that host only pods with the same GPU request first, then busy nodes,
//               then idle ones
//   packing     a partially used GPU with the least room first, then free GPUs on busy nodes,
//               then idle nodes
//   best-fit    least CPU + GPU left after placement (equal weights, normalised by the largest
//               node), integer score
//   fgd         least growth of the node's fragmentation for the expected workload
//               (workload_profile.h), integer sigmoid score as in the paper's simulator
//   gpupack     fgd plus four terms (the planner's default policy):
//               - stranded GPUs: idle GPU capacity beyond what the node's free CPU and memory
//                 can feed (at cpu_milli_per_gpu / memory_mib_per_gpu per GPU) is lost to every
//                 future pod; each GPU newly stranded costs `stranded_gpu` points;
//               - holes: a GPU left with free milli-GPU that no combination of the workload's
//                 frequent fractional sizes (>= min_filler_milli) fills exactly wastes the rest;
//                 growth of that expected waste costs `hole_waste` points per GPU. FGD only asks
//                 whether a pod fits, not how much of the hole it leaves;
//               - GPU-model scarcity: using a model that model-restricted pods will need costs
//                 `model_scarcity` points x GPUs requested x the model's pressure;
//               - empty node: placing onto a node with no pods yet costs `empty_node` points,
//                 so that, once pods leave, other nodes empty out and can be given back.
//
// The scores themselves are NodeScorer's (node_scorer.h), which the planner's plan::Placer
// calls too; this class adds the search over a PackCluster (feasibility, GPU choice, random).
//
// Every policy breaks ties towards the lowest node index (callers order nodes by name): with
// integer scores this consolidation matters as much as the score itself.
//
// Thread safety: a Placer holds a random generator and per-node caches; use one per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/rng.h"
#include "plan/packing/node_scorer.h"
#include "plan/packing/pack_cluster.h"
#include "plan/packing/workload_profile.h"

namespace gpupack::plan::packing {

class Placer {
 public:
  // `profile` describes the expected workload (used by fgd and gpupack); `seed` drives random.
  Placer(Policy policy, WorkloadProfile profile, uint64_t seed, GpupackWeights weights = {});

  Policy policy() const { return scorer_.policy(); }

  // Chooses where `pod` goes on `cluster`; nullopt when it fits on no node. When `explanation`
  // is not null, a one-line reason is written to it (the chosen node, its score and how many
  // nodes were feasible, or why none was).
  std::optional<Placement> Place(const PackCluster& cluster, const PackPod& pod,
                                 std::string* explanation = nullptr);

 private:
  double FragmentationOf(const PackCluster& cluster, int32_t node_index);

  NodeScorer scorer_;
  Rng rng_;
  // Per node: the node version the cached fragmentation belongs to (+1; 0 = empty) and its value.
  std::vector<uint64_t> fragmentation_version_;
  std::vector<double> fragmentation_milli_;
  std::vector<int32_t> feasible_;  // scratch
};

}  // namespace gpupack::plan::packing
