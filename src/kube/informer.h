// Informer<T>: a list+watch cache of one resource, as client-go's reflector and store, holding
// compact objects (objects.h) by namespace/name with their resourceVersion.
//
// Life cycle (Run does all of it; tests drive the steps one by one):
// 1. Resync(): a paged list (ListAll); the cache is replaced and the difference to what was there
//    is reported as add/update/delete events (so a re-list after 410 Gone emits deletes for
//    objects that vanished while the watch was down).
// 2. WatchOnce(): one watch from the cache's resourceVersion. ADDED/MODIFIED/DELETED update the
//    cache and call the handlers; BOOKMARKs only move the resourceVersion. A dropped connection
//    or a server timeout ends it (reconnect from the last version); 410 Gone (HTTP or an
//    in-stream ERROR) marks the cache for a re-list.
// Malformed event lines and objects that do not decode are counted and skipped, never fatal.
//
// Handlers run on the thread that calls Run/Resync/WatchOnce, after the cache is updated and
// with no lock held, so they may read the informer.
//
// Thread safety: the read methods (Get, List, ForEach, Size, ...) are safe from any thread while
// one thread runs the informer. Instantiated for NodeObject, PodObject and GenericObject.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/error.h"
#include "kube/kube_client.h"
#include "kube/objects.h"
#include "kube/resource.h"
#include "kube/sleeper.h"

namespace gpupack::kube {

template <class T>
using Decoder = Result<T> (*)(const nlohmann::json& object);

template <class T>
struct InformerHandlers {
  std::function<void(const T& object)> on_add;
  std::function<void(const T& old_object, const T& new_object)> on_update;
  std::function<void(const T& object)> on_delete;
};

struct InformerOptions {
  std::string namespace_name;  // empty: all namespaces
  std::string label_selector;
  std::string field_selector;
  int64_t page_size = 500;
  int64_t watch_timeout_seconds = 300;
  Duration initial_backoff = std::chrono::milliseconds(500);  // after a failed list or watch
  Duration max_backoff = std::chrono::seconds(30);
};

struct InformerStats {
  int64_t lists = 0;  // successful Resyncs
  int64_t relists_after_gone = 0;
  int64_t watches = 0;  // watch connections opened
  int64_t events = 0;   // ADDED/MODIFIED/DELETED applied
  int64_t bookmarks = 0;
  int64_t malformed_lines = 0;
  int64_t decode_errors = 0;
  int64_t failures = 0;  // failed lists or watches (each followed by a backoff)
};

template <class T>
class Informer {
 public:
  // `client` and `sleeper` are borrowed and must outlive the informer.
  Informer(KubeClient& client, Resource resource, Decoder<T> decode, InformerOptions options,
           Sleeper& sleeper);

  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Set before running.
  void SetHandlers(InformerHandlers<T> handlers) { handlers_ = std::move(handlers); }

  // Lists every page and replaces the cache (events for the difference). On error the cache is
  // unchanged.
  [[nodiscard]] Status Resync();

  // One watch connection from the current resourceVersion (Resync first if never synced).
  // Returns how it ended; kExpired means the next call re-lists first.
  [[nodiscard]] Result<WatchOutcome> WatchOnce(const CancelToken* cancel);

  // Resync, then watch and reconnect until `cancel` is set; re-lists after 410, backs off
  // (exponentially, through the Sleeper) after failures. Returns when cancelled.
  void Run(const CancelToken& cancel);

  // Reads: copies, so the caller holds no lock.
  std::optional<T> Get(const ObjectKey& key) const;
  std::vector<T> List() const;  // sorted by namespace/name
  // Visits every object under the lock, sorted by namespace/name; `visit` must not call back
  // into this informer.
  void ForEach(const std::function<void(const T& object)>& visit) const;
  size_t Size() const;
  bool HasSynced() const;
  std::string ResourceVersion() const;
  InformerStats Stats() const;

  const Resource& resource() const { return resource_; }

 private:
  void Apply(const WatchEvent& event);

  KubeClient& client_;
  const Resource resource_;
  const Decoder<T> decode_;
  const InformerOptions options_;
  Sleeper& sleeper_;
  InformerHandlers<T> handlers_;
  bool needs_list_ = true;  // touched only by the running thread

  mutable std::mutex mu_;
  std::map<ObjectKey, T> objects_;  // guarded by mu_
  std::string resource_version_;    // guarded by mu_
  bool synced_ = false;             // guarded by mu_
  InformerStats stats_;             // guarded by mu_
};

using NodeInformer = Informer<NodeObject>;
using PodInformer = Informer<PodObject>;
using GenericInformer = Informer<GenericObject>;

// Informers over the resources gpupack watches, with their decoders.
std::unique_ptr<NodeInformer> MakeNodeInformer(KubeClient& client, InformerOptions options,
                                               Sleeper& sleeper);
std::unique_ptr<PodInformer> MakePodInformer(KubeClient& client, InformerOptions options,
                                             Sleeper& sleeper);
std::unique_ptr<GenericInformer> MakeGenericInformer(KubeClient& client, Resource resource,
                                                     InformerOptions options, Sleeper& sleeper);

extern template class Informer<NodeObject>;
extern template class Informer<PodObject>;
extern template class Informer<GenericObject>;

}  // namespace gpupack::kube
