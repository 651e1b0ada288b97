// Kubernetes objects as `kubectl get -o yaml|json` and manifests give them: Pod, Node,
// Deployment/StatefulSet/ReplicaSet/Job (expanded into pods), NodeTemplate, List and typed lists.
#include "catalog/k8s_reader.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_catalogs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& gpus = gpupack::fuzz::BuiltInGpus();
  (void)gpupack::catalog::ReadKubeObjects(gpupack::fuzz::AsText(data, size), "fuzz.yaml", gpus,
                                          &gpupack::fuzz::AwsInstances());
  return 0;
}
