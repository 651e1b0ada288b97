// ForwardingKubeClient: a KubeClient that passes every call to another one. Decorators (the
// controller's metered and leader-guarded clients, test recorders) derive from it and override
// only the calls they change.
//
// Thread safety: as thread-safe as the wrapped client.
#pragma once

#include <string>

#include "kube/kube_client.h"

namespace gpupack::kube {

class ForwardingKubeClient : public KubeClient {
 public:
  // `inner` must outlive this client.
  explicit ForwardingKubeClient(KubeClient& inner) : inner_(inner) {}

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

 protected:
  KubeClient& inner() { return inner_; }

 private:
  KubeClient& inner_;
};

}  // namespace gpupack::kube
