#include "sim/trace/csv_text.h"

namespace gpupack::sim {

std::vector<std::string_view> SplitFields(std::string_view line, char separator) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t end = line.find(separator, start);
    if (end == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, end - start));
    start = end + 1;
  }
}

std::optional<std::string_view> LineReader::Next() {
  if (offset_ >= text_.size()) {
    return std::nullopt;
  }
  size_t end = text_.find('\n', offset_);
  if (end == std::string_view::npos) {
    end = text_.size();
  }
  std::string_view line = text_.substr(offset_, end - offset_);
  offset_ = end + 1;
  ++number_;
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return line;
}

}  // namespace gpupack::sim
