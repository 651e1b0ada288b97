// What `gpupack simulate` reports once every strategy ran: the comparison (savings against
// dedicated GPUs, the lower bound no strategy could beat), the self-contained HTML savings report
// and the time series as CSV.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/simulation.h"
#include "sim/workload.h"

namespace gpupack::sim {

struct Comparison {
  std::vector<StrategyResult> results;  // in the order they ran
  // The smallest of the strategies' lower bounds: below every strategy's cost.
  double lower_bound_cost = 0;
  // Index of the dedicated run, the base of the savings; nullopt when it did not run.
  std::optional<size_t> dedicated;

  // 1 - cost / dedicated cost; nullopt without a dedicated run (or when it cost nothing), and
  // for a run that left more pods unscheduled than dedicated did: it did less work, so its cost
  // is no saving.
  std::optional<double> SavingsVsDedicated(size_t index) const;
  // The cheapest of the strategies that left the fewest pods unscheduled (ties: the first).
  size_t Cheapest() const;
  // The report's verdict in one line: the cheapest strategy and what it saves against dedicated,
  // or, when dedicated is the cheapest, that sharing saves nothing and what the best sharing
  // strategy costs more (when more than one strategy ran). Needs at least one result.
  std::string Headline() const;
};

Comparison Compare(std::vector<StrategyResult> results);

// The HTML savings report: verdict, summary table, GPUs provisioned vs needed, allocation ratio,
// cost bars with the lower bound, pending pods. `subtitle`: scenario, seed (no clock is read).
std::string RenderSavingsReport(const Scenario& scenario, const Comparison& comparison,
                                const std::string& subtitle);

// One row per strategy and sample: strategy,seconds,gpus_provisioned,gpus_needed,gpus_used,
// pending_pods,cost_per_hour.
std::string TimeseriesCsv(const Comparison& comparison);

}  // namespace gpupack::sim
