#include "gpu/geometry.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "common/check.h"

namespace gpupack::gpu {
namespace {

// Memory slices [start, start + size) as a bitmask.
uint32_t SliceMask(int start, int size) {
  return ((uint32_t{1} << static_cast<uint32_t>(size)) - 1U) << static_cast<uint32_t>(start);
}

int Sum(std::span<const int> values) {
  int sum = 0;
  for (int value : values) {
    sum += value;
  }
  return sum;
}

// Instance profile indices, largest first: the sequence geometries are ordered by.
std::vector<size_t> ProfileSequence(const MigGeometry& geometry) {
  std::vector<size_t> sequence;
  sequence.reserve(geometry.placements.size());
  for (const MigPlacement& placement : geometry.placements) {
    sequence.push_back(placement.profile);
  }
  return sequence;
}

bool CanonicalLess(const MigGeometry& a, const MigGeometry& b) {
  return ProfileSequence(a) < ProfileSequence(b);
}

// The occupancy of a GPU while searching: the placements so far and what they use.
struct Occupancy {
  uint32_t mask = 0;
  int compute = 0;
  int media = 0;  // instances claiming media extensions
  ProfileCounts counts;
  std::vector<MigPlacement> placements;
};

// Depth-first search over the instances still to place (one profile at a time, largest first,
// starts ascending within a profile so each assignment is visited once). Finds the first
// assignment in lexicographic order of starts: Fit() and the enumeration's canonical
// placements therefore agree.
class PlacementSearch {
 public:
  PlacementSearch(const GpuModel& model, std::span<const int> wanted)
      : model_(model), wanted_(wanted) {}

  bool Run(Occupancy& occupancy) { return Place(occupancy, 0, 0, 0); }

  // The profile whose instance could not be placed at the deepest point the search reached.
  size_t failed_profile() const { return failed_profile_; }

 private:
  bool Place(Occupancy& occupancy, size_t profile, size_t first_start, size_t depth) {
    while (profile < wanted_.size() && occupancy.counts[profile] == wanted_[profile]) {
      ++profile;
      first_start = 0;
    }
    if (profile == wanted_.size()) {
      return true;
    }
    const MigProfile& info = model_.mig_profiles[profile];
    for (size_t i = first_start; i < info.placement_starts.size(); ++i) {
      uint32_t mask = SliceMask(info.placement_starts[i], info.memory_slices);
      if ((occupancy.mask & mask) != 0) {
        continue;
      }
      occupancy.mask |= mask;
      ++occupancy.counts[profile];
      occupancy.placements.push_back({profile, info.placement_starts[i], info.memory_slices});
      if (Place(occupancy, profile, i + 1, depth + 1)) {
        return true;
      }
      occupancy.placements.pop_back();
      --occupancy.counts[profile];
      occupancy.mask &= ~mask;
    }
    if (depth >= deepest_) {
      deepest_ = depth;
      failed_profile_ = profile;
    }
    return false;
  }

  const GpuModel& model_;
  std::span<const int> wanted_;
  size_t deepest_ = 0;
  size_t failed_profile_ = 0;
};

}  // namespace

MigGeometryEngine::MigGeometryEngine(const GpuModel& model) : model_(model) {
  GP_CHECK(model_.mig_profiles.size() <= 16, "the engine packs 4 bits per profile");
  if (model_.mig_capable) {
    Enumerate();
  }
}

Status MigGeometryEngine::CheckMigCapable() const {
  if (!model_.mig_capable) {
    return FailedPreconditionError(fmt::format("{} is not MIG-capable", model_.name));
  }
  return OkStatus();
}

MigGeometryEngine::Key MigGeometryEngine::KeyOf(std::span<const int> counts) const {
  Key key = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    key |= static_cast<Key>(counts[i]) << (4 * i);
  }
  return key;
}

