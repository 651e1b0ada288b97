// Whole-file reads and crash-safe writes (DESIGN.md section 5: a failure leaves no half file).
//
// Thread safety: functions are thread-safe for distinct paths.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace gpupack {

// Reads a whole file. NotFound when it does not exist, InvalidArgument when it is a directory
// or larger than `max_bytes`, Unavailable on other I/O errors. Messages start with the path.
[[nodiscard]] Result<std::string> ReadFile(const std::string& path,
                                           size_t max_bytes = size_t{1} << 30);

// Writes `contents` to `path` through a temporary file in the same directory that is renamed
// over `path` only once completely written and flushed. On any failure the temporary file is
// removed and `path` is untouched. "-" writes to standard output.
[[nodiscard]] Status WriteFileAtomically(const std::string& path, std::string_view contents);

}  // namespace gpupack
