// A realistic savings report built from synthetic data, the fixture for the report's tests and
// for looking at the report in a browser: five sharing strategies over one day in 5-minute
// steps (GPUs provisioned against GPUs really needed, allocation ratio, pending pods), cost bars
// with the lower bound, and the summary table. The data come from a seeded Rng, so the report is
// the same on every run; the numbers are shaped like a diurnal inference load, not simulated.
//
// Thread safety: pure functions.
#pragma once

#include "report/html_report.h"

namespace gpupack::report::testing {

HtmlReport SampleSavingsReport();

}  // namespace gpupack::report::testing
