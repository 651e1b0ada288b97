// Reads a native scenario file (YAML, docs/scenarios.md) into a sim::Scenario: catalogs, node
// templates (inline NodeTemplate objects or files next to the scenario), workloads (compact
// entries with an arrival pattern and a run-time distribution, Kubernetes manifests, or a trace
// in the openb or plain CSV format) and the simulation's length, seed, strategies, cloud and
// control settings.
//
// Relative paths are resolved against the scenario file's folder. Arrivals are drawn through
// gpupack::Rng from the scenario seed (each workload entry from its own stream, so editing one
// entry does not move the arrivals of the others). Every error is one line
// "<file>:<line>: <field path>: <problem>"; unknown fields are errors.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "cluster/instance_type.h"
#include "common/error.h"
#include "gpu/gpu_catalog.h"
#include "sim/workload.h"

namespace gpupack::sim {

// The strategies a scenario may name, in the order reports show them.
inline constexpr std::string_view kStrategyNames[] = {"dedicated", "time-slicing", "mig",
                                                      "mig+time-slicing", "auto"};

// Parses scenario `text`; `path` names it in errors and anchors relative paths.
[[nodiscard]] Result<Scenario> ParseScenario(std::string_view text, const std::string& path,
                                             const gpu::GpuCatalog& catalog);

// Fails on the first pod written in the scenario itself (a compact entry or a manifest, not a
// trace) that nothing in `instances` can run: "<file>:<line>: <pod>: <why>". Such a pod is a
// typo in a file one writes by hand; pods of a trace are history, and the simulation reports
// them with their reason instead.
[[nodiscard]] Status CheckScenarioPodsCanRun(const Scenario& scenario,
                                             const cluster::InstanceCatalog& instances,
                                             const gpu::GpuCatalog& catalog);

// ReadFile + ParseScenario.
[[nodiscard]] Result<Scenario> LoadScenario(const std::string& path,
                                            const gpu::GpuCatalog& catalog);

// The instance catalog the scenario names (its `catalogs`, "aws" when none), several merged into
// one. Errors of catalog::LoadInstanceCatalog.
[[nodiscard]] Result<cluster::InstanceCatalog> LoadScenarioInstances(const Scenario& scenario,
                                                                     const gpu::GpuCatalog& gpus);

}  // namespace gpupack::sim
