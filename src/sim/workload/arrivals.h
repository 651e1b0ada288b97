// Arrival patterns and run-time distributions of generated workloads (scenario files' compact
// entries), and the duration text all workload inputs share ("90s", "30m", "24h", "1.5h", "2d",
// or a bare number of seconds).
//
// Every draw goes through gpupack::Rng, so a seed gives the same workload on every platform.
//
// Thread safety: values and pure functions (the Rng is the caller's).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/rng.h"

namespace gpupack::sim {

// Parses "250ms", "90s", "30m", "24h", "2d", "1.5h" or a bare number of seconds ("3600").
// InvalidArgument naming the text when malformed or negative.
[[nodiscard]] Result<Duration> ParseDurationText(std::string_view text);

enum class ArrivalPatternKind { kAtOnce, kPoisson, kDiurnal };

struct ArrivalPattern {
  ArrivalPatternKind kind = ArrivalPatternKind::kAtOnce;
  Duration at{0};                     // at-once: the instant; poisson/diurnal: when arrivals start
  double rate_per_hour = 0.0;         // poisson
  double peak_rate_per_hour = 0.0;    // diurnal: rate at peak_hour
  double trough_rate_per_hour = 0.0;  // diurnal: rate 12 hours from the peak
  double peak_hour = 14.0;            // diurnal: hour of the day (0..24) of the peak
};

// Arrival instants of the pattern in [pattern.at, end), at most `count` of them (nullopt: no
// cap; at-once needs a count). Sorted. A diurnal rate follows a cosine over 24 hours between
// trough and peak; its arrivals are drawn as a non-homogeneous Poisson process by thinning.
std::vector<Duration> GenerateArrivals(const ArrivalPattern& pattern, std::optional<int64_t> count,
                                       Duration end, Rng& rng);

// The diurnal rate (per hour) at `t` since the simulation start.
double DiurnalRatePerHour(const ArrivalPattern& pattern, Duration t);

enum class DurationDistribution { kForever, kFixed, kExponential, kLognormal };

struct RunTime {
  DurationDistribution distribution = DurationDistribution::kForever;
  Duration mean{0};    // fixed: the value; exponential, lognormal: the mean
  double sigma = 1.0;  // lognormal: standard deviation of the underlying normal
  Duration min{0};     // draws are clamped to at least this (and at least 1 ms)
};

// One run time (nullopt: runs until the simulation ends).
std::optional<Duration> DrawRunTime(const RunTime& run_time, Rng& rng);

}  // namespace gpupack::sim
