// `gpupack validate`'s engine with every registered document kind: the detector, the ConfigMap
// opener and each kind's checks on whatever a user might hand it. New kinds (scenarios, traces)
// registered by Add*DocumentKinds are fuzzed here without a new target.
#include "catalog/cluster_document_kinds.h"
#include "catalog/document_kinds.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_catalogs.h"

namespace {

const gpupack::catalog::DocumentKindRegistry& Registry() {
  static const gpupack::catalog::DocumentKindRegistry* const registry = [] {
    auto* built = new gpupack::catalog::DocumentKindRegistry();
    gpupack::catalog::AddNvidiaDocumentKinds(*built, &gpupack::fuzz::BuiltInGpus());
    gpupack::catalog::AddClusterDocumentKinds(*built, gpupack::fuzz::BuiltInGpus());
    return built;
  }();
  return *registry;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)Registry().CheckFile("fuzz.yaml", gpupack::fuzz::AsText(data, size));
  return 0;
}
