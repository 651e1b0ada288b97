#include "common/check.h"

#include <cstdio>
#include <cstdlib>

namespace gpupack::common_internal {

void CheckFailed(const char* file, int line, const char* condition, const char* message) {
  std::fprintf(stderr, "%s:%d: check failed: %s: %s\n", file, line, condition, message);
  std::fflush(stderr);
  std::abort();
}

}  // namespace gpupack::common_internal
