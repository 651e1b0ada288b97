#include "catalog/internal/yaml_reader.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "catalog/internal/yaml_guard.h"

namespace gpupack::catalog_internal {

Result<YAML::Node> YamlReader::Load(std::string_view text) const {
  try {
    std::string copy(text);
    catalog::catalog_internal::GuardYamlParse(copy);
    return YAML::Load(copy);
  } catch (const YAML::Exception& e) {
    int line = e.mark.is_null() ? 0 : e.mark.line + first_line_;
    std::string where = source_;
    if (line > 0) {
      where += ":" + std::to_string(line);
    }
    return InvalidArgumentError(where + ": invalid YAML: " + e.msg);
  }
}

int YamlReader::Line(const YAML::Node& node) const {
  if (!node.IsDefined()) {
    return 0;
  }
  YAML::Mark mark = node.Mark();
  if (mark.is_null()) {
    return 0;
  }
  return mark.line + first_line_;
}

tl::unexpected<Error> YamlReader::Fail(const YAML::Node& node, std::string_view path,
                                       std::string_view message) const {
  std::string text = source_;
  if (int line = Line(node); line > 0) {
    text += ":" + std::to_string(line);
  }
  text += ": ";
  if (!path.empty()) {
    text += std::string(path) + ": ";
  }
  text += message;
  return InvalidArgumentError(std::move(text));
}

void YamlReader::Record(const std::string& path, const YAML::Node& node) const {
  if (where_ != nullptr) {
    if (int line = Line(node); line > 0) {
      where_->Record(path, line);
    }
  }
}

void YamlReader::RecordKeys(const YAML::Node& node, std::string_view path) const {
  if (!node.IsMap()) {
    return;
  }
  for (const auto& entry : node) {
    if (entry.first.IsScalar()) {
      Record(JoinPath(path, entry.first.Scalar()), entry.first);
    }
  }
}

Result<std::string> YamlReader::String(const YAML::Node& node, std::string_view path) const {
  if (!node.IsScalar()) {
    return Fail(node, path, "expected a string");
  }
  return node.Scalar();
}

Result<int64_t> YamlReader::Int(const YAML::Node& node, std::string_view path) const {
  if (!node.IsScalar() || node.Tag() == "!") {
    return Fail(node, path, "expected a whole number");
  }
  int64_t value = 0;
  if (!YAML::convert<int64_t>::decode(node, value)) {
    return Fail(node, path, "expected a whole number, got \"" + node.Scalar() + "\"");
  }
  return value;
}

Result<bool> YamlReader::Bool(const YAML::Node& node, std::string_view path) const {
  if (node.IsScalar() && node.Tag() != "!") {
    if (node.Scalar() == "true") {
      return true;
    }
    if (node.Scalar() == "false") {
      return false;
    }
  }
  return Fail(node, path, "expected true or false");
}

Status YamlReader::RequireMap(const YAML::Node& node, std::string_view path) const {
  if (!node.IsMap()) {
    return Fail(node, path, "expected a mapping");
  }
  std::set<std::string> seen;
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) {
      return Fail(entry.first, path, "keys must be strings");
    }
    if (!seen.insert(entry.first.Scalar()).second) {
      return Fail(entry.first, JoinPath(path, entry.first.Scalar()),
                  "key \"" + entry.first.Scalar() + "\" is given twice");
    }
  }
  return OkStatus();
}

std::vector<std::pair<std::string, YAML::Node>> YamlReader::UnknownKeys(
    const YAML::Node& node, const std::vector<std::string_view>& allowed) const {
  std::vector<std::pair<std::string, YAML::Node>> unknown;
  for (const auto& entry : node) {
    const std::string& key = entry.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      unknown.emplace_back(key, entry.first);
    }
  }
  return unknown;
}

Status YamlReader::RejectUnknownKeys(const YAML::Node& node, std::string_view path,
                                     const std::vector<std::string_view>& allowed) const {
  auto unknown = UnknownKeys(node, allowed);
  if (!unknown.empty()) {
    return Fail(unknown.front().second, JoinPath(path, unknown.front().first),
                "unknown field \"" + unknown.front().first + "\"");
  }
  return OkStatus();
}

std::string YamlQuoted(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned>(c));
      quoted += escape;
    } else {
      quoted += c;
    }
  }
  return quoted + "\"";
}

std::string YamlScalar(std::string_view text) {
  bool plain = !text.empty();
  for (char c : text) {
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '/');
  }
  if (plain) {
    // Keywords, and anything starting like a number or an indicator, would read differently.
    static constexpr std::string_view kKeywords[] = {"true", "false", "null", "yes", "no",
                                                     "on",   "off",   "y",    "n",   "~"};
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (std::string_view keyword : kKeywords) {
      plain = plain && lower != keyword;
    }
    const char first = text.front();
    plain = plain && first != '-' && first != '.' && !(first >= '0' && first <= '9');
  }
  return plain ? std::string(text) : YamlQuoted(text);
}

std::string JoinPath(std::string_view parent, std::string_view child) {
  if (parent.empty()) {
    return std::string(child);
  }
  return std::string(parent) + "." + std::string(child);
}

int BlockScalarFirstLine(const YAML::Node& node, int document_first_line) {
  if (!node.IsDefined() || node.Mark().is_null()) {
    return document_first_line;
  }
  // yaml-cpp marks a block scalar at its indicator (`|`, `|-`); the text starts on the next line.
  // A one-line value may be written inline, on the key's own line.
  const bool block = node.IsScalar() && node.Scalar().find('\n') != std::string::npos;
  return node.Mark().line + document_first_line + (block ? 1 : 0);
}

}  // namespace gpupack::catalog_internal
