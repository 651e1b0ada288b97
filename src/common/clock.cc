#include "common/clock.h"

#include <string>

namespace gpupack {

Timestamp SystemClock::Now() const {
  return Timestamp{
      std::chrono::duration_cast<Duration>(std::chrono::system_clock::now().time_since_epoch())};
}

Result<Timestamp> ParseRfc3339(std::string_view text) {
  auto malformed = [&] {
    return InvalidArgumentError("\"" + std::string(text) + "\" is not an RFC 3339 time");
  };
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  auto digits = [&](size_t pos, size_t count, int& out) {
    if (pos + count > text.size()) {
      return false;
    }
    out = 0;
    for (size_t i = pos; i < pos + count; ++i) {
      if (text[i] < '0' || text[i] > '9') {
        return false;
      }
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (text.size() < 20 || !digits(0, 4, year) || text[4] != '-' || !digits(5, 2, month) ||
      text[7] != '-' || !digits(8, 2, day) || (text[10] != 'T' && text[10] != 't') ||
      !digits(11, 2, hour) || text[13] != ':' || !digits(14, 2, minute) || text[16] != ':' ||
      !digits(17, 2, second)) {
    return malformed();
  }
  size_t pos = 19;
  int64_t millis = 0;
  if (text[pos] == '.') {
    int64_t scale = 100;
    ++pos;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      millis += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) {
      return malformed();
    }
  }
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z') && pos + 1 == text.size()) {
    offset_minutes = 0;
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') &&
             text[pos + 3] == ':') {
    int oh = 0;
    int om = 0;
    if (!digits(pos + 1, 2, oh) || !digits(pos + 4, 2, om)) {
      return malformed();
    }
    offset_minutes = (text[pos] == '+' ? 1 : -1) * (oh * 60 + om);
  } else {
    return malformed();
  }
  std::chrono::year_month_day date{std::chrono::year(year),
                                   std::chrono::month(static_cast<unsigned>(month)),
                                   std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) {
    return malformed();
  }
  auto days = std::chrono::sys_days(date).time_since_epoch();
  Duration since = std::chrono::duration_cast<Duration>(days) + std::chrono::hours(hour) +
                   std::chrono::minutes(minute - offset_minutes) + std::chrono::seconds(second) +
                   Duration(millis);
  return Timestamp{since};
}

}  // namespace gpupack
