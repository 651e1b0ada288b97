// Informer memory and speed at Kubernetes' scale limits: 5,000 nodes and 150,000 pods.
//
// A synthetic KubeClient serves lists and watch events made from the objects captured from a
// real kube-apiserver (kube-wire 11-final-list-*: a MIG seed pod with its managedFields, a
// p4d.24xlarge node with the NVIDIA labels), with names, uids, versions and nodeName varied.
// Watch events go through the same steps as on the wire: a JSON text line is parsed, decoded
// into the compact struct and applied to the cache. TLS and HTTP framing are not included.
//
// Reported: bytes of heap per cached object (glibc mallinfo2 before/after the list, the string
// pool included), the JSON size of one object for comparison, objects listed per CPU second (the
// synthesis of each object is included, so this is a lower bound), and watch events applied per
// CPU second (parse + decode + cache update).
#include <ctime>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <malloc.h>
#include <nlohmann/json.hpp>

#include "common/file.h"
#include "kube/informer.h"

namespace gpupack::kube {
namespace {

nlohmann::json Template(const std::string& list, const std::string& name) {
  std::string path = std::string(GP_SHARED_DIR) + "/reference/kube-wire/11-final-list-" + list +
                     "/response-body.json";
  nlohmann::json document = nlohmann::json::parse(ReadFile(path).value());
  for (auto& item : document["items"]) {
    if (item["metadata"]["name"] == name) {
      item["kind"] = list == "pods" ? "Pod" : "Node";
      item["apiVersion"] = "v1";
      return item;
    }
  }
  return {};
}

class NullSleeper final : public Sleeper {
 public:
  void Sleep(Duration, const CancelToken*) override {}
};

// Serves `count` objects made from a template, paged, and `events` MODIFIED events.
class SyntheticClient final : public KubeClient {
 public:
  SyntheticClient(nlohmann::json prototype, int64_t count, bool pods)
      : prototype_(std::move(prototype)), count_(count), pods_(pods) {}

  nlohmann::json Make(int64_t index, int64_t version) const {
    nlohmann::json object = prototype_;
    auto& metadata = object["metadata"];
    metadata["name"] = fmt::format("{}-{:06d}", pods_ ? "mig-infer-5d8f7c9b6d" : "ip-10-0", index);
    metadata["uid"] = fmt::format("7f3c2a10-0000-4000-8000-{:012d}", index);
    metadata["resourceVersion"] = std::to_string(version);
    if (pods_) {
      metadata["namespace"] = fmt::format("team-{}", index % 50);
      object["spec"]["nodeName"] = fmt::format("ip-10-0-{:06d}", index % 5000);
    } else {
      metadata["labels"]["kubernetes.io/hostname"] = metadata["name"];
    }
    return object;
  }

  Result<ObjectList> List(const Resource&, const ListOptions& options) override {
    int64_t start = options.continue_token.empty() ? 0 : std::stoll(options.continue_token);
    int64_t end = std::min(count_, start + options.limit);
    ObjectList list;
    list.resource_version = "1000";
    for (int64_t i = start; i < end; ++i) {
      list.items.push_back(Make(i, 500));
    }
    if (end < count_) {
      list.continue_token = std::to_string(end);
    }
    return list;
  }

  // Replays `lines` (pre-rendered event text) through parse -> handler, like the HTTP client.
  Result<WatchOutcome> Watch(const Resource&, const WatchOptions&, const WatchHandler& handler,
                             const CancelToken*) override {
    WatchOutcome outcome;
    for (const auto& line : lines) {
      nlohmann::json event = nlohmann::json::parse(line);
      const nlohmann::json& object = event["object"];
      std::string version = ResourceVersionOf(object);
      handler(WatchEvent{WatchEventType::kModified, object, version});
      ++outcome.events;
    }
    return outcome;
  }

  Result<nlohmann::json> GetPath(const std::string&) override { return Unsupported(); }

  Result<nlohmann::json> Get(const Resource&, const ObjectKey&) override { return Unsupported(); }

  Result<nlohmann::json> Create(const Resource&, const std::string&, const nlohmann::json&,
                                const WriteOptions&) override {
    return Unsupported();
  }

