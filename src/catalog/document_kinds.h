// `gpupack validate`'s engine: tells what kind of document a file holds and checks it.
//
// A file is split into YAML documents (`---`); each document is summarised (top-level keys,
// apiVersion, kind) and handed to the first registered DocumentKind whose `matches` accepts it.
// A Kubernetes ConfigMap is opened: each `data` value is checked as a document of its own, at
// its real line in the file (the GPU operator's mig-parted ConfigMap, the device plugin's config
// map). New kinds (NodeTemplates, pod manifests, traces, scenarios) plug in with Add(); the
// detector itself never changes.
//
// Thread safety: Add() before use; CheckFile() is const and safe to call from several threads
// if the registered functions are.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/source_map.h"

namespace gpupack::gpu {
class GpuCatalog;
}  // namespace gpupack::gpu

namespace gpupack::catalog {

// What a detector sees of one document.
struct DocumentView {
  std::string source;     // file name for messages
  std::string text;       // the document's text
  int first_line = 1;     // 1-based file line where `text` starts
  std::string extension;  // of the file name, lower case, without the dot ("yaml", "csv")
  bool is_yaml_mapping = false;
  std::vector<std::string> top_level_keys;  // in file order (empty unless a mapping)
  std::string api_version;                  // `apiVersion`, when a scalar
  std::string kind;                         // `kind`, when a scalar
  std::string config_map_key;               // the data key, for a value inside a ConfigMap

  bool HasKey(std::string_view key) const;
};

struct DocumentKind {
  std::string name;  // "mig-parted config", shown to users
  std::function<bool(const DocumentView&)> matches;
  // Every problem of the document, with lines; parse errors are reported as issues too.
  std::function<std::vector<LocatedIssue>(const DocumentView&)> check;
};

struct FileReport {
  std::vector<std::string> kinds;  // kind of each document checked ("mig-parted config")
  std::vector<LocatedIssue> issues;

  bool ok() const { return !HasErrors(issues); }
};

class DocumentKindRegistry {
 public:
  void Add(DocumentKind kind);

  // Checks every document of a file. A document no kind matches is an error naming the kinds
  // that are known; inside a ConfigMap it is a note (ConfigMaps carry other data too), unless
  // no value of the ConfigMap is known at all.
  FileReport CheckFile(const std::string& source, std::string_view text) const;

  // Names of the registered kinds, in registration order.
  std::vector<std::string> KindNames() const;

 private:
  // Dispatches one document; returns false when no kind matched.
  bool CheckDocument(const DocumentView& view, FileReport& report) const;

  std::vector<DocumentKind> kinds_;
};

// Registers the NVIDIA interop kinds: mig-parted configs (documents with `mig-configs`) and
// device-plugin configs (documents with `sharing` or `flags`). With a catalog, mig-parted
// configs are also checked against it (gpu::CheckMigPartedAgainstCatalog); `catalog` must
// outlive the registry.
void AddNvidiaDocumentKinds(DocumentKindRegistry& registry, const gpu::GpuCatalog* catalog);

}  // namespace gpupack::catalog
