// Reads Kubernetes objects from YAML or JSON into the cluster model, so a user can snapshot a live
// cluster (`kubectl get nodes,pods,nodetemplates -A -o yaml > snap.yaml`) and plan offline, or
// describe a workload they are about to deploy.
//
// Accepted: multi-document YAML and JSON; `List` and typed lists (`PodList`, `NodeList`, ... as
// the apiserver returns them, whose items carry no kind); kinds Pod (v1), Node (v1), Deployment,
// StatefulSet, ReplicaSet (apps/v1), Job (batch/v1) and NodeTemplate (gpupack.io/v1alpha1).
//
// Workloads become the pods their controller would create: Deployment, StatefulSet and ReplicaSet
// give spec.replicas pods (default 1), a Job gives spec.parallelism pods (default 1, at most
// spec.completions), named "<workload>-<n>" (n = 0, 1, ...) in the workload's namespace, with the
// pod template's labels and spec and the workload as owner. A workload is not expanded when the
// input already holds its live pods (a pod owned by it, or for a Deployment by a ReplicaSet
// "<deployment>-<hash>"), and a ReplicaSet owned by a Deployment is never expanded (its
// Deployment is), so `kubectl get deploy,rs,pods -o yaml` does not count pods twice.
//
// Other kinds (ConfigMap, Service, DaemonSet, ...) are skipped with a warning. A wrong apiVersion
// for a known kind, a malformed quantity, a negative replica count and other bad values are
// errors: "<file>:<line>: <kind>/<name>: <field>: <problem>".
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cluster/instance_type.h"
#include "cluster/node.h"
#include "cluster/node_template.h"
#include "cluster/pod.h"
#include "common/error.h"
#include "gpu/gpu_catalog.h"

namespace gpupack::catalog {

struct KubeObjects {
  std::vector<cluster::Pod> pods;
  std::vector<cluster::Node> nodes;
  std::vector<cluster::NodeTemplate> templates;
  // Skipped kinds and unknown NodeTemplate fields: "<file>:<line>: skipped ConfigMap/gpu-cfg".
  std::vector<std::string> warnings;
};

// Reads every object of `text`; `file` names it in messages. `catalog` resolves GPU models of
// nodes (from GFD's nvidia.com/gpu.product label) and NodeTemplates; `instances`, when given,
// supplies the physical GPU count of single-strategy MIG nodes whose labels do not.
[[nodiscard]] Result<KubeObjects> ReadKubeObjects(
    std::string_view text, std::string_view file, const gpu::GpuCatalog& catalog,
    const cluster::InstanceCatalog* instances = nullptr);

// Reads files (ReadFile errors pass through) as one input: workloads in one file and their live
// pods in another are still counted once.
[[nodiscard]] Result<KubeObjects> ReadKubeFiles(
    const std::vector<std::string>& paths, const gpu::GpuCatalog& catalog,
    const cluster::InstanceCatalog* instances = nullptr);

}  // namespace gpupack::catalog
