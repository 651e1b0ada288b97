#include "common/clock.h"

namespace gpupack {

Timestamp SystemClock::Now() const {
  return Timestamp{
      std::chrono::duration_cast<Duration>(std::chrono::system_clock::now().time_since_epoch())};
}

}  // namespace gpupack
