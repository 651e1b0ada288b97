// Metrics: a small Prometheus registry (counters, gauges, histograms with labels) rendered in
// the text exposition format 0.0.4, and GpupackMetrics, the one place that defines what the
// controller exports and how a reconcile fills it in.
//
// Exposition: families sorted by name, each with `# HELP` and `# TYPE`; series sorted by label
// values; label values escape `\`, `"` and newline, HELP text escapes `\` and newline;
// histograms write cumulative `_bucket{le="..."}` lines ending in `le="+Inf"`, then `_sum` and
// `_count`. Numbers print in the shortest form that reads back exactly; +Inf, -Inf, NaN as
// Prometheus spells them.
//
// Thread safety: the registry and every metric are thread-safe (one mutex per family); the
// references returned by the registry stay valid as long as the registry.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace gpupack::cluster {
struct ClusterSnapshot;
}  // namespace gpupack::cluster

namespace gpupack::control {
struct ReconcileReport;
}  // namespace gpupack::control

namespace gpupack::controller {

// Label values in the order of the family's label names.
using LabelValues = std::vector<std::string>;

class MetricFamily {
 public:
  enum class Type { kCounter, kGauge, kHistogram };

  MetricFamily(std::string name, std::string help, Type type, std::vector<std::string> label_names,
               std::vector<double> buckets);

  const std::string& name() const { return name_; }

  // Appends this family in the exposition format.
  void Render(std::string& out) const;

 protected:
  struct Series {
    double value = 0;                     // counter, gauge; histogram: the sum
    std::vector<uint64_t> bucket_counts;  // histogram only: per bucket, not cumulative
    uint64_t count = 0;                   // histogram only
  };

  // The series for `labels` (created at zero). GP_CHECKs the label count: a wrong count is a bug.
  Series& SeriesFor(const LabelValues& labels);

  mutable std::mutex mu_;
  std::map<LabelValues, Series> series_;  // guarded by mu_
  const std::string name_;
  const std::string help_;
  const Type type_;
  const std::vector<std::string> label_names_;
  const std::vector<double> buckets_;  // upper bounds, increasing; +Inf implied
};

class Counter final : public MetricFamily {
 public:
  Counter(std::string name, std::string help, std::vector<std::string> label_names);

  // `amount` must be >= 0.
  void Inc(const LabelValues& labels = {}, double amount = 1);

  double Value(const LabelValues& labels = {}) const;
};

class Gauge final : public MetricFamily {
 public:
  Gauge(std::string name, std::string help, std::vector<std::string> label_names);

  void Set(const LabelValues& labels, double value);

  void Set(double value) { Set({}, value); }

  // Drops every series, so label combinations that vanished stop being exported.
  void Clear();

  double Value(const LabelValues& labels = {}) const;
};

class Histogram final : public MetricFamily {
 public:
  // `buckets`: increasing upper bounds, without +Inf.
  Histogram(std::string name, std::string help, std::vector<std::string> label_names,
            std::vector<double> buckets);

  void Observe(const LabelValues& labels, double value);

  void Observe(double value) { Observe({}, value); }
};

class MetricsRegistry {
 public:
  // Each name must be a valid, unregistered metric name (GP_CHECK: metrics are defined in code).
  Counter& AddCounter(std::string name, std::string help,
                      std::vector<std::string> label_names = {});
  Gauge& AddGauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  Histogram& AddHistogram(std::string name, std::string help, std::vector<std::string> label_names,
                          std::vector<double> buckets);

  // The text exposition format 0.0.4 (Content-Type: text/plain; version=0.0.4).
  std::string Expose() const;

 private:
  template <class T>
  T& Add(std::unique_ptr<T> family);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<MetricFamily>> families_;  // guarded by mu_
};

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Everything gpupack's controller exports (README "Metrics" lists them):
//   gpupack_pending_gpu_pods                          pending pods that ask for GPUs
//   gpupack_unschedulable_gpu_pods                    pending pods the last plan could not place
//   gpupack_gpus{sharing}                             GPUs on nodes, by sharing mode
//   gpupack_gpu_slots{sharing}                        schedulable GPU slots, by sharing mode
//   gpupack_gpu_slots_allocated{sharing}              slots in use, by sharing mode
//   gpupack_allocation_ratio                          allocated / total slots (0 when none)
//   gpupack_cost_per_hour_dollars                     sum of the nodes' hourly prices
//   gpupack_plan_lower_bound_cost_per_hour_dollars    the last plan's lower bound
//   gpupack_plan_duration_seconds                     histogram of reconcile/plan latency
//   gpupack_reconcile_actions_total{action}           binds, launches, reconfigurations, ...
//   gpupack_api_errors_total{verb,code}               Kubernetes API errors
//   gpupack_leader                                    1 while this replica leads
// `sharing` is cluster::SharingModeName: whole|timeSlicing|mig|migTimeSlicing.
class GpupackMetrics {
 public:
  GpupackMetrics();

  // The two calls match the Controller's hooks (ctl): after each reconcile, its report and how
  // long it took (counts the actions, the unschedulable pods, the plan's lower bound and the
  // latency histogram) ...
  void RecordReconcile(const control::ReconcileReport& report, Duration latency);

  // ... and the cluster as it is then (pending GPU pods, GPUs and slots by sharing mode,
  // allocation ratio, cost per hour). Sharing modes that vanished stop being exported.
  void UpdateCluster(const cluster::ClusterSnapshot& snapshot);

  // `verb`: get|list|watch|create|update|patch|delete|evict|bind; `code`: the ErrorCode name.
  void CountApiError(std::string_view verb, std::string_view code);

  void SetLeader(bool leader);

  const MetricsRegistry& registry() const { return registry_; }

 private:
  MetricsRegistry registry_;
  Gauge& pending_gpu_pods_;
  Gauge& unschedulable_gpu_pods_;
  Gauge& gpus_;
  Gauge& slots_;
  Gauge& slots_allocated_;
  Gauge& allocation_ratio_;
  Gauge& cost_per_hour_;
  Gauge& lower_bound_cost_per_hour_;
  Histogram& plan_duration_;
  Counter& reconcile_actions_;
  Counter& api_errors_;
  Gauge& leader_;
};

}  // namespace gpupack::controller
