// Helpers every workload reader shares.
//
// Thread safety: pure functions.
#pragma once

#include "common/error.h"
#include "sim/workload.h"

namespace gpupack::sim {

// Sorts arrivals by time, then pod key (the order workload.h promises), and fails naming both
// sources when two arrivals share a pod key.
[[nodiscard]] Status SortAndCheckUnique(Workload& workload);

}  // namespace gpupack::sim
