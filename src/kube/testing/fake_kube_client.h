// FakeKubeClient: an in-memory API server behind the KubeClient seam, for the controller's and
// informers' tests and benchmarks. Objects live per resource, keyed by namespace/name; every
// write bumps one global resourceVersion and appends a watch event, so Watch replays exactly
// what happened after a given version (then ends as a server timeout would). Compact() drops
// the history, so older watches end kExpired, as a real 410 does.
//
// Pods are indexed by spec.nodeName, as the API server's watch cache indexes them, so a list with
// fieldSelector spec.nodeName=<node> (the kubelet's, the scheduler's node re-check) costs the
// pods on that node, not all pods.
//
// Simplifications, on purpose: label selectors support `key=value` terms only, field selectors
// only `spec.nodeName=<v>` and `metadata.name=<v>`; strategic merge patches are applied as JSON
// merge patches (lists replaced, not merged by key); server-side apply takes a JSON body and
// merges it (no field ownership, no conflicts); no admission, defaulting or validation.
//
// Thread safety: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/kube_client.h"

namespace gpupack::kube::testing {

class FakeKubeClient final : public KubeClient {
 public:
  // Stores `object` as if created (uid and resourceVersion assigned), emitting ADDED.
  void Seed(const Resource& resource, nlohmann::json object);

  // The stored object, or nullopt.
  std::optional<nlohmann::json> Peek(const Resource& resource, const ObjectKey& key) const;

  // The next call whose description starts with `prefix` ("update nodes", "evict pod") fails
  // with `error` instead of running.
  void FailNext(const std::string& prefix, Error error);

  // Forgets the event history: watches from older versions end kExpired.
  void Compact();

  // The newest resourceVersion handed out, and the one history was compacted through (watches
  // from versions older than it end kExpired); LoopbackApiServer reads them for bookmarks and
  // expired continue tokens.
  int64_t ResourceVersion() const;
  int64_t CompactedThrough() const;

  // Every call made, as "<verb> <resource> <object>", in order.
  std::vector<std::string> Calls() const;

  [[nodiscard]] Result<nlohmann::json> GetPath(const std::string& path) override;
  [[nodiscard]] Result<nlohmann::json> Get(const Resource& resource, const ObjectKey& key) override;
  [[nodiscard]] Result<ObjectList> List(const Resource& resource,
                                        const ListOptions& options) override;
  [[nodiscard]] Result<WatchOutcome> Watch(const Resource& resource, const WatchOptions& options,
                                           const WatchHandler& handler,
                                           const CancelToken* cancel) override;
  [[nodiscard]] Result<nlohmann::json> Create(const Resource& resource,
                                              const std::string& namespace_name,
                                              const nlohmann::json& object,
                                              const WriteOptions& options) override;
  [[nodiscard]] Result<nlohmann::json> Update(const Resource& resource,
                                              const nlohmann::json& object,
                                              const WriteOptions& options) override;
  [[nodiscard]] Result<nlohmann::json> Patch(const Resource& resource, const ObjectKey& key,
                                             PatchType type, const std::string& body,
                                             const WriteOptions& options) override;
  [[nodiscard]] Result<nlohmann::json> Delete(const Resource& resource, const ObjectKey& key,
                                              const DeleteOptions& options) override;
  [[nodiscard]] Status Evict(const ObjectKey& pod, const DeleteOptions& options) override;
  [[nodiscard]] Status Bind(const ObjectKey& pod, const std::string& node_name) override;

 private:
  struct Event {
    std::string resource;
    WatchEventType type;
    nlohmann::json object;
    int64_t version;
  };

  using ObjectMap = std::map<ObjectKey, nlohmann::json>;

  // Records the call; returns the scripted failure for it, if any.
  std::optional<Error> Begin(const std::string& what);
  // Stamps a new resourceVersion on `object`, logs the event and keeps the pod index current.
  void Emit(const Resource& resource, WatchEventType type, nlohmann::json& object);
  // The keys a list must visit, in order: every key of `store`, or for a pods list selecting
  // spec.nodeName=<node> only that node's pods.
  std::vector<ObjectKey> Candidates(const Resource& resource, const ObjectMap& store,
                                    const std::string& field_selector) const;

  mutable std::mutex mu_;
  std::map<std::string, ObjectMap> stores_;  // by Resource::DisplayName; guarded by mu_
  std::vector<Event> events_;                // guarded by mu_
  int64_t version_ = 100;                    // guarded by mu_
  int64_t compacted_through_ = 0;            // guarded by mu_
  int64_t next_uid_ = 1;                     // guarded by mu_
  std::map<std::string, std::set<ObjectKey>> pods_by_node_;  // guarded by mu_
  std::map<ObjectKey, std::string> node_of_pod_;             // guarded by mu_
  std::vector<std::string> calls_;                           // guarded by mu_
  std::vector<std::pair<std::string, Error>> failures_;      // guarded by mu_
};

}  // namespace gpupack::kube::testing
