#include "common/quantity.h"

#include <array>
#include <cctype>
#include <limits>

#include <fmt/format.h>

namespace gpupack {
namespace {

__extension__ using Int128 = __int128;

constexpr int kMaxDigits = 30;  // more significant digits than any int64 milli value needs

struct Suffix {
  std::string_view text;
  int base;      // 2 or 10
  int exponent;  // power of base
};

constexpr std::array<Suffix, 13> kSuffixes = {{
    {"Ki", 2, 10},
    {"Mi", 2, 20},
    {"Gi", 2, 30},
    {"Ti", 2, 40},
    {"Pi", 2, 50},
    {"Ei", 2, 60},
    {"m", 10, -3},
    {"", 10, 0},
    {"k", 10, 3},
    {"M", 10, 6},
    {"G", 10, 9},
    {"T", 10, 12},
    {"P", 10, 15},
}};

tl::unexpected<Error> Invalid(std::string_view text, std::string_view why) {
  return InvalidArgumentError(fmt::format("invalid quantity \"{}\": {}", text, why));
}

// Divides n by d rounding toward +infinity.
Int128 CeilDiv(Int128 n, Int128 d) {
  Int128 q = n / d;
  if ((n % d != 0) && ((n > 0) == (d > 0))) {
    ++q;
  }
  return q;
}

}  // namespace

Result<Quantity> Quantity::Parse(std::string_view text) {
  if (text.empty()) {
    return Invalid(text, "empty");
  }
  size_t pos = 0;
  bool negative = false;
  if (text[pos] == '+' || text[pos] == '-') {
    negative = text[pos] == '-';
    ++pos;
  }
  // Mantissa: digits with an optional decimal point; at least one digit in all.
  Int128 mantissa = 0;
  int significant = 0;
  int fraction_digits = 0;
  bool seen_digit = false;
  bool seen_point = false;
  for (; pos < text.size(); ++pos) {
    char c = text[pos];
    if (c >= '0' && c <= '9') {
      seen_digit = true;
      if (mantissa == 0 && c == '0') {
        if (seen_point) {
          ++fraction_digits;
        }
        continue;
      }
      if (significant >= kMaxDigits) {
        return Invalid(text, "too many digits");
      }
      mantissa = mantissa * 10 + (c - '0');
      ++significant;
      if (seen_point) {
        ++fraction_digits;
      }
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!seen_digit) {
    return Invalid(text, "no number");
  }
  std::string_view suffix_text = text.substr(pos);
  int base = 10;
  int exponent = 0;
  bool matched = false;
  if (!suffix_text.empty() && (suffix_text[0] == 'e' || suffix_text[0] == 'E') &&
      suffix_text.size() > 1) {
    // Decimal exponent: e<signed integer>. ("E" alone is the exa suffix, handled below.)
    std::string_view exp_text = suffix_text.substr(1);
    size_t i = 0;
    bool exp_negative = false;
    if (exp_text[i] == '+' || exp_text[i] == '-') {
      exp_negative = exp_text[i] == '-';
      ++i;
    }
    if (i == exp_text.size()) {
      return Invalid(text, "exponent has no digits");
    }
    int value = 0;
    for (; i < exp_text.size(); ++i) {
      if (exp_text[i] < '0' || exp_text[i] > '9') {
        return Invalid(text, "bad exponent");
      }
      value = value * 10 + (exp_text[i] - '0');
      if (value > 100) {
        return Invalid(text, "exponent out of range");
      }
    }
    exponent = exp_negative ? -value : value;
    matched = true;
  } else if (suffix_text == "E") {
    exponent = 18;
    matched = true;
  } else {
    for (const Suffix& suffix : kSuffixes) {
      if (suffix.text == suffix_text) {
        base = suffix.base;
        exponent = suffix.exponent;
        matched = true;
        break;
      }
    }
  }
  if (!matched) {
    return Invalid(text, fmt::format("unknown suffix \"{}\"", suffix_text));
  }
  // value = mantissa * 10^-fraction_digits * base^exponent; we want ceil(value * 1000). The range
  // check applies to that result, not to the scaled-up numerator: "90071992547409920m" is in
  // range though 90071992547409920 * 1000 is not (found by fuzz/quantity_fuzz.cc).
  constexpr Int128 kLimit = std::numeric_limits<int64_t>::max();
  if (mantissa == 0) {
    return Quantity(0);
  }
  Int128 numerator = mantissa * 1000;  // < 10^33: at most kMaxDigits significant digits
  int decimal_exponent = -fraction_digits;
  if (base == 10) {
    decimal_exponent += exponent;
  }
  if (decimal_exponent < -33) {
    // Less than one milli-unit: rounds up to 1 milli (or 0 when negative).
    return Quantity(negative ? 0 : 1);
  }
  if (base == 2 && fraction_digits > 18) {
    // Keeps kLimit * denominator below in range of Int128; no one writes 0.0000000000000000001Ki.
    return Invalid(text, "more than 18 decimal places before a binary suffix");
  }
  Int128 denominator = 1;
  for (int i = decimal_exponent; i < 0; ++i) {
    denominator *= 10;
  }
  auto scale_up = [&](Int128 factor, int times) -> bool {
    for (int i = 0; i < times; ++i) {
      numerator *= factor;
      if (numerator > kLimit * denominator) {
        return false;
      }
    }
    return true;
  };
  if (base == 2 && !scale_up(2, exponent)) {
    return Invalid(text, "too large");
  }
  if (decimal_exponent > 0 && !scale_up(10, decimal_exponent)) {
    return Invalid(text, "too large");
  }
  Int128 milli = negative ? CeilDiv(-numerator, denominator) : CeilDiv(numerator, denominator);
  if (milli > kLimit || milli < -kLimit) {
    return Invalid(text, "too large");
  }
  return Quantity(static_cast<int64_t>(milli));
}

int64_t Quantity::Value() const { return static_cast<int64_t>(CeilDiv(milli_, 1000)); }

std::string Quantity::ToString() const {
  if (milli_ % 1000 != 0) {
    return fmt::format("{}m", milli_);
  }
  return FormatBytes(milli_ / 1000);
}

namespace {

Result<Quantity> ParseNonNegative(std::string_view text) {
  GP_ASSIGN_OR_RETURN(Quantity quantity, Quantity::Parse(text));
  if (quantity.MilliValue() < 0) {
    return Invalid(text, "must not be negative");
  }
  return quantity;
}

}  // namespace

Result<int64_t> ParseMilliCpu(std::string_view text) {
  GP_ASSIGN_OR_RETURN(Quantity quantity, ParseNonNegative(text));
  return quantity.MilliValue();
}

Result<int64_t> ParseBytes(std::string_view text) {
  GP_ASSIGN_OR_RETURN(Quantity quantity, ParseNonNegative(text));
  return quantity.Value();
}

Result<int64_t> ParseCount(std::string_view text) {
  GP_ASSIGN_OR_RETURN(Quantity quantity, ParseNonNegative(text));
  if (quantity.MilliValue() % 1000 != 0) {
    return Invalid(text, "must be a whole number");
  }
  return quantity.Value();
}

std::string FormatBytes(int64_t bytes) {
  static constexpr std::array<std::string_view, 6> kUnits = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  if (bytes == 0 || bytes % 1024 != 0) {
    return fmt::format("{}", bytes);
  }
  int64_t value = bytes;
  size_t unit = 0;
  value /= 1024;
  while (unit + 1 < kUnits.size() && value % 1024 == 0) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{}{}", value, kUnits[unit]);
}

std::string FormatMilli(int64_t milli) {
  if (milli % 1000 == 0) {
    return fmt::format("{}", milli / 1000);
  }
  return fmt::format("{}m", milli);
}

}  // namespace gpupack
