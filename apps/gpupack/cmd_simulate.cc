// `gpupack simulate`: replays a scenario's workload against the simulated cloud once per sharing
// strategy and prints what each costs (DESIGN.md section 2; the savings report).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "apps/gpupack/commands.h"
#include "catalog/gpu_catalog_loader.h"
#include "catalog/instance_catalog_loader.h"
#include "common/file.h"
#include "report/output.h"
#include "sim/metrics.h"
#include "sim/simulation.h"
#include "sim/strategy.h"
#include "sim/workload/fault_reader.h"
#include "sim/workload/scenario_loader.h"

namespace gpupack::app {
namespace {

using nlohmann::json;

struct SimulateOptions {
  std::string scenario;
  std::string strategies;
  std::optional<uint64_t> seed;
  std::string output = "table";
  std::string report;
  std::string timeseries;
  std::string gpu_catalog;
  double mig_failure_rate = 0;
  std::string faults;
};

constexpr const char* kDescription =
    R"(Simulate a workload under every GPU sharing strategy and compare what each costs.

The scenario's pods arrive, wait for the control loop (the same one the controller runs) to
place them or buy nodes, run for their duration and leave; the simulated cloud takes minutes to
launch nodes, configures MIG and time-slicing, interrupts Spot nodes and runs out of capacity as
the scenario says. Each strategy is a full simulation of the same workload:

  dedicated          one pod per whole GPU (what Kubernetes does by default)
  time-slicing       shared pods get time-sliced replicas
  mig                shared pods get the smallest MIG instance with enough compute and memory
  mig+time-slicing   shared pods get time-sliced replicas of MIG instances (or whole ones where
                     that fits more pods on a GPU)
  auto               the planner chooses per node

Add +spot to a name (mig+spot) to let it buy Spot capacity too.

Examples:
  gpupack simulate --scenario examples/scenarios/default.yaml
  gpupack simulate --scenario day.yaml --strategies dedicated,mig+time-slicing --seed 7 -o json
  gpupack simulate --scenario day.yaml --report out/report.html --timeseries out/series.csv
  gpupack simulate --scenario day.yaml --faults examples/faults/chaos.yaml)";

// A progress bar on stderr, only when stderr is a terminal.
class Progress {
 public:
  explicit Progress(size_t strategies) : enabled_(isatty(2) != 0), total_(strategies) {}

  void Update(size_t index, const std::string& name, double done) {
    if (!enabled_) {
      return;
    }
    double overall = (static_cast<double>(index) + done) / static_cast<double>(total_);
    int filled = static_cast<int>(overall * 30);
    std::string bar(static_cast<size_t>(std::clamp(filled, 0, 30)), '#');
    bar.resize(30, '.');
    std::fprintf(stderr, "\r[%s] %3.0f%%  %-24s", bar.c_str(), overall * 100, name.c_str());
    std::fflush(stderr);
  }

  void Done() {
    if (enabled_) {
      std::fprintf(stderr, "\r%70s\r", "");
      std::fflush(stderr);
    }
  }

