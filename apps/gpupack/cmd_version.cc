#include <cstdio>

#include <CLI/CLI.hpp>

#include "apps/gpupack/commands.h"

namespace gpupack::app {

void RegisterVersionCommand(CLI::App& root) {
  CLI::App* command = root.add_subcommand("version", "Print the gpupack version");
  SetAction(*command, [] {
    std::printf("gpupack %s\n", GP_VERSION);
    return OkStatus();
  });
}

}  // namespace gpupack::app
