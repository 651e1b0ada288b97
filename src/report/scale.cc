#include "report/scale.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <utility>

#include <fmt/format.h>

#include "common/check.h"

namespace gpupack::report {
namespace {

// Tolerance for "this value is a multiple of the step", relative to the step.
constexpr double kStepEpsilon = 1e-9;

std::string GroupThousands(std::string_view digits) {
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      out += ',';
    }
    out += digits[i];
  }
  return out;
}

// The tick values from lo to hi for a step that divides both.
Ticks MakeTicks(double lo_units, double hi_units, double step) {
  Ticks ticks;
  ticks.step = step;
  ticks.lo = lo_units * step;
  ticks.hi = hi_units * step;
  const auto count = static_cast<int64_t>(std::llround(hi_units - lo_units));
  for (int64_t i = 0; i <= count; ++i) {
    ticks.values.push_back((lo_units + static_cast<double>(i)) * step);
  }
  return ticks;
}

// The first step in `steps` (ascending) that covers [lo, hi] with at most max_ticks values, or
// an empty Ticks (no values) when none does.
Ticks FirstFittingStep(double lo, double hi, int max_ticks, const std::vector<double>& steps) {
  for (double step : steps) {
    const double lo_units = std::floor(lo / step + kStepEpsilon);
    // A range far narrower than the step would otherwise round to a single tick.
    const double hi_units = std::max(std::ceil(hi / step - kStepEpsilon), lo_units + 1);
    if (hi_units - lo_units <= max_ticks - 1) {
      return MakeTicks(lo_units, hi_units, step);
    }
  }
  return Ticks{};
}

// Widens an empty range around its value so that an axis can be drawn.
void WidenEmptyRange(double& lo, double& hi) {
  if (hi > lo) {
    return;
  }
  if (lo == 0) {
    hi = 1;
    return;
  }
  const double half = std::abs(lo) * 0.5;
  lo -= half;
  hi += half;
}

}  // namespace

NumberFormat NumberFormat::Fixed(int decimals) {
  NumberFormat format;
  format.decimals = decimals;
  return format;
}

NumberFormat NumberFormat::Percent(int decimals) {
  NumberFormat format = Fixed(decimals);
  format.suffix = "%";
  format.scale = 100;
  return format;
}

NumberFormat NumberFormat::Currency(std::string symbol, int decimals) {
  NumberFormat format = Fixed(decimals);
  format.prefix = std::move(symbol);
  return format;
}

NumberFormat NumberFormat::WithSuffix(std::string text) const {
  NumberFormat format = *this;
  format.suffix = std::move(text);
  return format;
}

std::string FormatNumber(double value, const NumberFormat& format) {
  const double scaled = value * format.scale;
  if (!std::isfinite(scaled)) {
    return "n/a";
  }
  const int decimals = std::clamp(format.decimals, 0, 12);
  std::string text = fmt::format("{:.{}f}", std::abs(scaled), decimals);
  const bool is_zero = text.find_first_not_of("0.") == std::string::npos;
  const size_t point = text.find('.');
  const std::string_view integer_part =
      std::string_view(text).substr(0, point == std::string::npos ? text.size() : point);
  std::string out;
  if (scaled < 0 && !is_zero) {
    out += '-';
  }
  out += format.prefix;
  out += GroupThousands(integer_part);
  if (point != std::string::npos) {
    out += text.substr(point);
  }
  out += format.suffix;
  return out;
}

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds)) {
    return "n/a";
  }
  int64_t rest = std::llround(std::abs(seconds));
  if (rest == 0) {
    return "0";
  }

  struct Unit {
    int64_t seconds;
    const char* suffix;
  };

  static constexpr std::array<Unit, 4> kUnits = {{{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}}};
  std::array<int64_t, 4> amounts{};
  for (size_t i = 0; i < kUnits.size(); ++i) {
    amounts[i] = rest / kUnits[i].seconds;
    rest %= kUnits[i].seconds;
  }
  size_t largest = 0;
  while (amounts[largest] == 0) {
    ++largest;
  }
  std::string out = seconds < 0 ? "-" : "";
  out += fmt::format("{}{}", amounts[largest], kUnits[largest].suffix);
  if (largest + 1 < kUnits.size() && amounts[largest + 1] != 0) {
    out += fmt::format(" {}{}", amounts[largest + 1], kUnits[largest + 1].suffix);
  }
  return out;
}

