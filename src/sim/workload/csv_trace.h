// The plain CSV pod format, so users can replay their own history (docs/scenarios.md):
//
//   name,arrival,duration,cpu,memory,gpu,gpu_fraction,mig_profile,gpu_memory,template
//   train-0,0,2h,8,64Gi,2,,,,
//   infer-0,90s,,500m,2Gi,,0.25,,6Gi,
//   notebook-0,1h,30m,1,4Gi,,,1g.5gb,,a100-mig-mixed
//
// Columns are found by header name (order free; unknown columns are errors, so a typo is not
// silently ignored). Required: name, arrival, cpu, memory. Optional: duration (empty: runs
// until the simulation ends), gpu (whole GPUs), gpu_fraction (0 < f < 1 of one GPU),
// mig_profile, gpu_memory (per device), template (pins gpupack.io/node-template), namespace
// (default "default"). arrival and duration are seconds or durations with a unit (90s, 30m, 2h);
// cpu, memory and gpu_memory are Kubernetes quantities. Lines starting with '#' and blank lines
// are skipped; fields are not quoted. Every error is "<file>:<line>: <column>: <problem>".
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"
#include "sim/workload.h"

namespace gpupack::sim {

// Parses a CSV trace; arrivals at or after `end` are dropped. `file` labels errors and sources.
[[nodiscard]] Result<Workload> ParseCsvTrace(std::string_view text, std::string_view file,
                                             Duration end);

// ReadFile + ParseCsvTrace.
[[nodiscard]] Result<Workload> ReadCsvTrace(const std::string& path, Duration end);

// Writes `workload` in the same format (the pods' shapes: requests, GPU demand, pinned
// template), so ParseCsvTrace(WriteCsvTrace(w)) gives w's arrivals back.
std::string WriteCsvTrace(const Workload& workload);

// True when `text` starts (after comments) with a header this reader accepts: it names at least
// the required columns. `gpupack validate` uses it to detect the format.
bool LooksLikeCsvTrace(std::string_view text);

}  // namespace gpupack::sim
