#include "gpu/gpu_model.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>
#include <tuple>

#include <fmt/format.h>

#include "gpu/gpu_catalog.h"

namespace gpupack::gpu {
namespace {

constexpr std::string_view kResourcePrefix = "nvidia.com/";
constexpr std::string_view kMigResourcePrefix = "mig-";

std::string ToLower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && ToLower(text.substr(0, prefix.size())) == prefix;
}

// Reads a positive decimal number followed by `unit` ('c', 'g') from the front of `text`.
bool ConsumeNumber(std::string_view& text, int& value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr == text.data() || value <= 0) {
    return false;
  }
  text.remove_prefix(static_cast<size_t>(ptr - text.data()));
  return true;
}

bool ConsumeLiteral(std::string_view& text, std::string_view literal) {
  if (!StartsWithNoCase(text, literal)) {
    return false;
  }
  text.remove_prefix(literal.size());
  return true;
}

Result<MigAttribute> ParseAttribute(std::string_view suffix) {
  static constexpr MigAttribute kAll[] = {
      MigAttribute::kBase, MigAttribute::kMediaExtensions, MigAttribute::kAllMediaExtensions,
      MigAttribute::kNoMediaExtensions, MigAttribute::kGraphics};
  std::string lower = ToLower(suffix);
  for (MigAttribute attribute : kAll) {
    if (lower == MigAttributeSuffix(attribute)) {
      return attribute;
    }
  }
  return InvalidArgumentError(fmt::format("unknown attribute \"{}\"", suffix));
}

// Canonical sort key: compute slices desc, memory slices desc, base first, then name.
auto SortKey(const MigProfile& profile) {
  return std::make_tuple(-profile.compute_slices, -profile.memory_slices,
                         profile.attribute != MigAttribute::kBase, profile.name);
}

}  // namespace

std::string_view MigAttributeSuffix(MigAttribute attribute) {
  switch (attribute) {
    case MigAttribute::kBase:
      return "";
    case MigAttribute::kMediaExtensions:
      return "+me";
    case MigAttribute::kAllMediaExtensions:
      return "+me.all";
    case MigAttribute::kNoMediaExtensions:
      return "-me";
    case MigAttribute::kGraphics:
      return "+gfx";
  }
  return "";
}

bool ClaimsMediaExtensions(MigAttribute attribute) {
  return attribute == MigAttribute::kMediaExtensions ||
         attribute == MigAttribute::kAllMediaExtensions;
}

Result<MigProfileName> ParseMigProfileName(std::string_view name) {
  auto invalid = [&] {
    return InvalidArgumentError(fmt::format(
        "\"{}\" is not a MIG profile name (expected <G>g.<GB>gb[+me|+me.all|-me|+gfx], e.g. "
        "1g.5gb)",
        name));
  };
  std::string_view rest = name;
  MigProfileName parsed;
  int first = 0;
  if (!ConsumeNumber(rest, first)) {
    return invalid();
  }
  if (ConsumeLiteral(rest, "c.")) {
    parsed.compute_instance_slices = first;
    if (!ConsumeNumber(rest, parsed.gpu_slices)) {
      return invalid();
    }
  } else {
    parsed.gpu_slices = first;
  }
  if (!ConsumeLiteral(rest, "g.") || !ConsumeNumber(rest, parsed.memory_gb) ||
      !ConsumeLiteral(rest, "gb")) {
    return invalid();
  }
  auto attribute = ParseAttribute(rest);
  if (!attribute) {
    return invalid();
  }
  parsed.attribute = *attribute;
  if (parsed.compute_instance_slices > parsed.gpu_slices) {
    return invalid();
  }
  return parsed;
}

std::string MigResourceName(std::string_view profile_name) {
  std::string resource = fmt::format("{}{}{}", kResourcePrefix, kMigResourcePrefix, profile_name);
  std::replace(resource.begin(), resource.end(), '+', '.');
  return resource;
}

