#include "controller/scheduler.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "catalog/k8s_reader.h"
#include "controller/conventions.h"
#include "plan/fit.h"

namespace gpupack::controller {
namespace {

// The pods one node receives in a cycle, and what became of them.
struct NodeWork {
  std::string node;
  std::vector<plan::Placement> placements;  // in placement order

  std::vector<plan::Placement> bound;
  int64_t already_bound = 0;
  int64_t gone = 0;
  int64_t requeued = 0;
  int64_t failed = 0;
  bool rechecked = false;
  std::vector<std::pair<std::string, std::string>> errors;  // pod key, line
};

Result<kube::ObjectKey> ParsePodKey(std::string_view pod_key) {
  size_t slash = pod_key.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == pod_key.size()) {
    return InvalidArgumentError(fmt::format("pod key \"{}\" is not <namespace>/<name>", pod_key));
  }
  return kube::ObjectKey{std::string(pod_key.substr(0, slash)),
                         std::string(pod_key.substr(slash + 1))};
}

bool IsTerminalPhase(const nlohmann::json& pod) {
  std::string phase = pod.value("/status/phase"_json_pointer, "");
  return phase == "Succeeded" || phase == "Failed";
}

}  // namespace

bool IsGpupackScheduled(const cluster::Pod& pod) { return pod.scheduler_name == kSchedulerName; }

std::string FormatDevices(const std::vector<plan::DeviceChoice>& devices) {
  std::string out;
  for (const plan::DeviceChoice& device : devices) {
    if (!out.empty()) {
      out += ',';
    }
    out += std::to_string(device.gpu);
    if (device.instance >= 0) {
      out += "." + std::to_string(device.instance);
    }
    if (device.slots > 1) {
      out += "x" + std::to_string(device.slots);
    }
  }
  return out;
}

Status BindPod(kube::KubeClient& client, std::string_view pod_key, const std::string& node,
               const std::vector<plan::DeviceChoice>& devices, bool annotate_devices) {
  GP_ASSIGN_OR_RETURN(kube::ObjectKey key, ParsePodKey(pod_key));
  if (annotate_devices && !devices.empty()) {
    nlohmann::json patch = {
        {"metadata",
         {{"annotations", {{std::string(kAnnotationDevices), FormatDevices(devices)}}}}}};
    GP_TRY(client.Patch(kube::PodsResource(), key, kube::PatchType::kMerge, patch.dump(), {}));
  }
  return client.Bind(key, node);
}

Result<cluster::ClusterSnapshot> ListClusterSnapshot(kube::KubeClient& client,
                                                     const gpu::GpuCatalog& catalog,
                                                     std::vector<std::string>& warnings) {
  GP_ASSIGN_OR_RETURN(kube::ObjectList nodes, client.ListAll(kube::NodesResource(), {}));
  GP_ASSIGN_OR_RETURN(kube::ObjectList pods, client.ListAll(kube::PodsResource(), {}));
  // Typed lists as the API server sends them: their items carry no kind.
  nlohmann::json text = {
      {"kind", "List"}, {"apiVersion", "v1"}, {"items", nlohmann::json::array()}};
  for (nlohmann::json& node : nodes.items) {
    node["kind"] = "Node";
    node["apiVersion"] = "v1";
    text["items"].push_back(std::move(node));
  }
  for (nlohmann::json& pod : pods.items) {
    pod["kind"] = "Pod";
    pod["apiVersion"] = "v1";
    text["items"].push_back(std::move(pod));
  }
  GP_ASSIGN_OR_RETURN(catalog::KubeObjects objects,
                      catalog::ReadKubeObjects(text.dump(), "the API server", catalog));
  std::move(objects.warnings.begin(), objects.warnings.end(), std::back_inserter(warnings));
  return cluster::BuildSnapshot(std::move(objects.nodes), std::move(objects.pods), {}, {}, catalog,
                                warnings);
}

Scheduler::Scheduler(kube::KubeClient& client, const gpu::GpuCatalog& catalog,
                     SchedulerOptions options)
    : client_(client), catalog_(catalog), options_(options) {}

