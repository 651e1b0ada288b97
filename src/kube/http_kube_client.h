// HttpKubeClient: KubeClient over HTTPS with libcurl and nlohmann-json (both stay in src/kube).
//
// - TLS is always verified against the kubeconfig's CA (or the system store) unless the
//   kubeconfig says insecure-skip-tls-verify; client certificates come from the config as PEM.
// - Bearer tokens come from a TokenSource; a 401 makes it re-read the token file or re-run the
//   exec plugin and the request is tried once more.
// - Retries: 429 (honouring Retry-After), 5xx and connection errors are retried up to
//   RetryPolicy::max_attempts with exponential backoff and equal jitter (half the delay fixed,
//   half drawn from a seeded Rng). POST is retried only when the server cannot have acted on it
//   (429, or no connection), so a create with generateName never makes two objects. Waits go
//   through the injected Sleeper, so tests never sleep.
// - Each request borrows a libcurl handle from a small pool, so connections (and their TLS
//   sessions) are reused; a watch holds its handle for the length of the stream.
//
// Thread safety: thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/rng.h"
#include "kube/credentials.h"
#include "kube/kube_client.h"
#include "kube/kubeconfig.h"
#include "kube/sleeper.h"

namespace gpupack::kube {

struct RetryPolicy {
  int max_attempts = 5;  // tries in all, the first included
  Duration initial_backoff = std::chrono::milliseconds(250);
  Duration max_backoff = std::chrono::seconds(30);
  Duration max_retry_after = std::chrono::seconds(60);  // cap on a server's Retry-After
};

struct HttpClientOptions {
  std::string user_agent = "gpupack/0.1";
  RetryPolicy retry;
  Duration connect_timeout = std::chrono::seconds(10);
  Duration request_timeout = std::chrono::seconds(60);  // not for watches
  const Clock* clock = nullptr;                         // borrowed; null: the system clock
  Sleeper* sleeper = nullptr;                           // borrowed; null: real sleeps
  uint64_t jitter_seed = 0x6770707061636bULL;
};

struct HttpClientStats {
  int64_t requests = 0;  // HTTP requests sent, retries included
  int64_t retries = 0;
  int64_t auth_refreshes = 0;  // 401s answered by re-reading the credentials
};

class HttpKubeClient final : public KubeClient {
  // Only Create can make one (the constructor must be public for make_unique).
  struct ConstructionKey {
    explicit ConstructionKey() = default;
  };

 public:
  // InvalidArgument when the server URL is not https:// (plain http only for 127.0.0.1).
  [[nodiscard]] static Result<std::unique_ptr<HttpKubeClient>> Create(ClusterConfig config,
                                                                      HttpClientOptions options);

  HttpKubeClient(ConstructionKey key, ClusterConfig config, HttpClientOptions options);
  ~HttpKubeClient() override;

  HttpKubeClient(const HttpKubeClient&) = delete;
  HttpKubeClient& operator=(const HttpKubeClient&) = delete;

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

  HttpClientStats Stats() const;

  const ClusterConfig& config() const { return config_; }

 private:
  struct Request;
  struct Response;
  struct CurlHandle;

  // One HTTP exchange, no retries. Errors are transport errors only (Unavailable, or
  // FailedPrecondition for TLS verification failures); `never_sent` (optional) is set when the
  // request cannot have reached the server (no connection), so retrying a POST is safe.
  [[nodiscard]] Result<Response> Perform(const Request& request, const CancelToken* cancel,
                                         bool* never_sent);
  // Perform with auth refresh, retries and backoff; HTTP errors mapped with ApiError.
  [[nodiscard]] Result<Response> Call(const Request& request);
  [[nodiscard]] Result<nlohmann::json> CallJson(const Request& request);
  Duration Backoff(int retry);

  std::unique_ptr<CurlHandle> TakeHandle();
  void ReturnHandle(std::unique_ptr<CurlHandle> handle);

  const ClusterConfig config_;
  const HttpClientOptions options_;
  SystemClock system_clock_;
  RealSleeper real_sleeper_;
  const Clock& clock_;
  Sleeper& sleeper_;
  TokenSource tokens_;

  mutable std::mutex mu_;
  Rng rng_;                                        // guarded by mu_
  std::vector<std::unique_ptr<CurlHandle>> idle_;  // guarded by mu_
  HttpClientStats stats_;                          // guarded by mu_
};

}  // namespace gpupack::kube
