#include "common/log.h"

#include <atomic>
#include <memory>
#include <ostream>
#include <string>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace gpupack::log {
namespace {

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v";
// Write puts the quoted message and the fields into %v, so the object closes after it.
constexpr const char* kJsonPattern = R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":%v})";

std::atomic<Level> g_level{Level::kInfo};
std::atomic<Format> g_format{Format::kText};

spdlog::logger& Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    // shared_ptr: spdlog's API takes and returns loggers by shared_ptr.
    auto created = spdlog::stderr_logger_mt("gpupack");
    created->set_pattern(kTextPattern);
    created->set_level(spdlog::level::trace);
    return created;
  }();
  return *logger;
}

void ApplyPattern(Format format) {
  if (format == Format::kJson) {
    Logger().set_pattern(kJsonPattern, spdlog::pattern_time_type::utc);
  } else {
    Logger().set_pattern(kTextPattern);
  }
}

// A JSON string literal, quotes included.
void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
    } else {
      out += c;
    }
  }
  out += '"';
}

bool NeedsQuotes(std::string_view value) {
  return value.empty() || value.find_first_of(" \t\n\"=") != std::string_view::npos;
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
  ApplyPattern(format);
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

bool ParseFormat(std::string_view text, Format& format) {
  if (text == "text") {
    format = Format::kText;
  } else if (text == "json") {
    format = Format::kJson;
  } else {
    return false;
  }
  return true;
}

void Write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (level < g_level.load() || level == Level::kOff) {
    return;
  }
  std::string line;
  if (g_format.load() == Format::kJson) {
    AppendJsonString(line, message);
    for (const Field& field : fields) {
      line += ',';
      AppendJsonString(line, field.key);
      line += ':';
      AppendJsonString(line, field.value);
    }
  } else {
    line = message;
    for (const Field& field : fields) {
      line += fmt::format(" {}=", field.key);
      if (NeedsQuotes(field.value)) {
        AppendJsonString(line, field.value);
      } else {
        line += field.value;
      }
    }
  }
  Logger().log(ToSpdlog(level), "{}", line);
}

void CaptureForTest(std::ostream* out) {
  spdlog::logger& logger = Logger();
  logger.sinks().clear();
  if (out != nullptr) {
    logger.sinks().push_back(std::make_shared<spdlog::sinks::ostream_sink_mt>(*out));
  } else {
    logger.sinks().push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  }
  ApplyPattern(g_format.load());  // a new sink starts with spdlog's default pattern
}

}  // namespace gpupack::log
