// Kubernetes resource quantities ("500m", "16Gi", "1.5", "2e3") as exact integers.
//
// A Quantity holds its value in thousandths (milli-units), rounded up exactly as
// resource.Quantity.MilliValue() does; Value() rounds up to whole units like Quantity.Value().
// Values beyond what fits an int64 of milli-units (about 9.2e15 units, 8 PiB) are rejected
// rather than wrapped. CPU is kept in milli-CPU, memory in bytes, GPU fractions in milli-GPU.
//
// Thread safety: values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace gpupack {

class Quantity {
 public:
  constexpr Quantity() = default;

  static constexpr Quantity FromMilli(int64_t milli) { return Quantity(milli); }

  // Parses the Kubernetes quantity grammar: optional sign, decimal number, then one suffix of
  // Ki Mi Gi Ti Pi Ei | m k M G T P E | e<exp> / E<exp>. Returns InvalidArgument with the
  // offending text on anything else.
  [[nodiscard]] static Result<Quantity> Parse(std::string_view text);

  constexpr int64_t MilliValue() const { return milli_; }

  // Whole units, rounded up (1500m -> 2, -1500m -> -1).
  int64_t Value() const;

  // The canonical short form: "500m", "2", "16Gi" when the value is an exact binary multiple
  // of at least 1Ki, "1500" otherwise.
  std::string ToString() const;

  constexpr auto operator<=>(const Quantity&) const = default;

 private:
  constexpr explicit Quantity(int64_t milli) : milli_(milli) {}

  int64_t milli_ = 0;
};

// Parses a non-negative CPU quantity into milli-CPU ("250m" -> 250, "2" -> 2000).
[[nodiscard]] Result<int64_t> ParseMilliCpu(std::string_view text);

// Parses a non-negative byte quantity ("16Gi" -> 17179869184, "1.5G" -> 1500000000).
[[nodiscard]] Result<int64_t> ParseBytes(std::string_view text);

// Parses a non-negative whole count ("3"); fractions ("1.5", "500m") are rejected.
[[nodiscard]] Result<int64_t> ParseCount(std::string_view text);

// "16Gi", "512Mi", "1536Ki", or plain bytes when not a multiple of 1024.
std::string FormatBytes(int64_t bytes);

// "250m" or "2" (whole units when exact).
std::string FormatMilli(int64_t milli);

inline constexpr int64_t kKiB = 1024;
inline constexpr int64_t kMiB = 1024 * kKiB;
inline constexpr int64_t kGiB = 1024 * kMiB;

}  // namespace gpupack
