// Where each field of a parsed document sits in its file, so that problems found later by the
// pure checks in src/gpu (which name fields by path) can be reported as `file:line: message`.
//
// Thread safety: values.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/config_issue.h"

namespace gpupack::catalog {

class SourceMap {
 public:
  // Records that `path` starts at 1-based `line`; the first record of a path wins.
  void Record(std::string path, int line);

  // The line of `path`, or of the longest recorded prefix of it (cut at `.` or `[`); 0 when
  // nothing matches.
  int LineOf(std::string_view path) const;

 private:
  std::map<std::string, int, std::less<>> lines_;
};

// A problem with the file position it refers to.
struct LocatedIssue {
  gpu::ConfigIssue issue;
  std::string source;  // file name as given by the user
  int line = 0;        // 1-based; 0 when unknown

  bool operator==(const LocatedIssue&) const = default;
};

// Attaches lines from `where` to each issue.
std::vector<LocatedIssue> Locate(const std::vector<gpu::ConfigIssue>& issues,
                                 const SourceMap& where, std::string_view source);

// `file:line: error: <path>: message`; `file: error: ...` when the line is unknown and without
// `<path>: ` when the issue concerns the whole document.
std::string FormatIssue(const LocatedIssue& located);

// True when any issue is an error.
bool HasErrors(const std::vector<LocatedIssue>& issues);

}  // namespace gpupack::catalog
