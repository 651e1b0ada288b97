// NVIDIA device-plugin / GFD config files: parse, check, and render what parsed, which must
// parse again.
#include "catalog/device_plugin_yaml.h"
#include "common/check.h"
#include "fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gpupack::Result<gpupack::catalog::ParsedDevicePluginConfig> parsed =
      gpupack::catalog::ParseDevicePluginConfig(gpupack::fuzz::AsText(data, size), "fuzz.yaml");
  if (!parsed) {
    return 0;
  }
  (void)gpupack::gpu::CheckDevicePluginConfig(parsed->config);
  std::string rendered = gpupack::catalog::RenderDevicePluginConfig(parsed->config);
  GP_CHECK(gpupack::catalog::ParseDevicePluginConfig(rendered, "rendered.yaml").has_value(),
           "a rendered device-plugin config does not parse");
  return 0;
}
