#include "report/output.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace gpupack::report {
namespace {

// True for anything a YAML 1.1 or 1.2 loader might read back as a number: ints in any base
// (0x1F, 0o17, 0b101), sexagesimal (1:20), floats (1.5, 1e3, .5), .inf and .nan. Errs on the side
// of quoting (e.g. "1-2" is quoted too), which is always safe.
bool LooksLikeYamlNumber(std::string_view text) {
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    text.remove_prefix(1);
  }
  if (text.empty()) {
    return false;
  }
  for (std::string_view special : {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"}) {
    if (text == special) {
      return true;
    }
  }
  auto all_of = [](std::string_view digits, std::string_view allowed) {
    return !digits.empty() && digits.find_first_not_of(allowed) == std::string_view::npos;
  };
  if (text.size() > 2 && text[0] == '0') {
    std::string_view rest = text.substr(2);
    if ((text[1] == 'x' || text[1] == 'X') && all_of(rest, "0123456789abcdefABCDEF_")) {
      return true;
    }
    if ((text[1] == 'o' || text[1] == 'O') && all_of(rest, "01234567_")) {
      return true;
    }
    if ((text[1] == 'b' || text[1] == 'B') && all_of(rest, "01_")) {
      return true;
    }
  }
  bool starts_numeric = std::isdigit(static_cast<unsigned char>(text.front())) != 0 ||
                        (text.front() == '.' && text.size() > 1 &&
                         std::isdigit(static_cast<unsigned char>(text[1])) != 0);
  return starts_numeric && all_of(text, "0123456789_.:eE+-");
}

bool NeedsQuotes(const std::string& text) {
  if (text.empty()) {
    return true;
  }
  static const char* const kReserved[] = {
      "true", "false", "yes", "no",   "on",   "off",   "null", "~",  "True", "False", "Yes",
      "No",   "On",    "Off", "Null", "TRUE", "FALSE", "YES",  "NO", "ON",   "OFF",   "NULL"};
  for (const char* word : kReserved) {
    if (text == word) {
      return true;
    }
  }
  if (LooksLikeYamlNumber(text) || text == "y" || text == "Y" || text == "n" || text == "N") {
    return true;
  }
  if (std::string_view(":-?[]{},#&*!|>'\"%@`").find(text.front()) != std::string_view::npos ||
      std::isspace(static_cast<unsigned char>(text.front())) ||
      std::isspace(static_cast<unsigned char>(text.back()))) {
    return true;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n' || c == '\t' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
    if (c == ':' && (i + 1 == text.size() || text[i + 1] == ' ')) {
      return true;
    }
    if (c == '#' && i > 0 && text[i - 1] == ' ') {
      return true;
    }
  }
  return false;
}

std::string Scalar(const nlohmann::json& value) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    // JSON string syntax is valid YAML double-quoted syntax.
    return NeedsQuotes(text) ? nlohmann::json(text).dump() : text;
  }
  return value.dump();
}

bool IsEmptyContainer(const nlohmann::json& value) {
  return (value.is_object() || value.is_array()) && value.empty();
}

void EmitYaml(const nlohmann::json& value, int indent, std::string& out);

void EmitChild(const nlohmann::json& child, int indent, std::string& out) {
  if (IsEmptyContainer(child)) {
    out += child.is_object() ? " {}\n" : " []\n";
  } else if (child.is_object() || child.is_array()) {
    out += '\n';
    EmitYaml(child, child.is_array() ? indent : indent + 2, out);
  } else {
    out += ' ';
    out += Scalar(child);
    out += '\n';
  }
}

void EmitYaml(const nlohmann::json& value, int indent, std::string& out) {
  std::string pad(static_cast<size_t>(indent), ' ');
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      out += pad;
      out += NeedsQuotes(key) ? nlohmann::json(key).dump() : key;
      out += ':';
      EmitChild(child, indent, out);
    }
  } else if (value.is_array()) {
    for (const auto& child : value) {
      out += pad;
      out += "- ";
      if (child.is_object() && !child.empty()) {
        // First key on the dash line, the rest aligned under it.
        std::string nested;
        EmitYaml(child, indent + 2, nested);
        out += nested.substr(static_cast<size_t>(indent) + 2);
      } else if (child.is_array() && !child.empty()) {
        std::string nested;
        EmitYaml(child, indent + 2, nested);
        out += nested.substr(static_cast<size_t>(indent) + 2);
      } else if (IsEmptyContainer(child)) {
        out += child.is_object() ? "{}\n" : "[]\n";
      } else {
        out += Scalar(child);
        out += '\n';
      }
    }
  } else {
    out += pad;
    out += Scalar(value);
    out += '\n';
  }
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(std::string_view text) {
  if (text == "table" || text == "wide") {
    return OutputFormat::kTable;
  }
  if (text == "json") {
    return OutputFormat::kJson;
  }
  if (text == "yaml") {
    return OutputFormat::kYaml;
  }
  return InvalidArgumentError(
      fmt::format("unknown output format \"{}\" (use table, json or yaml)", text));
}

std::string ToJsonText(const nlohmann::json& document) { return document.dump(2) + "\n"; }

std::string FormatOutput(OutputFormat format, std::string_view table_text,
                         const nlohmann::json& document) {
  switch (format) {
    case OutputFormat::kJson:
      return ToJsonText(document);
    case OutputFormat::kYaml:
      return ToYamlText(document);
    case OutputFormat::kTable:
      break;
  }
  return std::string(table_text);
}

std::string ToYamlText(const nlohmann::json& document) {
  std::string out;
  if (IsEmptyContainer(document)) {
    return document.is_object() ? "{}\n" : "[]\n";
  }
  EmitYaml(document, 0, out);
  return out;
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::ToText() const {
  std::vector<size_t> widths(headers_.size(), 0);
  for (size_t i = 0; i < headers_.size(); ++i) {
    widths[i] = headers_[i].size();
  }
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& cells, bool upper) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      std::string cell = cells[i];
      if (upper) {
        std::transform(cell.begin(), cell.end(), cell.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      }
      line += cell;
      if (i + 1 < cells.size()) {
        line.append(widths[i] - cell.size() + 3, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out += line;
    out += '\n';
  };
  emit(headers_, true);
  for (const auto& row : rows_) {
    emit(row, false);
  }
  return out;
}

}  // namespace gpupack::report
