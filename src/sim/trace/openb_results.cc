#include "sim/trace/openb_results.h"

#include <charconv>
#include <cmath>
#include <optional>

#include "common/file.h"
#include "sim/trace/csv_text.h"

namespace gpupack::sim {
namespace {

bool ParseDouble(std::string_view field, double& value) {
  auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  return !field.empty() && error == std::errc() && end == field.data() + field.size();
}

}  // namespace

Result<std::vector<PublishedPackingRun>> ParsePublishedPackingRuns(std::string_view text,
                                                                   std::string_view file_name) {
  std::vector<PublishedPackingRun> runs;
  LineReader lines(text);
  int64_t line_number = 0;
  size_t field_count = 0;
  auto fail = [&](const std::string& what) {
    return InvalidArgumentError(std::string(file_name) + ":" + std::to_string(line_number) + ": " +
                                what);
  };
  while (std::optional<std::string_view> line = lines.Next()) {
    line_number = lines.number();
    if (line->empty())
      continue;
    std::vector<std::string_view> fields = SplitFields(*line);
    if (line_number == 1) {
      if (fields.size() < 6 || fields[0] != "workload" || fields[1] != "sc_policy" ||
          fields[2] != "tune" || fields[3] != "seed" || fields[4] != "total_gpus") {
        return fail("expected header 'workload,sc_policy,tune,seed,total_gpus,0,1,...'");
      }
      field_count = fields.size();
      continue;
    }
    if (fields.size() != field_count) {
      return fail("expected " + std::to_string(field_count) + " fields, found " +
                  std::to_string(fields.size()));
    }
    PublishedPackingRun run;
    run.workload = fields[0];
    run.policy = fields[1];
    double seed = 0;
    double total_gpus = 0;
    if (!ParseDouble(fields[2], run.tune))
      return fail("tune is not a number");
    // Whole numbers in int64 range (checked before the casts below: "4e118" or "nan" in the
    // seed column was undefined behaviour, found by fuzz/openb_results_fuzz.cc).
    constexpr double kMaxWhole = 9e15;  // exact in a double
    if (!ParseDouble(fields[3], seed) || !(std::abs(seed) <= kMaxWhole) || seed != std::floor(seed))
      return fail("seed is not a whole number");
    if (!ParseDouble(fields[4], total_gpus) || !(total_gpus > 0 && total_gpus <= kMaxWhole) ||
        total_gpus != std::floor(total_gpus)) {
      return fail("total_gpus is not a positive whole number");
    }
    run.seed = static_cast<int64_t>(seed);
    run.total_gpus = static_cast<int64_t>(total_gpus);
    for (size_t index = 5; index < fields.size(); ++index) {
      double value = 0;
      if (!ParseDouble(fields[index], value)) {
        return fail("allocation '" + std::string(fields[index]) + "' is not a number");
      }
      run.curve.push_back(value);
    }
    runs.push_back(std::move(run));
  }
  if (field_count == 0) {
    line_number = 1;
    return fail("empty file; expected a header line");
  }
  return runs;
}

Result<std::vector<PublishedPackingRun>> ReadPublishedPackingRuns(const std::string& path) {
  GP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParsePublishedPackingRuns(text, path);
}

}  // namespace gpupack::sim
