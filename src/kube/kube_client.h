// KubeClient: the seam between gpupack and a Kubernetes API server (STYLE.md section 4).
//
// HttpKubeClient (http_kube_client.h) speaks HTTPS to a real kube-apiserver; FakeKubeClient
// (fake_kube_client.h, library gp_kube_testing) keeps objects in memory for the controller's
// tests. Objects cross the seam as nlohmann::json documents in the API server's own shape; the
// informers (informer.h) turn them into compact structs.
//
// Errors: every call returns a Result whose Error is one line naming the verb, the resource and
// the object ("patch nodes ip-10-0-1-10: 422 Invalid: ..."). Codes: 404 -> NotFound,
// 409 AlreadyExists -> AlreadyExists, 409 Conflict -> Aborted (re-read and retry; see
// UpdateWithRetry), 410 Gone -> Aborted (the resourceVersion or continue token expired: re-list),
// 400/415/422 -> InvalidArgument (with the Status causes), 401/403 -> FailedPrecondition,
// 429/5xx/connection errors -> Unavailable once retries are spent.
//
// Thread safety: implementations are thread-safe; Watch blocks its caller and may run on its own
// thread beside other calls.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/error.h"
#include "kube/resource.h"

namespace gpupack::kube {

// Set from any thread to stop a blocking call (a watch, a retry wait) soon after.
class CancelToken {
 public:
  void Cancel() { cancelled_.store(true); }

  bool IsCancelled() const { return cancelled_.load(); }

 private:
  std::atomic<bool> cancelled_{false};
};

struct ListOptions {
  std::string namespace_name;  // empty: all namespaces (or a cluster-scoped resource)
  std::string label_selector;  // "a=b,c in (d)"
  std::string field_selector;  // "spec.nodeName="
  int64_t limit = 0;           // page size; 0: no paging
  std::string continue_token;  // from the previous page
  std::string resource_version;
};

struct ObjectList {
  std::vector<nlohmann::json> items;
  std::string resource_version;  // of the list, to start a watch from
  std::string continue_token;    // empty on the last page
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };

std::string_view WatchEventTypeName(WatchEventType type);

struct WatchEvent {
  WatchEventType type;
  const nlohmann::json& object;
  std::string_view resource_version;  // the object's metadata.resourceVersion
};

struct WatchOptions {
  std::string namespace_name;
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // start after this version; empty: "most recent"
  bool allow_bookmarks = true;
  int64_t timeout_seconds = 300;  // the server ends the stream after this
};

// How one watch connection ended.
struct WatchOutcome {
  enum class End {
    kClosed,   // the server ended the stream (timeoutSeconds) or the connection dropped:
               // reconnect from last_resource_version
    kExpired,  // 410 Gone (HTTP or an in-stream ERROR event): re-list
    kCancelled,
  };
  End end = End::kClosed;
  std::string last_resource_version;  // the newest version seen, bookmarks included
  int64_t events = 0;
  int64_t malformed_lines = 0;  // lines that were not a watch event; skipped
  std::string detail;           // why the stream ended, for the log
};

using WatchHandler = std::function<void(const WatchEvent& event)>;

enum class PatchType {
  kMerge,           // application/merge-patch+json (RFC 7386)
  kJson,            // application/json-patch+json (RFC 6902)
  kStrategicMerge,  // application/strategic-merge-patch+json (built-in kinds only; CRDs: 415)
  kApply,           // application/apply-patch+yaml (server-side apply; needs field_manager)
};

std::string_view PatchContentType(PatchType type);

struct WriteOptions {
  std::string field_manager;  // ?fieldManager=; required for kApply
  bool force = false;         // ?force=true; kApply only
  std::string subresource;    // "status" for the status subresource
  bool dry_run = false;       // ?dryRun=All
};

struct DeleteOptions {
  std::string precondition_uid;
  std::string precondition_resource_version;
  std::string propagation_policy;  // "Background", "Foreground", "Orphan" or empty
  std::optional<int64_t> grace_period_seconds;
};

class KubeClient {
 public:
  virtual ~KubeClient() = default;

