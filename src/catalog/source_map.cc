#include "catalog/source_map.h"

namespace gpupack::catalog {

void SourceMap::Record(std::string path, int line) { lines_.emplace(std::move(path), line); }

int SourceMap::LineOf(std::string_view path) const {
  while (true) {
    if (auto it = lines_.find(path); it != lines_.end()) {
      return it->second;
    }
    size_t cut = path.find_last_of(".[");
    if (cut == std::string_view::npos || cut == 0) {
      break;
    }
    path = path.substr(0, cut);
  }
  if (auto it = lines_.find(std::string_view()); it != lines_.end()) {
    return it->second;
  }
  return 0;
}

std::vector<LocatedIssue> Locate(const std::vector<gpu::ConfigIssue>& issues,
                                 const SourceMap& where, std::string_view source) {
  std::vector<LocatedIssue> located;
  located.reserve(issues.size());
  for (const gpu::ConfigIssue& issue : issues) {
    located.push_back({issue, std::string(source), where.LineOf(issue.path)});
  }
  return located;
}

std::string FormatIssue(const LocatedIssue& located) {
  std::string text = located.source;
  if (located.line > 0) {
    text += ":" + std::to_string(located.line);
  }
  text += ": ";
  text += gpu::SeverityName(located.issue.severity);
  text += ": ";
  if (!located.issue.path.empty()) {
    text += located.issue.path + ": ";
  }
  text += located.issue.message;
  return text;
}

bool HasErrors(const std::vector<LocatedIssue>& issues) {
  for (const LocatedIssue& located : issues) {
    if (located.issue.severity == gpu::Severity::kError) {
      return true;
    }
  }
  return false;
}

}  // namespace gpupack::catalog
