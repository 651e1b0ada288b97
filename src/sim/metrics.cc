#include "sim/metrics.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <utility>

#include "report/chart.h"
#include "report/html_report.h"

namespace gpupack::sim {

namespace {

std::string Money(double value) {
  return report::FormatNumber(value, report::NumberFormat::Currency("$", 0));
}

std::string Percent(double value) {
  return report::FormatNumber(value, report::NumberFormat::Percent(0));
}

std::vector<double> Column(const StrategyResult& result, double TimePoint::*field) {
  std::vector<double> values;
  values.reserve(result.timeseries.size());
  for (const TimePoint& point : result.timeseries) {
    values.push_back(point.*field);
  }
  return values;
}

std::vector<double> Seconds(const StrategyResult& result) {
  return Column(result, &TimePoint::seconds);
}

}  // namespace

std::optional<double> Comparison::SavingsVsDedicated(size_t index) const {
  if (!dedicated || results[*dedicated].cost <= 0 ||
      results[index].unscheduled.size() > results[*dedicated].unscheduled.size()) {
    return std::nullopt;
  }
  return 1.0 - results[index].cost / results[*dedicated].cost;
}

size_t Comparison::Cheapest() const {
  size_t best = 0;
  for (size_t i = 1; i < results.size(); ++i) {
    if (std::pair(results[i].unscheduled.size(), results[i].cost) <
        std::pair(results[best].unscheduled.size(), results[best].cost)) {
      best = i;
    }
  }
  return best;
}

std::string Comparison::Headline() const {
  const size_t cheapest = Cheapest();
  const StrategyResult& best = results[cheapest];
  if (dedicated && cheapest == *dedicated && results.size() > 1) {
    std::string headline = "Sharing saves nothing here: dedicated GPUs cost " + Money(best.cost);
    std::optional<size_t> runner_up;
    for (size_t i = 0; i < results.size(); ++i) {
      if (i != cheapest && SavingsVsDedicated(i) &&
          (!runner_up || results[i].cost < results[*runner_up].cost)) {
        runner_up = i;
      }
    }
    if (runner_up) {
      headline += "; " + results[*runner_up].name + " costs " +
                  Percent(-*SavingsVsDedicated(*runner_up)) + " more";
    }
    return headline;
  }
  std::string headline = best.name + " costs " + Money(best.cost);
  if (std::optional<double> savings = SavingsVsDedicated(cheapest); savings && results.size() > 1) {
    headline += ", " + Percent(*savings) + " less than dedicated GPUs (" +
                Money(results[*dedicated].cost) + ")";
  }
  return headline;
}

Comparison Compare(std::vector<StrategyResult> results) {
  Comparison comparison;
  comparison.results = std::move(results);
  double bound = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < comparison.results.size(); ++i) {
    bound = std::min(bound, comparison.results[i].lower_bound_cost);
    if (comparison.results[i].name == "dedicated") {
      comparison.dedicated = i;
    }
  }
  comparison.lower_bound_cost = comparison.results.empty() ? 0 : bound;
  return comparison;
}

