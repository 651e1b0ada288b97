#include "kube/sleeper.h"

#include <algorithm>
#include <thread>

namespace gpupack::kube {

void RealSleeper::Sleep(Duration duration, const CancelToken* cancel) {
  // Sleep in slices so a cancel is noticed within 100 ms.
  auto until = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < until) {
    if (cancel != nullptr && cancel->IsCancelled()) {
      return;
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(100), until - std::chrono::steady_clock::now()));
  }
}

}  // namespace gpupack::kube
