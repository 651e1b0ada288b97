// Instance price catalogs (catalog/instances/<cloud>.yaml and user files of that form).
#include "catalog/instance_catalog_loader.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_catalogs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)gpupack::catalog::ParseInstanceCatalog(gpupack::fuzz::AsText(data, size), "fuzz.yaml",
                                               gpupack::fuzz::BuiltInGpus());
  return 0;
}