void MigGeometryEngine::Enumerate() {
  const size_t profile_count = model_.mig_profiles.size();
  // Every assignment of non-overlapping placements within the per-profile maxima, the media
  // rule and the compute slices; the first assignment found for each multiset is kept. A map
  // keyed by the multiset keeps this deterministic.
  std::map<Key, MigGeometry> found;
  Occupancy occupancy;
  occupancy.counts.assign(profile_count, 0);
  auto visit = [&](auto& self, size_t profile, size_t first_start) -> void {
    if (profile == profile_count) {
      if (!occupancy.placements.empty()) {
        found.try_emplace(KeyOf(occupancy.counts),
                          MigGeometry{occupancy.placements, occupancy.counts});
      }
      return;
    }
    self(self, profile + 1, 0);
    const MigProfile& info = model_.mig_profiles[profile];
    bool media = ClaimsMediaExtensions(info.attribute);
    if (occupancy.counts[profile] >= info.max_instances || (media && occupancy.media > 0) ||
        occupancy.compute + info.compute_slices > model_.mig_compute_slices) {
      return;
    }
    for (size_t i = first_start; i < info.placement_starts.size(); ++i) {
      uint32_t mask = SliceMask(info.placement_starts[i], info.memory_slices);
      if ((occupancy.mask & mask) != 0) {
        continue;
      }
      occupancy.mask |= mask;
      occupancy.compute += info.compute_slices;
      occupancy.media += media ? 1 : 0;
      ++occupancy.counts[profile];
      occupancy.placements.push_back({profile, info.placement_starts[i], info.memory_slices});
      self(self, profile, i + 1);
      occupancy.placements.pop_back();
      --occupancy.counts[profile];
      occupancy.media -= media ? 1 : 0;
      occupancy.compute -= info.compute_slices;
      occupancy.mask &= ~mask;
    }
  };
  visit(visit, 0, 0);

  for (auto& [key, geometry] : found) {
    valid_all_.push_back(std::move(geometry));
  }
  std::sort(valid_all_.begin(), valid_all_.end(), CanonicalLess);
  for (size_t i = 0; i < valid_all_.size(); ++i) {
    valid_index_.emplace(KeyOf(valid_all_[i].counts), i);
  }

  auto is_base = [&](size_t profile) { return model_.mig_profiles[profile].IsBase(); };
  // Maximal within a profile set: adding any one profile of the set gives no valid geometry.
  auto is_maximal = [&](const MigGeometry& geometry, bool base_only) {
    ProfileCounts counts = geometry.counts;
    for (size_t profile = 0; profile < profile_count; ++profile) {
      if (base_only && !is_base(profile)) {
        continue;
      }
      ++counts[profile];
      bool grows = Fits(counts);
      --counts[profile];
      if (grows) {
        return false;
      }
    }
    return true;
  };
  for (const MigGeometry& geometry : valid_all_) {
    bool base = std::all_of(geometry.placements.begin(), geometry.placements.end(),
                            [&](const MigPlacement& p) { return is_base(p.profile); });
    if (base) {
      valid_base_.push_back(geometry);
      if (is_maximal(geometry, true)) {
        maximal_base_.push_back(geometry);
      }
    }
    if (is_maximal(geometry, false)) {
      maximal_all_.push_back(geometry);
    }
  }
}

Result<ProfileCounts> MigGeometryEngine::CountsFromNames(std::span<const std::string> names) const {
  GP_TRY(CheckMigCapable());
  ProfileCounts counts(profile_count(), 0);
  for (const std::string& name : names) {
    GP_ASSIGN_OR_RETURN(size_t index, model_.FindProfileIndex(name));
    ++counts[index];
  }
  return counts;
}

std::vector<std::string> MigGeometryEngine::ProfileNames(const MigGeometry& geometry) const {
  std::vector<std::string> names;
  names.reserve(geometry.placements.size());
  for (const MigPlacement& placement : geometry.placements) {
    GP_CHECK(placement.profile < profile_count(), "placement of another model");
    names.push_back(model_.mig_profiles[placement.profile].name);
  }
  return names;
}

bool MigGeometryEngine::Fits(std::span<const int> counts) const {
  GP_CHECK(counts.size() == profile_count(), "counts must have one entry per profile");
  bool empty = true;
  for (int count : counts) {
    if (count < 0 || count > 15) {
      return false;
    }
    empty = empty && count == 0;
  }
  return empty || valid_index_.contains(KeyOf(counts));
}

