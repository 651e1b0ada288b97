// Problems found in an interop config (mig-parted, device-plugin) by the pure checks in this
// layer. A check names the offending field by a path ("sharing.timeSlicing.resources[0].replicas")
// and leaves line numbers to the parser, which recorded where each path sits in the file.
//
// Thread safety: values.
#pragma once

#include <string>
#include <string_view>

namespace gpupack::gpu {

enum class Severity {
  kError,    // NVIDIA's tool rejects the file, or it cannot do what the file asks
  kWarning,  // accepted, but part of it is ignored or never takes effect
  kNote,     // information only (e.g. a config for a GPU the catalog does not know)
};

// "error", "warning" or "note".
std::string_view SeverityName(Severity severity);

struct ConfigIssue {
  Severity severity = Severity::kError;
  std::string path;  // field path inside the document; empty for the whole document
  std::string message;

  bool operator==(const ConfigIssue&) const = default;
};

}  // namespace gpupack::gpu
