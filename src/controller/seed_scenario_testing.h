// Fixtures shared by the controller's tests: the catalogs, and the seed scenario (the 7
// pods of examples/mig-seed-deployment.yaml, pending, and the a100-mig-single NodeTemplate) as
// the API server stores them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cluster/instance_type.h"
#include "cluster/pod.h"
#include "gpu/gpu_catalog.h"
#include "kube/testing/fake_kube_client.h"

namespace gpupack::controller::testing {

// The built-in GPU catalog and the embedded instance catalog of `cloud` ("aws", "gcp"), loaded in
// place (the instance catalog refers to the GPU catalog); fails the test when either does not load.
void LoadCatalogs(std::string_view cloud, std::optional<gpu::GpuCatalog>& gpus,
                  std::optional<cluster::InstanceCatalog>& instances);

// examples/templates/a100-mig-single.yaml as the API server stores it, limits included.
nlohmann::json MigSingleTemplate();

// `pod` (as the YAML reader expanded it from a workload) as the API server returns it after
// kube-scheduler found no node for it; `index` makes its uid.
nlohmann::json PendingPodJson(const cluster::Pod& pod, int index);

// Seeds `fake` with the seed Deployment's 7 pending pods and `node_template`; fails the test when
// the example does not read as 7 pods.
void SeedMigScenario(kube::testing::FakeKubeClient& fake, const gpu::GpuCatalog& gpus,
                     const nlohmann::json& node_template);

// What Karpenter and the GPU Operator make of NodeClaim `claim`: the Node `node_name` with the
// claim's labels, taints and startup taints, labelled karpenter.sh/nodeclaim, GFD's labels of a
// single-strategy A100 cut 7x1g.5gb, the MIG manager done (mig.config.state success), 7 devices
// allocatable, Ready.
nlohmann::json JoinedMigNode(const nlohmann::json& claim, const std::string& node_name);

}  // namespace gpupack::controller::testing
