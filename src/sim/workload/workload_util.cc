#include "sim/workload/workload_util.h"

#include <algorithm>
#include <map>
#include <string>

namespace gpupack::sim {

Status SortAndCheckUnique(Workload& workload) {
  std::map<std::string, const PodArrival*, std::less<>> seen;
  for (const PodArrival& arrival : workload.arrivals) {
    auto [it, inserted] = seen.emplace(arrival.pod.Key(), &arrival);
    if (!inserted) {
      return InvalidArgumentError(arrival.source + ": pod " + arrival.pod.Key() +
                                  " is already defined at " + it->second->source);
    }
  }
  std::stable_sort(workload.arrivals.begin(), workload.arrivals.end(),
                   [](const PodArrival& a, const PodArrival& b) {
                     if (a.at != b.at)
                       return a.at < b.at;
                     return a.pod.Key() < b.pod.Key();
                   });
  return OkStatus();
}

}  // namespace gpupack::sim
