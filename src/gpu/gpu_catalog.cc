#include "gpu/gpu_catalog.h"

#include <algorithm>
#include <cctype>
#include <tuple>

#include <fmt/format.h>

#include "common/check.h"

namespace gpupack::gpu {
namespace {

std::string ToLower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

// The form every lookup key is compared in: spaces and dashes are the same, case is ignored.
std::string NormalizeKey(std::string_view name) { return ToLower(SanitizeProductLabel(name)); }

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> previous(b.size() + 1);
  std::vector<size_t> current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    previous[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace

std::vector<std::string> NearestNames(std::string_view name,
                                      std::span<const std::string> candidates, size_t limit) {
  std::string wanted = ToLower(name);
  // A plausible typo changes at most about half the name (and at least 3 characters of it).
  size_t max_distance = std::max<size_t>(3, wanted.size() / 2);
  std::vector<std::tuple<size_t, std::string>> scored;
  for (const std::string& candidate : candidates) {
    size_t distance = EditDistance(wanted, ToLower(candidate));
    if (distance <= max_distance) {
      scored.emplace_back(distance, candidate);
    }
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> nearest;
  for (auto& [distance, candidate] : scored) {
    if (nearest.size() == limit) {
      break;
    }
    if (std::find(nearest.begin(), nearest.end(), candidate) == nearest.end()) {
      nearest.push_back(std::move(candidate));
    }
  }
  return nearest;
}

GpuCatalog::GpuCatalog(GpuCatalog&&) noexcept = default;
GpuCatalog& GpuCatalog::operator=(GpuCatalog&&) noexcept = default;
GpuCatalog::~GpuCatalog() = default;

Result<GpuCatalog> GpuCatalog::Create(std::vector<GpuModel> models) {
  for (const GpuModel& model : models) {
    GP_TRY(ValidateGpuModel(model));
  }
  std::sort(models.begin(), models.end(),
            [](const GpuModel& a, const GpuModel& b) { return a.name < b.name; });
  GpuCatalog catalog;
  for (size_t index = 0; index < models.size(); ++index) {
    const GpuModel& model = models[index];
    std::vector<std::string> keys = {NormalizeKey(model.name)};
    if (!model.nvml_name.empty()) {
      keys.push_back(NormalizeKey(model.nvml_name));
    }
    for (const std::string& alias : model.aliases) {
      if (alias.empty()) {
        return InvalidArgumentError(fmt::format("{}: empty alias", model.name));
      }
      keys.push_back(NormalizeKey(alias));
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (std::string& key : keys) {
      catalog.keys_.emplace_back(std::move(key), index);
    }
  }
  std::sort(catalog.keys_.begin(), catalog.keys_.end());
  for (size_t i = 1; i < catalog.keys_.size(); ++i) {
    if (catalog.keys_[i].first == catalog.keys_[i - 1].first) {
      return InvalidArgumentError(fmt::format("GPU models {} and {} both answer to the name \"{}\"",
                                              models[catalog.keys_[i - 1].second].name,
                                              models[catalog.keys_[i].second].name,
                                              catalog.keys_[i].first));
    }
  }
  catalog.engines_.reserve(models.size());
  for (const GpuModel& model : models) {
    catalog.engines_.push_back(std::make_unique<const MigGeometryEngine>(model));
  }
  catalog.models_ = std::move(models);
  return catalog;
}

Result<GpuCatalog> GpuCatalog::Overlay(std::vector<GpuModel> overrides) const {
  std::vector<GpuModel> merged = models_;
  for (GpuModel& model : overrides) {
    std::string key = ToLower(model.name);
    auto same = std::find_if(merged.begin(), merged.end(),
                             [&](const GpuModel& m) { return ToLower(m.name) == key; });
    if (same != merged.end()) {
      *same = std::move(model);
    } else {
      merged.push_back(std::move(model));
    }
  }
  return Create(std::move(merged));
}

Result<const GpuModel*> GpuCatalog::Find(std::string_view name) const {
  std::string key = NormalizeKey(name);
  auto it = std::lower_bound(keys_.begin(), keys_.end(), key,
                             [](const std::pair<std::string, size_t>& entry, const std::string& k) {
                               return entry.first < k;
                             });
  if (it != keys_.end() && it->first == key) {
    return &models_[it->second];
  }
  // Suggest canonical names only, but judge closeness by every name a model answers to.
  std::vector<std::string> names;
  names.reserve(keys_.size());
  for (const auto& [candidate_key, index] : keys_) {
    names.push_back(candidate_key);
  }
  std::vector<std::string> nearest_keys = NearestNames(key, names, keys_.size());
  std::vector<std::string> nearest;
  for (const std::string& nearest_key : nearest_keys) {
    auto entry = std::lower_bound(
        keys_.begin(), keys_.end(), nearest_key,
        [](const std::pair<std::string, size_t>& e, const std::string& k) { return e.first < k; });
    const std::string& canonical = models_[entry->second].name;
    if (std::find(nearest.begin(), nearest.end(), canonical) == nearest.end() &&
        nearest.size() < 3) {
      nearest.push_back(canonical);
    }
  }
  std::string message = fmt::format("unknown GPU model \"{}\"", name);
  if (!nearest.empty()) {
    message += fmt::format("; did you mean {}?", fmt::join(nearest, ", "));
  } else {
    message += "; run 'gpupack catalog gpus' for the known models";
  }
  return NotFoundError(std::move(message));
}

const MigGeometryEngine& GpuCatalog::Geometry(const GpuModel& model) const {
  GP_CHECK(!models_.empty() && &model >= models_.data() && &model < models_.data() + models_.size(),
           "model does not belong to this catalog");
  return *engines_[static_cast<size_t>(&model - models_.data())];
}

Result<const MigGeometryEngine*> GpuCatalog::FindGeometry(std::string_view name) const {
  GP_ASSIGN_OR_RETURN(const GpuModel* model, Find(name));
  return &Geometry(*model);
}

Result<const MigProfile*> GpuCatalog::FindProfile(std::string_view model_name,
                                                  std::string_view profile_name) const {
  GP_ASSIGN_OR_RETURN(const GpuModel* model, Find(model_name));
  return model->FindProfile(profile_name);
}

std::vector<const GpuModel*> GpuCatalog::ModelsOffering(std::string_view profile_name) const {
  std::vector<const GpuModel*> offering;
  for (const GpuModel& model : models_) {
    if (model.mig_capable && model.FindProfileIndex(profile_name)) {
      offering.push_back(&model);
    }
  }
  return offering;
}

}  // namespace gpupack::gpu
