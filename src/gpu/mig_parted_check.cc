#include "gpu/mig_parted_check.h"

#include <algorithm>
#include <string>

namespace gpupack::gpu {
namespace {

// The GPU-instance profile of a mig-parted key: "1c.3g.20gb" -> "3g.20gb" (one compute instance
// of 1 slice inside a 3g GI); other names unchanged.
std::string GpuInstanceProfile(const std::string& name) {
  Result<MigProfileName> parsed = ParseMigProfileName(name);
  if (parsed && parsed->compute_instance_slices != 0) {
    return name.substr(name.find('.') + 1);
  }
  return name;
}

bool OffersAll(const GpuModel& model, const std::map<std::string, int>& mig_devices) {
  return std::all_of(mig_devices.begin(), mig_devices.end(), [&](const auto& item) {
    return model.FindProfile(GpuInstanceProfile(item.first)).has_value();
  });
}

// Whether the entry's instances fit on one GPU of `model`; the error says why not.
[[nodiscard]] Status FitsOn(const GpuModel& model, const MigGeometryEngine& engine,
                            const std::map<std::string, int>& mig_devices) {
  ProfileCounts counts(engine.profile_count(), 0);
  for (const auto& [profile, count] : mig_devices) {
    GP_ASSIGN_OR_RETURN(size_t index, model.FindProfileIndex(GpuInstanceProfile(profile)));
    counts[index] += count;
  }
  GP_TRY(engine.Fit(counts));
  return OkStatus();
}

std::string JoinNames(const std::vector<const GpuModel*>& models) {
  std::string text;
  for (const GpuModel* model : models) {
    text += (text.empty() ? "" : ", ") + model->name;
  }
  return text;
}

void CheckFilteredEntry(const MigConfigEntry& entry, const std::string& path,
                        const GpuCatalog& catalog, std::vector<ConfigIssue>& issues) {
  for (const PciDeviceId& id : entry.device_filter) {
    if (ModelsMatchingFilter({id}, catalog).empty()) {
      issues.push_back(
          {Severity::kNote, path + ".device-filter",
           "device " + id.ToString() + " is not in the GPU catalog; not checked for it"});
    }
  }
  for (const GpuModel* model : ModelsMatchingFilter(entry.device_filter, catalog)) {
    if (!model->mig_capable) {
      issues.push_back(
          {Severity::kError, path + ".mig-enabled", model->name + " is not MIG-capable"});
      continue;
    }
    Status fits = FitsOn(*model, catalog.Geometry(*model), entry.mig_devices);
    if (!fits) {
      issues.push_back({Severity::kError, path + ".mig-devices",
                        "on " + model->name + ": " + fits.error().message()});
    }
  }
}

void CheckUnfilteredEntry(const MigConfigEntry& entry, const std::string& path,
                          const GpuCatalog& catalog, std::vector<ConfigIssue>& issues) {
  std::vector<const GpuModel*> offering;
  for (const GpuModel& model : catalog.models()) {
    if (model.mig_capable && OffersAll(model, entry.mig_devices)) {
      offering.push_back(&model);
    }
  }
  if (offering.empty()) {
    for (const auto& [profile, count] : entry.mig_devices) {
      if (catalog.ModelsOffering(GpuInstanceProfile(profile)).empty()) {
        std::vector<std::string> known;
        for (const GpuModel& model : catalog.models()) {
          for (const MigProfile& mig_profile : model.mig_profiles) {
            known.push_back(mig_profile.name);
          }
        }
        std::sort(known.begin(), known.end());
        known.erase(std::unique(known.begin(), known.end()), known.end());
        std::string message = "no GPU in the catalog offers " + profile + "; not checked";
        std::vector<std::string> nearest = NearestNames(profile, known);
        if (!nearest.empty()) {
          message += " (nearest known: ";
          for (size_t i = 0; i < nearest.size(); ++i) {
            message += (i == 0 ? "" : ", ") + nearest[i];
          }
          message += ")";
        }
        issues.push_back({Severity::kNote, path + ".mig-devices." + profile, message});
        return;
      }
    }
    issues.push_back({Severity::kError, path + ".mig-devices",
                      "no GPU in the catalog offers all of these profiles together"});
    return;
  }
  std::vector<const GpuModel*> fitting;
  std::vector<const GpuModel*> not_fitting;
  std::string first_reason;
  for (const GpuModel* model : offering) {
    Status fits = FitsOn(*model, catalog.Geometry(*model), entry.mig_devices);
    if (fits) {
      fitting.push_back(model);
    } else {
      if (first_reason.empty()) {
        first_reason = model->name + ": " + fits.error().message();
      }
      not_fitting.push_back(model);
    }
  }
  if (fitting.empty()) {
    issues.push_back({Severity::kError, path + ".mig-devices",
                      "fits no GPU offering these profiles (" + first_reason + ")"});
  } else if (!not_fitting.empty()) {
    issues.push_back({Severity::kWarning, path + ".mig-devices",
                      "fits " + JoinNames(fitting) + " but not " + JoinNames(not_fitting) + " (" +
                          first_reason + "); mig-parted would fail on those"});
  }
}

}  // namespace

std::vector<const GpuModel*> ModelsMatchingFilter(const std::vector<PciDeviceId>& filter,
                                                  const GpuCatalog& catalog) {
  std::vector<const GpuModel*> models;
  for (const GpuModel& model : catalog.models()) {
    bool selected = std::any_of(
        model.pci_device_ids.begin(), model.pci_device_ids.end(), [&](const std::string& text) {
          Result<PciDeviceId> id = PciDeviceId::Parse(text);
          return id && std::any_of(filter.begin(), filter.end(), [&](const PciDeviceId& want) {
                   return want.Matches(id->device, id->vendor);
                 });
        });
    if (selected) {
      models.push_back(&model);
    }
  }
  return models;
}

std::vector<ConfigIssue> CheckMigPartedAgainstCatalog(const MigPartedSpec& spec,
                                                      const GpuCatalog& catalog) {
  std::vector<ConfigIssue> issues;
  for (const auto& [config_name, entries] : spec.mig_configs) {
    for (size_t index = 0; index < entries.size(); ++index) {
      const MigConfigEntry& entry = entries[index];
      bool any_devices = std::any_of(entry.mig_devices.begin(), entry.mig_devices.end(),
                                     [](const auto& item) { return item.second > 0; });
      if (!entry.mig_enabled || !any_devices) {
        continue;  // nothing to place; CheckMigPartedSpec covers the rest
      }
      const std::string path = MigEntryPath(config_name, index);
      for (const auto& [profile, count] : entry.mig_devices) {
        Result<MigProfileName> parsed = ParseMigProfileName(profile);
        if (parsed && parsed->compute_instance_slices != 0) {
          issues.push_back({Severity::kWarning, path + ".mig-devices." + profile,
                            "compute-instance profile " + profile +
                                ": the device plugin advertises no resource for it and fails "
                                "in mixed strategy"});
        }
      }
      if (entry.device_filter.empty()) {
        CheckUnfilteredEntry(entry, path, catalog, issues);
      } else {
        CheckFilteredEntry(entry, path, catalog, issues);
      }
    }
  }
  return issues;
}

}  // namespace gpupack::gpu
