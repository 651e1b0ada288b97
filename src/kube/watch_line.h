// One line of a watch stream decoded: the API server sends newline-delimited JSON WatchEvents
// ({"type": "ADDED", "object": {...}}), and an in-stream ERROR event carries a Status (410 Gone
// when the resource version is too old). HttpKubeClient::Watch feeds every line through
// DecodeWatchLine; it is a function of its own so it can be tested and fuzzed without a server.
//
// Thread safety: a pure function.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kube/kube_client.h"

namespace gpupack::kube {

struct WatchLine {
  enum class Kind {
    kBlank,      // an empty line (keep-alive); skipped
    kMalformed,  // not JSON, or not a watch event; counted and skipped
    kEvent,      // ADDED, MODIFIED, DELETED or BOOKMARK
    kExpired,    // an ERROR event with code 410: re-list
    kError,      // any other ERROR event: the stream fails
  };
  Kind kind = Kind::kBlank;
  WatchEventType type = WatchEventType::kAdded;  // kEvent
  nlohmann::json object;                         // kEvent: the object; kError: the Status
  std::string resource_version;                  // kEvent: the object's, may be empty
  long code = 0;                                 // kError: the Status code
  std::string detail;                            // kExpired: the Status message
};

WatchLine DecodeWatchLine(std::string_view line);

}  // namespace gpupack::kube
