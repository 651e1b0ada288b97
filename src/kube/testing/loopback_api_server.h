// LoopbackApiServer: a stateful Kubernetes API server on loopback HTTPS for tests and benchmarks.
// ReplayServer (replay_server.h) answers fixed captures; this one keeps state: it routes the real
// REST paths to a FakeKubeClient, so objects, resourceVersions, watch history, compaction (410)
// and conflicts behave exactly as that fake does, while the client under test speaks real HTTP,
// TLS and bearer tokens to it (HttpKubeClient, informers, the controller, the scheduler).
//
// Routes (core /api/v1/... and /apis/<group>/<version>/..., namespaced and cluster-scoped):
//   GET    collection       list: labelSelector, fieldSelector (the fake's subset), limit and
//                           continue (a token that expires, 410 Expired, once the fake is
//                           compacted past the list's resourceVersion)
//   GET    collection?watch=1  a chunked stream, one JSON event per line: from resourceVersion
//                           (empty or "0": synthetic ADDED events for what exists first), then
//                           new events as they happen, a BOOKMARK every bookmark_interval when
//                           allowWatchBookmarks, until timeoutSeconds; a version older than the
//                           compaction gets the in-stream ERROR event with a 410 Status
//   GET    object[/status]  POST collection (create)   PUT object[/status] (update)
//   PATCH  object[/status]  by Content-Type: merge, json, strategic-merge (415 on custom
//                           resources, as the real server), apply (needs fieldManager: 422)
//   DELETE object           POST pods/<name>/binding   POST pods/<name>/eviction
//   GET    /version
// Errors are the real server's Status objects (kind Status, reason, code, details) with the
// real codes and messages: 404 NotFound, 409 AlreadyExists, 409 Conflict (stale
// resourceVersion, pod already bound, delete precondition), 410 Expired, 415, 422 Invalid,
// 429 TooManyRequests for an eviction the fake was told to refuse (a PodDisruptionBudget; use
// fake().FailNext("evict pod <ns>/<name>", UnavailableError(...))), 401 for a wrong token.
//
// Fault hooks for chaos tests: fail the next N requests whose "METHOD path" starts with a prefix
// with a 500 or a 429 + Retry-After; delay answers; cut watch streams after N events (the
// connection drops without the final chunk, as a broken TCP connection would).
//
// Objects written straight into fake() (Seed) are seen by open watches within
// kWatchPollInterval; writes through HTTP wake them at once.
//
// Thread safety: thread-safe; requests are served on a pool of server threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kube/testing/fake_kube_client.h"
#include "kube/testing/loopback_https.h"

namespace httplib {
class DataSink;
}  // namespace httplib

namespace gpupack::kube::testing {

struct LoopbackApiServerOptions {
  // Server threads: each open watch and each kept-alive connection holds one.
  int threads = 8;
  // How long an idle kept-alive connection stays open; requests per connection before the
  // server closes it (a real API server keeps connections for many requests).
  time_t keep_alive_seconds = 1;
  size_t keep_alive_max_requests = 100000;
  // Between BOOKMARK events on an idle watch that asked for them (a real server: about a
  // minute).
  std::chrono::milliseconds bookmark_interval{1000};
};

class LoopbackApiServer {
 public:
  // An idle watch re-reads the fake this often, for objects seeded around the HTTP path.
  static constexpr std::chrono::milliseconds kWatchPollInterval{50};

  // `testdata` is src/kube/testdata (certificates).
  explicit LoopbackApiServer(const std::string& testdata, LoopbackApiServerOptions options = {});
  // Ends open watches, then stops the listener.
  ~LoopbackApiServer();

  LoopbackApiServer(const LoopbackApiServer&) = delete;
  LoopbackApiServer& operator=(const LoopbackApiServer&) = delete;

  // "https://127.0.0.1:<port>".
  std::string Url() const;

  // The state behind the server: seed objects, inspect them, Compact(), script fake errors.
  FakeKubeClient& fake() { return fake_; }

  // Requests must carry "Authorization: Bearer <token>"; others get the real 401 Status.
  void RequireToken(const std::string& token);

  // The next `count` requests whose "METHOD /path" starts with `prefix` ("POST /api/v1/namespaces/
  // a/pods", "GET /api/v1/nodes") are answered `status` (500, 503 or 429) with the real Status
  // body; a 429 carries "Retry-After: <retry_after_seconds>".
  void FailNext(const std::string& prefix, int count, int status, int retry_after_seconds = 1);

  // Forgets the failures FailNext scheduled and has not served yet.
  void ClearFaults();

  // Every answer to a request matching `prefix` is sent `delay` late (0 to stop).
  void Delay(const std::string& prefix, std::chrono::milliseconds delay);

  // Watch streams opened from now on drop the connection after `events` events (bookmarks
  // included); negative: never (the default).
  void CutWatchesAfter(int64_t events);

  // Requests served so far, of them answered with an injected failure, and watch streams opened.
  int64_t RequestCount() const;
  int64_t FaultCount() const;
  int64_t WatchCount() const;

 private:
  struct Fault {
    std::string prefix;
    int remaining = 0;
    int status = 500;
    int retry_after_seconds = 1;
  };

  // One open watch; owned by its response's content provider.
  struct WatchStream {
    Resource resource;
    WatchOptions options;  // selectors; resource_version is set per read of the fake
    bool bookmarks = false;
    bool initial_events = false;  // resourceVersion "" or "0": ADDED for what exists first
    int64_t from = 0;             // events after this version are still to be sent
    int64_t checked = 0;          // the fake's version when last read
    int64_t sent = 0;
    int64_t cut_after = -1;
    std::chrono::steady_clock::time_point deadline;
  };
  struct Route;
  class Router;

  void Handle(const httplib::Request& request, httplib::Response& response);
  // Writes `watch`'s events until its deadline, the server stops or the client goes; false
  // drops the connection (a cut, or a client gone).
  bool Stream(WatchStream& watch, httplib::DataSink& sink);
  // Wakes watches after a write.
  void Notify();

  FakeKubeClient fake_;
  const LoopbackApiServerOptions options_;

  mutable std::mutex mu_;
  std::condition_variable changed_;                                        // on mu_
  bool stopping_ = false;                                                  // guarded by mu_
  std::string required_token_;                                             // guarded by mu_
  std::vector<Fault> faults_;                                              // guarded by mu_
  std::vector<std::pair<std::string, std::chrono::milliseconds>> delays_;  // guarded by mu_
  int64_t cut_watches_after_ = -1;                                         // guarded by mu_
  int64_t requests_ = 0;                                                   // guarded by mu_
  int64_t faults_served_ = 0;                                              // guarded by mu_
  int64_t watches_ = 0;                                                    // guarded by mu_

  // Last: destroyed (stopped) first, while the state its handler reads still exists.
  std::unique_ptr<LoopbackHttps> https_;
};

}  // namespace gpupack::kube::testing
