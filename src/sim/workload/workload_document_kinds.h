// Plugs the workload inputs into `gpupack validate` (catalog/document_kinds.h): scenario files
// (YAML mappings with `workloads`), faults files (mappings with `faults` only), plain CSV pod
// traces (by their header) and the openb pod and node lists. Each is checked by the reader the
// simulator uses, so what validates is what simulates; a reader error becomes one issue at its file
// line.
//
// Thread safety: as DocumentKindRegistry; `catalog` must outlive the registry.
#pragma once

#include "catalog/document_kinds.h"
#include "gpu/gpu_catalog.h"

namespace gpupack::sim {

void AddWorkloadDocumentKinds(catalog::DocumentKindRegistry& registry,
                              const gpu::GpuCatalog& catalog);

}  // namespace gpupack::sim
