// Replays fuzz inputs without libFuzzer: `<name>_replay DIR_OR_FILE...` calls the target's
// LLVMFuzzerTestOneInput on every file (folders are read one level deep, sorted). A crash, a
// sanitizer report or an uncaught exception fails the ctest test; so does an empty folder list.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "common/file.h"
#include "fuzz/fuzz.h"

namespace {

std::vector<std::string> InputFiles(const std::filesystem::path& path) {
  std::vector<std::string> files;
  if (std::filesystem::is_directory(path)) {
    for (const auto& entry : std::filesystem::directory_iterator(path)) {
      if (entry.is_regular_file()) {
        files.push_back(entry.path().string());
      }
    }
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path.string());
  }
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::filesystem::exists(argv[i])) {
      continue;  // a target may have no regressions yet
    }
    for (const std::string& file : InputFiles(argv[i])) {
      gpupack::Result<std::string> contents = gpupack::ReadFile(file);
      if (!contents) {
        std::fprintf(stderr, "%s\n", contents.error().message().c_str());
        return 1;
      }
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(contents->data()), contents->size());
      ++replayed;
    }
  }
  if (replayed == 0) {
    std::fprintf(stderr, "no inputs found\n");
    return 1;
  }
  std::printf("replayed %zu inputs\n", replayed);
  return 0;
}
