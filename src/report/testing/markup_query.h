// Reading the report's SVG and HTML back in tests: counting, start tags, element texts and
// attributes, by plain string search. (Not std::regex: under the ASan preset's -O1, GCC 12 warns
// falsely inside <regex>, and warnings are errors.)
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpupack::report::testing {

// Non-overlapping occurrences of `needle` in `text`.
size_t CountOf(std::string_view text, std::string_view needle);

// Every start tag ("<rect ...>" or "<rect .../>") that begins with `prefix`, such as
// "<rect class=\"gp-mark\"".
std::vector<std::string> StartTags(std::string_view markup, std::string_view prefix);

// The text right after each start tag that begins with `prefix`, up to the next '<'.
std::vector<std::string> ElementTexts(std::string_view markup, std::string_view prefix);

// The value of attribute `name` in `start_tag`, still escaped; nothing when it is absent.
std::optional<std::string> Attribute(std::string_view start_tag, std::string_view name);

// True when "nan", "inf" or "infinity" appears as a word, in any letter case.
bool HasNonFiniteWord(std::string_view text);

}  // namespace gpupack::report::testing
