// A data file compiled into the binary (see cmake/Embed.cmake), so an installed gpupack runs
// from any folder. The bytes live in static storage for the life of the program.
#pragma once

#include <string_view>

namespace gpupack {

struct EmbeddedFile {
  std::string_view name;  // path relative to the repository's data folder, e.g. "gpus.yaml"
  std::string_view data;
};

}  // namespace gpupack
