#include "kube/informer.h"

#include <algorithm>
#include <memory>

#include <nlohmann/json.hpp>

#include "common/log.h"

namespace gpupack::kube {

template <class T>
Informer<T>::Informer(KubeClient& client, Resource resource, Decoder<T> decode,
                      InformerOptions options, Sleeper& sleeper)
    : client_(client),
      resource_(std::move(resource)),
      decode_(decode),
      options_(std::move(options)),
      sleeper_(sleeper) {}

template <class T>
Status Informer<T>::Resync() {
  ListOptions list_options;
  list_options.namespace_name = options_.namespace_name;
  list_options.label_selector = options_.label_selector;
  list_options.field_selector = options_.field_selector;
  list_options.limit = options_.page_size;
  GP_ASSIGN_OR_RETURN(ObjectList list, client_.ListAll(resource_, list_options));
  std::map<ObjectKey, T> fresh;
  int64_t decode_errors = 0;
  for (const auto& item : list.items) {
    Result<T> object = decode_(item);
    if (!object) {
      ++decode_errors;
      log::Warn("{} informer: skipping an object: {}", resource_.DisplayName(),
                object.error().message());
      continue;
    }
    ObjectKey key = object->meta.Key();
    fresh.insert_or_assign(std::move(key), std::move(*object));
  }
  list.items.clear();
  std::map<ObjectKey, T> previous;
  {
    std::lock_guard lock(mu_);
    previous.swap(objects_);
    objects_.swap(fresh);
    resource_version_ = list.resource_version;
    synced_ = true;
    ++stats_.lists;
    stats_.decode_errors += decode_errors;
  }
  needs_list_ = false;
  // Only this thread changes objects_, so reading it here without the lock is safe.
  for (const auto& [key, object] : objects_) {
    auto old = previous.find(key);
    if (old == previous.end()) {
      if (handlers_.on_add) {
        handlers_.on_add(object);
      }
    } else {
      if (old->second.meta.resource_version != object.meta.resource_version &&
          handlers_.on_update) {
        handlers_.on_update(old->second, object);
      }
      previous.erase(old);
    }
  }
  // What is left vanished while we were not watching.
  for (const auto& [key, object] : previous) {
    if (handlers_.on_delete) {
      handlers_.on_delete(object);
    }
  }
  return OkStatus();
}

template <class T>
void Informer<T>::Apply(const WatchEvent& event) {
  if (event.type == WatchEventType::kBookmark) {
    std::lock_guard lock(mu_);
    ++stats_.bookmarks;
    if (!event.resource_version.empty()) {
      resource_version_ = std::string(event.resource_version);
    }
    return;
  }
  Result<T> decoded = decode_(event.object);
  if (!decoded) {
    std::lock_guard lock(mu_);
    ++stats_.decode_errors;
    if (!event.resource_version.empty()) {
      resource_version_ = std::string(event.resource_version);
    }
    log::Warn("{} informer: skipping a {} event: {}", resource_.DisplayName(),
              WatchEventTypeName(event.type), decoded.error().message());
    return;
  }
  ObjectKey key = decoded->meta.Key();
  std::optional<T> old;
  const T* current = nullptr;
  {
    std::lock_guard lock(mu_);
    ++stats_.events;
    if (!event.resource_version.empty()) {
      resource_version_ = std::string(event.resource_version);
    }
    auto it = objects_.find(key);
    if (it != objects_.end()) {
      old = std::move(it->second);
    }
    if (event.type == WatchEventType::kDeleted) {
      if (it != objects_.end()) {
        objects_.erase(it);
      }
    } else if (it != objects_.end()) {
      it->second = std::move(*decoded);
      current = &it->second;
    } else {
      current = &objects_.emplace(std::move(key), std::move(*decoded)).first->second;
    }
  }
  if (event.type == WatchEventType::kDeleted) {
    // A DELETED event for an object never seen (e.g. it stopped matching a selector before we
    // listed) changes nothing.
    if (old && handlers_.on_delete) {
      handlers_.on_delete(*old);
    }
  } else if (old) {
    if (handlers_.on_update) {
      handlers_.on_update(*old, *current);
    }
  } else if (handlers_.on_add) {
    handlers_.on_add(*current);
  }
}

template <class T>
Result<WatchOutcome> Informer<T>::WatchOnce(const CancelToken* cancel) {
  if (needs_list_) {
    GP_TRY(Resync());
  }
  WatchOptions watch_options;
  watch_options.namespace_name = options_.namespace_name;
  watch_options.label_selector = options_.label_selector;
  watch_options.field_selector = options_.field_selector;
  watch_options.resource_version = ResourceVersion();
  watch_options.timeout_seconds = options_.watch_timeout_seconds;
  {
    std::lock_guard lock(mu_);
    ++stats_.watches;
  }
  Result<WatchOutcome> outcome = client_.Watch(
      resource_, watch_options, [this](const WatchEvent& event) { Apply(event); }, cancel);
  if (!outcome) {
    return outcome;
  }
  std::lock_guard lock(mu_);
  stats_.malformed_lines += outcome->malformed_lines;
  if (outcome->end == WatchOutcome::End::kExpired) {
    needs_list_ = true;
    ++stats_.relists_after_gone;
  }
  return outcome;
}

template <class T>
void Informer<T>::Run(const CancelToken& cancel) {
  int failures_in_row = 0;
  while (!cancel.IsCancelled()) {
    Result<WatchOutcome> outcome = WatchOnce(&cancel);
    bool made_progress = outcome && (outcome->events > 0 || outcome->detail.empty() ||
                                     outcome->end != WatchOutcome::End::kClosed);
    if (made_progress) {
      failures_in_row = 0;
      continue;
    }
    if (!outcome) {
      log::Warn("{} informer: {}", resource_.DisplayName(), outcome.error().message());
      std::lock_guard lock(mu_);
      ++stats_.failures;
    }
    // A failed list or watch, or a stream that broke before delivering anything: back off so a
    // sick server is not hammered.
    Duration wait = options_.initial_backoff * (int64_t{1} << std::min(failures_in_row, 16));
    sleeper_.Sleep(std::min(wait, options_.max_backoff), &cancel);
    ++failures_in_row;
  }
}

template <class T>
std::optional<T> Informer<T>::Get(const ObjectKey& key) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  return it == objects_.end() ? std::nullopt : std::optional<T>(it->second);
}

