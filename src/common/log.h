// Logging facade. Call sites use fmt format strings; the backend (spdlog) is confined to
// log.cc so its compile cost stays out of every translation unit that logs.
//
// Thread safety: all functions are thread-safe.
#pragma once

#include <initializer_list>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace gpupack::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };

enum class Format { kText, kJson };

// One key/value pair of a structured log line: `pod=ml/train-0` in text, `"pod":"ml/train-0"` in
// JSON. Keys are fixed identifiers chosen in code (not ts, level or msg).
struct Field {
  std::string_view key;
  std::string value;
};

// Sets the minimum level written and the output format. Logs go to stderr. Text lines read
// `2026-11-24T19:40:00.123 info message key=value`; JSON lines are one object each:
// {"ts":"2026-11-24T19:40:00.123Z","level":"info","msg":"message","key":"value"} (ts in UTC;
// level debug|info|warning|error).
void Configure(Level level, Format format);

// Parses "debug|info|warn|error|off"; returns false on anything else.
bool ParseLevel(std::string_view text, Level& level);

// Parses "text|json"; returns false on anything else.
bool ParseFormat(std::string_view text, Format& format);

// Writes one line. Field values with spaces, quotes or `=` (or empty ones) are quoted in text.
void Write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

// Sends lines to `out` instead of stderr (nullptr: back to stderr). Not thread-safe: for tests.
void CaptureForTest(std::ostream* out);

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
