#include "controller/metrics.h"

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "cluster/snapshot.h"
#include "control/control_loop.h"

namespace gpupack::controller {
namespace {

TEST(MetricsRegistryTest, ExposesCountersAndGaugesInTheTextFormatSortedByNameAndLabels) {
  MetricsRegistry registry;
  Counter& requests = registry.AddCounter("test_requests_total", "Requests.", {"verb", "code"});
  Gauge& temperature = registry.AddGauge("test_temperature_celsius", "Temperature.");
  requests.Inc({"list", "200"}, 3);
  requests.Inc({"get", "404"});
  requests.Inc({"get", "200"}, 2.5);
  temperature.Set(-1.25);
  EXPECT_EQ(registry.Expose(),
            "# HELP test_requests_total Requests.\n"
            "# TYPE test_requests_total counter\n"
            "test_requests_total{verb=\"get\",code=\"200\"} 2.5\n"
            "test_requests_total{verb=\"get\",code=\"404\"} 1\n"
            "test_requests_total{verb=\"list\",code=\"200\"} 3\n"
            "# HELP test_temperature_celsius Temperature.\n"
            "# TYPE test_temperature_celsius gauge\n"
            "test_temperature_celsius -1.25\n");
}

TEST(MetricsRegistryTest, ExportsAnUnlabelledMetricAtZeroAndALabelledOneOnlyOnceItHasASeries) {
  MetricsRegistry registry;
  registry.AddCounter("a_total", "A.");
  registry.AddCounter("b_total", "B.", {"kind"});
  EXPECT_EQ(registry.Expose(), "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n");
}

TEST(MetricsRegistryTest, EscapesLabelValuesAndHelpText) {
  MetricsRegistry registry;
  Gauge& gauge = registry.AddGauge("test_info", "Back\\slash and\nnewline \"quoted\".", {"path"});
  gauge.Set({"C:\\dir \"x\"\nnext"}, 1);
  EXPECT_EQ(registry.Expose(),
            "# HELP test_info Back\\\\slash and\\nnewline \"quoted\".\n"
            "# TYPE test_info gauge\n"
            "test_info{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 1\n");
}

TEST(MetricsRegistryTest, WritesSpecialValuesAsPrometheusSpellsThem) {
  MetricsRegistry registry;
  Gauge& gauge = registry.AddGauge("test_value", "V.", {"k"});
  gauge.Set({"inf"}, std::numeric_limits<double>::infinity());
  gauge.Set({"minf"}, -std::numeric_limits<double>::infinity());
  gauge.Set({"nan"}, std::nan(""));
  gauge.Set({"small"}, 1e-9);
  gauge.Set({"third"}, 1.0 / 3);
  EXPECT_EQ(registry.Expose(),
            "# HELP test_value V.\n# TYPE test_value gauge\n"
            "test_value{k=\"inf\"} +Inf\n"
            "test_value{k=\"minf\"} -Inf\n"
            "test_value{k=\"nan\"} NaN\n"
            "test_value{k=\"small\"} 1e-09\n"
            "test_value{k=\"third\"} 0.3333333333333333\n");
}

TEST(MetricsRegistryTest, HistogramWritesCumulativeBucketsInfSumAndCount) {
  MetricsRegistry registry;
  Histogram& latency =
      registry.AddHistogram("test_latency_seconds", "Latency.", {"op"}, {0.1, 0.5, 1});
  latency.Observe({"plan"}, 0.05);
  latency.Observe({"plan"}, 0.1);  // on a bound: counts in that bucket (le)
  latency.Observe({"plan"}, 0.7);
  latency.Observe({"plan"}, 3);
  EXPECT_EQ(registry.Expose(),
            "# HELP test_latency_seconds Latency.\n"
            "# TYPE test_latency_seconds histogram\n"
            "test_latency_seconds_bucket{op=\"plan\",le=\"0.1\"} 2\n"
            "test_latency_seconds_bucket{op=\"plan\",le=\"0.5\"} 2\n"
            "test_latency_seconds_bucket{op=\"plan\",le=\"1\"} 3\n"
            "test_latency_seconds_bucket{op=\"plan\",le=\"+Inf\"} 4\n"
            "test_latency_seconds_sum{op=\"plan\"} 3.85\n"
            "test_latency_seconds_count{op=\"plan\"} 4\n");
}

TEST(MetricsRegistryTest, UnlabelledHistogramStartsAtZero) {
  MetricsRegistry registry;
  registry.AddHistogram("test_seconds", "S.", {}, {1});
  EXPECT_EQ(registry.Expose(),
            "# HELP test_seconds S.\n# TYPE test_seconds histogram\n"
            "test_seconds_bucket{le=\"1\"} 0\n"
            "test_seconds_bucket{le=\"+Inf\"} 0\n"
            "test_seconds_sum 0\n"
            "test_seconds_count 0\n");
}

TEST(MetricsRegistryTest, ClearedGaugeDropsSeriesThatVanished) {
  MetricsRegistry registry;
  Gauge& gauge = registry.AddGauge("test_gpus", "G.", {"mode"});
  gauge.Set({"mig"}, 2);
  gauge.Clear();
  gauge.Set({"whole"}, 1);
  EXPECT_EQ(registry.Expose(),
            "# HELP test_gpus G.\n# TYPE test_gpus gauge\ntest_gpus{mode=\"whole\"} 1\n");
}

TEST(MetricsRegistryDeathTest, RejectsInvalidNamesAndWrongLabelCounts) {
  MetricsRegistry registry;
  EXPECT_DEATH(registry.AddGauge("bad-name", "x"), "invalid metric name");
  Gauge& gauge = registry.AddGauge("ok", "x", {"a"});
  EXPECT_DEATH(gauge.Set({"1", "2"}, 1), "wrong number of label values");
  EXPECT_DEATH(registry.AddHistogram("h", "x", {"le"}, {1}), "label le");
}

cluster::Pod PendingPod(std::string name, cluster::GpuDemandKind kind) {
  cluster::Pod pod;
  pod.name = std::move(name);
  pod.namespace_name = "ml";
  pod.gpu.kind = kind;
  pod.gpu.count = 1;
  return pod;
}

cluster::NodeGpu Gpu(cluster::SharingMode mode, int32_t replicas, int32_t allocated_slots) {
  cluster::NodeGpu gpu;
  gpu.model = "A100-SXM4-40GB";
  gpu.sharing.mode = mode;
  gpu.sharing.replicas = replicas;
  if (allocated_slots > 0) {
    gpu.allocations.push_back(cluster::GpuAllocation{"ml/p", -1, allocated_slots, 0});
  }
  return gpu;
}

TEST(GpupackMetricsTest,
     ReconcileAndClusterUpdatesExportPendingPodsGpusSlotsAllocationCostAndActions) {
  cluster::ClusterSnapshot snapshot;
  snapshot.pods.push_back(PendingPod("a", cluster::GpuDemandKind::kWholeGpu));
  snapshot.pods.push_back(PendingPod("b", cluster::GpuDemandKind::kSharedGpu));
  snapshot.pods.push_back(PendingPod("cpu-only", cluster::GpuDemandKind::kNone));
  cluster::Pod bound = PendingPod("bound", cluster::GpuDemandKind::kWholeGpu);
  bound.node_name = "n1";
  snapshot.pods.push_back(bound);
  cluster::Pod never = PendingPod("never", cluster::GpuDemandKind::kWholeGpu);
  never.unsatisfiable_reason = "asks for 16 GPUs";
  snapshot.pods.push_back(never);

  cluster::Node n1;
  n1.name = "n1";
  n1.price_per_hour = 3.5;
  n1.gpus = {Gpu(cluster::SharingMode::kWhole, 1, 1), Gpu(cluster::SharingMode::kWhole, 1, 0)};
  cluster::Node n2;
  n2.name = "n2";
  n2.price_per_hour = 1.25;
  n2.gpus = {Gpu(cluster::SharingMode::kTimeSlicing, 4, 3)};
  snapshot.nodes = {n1, n2};

  control::ReconcileReport report;
  report.planned = true;
  report.bound = 2;
  report.launched_nodes = 1;
  report.unschedulable.push_back({"ml/x", "no offering"});
  report.lower_bound_cost_per_hour = 4.5;

  GpupackMetrics metrics;
  metrics.RecordReconcile(report, std::chrono::milliseconds(20));
  metrics.UpdateCluster(snapshot);
  metrics.CountApiError("patch", "Aborted");
  metrics.SetLeader(true);

  EXPECT_EQ(metrics.registry().Expose(),
            "# HELP gpupack_allocation_ratio Allocated GPU slots over all GPU slots (0 without "
            "GPUs).\n"
            "# TYPE gpupack_allocation_ratio gauge\n"
            "gpupack_allocation_ratio 0.6666666666666666\n"
            "# HELP gpupack_api_errors_total Kubernetes API calls that failed, by verb and error "
            "code.\n"
            "# TYPE gpupack_api_errors_total counter\n"
            "gpupack_api_errors_total{verb=\"patch\",code=\"Aborted\"} 1\n"
            "# HELP gpupack_cost_per_hour_dollars Sum of the hourly prices of the nodes, in USD.\n"
            "# TYPE gpupack_cost_per_hour_dollars gauge\n"
            "gpupack_cost_per_hour_dollars 4.75\n"
            "# HELP gpupack_gpu_slots Schedulable GPU slots (GPUs, MIG instances or time-sliced "
            "replicas), by sharing mode.\n"
            "# TYPE gpupack_gpu_slots gauge\n"
            "gpupack_gpu_slots{sharing=\"timeSlicing\"} 4\n"
            "gpupack_gpu_slots{sharing=\"whole\"} 2\n"
            "# HELP gpupack_gpu_slots_allocated GPU slots held by pods, by sharing mode.\n"
            "# TYPE gpupack_gpu_slots_allocated gauge\n"
            "gpupack_gpu_slots_allocated{sharing=\"timeSlicing\"} 3\n"
            "gpupack_gpu_slots_allocated{sharing=\"whole\"} 1\n"
            "# HELP gpupack_gpus GPUs on nodes, by sharing mode.\n"
            "# TYPE gpupack_gpus gauge\n"
            "gpupack_gpus{sharing=\"timeSlicing\"} 1\n"
            "gpupack_gpus{sharing=\"whole\"} 2\n"
            "# HELP gpupack_leader 1 while this replica is the leader, else 0.\n"
            "# TYPE gpupack_leader gauge\n"
            "gpupack_leader 1\n"
            "# HELP gpupack_pending_gpu_pods Pending pods that request GPUs and could run "
            "somewhere.\n"
            "# TYPE gpupack_pending_gpu_pods gauge\n"
            "gpupack_pending_gpu_pods 2\n"
            "# HELP gpupack_plan_duration_seconds Time one reconcile (read, plan, act) took.\n"
            "# TYPE gpupack_plan_duration_seconds histogram\n"
            "gpupack_plan_duration_seconds_bucket{le=\"0.001\"} 0\n"
            "gpupack_plan_duration_seconds_bucket{le=\"0.005\"} 0\n"
            "gpupack_plan_duration_seconds_bucket{le=\"0.01\"} 0\n"
            "gpupack_plan_duration_seconds_bucket{le=\"0.025\"} 1\n"
            "gpupack_plan_duration_seconds_bucket{le=\"0.05\"} 1\n"
            "gpupack_plan_duration_seconds_bucket{le=\"0.1\"} 1\n"
            "gpupack_plan_duration_seconds_bucket{le=\"0.25\"} 1\n"
            "gpupack_plan_duration_seconds_bucket{le=\"0.5\"} 1\n"
            "gpupack_plan_duration_seconds_bucket{le=\"1\"} 1\n"
            "gpupack_plan_duration_seconds_bucket{le=\"2.5\"} 1\n"
            "gpupack_plan_duration_seconds_bucket{le=\"5\"} 1\n"
            "gpupack_plan_duration_seconds_bucket{le=\"10\"} 1\n"
            "gpupack_plan_duration_seconds_bucket{le=\"30\"} 1\n"
            "gpupack_plan_duration_seconds_bucket{le=\"+Inf\"} 1\n"
            "gpupack_plan_duration_seconds_sum 0.02\n"
            "gpupack_plan_duration_seconds_count 1\n"
            "# HELP gpupack_plan_lower_bound_cost_per_hour_dollars The last plan's lower bound on "
            "the hourly cost of the pods it placed, in USD.\n"
            "# TYPE gpupack_plan_lower_bound_cost_per_hour_dollars gauge\n"
            "gpupack_plan_lower_bound_cost_per_hour_dollars 4.5\n"
            "# HELP gpupack_reconcile_actions_total What reconciles did: bound, nominated, "
            "launched, launch_failed, reconfigured, removed.\n"
            "# TYPE gpupack_reconcile_actions_total counter\n"
            "gpupack_reconcile_actions_total{action=\"bound\"} 2\n"
            "gpupack_reconcile_actions_total{action=\"launched\"} 1\n"
            "# HELP gpupack_unschedulable_gpu_pods Pending GPU pods the last plan could not place "
            "(see the pods' events for why).\n"
            "# TYPE gpupack_unschedulable_gpu_pods gauge\n"
            "gpupack_unschedulable_gpu_pods 1\n");
}

TEST(GpupackMetricsTest, SharingModesThatVanishStopBeingExportedAndActionsAccumulate) {
  cluster::ClusterSnapshot with_mig;
  cluster::Node node;
  node.name = "n";
  node.gpus = {Gpu(cluster::SharingMode::kMig, 1, 0)};
  with_mig.nodes = {node};
  control::ReconcileReport report;
  report.removed = 1;
  GpupackMetrics metrics;
  metrics.RecordReconcile(report, std::chrono::milliseconds(1));
  metrics.UpdateCluster(with_mig);
  metrics.RecordReconcile(report, std::chrono::milliseconds(1));
  metrics.UpdateCluster(cluster::ClusterSnapshot{});
  std::string text = metrics.registry().Expose();
  EXPECT_EQ(text.find("sharing=\"mig\""), std::string::npos);
  EXPECT_NE(text.find("gpupack_allocation_ratio 0\n"), std::string::npos);
  EXPECT_NE(text.find("gpupack_reconcile_actions_total{action=\"removed\"} 2\n"),
            std::string::npos);
}

}  // namespace
}  // namespace gpupack::controller
