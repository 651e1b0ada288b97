#include "report/testing/markup_query.h"

#include <cctype>

namespace gpupack::report::testing {
namespace {

bool IsLetter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

}  // namespace

size_t CountOf(std::string_view text, std::string_view needle) {
  size_t count = 0;
  for (size_t pos = text.find(needle); pos != std::string_view::npos;
       pos = text.find(needle, pos + needle.size())) {
    ++count;
  }
  return count;
}

std::vector<std::string> StartTags(std::string_view markup, std::string_view prefix) {
  std::vector<std::string> tags;
  for (size_t pos = markup.find(prefix); pos != std::string_view::npos;
       pos = markup.find(prefix, pos + prefix.size())) {
    const size_t end = markup.find('>', pos);
    if (end == std::string_view::npos) {
      break;
    }
    tags.emplace_back(markup.substr(pos, end + 1 - pos));
  }
  return tags;
}

std::vector<std::string> ElementTexts(std::string_view markup, std::string_view prefix) {
  std::vector<std::string> texts;
  for (size_t pos = markup.find(prefix); pos != std::string_view::npos;
       pos = markup.find(prefix, pos + prefix.size())) {
    const size_t start = markup.find('>', pos);
    const size_t end = markup.find('<', start);
    if (start == std::string_view::npos || end == std::string_view::npos) {
      break;
    }
    texts.emplace_back(markup.substr(start + 1, end - start - 1));
  }
  return texts;
}

std::optional<std::string> Attribute(std::string_view start_tag, std::string_view name) {
  const std::string key = " " + std::string(name) + "=\"";
  const size_t start = start_tag.find(key);
  if (start == std::string_view::npos) {
    return std::nullopt;
  }
  const size_t value = start + key.size();
  const size_t end = start_tag.find('"', value);
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(start_tag.substr(value, end - value));
}

bool HasNonFiniteWord(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (std::string_view word : {"nan", "inf", "infinity"}) {
    for (size_t pos = lower.find(word); pos != std::string::npos; pos = lower.find(word, pos + 1)) {
      const size_t after = pos + word.size();
      if ((pos == 0 || !IsLetter(lower[pos - 1])) &&
          (after == lower.size() || !IsLetter(lower[after]))) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace gpupack::report::testing
