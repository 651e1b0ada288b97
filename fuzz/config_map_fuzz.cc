// ConfigMaps carrying NVIDIA config files (the GPU operator's and the device plugin's).
#include "catalog/config_map_yaml.h"
#include "fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = gpupack::fuzz::AsText(data, size);
  if (gpupack::catalog::IsConfigMap(text)) {
    (void)gpupack::catalog::ParseConfigMap(text, "fuzz.yaml");
  }
  return 0;
}
