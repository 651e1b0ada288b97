#include "cluster/instance_type.h"

#include <algorithm>
#include <tuple>

namespace gpupack::cluster {

std::string_view CapacityTypeName(CapacityType type) {
  return type == CapacityType::kSpot ? "spot" : "on-demand";
}

std::optional<CapacityType> ParseCapacityType(std::string_view text) {
  if (text == "spot") {
    return CapacityType::kSpot;
  }
  if (text == "on-demand") {
    return CapacityType::kOnDemand;
  }
  return std::nullopt;
}

const Offering* InstanceType::Cheapest(CapacityType type, std::string_view zone) const {
  const Offering* best = nullptr;
  for (const Offering& offering : offerings) {
    if (offering.capacity_type != type || (!zone.empty() && offering.zone != zone)) {
      continue;
    }
    if (best == nullptr || offering.price_per_hour < best->price_per_hour) {
      best = &offering;
    }
  }
  return best;
}

Result<InstanceCatalog> InstanceCatalog::Create(Info info, std::vector<InstanceType> types) {
  std::sort(types.begin(), types.end(),
            [](const InstanceType& a, const InstanceType& b) { return a.name < b.name; });
  for (size_t i = 0; i < types.size(); ++i) {
    InstanceType& type = types[i];
    if (type.name.empty()) {
      return InvalidArgumentError("an instance type has no name");
    }
    if (i > 0 && types[i - 1].name == type.name) {
      return InvalidArgumentError(type.name + ": listed twice");
    }
    if (type.gpu_count < 0) {
      return InvalidArgumentError(type.name + ": negative GPU count");
    }
    if (type.gpu_count > 0 && type.gpu_model.empty()) {
      return InvalidArgumentError(type.name + ": has GPUs but no GPU model");
    }
    if (type.offerings.empty()) {
      return InvalidArgumentError(type.name + ": no offering (no zone or no price)");
    }
    auto key = [](const Offering& o) { return std::tie(o.zone, o.capacity_type); };
    std::sort(type.offerings.begin(), type.offerings.end(),
              [&](const Offering& a, const Offering& b) { return key(a) < key(b); });
    for (size_t j = 0; j < type.offerings.size(); ++j) {
      const Offering& offering = type.offerings[j];
      if (!(offering.price_per_hour > 0)) {
        return InvalidArgumentError(type.name + ": " +
                                    std::string(CapacityTypeName(offering.capacity_type)) +
                                    " price in " + offering.zone + " must be positive");
      }
      if (j > 0 && key(type.offerings[j - 1]) == key(offering)) {
        return InvalidArgumentError(type.name + ": two " +
                                    std::string(CapacityTypeName(offering.capacity_type)) +
                                    " offerings in " + offering.zone);
      }
    }
  }
  InstanceCatalog catalog;
  catalog.info_ = std::move(info);
  catalog.types_ = std::move(types);
  return catalog;
}

const InstanceType* InstanceCatalog::Find(std::string_view name) const {
  auto it = std::lower_bound(types_.begin(), types_.end(), name,
                             [](const InstanceType& t, std::string_view n) { return t.name < n; });
  return it != types_.end() && it->name == name ? &*it : nullptr;
}

}  // namespace gpupack::cluster
