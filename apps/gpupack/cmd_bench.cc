// `gpupack bench packing`: the FGD paper's static packing protocol on Alibaba's openb trace
// (src/sim/packing_experiment.h), for any of our placement policies, with an optional
// comparison against the paper's published results and an allocation-curve chart.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "apps/gpupack/commands.h"
#include "common/file.h"
#include "plan/packing/placer.h"
#include "report/chart.h"
#include "report/output.h"
#include "sim/packing_experiment.h"
#include "sim/trace/openb.h"
#include "sim/trace/openb_results.h"

namespace gpupack::app {
namespace {

namespace fs = std::filesystem;
using plan::packing::Policy;

// The 17 pod lists of the published experiment (the other 7 files of the folder have no
// published results to compare with; they can still be named with --trace).
const std::vector<std::string> kPublishedTraces = {
    "default",    "cpu050",     "cpu100",      "cpu200",     "cpu250",    "gpushare40",
    "gpushare60", "gpushare80", "gpushare100", "gpuspec10",  "gpuspec20", "gpuspec25",
    "gpuspec33",  "multigpu20", "multigpu30",  "multigpu40", "multigpu50"};

// Published policy names (sc_policy column) and ours.
const std::vector<std::pair<std::string, std::string>> kPublishedPolicies = {
    {"01-Random", "random"},      {"02-DotProd", "dotprod"},  {"03-GpuClustering", "clustering"},
    {"04-GpuPacking", "packing"}, {"05-BestFit", "best-fit"}, {"06-FGD", "fgd"}};

struct BenchOptions {
  std::vector<std::string> traces = {"default"};
  std::vector<std::string> policies = {"fgd", "gpupack"};
  std::string seeds = "42-51";
  double inflate = 1.3;
  std::string trace_dir;
  std::string output = "table";
  std::string compare;
  std::string chart;
  std::string write;
};

struct RunRecord {
  std::string trace;
  Policy policy;
  int64_t seed;
  sim::PackingRunResult result;
  double seconds;
};

Result<std::vector<int64_t>> ParseSeeds(const std::string& text) {
  std::vector<int64_t> seeds;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    std::string part =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    size_t dash = part.find('-', 1);
    char* rest = nullptr;
    long long first = std::strtoll(part.c_str(), &rest, 10);
    long long last = first;
    bool ok = !part.empty() && rest != part.c_str();
    if (ok && dash != std::string::npos) {
      std::string tail = part.substr(dash + 1);
      char* tail_rest = nullptr;
      last = std::strtoll(tail.c_str(), &tail_rest, 10);
      ok = !tail.empty() && *tail_rest == '\0' && rest == part.c_str() + dash;
    } else {
      ok = ok && *rest == '\0';
    }
    if (!ok || last < first || last - first > 10000 || first < 0) {
      return InvalidArgumentError("--seeds: '" + part + "' is not a seed or a range like 42-51");
    }
    for (long long seed = first; seed <= last; ++seed)
      seeds.push_back(seed);
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return seeds;
}

// --trace-dir, else ../shared/data/alibaba-gpu-v2023 from the current directory, else from the
// repository the binary was built in (<repo>/build/<preset>/apps/gpupack/gpupack).
Result<std::string> FindTraceDir(const std::string& flag) {
  const std::string relative = "../shared/data/alibaba-gpu-v2023";
  if (!flag.empty()) {
    if (!fs::is_directory(flag))
      return NotFoundError("--trace-dir " + flag + ": not a directory");
    return flag;
  }
  std::vector<fs::path> candidates = {fs::path(relative)};
  std::error_code error;
  fs::path exe = fs::read_symlink("/proc/self/exe", error);
  for (fs::path dir = exe.parent_path(); !error && !dir.empty() && dir != dir.root_path();
       dir = dir.parent_path()) {
    if (fs::exists(dir / "CMakePresets.json")) {
      candidates.push_back(dir / relative);
      break;
    }
  }
  for (const fs::path& candidate : candidates) {
    if (fs::exists(candidate / "openb_node_list_gpu_node.csv"))
      return candidate.string();
  }
  return NotFoundError(
      "cannot find the openb trace (openb_node_list_gpu_node.csv) in " + relative +
      " from the current directory or the gpupack repository; pass --trace-dir DIR");
}

double Mean(const std::vector<double>& values) {
  double sum = 0;
  for (double value : values)
    sum += value;
  return values.empty() ? 0.0 : sum / static_cast<double>(values.size());
}

std::string Fixed(double value, int digits = 2) { return fmt::format("{:.{}f}", value, digits); }

// Mean curve per (trace, policy) over seeds, ours and published.
using CurveKey = std::pair<std::string, std::string>;

struct CurveStats {
  std::vector<double> curve_sum;
  int64_t runs = 0;
  int64_t total_gpus = 0;
  std::vector<double> seconds;
  std::vector<double> unallocated;

