#include "catalog/internal/yaml_fields.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>

#include "catalog/internal/yaml_guard.h"

namespace gpupack::catalog::catalog_internal {
namespace {

std::string PathOr(std::string_view path, std::string_view key) {
  if (path.empty()) {
    return std::string(key);
  }
  return std::string(path);
}

// A scalar written in quotes (tag "!") is a string even when it looks like a number or bool.
bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

bool Present(const YAML::Node& node) { return node.IsDefined() && !node.IsNull(); }

}  // namespace

int LineOf(const YAML::Node& node) {
  YAML::Mark mark = node.Mark();
  return mark.line < 0 ? 0 : mark.line + 1;
}

std::string Location::Message(const YAML::Node& node, std::string_view path,
                              std::string_view problem) const {
  std::string out = file_ + ":" + std::to_string(LineOf(node)) + ": ";
  if (!object_.empty()) {
    out += object_ + ": ";
  }
  if (!path.empty()) {
    out += std::string(path) + ": ";
  }
  out += problem;
  return out;
}

Error Location::At(const YAML::Node& node, std::string_view path, std::string_view problem) const {
  return Error(ErrorCode::kInvalidArgument, Message(node, path, problem));
}

Result<std::optional<std::string>> OptString(const Location& loc, const YAML::Node& parent,
                                             std::string_view key, std::string_view path) {
  const YAML::Node node = parent[std::string(key)];
  if (!Present(node)) {
    return std::optional<std::string>();
  }
  if (!node.IsScalar()) {
    return tl::unexpected(loc.At(node, PathOr(path, key), "must be a string"));
  }
  return std::optional<std::string>(node.Scalar());
}

Result<std::optional<int64_t>> OptInt(const Location& loc, const YAML::Node& parent,
                                      std::string_view key, std::string_view path) {
  const YAML::Node node = parent[std::string(key)];
  if (!Present(node)) {
    return std::optional<int64_t>();
  }
  const std::string& text = node.IsScalar() ? node.Scalar() : std::string();
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!node.IsScalar() || IsQuoted(node) || text.empty() || ec != std::errc() ||
      ptr != text.data() + text.size()) {
    return tl::unexpected(
        loc.At(node, PathOr(path, key), "must be an integer, got \"" + text + "\""));
  }
  return std::optional<int64_t>(value);
}

Result<std::optional<double>> OptNumber(const Location& loc, const YAML::Node& parent,
                                        std::string_view key, std::string_view path) {
  const YAML::Node node = parent[std::string(key)];
  if (!Present(node)) {
    return std::optional<double>();
  }
  const std::string& text = node.IsScalar() ? node.Scalar() : std::string();
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!node.IsScalar() || text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
      !std::isfinite(value)) {
    return tl::unexpected(
        loc.At(node, PathOr(path, key), "must be a number, got \"" + text + "\""));
  }
  return std::optional<double>(value);
}

Result<std::optional<bool>> OptBool(const Location& loc, const YAML::Node& parent,
                                    std::string_view key, std::string_view path) {
  const YAML::Node node = parent[std::string(key)];
  if (!Present(node)) {
    return std::optional<bool>();
  }
  const std::string& text = node.IsScalar() ? node.Scalar() : std::string();
  if (node.IsScalar() && !IsQuoted(node)) {
    if (text == "true" || text == "True" || text == "TRUE") {
      return std::optional<bool>(true);
    }
    if (text == "false" || text == "False" || text == "FALSE") {
      return std::optional<bool>(false);
    }
  }
  return tl::unexpected(
      loc.At(node, PathOr(path, key), "must be true or false, got \"" + text + "\""));
}

Result<std::vector<std::string>> StringList(const Location& loc, const YAML::Node& parent,
                                            std::string_view key, std::string_view path) {
  const YAML::Node node = parent[std::string(key)];
  std::vector<std::string> out;
  if (!Present(node)) {
    return out;
  }
  if (!node.IsSequence()) {
    return tl::unexpected(loc.At(node, PathOr(path, key), "must be a list of strings"));
  }
  for (size_t i = 0; i < node.size(); ++i) {
    if (!node[i].IsScalar()) {
      return tl::unexpected(loc.At(node[i],
                                   std::string(PathOr(path, key)) + "[" + std::to_string(i) + "]",
                                   "must be a string"));
    }
    out.push_back(node[i].Scalar());
  }
  return out;
}

