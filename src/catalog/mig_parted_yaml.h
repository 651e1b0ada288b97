// Reads and writes mig-parted config files (gpu/mig_parted_spec.h) with mig-parted's own rules:
// unknown keys are errors, `version` is required and must be v1, `mig-enabled` is required,
// `mig-devices` is required when MIG is enabled, profile keys must be MIG profile names and
// device-filter ids PCI ids. The writer produces text NVIDIA's tool reads, in the layout of
// NVIDIA's shipped files (quoted profile keys, flow-style device-filter lists).
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "catalog/source_map.h"
#include "common/error.h"
#include "gpu/mig_parted_spec.h"

namespace gpupack::catalog {

struct ParsedMigParted {
  gpu::MigPartedSpec spec;
  SourceMap where;  // paths as in gpu::CheckMigPartedSpec
};

// Parses a mig-parted config. `source` names the file in messages; `first_line` is the file line
// `text` starts at (when it is embedded in a ConfigMap). Structural problems (YAML syntax, wrong
// types, unknown keys, missing required keys, bad profile names or PCI ids) fail with one
// InvalidArgument line `source:line: path: message`; the value rules of
// gpu::CheckMigPartedSpec are left to the caller, who can locate them with `where`.
[[nodiscard]] Result<ParsedMigParted> ParseMigPartedConfig(std::string_view text,
                                                           std::string_view source,
                                                           int first_line = 1);

// The config file text (`version: v1`, configs sorted by name).
std::string RenderMigPartedConfig(const gpu::MigPartedSpec& spec);

}  // namespace gpupack::catalog