 private:
  bool enabled_;
  size_t total_;
};

Result<std::vector<sim::StrategyChoice>> ChooseStrategies(const SimulateOptions& options,
                                                          const sim::Scenario& scenario) {
  std::vector<std::string> names;
  if (!options.strategies.empty()) {
    std::stringstream list(options.strategies);
    std::string name;
    while (std::getline(list, name, ',')) {
      if (!name.empty()) {
        names.push_back(name);
      }
    }
  } else if (!scenario.strategies.empty()) {
    names = scenario.strategies;
  } else {
    for (sim::Strategy strategy : sim::AllStrategies()) {
      names.emplace_back(sim::StrategyName(strategy));
    }
  }
  std::vector<sim::StrategyChoice> choices;
  for (const std::string& name : names) {
    auto choice = sim::ParseStrategy(name);
    if (!choice) {
      return InvalidArgumentError("--strategies: " + choice.error().message());
    }
    choices.push_back(*choice);
  }
  if (choices.empty()) {
    return InvalidArgumentError("--strategies: no strategy named");
  }
  return choices;
}

json Rounded(double value, int decimals) {
  double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

json ToJson(const sim::Scenario& scenario, const sim::Comparison& comparison) {
  json strategies = json::array();
  for (size_t i = 0; i < comparison.results.size(); ++i) {
    const sim::StrategyResult& r = comparison.results[i];
    json unscheduled = json::array();
    for (const sim::UnscheduledPod& pod : r.unscheduled) {
      unscheduled.push_back({{"pod", pod.pod}, {"reason", pod.reason}});
    }
    std::optional<double> savings = comparison.SavingsVsDedicated(i);
    strategies.push_back({
        {"name", r.name},
        {"gpuHours", Rounded(r.gpu_hours, 3)},
        {"cost", Rounded(r.cost, 2)},
        {"peakGpus", Rounded(r.peak_gpus, 0)},
        {"meanGpus", Rounded(r.mean_gpus, 3)},
        {"allocationRatio", Rounded(r.allocation_ratio, 4)},
        {"pendingP50Seconds", Rounded(r.pending_p50_seconds, 3)},
        {"pendingP95Seconds", Rounded(r.pending_p95_seconds, 3)},
        {"pendingP99Seconds", Rounded(r.pending_p99_seconds, 3)},
        {"podsSubmitted", r.pods_submitted},
        {"podsScheduled", r.pods_scheduled},
        {"podsUnschedulable", r.unscheduled.size()},
        {"podsInterrupted", r.pods_interrupted},
        {"podsRescheduled", r.pods_rescheduled},
        {"nodesLaunched", r.nodes_launched},
        {"launchFailures", r.launch_failures},
        {"reconfigurations", r.reconfigurations},
        {"reconfigurationFailures", r.reconfiguration_failures},
        {"lowerBoundCost", Rounded(r.lower_bound_cost, 2)},
        {"savingsVsDedicated", savings ? json(Rounded(*savings, 4)) : json(nullptr)},
        {"events", r.events},
        {"plans", r.plans},
        {"unschedulable", unscheduled},
    });
    if (!scenario.faults.empty()) {
      const sim::FaultReport& f = r.faults;
      strategies.back()["faults"] = {
          {"spotNotices", f.spot_notices},
          {"capacityErrors", f.capacity_errors},
          {"neverReady", f.never_ready},
          {"launchesExpired", f.launches_expired},
          {"migFailures", f.mig_failures},
          {"devicePluginShortfalls", f.shortfalls},
          {"busyGpusReconfigured", f.busy_gpus_reconfigured},
          {"launchesWithoutDemand", f.launches_without_demand},
      };
    }
  }
  return {{"scenario", scenario.name},
          {"seed", scenario.seed},
          {"hours",
           Rounded(std::chrono::duration<double, std::ratio<3600>>(scenario.length).count(), 3)},
          {"lowerBoundCost", Rounded(comparison.lower_bound_cost, 2)},
          {"strategies", strategies}};
}

report::Table ToTable(const sim::Comparison& comparison) {
  report::Table table({"strategy", "gpu-hours", "cost", "peak gpus", "allocation", "pending p95",
                       "scheduled", "unschedulable", "interrupted", "savings"});
  for (size_t i = 0; i < comparison.results.size(); ++i) {
    const sim::StrategyResult& r = comparison.results[i];
    std::optional<double> savings = comparison.SavingsVsDedicated(i);
    table.AddRow({r.name, fmt::format("{:.1f}", r.gpu_hours), fmt::format("${:.2f}", r.cost),
                  fmt::format("{:.0f}", r.peak_gpus),
                  fmt::format("{:.0f}%", r.allocation_ratio * 100),
                  fmt::format("{:.0f}s", r.pending_p95_seconds), std::to_string(r.pods_scheduled),
                  std::to_string(r.unscheduled.size()), std::to_string(r.pods_interrupted),
                  savings ? fmt::format("{:.0f}%", *savings * 100) : "-"});
  }
  return table;
}

Status RunSimulate(const SimulateOptions& options) {
  GP_ASSIGN_OR_RETURN(report::OutputFormat format, report::ParseOutputFormat(options.output));
  GP_ASSIGN_OR_RETURN(gpu::GpuCatalog gpus,
                      catalog::LoadGpuCatalogWithUserFile(options.gpu_catalog));
  GP_ASSIGN_OR_RETURN(sim::Scenario scenario, sim::LoadScenario(options.scenario, gpus));
  if (options.seed) {
    scenario.seed = *options.seed;
  }
  if (!options.faults.empty()) {
    GP_ASSIGN_OR_RETURN(std::vector<sim::Fault> faults, sim::LoadFaultsFile(options.faults));
    scenario.faults.insert(scenario.faults.end(), faults.begin(), faults.end());
  }
  if (options.mig_failure_rate > 0) {
    sim::Fault fault;
    fault.kind = sim::FaultKind::kMigFailure;
    fault.fraction = options.mig_failure_rate;
    fault.source = "--mig-failure-rate";
    scenario.faults.push_back(std::move(fault));
  }
  GP_ASSIGN_OR_RETURN(cluster::InstanceCatalog instances,
                      sim::LoadScenarioInstances(scenario, gpus));
  GP_TRY(sim::CheckScenarioPodsCanRun(scenario, instances, gpus));
  GP_ASSIGN_OR_RETURN(std::vector<sim::StrategyChoice> choices,
                      ChooseStrategies(options, scenario));

  Progress progress(choices.size());
  std::vector<sim::StrategyResult> results;
  for (size_t i = 0; i < choices.size(); ++i) {
    sim::SimulationOptions sim_options;
    sim_options.strategy = choices[i];
    std::string name = choices[i].Name();
    sim_options.progress = [&progress, i, name](double done) { progress.Update(i, name, done); };
    auto result = sim::Simulate(scenario, instances, gpus, sim_options);
    if (!result) {
      progress.Done();
      std::string prefix = "strategy " + name + ": ";
      const std::string& message = result.error().message();
      return MakeError(result.error().code(),
                       message.starts_with(prefix) ? message : prefix + message);
    }
    results.push_back(std::move(*result));
  }
  progress.Done();
  sim::Comparison comparison = sim::Compare(std::move(results));

  if (!options.report.empty()) {
    std::string subtitle = "Scenario " + scenario.name + " · seed " +
                           std::to_string(scenario.seed) + " · " + instances.info().cloud +
                           " prices";
    GP_TRY(WriteFileAtomically(options.report,
                               sim::RenderSavingsReport(scenario, comparison, subtitle)));
  }
  if (!options.timeseries.empty()) {
    Status written = WriteFileAtomically(options.timeseries, sim::TimeseriesCsv(comparison));
    if (!written) {
      // All or nothing: a report without the time series asked with it is a partial output.
      if (!options.report.empty()) {
        std::error_code ignored;
        std::filesystem::remove(options.report, ignored);
      }
      return written;
    }
  }
  switch (format) {
    case report::OutputFormat::kJson:
      return WriteFileAtomically("-", report::ToJsonText(ToJson(scenario, comparison)));
    case report::OutputFormat::kYaml:
      return WriteFileAtomically("-", report::ToYamlText(ToJson(scenario, comparison)));
    case report::OutputFormat::kTable:
      break;
  }
  std::string text = ToTable(comparison).ToText();
  text += fmt::format("\nlower bound: ${:.2f} (no strategy can cost less for this workload)\n",
                      comparison.lower_bound_cost);
  if (!options.report.empty()) {
    text += "report: " + options.report + "\n";
  }
  return WriteFileAtomically("-", text);
}

}  // namespace

void RegisterSimulateCommand(CLI::App& root) {
  auto options = std::make_shared<SimulateOptions>();
  CLI::App* command = root.add_subcommand("simulate", kDescription);
  command->add_option("--scenario", options->scenario, "The scenario file (YAML)")
      ->required()
      ->type_name("FILE");
  command->add_option("--strategies", options->strategies,
                      "Comma-separated strategies to compare (default: the scenario's, or all)");
  command->add_option("--seed", options->seed,
                      "Seed of every random draw (default: the scenario's)");
  command->add_option("-o,--output", options->output, "Output format: table, json or yaml")
      ->capture_default_str();
  command->add_option("--report", options->report, "Write the HTML savings report here")
      ->type_name("FILE");
  command
      ->add_option("--timeseries", options->timeseries,
                   "Write the GPUs, pending pods and cost over time here (CSV)")
      ->type_name("FILE");
  command
      ->add_option("--mig-failure-rate", options->mig_failure_rate,
                   "Probability that a MIG reconfiguration fails (a mig-failure fault for the "
                   "whole run)")
      ->check(CLI::Range(0.0, 1.0));
  command
      ->add_option("--faults", options->faults,
                   "Inject the faults of this file (Spot storms, capacity errors, stuck launches, "
                   "failed MIG reconfigurations, device-plugin shortfalls) on top of the "
                   "scenario's")
      ->type_name("FILE");
  command
      ->add_option("--gpu-catalog", options->gpu_catalog,
                   "A GPU catalog file whose models replace or add to the built-in ones")
      ->type_name("FILE");
  SetAction(*command, [options] { return RunSimulate(*options); });
}

}  // namespace gpupack::app
