#include "report/testing/sample_report.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/rng.h"

namespace gpupack::report::testing {
namespace {

constexpr int kSteps = 288;  // one day of 5-minute points
constexpr double kStepSeconds = 300;
constexpr double kPricePerGpuHour = 3.20;

struct Strategy {
  std::string name;
  double overhead;     // provisioned GPUs per GPU really needed, once scaled
  int scale_up_lag;    // steps until new GPUs are ready
  int scale_down_lag;  // steps an idle GPU is kept
  int interrupted;
};

struct Run {
  std::vector<double> provisioned;
  std::vector<double> pending;
  double gpu_hours = 0;
};

// Provisioning that follows the demand with a launch delay and a scale-down delay; pods whose
// GPUs are not there yet wait.
Run Simulate(const Strategy& strategy, const std::vector<double>& needed) {
  Run run;
  double current = std::ceil(needed[0] * strategy.overhead);
  for (int step = 0; step < kSteps; ++step) {
    const int ready = std::max(0, step - strategy.scale_up_lag);
    const double target = std::ceil(needed[static_cast<size_t>(ready)] * strategy.overhead);
    double hold = target;
    for (int back = std::max(0, step - strategy.scale_down_lag); back <= step; ++back) {
      hold = std::max(hold, std::ceil(needed[static_cast<size_t>(back)] * strategy.overhead));
    }
    current = std::max(target, std::min(current, hold));
    run.provisioned.push_back(current);
    const double want = needed[static_cast<size_t>(step)] * strategy.overhead;
    run.pending.push_back(std::max(0.0, std::ceil((want - current) * 2.5)));
    run.gpu_hours += current * kStepSeconds / 3600;
  }
  return run;
}

double Percentile(std::vector<double> values, double fraction) {
  std::sort(values.begin(), values.end());
  const auto index = static_cast<size_t>(fraction * static_cast<double>(values.size() - 1));
  return values[index];
}

double Mean(const std::vector<double>& values) {
  double sum = 0;
  for (double value : values) {
    sum += value;
  }
  return values.empty() ? 0 : sum / static_cast<double>(values.size());
}

}  // namespace

HtmlReport SampleSavingsReport() {
  Rng rng(42);
  std::vector<double> times;
  std::vector<double> needed;
  double noise = 0;
  for (int step = 0; step < kSteps; ++step) {
    const double hours = static_cast<double>(step) * kStepSeconds / 3600;
    // Quiet at night, a morning ramp and an afternoon peak: fractions of GPUs add up. The noise
    // is correlated over time, as load bursts are.
    const double daily = std::sin((hours - 9) / 24 * 2 * std::numbers::pi);
    noise = 0.85 * noise + rng.Normal(0, 0.9);
    const double value = 21 + 13 * daily + noise;
    times.push_back(static_cast<double>(step) * kStepSeconds);
    needed.push_back(std::max(4.0, std::round(value * 4) / 4));
  }
  const std::vector<Strategy> strategies = {
      {"dedicated", 2.45, 2, 6, 0},        {"time-slicing", 1.42, 2, 6, 3}, {"mig", 1.31, 3, 6, 0},
      {"mig+time-slicing", 1.16, 3, 6, 2}, {"auto", 1.09, 2, 4, 1},
  };

  LineChart gpus;
  gpus.title = "GPUs provisioned vs. GPUs really needed";
  gpus.y_label = "GPUs";
  LineChart gaps;
  gaps.title = "Per strategy: GPUs provisioned above the GPUs really needed";
  gaps.y_label = "GPUs";
  gaps.layout = LineLayout::kSmallMultiples;
  LineChart allocation;
  allocation.title = "Allocation ratio (GPU demand / GPUs provisioned)";
  allocation.y_label = "Allocation";
  allocation.y_format = NumberFormat::Percent(0);
  allocation.y_max = 1;
  LineChart pending;
  pending.title = "Pending pods";
  pending.y_label = "Pods waiting for a GPU";
  pending.layout = LineLayout::kSmallMultiples;
  pending.lane_height = 44;
  for (LineChart* chart : {&gpus, &gaps, &allocation, &pending}) {
    chart->x_label = "Time since start";
    chart->x_axis = XAxis::kDuration;
  }
  BarChart cost;
  cost.title = "Cost of the day per strategy";
  cost.value_label = "USD (GPU-hours x on-demand price)";
  cost.format = NumberFormat::Currency("$", 0);
  cost.color_by_category = true;
  cost.series.emplace_back("cost", std::vector<double>{});

  DataTable table;
  table.caption = "Pending time percentiles are over all pods; best value per column in green.";
  table.columns = {TableColumn("Strategy"),
                   TableColumn("GPU-hours", Better::kLower),
                   TableColumn("Cost", Better::kLower),
                   TableColumn("Peak GPUs", Better::kLower),
                   TableColumn("Mean GPUs", Better::kLower),
                   TableColumn("Mean allocation", Better::kHigher),
                   TableColumn("Pending p95", Better::kLower),
                   TableColumn("Interrupted", Better::kLower),
                   TableColumn("Savings vs dedicated", Better::kHigher)};

  double needed_gpu_hours = 0;
  for (double value : needed) {
    needed_gpu_hours += value * kStepSeconds / 3600;
  }
  double dedicated_cost = 0;
  double best_savings = 0;
  size_t best_row = 0;
  for (const Strategy& strategy : strategies) {
    const Run run = Simulate(strategy, needed);
    std::vector<double> ratio;
    for (size_t i = 0; i < needed.size(); ++i) {
      ratio.push_back(std::min(1.0, needed[i] / run.provisioned[i]));
    }
    gpus.series.emplace_back(strategy.name, times, run.provisioned).step = true;
    gaps.series.emplace_back(strategy.name, times, run.provisioned).step = true;
    allocation.series.emplace_back(strategy.name, times, ratio);
    pending.series.emplace_back(strategy.name, times, run.pending).step = true;
    const double dollars = run.gpu_hours * kPricePerGpuHour;
    cost.categories.push_back(strategy.name);
    cost.series[0].values.push_back(dollars);
    if (strategy.name == "dedicated") {
      dedicated_cost = dollars;
    }
    const double savings = 1 - dollars / dedicated_cost;
    if (savings > best_savings) {
      best_savings = savings;
      best_row = table.rows.size();
    }
    // Pending minutes per pod: shaped after the pending counts, not measured.
    const double p95_minutes = Percentile(run.pending, 0.95) * 1.5 + 0.4;
    table.rows.push_back({
        TableCell(strategy.name),
        NumberCell(run.gpu_hours, NumberFormat::Fixed(0)),
        NumberCell(dollars, NumberFormat::Currency("$", 0)),
        NumberCell(*std::max_element(run.provisioned.begin(), run.provisioned.end()),
                   NumberFormat::Fixed(0)),
        NumberCell(Mean(run.provisioned), NumberFormat::Fixed(1)),
        NumberCell(Mean(ratio), NumberFormat::Percent(1)),
        NumberCell(p95_minutes, NumberFormat::Fixed(1).WithSuffix(" min")),
        NumberCell(strategy.interrupted, NumberFormat::Fixed(0)),
        NumberCell(savings, NumberFormat::Percent(1)),
    });
  }
  for (LineChart* chart : {&gpus, &gaps}) {
    Series& needed_series = chart->series.emplace_back("GPUs really needed", times, needed);
    needed_series.step = true;
    needed_series.reference = true;
  }
  const double lower_bound = needed_gpu_hours * kPricePerGpuHour;
  cost.references.emplace_back("Lower bound", lower_bound);

  HtmlReport report("GPU sharing: what each strategy costs");
  report.SetSubtitle(
      "Scenario: inference-diurnal (sample data) · seed 42 · 1 day, 5-minute steps "
      "· 2026-11-24");
  report.AddVerdict(
      fmt::format("{} saves {:.0f}% against dedicated GPUs", table.rows[best_row][0].text,
                  best_savings * 100),
      fmt::format("It needs {} GPU-hours where dedicated GPUs take {}, {} above the lower bound "
                  "of {} GPU-hours, and its pods wait no longer than under the other strategies.",
                  table.rows[best_row][1].text, table.rows.front()[1].text,
                  FormatNumber(table.rows[best_row][1].value / needed_gpu_hours - 1,
                               NumberFormat::Percent(0)),
                  FormatNumber(needed_gpu_hours, NumberFormat::Fixed(0))));
  report.AddHeading("Summary");
  report.AddTable(table);
  report.AddHeading("Capacity over the day");
  report.AddChart(gpus,
                  "Each line is the GPUs a strategy kept running; the dashed line is the GPU "
                  "demand of the pods, the least any strategy could provision.");
  report.AddChart(gaps,
                  "The shaded area above the dashed line is GPUs paid for and not asked for.");
  report.AddChart(allocation, "Share of the provisioned GPUs that pods had asked for.");
  report.AddHeading("Cost and waiting");
  report.AddChart(cost, "The dashed line is the cost of the GPUs really needed (the lower bound).");
  report.AddChart(pending, "Pods waiting while new GPUs start; each lane has the same scale.");
  return report;
}

}  // namespace gpupack::report::testing
