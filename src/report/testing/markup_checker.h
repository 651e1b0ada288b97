// A small well-formedness checker for the SVG and HTML the report writes, so that the tests can
// parse the output back without an XML library: tags balance and nest, attribute values are
// double-quoted and not repeated, entities are known, nothing but comments and a doctype sits
// outside the one root element. HTML's void elements (<meta>) and raw-text elements (<script>,
// <style>) are accepted as HTML has them.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>

#include "common/error.h"

namespace gpupack::report::testing {

// OkStatus for a well-formed document; InvalidArgument naming the byte offset and the problem.
[[nodiscard]] Status CheckWellFormed(std::string_view document);

}  // namespace gpupack::report::testing
