#include "sim/workload/workload_document_kinds.h"

#include <charconv>
#include <string>
#include <vector>

#include "sim/trace/openb.h"
#include "sim/workload/csv_trace.h"
#include "sim/workload/fault_reader.h"
#include "sim/workload/scenario_loader.h"

namespace gpupack::sim {
namespace {

// "<source>:<line>: rest" -> an issue at that line (the whole message when it has no line).
std::vector<catalog::LocatedIssue> IssueFrom(const Error& error, const std::string& source) {
  std::string message = error.message();
  int line = 0;
  std::string prefix = source + ":";
  if (message.starts_with(prefix)) {
    std::string_view rest = std::string_view(message).substr(prefix.size());
    auto [end, parse_error] = std::from_chars(rest.data(), rest.data() + rest.size(), line);
    if (parse_error == std::errc() && std::string_view(end).starts_with(": ")) {
      message = std::string(end + 2);
    } else {
      line = 0;
    }
  }
  return {{{gpu::Severity::kError, "", message}, source, line}};
}

bool HeaderStarts(const catalog::DocumentView& view, std::string_view header) {
  return view.extension == "csv" && std::string_view(view.text).starts_with(header);
}

}  // namespace

void AddWorkloadDocumentKinds(catalog::DocumentKindRegistry& registry,
                              const gpu::GpuCatalog& catalog) {
  registry.Add({"gpupack scenario",
                [](const catalog::DocumentView& view) {
                  return view.is_yaml_mapping && view.api_version.empty() &&
                         view.HasKey("workloads");
                },
                [&catalog](const catalog::DocumentView& view) {
                  Result<Scenario> scenario = ParseScenario(view.text, view.source, catalog);
                  if (!scenario)
                    return IssueFrom(scenario.error(), view.source);
                  return std::vector<catalog::LocatedIssue>();
                }});
  registry.Add({"gpupack faults",
                [](const catalog::DocumentView& view) {
                  return view.is_yaml_mapping && view.api_version.empty() &&
                         view.HasKey("faults") && !view.HasKey("workloads");
                },
                [](const catalog::DocumentView& view) {
                  Result<std::vector<Fault>> faults = ParseFaultsFile(view.text, view.source);
                  if (!faults)
                    return IssueFrom(faults.error(), view.source);
                  return std::vector<catalog::LocatedIssue>();
                }});
  registry.Add({"openb pod list",
                [](const catalog::DocumentView& view) {
                  return HeaderStarts(view, "name,cpu_milli,memory_mib,num_gpu,gpu_milli");
                },
                [](const catalog::DocumentView& view) {
                  Result<std::vector<OpenbPod>> pods = ParseOpenbPodList(view.text, view.source);
                  if (!pods)
                    return IssueFrom(pods.error(), view.source);
                  return std::vector<catalog::LocatedIssue>();
                }});
  registry.Add({"openb node list",
                [](const catalog::DocumentView& view) {
                  return HeaderStarts(view, "sn,cpu_milli,memory_mib,gpu,model");
                },
                [](const catalog::DocumentView& view) {
                  Result<std::vector<plan::packing::PackNodeSpec>> nodes =
                      ParseOpenbNodeList(view.text, view.source);
                  if (!nodes)
                    return IssueFrom(nodes.error(), view.source);
                  return std::vector<catalog::LocatedIssue>();
                }});
  registry.Add({"pod trace (CSV)",
                [](const catalog::DocumentView& view) {
                  return view.extension == "csv" && LooksLikeCsvTrace(view.text);
                },
                [](const catalog::DocumentView& view) {
                  Result<Workload> workload =
                      ParseCsvTrace(view.text, view.source, Duration::max());
                  if (!workload)
                    return IssueFrom(workload.error(), view.source);
                  return std::vector<catalog::LocatedIssue>();
                }});
}

}  // namespace gpupack::sim
