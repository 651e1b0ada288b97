// Sleeper: how the Kubernetes client waits between retries. The real one sleeps; tests inject
// one that advances a ManualClock and records the waits, so no test ever sleeps.
//
// Thread safety: RealSleeper is thread-safe.
#pragma once

#include "common/clock.h"
#include "kube/kube_client.h"

namespace gpupack::kube {

class Sleeper {
 public:
  virtual ~Sleeper() = default;

  // Waits `duration`, or less when `cancel` (may be null) is set meanwhile.
  virtual void Sleep(Duration duration, const CancelToken* cancel) = 0;
};

class RealSleeper final : public Sleeper {
 public:
  void Sleep(Duration duration, const CancelToken* cancel) override;
};

}  // namespace gpupack::kube
