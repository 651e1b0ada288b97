// Pod: the scheduling-relevant part of a Kubernetes Pod (requests, selectors, tolerations,
// priority, owner, binding) plus the GPU demand recognised from it.
//
// `requests` is the pod's effective request as the scheduler computes it: the larger of the sum
// of the app containers (plus restartable "sidecar" init containers) and the largest init
// container, plus spec.overhead, with requests defaulted from limits; `pods` is 1.
//
// Thread safety: values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/gpu_demand.h"
#include "cluster/resources.h"
#include "cluster/scheduling.h"
#include "common/clock.h"
#include "common/error.h"

namespace gpupack::cluster {

enum class PodPhase { kPending, kRunning, kSucceeded, kFailed, kUnknown };

std::string_view PodPhaseName(PodPhase phase);

// The controller that owns a pod (metadata.ownerReferences with controller: true), e.g.
// {"ReplicaSet", "mig-infer-5d8f7c9b6d"}; for pods expanded from a workload file, the workload.
struct OwnerRef {
  std::string kind;
  std::string name;

  bool operator==(const OwnerRef&) const = default;
};

struct Pod {
  std::string name;
  std::string namespace_name;
  std::string uid;
  Labels labels;
  Labels annotations;

  Resources requests;
  GpuDemand gpu;

  Labels node_selector;
  std::optional<NodeSelector> required_affinity;  // nullopt: no required node affinity
  std::vector<PreferredSchedulingTerm> preferred_affinity;
  std::vector<Toleration> tolerations;
  int32_t priority = 0;
  std::string priority_class_name;
  std::string scheduler_name = "default-scheduler";
  std::optional<OwnerRef> owner;
  // metadata.creationTimestamp (zero when unknown, e.g. pods expanded from a workload file): the
  // scheduler's queue orders equal priorities by it.
  Timestamp created;

  std::string node_name;  // spec.nodeName: bound to this node; empty while pending
  PodPhase phase = PodPhase::kPending;

  // Set when no GPU model in the catalog (or no node gpupack could make) can ever run this pod;
  // says why. The planner reports such pods and does not provision for them.
  std::string unsatisfiable_reason;

  // "namespace/name", the pod's identity in a snapshot.
  std::string Key() const;

  bool IsBound() const { return !node_name.empty(); }

  // Succeeded or Failed: holds no resources.
  bool IsTerminal() const { return phase == PodPhase::kSucceeded || phase == PodPhase::kFailed; }

  bool IsSatisfiable() const { return unsatisfiable_reason.empty(); }

  // The value the pod requires for label `key`: its nodeSelector entry, else the single `In`
  // value that every required node-affinity term demands. nullopt when not pinned.
  std::optional<std::string> RequiredLabelValue(std::string_view key) const;

  // The gpupack.io/node-template the pod pins, if any.
  std::optional<std::string> RequiredNodeTemplate() const;
};

// The scheduler's TaintToleration filter: every NoSchedule/NoExecute taint is tolerated.
bool Tolerates(const Pod& pod, const std::vector<Taint>& taints);

// spec.nodeSelector: every entry present in `node_labels` with the same value.
bool MatchesNodeSelector(const Pod& pod, const Labels& node_labels);

// spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution (true when absent).
bool MatchesRequiredAffinity(const Pod& pod, const Labels& node_labels,
                             std::string_view node_name = "");

// Both of the above: the scheduler's NodeAffinity filter.
bool MatchesNodeLabels(const Pod& pod, const Labels& node_labels, std::string_view node_name = "");

// Recognises pod.gpu from pod.requests, selectors, tolerations and annotations (the table in
// gpu_demand.h). A pod that mixes GPU forms (nvidia.com/gpu and nvidia.com/mig-1g.5gb, or two MIG
// profiles), or selects a MIG partition without tolerating the nvidia.com/gpu.mig taint gpupack
// puts on MIG nodes, gets unsatisfiable_reason instead. Returns InvalidArgument ("annotation
// gpupack.io/gpu-memory: ...") when the annotation is not a byte quantity.
[[nodiscard]] Status RecognizeGpuDemand(Pod& pod);

}  // namespace gpupack::cluster
