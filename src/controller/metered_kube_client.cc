#include "controller/metered_kube_client.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "controller/metrics.h"

namespace gpupack::controller {

template <class R>
R MeteredKubeClient::Count(const char* verb, R result) {
  if (!result) {
    metrics_.CountApiError(verb, ErrorCodeName(result.error().code()));
  }
  return result;
}

Result<nlohmann::json> MeteredKubeClient::GetPath(const std::string& path) {
  return Count("get", inner().GetPath(path));
}

Result<nlohmann::json> MeteredKubeClient::Get(const kube::Resource& resource,
                                              const kube::ObjectKey& key) {
  return Count("get", inner().Get(resource, key));
}

Result<kube::ObjectList> MeteredKubeClient::List(const kube::Resource& resource,
                                                 const kube::ListOptions& options) {
  return Count("list", inner().List(resource, options));
}

Result<kube::WatchOutcome> MeteredKubeClient::Watch(const kube::Resource& resource,
                                                    const kube::WatchOptions& options,
                                                    const kube::WatchHandler& handler,
                                                    const kube::CancelToken* cancel) {
  Result<kube::WatchOutcome> outcome = inner().Watch(resource, options, handler, cancel);
  if (outcome && outcome->end == kube::WatchOutcome::End::kExpired) {
    // A 410 ends the stream in-band; the informer re-lists, but it is still an API error.
    metrics_.CountApiError("watch", ErrorCodeName(ErrorCode::kAborted));
  }
  return Count("watch", std::move(outcome));
}

Result<nlohmann::json> MeteredKubeClient::Create(const kube::Resource& resource,
                                                 const std::string& namespace_name,
                                                 const nlohmann::json& object,
                                                 const kube::WriteOptions& options) {
  return Count("create", inner().Create(resource, namespace_name, object, options));
}

Result<nlohmann::json> MeteredKubeClient::Update(const kube::Resource& resource,
                                                 const nlohmann::json& object,
                                                 const kube::WriteOptions& options) {
  return Count("update", inner().Update(resource, object, options));
}

Result<nlohmann::json> MeteredKubeClient::Patch(const kube::Resource& resource,
                                                const kube::ObjectKey& key, kube::PatchType type,
                                                const std::string& body,
                                                const kube::WriteOptions& options) {
  return Count("patch", inner().Patch(resource, key, type, body, options));
}

Result<nlohmann::json> MeteredKubeClient::Delete(const kube::Resource& resource,
                                                 const kube::ObjectKey& key,
                                                 const kube::DeleteOptions& options) {
  return Count("delete", inner().Delete(resource, key, options));
}

Status MeteredKubeClient::Evict(const kube::ObjectKey& pod, const kube::DeleteOptions& options) {
  return Count("evict", inner().Evict(pod, options));
}

Status MeteredKubeClient::Bind(const kube::ObjectKey& pod, const std::string& node_name) {
  return Count("bind", inner().Bind(pod, node_name));
}

}  // namespace gpupack::controller
