// Loads GPU catalogs (catalog/gpus.yaml and user files of the same form) into gpu::GpuCatalog.
//
// The format is documented at the top of catalog/gpus.yaml: `version: v1`, `migLayouts` (profile
// classes per MIG layout) and `models`. Loading is strict: unknown fields, wrong types, unknown
// layouts or classes, bad placements and duplicate names are errors of the form
// "<file>:<line>: <field path>: <problem>" (InvalidArgument), so a user sees one line that says
// where and what.
//
// Sources are applied in order: a later source's layouts and models replace earlier ones of the
// same name (case-insensitive for models) and add the rest. That is how `--gpu-catalog FILE`
// overrides the catalog compiled into the binary.
//
// Thread safety: pure functions.
#pragma once

#include <span>
#include <string>

#include "common/error.h"
#include "gpu/gpu_catalog.h"

namespace gpupack::catalog {

struct CatalogSource {
  std::string name;  // shown in errors: a path, or "gpus.yaml (built in)"
  std::string text;  // the YAML document
};

// Parses and merges `sources` (see the file comment) and builds the catalog.
[[nodiscard]] Result<gpu::GpuCatalog> LoadGpuCatalog(std::span<const CatalogSource> sources);

// The catalog compiled into the binary (catalog/gpus.yaml at build time).
[[nodiscard]] Result<gpu::GpuCatalog> LoadBuiltInGpuCatalog();

// The built-in catalog overlaid with the file at `user_path` (the `--gpu-catalog` flag); just
// the built-in one when `user_path` is empty. Errors name the file (NotFound when it is missing).
[[nodiscard]] Result<gpu::GpuCatalog> LoadGpuCatalogWithUserFile(const std::string& user_path);

}  // namespace gpupack::catalog
