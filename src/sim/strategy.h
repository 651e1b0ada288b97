// Sharing strategies the simulator compares (issue "The simulator and the savings report"):
// each rewrites the node templates' gpuSharing and how every GPU pod asks for its GPU, so one
// workload runs under each of them.
//
//   dedicated         one pod per whole GPU (today's default): every GPU pod asks nvidia.com/gpu
//   time-slicing      a shared pod asks one time-sliced replica; templates time-slice
//   mig               a shared pod asks the smallest MIG profile with enough compute slices and
//                     memory; templates use MIG (mixed strategy, dynamic)
//   mig+time-slicing  a shared pod asks a time-sliced replica of the smallest MIG profile with
//                     twice its memory and compute, or a whole instance where more of those fit
//                     on a GPU; templates use MIG and time-slicing
//   auto              a shared or MIG pod states its size (compute share and memory, as under
//                     time-slicing) and asks nvidia.com/gpu; templates may time-slice, cut MIG
//                     (single strategy: instances advertised as nvidia.com/gpu) or both, and the
//                     planner chooses per node (replica count, geometry, or neither)
//
// A pod is sized by what it states on the template it pins (gpupack.io/node-template), as the
// planner refines it (RefineForTemplate): nvidia.com/gpu on a time-sliced template asks one
// replica, a MIG instance on a MIG + time-slicing template one replica of the instance, sized as
// the instance's share among the template's replicas. Whole-GPU pods stay whole under every
// strategy, and so does, under time-slicing and auto, a shared pod that needs more than half a
// GPU's compute (no replica count can hold it). A strategy keeps the original templates with
// sharing off (for those pods, when the workload has any) next to "<template>-<strategy>" copies
// with the strategy's sharing (auto: "-ts", "-mig", "-mig-ts"). Shared pods are pinned to the
// copies, so a whole GPU bought for one pod is not taken by shared pods one at a time, and
// whole-GPU pods to the originals, so they take no time-sliced replica (a plain nvidia.com/gpu
// request would get one on a time-sliced node). A pod that pins template T (nodeSelector or
// required affinity) is pinned to T's copies that serve its rewritten demand (shared: the
// strategy's copies of T; whole: T itself). The MIG interface (nvidia.com/gpu.mig-partition-*
// selectors, the nvidia.com/gpu.mig toleration) is part of how a pod asks: it is dropped when the
// rewritten pod asks no MIG instance or names its profile in the resource, and the toleration
// is added when it may be served by one. With `spot`, every template may also buy Spot.
//
// Auto and the cheapest GPU (CheapestGpu: the model with the cheapest GPU-hour the templates
// allow, and its instance types). Where CPU and memory bind before GPUs (Alibaba's openb trace on
// 96-CPU p4d nodes, ~10 CPUs a pod), a time-sliced node holds hardly more pods than whole GPUs,
// and a pool of time-sliced nodes no whole-GPU pod can use costs more than its replicas save.
// So under auto:
//   - a shared pod gets a whole GPU (as under dedicated) when no node of the cheapest GPU's
//     instance types would hold kSharingPaysRatio times as many of it time-sliced as whole GPUs
//     (its CPU or memory, or its compute and GPU memory per replica, bind first);
//   - a shared pod that stays shared may also be lent an idle whole GPU of an original
//     template's node of those instance types (a second, ORed affinity term); the placer lends
//     one only from a node that already runs pods and when no shared slot is free
//     (plan/placer.h). Dearer GPUs are not lent: an idle A100 kept for pods that need 30Gi is
//     no place for a pod an L4 replica serves;
//   - a pod without a GPU is pinned to the originals, with the whole-GPU pods: a node bought for
//     it later serves whole-GPU pods, where a copy's would serve shared pods only (on the real
//     openb trace's last week that took auto from +6% to +1% of dedicated's cost; under
//     time-slicing itself it helped there and cost 5% on the synthetic trace, so only auto).
//
// Thread safety: pure functions.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/instance_type.h"
#include "cluster/node_template.h"
#include "cluster/pod.h"
#include "common/error.h"
#include "gpu/gpu_catalog.h"

namespace gpupack::sim {

enum class Strategy { kDedicated, kTimeSlicing, kMig, kMigTimeSlicing, kAuto };

// All five, in the order reports list them (dedicated first: the base of the savings).
std::span<const Strategy> AllStrategies();

// "dedicated", "time-slicing", "mig", "mig+time-slicing", "auto".
std::string_view StrategyName(Strategy strategy);

// A strategy named as above, optionally with a "+spot" suffix ("mig+spot"). InvalidArgument
// naming the accepted names otherwise.
struct StrategyChoice {
  Strategy strategy = Strategy::kDedicated;
  bool spot = false;

