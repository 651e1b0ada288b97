// `gpupack validate FILE...`: tells what each file is and reports every problem as
// `file:line: severity: field: message`. Exit 0 when no file has an error, 1 otherwise.
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "apps/gpupack/commands.h"
#include "catalog/cluster_document_kinds.h"
#include "catalog/document_kinds.h"
#include "catalog/gpu_catalog_loader.h"
#include "common/file.h"
#include "report/output.h"
#include "sim/workload/workload_document_kinds.h"

namespace gpupack::app {
namespace {

// yaml-cpp holds about 100 bytes of nodes per byte of text (a 10 MB file took 1 GB and 45 s in
// the bad-input suite); beyond this a file is refused at once rather than exhausting memory.
constexpr size_t kMaxInputBytes = size_t{32} << 20;

struct ValidateOptions {
  std::vector<std::string> files;
  std::string output = "table";
  std::string gpu_catalog;
  bool verbose = false;
};

nlohmann::json IssueJson(const catalog::LocatedIssue& located) {
  return {{"line", located.line},
          {"severity", std::string(gpu::SeverityName(located.issue.severity))},
          {"path", located.issue.path},
          {"message", located.issue.message}};
}

[[nodiscard]] Status RunValidate(const ValidateOptions& options) {
  GP_ASSIGN_OR_RETURN(report::OutputFormat format, report::ParseOutputFormat(options.output));
  GP_ASSIGN_OR_RETURN(gpu::GpuCatalog gpu_catalog,
                      catalog::LoadGpuCatalogWithUserFile(options.gpu_catalog));
  catalog::DocumentKindRegistry registry;
  catalog::AddNvidiaDocumentKinds(registry, &gpu_catalog);
  catalog::AddClusterDocumentKinds(registry, gpu_catalog);
  sim::AddWorkloadDocumentKinds(registry, gpu_catalog);

  bool all_valid = true;
  nlohmann::json files = nlohmann::json::array();
  std::string text_out;
  for (const std::string& path : options.files) {
    catalog::FileReport file_report;
    Result<std::string> contents = ReadFile(path, kMaxInputBytes);
    if (!contents) {
      // ReadFile's message starts with the path; the issue prints it once.
      std::string message = contents.error().message();
      if (message.starts_with(path + ": ")) {
        message.erase(0, path.size() + 2);
      }
      catalog::LocatedIssue located;
      located.issue.severity = gpu::Severity::kError;
      located.issue.message = message;
      located.source = path;
      file_report.issues.push_back(std::move(located));
    } else {
      file_report = registry.CheckFile(path, *contents);
    }
    all_valid = all_valid && file_report.ok();
    nlohmann::json issues = nlohmann::json::array();
    for (const catalog::LocatedIssue& located : file_report.issues) {
      issues.push_back(IssueJson(located));
      if (options.verbose || located.issue.severity != gpu::Severity::kNote) {
        text_out += FormatIssue(located) + "\n";
      }
    }
    std::string kinds;
    for (const std::string& kind : file_report.kinds) {
      kinds += (kinds.empty() ? "" : ", ") + kind;
    }
    if (file_report.ok()) {
      text_out += path + ": valid " + kinds + "\n";
    }
    files.push_back({{"file", path},
                     {"valid", file_report.ok()},
                     {"kinds", file_report.kinds},
                     {"issues", std::move(issues)}});
  }
  nlohmann::json document = {{"valid", all_valid}, {"files", std::move(files)}};
  std::fputs(report::FormatOutput(format, text_out, document).c_str(), stdout);
  if (!all_valid) {
    return ExitQuietly();
  }
  return OkStatus();
}

}  // namespace

void RegisterValidateCommand(CLI::App& root) {
  auto options = std::make_shared<ValidateOptions>();
  CLI::App* command = root.add_subcommand(
      "validate", "Check mig-parted and device-plugin configs (and their ConfigMaps)");
  command->footer(
      "Checks files NVIDIA's GPU stack reads: mig-parted configs, device-plugin configs and the\n"
      "ConfigMaps that carry them (GPU operator default-mig-parted-config, the device plugin's\n"
      "config map). Each file's kind is detected; every problem is printed as\n"
      "file:line: severity: field: message. mig-parted geometries are checked against the GPU\n"
      "catalog; entries for GPUs or profiles it does not know are skipped with a note (shown\n"
      "with -v). Exit status 0 when no file has an error, 1 otherwise.\n\n"
      "Examples:\n"
      "  gpupack validate config-default.yaml\n"
      "  gpupack validate time-slicing-config.yaml mig-parted-configmap.yaml -o json\n"
      "  gpupack render mig-config --gpu A100-SXM4-40GB --geometry 7x1g.5gb | gpupack validate "
      "/dev/stdin\n");
  command->add_option("files", options->files, "Files to check")->required();
  command->add_option("-o,--output", options->output, "Output format: table, json or yaml")
      ->capture_default_str();
  command->add_option("--gpu-catalog", options->gpu_catalog,
                      "A GPU catalog file that overrides or extends the built-in one");
  command->add_flag("-v,--verbose", options->verbose,
                    "Also print notes (e.g. GPUs or profiles the catalog does not know)");
  SetAction(*command, [options] { return RunValidate(*options); });
}

}  // namespace gpupack::app
