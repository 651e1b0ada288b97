// GPU catalogs (catalog/gpus.yaml and the files `--gpu-catalog FILE` reads).
#include <string>

#include "catalog/gpu_catalog_loader.h"
#include "fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gpupack::catalog::CatalogSource source{"fuzz.yaml",
                                         std::string(gpupack::fuzz::AsText(data, size))};
  (void)gpupack::catalog::LoadGpuCatalog({&source, 1});
  return 0;
}
