#include "kube/resource.h"

#include <fmt/format.h>

namespace gpupack::kube {

std::string ObjectKey::ToString() const {
  return namespace_name.empty() ? name : namespace_name + "/" + name;
}

std::string Resource::ApiVersion() const { return group.empty() ? version : group + "/" + version; }

std::string Resource::GroupVersionPath() const {
  return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
}

std::string Resource::CollectionPath(std::string_view namespace_name) const {
  if (namespaced && !namespace_name.empty()) {
    return fmt::format("{}/namespaces/{}/{}", GroupVersionPath(), UrlEncode(namespace_name),
                       plural);
  }
  return GroupVersionPath() + "/" + plural;
}

std::string Resource::ObjectPath(const ObjectKey& key, std::string_view subresource) const {
  std::string path = CollectionPath(key.namespace_name) + "/" + UrlEncode(key.name);
  if (!subresource.empty()) {
    path += "/";
    path += subresource;
  }
  return path;
}

std::string Resource::DisplayName() const { return group.empty() ? plural : plural + "." + group; }

Resource NodesResource() { return {"", "v1", "nodes", false}; }

Resource PodsResource() { return {"", "v1", "pods", true}; }

Resource ConfigMapsResource() { return {"", "v1", "configmaps", true}; }

Resource LeasesResource() { return {"coordination.k8s.io", "v1", "leases", true}; }

Resource EventsResource() { return {"", "v1", "events", true}; }

Resource NodeClaimsResource() { return {"karpenter.sh", "v1", "nodeclaims", false}; }

Resource NodeTemplatesResource() { return {"gpupack.io", "v1alpha1", "nodetemplates", false}; }

std::string UrlEncode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    bool unreserved = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                      (byte >= '0' && byte <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", byte);
    }
  }
  return out;
}

}  // namespace gpupack::kube