Result<cluster::Labels> StringMap(const Location& loc, const YAML::Node& parent,
                                  std::string_view key, std::string_view path) {
  const YAML::Node node = parent[std::string(key)];
  cluster::Labels out;
  if (!Present(node)) {
    return out;
  }
  if (!node.IsMap()) {
    return tl::unexpected(loc.At(node, PathOr(path, key), "must be a map of strings"));
  }
  for (const auto& entry : node) {
    const std::string& name = entry.first.Scalar();
    if (entry.second.IsNull()) {
      out.insert_or_assign(name, "");
      continue;
    }
    if (!entry.second.IsScalar()) {
      return tl::unexpected(
          loc.At(entry.second, std::string(PathOr(path, key)) + "." + name, "must be a string"));
    }
    out.insert_or_assign(name, entry.second.Scalar());
  }
  return out;
}

Result<YAML::Node> OptMap(const Location& loc, const YAML::Node& parent, std::string_view key,
                          std::string_view path) {
  const YAML::Node node = parent[std::string(key)];
  if (!Present(node)) {
    return YAML::Node(YAML::NodeType::Undefined);
  }
  if (!node.IsMap()) {
    return tl::unexpected(loc.At(node, PathOr(path, key), "must be a map"));
  }
  return node;
}

Result<YAML::Node> OptSeq(const Location& loc, const YAML::Node& parent, std::string_view key,
                          std::string_view path) {
  const YAML::Node node = parent[std::string(key)];
  if (!Present(node)) {
    return YAML::Node(YAML::NodeType::Undefined);
  }
  if (!node.IsSequence()) {
    return tl::unexpected(loc.At(node, PathOr(path, key), "must be a list"));
  }
  return node;
}

void WarnUnknownFields(const Location& loc, const YAML::Node& node, std::string_view path,
                       const std::vector<std::string_view>& known,
                       std::vector<std::string>& warnings) {
  if (!node.IsMap()) {
    return;
  }
  for (const auto& entry : node) {
    const std::string& key = entry.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      warnings.push_back(
          loc.Message(entry.first, "", "unknown field " + std::string(path) + "." + key));
    }
  }
}

Result<std::vector<cluster::Taint>> Taints(const Location& loc, const YAML::Node& parent,
                                           std::string_view key, std::string_view path) {
  GP_ASSIGN_OR_RETURN(const YAML::Node list, OptSeq(loc, parent, key, path));
  std::vector<cluster::Taint> taints;
  for (size_t i = 0; list.IsDefined() && i < list.size(); ++i) {
    std::string item_path = std::string(path) + "[" + std::to_string(i) + "]";
    const YAML::Node& item = list[i];
    if (!item.IsMap()) {
      return tl::unexpected(loc.At(item, item_path, "must be a map with key, value, effect"));
    }
    GP_ASSIGN_OR_RETURN(auto taint_key, OptString(loc, item, "key", item_path + ".key"));
    GP_ASSIGN_OR_RETURN(auto value, OptString(loc, item, "value", item_path + ".value"));
    GP_ASSIGN_OR_RETURN(auto effect, OptString(loc, item, "effect", item_path + ".effect"));
    if (!taint_key || taint_key->empty()) {
      return tl::unexpected(loc.At(item, item_path + ".key", "required"));
    }
    std::optional<cluster::TaintEffect> parsed =
        effect ? cluster::ParseTaintEffect(*effect) : std::nullopt;
    if (!parsed) {
      return tl::unexpected(
          loc.At(item, item_path + ".effect", "must be NoSchedule, PreferNoSchedule or NoExecute"));
    }
    taints.push_back(cluster::Taint{*taint_key, value.value_or(""), *parsed});
  }
  return taints;
}

Result<std::vector<YAML::Node>> ParseDocuments(std::string_view text, std::string_view file) {
  try {
    std::string copy(text);
    GuardYamlParse(copy);
    return YAML::LoadAll(copy);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(std::string(file) + ":" + std::to_string(e.mark.line + 1) + ": " +
                                e.msg);
  }
}

}  // namespace gpupack::catalog::catalog_internal
