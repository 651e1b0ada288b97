#include "controller/metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "cluster/snapshot.h"
#include "common/check.h"
#include "control/control_loop.h"

namespace gpupack::controller {
namespace {

bool IsValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) {
    return false;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      return false;
    }
  }
  return true;
}

// Prometheus spells the special values +Inf, -Inf, NaN; everything else is the shortest text
// that reads back to the same double.
std::string FormatValue(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  return fmt::format("{}", value);
}

std::string EscapeHelp(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeLabelValue(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// `{a="x",b="y"}` (with `extra`, e.g. le="0.5", last), or "" when there are no labels at all.
std::string LabelSet(const std::vector<std::string>& names, const LabelValues& values,
                     std::string_view extra = {}) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += fmt::format("{}=\"{}\"", names[i], EscapeLabelValue(values[i]));
  }
  if (!extra.empty()) {
    out += out.empty() ? "{" : ",";
    out += extra;
  }
  return out.empty() ? out : out + "}";
}

std::string_view TypeName(MetricFamily::Type type) {
  switch (type) {
    case MetricFamily::Type::kCounter:
      return "counter";
    case MetricFamily::Type::kGauge:
      return "gauge";
    case MetricFamily::Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

MetricFamily::MetricFamily(std::string name, std::string help, Type type,
                           std::vector<std::string> label_names, std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)),
      buckets_(std::move(buckets)) {
  GP_CHECK(IsValidName(name_, true), "invalid metric name");
  for (const std::string& label : label_names_) {
    GP_CHECK(IsValidName(label, false) && label.rfind("__", 0) != 0, "invalid label name");
    GP_CHECK(type_ != Type::kHistogram || label != "le", "a histogram cannot use the label le");
  }
  GP_CHECK(std::is_sorted(buckets_.begin(), buckets_.end()) &&
               std::adjacent_find(buckets_.begin(), buckets_.end()) == buckets_.end(),
           "histogram buckets must increase");
  if (label_names_.empty()) {
    SeriesFor({});  // a metric without labels is exported from the start, at zero
  }
}

MetricFamily::Series& MetricFamily::SeriesFor(const LabelValues& labels) {
  GP_CHECK(labels.size() == label_names_.size(), "wrong number of label values");
  auto [it, inserted] = series_.try_emplace(labels);
  if (inserted && type_ == Type::kHistogram) {
    it->second.bucket_counts.assign(buckets_.size(), 0);
  }
  return it->second;
}

void MetricFamily::Render(std::string& out) const {
  std::lock_guard lock(mu_);
  if (series_.empty()) {
    return;  // like client_golang: a labelled family appears with its first series
  }
  out +=
      fmt::format("# HELP {} {}\n# TYPE {} {}\n", name_, EscapeHelp(help_), name_, TypeName(type_));
  for (const auto& [labels, series] : series_) {
    if (type_ != Type::kHistogram) {
      out += fmt::format("{}{} {}\n", name_, LabelSet(label_names_, labels),
                         FormatValue(series.value));
      continue;
    }
    uint64_t cumulative = 0;
    for (size_t i = 0; i < buckets_.size(); ++i) {
      cumulative += series.bucket_counts[i];
      out += fmt::format(
          "{}_bucket{} {}\n", name_,
          LabelSet(label_names_, labels, fmt::format("le=\"{}\"", FormatValue(buckets_[i]))),
          cumulative);
    }
    out += fmt::format("{}_bucket{} {}\n", name_, LabelSet(label_names_, labels, "le=\"+Inf\""),
                       series.count);
    out += fmt::format("{}_sum{} {}\n", name_, LabelSet(label_names_, labels),
                       FormatValue(series.value));
    out += fmt::format("{}_count{} {}\n", name_, LabelSet(label_names_, labels), series.count);
  }
}

Counter::Counter(std::string name, std::string help, std::vector<std::string> label_names)
    : MetricFamily(std::move(name), std::move(help), Type::kCounter, std::move(label_names), {}) {}

void Counter::Inc(const LabelValues& labels, double amount) {
  GP_CHECK(amount >= 0, "a counter only goes up");
  std::lock_guard lock(mu_);
  SeriesFor(labels).value += amount;
}

double Counter::Value(const LabelValues& labels) const {
  std::lock_guard lock(mu_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.value;
}

Gauge::Gauge(std::string name, std::string help, std::vector<std::string> label_names)
    : MetricFamily(std::move(name), std::move(help), Type::kGauge, std::move(label_names), {}) {}

void Gauge::Set(const LabelValues& labels, double value) {
  std::lock_guard lock(mu_);
  SeriesFor(labels).value = value;
}

void Gauge::Clear() {
  std::lock_guard lock(mu_);
  series_.clear();
  if (label_names_.empty()) {
    SeriesFor({});
  }
}

double Gauge::Value(const LabelValues& labels) const {
  std::lock_guard lock(mu_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.value;
}

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> label_names,
                     std::vector<double> buckets)
    : MetricFamily(std::move(name), std::move(help), Type::kHistogram, std::move(label_names),
                   std::move(buckets)) {}

void Histogram::Observe(const LabelValues& labels, double value) {
  std::lock_guard lock(mu_);
  Series& series = SeriesFor(labels);
  // Buckets are upper bounds (le: less than or equal); values above the last fall in +Inf only.
  auto bucket = std::lower_bound(buckets_.begin(), buckets_.end(), value);
  if (bucket != buckets_.end()) {
    ++series.bucket_counts[static_cast<size_t>(bucket - buckets_.begin())];
  }
  series.value += value;
  ++series.count;
}

template <class T>
T& MetricsRegistry::Add(std::unique_ptr<T> family) {
  std::lock_guard lock(mu_);
  T& ref = *family;
  auto [it, inserted] = families_.try_emplace(family->name(), std::move(family));
  GP_CHECK(inserted, "metric registered twice");
  return ref;
}

Counter& MetricsRegistry::AddCounter(std::string name, std::string help,
                                     std::vector<std::string> label_names) {
  return Add(std::make_unique<Counter>(std::move(name), std::move(help), std::move(label_names)));
}

Gauge& MetricsRegistry::AddGauge(std::string name, std::string help,
                                 std::vector<std::string> label_names) {
  return Add(std::make_unique<Gauge>(std::move(name), std::move(help), std::move(label_names)));
}

Histogram& MetricsRegistry::AddHistogram(std::string name, std::string help,
                                         std::vector<std::string> label_names,
                                         std::vector<double> buckets) {
  return Add(std::make_unique<Histogram>(std::move(name), std::move(help), std::move(label_names),
                                         std::move(buckets)));
}

std::string MetricsRegistry::Expose() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    family->Render(out);
  }
  return out;
}

