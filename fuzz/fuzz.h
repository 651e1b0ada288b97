// The libFuzzer entry point every fuzz/<name>_fuzz.cc defines (declared here so the targets
// build under -Wmissing-declarations), and helpers they share.
//
// Each target is built twice: with -fsanitize=fuzzer into `<name>_fuzz` (the `fuzz` preset,
// clang only), and with replay_main.cc into `<name>_replay`, a plain driver that feeds every
// file of the seed corpus and the regression folder to the same function, so `make test`
// replays them with any compiler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace gpupack::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace gpupack::fuzz