Result<std::string> ProfileNameFromResource(std::string_view resource) {
  std::string_view rest = resource;
  if (StartsWithNoCase(rest, kResourcePrefix)) {
    rest.remove_prefix(kResourcePrefix.size());
  }
  if (!StartsWithNoCase(rest, kMigResourcePrefix)) {
    return InvalidArgumentError(fmt::format(
        "\"{}\" is not a MIG resource name (expected nvidia.com/mig-<profile>)", resource));
  }
  rest.remove_prefix(kMigResourcePrefix.size());
  // The first '.' after "<GB>gb" was a '+' in the profile name; later dots ("me.all") stay.
  std::string name(rest);
  std::string lower = ToLower(name);
  size_t gb = lower.find("gb");
  if (gb != std::string::npos && gb + 2 < name.size() && name[gb + 2] == '.') {
    name[gb + 2] = '+';
  }
  GP_TRY(ParseMigProfileName(name).map_error([&](const Error&) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("\"{}\" does not name a MIG profile", resource));
  }));
  return name;
}

std::string ComputeCapability::ToString() const { return fmt::format("{}.{}", major, minor); }

Result<ComputeCapability> ParseComputeCapability(std::string_view text) {
  ComputeCapability capability;
  std::string_view rest = text;
  const char* end = rest.data() + rest.size();
  auto major = std::from_chars(rest.data(), end, capability.major);
  bool ok =
      major.ec == std::errc() && major.ptr != rest.data() && major.ptr != end && *major.ptr == '.';
  if (ok) {
    const char* minor_begin = major.ptr + 1;
    auto minor = std::from_chars(minor_begin, end, capability.minor);
    ok = minor.ec == std::errc() && minor.ptr == end && minor.ptr != minor_begin &&
         capability.major >= 1 && capability.minor >= 0;
  }
  if (!ok) {
    return InvalidArgumentError(fmt::format(
        "\"{}\" is not a compute capability (expected <major>.<minor>, e.g. 8.0)", text));
  }
  return capability;
}

std::string_view GpuFamilyName(GpuFamily family) {
  switch (family) {
    case GpuFamily::kUndefined:
      return "undefined";
    case GpuFamily::kPascal:
      return "pascal";
    case GpuFamily::kVolta:
      return "volta";
    case GpuFamily::kTuring:
      return "turing";
    case GpuFamily::kAmpere:
      return "ampere";
    case GpuFamily::kAdaLovelace:
      return "ada-lovelace";
    case GpuFamily::kHopper:
      return "hopper";
    case GpuFamily::kBlackwell:
      return "blackwell";
    case GpuFamily::kRubin:
      return "rubin";
  }
  return "undefined";
}

GpuFamily FamilyOf(ComputeCapability capability) {
  switch (capability.major) {
    case 6:
      return GpuFamily::kPascal;
    case 7:
      return capability.minor < 5 ? GpuFamily::kVolta : GpuFamily::kTuring;
    case 8:
      return capability.minor < 9 ? GpuFamily::kAmpere : GpuFamily::kAdaLovelace;
    case 9:
      return GpuFamily::kHopper;
    case 10:
    case 12:
      return GpuFamily::kBlackwell;
    case 13:
      return GpuFamily::kRubin;
    default:
      return GpuFamily::kUndefined;
  }
}

std::string SanitizeProductLabel(std::string_view nvml_name) {
  std::string label;
  bool pending_space = false;
  for (char c : nvml_name) {
    auto u = static_cast<unsigned char>(c);
    if (std::isspace(u) != 0) {
      pending_space = !label.empty();
      continue;
    }
    if (std::isalnum(u) == 0 && c != '-' && c != '_' && c != '.') {
      continue;
    }
    if (pending_space) {
      label.push_back('-');
      pending_space = false;
    }
    label.push_back(c);
  }
  return label;
}

Result<const MigProfile*> GpuModel::FindProfile(std::string_view profile_name) const {
  GP_ASSIGN_OR_RETURN(size_t index, FindProfileIndex(profile_name));
  return &mig_profiles[index];
}

