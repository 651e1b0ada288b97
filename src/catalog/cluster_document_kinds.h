// Plugs the cluster model's readers into `gpupack validate` (document_kinds.h): Kubernetes
// objects (Pod, Node, Deployment, StatefulSet, ReplicaSet, Job and their Lists), gpupack
// NodeTemplates, and instance price catalogs. Each document is read by the same reader the
// planner uses (k8s_reader.h, node_template_reader.h, instance_catalog_loader.h), so what validates
// is what plans. Reader errors are issues at their file line; skipped kinds and unknown
// NodeTemplate fields are warnings; pods no GPU model can ever run are warnings with the reason.
//
// Thread safety: as DocumentKindRegistry; `catalog` must outlive the registry.
#pragma once

#include "catalog/document_kinds.h"
#include "gpu/gpu_catalog.h"

namespace gpupack::catalog {

void AddClusterDocumentKinds(DocumentKindRegistry& registry, const gpu::GpuCatalog& catalog);

}  // namespace gpupack::catalog
