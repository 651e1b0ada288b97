// The GPU hardware model as plain values: a GPU model (names, memory, compute capability, MIG
// layout) and its MIG profiles, as NVIDIA's stack names them (NVIDIA-NOTES sections 3 and 5).
//
// The data lives in catalog/gpus.yaml (loaded by src/catalog); this layer only defines the shapes,
// the naming rules shared with the device plugin and GFD, and validation. No I/O.
//
// Invariants of a validated GpuModel (ValidateGpuModel):
//   - `mig_profiles` is non-empty exactly when `mig_capable`, and is sorted "largest first":
//     compute slices descending, then memory slices descending, then base before attribute
//     variants, then name. A profile's index in this vector is its identity in geometry.h.
//   - every placement start + memory_slices <= mig_memory_slices; compute_slices <=
//     mig_compute_slices; 1 <= max_instances <= number of placement starts.
//
// Thread safety: values; safe to copy and to read from several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace gpupack::gpu {

// The suffix of a MIG profile name (NVIDIA-NOTES 5.1).
enum class MigAttribute {
  kBase,                // no suffix: "1g.5gb"
  kMediaExtensions,     // "+me": the GPU's one set of media extensions (OFA, JPEG)
  kAllMediaExtensions,  // "+me.all": every media engine of the GPU
  kNoMediaExtensions,   // "-me": no media engines at all
  kGraphics,            // "+gfx": graphics engines (GB20x only)
};

// "", "+me", "+me.all", "-me" or "+gfx".
std::string_view MigAttributeSuffix(MigAttribute attribute);

// True for attributes that claim the GPU's single set of media extensions (+me, +me.all):
// at most one such instance may exist on a GPU (NVIDIA-NOTES 5.2/5.3: every +me profile has
// max 1, and they share the one set of engines).
bool ClaimsMediaExtensions(MigAttribute attribute);

// A MIG profile name taken apart: `[<C>c.]<G>g.<GB>gb[<attribute>]`.
struct MigProfileName {
  int compute_instance_slices = 0;  // C; 0 when the name has no "<C>c." prefix (C == G)
  int gpu_slices = 0;               // G
  int memory_gb = 0;                // GB as printed in the name
  MigAttribute attribute = MigAttribute::kBase;
};

// Parses "1g.5gb", "1g.5gb+me", "1g.24gb-me", "1g.24gb+me.all", "1g.24gb+gfx", "1c.3g.20gb"
// (case-insensitive). InvalidArgument naming the text otherwise.
[[nodiscard]] Result<MigProfileName> ParseMigProfileName(std::string_view name);

// The extended resource the device plugin advertises for a profile under the mixed strategy:
// "nvidia.com/mig-" + name with '+' replaced by '.' ("1g.5gb+me" -> "nvidia.com/mig-1g.5gb.me").
std::string MigResourceName(std::string_view profile_name);

// The inverse of MigResourceName: accepts "nvidia.com/mig-1g.5gb.me" or "mig-1g.5gb.me" and
// returns "1g.5gb+me" ("1g.24gb.me.all" -> "1g.24gb+me.all"; "-me" is kept). InvalidArgument
// when the text is not a MIG resource name.
[[nodiscard]] Result<std::string> ProfileNameFromResource(std::string_view resource);

struct MigProfile {
  std::string name;        // as NVIDIA writes it: "1g.5gb", "1g.5gb+me", "1g.24gb-me"
  int compute_slices = 0;  // G: SM slices of the GPU instance
  int memory_slices = 0;   // placement size in memory slices
  int64_t memory_mib = 0;  // usable memory of one instance
  // True when memory_mib is what NVML reports (e.g. H100 1g.10gb = 9984); false when it is the
  // name's GB x 1024 because NVIDIA's exact figure is not known to us.
  bool memory_exact = false;
  int max_instances = 0;              // per GPU, as NVML reports it
  std::vector<int> placement_starts;  // allowed starts, in memory slices, ascending
  MigAttribute attribute = MigAttribute::kBase;
  std::optional<int> nvml_profile;  // NVML_GPU_INSTANCE_PROFILE_* constant, where known

  // "nvidia.com/mig-<name with + as .>".
  std::string ResourceName() const { return MigResourceName(name); }

  bool IsBase() const { return attribute == MigAttribute::kBase; }

  bool operator==(const MigProfile& other) const = default;
};

struct ComputeCapability {
  int major = 0;
  int minor = 0;

  // "8.0".
  std::string ToString() const;

  auto operator<=>(const ComputeCapability& other) const = default;
};