const MigProfile* GpuModel::SmallestProfileFor(int64_t memory_bytes, int64_t milli_gpu) const {
  constexpr int64_t kMib = int64_t{1} << 20;
  const MigProfile* best = nullptr;
  for (const MigProfile& profile : mig_profiles) {
    if (!profile.IsBase() || profile.memory_mib * kMib < memory_bytes ||
        int64_t{profile.compute_slices} * 1000 < milli_gpu * mig_compute_slices) {
      continue;
    }
    if (best == nullptr || profile.memory_slices < best->memory_slices ||
        (profile.memory_slices == best->memory_slices &&
         profile.compute_slices < best->compute_slices)) {
      best = &profile;
    }
  }
  return best;
}

Result<size_t> GpuModel::FindProfileIndex(std::string_view profile_name) const {
  std::string wanted(profile_name);
  if (auto from_resource = ProfileNameFromResource(profile_name)) {
    wanted = std::move(*from_resource);
  }
  wanted = ToLower(wanted);
  for (size_t i = 0; i < mig_profiles.size(); ++i) {
    if (ToLower(mig_profiles[i].name) == wanted) {
      return i;
    }
  }
  if (!mig_capable) {
    return NotFoundError(
        fmt::format("{} is not MIG-capable, so it has no MIG profile \"{}\"", name, profile_name));
  }
  std::vector<std::string> names;
  names.reserve(mig_profiles.size());
  for (const MigProfile& profile : mig_profiles) {
    names.push_back(profile.name);
  }
  std::vector<std::string> nearest = NearestNames(wanted, names);
  std::string message = fmt::format("{} has no MIG profile \"{}\"", name, profile_name);
  if (!nearest.empty()) {
    message += fmt::format("; did you mean {}?", fmt::join(nearest, ", "));
  }
  return NotFoundError(std::move(message));
}

Status ValidateMigProfile(const MigProfile& profile, int mig_memory_slices,
                          int mig_compute_slices) {
  auto fail = [&](std::string problem) {
    return InvalidArgumentError(fmt::format("{}: {}", profile.name, problem));
  };
  if (profile.name.empty()) {
    return InvalidArgumentError("MIG profile without a name");
  }
  GP_ASSIGN_OR_RETURN(MigProfileName parsed, ParseMigProfileName(profile.name));
  if (parsed.compute_instance_slices != 0) {
    return fail(
        "compute-instance sub-profiles (<C>c.<G>g...) are not GPU instance profiles; the device "
        "plugin advertises only profiles with one compute instance spanning the GPU instance");
  }
  if (parsed.gpu_slices != profile.compute_slices) {
    return fail(fmt::format("name says {} compute slices but computeSlices is {}",
                            parsed.gpu_slices, profile.compute_slices));
  }
  if (parsed.attribute != profile.attribute) {
    return fail("attribute does not match the name's suffix");
  }
  if (profile.compute_slices < 1 || profile.compute_slices > mig_compute_slices) {
    return fail(fmt::format("computeSlices {} is outside 1..{}", profile.compute_slices,
                            mig_compute_slices));
  }
  if (profile.memory_slices < 1 || profile.memory_slices > mig_memory_slices) {
    return fail(
        fmt::format("memorySlices {} is outside 1..{}", profile.memory_slices, mig_memory_slices));
  }
  if (profile.memory_mib <= 0) {
    return fail("memoryMiB must be positive");
  }
  if (profile.placement_starts.empty()) {
    return fail("no placement starts");
  }
  for (size_t i = 0; i < profile.placement_starts.size(); ++i) {
    int start = profile.placement_starts[i];
    if (start < 0 || start + profile.memory_slices > mig_memory_slices) {
      return fail(fmt::format("placement {{{}}}:{} does not fit in {} memory slices", start,
                              profile.memory_slices, mig_memory_slices));
    }
    if (i > 0 && start <= profile.placement_starts[i - 1]) {
      return fail("placement starts must be strictly ascending");
    }
  }
  // Instances of one profile never overlap, so more than the disjoint placements is impossible.
  int disjoint = 0;
  int next_free = 0;
  for (int start : profile.placement_starts) {
    if (start >= next_free) {
      ++disjoint;
      next_free = start + profile.memory_slices;
    }
  }
  if (profile.max_instances < 1 || profile.max_instances > disjoint) {
    return fail(
        fmt::format("maxInstances {} is outside 1..{} (the number of non-overlapping placements)",
                    profile.max_instances, disjoint));
  }
  if (ClaimsMediaExtensions(profile.attribute) && profile.max_instances != 1) {
    return fail("a profile with media extensions can have only 1 instance per GPU");
  }
  return OkStatus();
}

