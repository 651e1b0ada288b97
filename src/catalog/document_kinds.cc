#include "catalog/document_kinds.h"

#include <algorithm>
#include <cctype>

#include "catalog/config_map_yaml.h"
#include "catalog/device_plugin_yaml.h"
#include "catalog/internal/yaml_reader.h"
#include "catalog/mig_parted_yaml.h"
#include "gpu/mig_parted_check.h"

namespace gpupack::catalog {
namespace {

struct DocumentText {
  std::string_view text;
  int first_line = 1;
};

// Splits at lines that are exactly `---` (optionally followed by a space and a comment); empty
// documents are dropped.
std::vector<DocumentText> SplitDocuments(std::string_view text) {
  std::vector<DocumentText> documents;
  size_t start = 0;
  int start_line = 1;
  int line = 1;
  size_t position = 0;
  auto flush = [&](size_t end) {
    std::string_view document = text.substr(start, end - start);
    if (document.find_first_not_of(" \t\r\n") != std::string_view::npos) {
      documents.push_back({document, start_line});
    }
  };
  while (position <= text.size()) {
    size_t end = text.find('\n', position);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view current = text.substr(position, end - position);
    if (current == "---" || current.starts_with("--- ") || current == "---\r") {
      flush(position);
      start = std::min(end + 1, text.size());
      start_line = line + 1;
    }
    position = end + 1;
    ++line;
  }
  flush(text.size());
  return documents;
}

std::string Extension(const std::string& source) {
  size_t dot = source.find_last_of('.');
  size_t slash = source.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) {
    return "";
  }
  std::string extension = source.substr(dot + 1);
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

// Parsers fail with one `source:line: message` line; split it back into its parts so that it
// is printed like every other issue.
LocatedIssue ParseFailure(const Error& error, const std::string& source) {
  std::string_view message = error.message();
  int line = 0;
  if (message.starts_with(source + ":")) {
    message.remove_prefix(source.size() + 1);
    size_t digits = 0;
    while (digits < message.size() && message[digits] >= '0' && message[digits] <= '9') {
      line = line * 10 + (message[digits] - '0');
      ++digits;
    }
    if (digits > 0 && message.substr(digits).starts_with(":")) {
      message.remove_prefix(digits + 1);
    } else {
      line = 0;
    }
    while (message.starts_with(" ")) {
      message.remove_prefix(1);
    }
  }
  return {{gpu::Severity::kError, "", std::string(message)}, source, line};
}

// Fills the YAML summary of `view`; false (with an issue in `report`) when the YAML is broken.
bool Summarise(DocumentView& view, FileReport& report) {
  catalog_internal::YamlReader reader(view.source, view.first_line, nullptr);
  Result<YAML::Node> root = reader.Load(view.text);
  if (!root) {
    report.issues.push_back(ParseFailure(root.error(), view.source));
    return false;
  }
  try {
    if (root->IsMap()) {
      view.is_yaml_mapping = true;
      for (const auto& item : *root) {
        if (item.first.IsScalar()) {
          view.top_level_keys.push_back(item.first.Scalar());
        }
      }
      if (const YAML::Node api = (*root)["apiVersion"]; api && api.IsScalar()) {
        view.api_version = api.Scalar();
      }
      if (const YAML::Node kind = (*root)["kind"]; kind && kind.IsScalar()) {
        view.kind = kind.Scalar();
      }
    }
  } catch (const YAML::Exception& e) {
    report.issues.push_back({{gpu::Severity::kError, "", e.what()}, view.source, view.first_line});
    return false;
  }
  return true;
}

std::vector<LocatedIssue> CheckMigParted(const DocumentView& view, const gpu::GpuCatalog* catalog) {
  Result<ParsedMigParted> parsed = ParseMigPartedConfig(view.text, view.source, view.first_line);
  if (!parsed) {
    return {ParseFailure(parsed.error(), view.source)};
  }
  std::vector<gpu::ConfigIssue> issues = gpu::CheckMigPartedSpec(parsed->spec);
  if (catalog != nullptr) {
    for (gpu::ConfigIssue& issue : gpu::CheckMigPartedAgainstCatalog(parsed->spec, *catalog)) {
      issues.push_back(std::move(issue));
    }
  }
  return Locate(issues, parsed->where, view.source);
}

std::vector<LocatedIssue> CheckDevicePlugin(const DocumentView& view) {
  Result<ParsedDevicePluginConfig> parsed =
      ParseDevicePluginConfig(view.text, view.source, view.first_line);
  if (!parsed) {
    return {ParseFailure(parsed.error(), view.source)};
  }
  std::vector<gpu::ConfigIssue> issues = parsed->warnings;
  for (gpu::ConfigIssue& issue : gpu::CheckDevicePluginConfig(parsed->config)) {
    issues.push_back(std::move(issue));
  }
  return Locate(issues, parsed->where, view.source);
}

}  // namespace

bool DocumentView::HasKey(std::string_view key) const {
  return std::find(top_level_keys.begin(), top_level_keys.end(), key) != top_level_keys.end();
}

void DocumentKindRegistry::Add(DocumentKind kind) { kinds_.push_back(std::move(kind)); }

std::vector<std::string> DocumentKindRegistry::KindNames() const {
  std::vector<std::string> names;
  for (const DocumentKind& kind : kinds_) {
    names.push_back(kind.name);
  }
  return names;
}

bool DocumentKindRegistry::CheckDocument(const DocumentView& view, FileReport& report) const {
  for (const DocumentKind& kind : kinds_) {
    if (kind.matches(view)) {
      std::string name = kind.name;
      if (!view.config_map_key.empty()) {
        name += " (ConfigMap key " + view.config_map_key + ")";
      }
      report.kinds.push_back(std::move(name));
      for (LocatedIssue& issue : kind.check(view)) {
        report.issues.push_back(std::move(issue));
      }
      return true;
    }
  }
  return false;
}

FileReport DocumentKindRegistry::CheckFile(const std::string& source, std::string_view text) const {
  FileReport report;
  std::string known;
  for (const DocumentKind& kind : kinds_) {
    known += (known.empty() ? "" : ", ") + kind.name;
  }
  std::vector<DocumentText> documents = SplitDocuments(text);
  if (documents.empty()) {
    report.issues.push_back({{gpu::Severity::kError, "", "empty file"}, source, 0});
  }
  for (const DocumentText& document : documents) {
    DocumentView view;
    view.source = source;
    view.text = document.text;
    view.first_line = document.first_line;
    view.extension = Extension(source);
    if (!Summarise(view, report)) {
      continue;
    }
    if (view.kind == "ConfigMap") {
      Result<ConfigMapDocument> map = ParseConfigMap(document.text, source);
      if (!map) {
        report.issues.push_back(ParseFailure(map.error(), source));
        continue;
      }
      size_t matched = 0;
      std::vector<LocatedIssue> unknown;
      for (const ConfigMapEntry& entry : map->data) {
        DocumentView inner;
        inner.source = source;
        inner.text = entry.text;
        inner.first_line = entry.first_line + document.first_line - 1;
        inner.extension = Extension(entry.key);
        inner.config_map_key = entry.key;
        FileReport inner_report;
        if (!Summarise(inner, inner_report) || !CheckDocument(inner, inner_report)) {
          unknown.push_back({{gpu::Severity::kNote, "data." + entry.key,
                              "not a file gpupack knows (" + known + "); not checked"},
                             source,
                             entry.key_line + document.first_line - 1});
          continue;
        }
        ++matched;
        for (std::string& kind : inner_report.kinds) {
          report.kinds.push_back(std::move(kind));
        }
        for (LocatedIssue& issue : inner_report.issues) {
          report.issues.push_back(std::move(issue));
        }
      }
      if (matched == 0) {
        report.issues.push_back(
            {{gpu::Severity::kError, "",
              "ConfigMap " + map->name + " holds no file gpupack knows (" + known + ")"},
             source,
             document.first_line});
      }
      for (LocatedIssue& issue : unknown) {
        report.issues.push_back(std::move(issue));
      }
      continue;
    }
    if (!CheckDocument(view, report)) {
      report.issues.push_back(
          {{gpu::Severity::kError, "", "cannot tell what this document is (known: " + known + ")"},
           source,
           document.first_line});
    }
  }
  return report;
}

void AddNvidiaDocumentKinds(DocumentKindRegistry& registry, const gpu::GpuCatalog* catalog) {
  registry.Add({"mig-parted config",
                [](const DocumentView& view) { return view.HasKey("mig-configs"); },
                [catalog](const DocumentView& view) { return CheckMigParted(view, catalog); }});
  registry.Add({"device-plugin config",
                [](const DocumentView& view) {
                  return view.kind.empty() && (view.HasKey("sharing") || view.HasKey("flags"));
                },
                CheckDevicePlugin});
}

}  // namespace gpupack::catalog
