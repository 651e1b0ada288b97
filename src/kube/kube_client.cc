#include "kube/kube_client.h"

#include <nlohmann/json.hpp>

namespace gpupack::kube {

std::string_view WatchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
  }
  return "UNKNOWN";
}

std::string_view PatchContentType(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::kApply:
      return "application/apply-patch+yaml";
  }
  return "application/json";
}

namespace {

// Looks up through the underlying std::map: g++ 12 at -O2 reports a false null dereference in
// nlohmann's own const iterators when they are inlined here.
std::string StringAt(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) {
    return {};
  }
  const auto& members = object.get_ref<const nlohmann::json::object_t&>();
  auto metadata = members.find("metadata");
  if (metadata == members.end() || !metadata->second.is_object()) {
    return {};
  }
  const auto& fields = metadata->second.get_ref<const nlohmann::json::object_t&>();
  auto value = fields.find(field);
  return value != fields.end() && value->second.is_string() ? value->second.get<std::string>()
                                                            : std::string();
}

}  // namespace

std::string ResourceVersionOf(const nlohmann::json& object) {
  return StringAt(object, "resourceVersion");
}

ObjectKey KeyOf(const nlohmann::json& object) {
  return ObjectKey{StringAt(object, "namespace"), StringAt(object, "name")};
}

Result<ObjectList> KubeClient::ListAll(const Resource& resource, ListOptions options) {
  const ListOptions first_page = options;
  bool restarted = false;
  ObjectList all;
  while (true) {
    Result<ObjectList> page = List(resource, options);
    if (!page && page.error().code() == ErrorCode::kAborted && !options.continue_token.empty() &&
        !restarted) {
      // The continue token expired (410): the snapshot it pointed into is gone. Start over.
      restarted = true;
      options = first_page;
      all = ObjectList{};
      continue;
    }
    if (!page) {
      return tl::unexpected(page.error());
    }
    for (auto& item : page->items) {
      all.items.push_back(std::move(item));
    }
    if (all.resource_version.empty()) {
      // Every page of one list shares the first page's snapshot version.
      all.resource_version = page->resource_version;
    }
    if (page->continue_token.empty()) {
      return all;
    }
    options.continue_token = page->continue_token;
  }
}

Result<nlohmann::json> KubeClient::UpdateWithRetry(
    const Resource& resource, const ObjectKey& key,
    const std::function<Result<bool>(nlohmann::json& object)>& mutate, const WriteOptions& options,
    int max_attempts) {
  Error last_conflict = Error(ErrorCode::kAborted, "no attempt made");
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    GP_ASSIGN_OR_RETURN(nlohmann::json object, Get(resource, key));
    GP_ASSIGN_OR_RETURN(bool changed, mutate(object));
    if (!changed) {
      return object;
    }
    Result<nlohmann::json> stored = Update(resource, object, options);
    if (stored || stored.error().code() != ErrorCode::kAborted) {
      return stored;
    }
    last_conflict = stored.error();
  }
  return AbortedError(last_conflict.message() + " (gave up after " + std::to_string(max_attempts) +
                      " conflicting updates)");
}

}  // namespace gpupack::kube
