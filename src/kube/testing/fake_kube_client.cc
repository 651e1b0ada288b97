#include "kube/testing/fake_kube_client.h"

#include <fmt/format.h>

namespace gpupack::kube::testing {
namespace {

bool LabelsMatch(const nlohmann::json& object, const std::string& selector) {
  if (selector.empty()) {
    return true;
  }
  const nlohmann::json labels = object["metadata"].value("labels", nlohmann::json::object());
  size_t start = 0;
  while (start <= selector.size()) {
    size_t comma = selector.find(',', start);
    std::string term = selector.substr(start, comma - start);
    size_t equals = term.find('=');
    std::string key = term.substr(0, equals);
    std::string value = equals == std::string::npos ? "" : term.substr(equals + 1);
    auto it = labels.find(key);
    if (it == labels.end() || (equals != std::string::npos && *it != value)) {
      return false;
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return true;
}

// spec.nodeName, tolerating a missing or null spec (the fake must not throw on odd objects).
std::string NodeNameOf(const nlohmann::json& object) {
  auto spec = object.find("spec");
  if (spec == object.end() || !spec->is_object()) {
    return {};
  }
  auto name = spec->find("nodeName");
  return name != spec->end() && name->is_string() ? name->get<std::string>() : std::string();
}

bool FieldsMatch(const nlohmann::json& object, const std::string& selector) {
  if (selector.empty()) {
    return true;
  }
  size_t equals = selector.find('=');
  std::string field = selector.substr(0, equals);
  std::string value = selector.substr(equals + 1);
  if (field == "spec.nodeName") {
    return NodeNameOf(object) == value;
  }
  if (field == "metadata.name") {
    return object["metadata"].value("name", "") == value;
  }
  return true;
}

bool InNamespace(const ObjectKey& key, const std::string& namespace_name) {
  return namespace_name.empty() || key.namespace_name == namespace_name;
}

}  // namespace

std::optional<Error> FakeKubeClient::Begin(const std::string& what) {
  std::lock_guard lock(mu_);
  calls_.push_back(what);
  for (auto it = failures_.begin(); it != failures_.end(); ++it) {
    if (what.rfind(it->first, 0) == 0) {
      Error error = it->second;
      failures_.erase(it);
      return error;
    }
  }
  return std::nullopt;
}

void FakeKubeClient::Emit(const Resource& resource, WatchEventType type, nlohmann::json& object) {
  if (resource.DisplayName() == PodsResource().DisplayName()) {
    ObjectKey key = KeyOf(object);
    auto old = node_of_pod_.find(key);
    if (old != node_of_pod_.end()) {
      pods_by_node_[old->second].erase(key);
      node_of_pod_.erase(old);
    }
    if (type != WatchEventType::kDeleted) {
      std::string node = NodeNameOf(object);
      pods_by_node_[node].insert(key);
      node_of_pod_.emplace(key, std::move(node));
    }
  }
  ++version_;
  object["metadata"]["resourceVersion"] = std::to_string(version_);
  events_.push_back(Event{resource.DisplayName(), type, object, version_});
}

void FakeKubeClient::Seed(const Resource& resource, nlohmann::json object) {
  std::lock_guard lock(mu_);
  object["metadata"]["uid"] = fmt::format("fake-uid-{}", next_uid_++);
  Emit(resource, WatchEventType::kAdded, object);
  ObjectKey key = KeyOf(object);
  stores_[resource.DisplayName()][key] = std::move(object);
}

std::optional<nlohmann::json> FakeKubeClient::Peek(const Resource& resource,
                                                   const ObjectKey& key) const {
  std::lock_guard lock(mu_);
  auto store = stores_.find(resource.DisplayName());
  if (store == stores_.end()) {
    return std::nullopt;
  }
  auto it = store->second.find(key);
  return it == store->second.end() ? std::nullopt : std::optional<nlohmann::json>(it->second);
}

void FakeKubeClient::FailNext(const std::string& prefix, Error error) {
  std::lock_guard lock(mu_);
  failures_.emplace_back(prefix, std::move(error));
}

void FakeKubeClient::Compact() {
  std::lock_guard lock(mu_);
  events_.clear();
  compacted_through_ = version_;
}

int64_t FakeKubeClient::ResourceVersion() const {
  std::lock_guard lock(mu_);
  return version_;
}

int64_t FakeKubeClient::CompactedThrough() const {
  std::lock_guard lock(mu_);
  return compacted_through_;
}

std::vector<std::string> FakeKubeClient::Calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

Result<nlohmann::json> FakeKubeClient::GetPath(const std::string& path) {
  if (auto error = Begin("get " + path)) {
    return tl::unexpected(*error);
  }
  if (path == "/version") {
    return nlohmann::json{{"major", "1"}, {"minor", "26"}, {"gitVersion", "v1.26.5-fake"}};
  }
  return NotFoundError("get " + path + ": not served by the fake");
}

Result<nlohmann::json> FakeKubeClient::Get(const Resource& resource, const ObjectKey& key) {
  std::string what = fmt::format("get {} {}", resource.DisplayName(), key.ToString());
  if (auto error = Begin(what)) {
    return tl::unexpected(*error);
  }
  std::optional<nlohmann::json> object = Peek(resource, key);
  if (!object) {
    return NotFoundError(what + ": not found");
  }
  return *object;
}

std::vector<ObjectKey> FakeKubeClient::Candidates(const Resource& resource, const ObjectMap& store,
                                                  const std::string& field_selector) const {
  constexpr std::string_view kNodeField = "spec.nodeName=";
  std::vector<ObjectKey> keys;
  if (resource.DisplayName() == PodsResource().DisplayName() &&
      field_selector.rfind(kNodeField, 0) == 0) {
    auto on_node = pods_by_node_.find(field_selector.substr(kNodeField.size()));
    if (on_node != pods_by_node_.end()) {
      keys.assign(on_node->second.begin(), on_node->second.end());
    }
    return keys;
  }
  keys.reserve(store.size());
  for (const auto& entry : store) {
    keys.push_back(entry.first);
  }
  return keys;
}

Result<ObjectList> FakeKubeClient::List(const Resource& resource, const ListOptions& options) {
  if (auto error = Begin("list " + resource.DisplayName())) {
    return tl::unexpected(*error);
  }
  std::lock_guard lock(mu_);
  ObjectList list;
  list.resource_version = std::to_string(version_);
  const ObjectMap& store = stores_[resource.DisplayName()];
  size_t skip = options.continue_token.empty() ? 0 : std::stoul(options.continue_token);
  size_t index = 0;
  for (const ObjectKey& key : Candidates(resource, store, options.field_selector)) {
    const nlohmann::json& object = store.at(key);
    if (!InNamespace(key, options.namespace_name) || !LabelsMatch(object, options.label_selector) ||
        !FieldsMatch(object, options.field_selector)) {
      continue;
    }
    if (index++ < skip) {
      continue;
    }
    if (options.limit > 0 && list.items.size() == static_cast<size_t>(options.limit)) {
      list.continue_token = std::to_string(index - 1);
      break;
    }
    list.items.push_back(object);
  }
  return list;
}

Result<WatchOutcome> FakeKubeClient::Watch(const Resource& resource, const WatchOptions& options,
                                           const WatchHandler& handler, const CancelToken* cancel) {
  if (auto error = Begin("watch " + resource.DisplayName())) {
    return tl::unexpected(*error);
  }
  WatchOutcome outcome;
  outcome.last_resource_version = options.resource_version;
  std::vector<Event> replay;
  {
    std::lock_guard lock(mu_);
    int64_t from =
        options.resource_version.empty() ? version_ : std::stoll(options.resource_version);
    if (from < compacted_through_) {
      outcome.end = WatchOutcome::End::kExpired;
      outcome.detail = fmt::format("too old resource version: {} ({})", from, compacted_through_);
      return outcome;
    }
    for (const auto& event : events_) {
      if (event.version > from && event.resource == resource.DisplayName() &&
          InNamespace(KeyOf(event.object), options.namespace_name) &&
          LabelsMatch(event.object, options.label_selector) &&
          FieldsMatch(event.object, options.field_selector)) {
        replay.push_back(event);
      }
    }
  }
  for (const auto& event : replay) {
    if (cancel != nullptr && cancel->IsCancelled()) {
      outcome.end = WatchOutcome::End::kCancelled;
      return outcome;
    }
    outcome.last_resource_version = std::to_string(event.version);
    ++outcome.events;
    handler(WatchEvent{event.type, event.object, outcome.last_resource_version});
  }
  return outcome;
}

Result<nlohmann::json> FakeKubeClient::Create(const Resource& resource,
                                              const std::string& namespace_name,
                                              const nlohmann::json& object,
                                              const WriteOptions& options) {
  nlohmann::json stored = object;
  std::string what = "create " + resource.DisplayName();
  {
    std::lock_guard lock(mu_);
    nlohmann::json& metadata = stored["metadata"];
    if (metadata.value("name", "").empty()) {
      metadata["name"] = metadata.value("generateName", "") + fmt::format("{:05d}", next_uid_);
    }
    if (resource.namespaced) {
      metadata["namespace"] = namespace_name;
    }
  }
  ObjectKey key = KeyOf(stored);
  what += " " + key.ToString();
  if (auto error = Begin(what)) {
    return tl::unexpected(*error);
  }
  std::lock_guard lock(mu_);
  ObjectMap& store = stores_[resource.DisplayName()];
  if (store.count(key) != 0) {
    return AlreadyExistsError(what + ": already exists");
  }
  if (options.dry_run) {
    return stored;
  }
  stored["metadata"]["uid"] = fmt::format("fake-uid-{}", next_uid_++);
  Emit(resource, WatchEventType::kAdded, stored);
  store[key] = stored;
  return stored;
}

Result<nlohmann::json> FakeKubeClient::Update(const Resource& resource,
                                              const nlohmann::json& object,
                                              const WriteOptions& options) {
  ObjectKey key = KeyOf(object);
  std::string what = fmt::format("update {} {}", resource.DisplayName(), key.ToString());
  if (auto error = Begin(what)) {
    return tl::unexpected(*error);
  }
  std::lock_guard lock(mu_);
  ObjectMap& store = stores_[resource.DisplayName()];
  auto it = store.find(key);
  if (it == store.end()) {
    return NotFoundError(what + ": not found");
  }
  std::string sent = ResourceVersionOf(object);
  if (!sent.empty() && sent != ResourceVersionOf(it->second)) {
    return AbortedError(what + ": the object has been modified (conflict)");
  }
  nlohmann::json stored = object;
  stored["metadata"]["uid"] = it->second["metadata"]["uid"];
  if (options.subresource == "status") {
    stored = it->second;
    stored["status"] = object.value("status", nlohmann::json::object());
  }
  Emit(resource, WatchEventType::kModified, stored);
  it->second = stored;
  return stored;
}

Result<nlohmann::json> FakeKubeClient::Patch(const Resource& resource, const ObjectKey& key,
                                             PatchType type, const std::string& body,
                                             const WriteOptions& options) {
  std::string what = fmt::format("patch {} {}", resource.DisplayName(), key.ToString());
  if (auto error = Begin(what)) {
    return tl::unexpected(*error);
  }
  nlohmann::json patch;
  try {
    patch = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(what + ": the fake takes JSON patch bodies only: " + e.what());
  }
  std::lock_guard lock(mu_);
  ObjectMap& store = stores_[resource.DisplayName()];
  auto it = store.find(key);
  if (it == store.end()) {
    if (type != PatchType::kApply) {
      return NotFoundError(what + ": not found");
    }
    it = store
             .emplace(key, nlohmann::json{{"metadata",
                                           {{"name", key.name},
                                            {"uid", fmt::format("fake-uid-{}", next_uid_++)}}}})
             .first;
    if (!key.namespace_name.empty()) {
      it->second["metadata"]["namespace"] = key.namespace_name;
    }
  }
  nlohmann::json stored = it->second;
  try {
    if (type == PatchType::kJson) {
      stored = stored.patch(patch);
    } else {
      stored.merge_patch(patch);
    }
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(what + ": " + e.what());
  }
  if (options.subresource == "status") {
    nlohmann::json status = stored.value("status", nlohmann::json::object());
    stored = it->second;
    stored["status"] = status;
  }
  stored["metadata"]["name"] = key.name;
  Emit(resource, WatchEventType::kModified, stored);
  it->second = stored;
  return stored;
}

Result<nlohmann::json> FakeKubeClient::Delete(const Resource& resource, const ObjectKey& key,
                                              const DeleteOptions& options) {
  std::string what = fmt::format("delete {} {}", resource.DisplayName(), key.ToString());
  if (auto error = Begin(what)) {
    return tl::unexpected(*error);
  }
  std::lock_guard lock(mu_);
  ObjectMap& store = stores_[resource.DisplayName()];
  auto it = store.find(key);
  if (it == store.end()) {
    return NotFoundError(what + ": not found");
  }
  nlohmann::json& object = it->second;
  if ((!options.precondition_uid.empty() &&
       options.precondition_uid != object["metadata"].value("uid", "")) ||
      (!options.precondition_resource_version.empty() &&
       options.precondition_resource_version != ResourceVersionOf(object))) {
    return AbortedError(what + ": precondition failed");
  }
  if (!object["metadata"].value("finalizers", nlohmann::json::array()).empty()) {
    object["metadata"]["deletionTimestamp"] = "2026-11-24T00:00:00Z";
    Emit(resource, WatchEventType::kModified, object);
    return object;
  }
  nlohmann::json gone = std::move(object);
  store.erase(it);
  Emit(resource, WatchEventType::kDeleted, gone);
  return gone;
}

Status FakeKubeClient::Evict(const ObjectKey& pod, const DeleteOptions& options) {
  if (auto error = Begin("evict pod " + pod.ToString())) {
    return tl::unexpected(*error);
  }
  GP_TRY(Delete(PodsResource(), pod, options));
  return OkStatus();
}

Status FakeKubeClient::Bind(const ObjectKey& pod, const std::string& node_name) {
  std::string what = fmt::format("bind pod {} to node {}", pod.ToString(), node_name);
  if (auto error = Begin(what)) {
    return tl::unexpected(*error);
  }
  std::lock_guard lock(mu_);
  ObjectMap& store = stores_[PodsResource().DisplayName()];
  auto it = store.find(pod);
  if (it == store.end()) {
    return NotFoundError(what + ": pod not found");
  }
  if (!NodeNameOf(it->second).empty()) {
    return AbortedError(what + ": pod is already bound");
  }
  it->second["spec"]["nodeName"] = node_name;
  Emit(PodsResource(), WatchEventType::kModified, it->second);
  return OkStatus();
}

}  // namespace gpupack::kube::testing
