// InstanceType, Offering and InstanceCatalog: what a cloud sells (catalog/instances/<cloud>.yaml).
//
// An InstanceType is a machine shape (GPUs, vCPUs, memory); an Offering is one way to buy it: a
// capacity type (on-demand or Spot) in one zone at an hourly price. Prices are USD per
// instance-hour; Spot prices are typical, not guaranteed, and the catalog carries the date they
// were read (`as_of`).
//
// Invariants (checked by InstanceCatalog::Create): type names are unique and sorted; each type's
// offerings are unique per (zone, capacity type) and sorted by zone then capacity type; prices
// are positive; a type with GPUs names a GPU model (the loader resolves it in the GPU catalog).
//
// Thread safety: values; immutable after Create.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/resources.h"
#include "common/error.h"

namespace gpupack::cluster {

enum class CapacityType { kOnDemand, kSpot };

// "on-demand" / "spot": the values of Karpenter's karpenter.sh/capacity-type label.
std::string_view CapacityTypeName(CapacityType type);
std::optional<CapacityType> ParseCapacityType(std::string_view text);

inline constexpr std::string_view kLabelCapacityType = "karpenter.sh/capacity-type";
inline constexpr std::string_view kLabelInstanceType = "node.kubernetes.io/instance-type";
inline constexpr std::string_view kLabelZone = "topology.kubernetes.io/zone";
inline constexpr std::string_view kLabelRegion = "topology.kubernetes.io/region";

struct Offering {
  CapacityType capacity_type = CapacityType::kOnDemand;
  std::string zone;
  double price_per_hour = 0;  // USD per instance-hour

  bool operator==(const Offering&) const = default;
};

struct InstanceType {
  std::string name;       // "p4d.24xlarge"
  std::string gpu_model;  // GPU catalog name ("A100-SXM4-40GB"); empty for CPU-only types
  int32_t gpu_count = 0;
  // What the machine has: cpu (milli), memory (bytes), pods (the kubelet's max-pods) and
  // nvidia.com/gpu = gpu_count. A node's allocatable is less (system reservations).
  Resources capacity;
  std::vector<Offering> offerings;

  // The cheapest offering of `type`, optionally in `zone` only; nullptr when there is none.
  const Offering* Cheapest(CapacityType type, std::string_view zone = "") const;

  bool operator==(const InstanceType&) const = default;
};

class InstanceCatalog {
 public:
  struct Info {
    std::string cloud;   // "aws", "gcp", "azure", or what a user file says
    std::string region;  // "us-east-1"
    std::string as_of;   // the date prices were read, "2025-11-01"
    std::string source;  // where they were read
  };

  InstanceCatalog() = default;

  // Sorts types and offerings and checks the invariants above. InvalidArgument
  // "<type>: <problem>" (duplicate type or offering, non-positive price, GPUs without a model).
  [[nodiscard]] static Result<InstanceCatalog> Create(Info info, std::vector<InstanceType> types);

  const Info& info() const { return info_; }

  std::span<const InstanceType> types() const { return types_; }

  // The type called `name`, or nullptr.
  const InstanceType* Find(std::string_view name) const;

 private:
  Info info_;
  std::vector<InstanceType> types_;
};

}  // namespace gpupack::cluster