  void Add(const std::vector<double>& curve) {
    if (curve_sum.size() < curve.size())
      curve_sum.resize(curve.size(), 0.0);
    for (size_t point = 0; point < curve.size(); ++point)
      curve_sum[point] += curve[point];
    ++runs;
  }

  std::vector<double> MeanCurve() const {
    std::vector<double> mean = curve_sum;
    for (double& value : mean)
      value /= static_cast<double>(std::max<int64_t>(runs, 1));
    return mean;
  }

  double At(size_t point) const {
    return point < curve_sum.size() ? curve_sum[point] / static_cast<double>(runs) : 0.0;
  }
};

Status RunPackingBench(const BenchOptions& options) {
  bool csv = options.output == "csv";
  report::OutputFormat format = report::OutputFormat::kTable;
  if (!csv) {
    GP_ASSIGN_OR_RETURN(format, report::ParseOutputFormat(options.output));
  }
  GP_ASSIGN_OR_RETURN(std::vector<int64_t> seeds, ParseSeeds(options.seeds));
  std::vector<Policy> policies;
  for (const std::string& name : options.policies) {
    if (name == "all") {
      for (Policy policy : plan::packing::AllPolicies())
        policies.push_back(policy);
      continue;
    }
    GP_ASSIGN_OR_RETURN(Policy policy, plan::packing::ParsePolicy(name));
    policies.push_back(policy);
  }
  std::vector<std::string> traces;
  for (const std::string& trace : options.traces) {
    if (trace == "all") {
      traces.insert(traces.end(), kPublishedTraces.begin(), kPublishedTraces.end());
    } else {
      traces.push_back(trace);
    }
  }
  std::vector<sim::PublishedPackingRun> published;
  if (!options.compare.empty()) {
    GP_ASSIGN_OR_RETURN(published, sim::ReadPublishedPackingRuns(options.compare));
  }
  GP_ASSIGN_OR_RETURN(std::string trace_dir, FindTraceDir(options.trace_dir));
  GP_ASSIGN_OR_RETURN(std::vector<plan::packing::PackNodeSpec> nodes,
                      sim::ReadOpenbNodeList(trace_dir + "/openb_node_list_gpu_node.csv"));

  const bool progress = isatty(STDERR_FILENO) != 0;
  const size_t total_runs = traces.size() * policies.size() * seeds.size();
  std::vector<RunRecord> records;
  for (const std::string& trace : traces) {
    GP_ASSIGN_OR_RETURN(std::vector<sim::OpenbPod> pods,
                        sim::ReadOpenbPodList(trace_dir + "/openb_pod_list_" + trace + ".csv"));
    for (Policy policy : policies) {
      for (int64_t seed : seeds) {
        if (progress) {
          std::fprintf(stderr, "\r[%zu/%zu] %s %s seed %lld ...       ", records.size() + 1,
                       total_runs, trace.c_str(), std::string(PolicyName(policy)).c_str(),
                       static_cast<long long>(seed));
        }
        sim::PackingExperimentOptions run_options;
        run_options.policy = policy;
        run_options.seed = static_cast<uint64_t>(seed);
        run_options.inflate = options.inflate;
        auto start = std::chrono::steady_clock::now();
        GP_ASSIGN_OR_RETURN(sim::PackingRunResult result,
                            sim::RunPackingExperiment(nodes, pods, run_options));
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        records.push_back({trace, policy, seed, std::move(result), seconds});
      }
    }
  }
  if (progress)
    std::fprintf(stderr, "\r%60s\r", "");

  // Means over seeds, ours and published (published: rows with the same seeds and tune).
  std::map<CurveKey, CurveStats> ours;
  for (const RunRecord& record : records) {
    CurveStats& stats = ours[{record.trace, std::string(PolicyName(record.policy))}];
    stats.Add(record.result.curve);
    stats.seconds.push_back(record.seconds);
    stats.unallocated.push_back(record.result.unallocated_gpus_at_end);
  }
  // Published runs with our seeds; all of them when none of their seeds is ours.
  auto is_our_seed = [&](const sim::PublishedPackingRun& run) {
    return std::find(seeds.begin(), seeds.end(), run.seed) != seeds.end();
  };
  const bool same_seeds = std::any_of(published.begin(), published.end(), is_our_seed);
  std::map<CurveKey, CurveStats> theirs;
  for (const sim::PublishedPackingRun& run : published) {
    if (std::abs(run.tune - options.inflate) > 1e-9)
      continue;
    if (same_seeds && !is_our_seed(run))
      continue;
    std::string trace = run.workload.starts_with("openb_pod_list_")
                            ? run.workload.substr(std::string("openb_pod_list_").size())
                            : run.workload;
    CurveStats& stats = theirs[{trace, run.policy}];
    stats.Add(run.curve);
    stats.total_gpus = run.total_gpus;
  }

  nlohmann::json document;
  document["runs"] = nlohmann::json::array();
  for (const RunRecord& record : records) {
    const sim::IdleGpuBreakdown& idle = record.result.idle_at_end;
    nlohmann::json partial = nlohmann::json::object();
    int32_t lower = 1;
    for (size_t bucket = 0; bucket < idle.partial_gpus.size(); ++bucket) {
      const int32_t upper = sim::IdleGpuBreakdown::kBucketUpperMilli[bucket];
      partial[fmt::format("{}-{}m", lower, upper - 1)] = idle.partial_gpus[bucket];
      lower = upper;
    }
    nlohmann::json by_model = nlohmann::json::object();
    for (const auto& [model, gpus] : idle.by_model)
      by_model[model] = gpus;
    nlohmann::json failed = nlohmann::json::array();
    for (const sim::FailedPodShape& shape : record.result.failed_by_shape) {
      failed.push_back(
          {{"numGpu", shape.num_gpu}, {"gpuMilli", shape.gpu_milli}, {"count", shape.count}});
    }
    document["runs"].push_back(
        {{"trace", record.trace},
         {"policy", PolicyName(record.policy)},
         {"seed", record.seed},
         {"inflate", options.inflate},
         {"allocationAt100", record.result.allocation_at_100},
         {"unallocatedGpusAtEnd", record.result.unallocated_gpus_at_end},
         {"fragmentedGpusAtEnd", record.result.fragmented_gpus_at_end},
         {"fragmentationRatioAtEnd", record.result.fragmentation_ratio_at_end},
         {"podsArrived", record.result.pods_arrived},
         {"podsFailed", record.result.pods_failed},
         {"idleAtEnd",
          {{"wholeGpus", idle.whole_gpus}, {"partialGpus", partial}, {"byModel", by_model}}},
         {"failedPods", failed},
         {"curve", record.result.curve},
         {"seconds", record.seconds}});
  }
  report::Table summary({"trace", "policy", "seeds", "alloc@100%", "unalloc GPUs end", "published",
                         "pub alloc@100%", "pub unalloc@130%", "s/run"});
  document["summary"] = nlohmann::json::array();
  const size_t last_point = static_cast<size_t>(options.inflate * 100.0 + 1e-9);
  for (const std::string& trace : traces) {
    for (Policy policy : policies) {
      std::string name(PolicyName(policy));
      auto it = ours.find({trace, name});
      if (it == ours.end())
        continue;
      const CurveStats& stats = it->second;
      nlohmann::json row = {{"trace", trace},
                            {"policy", name},
                            {"seeds", seeds.size()},
                            {"allocationAt100", stats.At(100)},
                            {"unallocatedGpusAtEnd", Mean(stats.unallocated)},
                            {"secondsPerRun", Mean(stats.seconds)}};
      std::string published_name;
      for (const auto& [theirs_name, ours_name] : kPublishedPolicies) {
        if (ours_name == name)
          published_name = theirs_name;
      }
      auto pub = theirs.find({trace, published_name});
      std::vector<std::string> cells = {trace,
                                        name,
                                        std::to_string(seeds.size()),
                                        Fixed(stats.At(100)),
                                        Fixed(Mean(stats.unallocated), 0),
                                        "",
                                        "",
                                        "",
                                        Fixed(Mean(stats.seconds))};
      if (pub != theirs.end()) {
        double unallocated = static_cast<double>(pub->second.total_gpus) *
                             (1.0 - pub->second.At(last_point) / 100.0);
        row["publishedAllocationAt100"] = pub->second.At(100);
        row["publishedUnallocatedGpusAtEnd"] = unallocated;
        row["publishedSeeds"] = pub->second.runs;
        cells[5] = published_name;
        cells[6] = Fixed(pub->second.At(100));
        cells[7] = Fixed(unallocated, 0);
      }
      summary.AddRow(cells);
      document["summary"].push_back(row);
    }
  }

  // Comparison: per trace, the published policies beside ours (allocation at 100%).
  report::Table comparison({"trace", "pub Random", "pub DotProd", "pub Clust", "pub Packing",
                            "pub BestFit", "pub FGD", "ours"});
  if (!published.empty()) {
    document["comparison"] = nlohmann::json::array();
    for (const std::string& trace : traces) {
      std::vector<std::string> cells = {trace};
      nlohmann::json row = {{"trace", trace}};
      for (const auto& [theirs_name, ours_name] : kPublishedPolicies) {
        auto pub = theirs.find({trace, theirs_name});
        cells.push_back(pub == theirs.end() ? "-" : Fixed(pub->second.At(100)));
        if (pub != theirs.end())
          row["published"][theirs_name] = pub->second.At(100);
      }
      std::string mine;
      for (Policy policy : policies) {
        auto it = ours.find({trace, std::string(PolicyName(policy))});
        if (it == ours.end())
          continue;
        mine += (mine.empty() ? "" : "  ") + std::string(PolicyName(policy)) + " " +
                Fixed(it->second.At(100));
        row["ours"][std::string(PolicyName(policy))] = it->second.At(100);
      }
      cells.push_back(mine);
      comparison.AddRow(cells);
      document["comparison"].push_back(row);
    }
  }

  if (!options.chart.empty()) {
    // The first trace's mean curves: ours, then the published FGD and Best-fit.
    const std::string& trace = traces.front();
    report::LineChart chart;
    chart.title = "GPU allocation vs arrived workload, openb " + trace + " (mean of " +
                  std::to_string(seeds.size()) + " seeds)";
    chart.x_label = "arrived GPU requests (% of cluster GPU capacity)";
    chart.y_label = "GPU allocation ratio (%)";
    // Below ~70% arrivals every policy places everything (the diagonal); show where they part.
    const size_t first_point = std::min<size_t>(70, last_point);
    std::vector<double> x;
    for (size_t point = first_point; point <= last_point; ++point) {
      x.push_back(static_cast<double>(point));
    }
    auto window = [&](const std::vector<double>& curve) {
      return std::vector<double>(curve.begin() + static_cast<std::ptrdiff_t>(first_point),
                                 curve.end());
    };
    chart.y_from_zero = false;
    chart.y_min = 70;
    chart.y_max = 100;
    for (Policy policy : policies) {
      auto it = ours.find({trace, std::string(PolicyName(policy))});
      if (it != ours.end()) {
        chart.series.emplace_back(std::string(PolicyName(policy)), x,
                                  window(it->second.MeanCurve()));
      }
    }
    for (const char* name : {"06-FGD", "05-BestFit"}) {
      auto pub = theirs.find({trace, name});
      if (pub != theirs.end()) {
        chart.series
            .emplace_back(std::string("published ") + name, x, window(pub->second.MeanCurve()))
            .reference = std::string_view(name) == "06-FGD";
      }
    }
    GP_TRY(WriteFileAtomically(options.chart, report::RenderSvg(chart)));
  }

  std::string text;
  if (csv) {
    text = "trace,policy,seed,allocationAt100,unallocatedGpusAtEnd,fragmentedGpusAtEnd,seconds";
    for (size_t point = 0; point <= last_point; ++point)
      text += fmt::format(",{}", point);
    text += "\n";
    for (const RunRecord& record : records) {
      text += fmt::format("{},{},{},{:.4f},{:.3f},{:.3f},{:.3f}", record.trace,
                          PolicyName(record.policy), record.seed, record.result.allocation_at_100,
                          record.result.unallocated_gpus_at_end,
                          record.result.fragmented_gpus_at_end, record.seconds);
      for (double value : record.result.curve)
        text += fmt::format(",{:.4f}", value);
      text += "\n";
    }
  } else if (format == report::OutputFormat::kJson) {
    text = report::ToJsonText(document);
  } else if (format == report::OutputFormat::kYaml) {
    text = report::ToYamlText(document);
  } else {
    text = summary.ToText();
    if (comparison.RowCount() > 0)
      text += "\n" + comparison.ToText();
  }
  if (!options.write.empty())
    return WriteFileAtomically(options.write, text);
  std::fputs(text.c_str(), stdout);
  return OkStatus();
}

}  // namespace

void RegisterBenchCommand(CLI::App& root) {
  CLI::App* bench = root.add_subcommand("bench", "Quality and speed benchmarks");
  bench->require_subcommand(1);
  auto options = std::make_shared<BenchOptions>();
  CLI::App* packing = bench->add_subcommand(
      "packing",
      "Packing quality with the FGD paper's protocol (Weng et al., USENIX ATC'23) on Alibaba's\n"
      "openb GPU trace: 1,213 nodes / 6,212 GPUs; the pod list is shuffled with each seed,\n"
      "inflated to --inflate x the GPU capacity and placed pod by pod, no departures. Reports\n"
      "the GPU allocation ratio when arrivals reach 100% of capacity (mean over arrivals in\n"
      "99.5-100.5%, as the paper's scripts do), unallocated GPUs at the end, FGD's fragmentation\n"
      "and the allocation curve (0..130%). JSON/YAML also break the idle GPUs at the end down\n"
      "(whole GPUs, partly used GPUs by free milli-GPU, per GPU model) and count the failed\n"
      "pods per request shape.\n\n"
      "Examples:\n"
      "  gpupack bench packing --policy fgd,gpupack --seeds 42-51\n"
      "  gpupack bench packing --trace all --policy gpupack -o json -w gpupack.json\n"
      "  gpupack bench packing --policy all --compare "
      "../shared/data/fgd-expected-results/analysis_allo_discrete.csv --chart default.svg\n");
  packing
      ->add_option("--trace", options->traces,
                   "Pod list variants: default, cpu050, ..., multigpu50, or all (the 17 "
                   "with published results)")
      ->delimiter(',')
      ->capture_default_str();
  packing
      ->add_option("--policy", options->policies,
                   "Policies: first-fit, random, dotprod, clustering, packing, best-fit, fgd, "
                   "gpupack, or all")
      ->delimiter(',')
      ->capture_default_str();
  packing->add_option("--seeds", options->seeds, "Seeds: a list and/or ranges, e.g. 42-51 or 1,5")
      ->capture_default_str();
  packing
      ->add_option("--inflate", options->inflate,
                   "Total GPU request of the arriving pods / cluster GPU capacity")
      ->capture_default_str();
  packing->add_option("--trace-dir", options->trace_dir,
                      "Folder with openb_*.csv (default: ../shared/data/alibaba-gpu-v2023)");
  packing->add_option("-o,--output", options->output, "Output: table, json, yaml or csv")
      ->capture_default_str();
  packing->add_option("-w,--write", options->write, "Write the output to this file (atomically)");
  packing->add_option("--compare", options->compare,
                      "Published results (analysis_allo_discrete.csv) to compare with");
  packing->add_option("--chart", options->chart,
                      "Write an SVG chart of the first trace's mean allocation curves");
  SetAction(*packing, [options] { return RunPackingBench(*options); });
}

}  // namespace gpupack::app
