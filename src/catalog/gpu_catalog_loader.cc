#include "catalog/gpu_catalog_loader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <initializer_list>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "catalog/embedded_catalog.h"
#include "catalog/internal/yaml_guard.h"
#include "common/file.h"

namespace gpupack::catalog {
namespace {

using gpu::GpuModel;
using gpu::MigProfile;

constexpr std::string_view kBuiltInName = "gpus.yaml";

std::string ToLower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

// One profile class of a layout: everything about a profile except its name and memory.
struct LayoutClass {
  MigProfile shape;
};

struct Layout {
  int memory_slices = 0;
  int compute_slices = 0;
  std::map<std::string, LayoutClass> classes;
};

// Reads typed fields from YAML nodes and turns every problem into
// "<source>:<line>: <path>: <problem>".
class Reader {
 public:
  explicit Reader(const std::string& source) : source_(source) {}

  tl::unexpected<Error> Fail(const YAML::Node& node, std::string_view path,
                             std::string_view problem) const {
    // yaml-cpp counts lines from 0; editors count from 1.
    int line = node.Mark().line + 1;
    return InvalidArgumentError(fmt::format("{}:{}: {}: {}", source_, line, path, problem));
  }

  // Unknown fields are errors, as in mig-parted: a typo must not silently drop data.
  [[nodiscard]] Status CheckFields(const YAML::Node& map, std::string_view path,
                                   std::initializer_list<std::string_view> known) const {
    if (!map.IsMap()) {
      return Fail(map, path, "expected a mapping");
    }
    for (const auto& entry : map) {
      std::string key = entry.first.Scalar();
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        return Fail(entry.first, path,
                    fmt::format("unknown field \"{}\" (known: {})", key, fmt::join(known, ", ")));
      }
    }
    return OkStatus();
  }

  [[nodiscard]] Result<std::optional<std::string>> OptionalString(const YAML::Node& map,
                                                                  std::string_view path,
                                                                  const char* key) const {
    YAML::Node node = map[key];
    if (!node) {
      return std::nullopt;
    }
    if (!node.IsScalar()) {
      return Fail(node, Field(path, key), "expected a string");
    }
    return node.Scalar();
  }

  [[nodiscard]] Result<std::string> RequiredString(const YAML::Node& map, std::string_view path,
                                                   const char* key) const {
    GP_ASSIGN_OR_RETURN(std::optional<std::string> value, OptionalString(map, path, key));
    if (!value || value->empty()) {
      return Fail(map, Field(path, key), "required");
    }
    return *value;
  }

  [[nodiscard]] Result<std::optional<int64_t>> OptionalInt(const YAML::Node& map,
                                                           std::string_view path,
                                                           const char* key) const {
    YAML::Node node = map[key];
    if (!node) {
      return std::nullopt;
    }
    return Int(node, Field(path, key));
  }

  [[nodiscard]] Result<int64_t> RequiredInt(const YAML::Node& map, std::string_view path,
                                            const char* key) const {
    GP_ASSIGN_OR_RETURN(std::optional<int64_t> value, OptionalInt(map, path, key));
    if (!value) {
      return Fail(map, Field(path, key), "required");
    }
    return *value;
  }

  [[nodiscard]] Result<int64_t> Int(const YAML::Node& node, std::string_view path) const {
    int64_t value = 0;
    if (node.IsScalar()) {
      const std::string& text = node.Scalar();
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec == std::errc() && ptr == text.data() + text.size() && !text.empty()) {
        return value;
      }
    }
    return Fail(node, path, "expected an integer");
  }

  // A small integer such as a slice count or a placement start.
  [[nodiscard]] Result<int> SmallInt(const YAML::Node& node, std::string_view path) const {
    GP_ASSIGN_OR_RETURN(int64_t value, Int(node, path));
    if (value < 0 || value > 1024) {
      return Fail(node, path, fmt::format("{} is out of range", value));
    }
    return static_cast<int>(value);
  }

  [[nodiscard]] Result<int> RequiredSmallInt(const YAML::Node& map, std::string_view path,
                                             const char* key) const {
    YAML::Node node = map[key];
    if (!node) {
      return Fail(map, Field(path, key), "required");
    }
    return SmallInt(node, Field(path, key));
  }