  Result<nlohmann::json> Update(const Resource&, const nlohmann::json&,
                                const WriteOptions&) override {
    return Unsupported();
  }

  Result<nlohmann::json> Patch(const Resource&, const ObjectKey&, PatchType, const std::string&,
                               const WriteOptions&) override {
    return Unsupported();
  }

  Result<nlohmann::json> Delete(const Resource&, const ObjectKey&, const DeleteOptions&) override {
    return Unsupported();
  }

  Status Evict(const ObjectKey&, const DeleteOptions&) override { return Unsupported(); }

  Status Bind(const ObjectKey&, const std::string&) override { return Unsupported(); }

  std::vector<std::string> lines;

 private:
  static tl::unexpected<Error> Unsupported() { return InternalError("not in this benchmark"); }

  nlohmann::json prototype_;
  int64_t count_;
  bool pods_;
};

size_t HeapInUse() { return mallinfo2().uordblks; }

template <class T>
void RunInformer(benchmark::State& state, const std::string& list, const std::string& name,
                 int64_t count, bool pods, Decoder<T> decode, Resource resource) {
  SyntheticClient client(Template(list, name), count, pods);
  // Watch traffic: MODIFIED events for 10,000 distinct objects (text pre-rendered).
  for (int64_t i = 0; i < 10000; ++i) {
    client.lines.push_back(
        nlohmann::json{{"type", "MODIFIED"}, {"object", client.Make(i * (count / 10000), 2000 + i)}}
            .dump());
  }
  std::string json_text = client.Make(0, 1).dump();
  // What caching the parsed JSON instead would cost: 1,000 parsed copies.
  size_t parsed_json_bytes = 0;
  {
    malloc_trim(0);
    size_t before = HeapInUse();
    std::vector<nlohmann::json> parsed;
    parsed.reserve(1000);
    for (int i = 0; i < 1000; ++i) {
      parsed.push_back(nlohmann::json::parse(json_text));
    }
    parsed_json_bytes = (HeapInUse() - before) / 1000;
  }
  NullSleeper sleeper;
  for (auto _ : state) {
    InformerOptions options;
    Informer<T> informer(client, resource, decode, options, sleeper);
    malloc_trim(0);
    size_t before = HeapInUse();
    // Rates use process CPU time: the benchmark machine is shared, so wall time would measure
    // the neighbours.
    std::clock_t list_start = std::clock();
    if (!informer.Resync()) {
      state.SkipWithError("resync failed");
      return;
    }
    double list_seconds = static_cast<double>(std::clock() - list_start) / CLOCKS_PER_SEC;
    size_t after = HeapInUse();
    std::clock_t watch_start = std::clock();
    if (!informer.WatchOnce(nullptr)) {
      state.SkipWithError("watch failed");
      return;
    }
    double watch_seconds = static_cast<double>(std::clock() - watch_start) / CLOCKS_PER_SEC;
    state.counters["objects"] = static_cast<double>(informer.Size());
    state.counters["bytes_per_object"] =
        static_cast<double>(after - before) / static_cast<double>(count);
    state.counters["json_text_bytes"] = static_cast<double>(json_text.size());
    state.counters["parsed_json_bytes"] = static_cast<double>(parsed_json_bytes);
    state.counters["list_objects_per_s"] = static_cast<double>(count) / list_seconds;
    state.counters["watch_events_per_s"] = static_cast<double>(client.lines.size()) / watch_seconds;
  }
}

void BM_NodeInformer5000(benchmark::State& state) {
  RunInformer<NodeObject>(state, "nodes", "ip-10-0-1-11.ec2.internal", 5000, false, &DecodeNode,
                          NodesResource());
}

BENCHMARK(BM_NodeInformer5000)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_PodInformer150000(benchmark::State& state) {
  RunInformer<PodObject>(state, "pods", "mig-infer-5d8f7c9b6d-x7k2p", 150000, true, &DecodePod,
                         PodsResource());
}

BENCHMARK(BM_PodInformer150000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gpupack::kube

BENCHMARK_MAIN();
