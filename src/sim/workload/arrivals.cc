#include "sim/workload/arrivals.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <numbers>
#include <string>

namespace gpupack::sim {
namespace {

constexpr double kMillisPerHour = 3600.0 * 1000.0;

Duration FromHours(double hours) {
  return Duration(static_cast<int64_t>(std::llround(hours * kMillisPerHour)));
}

double ToHours(Duration d) { return static_cast<double>(d.count()) / kMillisPerHour; }

}  // namespace

Result<Duration> ParseDurationText(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError("duration '" + std::string(text) + "': " + std::string(why) +
                                " (use e.g. 90s, 30m, 24h, 2d or seconds)");
  };
  if (text.empty())
    return bad("empty");
  size_t unit_start = text.size();
  while (unit_start > 0 && std::isalpha(static_cast<unsigned char>(text[unit_start - 1])))
    --unit_start;
  std::string_view number = text.substr(0, unit_start);
  std::string_view unit = text.substr(unit_start);
  double value = 0.0;
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || error != std::errc() || end != number.data() + number.size())
    return bad("not a number with a unit");
  if (value < 0 || !std::isfinite(value))
    return bad("must not be negative");
  double millis = 0.0;
  if (unit == "ms") {
    millis = value;
  } else if (unit.empty() || unit == "s") {
    millis = value * 1000.0;
  } else if (unit == "m") {
    millis = value * 60'000.0;
  } else if (unit == "h") {
    millis = value * kMillisPerHour;
  } else if (unit == "d") {
    millis = value * 24.0 * kMillisPerHour;
  } else {
    return bad("unknown unit '" + std::string(unit) + "'");
  }
  if (millis > 1e15)
    return bad("too long");
  return Duration(static_cast<int64_t>(std::llround(millis)));
}

double DiurnalRatePerHour(const ArrivalPattern& pattern, Duration t) {
  double hour_of_day = std::fmod(ToHours(t), 24.0);
  double phase = 2.0 * std::numbers::pi * (hour_of_day - pattern.peak_hour) / 24.0;
  return pattern.trough_rate_per_hour +
         (pattern.peak_rate_per_hour - pattern.trough_rate_per_hour) * (1.0 + std::cos(phase)) /
             2.0;
}

std::vector<Duration> GenerateArrivals(const ArrivalPattern& pattern, std::optional<int64_t> count,
                                       Duration end, Rng& rng) {
  std::vector<Duration> arrivals;
  auto full = [&] { return count && static_cast<int64_t>(arrivals.size()) >= *count; };
  switch (pattern.kind) {
    case ArrivalPatternKind::kAtOnce:
      if (pattern.at < end)
        arrivals.assign(static_cast<size_t>(std::max<int64_t>(count.value_or(0), 0)), pattern.at);
      return arrivals;
    case ArrivalPatternKind::kPoisson: {
      if (pattern.rate_per_hour <= 0)
        return arrivals;
      double t = ToHours(pattern.at);
      while (!full()) {
        t += rng.Exponential(1.0 / pattern.rate_per_hour);
        Duration at = FromHours(t);
        if (at >= end)
          break;
        arrivals.push_back(at);
      }
      return arrivals;
    }
    case ArrivalPatternKind::kDiurnal: {
      double max_rate = std::max(pattern.peak_rate_per_hour, pattern.trough_rate_per_hour);
      if (max_rate <= 0)
        return arrivals;
      double t = ToHours(pattern.at);
      while (!full()) {
        t += rng.Exponential(1.0 / max_rate);
        Duration at = FromHours(t);
        if (at >= end)
          break;
        if (rng.UniformDouble() * max_rate < DiurnalRatePerHour(pattern, at))
          arrivals.push_back(at);
      }
      return arrivals;
    }
  }
  return arrivals;
}

std::optional<Duration> DrawRunTime(const RunTime& run_time, Rng& rng) {
  double millis = 0.0;
  switch (run_time.distribution) {
    case DurationDistribution::kForever:
      return std::nullopt;
    case DurationDistribution::kFixed:
      millis = static_cast<double>(run_time.mean.count());
      break;
    case DurationDistribution::kExponential:
      millis = rng.Exponential(static_cast<double>(run_time.mean.count()));
      break;
    case DurationDistribution::kLognormal: {
      // The underlying normal's mean mu gives E[X] = exp(mu + sigma^2 / 2) = mean.
      double mu = std::log(static_cast<double>(std::max<int64_t>(run_time.mean.count(), 1))) -
                  run_time.sigma * run_time.sigma / 2.0;
      millis = std::exp(rng.Normal(mu, run_time.sigma));
      break;
    }
  }
  int64_t floor = std::max<int64_t>(run_time.min.count(), 1);
  return Duration(std::max(floor, static_cast<int64_t>(std::llround(std::min(millis, 1e15)))));
}

}  // namespace gpupack::sim
