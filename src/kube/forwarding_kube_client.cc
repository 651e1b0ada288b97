#include "kube/forwarding_kube_client.h"

#include <nlohmann/json.hpp>

namespace gpupack::kube {

Result<nlohmann::json> ForwardingKubeClient::GetPath(const std::string& path) {
  return inner_.GetPath(path);
}

Result<nlohmann::json> ForwardingKubeClient::Get(const Resource& resource, const ObjectKey& key) {
  return inner_.Get(resource, key);
}

Result<ObjectList> ForwardingKubeClient::List(const Resource& resource,
                                              const ListOptions& options) {
  return inner_.List(resource, options);
}

Result<WatchOutcome> ForwardingKubeClient::Watch(const Resource& resource,
                                                 const WatchOptions& options,
                                                 const WatchHandler& handler,
                                                 const CancelToken* cancel) {
  return inner_.Watch(resource, options, handler, cancel);
}

Result<nlohmann::json> ForwardingKubeClient::Create(const Resource& resource,
                                                    const std::string& namespace_name,
                                                    const nlohmann::json& object,
                                                    const WriteOptions& options) {
  return inner_.Create(resource, namespace_name, object, options);
}

Result<nlohmann::json> ForwardingKubeClient::Update(const Resource& resource,
                                                    const nlohmann::json& object,
                                                    const WriteOptions& options) {
  return inner_.Update(resource, object, options);
}

Result<nlohmann::json> ForwardingKubeClient::Patch(const Resource& resource, const ObjectKey& key,
                                                   PatchType type, const std::string& body,
                                                   const WriteOptions& options) {
  return inner_.Patch(resource, key, type, body, options);
}

Result<nlohmann::json> ForwardingKubeClient::Delete(const Resource& resource, const ObjectKey& key,
                                                    const DeleteOptions& options) {
  return inner_.Delete(resource, key, options);
}

Status ForwardingKubeClient::Evict(const ObjectKey& pod, const DeleteOptions& options) {
  return inner_.Evict(pod, options);
}

Status ForwardingKubeClient::Bind(const ObjectKey& pod, const std::string& node_name) {
  return inner_.Bind(pod, node_name);
}

}  // namespace gpupack::kube