Ticks NiceTicks(double data_lo, double data_hi, int max_ticks) {
  GP_CHECK(std::isfinite(data_lo) && std::isfinite(data_hi) && data_lo <= data_hi,
           "NiceTicks needs a finite, ordered range");
  max_ticks = std::max(max_ticks, 3);
  WidenEmptyRange(data_lo, data_hi);
  // Nine significant digits at most: finer steps than that do not survive double arithmetic
  // far from zero (1e15 + 0.05 == 1e15), and no axis label needs them.
  const double raw_step = std::max((data_hi - data_lo) / (max_ticks - 1),
                                   std::max(std::abs(data_lo), std::abs(data_hi)) * 1e-9);
  double magnitude = std::pow(10.0, std::floor(std::log10(raw_step)));
  // Ends off the step grid can cost up to two extra ticks; a step as long as the range always
  // fits, as three ticks at most.
  while (true) {
    Ticks ticks = FirstFittingStep(data_lo, data_hi, max_ticks,
                                   {magnitude, 2 * magnitude, 2.5 * magnitude, 5 * magnitude});
    if (!ticks.values.empty()) {
      return ticks;
    }
    magnitude *= 10;
  }
}

Ticks DurationTicks(double data_lo, double data_hi, int max_ticks) {
  GP_CHECK(std::isfinite(data_lo) && std::isfinite(data_hi) && data_lo <= data_hi,
           "DurationTicks needs a finite, ordered range");
  max_ticks = std::max(max_ticks, 3);
  if (data_hi - data_lo <= 0) {
    // One point in time: a minute around it reads better than a fraction of a second.
    data_lo -= 30;
    data_hi += 30;
  }
  static const std::vector<double> kSteps = {
      1,   2,    5,    10,   15,    30,    60,    120,   300,    600,
      900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
  };
  Ticks ticks = FirstFittingStep(data_lo, data_hi, max_ticks, kSteps);
  if (!ticks.values.empty()) {
    return ticks;
  }
  // Longer than (max_ticks - 1) weeks: nice numbers of days. The raw step is then over 7 days,
  // so the nice step is a whole number of days (10, 20, 50, ...).
  constexpr double kDay = 86400;
  Ticks days = NiceTicks(data_lo / kDay, data_hi / kDay, max_ticks);
  for (double& value : days.values) {
    value *= kDay;
  }
  days.lo *= kDay;
  days.hi *= kDay;
  days.step *= kDay;
  return days;
}

int TickDecimals(double step, double scale) {
  const double scaled = std::abs(step * scale);
  for (int decimals = 0; decimals < 9; ++decimals) {
    const double shifted = scaled * std::pow(10.0, decimals);
    if (std::abs(shifted - std::round(shifted)) < 1e-6 * std::max(1.0, shifted)) {
      return decimals;
    }
  }
  return 9;
}

double EstimateTextWidth(std::string_view text, double font_px) {
  // Average advance widths of a system sans-serif (Helvetica-like) in ems.
  double ems = 0;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0) == 0x80) {
      continue;  // UTF-8 continuation byte: the code point was counted at its lead byte
    }
    if (std::string_view("iljtfr.,:;'!| ()[]").find(c) != std::string_view::npos) {
      ems += 0.32;
    } else if (std::string_view("MWmw@%").find(c) != std::string_view::npos) {
      ems += 0.85;
    } else if (byte >= 'A' && byte <= 'Z') {
      ems += 0.68;
    } else {
      ems += 0.56;
    }
  }
  return ems * font_px;
}

}  // namespace gpupack::report
