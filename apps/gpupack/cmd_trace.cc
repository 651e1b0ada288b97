// `gpupack trace generate`: writes a synthetic pod (or node) list in Alibaba's openb format, the
// way examples/traces/ was made, so the shipped trace is reproducible from a seed.
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "apps/gpupack/commands.h"
#include "common/file.h"
#include "sim/workload/arrivals.h"
#include "sim/workload/openb_replay.h"

namespace gpupack::app {
namespace {

struct TraceGenerateOptions {
  std::string format = "openb";
  int64_t pods = 1000;
  int64_t nodes = 0;
  uint64_t seed = 1;
  std::string span = "24h";
  std::string output;
};

[[nodiscard]] Status RunTraceGenerate(const TraceGenerateOptions& options) {
  if (options.format != "openb")
    return InvalidArgumentError("--format: only openb is supported");
  if (options.pods < 0 || options.nodes < 0)
    return InvalidArgumentError("--pods and --nodes must not be negative");
  GP_ASSIGN_OR_RETURN(Duration span, sim::ParseDurationText(options.span));
  std::string text;
  if (options.nodes > 0) {
    text = sim::GenerateSyntheticOpenbNodeList(options.nodes);
  } else {
    text = sim::GenerateSyntheticOpenbPodList({options.pods, options.seed, span});
  }
  if (options.output.empty() || options.output == "-") {
    std::fputs(text.c_str(), stdout);
    return OkStatus();
  }
  return WriteFileAtomically(options.output, text);
}

}  // namespace

void RegisterTraceCommand(CLI::App& root) {
  CLI::App* trace = root.add_subcommand("trace", "Generate workload traces");
  trace->require_subcommand(1);
  auto options = std::make_shared<TraceGenerateOptions>();
  CLI::App* generate = trace->add_subcommand(
      "generate", "Write a synthetic trace in Alibaba's openb format (pod list or node list)");
  generate->footer(
      "The pods' mix (CPU-only, fractional, whole and multi-GPU pods, CPU sizes, run times)\n"
      "follows the published statistics of the openb default trace; no row of it is copied.\n"
      "The same seed gives the same file on every platform.\n\n"
      "Examples:\n"
      "  gpupack trace generate --pods 2000 --seed 7 -o examples/traces/openb-synthetic-pods.csv\n"
      "  gpupack trace generate --nodes 64 -o examples/traces/openb-synthetic-nodes.csv\n");
  generate->add_option("--format", options->format, "Trace format (openb)")->capture_default_str();
  generate->add_option("--pods", options->pods, "Number of pods")->capture_default_str();
  generate->add_option("--nodes", options->nodes, "Write a node list of this many 8-GPU nodes");
  generate->add_option("--seed", options->seed, "Random seed")->capture_default_str();
  generate->add_option("--span", options->span, "Creation times spread over this span (24h)")
      ->capture_default_str();
  generate->add_option("-o,--output", options->output, "Output file (default: stdout)");
  SetAction(*generate, [options] { return RunTraceGenerate(*options); });
}

}  // namespace gpupack::app
