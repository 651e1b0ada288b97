#include "common/log.h"

#include <atomic>
#include <string>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace gpupack::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::atomic<Format> g_format{Format::kText};

spdlog::logger& Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    // shared_ptr: spdlog's API takes and returns loggers by shared_ptr.
    auto created = spdlog::stderr_logger_mt("gpupack");
    created->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    created->set_level(spdlog::level::trace);
    return created;
  }();
  return *logger;
}

spdlog::level::level_enum ToSpdlog(Level level) {
  switch (level) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
    case Level::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

void Configure(Level level, Format format) {
  g_level.store(level);
  g_format.store(format);
  if (format == Format::kJson) {
    Logger().set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%v"})",
                         spdlog::pattern_time_type::utc);
  } else {
    Logger().set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
}

bool ParseLevel(std::string_view text, Level& level) {
  if (text == "debug") {
    level = Level::kDebug;
  } else if (text == "info") {
    level = Level::kInfo;
  } else if (text == "warn") {
    level = Level::kWarn;
  } else if (text == "error") {
    level = Level::kError;
  } else if (text == "off") {
    level = Level::kOff;
  } else {
    return false;
  }
  return true;
}

void Write(Level level, std::string_view message) {
  if (level < g_level.load() || level == Level::kOff) {
    return;
  }
  if (g_format.load() == Format::kJson) {
    std::string escaped;
    escaped.reserve(message.size());
    for (char c : message) {
      if (c == '"' || c == '\\') {
        escaped += '\\';
        escaped += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        escaped += fmt::format("\\u{:04x}", static_cast<int>(c));
      } else {
        escaped += c;
      }
    }
    Logger().log(ToSpdlog(level), "{}", escaped);
    return;
  }
  Logger().log(ToSpdlog(level), "{}", message);
}

}  // namespace gpupack::log
