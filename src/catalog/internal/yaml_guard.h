// A guard against yaml-cpp 0.7 parses that never end.
//
// yaml-cpp 0.7 loops forever, allocating nodes until memory runs out, on some malformed
// documents: a top-level node followed by a comma ("[a], b", "{a: 1}, b", " ,"; found by
// fuzz/instance_catalog_fuzz.cc). A terminating parse consumes input with every few events, so a
// dry run that sees many more events than the text has bytes is looping: GuardYamlParse() stops
// it with a YAML::ParserException at the offending mark, which every adapter already turns into
// its "<file>:<line>: invalid YAML" error. Call it inside the try block, before YAML::Load or
// YAML::LoadAll.
#pragma once

#include <string>

namespace gpupack::catalog::catalog_internal {

// Throws YAML::ParserException when yaml-cpp would not terminate on `text`.
void GuardYamlParse(const std::string& text);

}  // namespace gpupack::catalog::catalog_internal
