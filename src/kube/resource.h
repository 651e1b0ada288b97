// Resource: which Kubernetes collection a request addresses (group, version, plural, scope), and
// ObjectKey: which object in it. Paths are built here and nowhere else, so the REST layout of
// core ("/api/v1") and named groups ("/apis/<group>/<version>") lives in one place.
//
// Thread safety: values.
#pragma once

#include <string>
#include <string_view>

namespace gpupack::kube {

struct ObjectKey {
  std::string namespace_name;  // empty for cluster-scoped objects
  std::string name;

  auto operator<=>(const ObjectKey&) const = default;

  // "ns/name" or "name", as kubectl and the informer cache name objects.
  std::string ToString() const;
};

struct Resource {
  std::string group;    // "" for the core group
  std::string version;  // "v1", "v1alpha1"
  std::string plural;   // "nodes", "nodeclaims"
  bool namespaced = false;

  // "v1" or "karpenter.sh/v1", as objects carry it in `apiVersion`.
  std::string ApiVersion() const;

  // "/api/v1" or "/apis/karpenter.sh/v1".
  std::string GroupVersionPath() const;

  // The collection: "/api/v1/nodes", "/api/v1/namespaces/<ns>/pods", or "/api/v1/pods" (all
  // namespaces) when `namespace_name` is empty.
  std::string CollectionPath(std::string_view namespace_name) const;

  // One object, optionally a subresource of it ("status", "eviction", "binding").
  std::string ObjectPath(const ObjectKey& key, std::string_view subresource = {}) const;

  // "nodes" or "nodeclaims.karpenter.sh", as error messages and RBAC name resources.
  std::string DisplayName() const;
};

// The resources gpupack reads and writes.
Resource NodesResource();
Resource PodsResource();
Resource ConfigMapsResource();
Resource LeasesResource();
Resource EventsResource();
Resource NodeClaimsResource();     // karpenter.sh/v1, cluster-scoped
Resource NodeTemplatesResource();  // gpupack.io/v1alpha1, cluster-scoped

// Percent-encodes a query parameter value or a path segment (RFC 3986 unreserved kept).
std::string UrlEncode(std::string_view text);

}  // namespace gpupack::kube
