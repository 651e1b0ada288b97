#include "sim/trace/openb.h"

#include <charconv>
#include <limits>
#include <optional>

#include "common/file.h"
#include "sim/trace/csv_text.h"

namespace gpupack::sim {
namespace {

using plan::packing::kMaxGpusPerNode;
using plan::packing::kMilliPerGpu;
using plan::packing::PackNodeSpec;

// A CSV file split into a header and numbered data rows; blank lines are skipped.
class CsvRows {
 public:
  CsvRows(std::string_view text, std::string_view file_name)
      : lines_(text), file_name_(file_name) {}

  // Reads the header and resolves `required` column names (then `optional` ones, -1 if absent).
  [[nodiscard]] Status ReadHeader(const std::vector<std::string_view>& required,
                                  const std::vector<std::string_view>& optional) {
    std::optional<std::string_view> header = NextLine();
    if (!header)
      return Fail("empty file; expected a header line");
    header_ = SplitFields(*header, ',');
    for (std::string_view name : required) {
      int32_t index = Find(name);
      if (index < 0)
        return Fail("header has no column '" + std::string(name) + "'");
      columns_.push_back(index);
    }
    for (std::string_view name : optional)
      columns_.push_back(Find(name));
    return OkStatus();
  }

  // The next data row's fields (in the order of ReadHeader's names; optional absent = ""),
  // or nullopt at the end of the file.
  [[nodiscard]] Result<std::optional<std::vector<std::string_view>>> Next() {
    std::optional<std::string_view> line;
    do {
      line = NextLine();
      if (!line)
        return std::optional<std::vector<std::string_view>>();
    } while (line->empty());
    std::vector<std::string_view> fields = SplitFields(*line, ',');
    if (fields.size() != header_.size()) {
      return Fail("expected " + std::to_string(header_.size()) + " fields, found " +
                  std::to_string(fields.size()));
    }
    std::vector<std::string_view> row;
    for (int32_t column : columns_) {
      row.push_back(column < 0 ? std::string_view() : fields[static_cast<size_t>(column)]);
    }
    return row;
  }

  [[nodiscard]] Result<int64_t> Integer(std::string_view field, std::string_view column,
                                        int64_t min, int64_t max) const {
    int64_t value = 0;
    auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (field.empty() || error != std::errc() || end != field.data() + field.size()) {
      return Fail(std::string(column) + " '" + std::string(field) + "' is not an integer");
    }
    if (value < min || value > max) {
      return Fail(std::string(column) + " " + std::to_string(value) + " is outside " +
                  std::to_string(min) + ".." + std::to_string(max));
    }
    return value;
  }

  tl::unexpected<Error> Fail(const std::string& what) const {
    return InvalidArgumentError(std::string(file_name_) + ":" + std::to_string(lines_.number()) +
                                ": " + what);
  }

 private:
  std::optional<std::string_view> NextLine() { return lines_.Next(); }

  int32_t Find(std::string_view name) const {
    for (size_t index = 0; index < header_.size(); ++index) {
      if (header_[index] == name)
        return static_cast<int32_t>(index);
    }
    return -1;
  }