GpupackMetrics::GpupackMetrics()
    : pending_gpu_pods_(registry_.AddGauge(
          "gpupack_pending_gpu_pods", "Pending pods that request GPUs and could run somewhere.")),
      unschedulable_gpu_pods_(registry_.AddGauge(
          "gpupack_unschedulable_gpu_pods",
          "Pending GPU pods the last plan could not place (see the pods' events for why).")),
      gpus_(registry_.AddGauge("gpupack_gpus", "GPUs on nodes, by sharing mode.", {"sharing"})),
      slots_(registry_.AddGauge("gpupack_gpu_slots",
                                "Schedulable GPU slots (GPUs, MIG instances or time-sliced "
                                "replicas), by sharing mode.",
                                {"sharing"})),
      slots_allocated_(registry_.AddGauge("gpupack_gpu_slots_allocated",
                                          "GPU slots held by pods, by sharing mode.", {"sharing"})),
      allocation_ratio_(registry_.AddGauge(
          "gpupack_allocation_ratio", "Allocated GPU slots over all GPU slots (0 without GPUs).")),
      cost_per_hour_(registry_.AddGauge("gpupack_cost_per_hour_dollars",
                                        "Sum of the hourly prices of the nodes, in USD.")),
      lower_bound_cost_per_hour_(registry_.AddGauge(
          "gpupack_plan_lower_bound_cost_per_hour_dollars",
          "The last plan's lower bound on the hourly cost of the pods it placed, in USD.")),
      plan_duration_(registry_.AddHistogram(
          "gpupack_plan_duration_seconds", "Time one reconcile (read, plan, act) took.", {},
          {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30})),
      reconcile_actions_(registry_.AddCounter(
          "gpupack_reconcile_actions_total",
          "What reconciles did: bound, nominated, launched, launch_failed, reconfigured, removed.",
          {"action"})),
      api_errors_(registry_.AddCounter("gpupack_api_errors_total",
                                       "Kubernetes API calls that failed, by verb and error code.",
                                       {"verb", "code"})),
      leader_(registry_.AddGauge("gpupack_leader", "1 while this replica is the leader, else 0.")) {
}

