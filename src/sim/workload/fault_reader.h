// Reads fault injection plans (sim/faults.h) from YAML: a faults file for `gpupack simulate
// --faults FILE` (a mapping with one key, `faults`), or a scenario's `faults:` section. Both are
// a list of entries:
//
//   faults:
//     - kind: spot-storm               # 30% of the Spot nodes within 5 minutes
//       from: 2h
//       for: 5m
//       fraction: 0.3
//     - kind: insufficient-capacity    # a whole family, or one offering
//       from: 1h
//       until: 3h
//       instanceTypes: ["p4d.*"]
//       capacityType: spot             # optional
//       zone: us-east-1a               # optional
//     - kind: launch-never-ready       # or mig-failure, device-plugin-shortfall
//       probability: 0.2
//       missing: 2                     # device-plugin-shortfall only (default 1)
//
// `from` defaults to 0 and the window to the end of the run (`until` or `for`, not both; a
// spot-storm needs one). Durations as in scenario files (90s, 30m, 2h). Every error is one line
// "<file>:<line>: faults[<i>].<field>: <problem>"; unknown fields are errors.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "sim/faults.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace gpupack::catalog_internal {
class YamlReader;
}  // namespace gpupack::catalog_internal

namespace gpupack::sim {

// Parses a faults file; `path` names it in errors.
[[nodiscard]] Result<std::vector<Fault>> ParseFaultsFile(std::string_view text,
                                                         const std::string& path);

// ReadFile + ParseFaultsFile.
[[nodiscard]] Result<std::vector<Fault>> LoadFaultsFile(const std::string& path);

// The list under `faults` (the node of that key), read through `reader` (the scenario's).
[[nodiscard]] Result<std::vector<Fault>> ReadFaultList(const catalog_internal::YamlReader& reader,
                                                       const YAML::Node& list);

}  // namespace gpupack::sim
