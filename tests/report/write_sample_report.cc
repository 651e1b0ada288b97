// Writes the sample savings report (src/report/testing/sample_report.h) to the path given, for
// the headless-browser check beside it and for people who want to look at the report.
#include <cstdio>

#include "common/file.h"
#include "report/testing/sample_report.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <report.html>\n", argv[0]);
    return 1;
  }
  const gpupack::Status written = gpupack::WriteFileAtomically(
      argv[1], gpupack::report::testing::SampleSavingsReport().Render());
  if (!written) {
    std::fprintf(stderr, "write_sample_report: %s\n", written.error().message().c_str());
    return 1;
  }
  return 0;
}
