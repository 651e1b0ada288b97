// gpupack: one binary, thin main (DESIGN.md section 2). Subcommands live in cmd_*.cc.
#include <cstdio>
#include <exception>
#include <memory>
#include <vector>

#include <CLI/CLI.hpp>

#include "apps/gpupack/commands.h"

namespace gpupack::app {
namespace {

constexpr std::string_view kQuietExitMessage = "<quiet exit>";

// Actions registered by the subcommands, keyed by the CLI11 command they belong to.
std::vector<std::pair<CLI::App*, Action>>& Actions() {
  static std::vector<std::pair<CLI::App*, Action>> actions;
  return actions;
}

int Run(int argc, char** argv) {
  CLI::App root{
      "gpupack makes GPU sharing on Kubernetes automatic: time-slicing, MIG and both, with a\n"
      "price-aware autoscaler and a simulator that shows what each strategy would cost.\n\n"
      "Examples:\n"
      "  gpupack catalog gpus\n"
      "  gpupack catalog geometries A100-SXM4-40GB --maximal -o json\n"
      "  gpupack validate examples/*.yaml\n",
      "gpupack"};
  root.require_subcommand(1);
  root.set_help_all_flag("--help-all", "Print help for every subcommand");
  RegisterVersionCommand(root);
  RegisterCatalogCommand(root);
  RegisterValidateCommand(root);
  RegisterRenderCommand(root);
  RegisterPlanCommand(root);
  RegisterBenchCommand(root);
  RegisterKubeCommand(root);
  RegisterSimulateCommand(root);
  RegisterTraceCommand(root);
  RegisterControllerCommand(root);

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "gpupack: %s\nRun 'gpupack --help' for usage.\n", e.what());
    return 1;
  }
  for (auto& [command, action] : Actions()) {
    if (command->parsed() && command->get_subcommands().empty()) {
      Status status = action();
      if (!status) {
        if (!IsQuietExit(status.error())) {
          std::fprintf(stderr, "gpupack: %s\n", status.error().message().c_str());
        }
        return 1;
      }
      return 0;
    }
  }
  std::fprintf(stderr, "gpupack: no command given; run 'gpupack --help'\n");
  return 1;
}

}  // namespace

void SetAction(CLI::App& command, Action action) {
  Actions().emplace_back(&command, std::move(action));
}

tl::unexpected<Error> ExitQuietly() { return InternalError(std::string(kQuietExitMessage)); }

bool IsQuietExit(const Error& error) {
  return error.code() == ErrorCode::kInternal && error.message() == kQuietExitMessage;
}

}  // namespace gpupack::app

int main(int argc, char** argv) {
  try {
    return gpupack::app::Run(argc, argv);
  } catch (const std::exception& e) {
    // Last resort (STYLE.md section 3): our code does not throw, but a library might.
    std::fprintf(stderr, "gpupack: internal error: %s\n", e.what());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "gpupack: internal error\n");
    return 1;
  }
}