// Parses "8.0" / "9.0" / "12.0". InvalidArgument otherwise.
[[nodiscard]] Result<ComputeCapability> ParseComputeCapability(std::string_view text);

// GPU families with the names GFD writes into `nvidia.com/gpu.family`.
enum class GpuFamily {
  kUndefined,
  kPascal,
  kVolta,
  kTuring,
  kAmpere,
  kAdaLovelace,
  kHopper,
  kBlackwell,
  kRubin,
};

// GFD's label value: "pascal", "volta", "turing", "ampere", "ada-lovelace", "hopper",
// "blackwell", "rubin", "undefined".
std::string_view GpuFamilyName(GpuFamily family);

// GFD's mapping from compute capability (volta 7.0-7.4, turing 7.5, ampere 8.0-8.8,
// ada-lovelace 8.9, hopper 9, blackwell 10 and 12, rubin 13).
GpuFamily FamilyOf(ComputeCapability capability);

// GFD's product-label sanitiser (`nvidia.com/gpu.product`): characters outside
// [A-Za-z0-9-_. ] are dropped, runs of whitespace become one '-', and leading/trailing
// whitespace is trimmed. "NVIDIA H100 80GB HBM3" -> "NVIDIA-H100-80GB-HBM3".
std::string SanitizeProductLabel(std::string_view nvml_name);

struct GpuModel {
  std::string name;  // canonical short name users recognise: "A100-SXM4-40GB", "T4", "H200"
  // As NVML/GFD report it: "NVIDIA A100-SXM4-40GB", "Tesla T4"; empty only when !known.
  std::string nvml_name;
  std::vector<std::string> aliases;         // other spellings, e.g. "V100M16" (Alibaba trace)
  std::vector<std::string> pci_device_ids;  // mig-parted device-filter form: "0x20B010DE"
  int64_t memory_mib = 0;                   // total memory as NVML reports it (0 if unknown)
  // False when memory_mib is derived from the marketing size rather than an NVML report.
  bool memory_exact = false;
  ComputeCapability compute_capability;
  // False for models whose identity is undisclosed (Alibaba trace G1/G2/G3): only the name is
  // meaningful; memory and capability are placeholders.
  bool known = true;
  // True when NVIDIA-NOTES marks some of this entry's data UNVERIFIED; `note` says what.
  bool unverified = false;
  std::string note;
  bool mig_capable = false;
  int mig_memory_slices = 0;             // 8 on layout L7, 4 on L4; 0 when not MIG-capable
  int mig_compute_slices = 0;            // 7 on layout L7, 4 on L4; 0 when not MIG-capable
  std::vector<MigProfile> mig_profiles;  // "largest first" (see the file comment)

  // The `nvidia.com/gpu.product` value GFD writes for this model.
  std::string ProductLabel() const { return SanitizeProductLabel(nvml_name); }

  GpuFamily family() const { return FamilyOf(compute_capability); }

  // The profile called `profile_name`; also accepts the resource forms "mig-1g.5gb.me" and
  // "nvidia.com/mig-1g.5gb.me"; case-insensitive. NotFound naming the nearest profile names:
  // `A100-SXM4-40GB has no MIG profile "1g.6gb"; did you mean 1g.5gb, 1g.10gb?`.
  [[nodiscard]] Result<const MigProfile*> FindProfile(std::string_view profile_name) const;

  // Index of `profile_name` in mig_profiles, with FindProfile's matching and errors.
  [[nodiscard]] Result<size_t> FindProfileIndex(std::string_view profile_name) const;

  // The smallest base profile (fewest memory slices, then compute slices) with at least
  // `memory_bytes` of memory and, when `milli_gpu` > 0, at least that share of the GPU's compute
  // (in thousandths); nullptr when none is large enough or the model has no MIG.
  const MigProfile* SmallestProfileFor(int64_t memory_bytes, int64_t milli_gpu) const;

  bool operator==(const GpuModel& other) const = default;
};

// Checks one profile against the model's MIG layout (slices, placements, counts, name).
// InvalidArgument "<profile name>: <problem>".
[[nodiscard]] Status ValidateMigProfile(const MigProfile& profile, int mig_memory_slices,
                                        int mig_compute_slices);

// Checks a whole model: names present, memory sane, MIG fields consistent with mig_capable,
// every profile valid, no duplicate profile names, profiles sorted largest first.
// InvalidArgument "<model name>: <problem>".
[[nodiscard]] Status ValidateGpuModel(const GpuModel& model);

// Sorts profiles into the canonical "largest first" order (see the file comment).
void SortProfilesLargestFirst(std::vector<MigProfile>& profiles);

}  // namespace gpupack::gpu
