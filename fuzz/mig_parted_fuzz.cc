// mig-parted config files: parse, check (alone and against the GPU catalog), and render what
// parsed, which must parse again.
#include "catalog/mig_parted_yaml.h"
#include "common/check.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_catalogs.h"
#include "gpu/mig_parted_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gpupack::Result<gpupack::catalog::ParsedMigParted> parsed =
      gpupack::catalog::ParseMigPartedConfig(gpupack::fuzz::AsText(data, size), "fuzz.yaml");
  if (!parsed) {
    return 0;
  }
  (void)gpupack::gpu::CheckMigPartedSpec(parsed->spec);
  (void)gpupack::gpu::CheckMigPartedAgainstCatalog(parsed->spec, gpupack::fuzz::BuiltInGpus());
  std::string rendered = gpupack::catalog::RenderMigPartedConfig(parsed->spec);
  GP_CHECK(gpupack::catalog::ParseMigPartedConfig(rendered, "rendered.yaml").has_value(),
           "a rendered mig-parted config does not parse");
  return 0;
}
