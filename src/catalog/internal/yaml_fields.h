// Typed, located access to yaml-cpp nodes for the Kubernetes-object and catalog readers.
//
// Every error names where it is: "<file>:<line>: <object>: <field path>: <problem>", e.g.
// "pods.yaml:14: Deployment/gpu-test-mig: spec.replicas: must be >= 0, got -1". Scalars that
// must be booleans or integers are rejected when quoted ("yes", "four"), as the apiserver's
// schema validation rejects them.
//
// yaml-cpp stays in src/catalog: include this header only from catalog sources.
//
// Thread safety: values; no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "cluster/scheduling.h"
#include "common/clock.h"
#include "common/error.h"

namespace gpupack::catalog::catalog_internal {

// 1-based line of `node` (0 when yaml-cpp has no mark for it).
int LineOf(const YAML::Node& node);

// Where fields are read: the file and the object ("Pod/web-0", "" before the name is known).
class Location {
 public:
  Location(std::string file, std::string object)
      : file_(std::move(file)), object_(std::move(object)) {}

  const std::string& file() const { return file_; }

  // InvalidArgument "<file>:<line of node>: <object>: <path>: <problem>".
  Error At(const YAML::Node& node, std::string_view path, std::string_view problem) const;

  // The same text, for warnings.
  std::string Message(const YAML::Node& node, std::string_view path,
                      std::string_view problem) const;

 private:
  std::string file_;
  std::string object_;
};

// Field readers. `parent` is a map; `key` a child; `path` the dotted path of the child for
// messages. An absent or null child gives nullopt (or an empty container); a present child of the
// wrong type is an error.
[[nodiscard]] Result<std::optional<std::string>> OptString(const Location& loc,
                                                           const YAML::Node& parent,
                                                           std::string_view key,
                                                           std::string_view path);
[[nodiscard]] Result<std::optional<int64_t>> OptInt(const Location& loc, const YAML::Node& parent,
                                                    std::string_view key, std::string_view path);
[[nodiscard]] Result<std::optional<double>> OptNumber(const Location& loc, const YAML::Node& parent,
                                                      std::string_view key, std::string_view path);
[[nodiscard]] Result<std::optional<bool>> OptBool(const Location& loc, const YAML::Node& parent,
                                                  std::string_view key, std::string_view path);
[[nodiscard]] Result<std::vector<std::string>> StringList(const Location& loc,
                                                          const YAML::Node& parent,
                                                          std::string_view key,
                                                          std::string_view path);
[[nodiscard]] Result<cluster::Labels> StringMap(const Location& loc, const YAML::Node& parent,
                                                std::string_view key, std::string_view path);

// The child `key` when it is a map (or absent/null: an undefined node); an error otherwise.
[[nodiscard]] Result<YAML::Node> OptMap(const Location& loc, const YAML::Node& parent,
                                        std::string_view key, std::string_view path);

// The child `key` when it is a sequence (or absent/null: an undefined node); an error otherwise.
[[nodiscard]] Result<YAML::Node> OptSeq(const Location& loc, const YAML::Node& parent,
                                        std::string_view key, std::string_view path);

// The child `key` as a list of taints ({key, value, effect}, as Node.spec.taints and
// NodeTemplate.spec.taints write them): key required, effect NoSchedule, PreferNoSchedule or
// NoExecute. Absent or null: none.
[[nodiscard]] Result<std::vector<cluster::Taint>> Taints(const Location& loc,
                                                         const YAML::Node& parent,
                                                         std::string_view key,
                                                         std::string_view path);

// Keys of map `node` that are not in `known`, each as a warning "<file>:<line>: <object>:
// unknown field <path>.<key>" appended to `warnings` (the apiserver's fieldValidation=Warn).
void WarnUnknownFields(const Location& loc, const YAML::Node& node, std::string_view path,
                       const std::vector<std::string_view>& known,
                       std::vector<std::string>& warnings);

// Parses every YAML document of `text` (JSON too); yaml-cpp exceptions become InvalidArgument
// "<file>:<line>: <problem>".
[[nodiscard]] Result<std::vector<YAML::Node>> ParseDocuments(std::string_view text,
                                                             std::string_view file);

}  // namespace gpupack::catalog::catalog_internal
