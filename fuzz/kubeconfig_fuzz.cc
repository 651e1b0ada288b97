// kubeconfig YAML (ParseKubeconfig): the current context and a named one. File references
// resolve against a folder that does not exist, so the fuzzer reads no real files.
#include <string>

#include "fuzz/fuzz.h"
#include "kube/kubeconfig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(gpupack::fuzz::AsText(data, size));
  (void)gpupack::kube::ParseKubeconfig(text, "fuzz-kubeconfig", "/nonexistent-gpupack-fuzz", "");
  (void)gpupack::kube::ParseKubeconfig(text, "fuzz-kubeconfig", "/nonexistent-gpupack-fuzz", "dev");
  (void)gpupack::kube::DecodeBase64(text);
  return 0;
}