std::string RenderSavingsReport(const Scenario& scenario, const Comparison& comparison,
                                const std::string& subtitle) {
  report::HtmlReport page("GPU sharing: what it saves");
  page.SetSubtitle(subtitle);
  const std::vector<StrategyResult>& results = comparison.results;
  if (!results.empty()) {
    const StrategyResult& best = results[comparison.Cheapest()];
    std::string text =
        "Over " +
        report::FormatNumber(
            std::chrono::duration<double, std::ratio<3600>>(scenario.length).count(),
            report::NumberFormat::Fixed(1)) +
        " simulated hours, " + std::to_string(best.pods_scheduled) + " of " +
        std::to_string(best.pods_submitted) + " pods ran. " + "No strategy can cost less than " +
        Money(comparison.lower_bound_cost) + " (the lower bound). " + "Pods waited " +
        report::FormatNumber(best.pending_p95_seconds, report::NumberFormat::Fixed(0)) +
        " s at the 95th percentile.";
    page.AddVerdict(comparison.Headline(), text);
  }
  if (!scenario.description.empty()) {
    page.AddParagraph(scenario.description);
  }

  page.AddHeading("Summary");
  report::DataTable table;
  table.columns = {report::TableColumn("Strategy"),
                   report::TableColumn("Cost", report::Better::kLower),
                   report::TableColumn("Saved vs dedicated", report::Better::kHigher),
                   report::TableColumn("GPU-hours", report::Better::kLower),
                   report::TableColumn("Peak GPUs", report::Better::kLower),
                   report::TableColumn("Allocation", report::Better::kHigher),
                   report::TableColumn("Pending p95", report::Better::kLower),
                   report::TableColumn("Pods run", report::Better::kHigher),
                   report::TableColumn("Not run", report::Better::kLower),
                   report::TableColumn("Interrupted")};
  for (size_t i = 0; i < results.size(); ++i) {
    const StrategyResult& r = results[i];
    std::optional<double> savings = comparison.SavingsVsDedicated(i);
    table.rows.push_back(
        {report::TableCell(r.name),
         report::NumberCell(r.cost, report::NumberFormat::Currency("$", 0)),
         savings ? report::NumberCell(*savings, report::NumberFormat::Percent(0))
                 : report::TableCell("n/a"),
         report::NumberCell(r.gpu_hours, report::NumberFormat::Fixed(0)),
         report::NumberCell(r.peak_gpus, report::NumberFormat::Fixed(0)),
         report::NumberCell(r.allocation_ratio, report::NumberFormat::Percent(0)),
         report::NumberCell(r.pending_p95_seconds, report::NumberFormat::Fixed(0).WithSuffix(" s")),
         report::NumberCell(static_cast<double>(r.pods_scheduled), report::NumberFormat::Fixed(0)),
         report::NumberCell(static_cast<double>(r.unscheduled.size()),
                            report::NumberFormat::Fixed(0)),
         report::NumberCell(static_cast<double>(r.pods_interrupted),
                            report::NumberFormat::Fixed(0))});
  }
  table.caption = "Lower bound on the cost: " + Money(comparison.lower_bound_cost) +
                  ". Every number comes from the simulation of the same workload.";
  page.AddTable(table);

  page.AddHeading("Cost");
  report::BarChart cost;
  cost.title = "Cost of the run per strategy";
  cost.value_label = "USD";
  cost.format = report::NumberFormat::Currency("$", 0);
  cost.color_by_category = true;
  std::vector<double> costs;
  for (const StrategyResult& r : results) {
    cost.categories.push_back(r.name);
    costs.push_back(r.cost);
  }
  cost.series.emplace_back("cost", costs);
  cost.references.emplace_back("lower bound", comparison.lower_bound_cost);
  page.AddChart(cost,
                "Dashed: the lower bound no strategy can beat (an LP relaxation over the "
                "pods running through each window).");

  page.AddHeading("GPUs over time");
  report::LineChart gpus;
  gpus.title = "GPUs provisioned vs. GPUs really needed";
  gpus.x_label = "Time since start";
  gpus.y_label = "GPUs";
  gpus.x_axis = report::XAxis::kDuration;
  gpus.layout = report::LineLayout::kSmallMultiples;
  gpus.lane_height = 90;
  for (const StrategyResult& r : results) {
    gpus.series.emplace_back(r.name, Seconds(r), Column(r, &TimePoint::gpus_provisioned)).step =
        true;
  }
  if (!results.empty()) {
    report::Series& needed = gpus.series.emplace_back("GPUs really needed", Seconds(results[0]),
                                                      Column(results[0], &TimePoint::gpus_needed));
    needed.reference = true;
    needed.step = true;
  }
  page.AddChart(gpus,
                "Dashed: the compute share the pods asked for (pending and running). The "
                "gap is what each strategy pays for and does not use.");

  report::LineChart ratio;
  ratio.title = "GPU allocation ratio";
  ratio.x_label = "Time since start";
  ratio.y_label = "Used / provisioned";
  ratio.x_axis = report::XAxis::kDuration;
  ratio.y_format = report::NumberFormat::Percent(0);
  ratio.y_max = 1;
  for (const StrategyResult& r : results) {
    std::vector<double> values;
    for (const TimePoint& point : r.timeseries) {
      values.push_back(point.gpus_provisioned > 0 ? point.gpus_used / point.gpus_provisioned
                                                  : std::numeric_limits<double>::quiet_NaN());
    }
    ratio.series.emplace_back(r.name, Seconds(r), std::move(values));
  }
  page.AddChart(ratio, "Share of the provisioned GPUs' compute the running pods use.");

  report::LineChart pending;
  pending.title = "Pending pods";
  pending.x_label = "Time since start";
  pending.y_label = "Pods";
  pending.x_axis = report::XAxis::kDuration;
  pending.layout = report::LineLayout::kSmallMultiples;
  for (const StrategyResult& r : results) {
    std::vector<double> values;
    for (const TimePoint& point : r.timeseries) {
      values.push_back(static_cast<double>(point.pending_pods));
    }
    pending.series.emplace_back(r.name, Seconds(r), std::move(values)).step = true;
  }
  page.AddChart(pending,
                "Pods waiting for a node: new nodes take minutes to launch and "
                "configure; Spot interruptions send pods back here.");

  std::string unscheduled;
  for (const StrategyResult& r : results) {
    if (!r.unscheduled.empty()) {
      unscheduled += r.name + ": " + std::to_string(r.unscheduled.size()) +
                     " pods (first: " + r.unscheduled.front().pod + ": " +
                     r.unscheduled.front().reason + "). ";
    }
  }
  if (!unscheduled.empty()) {
    page.AddHeading("Pods that did not run");
    page.AddParagraph(unscheduled);
  }
  return page.Render();
}

std::string TimeseriesCsv(const Comparison& comparison) {
  std::string csv =
      "strategy,seconds,gpus_provisioned,gpus_needed,gpus_used,pending_pods,"
      "cost_per_hour\n";
  char line[256];
  for (const StrategyResult& r : comparison.results) {
    for (const TimePoint& p : r.timeseries) {
      std::snprintf(line, sizeof line, ",%.0f,%.0f,%.3f,%.3f,%lld,%.4f\n", p.seconds,
                    p.gpus_provisioned, p.gpus_needed, p.gpus_used,
                    static_cast<long long>(p.pending_pods), p.cost_per_hour);
      csv += r.name;
      csv += line;
    }
  }
  return csv;
}

}  // namespace gpupack::sim
