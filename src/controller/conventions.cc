#include "controller/conventions.h"

namespace gpupack::controller {

bool IsGpupackKey(std::string_view key) { return key.starts_with("gpupack.io/"); }

}  // namespace gpupack::controller
