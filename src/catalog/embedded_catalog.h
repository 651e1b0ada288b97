// The data files of catalog/ compiled into the binary (cmake/Embed.cmake), so an installed
// gpupack runs from any folder. src/catalog/CMakeLists.txt lists which files are embedded.
//
// Thread safety: the bytes are static and immutable.
#pragma once

#include <span>
#include <string_view>

#include "common/embedded_file.h"
#include "common/error.h"

namespace gpupack::catalog {
namespace embedded {

// Defined by the source that gp_embed_files generates at build time.
std::span<const EmbeddedFile> EmbeddedFiles();

}  // namespace embedded

// The embedded file called `name` ("gpus.yaml"); NotFound (a build bug) when it is not there.
[[nodiscard]] Result<std::string_view> EmbeddedCatalogFile(std::string_view name);

}  // namespace gpupack::catalog