void GpupackMetrics::RecordReconcile(const control::ReconcileReport& report, Duration latency) {
  plan_duration_.Observe(std::chrono::duration<double>(latency).count());
  unschedulable_gpu_pods_.Set(static_cast<double>(report.unschedulable.size()));
  if (report.planned) {
    lower_bound_cost_per_hour_.Set(report.lower_bound_cost_per_hour);
  }
  for (auto [action, count] :
       {std::pair{"bound", report.bound}, std::pair{"nominated", report.nominated},
        std::pair{"launched", report.launched_nodes},
        std::pair{"launch_failed", report.launch_failures},
        std::pair{"reconfigured", report.reconfigured}, std::pair{"removed", report.removed}}) {
    if (count > 0) {
      reconcile_actions_.Inc({action}, count);
    }
  }
}

void GpupackMetrics::UpdateCluster(const cluster::ClusterSnapshot& snapshot) {
  int64_t pending = 0;
  for (const cluster::Pod* pod : snapshot.PendingPods()) {
    pending += pod->gpu.IsGpu() ? 1 : 0;
  }
  pending_gpu_pods_.Set(static_cast<double>(pending));

  struct Tally {
    int64_t gpus = 0;
    int64_t slots = 0;
    int64_t allocated = 0;
  };

  std::map<std::string, Tally> by_mode;
  double cost = 0;
  for (const cluster::Node& node : snapshot.nodes) {
    cost += node.price_per_hour;
    for (const cluster::NodeGpu& gpu : node.gpus) {
      Tally& tally = by_mode[std::string(cluster::SharingModeName(gpu.sharing.mode))];
      ++tally.gpus;
      tally.slots += gpu.sharing.SlotCount();
      for (const cluster::GpuAllocation& allocation : gpu.allocations) {
        tally.allocated += allocation.slots;
      }
    }
  }
  gpus_.Clear();
  slots_.Clear();
  slots_allocated_.Clear();
  int64_t total_slots = 0;
  int64_t total_allocated = 0;
  for (const auto& [mode, tally] : by_mode) {
    gpus_.Set({mode}, static_cast<double>(tally.gpus));
    slots_.Set({mode}, static_cast<double>(tally.slots));
    slots_allocated_.Set({mode}, static_cast<double>(tally.allocated));
    total_slots += tally.slots;
    total_allocated += tally.allocated;
  }
  allocation_ratio_.Set(total_slots == 0 ? 0
                                         : static_cast<double>(total_allocated) /
                                               static_cast<double>(total_slots));
  cost_per_hour_.Set(cost);
}

void GpupackMetrics::CountApiError(std::string_view verb, std::string_view code) {
  api_errors_.Inc({std::string(verb), std::string(code)});
}

void GpupackMetrics::SetLeader(bool leader) { leader_.Set(leader ? 1 : 0); }

}  // namespace gpupack::controller