template <class T>
std::vector<T> Informer<T>::List() const {
  std::lock_guard lock(mu_);
  std::vector<T> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) {
    out.push_back(object);
  }
  return out;
}

template <class T>
void Informer<T>::ForEach(const std::function<void(const T& object)>& visit) const {
  std::lock_guard lock(mu_);
  for (const auto& [key, object] : objects_) {
    visit(object);
  }
}

template <class T>
size_t Informer<T>::Size() const {
  std::lock_guard lock(mu_);
  return objects_.size();
}

template <class T>
bool Informer<T>::HasSynced() const {
  std::lock_guard lock(mu_);
  return synced_;
}

template <class T>
std::string Informer<T>::ResourceVersion() const {
  std::lock_guard lock(mu_);
  return resource_version_;
}

template <class T>
InformerStats Informer<T>::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

template class Informer<NodeObject>;
template class Informer<PodObject>;
template class Informer<GenericObject>;

std::unique_ptr<NodeInformer> MakeNodeInformer(KubeClient& client, InformerOptions options,
                                               Sleeper& sleeper) {
  return std::make_unique<NodeInformer>(client, NodesResource(), &DecodeNode, std::move(options),
                                        sleeper);
}

std::unique_ptr<PodInformer> MakePodInformer(KubeClient& client, InformerOptions options,
                                             Sleeper& sleeper) {
  return std::make_unique<PodInformer>(client, PodsResource(), &DecodePod, std::move(options),
                                       sleeper);
}

std::unique_ptr<GenericInformer> MakeGenericInformer(KubeClient& client, Resource resource,
                                                     InformerOptions options, Sleeper& sleeper) {
  return std::make_unique<GenericInformer>(client, std::move(resource), &DecodeGeneric,
                                           std::move(options), sleeper);
}

}  // namespace gpupack::kube
