// The plain CSV text the simulator's trace readers take (openb node and pod lists, published
// packing results, the pod CSV of workload/csv_trace.h): lines and comma-separated fields.
// No quoting: none of these formats quotes or escapes a field, so a comma always separates.
//
// Thread safety: LineReader is a value that one thread uses; SplitFields is a pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace gpupack::sim {

// `line` cut at every `separator`; one field more than separators (an empty line is one empty
// field). The views point into `line`.
std::vector<std::string_view> SplitFields(std::string_view line, char separator = ',');

// `text` line by line, numbered from 1, without the '\n' and a trailing '\r' (files written on
// Windows). Blank lines are returned too; callers skip what their format ignores.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}

  // The next line, or nullopt after the last one.
  std::optional<std::string_view> Next();

  // The number of the line Next() returned last (0 before the first).
  int64_t number() const { return number_; }

 private:
  std::string_view text_;
  size_t offset_ = 0;
  int64_t number_ = 0;
};

}  // namespace gpupack::sim
