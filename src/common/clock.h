// Clock: the one source of time for gpupack (STYLE.md section 4). The planner, the control loop
// and the simulator never read the system clock directly: the controller injects SystemClock,
// the simulator and the tests inject a clock they advance themselves, so no test ever sleeps.
//
// Time is a count of milliseconds since the Unix epoch (wall time, not steady): Kubernetes
// timestamps, Lease renewals and simulated traces all speak wall time.
//
// Thread safety: SystemClock is thread-safe; ManualClock is not (one owner advances it).
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "common/error.h"

namespace gpupack {

using Duration = std::chrono::milliseconds;

struct Timestamp {
  Duration since_epoch{0};

  constexpr auto operator<=>(const Timestamp&) const = default;

  constexpr Timestamp operator+(Duration d) const { return Timestamp{since_epoch + d}; }

  constexpr Duration operator-(Timestamp other) const { return since_epoch - other.since_epoch; }

  // Whole seconds since the epoch (rounded down), as Kubernetes RFC 3339 timestamps carry.
  constexpr int64_t Seconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
  }
};

// Parses an RFC 3339 time as Kubernetes writes them ("2026-11-24T19:41:42Z", with optional
// fractional seconds, milliseconds kept, and a numeric offset such as "+01:00"). InvalidArgument
// "\"<text>\" is not an RFC 3339 time" when malformed or not a calendar date.
[[nodiscard]] Result<Timestamp> ParseRfc3339(std::string_view text);

class Clock {
 public:
  virtual ~Clock() = default;

  virtual Timestamp Now() const = 0;
};

// The real wall clock.
class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
};

// A clock that moves only when told to: the simulator's virtual time and the tests' fake.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start = {}) : now_(start) {}

  Timestamp Now() const override { return now_; }

  void Advance(Duration d) { now_ = now_ + d; }

  void Set(Timestamp t) { now_ = t; }

 private:
  Timestamp now_;
};

}  // namespace gpupack