Result<MigGeometry> MigGeometryEngine::Fit(std::span<const int> counts) const {
  GP_TRY(CheckMigCapable());
  GP_CHECK(counts.size() == profile_count(), "counts must have one entry per profile");
  int compute = 0;
  int memory = 0;
  int media = 0;
  for (size_t profile = 0; profile < counts.size(); ++profile) {
    const MigProfile& info = model_.mig_profiles[profile];
    if (counts[profile] < 0) {
      return InvalidArgumentError(
          fmt::format("negative count {} for {}", counts[profile], info.name));
    }
    if (counts[profile] > info.max_instances) {
      return InvalidArgumentError(fmt::format("at most {} {} per {}, {} requested",
                                              info.max_instances, info.name, model_.name,
                                              counts[profile]));
    }
    compute += counts[profile] * info.compute_slices;
    memory += counts[profile] * info.memory_slices;
    media += ClaimsMediaExtensions(info.attribute) ? counts[profile] : 0;
  }
  if (media > 1) {
    return InvalidArgumentError(fmt::format(
        "at most one instance with media extensions (+me, +me.all) per GPU, {} requested", media));
  }
  if (compute > model_.mig_compute_slices) {
    return InvalidArgumentError(fmt::format("{} compute slices needed, {} has {}", compute,
                                            model_.name, model_.mig_compute_slices));
  }
  if (memory > model_.mig_memory_slices) {
    return InvalidArgumentError(fmt::format("{} memory slices needed, {} has {}", memory,
                                            model_.name, model_.mig_memory_slices));
  }
  Occupancy occupancy;
  occupancy.counts.assign(profile_count(), 0);
  PlacementSearch search(model_, counts);
  if (!search.Run(occupancy)) {
    return InvalidArgumentError(fmt::format("no placement left for {} on {}",
                                            model_.mig_profiles[search.failed_profile()].name,
                                            model_.name));
  }
  return MigGeometry{std::move(occupancy.placements), std::move(occupancy.counts)};
}

std::span<const MigGeometry> MigGeometryEngine::ValidGeometries(ProfileSet set) const {
  return set == ProfileSet::kBase ? valid_base_ : valid_all_;
}

std::span<const MigGeometry> MigGeometryEngine::MaximalGeometries(ProfileSet set) const {
  return set == ProfileSet::kBase ? maximal_base_ : maximal_all_;
}

Status MigGeometryEngine::ValidatePlacements(std::span<const MigPlacement> placements) const {
  GP_TRY(CheckMigCapable());
  uint32_t occupied = 0;
  int compute = 0;
  int media = 0;
  ProfileCounts counts(profile_count(), 0);
  for (const MigPlacement& placement : placements) {
    if (placement.profile >= profile_count()) {
      return InvalidArgumentError(fmt::format("instance with profile index {}, {} has {} profiles",
                                              placement.profile, model_.name, profile_count()));
    }
    const MigProfile& info = model_.mig_profiles[placement.profile];
    bool allowed = std::find(info.placement_starts.begin(), info.placement_starts.end(),
                             placement.start) != info.placement_starts.end();
    if (!allowed || placement.size != info.memory_slices) {
      return InvalidArgumentError(fmt::format("{}@{} (size {}) is not a placement {} allows on {}",
                                              info.name, placement.start, placement.size, info.name,
                                              model_.name));
    }
    uint32_t mask = SliceMask(placement.start, placement.size);
    if ((occupied & mask) != 0) {
      return InvalidArgumentError(fmt::format("{}@{} overlaps another instance on {}", info.name,
                                              placement.start, model_.name));
    }
    occupied |= mask;
    compute += info.compute_slices;
    media += ClaimsMediaExtensions(info.attribute) ? 1 : 0;
    if (++counts[placement.profile] > info.max_instances) {
      return InvalidArgumentError(
          fmt::format("more than {} {} on {}", info.max_instances, info.name, model_.name));
    }
  }
  if (media > 1) {
    return InvalidArgumentError(fmt::format(
        "{} instances with media extensions on {}, at most one allowed", media, model_.name));
  }
  if (compute > model_.mig_compute_slices) {
    return InvalidArgumentError(fmt::format("{} compute slices used, {} has {}", compute,
                                            model_.name, model_.mig_compute_slices));
  }
  return OkStatus();
}

std::vector<int> MigGeometryEngine::FreeStarts(std::span<const MigPlacement> existing,
                                               size_t profile) const {
  GP_CHECK(profile < profile_count(), "profile index out of range");
  const MigProfile& info = model_.mig_profiles[profile];
  uint32_t occupied = 0;
  int compute = 0;
  int media = 0;
  int same = 0;
  for (const MigPlacement& placement : existing) {
    GP_CHECK(placement.profile < profile_count(), "placement of another model");
    const MigProfile& other = model_.mig_profiles[placement.profile];
    occupied |= SliceMask(placement.start, placement.size);
    compute += other.compute_slices;
    media += ClaimsMediaExtensions(other.attribute) ? 1 : 0;
    same += placement.profile == profile ? 1 : 0;
  }
  std::vector<int> starts;
  if (same >= info.max_instances || (ClaimsMediaExtensions(info.attribute) && media > 0) ||
      compute + info.compute_slices > model_.mig_compute_slices) {
    return starts;
  }
  for (int start : info.placement_starts) {
    if ((occupied & SliceMask(start, info.memory_slices)) == 0) {
      starts.push_back(start);
    }
  }
  return starts;
}