  [[nodiscard]] Result<std::vector<int>> RequiredIntList(const YAML::Node& map,
                                                         std::string_view path,
                                                         const char* key) const {
    YAML::Node node = map[key];
    if (!node) {
      return Fail(map, Field(path, key), "required");
    }
    return IntList(node, Field(path, key));
  }

  [[nodiscard]] Result<bool> Bool(const YAML::Node& map, std::string_view path, const char* key,
                                  bool default_value) const {
    YAML::Node node = map[key];
    if (!node) {
      return default_value;
    }
    std::string text = node.IsScalar() ? ToLower(node.Scalar()) : std::string();
    if (text == "true") {
      return true;
    }
    if (text == "false") {
      return false;
    }
    return Fail(node, Field(path, key), "expected true or false");
  }

  [[nodiscard]] Result<std::vector<std::string>> StringList(const YAML::Node& map,
                                                            std::string_view path,
                                                            const char* key) const {
    std::vector<std::string> values;
    YAML::Node node = map[key];
    if (!node) {
      return values;
    }
    if (!node.IsSequence()) {
      return Fail(node, Field(path, key), "expected a list");
    }
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar() || node[i].Scalar().empty()) {
        return Fail(node[i], Index(Field(path, key), i), "expected a non-empty string");
      }
      values.push_back(node[i].Scalar());
    }
    return values;
  }

  [[nodiscard]] Result<std::vector<int>> IntList(const YAML::Node& node,
                                                 std::string_view path) const {
    if (!node.IsSequence()) {
      return Fail(node, path, "expected a list of integers");
    }
    std::vector<int> values;
    for (size_t i = 0; i < node.size(); ++i) {
      GP_ASSIGN_OR_RETURN(int value, SmallInt(node[i], Index(path, i)));
      values.push_back(value);
    }
    return values;
  }

  static std::string Field(std::string_view path, std::string_view key) {
    return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
  }

  static std::string Index(std::string_view path, size_t index) {
    return fmt::format("{}[{}]", path, index);
  }

 private:
  const std::string& source_;
};

