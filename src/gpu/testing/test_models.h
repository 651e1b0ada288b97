// Hand-built GPU models for the gpu layer's tests (the layer cannot read catalog/gpus.yaml).
// The data follows NVIDIA-NOTES 5.2/5.3; src/catalog's tests check that the shipped catalog
// gives the same geometry counts.
#pragma once

#include <vector>

#include "gpu/gpu_model.h"

namespace gpupack::gpu::testing {

GpuModel A100ForTest();        // layout L7, with 1g.5gb+me and the double-memory 1g.10gb
GpuModel H100ForTest();        // layout L7, 80GB profile names
GpuModel A30ForTest();         // layout L4, with 1g.6gb+me and 2g.12gb+me
GpuModel RtxPro6000ForTest();  // 4-slice layout with +gfx, +me, +me.all and -me variants
GpuModel T4ForTest();          // not MIG-capable

// All of the above.
std::vector<GpuModel> AllModelsForTest();

}  // namespace gpupack::gpu::testing
