// Output formats shared by every command that prints data: `-o table|json|yaml`, like kubectl.
// Commands build one nlohmann::json document for json/yaml and a Table for people; this file
// turns them into text. YAML output is the same document as JSON, in block style.
//
// Thread safety: values and pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/error.h"

namespace gpupack::report {

enum class OutputFormat { kTable, kJson, kYaml };

// Parses "table", "json" or "yaml"; InvalidArgument naming the accepted values otherwise.
[[nodiscard]] Result<OutputFormat> ParseOutputFormat(std::string_view text);

// Two-space-indented JSON with a final newline.
std::string ToJsonText(const nlohmann::json& document);

// Block-style YAML with a final newline; strings that YAML would misread are quoted.
std::string ToYamlText(const nlohmann::json& document);

// What a command prints for `format`: `table_text` (already rendered for people) for kTable, else
// `document` as ToJsonText or ToYamlText.
std::string FormatOutput(OutputFormat format, std::string_view table_text,
                         const nlohmann::json& document);

// A plain text table with left-aligned columns separated by three spaces, headers in upper case
// as kubectl prints them.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // Adds a row; it must have as many cells as there are headers (missing cells print empty).
  void AddRow(std::vector<std::string> cells);

  size_t RowCount() const { return rows_.size(); }

  std::string ToText() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace gpupack::report
