#include "catalog/embedded_catalog.h"

#include <string>

#include <fmt/format.h>

namespace gpupack::catalog {

Result<std::string_view> EmbeddedCatalogFile(std::string_view name) {
  for (const EmbeddedFile& file : embedded::EmbeddedFiles()) {
    if (file.name == name) {
      return file.data;
    }
  }
  return NotFoundError(fmt::format("no built-in catalog file \"{}\"", name));
}

}  // namespace gpupack::catalog
