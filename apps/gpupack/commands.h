// The gpupack binary's subcommands. Each lives in its own cmd_<name>.cc and registers itself on
// the root CLI11 app; main.cc only wires them together and maps errors to exit codes.
// CLI11 is included only in the cmd_*.cc files (it costs ~5 s per translation unit).
#pragma once

#include <functional>
#include <string>

#include "common/error.h"

namespace CLI {
class App;
}  // namespace CLI

namespace gpupack::app {

// What a subcommand's callback returns: OkStatus for exit 0; an error is printed as one line
// ("gpupack: <message>") and exits 1. A command that wants exit 1 without an error message
// (e.g. `validate` after listing problems) returns ExitQuietly().
using Action = std::function<Status()>;

// Registers a subcommand; `action` is run after parsing when that subcommand was chosen.
void SetAction(CLI::App& command, Action action);

// A Status that makes main exit 1 without printing anything more.
tl::unexpected<Error> ExitQuietly();
bool IsQuietExit(const Error& error);

void RegisterVersionCommand(CLI::App& root);
void RegisterCatalogCommand(CLI::App& root);
void RegisterValidateCommand(CLI::App& root);
void RegisterRenderCommand(CLI::App& root);
void RegisterPlanCommand(CLI::App& root);
void RegisterBenchCommand(CLI::App& root);
void RegisterKubeCommand(CLI::App& root);
void RegisterSimulateCommand(CLI::App& root);
void RegisterTraceCommand(CLI::App& root);
void RegisterControllerCommand(CLI::App& root);

}  // namespace gpupack::app
