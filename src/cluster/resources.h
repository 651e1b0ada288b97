// Resources: an amount of node or pod resources as exact integers, the way the scheduler's
// NodeResourcesFit plugin counts them: milli-CPU, memory bytes, a pod count, and every other
// scalar resource (nvidia.com/gpu, nvidia.com/mig-1g.5gb, ephemeral-storage, hugepages-2Mi, ...)
// by its full name in whole units.
//
// Invariants: `scalar` never holds cpu, memory or pods (they have their own fields); it is a
// sorted map, so iteration and printing are deterministic. A missing key means zero.
//
// Thread safety: values.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace gpupack::cluster {

inline constexpr std::string_view kResourceCpu = "cpu";
inline constexpr std::string_view kResourceMemory = "memory";
inline constexpr std::string_view kResourcePods = "pods";

struct Resources {
  int64_t milli_cpu = 0;
  int64_t memory_bytes = 0;
  int64_t pods = 0;
  std::map<std::string, int64_t, std::less<>> scalar;

  // The amount of `name` ("cpu" in milli-CPU, "memory" in bytes, "pods", or a scalar name).
  int64_t Get(std::string_view name) const;

  // Sets `name` to `value` (a scalar set to 0 is erased, so equal amounts compare equal).
  void Set(std::string_view name, int64_t value);

  Resources& operator+=(const Resources& other);
  Resources& operator-=(const Resources& other);

  // Each amount becomes the larger of the two (Kubernetes' maxResourceList).
  void MaxWith(const Resources& other);

  // True when every amount in `request` is at most the same amount here. A scalar the request
  // asks for that this side lacks counts as zero here.
  bool Covers(const Resources& request) const;

  // The first resource (cpu, memory, pods, then scalars by name) where `request` exceeds this
  // side, or "" when Covers(request).
  std::string FirstShortfall(const Resources& request) const;

  bool IsZero() const;

  // "cpu=2, memory=8Gi, nvidia.com/gpu=1" (zero amounts omitted).
  std::string ToString() const;

  bool operator==(const Resources& other) const = default;

 private:
  // Adds `delta` to scalar `name` (erased at 0, as Set does) with one lookup: the simulator
  // accounts every bind and release through += and -=.
  void AddScalar(const std::string& name, int64_t delta);
};

Resources operator+(Resources a, const Resources& b);
Resources operator-(Resources a, const Resources& b);

}  // namespace gpupack::cluster
