// ReplayServer: a loopback HTTPS server for the Kubernetes client's tests. No kube-apiserver
// runs here, so this one answers with exchanges captured from a real one (kube-wire): for a
// request whose method, path and query match a capture, it sends the captured status, headers
// and body byte for byte; a watch capture is streamed one event per chunk, as the API server
// does, optionally dropping the connection after some events. Tests may also script answers
// (a 500 before the real answer, a 429 with Retry-After, an in-stream 410).
//
// It listens through LoopbackHttps (127.0.0.1, an ephemeral port, TLS with the test CA's server
// certificate from src/kube/testdata). It can require a bearer token (answering
// the captured 401 otherwise) or a client certificate.
//
// Thread safety: thread-safe; the server runs on its own thread.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kube/testing/loopback_https.h"

namespace gpupack::kube::testing {

struct ReplayResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // without framing headers
  std::string body;
  bool stream = false;                     // a watch: one chunk per line of `body`
  std::optional<size_t> drop_after_lines;  // stream only: drop the connection after N lines
};

struct RecordedRequest {
  std::string method;
  std::string target;                               // path and query as sent
  std::multimap<std::string, std::string> headers;  // names lower-case
  std::string body;
};

class ReplayServer {
 public:
  // `capture_root` is the kube-wire folder; `testdata` is src/kube/testdata. With
  // `client_ca_file`, clients must present a certificate signed by it.
  ReplayServer(std::string capture_root, const std::string& testdata,
               const std::string& client_ca_file = {});
  ~ReplayServer();

  ReplayServer(const ReplayServer&) = delete;
  ReplayServer& operator=(const ReplayServer&) = delete;

  // "https://127.0.0.1:<port>".
  std::string Url() const;

  // Loads the capture `dir` and serves it for its method and target. Queued answers for the
  // same request are served in order; the last one keeps being served.
  void Serve(const std::string& dir);
  // Same, with the capture's answer changed by `edit` first (e.g. to drop a stream).
  void Serve(const std::string& dir, const std::function<void(ReplayResponse&)>& edit);
  // Scripts an answer for `method` and `target` ("/api/v1/nodes?limit=2").
  void Script(const std::string& method, const std::string& target, ReplayResponse response);

  // The captured response of `dir`, as Serve would send it.
  ReplayResponse LoadResponse(const std::string& dir) const;
  // The method and target of the capture `dir`'s request line.
  std::pair<std::string, std::string> LoadTarget(const std::string& dir) const;
  // The capture's request body file (request-body.json or .yaml), or "".
  std::string LoadRequestBody(const std::string& dir) const;

  // Requests must carry "Authorization: Bearer <token>"; others get the captured 401.
  void RequireToken(const std::string& token);

  std::vector<RecordedRequest> Requests() const;
  // Requests that had no answer (served a 599 so tests fail loudly).
  std::vector<std::string> Unmatched() const;

 private:
  static std::string Key(const std::string& method, const std::string& target);
  void Handle(const httplib::Request& request, httplib::Response& response);

  const std::string capture_root_;
  mutable std::mutex mu_;
  std::map<std::string, std::deque<ReplayResponse>> answers_;  // guarded by mu_
  std::vector<RecordedRequest> requests_;                      // guarded by mu_
  std::vector<std::string> unmatched_;                         // guarded by mu_
  std::string required_token_;                                 // guarded by mu_
  ReplayResponse unauthorized_;                                // guarded by mu_

  // Last: destroyed (stopped) first, while the state its handler reads still exists.
  std::unique_ptr<LoopbackHttps> https_;
};

// Canonical form of a request target: the path, then the query parameters decoded and sorted,
// so "?b=2&a=1" and "?a=1&b=%32" match.
std::string CanonicalTarget(const std::string& target);

}  // namespace gpupack::kube::testing
