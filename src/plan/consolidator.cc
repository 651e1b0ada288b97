#include "plan/consolidator.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

namespace gpupack::plan {
namespace {

std::string Dollars(double amount) {
  char text[32];
  std::snprintf(text, sizeof text, "$%.2f/h", amount);
  return text;
}

struct Candidate {
  size_t index = 0;
  size_t pods = 0;
  double price = 0;
};

}  // namespace

std::string WhyPinned(const cluster::Pod& pod, const PlanOptions& options) {
  auto it = pod.annotations.find(kAnnotationDoNotDisrupt);
  if (it != pod.annotations.end() && it->second == "true") {
    return std::string(kAnnotationDoNotDisrupt) + "=true";
  }
  if (!pod.owner) {
    return "no owning controller (a bare pod would not come back)";
  }
  if (options.protect_running_jobs && pod.owner->kind == "Job") {
    return "a running Job's pod";
  }
  return "";
}

ConsolidationResult Consolidate(const cluster::ClusterSnapshot& snapshot, const Placer& placer,
                                const PlanOptions& options, std::vector<cluster::Node>& nodes,
                                std::span<const size_t> touched) {
  ConsolidationResult result;
  std::vector<Candidate> candidates;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const cluster::Node& node = nodes[i];
    if (node.template_name.empty() || std::binary_search(touched.begin(), touched.end(), i)) {
      continue;
    }
    candidates.push_back(Candidate{i, node.pods.size(), node.price_per_hour});
  }
  std::sort(candidates.begin(), candidates.end(), [&](const Candidate& a, const Candidate& b) {
    if (a.pods != b.pods) {
      return a.pods < b.pods;
    }
    if (a.price != b.price) {
      return a.price > b.price;
    }
    return nodes[a.index].name < nodes[b.index].name;
  });

  int32_t disrupted = 0;
  std::vector<size_t> removed;    // sorted
  std::vector<size_t> receivers;  // nodes that took moved pods, sorted
  std::vector<DeviceChoice> devices;
  for (const Candidate& candidate : candidates) {
    cluster::Node& node = nodes[candidate.index];
    if (std::binary_search(receivers.begin(), receivers.end(), candidate.index)) {
      continue;  // holds pods this plan just moved there
    }
    if (node.pods.empty()) {
      removed.insert(std::lower_bound(removed.begin(), removed.end(), candidate.index),
                     candidate.index);
      result.removals.push_back(Removal{
          .node = node.name,
          .price_per_hour = node.price_per_hour,
          .reason = "empty; saves " + Dollars(node.price_per_hour),
      });
      continue;
    }
    if (disrupted >= options.disruption_budget) {
      continue;
    }
    std::vector<const cluster::Pod*> pods;
    bool movable = true;
    for (const std::string& key : node.pods) {
      const cluster::Pod* pod = snapshot.FindPod(key);
      if (pod == nullptr || !WhyPinned(*pod, options).empty()) {
        movable = false;
        break;
      }
      pods.push_back(pod);
    }
    if (!movable) {
      continue;
    }
    SortForPlacement(pods);
    // Moves are applied as they are found and rolled back when the node cannot be emptied.
    std::vector<size_t> excluded = removed;
    excluded.insert(std::lower_bound(excluded.begin(), excluded.end(), candidate.index),
                    candidate.index);
    std::vector<Placement> moves;
    std::vector<std::pair<size_t, const cluster::Pod*>> applied;
    for (const cluster::Pod* pod : pods) {
      std::optional<size_t> target = placer.Choose(*pod, nodes, devices, excluded);
      if (!target) {
        movable = false;
        break;
      }
      Assign(nodes[*target], *pod, devices);
      applied.emplace_back(*target, pod);
      moves.push_back(Placement{
          .pod = pod->Key(),
          .node = nodes[*target].name,
          .devices = devices,
          .moved = true,
          .reason = "moved off " + node.name + " (removed) onto " + nodes[*target].name,
      });
    }
    if (!movable) {
      for (const auto& [target, pod] : applied) {
        cluster::ReleasePod(nodes[target], *pod);
      }
      continue;
    }
    for (const cluster::Pod* pod : pods) {
      cluster::ReleasePod(node, *pod);
    }
    for (const auto& [target, pod] : applied) {
      receivers.push_back(target);
    }
    std::sort(receivers.begin(), receivers.end());
    removed = std::move(excluded);
    ++disrupted;
    result.removals.push_back(Removal{
        .node = nodes[candidate.index].name,
        .price_per_hour = nodes[candidate.index].price_per_hour,
        .reason = "its " + std::to_string(pods.size()) + " pod(s) fit on other nodes; saves " +
                  Dollars(nodes[candidate.index].price_per_hour),
    });
    for (Placement& move : moves) {
      result.moves.push_back(std::move(move));
    }
  }
  std::sort(result.removals.begin(), result.removals.end(),
            [](const Removal& a, const Removal& b) { return a.node < b.node; });
  result.removed = std::move(removed);
  return result;
}

}  // namespace gpupack::plan
