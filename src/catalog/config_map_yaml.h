// Kubernetes ConfigMaps that carry NVIDIA config files: the GPU operator's
// `default-mig-parted-config` (key `config.yaml` = a mig-parted file) and the device plugin's
// config map (one key per named config, each a device-plugin file). Reading keeps the file line
// each value starts at, so problems inside a value are reported at their real line.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace gpupack::catalog {

struct ConfigMapEntry {
  std::string key;
  std::string text;
  int first_line = 0;  // 1-based file line where `text` starts
  int key_line = 0;    // 1-based file line of the key
};

struct ConfigMapDocument {
  std::string name;
  std::string namespace_name;        // empty when not given
  std::vector<ConfigMapEntry> data;  // in file order
};

// True when `text` is a YAML mapping with `kind: ConfigMap` (false for anything else, including
// broken YAML).
bool IsConfigMap(std::string_view text);

// Parses a `v1` ConfigMap whose `data` values are strings. InvalidArgument `source:line: ...`
// otherwise. `binaryData` is rejected (NVIDIA's tools read only `data`).
[[nodiscard]] Result<ConfigMapDocument> ParseConfigMap(std::string_view text,
                                                       std::string_view source);

// A ConfigMap manifest with `data` keys in the given order, each value a literal block scalar.
std::string RenderConfigMap(std::string_view name, std::string_view namespace_name,
                            const std::vector<std::pair<std::string, std::string>>& data);

}  // namespace gpupack::catalog
