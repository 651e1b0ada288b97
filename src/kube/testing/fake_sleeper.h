// FakeSleeper: records each wait and advances a ManualClock by it instead of sleeping.
//
// Thread safety: none; for single-threaded tests.
#pragma once

#include <functional>
#include <vector>

#include "common/clock.h"
#include "kube/sleeper.h"

namespace gpupack::kube::testing {

class FakeSleeper final : public Sleeper {
 public:
  explicit FakeSleeper(ManualClock& clock) : clock_(clock) {}

  void Sleep(Duration duration, const CancelToken*) override {
    waits.push_back(duration);
    clock_.Advance(duration);
    if (on_sleep) {
      on_sleep();
    }
  }

  std::vector<Duration> waits;
  std::function<void()> on_sleep;  // e.g. cancel an informer after its first backoff

 private:
  ManualClock& clock_;
};

}  // namespace gpupack::kube::testing
