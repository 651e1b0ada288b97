// The MIG geometry engine: which multisets of MIG profiles fit on one GPU, where each instance
// goes, and which geometry serves a demand best (NVIDIA-NOTES 5.2-5.4).
//
// A geometry is a multiset of MIG profiles with one placement per instance: a run of memory
// slices [start, start + size) taken from the profile's allowed starts. It is valid when
//   - no two placements overlap (memory slices are a bitmask, at most 8 bits),
//   - each profile appears at most max_instances times,
//   - at most one instance claims the media extensions (+me or +me.all; ClaimsMediaExtensions),
//   - the compute slices add up to at most the GPU's compute slices.
// Nothing here is a table: the counts (28 maximal / 77 valid base geometries on layout L7, 4
// maximal on A30) come out of the search and are checked by tests.
//
// Profiles are identified by their index in GpuModel::mig_profiles, which is sorted largest
// first, so "profile index ascending" means "largest profile first". Placements in a geometry
// are ordered by profile index, then start; geometries in a list are ordered by comparing their
// profile-index sequences lexicographically (so 7g comes first, then 4g+3g, 4g+2g+1g, ...).
//
// Performance: the constructor enumerates every valid geometry once (a few hundred at most on
// any shipped model) and keeps them; Fits() is a hash lookup, Fit() a backtracking search over
// at most 8 memory slices, PlaceAdditional() a scan of at most 8 starts per profile.
//
// Thread safety: immutable after construction; all methods are const and safe to call from
// several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "gpu/gpu_model.h"

namespace gpupack::gpu {

// How many instances of each profile: index = profile index in GpuModel::mig_profiles.
using ProfileCounts = std::vector<int>;

// One GPU instance: which profile and which memory slices [start, start + size).
struct MigPlacement {
  size_t profile = 0;  // index in GpuModel::mig_profiles
  int start = 0;       // first memory slice
  int size = 0;        // memory slices (the profile's memory_slices)

  auto operator<=>(const MigPlacement& other) const = default;
};

struct MigGeometry {
  std::vector<MigPlacement> placements;  // profile index ascending, then start ascending
  ProfileCounts counts;                  // one entry per profile of the model

  bool operator==(const MigGeometry& other) const = default;
};

// Which profiles enumeration may use.
enum class ProfileSet {
  kBase,  // base profiles only (no +me, -me, +gfx, +me.all): what mig-parted's all-balanced uses
  kAll,   // every profile of the model, attribute variants included
};

// The result of MigGeometryEngine::Best.
struct GeometryChoice {
  MigGeometry geometry;
  ProfileCounts served;   // min(geometry count, demand) per profile
  int served_slices = 0;  // compute slices of the served instances
  int wasted_slices = 0;  // unused compute slices + unused memory slices of the geometry
};

class MigGeometryEngine {
 public:
  // Copies what it needs from `model` and enumerates its geometries. A model that is not
  // MIG-capable gives an engine with no geometries whose operations return FailedPrecondition.
  explicit MigGeometryEngine(const GpuModel& model);

  const GpuModel& model() const { return model_; }

  size_t profile_count() const { return model_.mig_profiles.size(); }

  // Counts from profile names (a name may repeat): {"3g.20gb", "1g.5gb", "1g.5gb"}.
  // NotFound with the nearest profile names (GpuModel::FindProfile).
  [[nodiscard]] Result<ProfileCounts> CountsFromNames(std::span<const std::string> names) const;

  // Profile names of a geometry, largest first, one per instance.
  std::vector<std::string> ProfileNames(const MigGeometry& geometry) const;

  // Whether the multiset fits (O(1) lookup in the enumerated set). `counts` must have
  // profile_count() entries (GP_CHECK); negative counts never fit.
  bool Fits(std::span<const int> counts) const;

  // Finds placements for the multiset by search. Errors (InvalidArgument) say why it does not
  // fit: "7 compute slices needed, A30 has 4", "at most 1 1g.5gb+me per GPU, 2 requested",
  // "at most one instance with media extensions per GPU", "no placement left for 3g.20gb";
  // FailedPrecondition when the model is not MIG-capable. An all-zero multiset fits (empty
  // geometry).
  [[nodiscard]] Result<MigGeometry> Fit(std::span<const int> counts) const;

  // Every valid non-empty geometry, in canonical order (see the file comment).
  std::span<const MigGeometry> ValidGeometries(ProfileSet set = ProfileSet::kBase) const;

  // The valid geometries to which no profile of `set` can be added, in canonical order.
  std::span<const MigGeometry> MaximalGeometries(ProfileSet set = ProfileSet::kBase) const;

  // Checks fixed placements as a GPU or the API server reports them (any order): known
  // profiles, allowed starts and sizes, no overlap, max counts, the media rule, compute slices.
  // InvalidArgument naming the first problem; FailedPrecondition when not MIG-capable.
  [[nodiscard]] Status ValidatePlacements(std::span<const MigPlacement> placements) const;

  // Starts at which one more `profile` can be created on a GPU that already holds `existing`
  // (fixed placements; instances never move), honouring max counts and the media-extension
  // rule. Empty when it cannot be added. `profile` must be < profile_count() (GP_CHECK).
  std::vector<int> FreeStarts(std::span<const MigPlacement> existing, size_t profile) const;

  // Where to create one more `profile` next to `existing`: among FreeStarts, the start that
  // leaves the most placement opportunities (free allowed starts summed over the base
  // profiles) for later instances, lowest start on ties; this puts a 1g at slice 6 on an empty
  // A100, as the driver does. ResourceExhausted "no placement left for <profile> next to
  // <existing>" when none; InvalidArgument (ValidatePlacements) when `existing` is not valid.
  [[nodiscard]] Result<MigPlacement> PlaceAdditional(std::span<const MigPlacement> existing,
                                                     size_t profile) const;

  // The geometry that serves `demand` (instances wanted per profile) best. Objective, in order:
  //   1. maximise served compute slices  sum_p min(count_p, demand_p) * G_p,
  //   2. maximise served instances       sum_p min(count_p, demand_p),
  //   3. minimise wasted slices           (compute slices unused) + (memory slices unused),
  //   4. the first in canonical order.
  // Candidates are ValidGeometries(kBase), or ValidGeometries(kAll) when `demand` asks for any
  // attribute variant. Spare room is filled with other instances (rule 3), because a GPU can be
  // repartitioned only when idle. FailedPrecondition when the model is not MIG-capable;
  // InvalidArgument when `demand` has negative entries or is all zero.
  [[nodiscard]] Result<GeometryChoice> Best(std::span<const int> demand) const;

 private:
  // A multiset packed into 64 bits: 4 bits per profile (counts <= 8, at most 16 profiles).
  using Key = uint64_t;

  Key KeyOf(std::span<const int> counts) const;
  void Enumerate();
  [[nodiscard]] Status CheckMigCapable() const;

  GpuModel model_;
  std::vector<MigGeometry> valid_base_;
  std::vector<MigGeometry> valid_all_;
  std::vector<MigGeometry> maximal_base_;
  std::vector<MigGeometry> maximal_all_;
  std::unordered_map<Key, size_t> valid_index_;  // key -> index in valid_all_
};

}  // namespace gpupack::gpu
