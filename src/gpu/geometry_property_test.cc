// Property tests of the geometry engine on random profile multisets (rapidcheck): whatever the
// engine accepts is a real MIG layout, and search, lookup and enumeration agree.
#include <algorithm>
#include <memory>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "gpu/geometry.h"
#include "gpu/testing/test_models.h"

namespace gpupack::gpu {
namespace {

// Built once: enumeration is the expensive part and every property case reads the same engines.
const std::vector<std::unique_ptr<MigGeometryEngine>>& Engines() {
  static const std::vector<std::unique_ptr<MigGeometryEngine>> engines = [] {
    std::vector<std::unique_ptr<MigGeometryEngine>> list;
    for (const GpuModel& model : testing::AllModelsForTest()) {
      if (model.mig_capable) {
        list.push_back(std::make_unique<MigGeometryEngine>(model));
      }
    }
    return list;
  }();
  return engines;
}

// Checks that `geometry` is a valid layout of `counts` on the engine's model.
void CheckIsValidLayout(const MigGeometryEngine& engine, const MigGeometry& geometry,
                        std::span<const int> counts) {
  const GpuModel& model = engine.model();
  uint32_t used = 0;
  int compute = 0;
  int media = 0;
  ProfileCounts seen(engine.profile_count(), 0);
  for (const MigPlacement& placement : geometry.placements) {
    RC_ASSERT(placement.profile < engine.profile_count());
    const MigProfile& profile = model.mig_profiles[placement.profile];
    RC_ASSERT(placement.size == profile.memory_slices);
    RC_ASSERT(std::find(profile.placement_starts.begin(), profile.placement_starts.end(),
                        placement.start) != profile.placement_starts.end());
    RC_ASSERT(placement.start >= 0);
    RC_ASSERT(placement.start + placement.size <= model.mig_memory_slices);
    uint32_t mask = ((1U << placement.size) - 1U) << placement.start;
    RC_ASSERT((used & mask) == 0U);  // disjoint
    used |= mask;
    compute += profile.compute_slices;
    media += ClaimsMediaExtensions(profile.attribute) ? 1 : 0;
    ++seen[placement.profile];
  }
  RC_ASSERT(compute <= model.mig_compute_slices);
  RC_ASSERT(media <= 1);
  for (size_t profile = 0; profile < seen.size(); ++profile) {
    RC_ASSERT(seen[profile] <= model.mig_profiles[profile].max_instances);
    RC_ASSERT(seen[profile] == counts[profile]);
    RC_ASSERT(geometry.counts[profile] == counts[profile]);
  }
  RC_ASSERT(std::is_sorted(geometry.placements.begin(), geometry.placements.end()));
  RC_ASSERT(engine.ValidatePlacements(geometry.placements).has_value());
}

RC_GTEST_PROP(GeometryPropertyTest, AcceptedGeometriesAreDisjointAndWithinLimits, ()) {
  const auto& engines = Engines();
  const auto& engine = *engines[*rc::gen::inRange<size_t>(0, engines.size())];
  // Counts up to max + 1, so over-asking is exercised too.
  ProfileCounts counts;
  for (const MigProfile& profile : engine.model().mig_profiles) {
    counts.push_back(*rc::gen::inRange(0, profile.max_instances + 2));
  }
  auto geometry = engine.Fit(counts);
  RC_ASSERT(geometry.has_value() == engine.Fits(counts));
  if (geometry) {
    CheckIsValidLayout(engine, *geometry, counts);
  } else {
    RC_ASSERT(!geometry.error().message().empty());
  }
}

RC_GTEST_PROP(GeometryPropertyTest, EveryEnumeratedGeometryIsAcceptedWithTheSamePlacements, ()) {
  const auto& engines = Engines();
  const auto& engine = *engines[*rc::gen::inRange<size_t>(0, engines.size())];
  auto all = engine.ValidGeometries(ProfileSet::kAll);
  RC_PRE(!all.empty());
  const MigGeometry& geometry = all[*rc::gen::inRange<size_t>(0, all.size())];
  CheckIsValidLayout(engine, geometry, geometry.counts);
  auto fitted = engine.Fit(geometry.counts);
  RC_ASSERT(fitted.has_value());
  RC_ASSERT(*fitted == geometry);
}

RC_GTEST_PROP(GeometryPropertyTest, NoProfileCanBeAddedToAMaximalGeometry, ()) {
  const auto& engines = Engines();
  const auto& engine = *engines[*rc::gen::inRange<size_t>(0, engines.size())];
  auto maximal = engine.MaximalGeometries(ProfileSet::kAll);
  RC_PRE(!maximal.empty());
  const MigGeometry& geometry = maximal[*rc::gen::inRange<size_t>(0, maximal.size())];
  for (size_t profile = 0; profile < engine.profile_count(); ++profile) {
    ProfileCounts bigger = geometry.counts;
    ++bigger[profile];
    RC_ASSERT(!engine.Fit(bigger).has_value());
    // Nor at fixed placements: the incremental path agrees with the search.
    RC_ASSERT(engine.FreeStarts(geometry.placements, profile).empty());
  }
}

RC_GTEST_PROP(GeometryPropertyTest, AddingInstancesOneByOneKeepsAValidLayout, ()) {
  const auto& engines = Engines();
  const auto& engine = *engines[*rc::gen::inRange<size_t>(0, engines.size())];
  const auto steps =
      *rc::gen::container<std::vector<size_t>>(rc::gen::inRange<size_t>(0, engine.profile_count()));
  std::vector<MigPlacement> placements;
  ProfileCounts counts(engine.profile_count(), 0);
  for (size_t profile : steps) {
    auto placement = engine.PlaceAdditional(placements, profile);
    RC_ASSERT(placement.has_value() == !engine.FreeStarts(placements, profile).empty());
    if (!placement) {
      continue;
    }
    placements.push_back(*placement);
    ++counts[profile];
    std::sort(placements.begin(), placements.end());
    CheckIsValidLayout(engine, MigGeometry{placements, counts}, counts);
    RC_ASSERT(engine.Fits(counts));
  }
}

}  // namespace
}  // namespace gpupack::gpu
