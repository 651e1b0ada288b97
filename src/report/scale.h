// Axis scales and number text for the charts (chart.h): "nice" tick positions (multiples of 1,
// 2, 2.5 or 5 times a power of ten, or round durations), numbers with fixed precision and
// thousands separators, and elapsed times ("1d 6h").
//
// Everything here is deterministic: the same input gives the same ticks and the same bytes of
// text on every platform (fmt never consults the locale).
//
// Thread safety: values and pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gpupack::report {

// How a value is written: `prefix` + value * `scale` with `decimals` digits after the point and
// thousands separators + `suffix`. Currency("$", 0) writes 12345 as "$12,345"; Percent(1)
// writes a ratio of 0.873 as "87.3%"; Fixed(1).WithSuffix(" min") writes 2.25 as "2.3 min".
struct NumberFormat {
  static NumberFormat Fixed(int decimals);
  static NumberFormat Percent(int decimals);
  static NumberFormat Currency(std::string symbol, int decimals);

  NumberFormat WithSuffix(std::string text) const;

  int decimals = 0;
  std::string prefix;
  std::string suffix;
  double scale = 1.0;
};

// Writes `value` as `format` says. Non-finite values are written as "n/a"; a value that rounds to
// zero never shows a minus sign.
std::string FormatNumber(double value, const NumberFormat& format);

// Writes an elapsed time in seconds as its two largest units: "0", "45s", "30m", "1h 30m", "6h",
// "1d", "1d 6h". Negative values get a leading "-"; non-finite ones are "n/a".
std::string FormatDuration(double seconds);

// Tick positions for one axis. `lo` <= every data value <= `hi`, and `values` runs from `lo` to
// `hi` in steps of `step` (both ends included).
struct Ticks {
  double lo = 0;
  double hi = 1;
  double step = 1;
  std::vector<double> values;
};

// Nice ticks covering [data_lo, data_hi] with at most `max_ticks` values (3 at least:
// a range that straddles a tick needs three). The range
// is widened outwards to multiples of the step; an empty range (data_lo == data_hi) becomes
// [0, 1] at zero and value +- 50% elsewhere. Both bounds must be finite and data_lo <= data_hi.
Ticks NiceTicks(double data_lo, double data_hi, int max_ticks);

// Like NiceTicks for a range of seconds, with steps of round durations (1, 2, 5, 10, 15, 30 s or
// min; 1, 2, 3, 6, 12 h; 1, 2, 7 d, then nice multiples of days).
Ticks DurationTicks(double data_lo, double data_hi, int max_ticks);

// Decimals needed to tell ticks `step` apart once multiplied by `scale` (0 for 1, 1 for 0.5, 2
// for 0.25).
int TickDecimals(double step, double scale);

// Rough rendered width in pixels of `text` in a proportional sans-serif font of `font_px`: the
// charts use it to lay out legends and margins, since there is no font metrics engine here.
double EstimateTextWidth(std::string_view text, double font_px);

}  // namespace gpupack::report