// "0x20b010de" -> "0x20B010DE"; anything else is returned unchanged for validation to reject.
std::string NormalizePciId(std::string id) {
  if (id.size() > 2 && id[0] == '0' && (id[1] == 'x' || id[1] == 'X')) {
    id[1] = 'x';
    std::transform(id.begin() + 2, id.end(), id.begin() + 2,
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  }
  return id;
}

Result<std::pair<std::string, Layout>> ParseLayout(const Reader& reader, const YAML::Node& node,
                                                   const std::string& path) {
  GP_TRY(reader.CheckFields(node, path, {"name", "memorySlices", "computeSlices", "classes"}));
  GP_ASSIGN_OR_RETURN(std::string name, reader.RequiredString(node, path, "name"));
  Layout layout;
  GP_ASSIGN_OR_RETURN(layout.memory_slices, reader.RequiredSmallInt(node, path, "memorySlices"));
  GP_ASSIGN_OR_RETURN(layout.compute_slices, reader.RequiredSmallInt(node, path, "computeSlices"));
  if (layout.memory_slices < 1 || layout.memory_slices > 8) {
    return reader.Fail(node["memorySlices"], Reader::Field(path, "memorySlices"), "must be 1..8");
  }
  if (layout.compute_slices < 1 || layout.compute_slices > 8) {
    return reader.Fail(node["computeSlices"], Reader::Field(path, "computeSlices"), "must be 1..8");
  }
  YAML::Node classes = node["classes"];
  std::string classes_path = Reader::Field(path, "classes");
  if (!classes || !classes.IsSequence() || classes.size() == 0) {
    return reader.Fail(classes ? classes : node, classes_path, "expected a non-empty list");
  }
  for (size_t i = 0; i < classes.size(); ++i) {
    const YAML::Node entry = classes[i];
    std::string entry_path = Reader::Index(classes_path, i);
    GP_TRY(reader.CheckFields(
        entry, entry_path,
        {"class", "nvmlProfile", "computeSlices", "memorySlices", "maxInstances", "placements"}));
    GP_ASSIGN_OR_RETURN(std::string class_name, reader.RequiredString(entry, entry_path, "class"));
    LayoutClass layout_class;
    MigProfile& shape = layout_class.shape;
    GP_ASSIGN_OR_RETURN(shape.compute_slices,
                        reader.RequiredSmallInt(entry, entry_path, "computeSlices"));
    GP_ASSIGN_OR_RETURN(shape.memory_slices,
                        reader.RequiredSmallInt(entry, entry_path, "memorySlices"));
    GP_ASSIGN_OR_RETURN(shape.max_instances,
                        reader.RequiredSmallInt(entry, entry_path, "maxInstances"));
    GP_ASSIGN_OR_RETURN(shape.placement_starts,
                        reader.RequiredIntList(entry, entry_path, "placements"));
    if (entry["nvmlProfile"]) {
      GP_ASSIGN_OR_RETURN(shape.nvml_profile,
                          reader.RequiredSmallInt(entry, entry_path, "nvmlProfile"));
    }
    for (int start : shape.placement_starts) {
      if (start + shape.memory_slices > layout.memory_slices) {
        return reader.Fail(entry["placements"], Reader::Field(entry_path, "placements"),
                           fmt::format("placement {{{}}}:{} does not fit in {} memory slices",
                                       start, shape.memory_slices, layout.memory_slices));
      }
    }
    if (!layout.classes.emplace(class_name, std::move(layout_class)).second) {
      return reader.Fail(entry, entry_path, fmt::format("class {} is listed twice", class_name));
    }
  }
  return std::make_pair(std::move(name), std::move(layout));
}

Result<MigProfile> ParseProfile(const Reader& reader, const YAML::Node& node,
                                const std::string& path, const Layout& layout,
                                const std::string& layout_name) {
  GP_TRY(
      reader.CheckFields(node, path, {"name", "class", "memoryMiB", "maxInstances", "placements"}));
  GP_ASSIGN_OR_RETURN(std::string name, reader.RequiredString(node, path, "name"));
  GP_ASSIGN_OR_RETURN(std::string class_name, reader.RequiredString(node, path, "class"));
  auto layout_class = layout.classes.find(class_name);
  if (layout_class == layout.classes.end()) {
    std::vector<std::string> known;
    known.reserve(layout.classes.size());
    for (const auto& [known_name, unused] : layout.classes) {
      known.push_back(known_name);
    }
    return reader.Fail(node["class"], Reader::Field(path, "class"),
                       fmt::format("layout {} has no class \"{}\" (known: {})", layout_name,
                                   class_name, fmt::join(known, ", ")));
  }
  MigProfile profile = layout_class->second.shape;
  profile.name = name;
  auto parsed = gpu::ParseMigProfileName(name);
  if (!parsed) {
    return reader.Fail(node["name"], Reader::Field(path, "name"), parsed.error().message());
  }
  profile.attribute = parsed->attribute;
  GP_ASSIGN_OR_RETURN(std::optional<int64_t> memory, reader.OptionalInt(node, path, "memoryMiB"));
  profile.memory_exact = memory.has_value();
  // Without NVML's figure, the name's GB is the best we know (documented in gpus.yaml).
  profile.memory_mib = memory.value_or(int64_t{parsed->memory_gb} * 1024);
  if (node["maxInstances"]) {
    GP_ASSIGN_OR_RETURN(profile.max_instances, reader.RequiredSmallInt(node, path, "maxInstances"));
  }
  if (node["placements"]) {
    GP_ASSIGN_OR_RETURN(profile.placement_starts, reader.RequiredIntList(node, path, "placements"));
  }
  if (auto status = gpu::ValidateMigProfile(profile, layout.memory_slices, layout.compute_slices);
      !status) {
    return reader.Fail(node, path, status.error().message());
  }
  return profile;
}

Result<GpuModel> ParseModel(const Reader& reader, const YAML::Node& node, const std::string& path,
                            const std::map<std::string, Layout>& layouts) {
  GP_TRY(reader.CheckFields(
      node, path,
      {"name", "nvmlName", "aliases", "pciDeviceIds", "memoryMiB", "memoryExact",
       "computeCapability", "known", "unverified", "note", "migLayout", "migProfiles"}));
  GpuModel model;
  GP_ASSIGN_OR_RETURN(model.name, reader.RequiredString(node, path, "name"));
  GP_ASSIGN_OR_RETURN(model.known, reader.Bool(node, path, "known", true));
  GP_ASSIGN_OR_RETURN(std::optional<std::string> nvml_name,
                      reader.OptionalString(node, path, "nvmlName"));
  model.nvml_name = nvml_name.value_or("");
  if (model.known && model.nvml_name.empty()) {
    return reader.Fail(node, Reader::Field(path, "nvmlName"), "required (or set known: false)");
  }
  GP_ASSIGN_OR_RETURN(model.aliases, reader.StringList(node, path, "aliases"));
  GP_ASSIGN_OR_RETURN(model.pci_device_ids, reader.StringList(node, path, "pciDeviceIds"));
  for (std::string& id : model.pci_device_ids) {
    id = NormalizePciId(std::move(id));
  }
  GP_ASSIGN_OR_RETURN(std::optional<int64_t> memory, reader.OptionalInt(node, path, "memoryMiB"));
  if (model.known && !memory) {
    return reader.Fail(node, Reader::Field(path, "memoryMiB"), "required (or set known: false)");
  }
  model.memory_mib = memory.value_or(0);
  GP_ASSIGN_OR_RETURN(model.memory_exact, reader.Bool(node, path, "memoryExact", false));
  GP_ASSIGN_OR_RETURN(std::optional<std::string> capability,
                      reader.OptionalString(node, path, "computeCapability"));
  if (capability) {
    auto parsed = gpu::ParseComputeCapability(*capability);
    if (!parsed) {
      return reader.Fail(node["computeCapability"], Reader::Field(path, "computeCapability"),
                         parsed.error().message());
    }
    model.compute_capability = *parsed;
  } else if (model.known) {
    return reader.Fail(node, Reader::Field(path, "computeCapability"),
                       "required (or set known: false)");
  }
  GP_ASSIGN_OR_RETURN(model.unverified, reader.Bool(node, path, "unverified", false));
  GP_ASSIGN_OR_RETURN(std::optional<std::string> note, reader.OptionalString(node, path, "note"));
  model.note = note.value_or("");

  GP_ASSIGN_OR_RETURN(std::optional<std::string> layout_name,
                      reader.OptionalString(node, path, "migLayout"));
  YAML::Node profiles = node["migProfiles"];
  std::string profiles_path = Reader::Field(path, "migProfiles");
  if (!layout_name) {
    if (profiles) {
      return reader.Fail(profiles, profiles_path, "MIG profiles need a migLayout");
    }
  } else {
    auto layout = layouts.find(*layout_name);
    if (layout == layouts.end()) {
      return reader.Fail(node["migLayout"], Reader::Field(path, "migLayout"),
                         fmt::format("unknown MIG layout \"{}\"", *layout_name));
    }
    if (!profiles || !profiles.IsSequence() || profiles.size() == 0) {
      return reader.Fail(profiles ? profiles : node, profiles_path, "expected a non-empty list");
    }
    model.mig_capable = true;
    model.mig_memory_slices = layout->second.memory_slices;
    model.mig_compute_slices = layout->second.compute_slices;
    for (size_t i = 0; i < profiles.size(); ++i) {
      std::string profile_path = Reader::Index(profiles_path, i);
      GP_ASSIGN_OR_RETURN(MigProfile profile, ParseProfile(reader, profiles[i], profile_path,
                                                           layout->second, *layout_name));
      for (const MigProfile& earlier : model.mig_profiles) {
        if (ToLower(earlier.name) == ToLower(profile.name)) {
          return reader.Fail(profiles[i], profile_path,
                             fmt::format("MIG profile {} is listed twice", profile.name));
        }
      }
      model.mig_profiles.push_back(std::move(profile));
    }
    gpu::SortProfilesLargestFirst(model.mig_profiles);
  }
  if (auto status = gpu::ValidateGpuModel(model); !status) {
    return reader.Fail(node, path, status.error().message());
  }
  return model;
}

// "<source>:<line>", or just the source when yaml-cpp knows no position (null mark).
std::string Where(const std::string& source, const YAML::Mark& mark) {
  return mark.line < 0 ? source : fmt::format("{}:{}", source, mark.line + 1);
}

// Parses one source, adding its layouts to `layouts` and its models to `models` (replacing
// same-named ones from earlier sources).
Status ParseSource(const CatalogSource& source, std::map<std::string, Layout>& layouts,
                   std::vector<GpuModel>& models) {
  YAML::Node root;
  try {
    catalog_internal::GuardYamlParse(source.text);
    root = YAML::Load(source.text);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(
        fmt::format("{}: invalid YAML: {}", Where(source.name, e.mark), e.msg));
  }
  Reader reader(source.name);
  if (!root.IsMap()) {
    return reader.Fail(root, "(document)", "expected a mapping with version, migLayouts, models");
  }
  // Everything below only reads the parsed tree, but yaml-cpp may still throw on odd nodes;
  // no exception leaves this adapter.
  try {
    GP_TRY(reader.CheckFields(root, "(document)", {"version", "migLayouts", "models"}));
    GP_ASSIGN_OR_RETURN(std::string version, reader.RequiredString(root, "", "version"));
    if (version != "v1") {
      return reader.Fail(
          root["version"], "version",
          fmt::format("unsupported version \"{}\" (this gpupack reads v1)", version));
    }
    if (YAML::Node layout_nodes = root["migLayouts"]) {
      if (!layout_nodes.IsSequence()) {
        return reader.Fail(layout_nodes, "migLayouts", "expected a list");
      }
      std::vector<std::string> seen;
      for (size_t i = 0; i < layout_nodes.size(); ++i) {
        std::string path = Reader::Index("migLayouts", i);
        GP_ASSIGN_OR_RETURN(auto named, ParseLayout(reader, layout_nodes[i], path));
        if (std::find(seen.begin(), seen.end(), named.first) != seen.end()) {
          return reader.Fail(layout_nodes[i], path,
                             fmt::format("layout {} is defined twice", named.first));
        }
        seen.push_back(named.first);
        layouts[named.first] = std::move(named.second);
      }
    }
    YAML::Node model_nodes = root["models"];
    if (model_nodes && !model_nodes.IsSequence()) {
      return reader.Fail(model_nodes, "models", "expected a list");
    }
    std::map<std::string, size_t> lines_by_name;  // lower-case name -> line, within this source
    for (size_t i = 0; model_nodes && i < model_nodes.size(); ++i) {
      std::string path = Reader::Index("models", i);
      GP_ASSIGN_OR_RETURN(GpuModel model, ParseModel(reader, model_nodes[i], path, layouts));
      std::string key = ToLower(model.name);
      size_t line = static_cast<size_t>(model_nodes[i].Mark().line + 1);
      if (auto earlier = lines_by_name.find(key); earlier != lines_by_name.end()) {
        return reader.Fail(
            model_nodes[i], path,
            fmt::format("model {} is already defined at line {}", model.name, earlier->second));
      }
      lines_by_name.emplace(key, line);
      auto same = std::find_if(models.begin(), models.end(),
                               [&](const GpuModel& m) { return ToLower(m.name) == key; });
      if (same != models.end()) {
        *same = std::move(model);
      } else {
        models.push_back(std::move(model));
      }
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(fmt::format("{}: {}", Where(source.name, e.mark), e.msg));
  }
  return OkStatus();
}

}  // namespace

Result<gpu::GpuCatalog> LoadGpuCatalog(std::span<const CatalogSource> sources) {
  std::map<std::string, Layout> layouts;
  std::vector<GpuModel> models;
  for (const CatalogSource& source : sources) {
    GP_TRY(ParseSource(source, layouts, models));
  }
  auto catalog = gpu::GpuCatalog::Create(std::move(models));
  if (!catalog) {
    // Cross-model problems (a name two models answer to) have no single line.
    std::vector<std::string> names;
    for (const CatalogSource& source : sources) {
      names.push_back(source.name);
    }
    return tl::unexpected(catalog.error().WithContext(fmt::format("{}", fmt::join(names, " + "))));
  }
  return catalog;
}

Result<gpu::GpuCatalog> LoadBuiltInGpuCatalog() {
  GP_ASSIGN_OR_RETURN(std::string_view text, EmbeddedCatalogFile(kBuiltInName));
  CatalogSource source{fmt::format("{} (built in)", kBuiltInName), std::string(text)};
  return LoadGpuCatalog(std::span<const CatalogSource>(&source, 1));
}

Result<gpu::GpuCatalog> LoadGpuCatalogWithUserFile(const std::string& user_path) {
  GP_ASSIGN_OR_RETURN(std::string_view built_in, EmbeddedCatalogFile(kBuiltInName));
  std::vector<CatalogSource> sources;
  sources.push_back({fmt::format("{} (built in)", kBuiltInName), std::string(built_in)});
  if (!user_path.empty()) {
    GP_ASSIGN_OR_RETURN(std::string text, ReadFile(user_path, size_t{16} << 20));
    sources.push_back({user_path, std::move(text)});
  }
  return LoadGpuCatalog(sources);
}

}  // namespace gpupack::catalog