Status ValidateGpuModel(const GpuModel& model) {
  std::string label = model.name.empty() ? std::string("<unnamed model>") : model.name;
  auto fail = [&](std::string problem) {
    return InvalidArgumentError(fmt::format("{}: {}", label, problem));
  };
  if (model.name.empty()) {
    return fail("name is empty");
  }
  if (model.name.find_first_of(" \t") != std::string::npos) {
    return fail("name must not contain spaces (it is used as a command-line argument)");
  }
  if (model.known && model.nvml_name.empty()) {
    return fail("nvmlName is empty");
  }
  if (model.known && model.memory_mib <= 0) {
    return fail("memoryMiB must be positive");
  }
  if (model.memory_mib < 0) {
    return fail("memoryMiB must not be negative");
  }
  if (model.known && model.compute_capability.major < 1) {
    return fail("computeCapability is missing");
  }
  for (const std::string& id : model.pci_device_ids) {
    bool ok = id.size() == 10 && id.starts_with("0x") &&
              std::all_of(id.begin() + 2, id.end(), [](char c) {
                return std::isxdigit(static_cast<unsigned char>(c)) != 0 &&
                       std::islower(static_cast<unsigned char>(c)) == 0;
              });
    if (!ok) {
      return fail(fmt::format(
          "PCI device id \"{}\" is not in mig-parted's form 0x<DEVICE><VENDOR> (e.g. 0x20B010DE)",
          id));
    }
  }
  if (!model.mig_capable) {
    if (!model.mig_profiles.empty() || model.mig_memory_slices != 0 ||
        model.mig_compute_slices != 0) {
      return fail("MIG profiles or slices given but migCapable is false");
    }
    return OkStatus();
  }
  if (model.compute_capability < ComputeCapability{8, 0}) {
    return fail("MIG needs compute capability 8.0 or newer");
  }
  if (model.mig_profiles.empty()) {
    return fail("migCapable is true but there are no MIG profiles");
  }
  // Bitmasks over memory slices are 8 bits wide in the geometry engine.
  if (model.mig_memory_slices < 1 || model.mig_memory_slices > 8) {
    return fail(fmt::format("memorySlices {} is outside 1..8", model.mig_memory_slices));
  }
  if (model.mig_compute_slices < 1 || model.mig_compute_slices > 8) {
    return fail(fmt::format("computeSlices {} is outside 1..8", model.mig_compute_slices));
  }
  // The engine packs a multiset into 4 bits per profile.
  if (model.mig_profiles.size() > 16) {
    return fail("more than 16 MIG profiles");
  }
  for (size_t i = 0; i < model.mig_profiles.size(); ++i) {
    const MigProfile& profile = model.mig_profiles[i];
    if (auto status =
            ValidateMigProfile(profile, model.mig_memory_slices, model.mig_compute_slices);
        !status) {
      return tl::unexpected(status.error().WithContext(label));
    }
    for (size_t j = 0; j < i; ++j) {
      if (ToLower(model.mig_profiles[j].name) == ToLower(profile.name)) {
        return fail(fmt::format("MIG profile {} is listed twice", profile.name));
      }
    }
    if (i > 0 && SortKey(profile) < SortKey(model.mig_profiles[i - 1])) {
      return fail("MIG profiles are not sorted largest first (use SortProfilesLargestFirst)");
    }
  }
  return OkStatus();
}

void SortProfilesLargestFirst(std::vector<MigProfile>& profiles) {
  std::stable_sort(profiles.begin(), profiles.end(), [](const MigProfile& a, const MigProfile& b) {
    return SortKey(a) < SortKey(b);
  });
}

}  // namespace gpupack::gpu
