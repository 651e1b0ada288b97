// Checks a mig-parted config against the GPU catalog: for each entry, the GPU models it selects
// must offer its profiles and the geometry must fit (MigGeometryEngine).
//
// Which models an entry selects:
//   - with a device-filter: the catalog models whose PCI ids match. Ids the catalog does not know
//     are skipped with a note (NVIDIA's files carry SKUs we may not list).
//   - without one: mig-parted applies the entry to whatever GPU the node has, so NVIDIA ships
//     filterless `all-<profile>` entries meant only for the GPUs that have that profile. The
//     entry is checked on every MIG-capable model offering all of its profiles: an error when it
//     fits none of them, a warning naming those it does not fit. A profile no catalog model offers
//     gives a note with the nearest known names, not an error.
//
// Thread safety: pure function.
#pragma once

#include <vector>

#include "gpu/config_issue.h"
#include "gpu/gpu_catalog.h"
#include "gpu/mig_parted_spec.h"

namespace gpupack::gpu {

// Issues use the paths of CheckMigPartedSpec (`mig-configs.<name>[<i>].mig-devices`, ...).
std::vector<ConfigIssue> CheckMigPartedAgainstCatalog(const MigPartedSpec& spec,
                                                      const GpuCatalog& catalog);

// The catalog models a device-filter selects (sorted by name; empty filter selects none).
std::vector<const GpuModel*> ModelsMatchingFilter(const std::vector<PciDeviceId>& filter,
                                                  const GpuCatalog& catalog);

}  // namespace gpupack::gpu
