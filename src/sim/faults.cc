#include "sim/faults.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "cluster/node_template.h"

namespace gpupack::sim {

namespace {

constexpr std::array<std::pair<FaultKind, std::string_view>, 5> kKindNames = {{
    {FaultKind::kSpotStorm, "spot-storm"},
    {FaultKind::kInsufficientCapacity, "insufficient-capacity"},
    {FaultKind::kLaunchNeverReady, "launch-never-ready"},
    {FaultKind::kMigFailure, "mig-failure"},
    {FaultKind::kDevicePluginShortfall, "device-plugin-shortfall"},
}};

constexpr std::string_view kGpuResourcePrefix = "nvidia.com/";

}  // namespace

std::string_view FaultKindName(FaultKind kind) {
  for (const auto& [candidate, name] : kKindNames) {
    if (candidate == kind) {
      return name;
    }
  }
  return "unknown";
}

std::optional<FaultKind> ParseFaultKind(std::string_view name) {
  for (const auto& [kind, candidate] : kKindNames) {
    if (candidate == name) {
      return kind;
    }
  }
  return std::nullopt;
}

// The stream is offset from the scenario seed so fault draws never line up with the cloud's.
FaultInjector::FaultInjector(std::vector<Fault> faults, uint64_t seed)
    : faults_(std::move(faults)), rng_(seed ^ 0x6661756c74730000ULL) {}

bool FaultInjector::OutOfCapacity(std::string_view type, cluster::CapacityType capacity_type,
                                  std::string_view zone, Duration now) {
  for (const Fault& fault : faults_) {
    if (fault.kind != FaultKind::kInsufficientCapacity || !fault.ActiveAt(now) ||
        (fault.capacity_type && *fault.capacity_type != capacity_type) ||
        (!fault.zone.empty() && fault.zone != zone)) {
      continue;
    }
    bool matches = std::any_of(
        fault.instance_types.begin(), fault.instance_types.end(),
        [&](const std::string& pattern) { return cluster::MatchesGlob(pattern, type); });
    if (matches) {
      ++report.capacity_errors;
      return true;
    }
  }
  return false;
}

bool FaultInjector::Draw(FaultKind kind, Duration now, const Fault** fired) {
  bool hit = false;
  for (const Fault& fault : faults_) {
    // Every active fault draws, hit or not, so one fault's outcome does not shift the others'.
    if (fault.kind == kind && fault.ActiveAt(now) && rng_.Bernoulli(fault.fraction) && !hit) {
      hit = true;
      if (fired != nullptr) {
        *fired = &fault;
      }
    }
  }
  return hit;
}

bool FaultInjector::NeverReady(Duration now) {
  bool hit = Draw(FaultKind::kLaunchNeverReady, now);
  report.never_ready += hit ? 1 : 0;
  return hit;
}

bool FaultInjector::ReconfigurationFails(Duration now) {
  bool hit = Draw(FaultKind::kMigFailure, now);
  report.mig_failures += hit ? 1 : 0;
  return hit;
}

void FaultInjector::ApplyShortfall(Duration now, cluster::Resources& allocatable) {
  const Fault* fired = nullptr;
  if (!Draw(FaultKind::kDevicePluginShortfall, now, &fired)) {
    return;
  }
  ++report.shortfalls;
  for (int32_t left = fired->missing; left > 0; --left) {
    // The most plentiful device resource loses one (the first by name on a tie).
    std::string most;
    int64_t amount = 0;
    for (const auto& [name, count] : allocatable.scalar) {
      if (std::string_view(name).starts_with(kGpuResourcePrefix) && count > amount) {
        most = name;
        amount = count;
      }
    }
    if (amount == 0) {
      return;
    }
    allocatable.Set(most, amount - 1);
  }
}

std::vector<FaultInjector::Notice> FaultInjector::StormNotices(const Fault& fault,
                                                               size_t spot_nodes, Duration end) {
  std::vector<size_t> order(spot_nodes);
  for (size_t i = 0; i < spot_nodes; ++i) {
    order[i] = i;
  }
  // A partial Fisher-Yates shuffle picks the nodes hit.
  size_t hit =
      std::min(spot_nodes,
               static_cast<size_t>(std::llround(fault.fraction * static_cast<double>(spot_nodes))));
  int64_t from = fault.from.count();
  int64_t span = std::max<int64_t>(1, std::min(fault.until, end).count() - from);
  std::vector<Notice> notices;
  for (size_t i = 0; i < hit; ++i) {
    size_t j = i + static_cast<size_t>(rng_.Uniform(spot_nodes - i));
    std::swap(order[i], order[j]);
    int64_t offset = static_cast<int64_t>(rng_.Uniform(static_cast<uint64_t>(span)));
    notices.push_back(Notice{order[i], Duration{from + offset}});
  }
  std::sort(notices.begin(), notices.end(), [](const Notice& a, const Notice& b) {
    return a.at != b.at ? a.at < b.at : a.candidate < b.candidate;
  });
  report.spot_notices += static_cast<int64_t>(notices.size());
  return notices;
}

}  // namespace gpupack::sim
