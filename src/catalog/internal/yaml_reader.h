// yaml-cpp helpers shared by the catalog's parsers: loading without exceptions, typed scalar
// reads that fail with `file:line: path: message`, strict/lenient key checks, and recording each
// visited field's line in a SourceMap. Included only by src/catalog/*.cc (yaml-cpp stays here).
//
// Thread safety: a YamlReader is used by one thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "catalog/source_map.h"
#include "common/error.h"

namespace gpupack::catalog_internal {

class YamlReader {
 public:
  // `source` names the file in messages; `first_line` is the 1-based file line where `text`
  // starts (text embedded in a ConfigMap starts below its key).
  YamlReader(std::string source, int first_line, catalog::SourceMap* where)
      : source_(std::move(source)), first_line_(first_line), where_(where) {}

  // Parses `text`; InvalidArgument `file:line: invalid YAML: ...` on a syntax error.
  [[nodiscard]] Result<YAML::Node> Load(std::string_view text) const;

  // 1-based file line of `node` (0 if it has none).
  int Line(const YAML::Node& node) const;

  // `file:line: path: message` as an InvalidArgument error.
  tl::unexpected<Error> Fail(const YAML::Node& node, std::string_view path,
                             std::string_view message) const;

  // Records `<path>.<key>` at each key's line for every key of the mapping `node`, so that a
  // field is located at its key rather than at its value (which may start a line later).
  void RecordKeys(const YAML::Node& node, std::string_view path) const;

  // Records `path` at the line of `node` in the source map.
  void Record(const std::string& path, const YAML::Node& node) const;

  // Typed reads. Strings must be scalars; ints unquoted whole numbers; bools true/false.
  [[nodiscard]] Result<std::string> String(const YAML::Node& node, std::string_view path) const;
  [[nodiscard]] Result<int64_t> Int(const YAML::Node& node, std::string_view path) const;
  [[nodiscard]] Result<bool> Bool(const YAML::Node& node, std::string_view path) const;

  // Fails unless `node` is a mapping with unique scalar keys.
  [[nodiscard]] Status RequireMap(const YAML::Node& node, std::string_view path) const;

  // Fails naming the first key of `node` (a mapping) that is not in `allowed`.
  [[nodiscard]] Status RejectUnknownKeys(const YAML::Node& node, std::string_view path,
                                         const std::vector<std::string_view>& allowed) const;

  // Keys of `node` (a mapping) not in `allowed`, with their key nodes, in file order.
  std::vector<std::pair<std::string, YAML::Node>> UnknownKeys(
      const YAML::Node& node, const std::vector<std::string_view>& allowed) const;

  const std::string& source() const { return source_; }

 private:
  std::string source_;
  int first_line_;
  catalog::SourceMap* where_;
};

// A YAML double-quoted scalar ("a \"b\""), escaping quotes, backslashes and control characters.
std::string YamlQuoted(std::string_view text);

// `text` as a plain YAML scalar when it reads back as the same string (letters, digits, `-_./`
// and not a YAML keyword or number), else YamlQuoted.
std::string YamlScalar(std::string_view text);

// `a.b` (or `b` when `a` is empty).
std::string JoinPath(std::string_view parent, std::string_view child);

// 1-based file line where a block scalar's text starts, given the node holding it and the line
// its document starts at.
int BlockScalarFirstLine(const YAML::Node& node, int document_first_line);

}  // namespace gpupack::catalog_internal
