// MeteredKubeClient: a KubeClient that forwards every call to another one and counts the calls
// that fail in GpupackMetrics (gpupack_api_errors_total{verb, code}), so the whole controller's
// API errors are measured by wrapping its client once.
//
// Thread safety: as thread-safe as the wrapped client (the metrics are thread-safe).
#pragma once

#include <string>

#include "kube/forwarding_kube_client.h"

namespace gpupack::controller {

class GpupackMetrics;

class MeteredKubeClient final : public kube::ForwardingKubeClient {
 public:
  // `inner` and `metrics` must outlive this client.
  MeteredKubeClient(kube::KubeClient& inner, GpupackMetrics& metrics)
      : ForwardingKubeClient(inner), metrics_(metrics) {}

  [[nodiscard]] Result<nlohmann::json> GetPath(const std::string& path) override;
  [[nodiscard]] Result<nlohmann::json> Get(const kube::Resource& resource,
                                           const kube::ObjectKey& key) override;
  [[nodiscard]] Result<kube::ObjectList> List(const kube::Resource& resource,
                                              const kube::ListOptions& options) override;
  [[nodiscard]] Result<kube::WatchOutcome> Watch(const kube::Resource& resource,
                                                 const kube::WatchOptions& options,
                                                 const kube::WatchHandler& handler,
                                                 const kube::CancelToken* cancel) override;
  [[nodiscard]] Result<nlohmann::json> Create(const kube::Resource& resource,
                                              const std::string& namespace_name,
                                              const nlohmann::json& object,
                                              const kube::WriteOptions& options) override;
  [[nodiscard]] Result<nlohmann::json> Update(const kube::Resource& resource,
                                              const nlohmann::json& object,
                                              const kube::WriteOptions& options) override;
  [[nodiscard]] Result<nlohmann::json> Patch(const kube::Resource& resource,
                                             const kube::ObjectKey& key, kube::PatchType type,
                                             const std::string& body,
                                             const kube::WriteOptions& options) override;
  [[nodiscard]] Result<nlohmann::json> Delete(const kube::Resource& resource,
                                              const kube::ObjectKey& key,
                                              const kube::DeleteOptions& options) override;
  [[nodiscard]] Status Evict(const kube::ObjectKey& pod,
                             const kube::DeleteOptions& options) override;
  [[nodiscard]] Status Bind(const kube::ObjectKey& pod, const std::string& node_name) override;

 private:
  // Counts `result`'s error under `verb` (if it failed) and passes it on.
  template <class R>
  R Count(const char* verb, R result);

  GpupackMetrics& metrics_;
};

}  // namespace gpupack::controller