Result<MigPlacement> MigGeometryEngine::PlaceAdditional(std::span<const MigPlacement> existing,
                                                        size_t profile) const {
  GP_TRY(CheckMigCapable());
  GP_CHECK(profile < profile_count(), "profile index out of range");
  const MigProfile& info = model_.mig_profiles[profile];
  // Existing instances come from a real GPU or the API server: check, do not assume.
  GP_TRY(ValidatePlacements(existing));
  uint32_t occupied = 0;
  for (const MigPlacement& placement : existing) {
    occupied |= SliceMask(placement.start, placement.size);
  }
  std::vector<int> starts = FreeStarts(existing, profile);
  if (starts.empty()) {
    std::vector<std::string> described;
    for (const MigPlacement& placement : existing) {
      described.push_back(
          fmt::format("{}@{}", model_.mig_profiles[placement.profile].name, placement.start));
    }
    return ResourceExhaustedError(fmt::format(
        "no placement left for {} next to {} on {}", info.name,
        described.empty() ? std::string("nothing") : fmt::format("{}", fmt::join(described, "+")),
        model_.name));
  }
  // Keep the most room for later instances: count the allowed starts of every base profile
  // that stay free once this instance is placed.
  int best_start = starts.front();
  int best_room = -1;
  for (int start : starts) {
    uint32_t after = occupied | SliceMask(start, info.memory_slices);
    int room = 0;
    for (const MigProfile& other : model_.mig_profiles) {
      if (!other.IsBase()) {
        continue;
      }
      for (int other_start : other.placement_starts) {
        room += (after & SliceMask(other_start, other.memory_slices)) == 0 ? 1 : 0;
      }
    }
    if (room > best_room) {
      best_room = room;
      best_start = start;
    }
  }
  return MigPlacement{profile, best_start, info.memory_slices};
}

Result<GeometryChoice> MigGeometryEngine::Best(std::span<const int> demand) const {
  GP_TRY(CheckMigCapable());
  GP_CHECK(demand.size() == profile_count(), "demand must have one entry per profile");
  bool wants_variants = false;
  for (size_t profile = 0; profile < demand.size(); ++profile) {
    if (demand[profile] < 0) {
      return InvalidArgumentError(fmt::format("negative demand {} for {}", demand[profile],
                                              model_.mig_profiles[profile].name));
    }
    wants_variants =
        wants_variants || (demand[profile] > 0 && !model_.mig_profiles[profile].IsBase());
  }
  if (Sum(demand) == 0) {
    return InvalidArgumentError("the demand is empty");
  }
  std::span<const MigGeometry> candidates =
      ValidGeometries(wants_variants ? ProfileSet::kAll : ProfileSet::kBase);
  const MigGeometry* best = nullptr;
  // (served slices, served instances, -wasted): larger is better; ties keep the earlier one.
  std::tuple<int, int, int> best_score{-1, -1, 0};
  for (const MigGeometry& geometry : candidates) {
    int served_slices = 0;
    int served_instances = 0;
    int used_compute = 0;
    int used_memory = 0;
    for (size_t profile = 0; profile < demand.size(); ++profile) {
      const MigProfile& info = model_.mig_profiles[profile];
      int served = std::min(geometry.counts[profile], demand[profile]);
      served_slices += served * info.compute_slices;
      served_instances += served;
      used_compute += geometry.counts[profile] * info.compute_slices;
      used_memory += geometry.counts[profile] * info.memory_slices;
    }
    int wasted =
        (model_.mig_compute_slices - used_compute) + (model_.mig_memory_slices - used_memory);
    std::tuple<int, int, int> score{served_slices, served_instances, -wasted};
    if (best == nullptr || score > best_score) {
      best = &geometry;
      best_score = score;
    }
  }
  GP_CHECK(best != nullptr, "a MIG-capable model has at least one geometry");
  GeometryChoice choice;
  choice.geometry = *best;
  choice.served.assign(profile_count(), 0);
  for (size_t profile = 0; profile < demand.size(); ++profile) {
    choice.served[profile] = std::min(best->counts[profile], demand[profile]);
  }
  choice.served_slices = std::get<0>(best_score);
  choice.wasted_slices = -std::get<2>(best_score);
  return choice;
}

}  // namespace gpupack::gpu
