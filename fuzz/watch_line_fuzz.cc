// Watch streams: every line of the input through DecodeWatchLine, as HttpKubeClient::Watch
// feeds them.
#include <string_view>

#include "fuzz/fuzz.h"
#include "kube/watch_line.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = gpupack::fuzz::AsText(data, size);
  size_t start = 0;
  while (start <= text.size()) {
    size_t newline = text.find('\n', start);
    size_t end = newline == std::string_view::npos ? text.size() : newline;
    gpupack::kube::WatchLine line = gpupack::kube::DecodeWatchLine(text.substr(start, end - start));
    if (line.kind == gpupack::kube::WatchLine::Kind::kError) {
      (void)line.object.dump();
    }
    start = end + 1;
  }
  return 0;
}
