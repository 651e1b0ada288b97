// The set of known GPU models, with lookup by any name users or Kubernetes use for a model,
// and one MIG geometry engine per model.
//
// Find() accepts, case-insensitively: the canonical short name ("A100-SXM4-40GB", "T4"), the
// NVML name ("NVIDIA A100-SXM4-40GB", "Tesla T4"), the GFD product label
// ("NVIDIA-A100-SXM4-40GB", "Tesla-T4") and aliases ("V100M16"). Names are compared after
// SanitizeProductLabel and lower-casing, so spaces and dashes are interchangeable. Unknown names
// give NotFound naming the nearest known names by edit distance.
//
// Invariants: models are sorted by name; no two models share a lookup key; every model passed
// ValidateGpuModel. Pointers and references returned stay valid as long as the catalog lives
// (moving the catalog keeps them valid too).
//
// Thread safety: immutable after Create; safe to read from several threads.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "gpu/geometry.h"
#include "gpu/gpu_model.h"

namespace gpupack::gpu {

class GpuCatalog {
 public:
  // Validates every model (ValidateGpuModel) and that no lookup key (short name, NVML name,
  // product label, alias; case-insensitive) belongs to two models. InvalidArgument naming the
  // model and the problem.
  [[nodiscard]] static Result<GpuCatalog> Create(std::vector<GpuModel> models);

  // A new catalog: this one's models with `overrides` applied: a model whose name matches an
  // existing model's name (case-insensitive) replaces it, others are added. Same validation as
  // Create.
  [[nodiscard]] Result<GpuCatalog> Overlay(std::vector<GpuModel> overrides) const;

  GpuCatalog(GpuCatalog&&) noexcept;
  GpuCatalog& operator=(GpuCatalog&&) noexcept;
  ~GpuCatalog();

  // All models, sorted by name.
  std::span<const GpuModel> models() const { return models_; }

  // The model for any of its names. NotFound:
  // `unknown GPU model "A100-SXM4-40G"; did you mean A100-SXM4-40GB, A100-SXM4-80GB?`.
  [[nodiscard]] Result<const GpuModel*> Find(std::string_view name) const;

  // The geometry engine of a model of this catalog (GP_CHECK that it is).
  const MigGeometryEngine& Geometry(const GpuModel& model) const;

  // Find() then the model's engine; errors as Find().
  [[nodiscard]] Result<const MigGeometryEngine*> FindGeometry(std::string_view name) const;

  // The profile `profile_name` on model `model_name`; NotFound with nearest names for either.
  [[nodiscard]] Result<const MigProfile*> FindProfile(std::string_view model_name,
                                                      std::string_view profile_name) const;

  // Models offering a profile of that name (case-insensitive; resource forms accepted as in
  // GpuModel::FindProfile), sorted by name. Empty when none.
  std::vector<const GpuModel*> ModelsOffering(std::string_view profile_name) const;

 private:
  GpuCatalog() = default;

  std::vector<GpuModel> models_;
  // One engine per model, same index. unique_ptr keeps each engine's address stable.
  std::vector<std::unique_ptr<const MigGeometryEngine>> engines_;
  // (normalised key, model index), sorted by key for binary search.
  std::vector<std::pair<std::string, size_t>> keys_;
};

// Up to `limit` of `candidates` closest to `name` by case-insensitive edit distance, nearest
// first (ties alphabetical), leaving out those too far to be a plausible typo. Used for
// "did you mean" messages.
std::vector<std::string> NearestNames(std::string_view name,
                                      std::span<const std::string> candidates, size_t limit = 3);

}  // namespace gpupack::gpu