  LineReader lines_;
  std::string_view file_name_;
  std::vector<std::string_view> header_;
  std::vector<int32_t> columns_;
};

constexpr int64_t kMaxAmount = std::numeric_limits<int64_t>::max() / 4;

}  // namespace

Result<std::vector<PackNodeSpec>> ParseOpenbNodeList(std::string_view text,
                                                     std::string_view file_name) {
  CsvRows rows(text, file_name);
  GP_TRY(rows.ReadHeader({"sn", "cpu_milli", "memory_mib", "gpu", "model"}, {}));
  std::vector<PackNodeSpec> nodes;
  while (true) {
    GP_ASSIGN_OR_RETURN(std::optional<std::vector<std::string_view>> row, rows.Next());
    if (!row)
      break;
    const std::vector<std::string_view>& fields = *row;
    PackNodeSpec node;
    if (fields[0].empty())
      return rows.Fail("empty node name (column sn)");
    node.name = fields[0];
    GP_ASSIGN_OR_RETURN(node.cpu_milli, rows.Integer(fields[1], "cpu_milli", 0, kMaxAmount));
    GP_ASSIGN_OR_RETURN(node.memory_mib, rows.Integer(fields[2], "memory_mib", 0, kMaxAmount));
    GP_ASSIGN_OR_RETURN(int64_t gpus, rows.Integer(fields[3], "gpu", 0, kMaxGpusPerNode));
    node.gpu_count = static_cast<int32_t>(gpus);
    node.model = fields[4];
    if (node.model == "nan")
      node.model.clear();
    if (node.gpu_count > 0 && node.model.empty()) {
      return rows.Fail("node " + node.name + " has GPUs but no model");
    }
    if (node.gpu_count == 0)
      node.model.clear();
    nodes.push_back(std::move(node));
  }
  return nodes;
}

Result<std::vector<OpenbPod>> ParseOpenbPodList(std::string_view text, std::string_view file_name) {
  CsvRows rows(text, file_name);
  GP_TRY(rows.ReadHeader({"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli"},
                         {"gpu_spec", "creation_time", "deletion_time", "scheduled_time"}));
  std::vector<OpenbPod> pods;
  while (true) {
    GP_ASSIGN_OR_RETURN(std::optional<std::vector<std::string_view>> row, rows.Next());
    if (!row)
      break;
    const std::vector<std::string_view>& fields = *row;
    OpenbPod pod;
    if (fields[0].empty())
      return rows.Fail("empty pod name");
    pod.name = fields[0];
    GP_ASSIGN_OR_RETURN(pod.cpu_milli, rows.Integer(fields[1], "cpu_milli", 0, kMaxAmount));
    GP_ASSIGN_OR_RETURN(pod.memory_mib, rows.Integer(fields[2], "memory_mib", 0, kMaxAmount));
    GP_ASSIGN_OR_RETURN(int64_t num_gpu, rows.Integer(fields[3], "num_gpu", 0, kMaxGpusPerNode));
    GP_ASSIGN_OR_RETURN(int64_t gpu_milli, rows.Integer(fields[4], "gpu_milli", 0, kMilliPerGpu));
    pod.num_gpu = static_cast<int32_t>(num_gpu);
    pod.gpu_milli = static_cast<int32_t>(gpu_milli);
    if (pod.num_gpu == 0 && pod.gpu_milli != 0) {
      return rows.Fail("gpu_milli " + std::to_string(gpu_milli) + " without GPUs (num_gpu 0)");
    }
    if (pod.num_gpu > 0 && pod.gpu_milli == 0)
      return rows.Fail("num_gpu > 0 but gpu_milli 0");
    if (pod.num_gpu > 1 && pod.gpu_milli != kMilliPerGpu) {
      return rows.Fail("a pod with " + std::to_string(num_gpu) +
                       " GPUs must ask for whole GPUs (gpu_milli 1000), not " +
                       std::to_string(gpu_milli));
    }
    std::string_view spec = fields[5];
    if (!spec.empty() && spec != "nan") {
      for (std::string_view model : SplitFields(spec, '|')) {
        if (model.empty())
          return rows.Fail("empty model name in gpu_spec '" + std::string(spec) + "'");
        pod.gpu_spec.emplace_back(model);
      }
    }
    std::optional<int64_t>* times[] = {&pod.creation_time, &pod.deletion_time, &pod.scheduled_time};
    constexpr std::string_view kTimeColumns[] = {"creation_time", "deletion_time",
                                                 "scheduled_time"};
    for (size_t index = 0; index < 3; ++index) {
      std::string_view cell = fields[6 + index];
      if (cell.empty() || cell == "nan")
        continue;
      GP_ASSIGN_OR_RETURN(*times[index], rows.Integer(cell, kTimeColumns[index], 0, kMaxAmount));
    }
    pods.push_back(std::move(pod));
  }
  return pods;
}

Result<std::vector<PackNodeSpec>> ReadOpenbNodeList(const std::string& path) {
  GP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseOpenbNodeList(text, path);
}

Result<std::vector<OpenbPod>> ReadOpenbPodList(const std::string& path) {
  GP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseOpenbPodList(text, path);
}

plan::packing::PackPod ToPackPod(const OpenbPod& pod, const plan::packing::PackCluster& cluster) {
  plan::packing::PackPod result;
  result.cpu_milli = pod.cpu_milli;
  result.memory_mib = pod.memory_mib;
  result.num_gpu = pod.num_gpu;
  result.gpu_milli = pod.gpu_milli;
  if (!pod.gpu_spec.empty()) {
    result.allowed_models = 0;
    for (const std::string& model : pod.gpu_spec) {
      if (std::optional<int32_t> index = cluster.ModelIndex(model)) {
        result.allowed_models |= uint32_t{1} << *index;
      }
    }
  }
  return result;
}

}  // namespace gpupack::sim
