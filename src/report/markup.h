// Text that goes into SVG and HTML: escaping and coordinates. Shared by chart.cc and
// html_report.cc so that every piece of caller text is escaped the same way.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace gpupack::report {

// Escapes `text` for XML/HTML element content and double-quoted attribute values: & < > " '.
// Control characters other than tab and newlines, which XML forbids, are dropped.
std::string EscapeXml(std::string_view text);

// A coordinate with one decimal ("12.5", "0"): fixed precision keeps the SVG byte-identical for
// the same data. A non-finite coordinate is a bug in the caller (GP_CHECK).
std::string FormatCoord(double value);

}  // namespace gpupack::report