  // GET a raw path ("/version", "/apis"): discovery and anything without a typed call.
  [[nodiscard]] virtual Result<nlohmann::json> GetPath(const std::string& path) = 0;

  [[nodiscard]] virtual Result<nlohmann::json> Get(const Resource& resource,
                                                   const ObjectKey& key) = 0;

  // One page. A 410 (expired continue token) is Aborted; ListAll restarts the list on it.
  [[nodiscard]] virtual Result<ObjectList> List(const Resource& resource,
                                                const ListOptions& options) = 0;

  // Opens a watch and calls `handler` for each event, in order, on the calling thread, until the
  // stream ends or `cancel` is set. Handlers must not throw.
  // ERROR events with code 410 end it with kExpired; other ERROR events end it with an error.
  // Malformed lines are counted and skipped. Blocks.
  [[nodiscard]] virtual Result<WatchOutcome> Watch(const Resource& resource,
                                                   const WatchOptions& options,
                                                   const WatchHandler& handler,
                                                   const CancelToken* cancel) = 0;

  // POST. `namespace_name` may be empty for cluster-scoped resources. Returns the created object.
  [[nodiscard]] virtual Result<nlohmann::json> Create(const Resource& resource,
                                                      const std::string& namespace_name,
                                                      const nlohmann::json& object,
                                                      const WriteOptions& options) = 0;

  // PUT the whole object (metadata.resourceVersion makes it conditional: 409 -> Aborted).
  [[nodiscard]] virtual Result<nlohmann::json> Update(const Resource& resource,
                                                      const nlohmann::json& object,
                                                      const WriteOptions& options) = 0;

  // PATCH with `body` as the given patch type (JSON for kMerge/kJson/kStrategicMerge, YAML or
  // JSON for kApply).
  [[nodiscard]] virtual Result<nlohmann::json> Patch(const Resource& resource, const ObjectKey& key,
                                                     PatchType type, const std::string& body,
                                                     const WriteOptions& options) = 0;

  // DELETE. Returns what the server returned: the object (pods, objects with finalizers) or a
  // Status (nodes).
  [[nodiscard]] virtual Result<nlohmann::json> Delete(const Resource& resource,
                                                      const ObjectKey& key,
                                                      const DeleteOptions& options) = 0;

  // POST pods/{name}/eviction (policy/v1). A PodDisruptionBudget refusal (429) is Unavailable
  // with the budget's message; it is not retried here (the caller decides when to try again).
  [[nodiscard]] virtual Status Evict(const ObjectKey& pod, const DeleteOptions& options) = 0;

  // POST pods/{name}/binding: what a scheduler does to place a pod.
  [[nodiscard]] virtual Status Bind(const ObjectKey& pod, const std::string& node_name) = 0;

  // Every page of a list (following continue tokens). If a continue token expires (410), the
  // list restarts from the beginning once.
  [[nodiscard]] Result<ObjectList> ListAll(const Resource& resource, ListOptions options);

  // Optimistic concurrency: GET the object, let `mutate` change it (return false for "no change
  // needed"), PUT it; on 409 Conflict read again and retry, up to `max_attempts`. Returns the
  // stored object. `mutate` errors are returned as they are.
  [[nodiscard]] Result<nlohmann::json> UpdateWithRetry(
      const Resource& resource, const ObjectKey& key,
      const std::function<Result<bool>(nlohmann::json& object)>& mutate,
      const WriteOptions& options = {}, int max_attempts = 5);
};

// The metadata.resourceVersion/name/namespace of an object; empty strings when absent.
std::string ResourceVersionOf(const nlohmann::json& object);
ObjectKey KeyOf(const nlohmann::json& object);

}  // namespace gpupack::kube
