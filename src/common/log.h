// Logging facade. Call sites use fmt format strings; the backend (spdlog) is confined to
// log.cc so its compile cost stays out of every translation unit that logs.
//
// Thread safety: all functions are thread-safe.
#pragma once

#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace gpupack::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };

enum class Format { kText, kJson };

// Sets the minimum level written and the output format (text lines or one JSON object per
// line). Logs go to stderr.
void Configure(Level level, Format format);

// Parses "debug|info|warn|error|off"; returns false on anything else.
bool ParseLevel(std::string_view text, Level& level);

void Write(Level level, std::string_view message);

template <class... Args>
void Debug(fmt::format_string<Args...> format, Args&&... args) {
  Write(Level::kDebug, fmt::format(format, std::forward<Args>(args)...));
}

template <class... Args>
void Info(fmt::format_string<Args...> format, Args&&... args) {
  Write(Level::kInfo, fmt::format(format, std::forward<Args>(args)...));
}

template <class... Args>
void Warn(fmt::format_string<Args...> format, Args&&... args) {
  Write(Level::kWarn, fmt::format(format, std::forward<Args>(args)...));
}

template <class... Args>
void Error(fmt::format_string<Args...> format, Args&&... args) {
  Write(Level::kError, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace gpupack::log