  std::string Name() const;
};

[[nodiscard]] Result<StrategyChoice> ParseStrategy(std::string_view text);

// The templates a strategy provisions from; `whole_gpu_pods`: whether the workload has pods
// that need whole GPUs (then the templates are kept with sharing off too).
std::vector<cluster::NodeTemplate> StrategyTemplates(const StrategyChoice& choice,
                                                     std::span<const cluster::NodeTemplate> base,
                                                     bool whole_gpu_pods);

// The name of the copy of template `base` with the strategy's sharing.
std::string SharedTemplateName(const StrategyChoice& choice, std::string_view base);

// The names of every copy of template `base` with sharing (auto has three: "<name>-mig",
// "<name>-mig-ts", "<name>-ts" for name = SharedTemplateName), sorted; none for dedicated.
std::vector<std::string> SharedTemplateNames(const StrategyChoice& choice, std::string_view base);

// The MIG-capable GPU model MIG strategies size profiles on: the one with the cheapest GPU-hour
// among the instance types the templates allow; nullptr when no template can buy one.
const gpu::GpuModel* MigReferenceModel(std::span<const cluster::NodeTemplate> templates,
                                       const cluster::InstanceCatalog& instances,
                                       const gpu::GpuCatalog& catalog);

// Under auto, time-slicing must host at least this many times the pods whole GPUs host on a node
// for a shared pod to be time-sliced (file comment). At 1.5 the Alibaba replays cost what
// dedicated does on seeds 1-7 (within 1%); the default scenario keeps its cost up to 2.
inline constexpr double kSharingPaysRatio = 1.5;

// The GPU model with the cheapest on-demand GPU-hour among the instance types the templates allow
// (any model), and those of its instance types, sorted by name: what auto sizes sharing on and
// where it lends whole GPUs to shared pods. Empty (no model) when no template can buy a GPU.
struct CheapestGpu {
  const gpu::GpuModel* model = nullptr;
  std::vector<cluster::InstanceType> types;
};

CheapestGpu FindCheapestGpu(std::span<const cluster::NodeTemplate> templates,
                            const cluster::InstanceCatalog& instances,
                            const gpu::GpuCatalog& catalog);

// How `pod` asks for its GPU under the strategy (a copy; requests, demand, tolerations, MIG
// selectors and template pins rewritten as above). `base`: the scenario's templates. `mig_model`
// must be set for the MIG strategies. InvalidArgument when a MIG strategy has no profile large
// enough for the pod.
[[nodiscard]] Result<cluster::Pod> RewritePod(const StrategyChoice& choice, const cluster::Pod& pod,
                                              const gpu::GpuModel* mig_model,
                                              std::span<const cluster::NodeTemplate> base);

// RewritePod for the many pods of one run: what does not depend on the pod (the names a pod
// that pins no template is pinned to) is built once. `base` must outlive the rewriter.
class PodRewriter {
 public:
  // `cheapest` (auto only; FindCheapestGpu): see the file comment. Empty: every shared pod is
  // time-sliced where replicas can hold it, and pinned to the copies only.
  PodRewriter(const StrategyChoice& choice, const gpu::GpuModel* mig_model,
              std::span<const cluster::NodeTemplate> base, CheapestGpu cheapest = {});

  // RewritePod(choice, pod, mig_model, base).
  [[nodiscard]] Result<cluster::Pod> Rewrite(const cluster::Pod& pod) const;

  // The same into `out` (the simulator builds its pods in place: a pod is costly to move);
  // `out` is partly written on error.
  [[nodiscard]] Status RewriteInto(const cluster::Pod& pod, cluster::Pod& out) const;

 private:
  StrategyChoice choice_;
  const gpu::GpuModel* mig_model_;
  std::span<const cluster::NodeTemplate> base_;
  std::vector<std::string> every_shared_;  // the strategy's copies of every template
  std::vector<std::string> every_whole_;   // every template (sharing off)
  // Whether time-slicing hosts kSharingPaysRatio times the pods whole GPUs do (auto).
  bool SharingPays(const cluster::Pod& pod, int64_t milli, int64_t memory) const;

  CheapestGpu cheapest_;                     // auto only
  std::vector<std::string> lendable_types_;  // the names of cheapest_.types
};

// The GPUs a pod really needs (its compute share), as it states it on the template of `base` it
// pins: whole GPUs count 1 each, a shared pod its milli_gpu / 1000 (or its memory share of
// `reference` when it states no compute share), a MIG pod its profile's compute slices over the
// GPU's (a time-sliced replica: over the template's replicas too).
double GpusNeeded(const cluster::Pod& pod, const gpu::GpuModel* reference,
                  std::span<const cluster::NodeTemplate> base = {});

}  // namespace gpupack::sim
