#include "kube/watch_line.h"

#include <utility>

namespace gpupack::kube {

WatchLine DecodeWatchLine(std::string_view text) {
  WatchLine line;
  if (text.empty() || text == "\r") {
    return line;
  }
  line.kind = WatchLine::Kind::kMalformed;
  nlohmann::json event;
  try {
    event = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    return line;
  }
  if (!event.is_object()) {
    return line;
  }
  auto type_it = event.find("type");
  auto object_it = event.find("object");
  if (type_it == event.end() || !type_it->is_string() || object_it == event.end() ||
      !object_it->is_object()) {
    return line;
  }
  const std::string& type = type_it->get_ref<const std::string&>();
  if (type == "ERROR") {
    auto code = object_it->find("code");
    line.code = code != object_it->end() && code->is_number_integer() ? code->get<long>() : 0;
    if (line.code == 410) {
      auto message = object_it->find("message");
      line.kind = WatchLine::Kind::kExpired;
      line.detail = message != object_it->end() && message->is_string()
                        ? message->get<std::string>()
                        : "410 Gone";
    } else {
      line.kind = WatchLine::Kind::kError;
      line.object = std::move(*object_it);
    }
    return line;
  }
  if (type == "ADDED") {
    line.type = WatchEventType::kAdded;
  } else if (type == "MODIFIED") {
    line.type = WatchEventType::kModified;
  } else if (type == "DELETED") {
    line.type = WatchEventType::kDeleted;
  } else if (type == "BOOKMARK") {
    line.type = WatchEventType::kBookmark;
  } else {
    return line;
  }
  line.kind = WatchLine::Kind::kEvent;
  line.resource_version = ResourceVersionOf(*object_it);
  line.object = std::move(*object_it);
  return line;
}

}  // namespace gpupack::kube