Result<ScheduleReport> Scheduler::RunOnce(const cluster::ClusterSnapshot& snapshot) {
  if (options_.bind_workers < 1) {
    return InvalidArgumentError(
        fmt::format("scheduler: bind workers must be at least 1, not {}", options_.bind_workers));
  }
  ScheduleReport report;
  std::vector<const cluster::Pod*> pending;
  for (const cluster::Pod* pod : snapshot.PendingPods()) {
    if (IsGpupackScheduled(*pod)) {
      pending.push_back(pod);
    }
  }
  report.pending = static_cast<int64_t>(pending.size());
  if (pending.empty()) {
    return report;
  }
  plan::SortForPlacement(pending);
  const plan::FitChecker fit(catalog_);
  const plan::Placer placer(fit, options_.policy, pending);
  std::vector<cluster::Node> nodes = snapshot.nodes;
  std::vector<const cluster::Pod*> unplaced;
  std::vector<plan::Placement> placements = plan::PlacePods(placer, pending, nodes, unplaced);
  report.unplaced = static_cast<int64_t>(unplaced.size());

  std::map<std::string, size_t> index_of_node;
  std::vector<NodeWork> work;
  for (plan::Placement& placement : placements) {
    auto [it, inserted] = index_of_node.emplace(placement.node, work.size());
    if (inserted) {
      work.push_back(NodeWork{placement.node, {}, {}, 0, 0, 0, 0, false, {}});
    }
    work[it->second].placements.push_back(std::move(placement));
  }

  // Re-fits `item`'s placements against the pods bound to its node now (file comment, step 2).
  auto recheck = [&](NodeWork& item) {
    const cluster::Node* original = snapshot.FindNode(item.node);
    kube::ListOptions options;
    options.field_selector = "spec.nodeName=" + item.node;
    Result<kube::ObjectList> bound_now = client_.ListAll(kube::PodsResource(), options);
    auto requeue_all = [&](const std::string& why) {
      for (const plan::Placement& placement : item.placements) {
        item.errors.emplace_back(placement.pod, placement.pod + ": " + why);
      }
      item.requeued += static_cast<int64_t>(item.placements.size());
      item.placements.clear();
    };
    if (!bound_now) {
      return requeue_all("re-checking node " + item.node + ": " + bound_now.error().message());
    }
    nlohmann::json fresh = nlohmann::json::array();
    for (nlohmann::json& pod : bound_now->items) {
      std::string key = kube::KeyOf(pod).ToString();
      if (!IsTerminalPhase(pod) &&
          !std::binary_search(original->pods.begin(), original->pods.end(), key)) {
        fresh.push_back(std::move(pod));
      }
    }
    if (fresh.empty()) {
      return;  // the node is as the snapshot saw it
    }
    item.rechecked = true;
    cluster::Node current = *original;
    nlohmann::json list = {{"kind", "PodList"}, {"apiVersion", "v1"}, {"items", std::move(fresh)}};
    Result<catalog::KubeObjects> objects =
        catalog::ReadKubeObjects(list.dump(), "pods on node " + item.node, catalog_);
    if (!objects) {
      return requeue_all(objects.error().message());
    }
    for (const cluster::Pod& pod : objects->pods) {
      if (Status allocated = cluster::AllocateBoundPod(current, pod, catalog_); !allocated) {
        // Over-committed already: bind nothing more here this cycle.
        return requeue_all("node " + item.node + " filled up: " + allocated.error().message());
      }
    }
    std::vector<plan::Placement> kept;
    std::vector<plan::DeviceChoice> devices;
    for (plan::Placement& placement : item.placements) {
      const cluster::Pod* pod = snapshot.FindPod(placement.pod);
      if (fit.Fits(*pod, current, &devices)) {
        plan::Assign(current, *pod, devices);
        placement.devices = devices;
        kept.push_back(std::move(placement));
      } else {
        ++item.requeued;
      }
    }
    item.placements = std::move(kept);
  };

  auto run = [&](NodeWork& item) {
    if (options_.recheck_nodes) {
      recheck(item);
    }
    for (plan::Placement& placement : item.placements) {
      Status bound = BindPod(client_, placement.pod, placement.node, placement.devices,
                             options_.annotate_devices);
      if (bound) {
        item.bound.push_back(std::move(placement));
      } else if (bound.error().code() == ErrorCode::kAborted) {
        ++item.already_bound;
      } else if (bound.error().code() == ErrorCode::kNotFound) {
        ++item.gone;
      } else {
        ++item.failed;
        item.errors.emplace_back(placement.pod, bound.error().message());
      }
    }
  };

  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next.fetch_add(1); i < work.size(); i = next.fetch_add(1)) {
      run(work[i]);
    }
  };
  size_t workers = std::min(work.size(), static_cast<size_t>(options_.bind_workers));
  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers; ++i) {
    threads.emplace_back(worker);
  }
  worker();
  for (std::thread& thread : threads) {
    thread.join();
  }

  std::vector<std::pair<std::string, std::string>> errors;
  for (NodeWork& item : work) {
    report.bound += static_cast<int64_t>(item.bound.size());
    report.already_bound += item.already_bound;
    report.gone += item.gone;
    report.requeued += item.requeued;
    report.failed += item.failed;
    report.nodes_rechecked += item.rechecked ? 1 : 0;
    std::move(item.bound.begin(), item.bound.end(), std::back_inserter(report.bindings));
    std::move(item.errors.begin(), item.errors.end(), std::back_inserter(errors));
  }
  std::sort(report.bindings.begin(), report.bindings.end(),
            [](const plan::Placement& a, const plan::Placement& b) { return a.pod < b.pod; });
  std::sort(errors.begin(), errors.end());
  for (auto& [key, line] : errors) {
    report.errors.push_back(std::move(line));
  }
  return report;
}

}  // namespace gpupack::controller
