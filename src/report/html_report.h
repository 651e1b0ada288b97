// HtmlReport: one self-contained HTML page (the savings report of `gpupack simulate` and the
// packing benchmark's curves) that opens offline. Styles and the charts' SVG are inline, and a
// Content-Security-Policy forbids every fetch, so the file shows the same on a laptop on a plane
// as in CI. It is complete without JavaScript; one small inline script adds hover tooltips to
// the line charts and records how many charts were drawn (`data-charts-ok="drawn/total"` on
// <html>) for the headless-browser test.
//
//   HtmlReport report("GPU sharing: what it saves");
//   report.SetSubtitle("Scenario inference-day · seed 42 · 2026-11-24");  // caller's date
//   report.AddVerdict("mig+time-slicing saves 41% against dedicated GPUs", "Details ...");
//   report.AddHeading("Summary");
//   report.AddTable(table);  // DataTable: columns and rows of TableCell / NumberCell
//   report.AddChart(gpus_over_time, "Dashed: the GPUs the pods really needed.");
//   GP_TRY(WriteFileAtomically(path, report.Render()));
//
// Blocks appear in the order they are added. All caller text is plain text and is escaped; the
// report reads no clock (dates come from the caller), so the same calls give the same bytes.
//
// Thread safety: none; build a report on one thread.
#pragma once

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "report/chart.h"
#include "report/scale.h"

namespace gpupack::report {

// Which value of a column is the best one, to highlight it in the table.
enum class Better { kNone, kLower, kHigher };

struct TableColumn {
  TableColumn() = default;

  explicit TableColumn(std::string header_in, Better better_in = Better::kNone)
      : header(std::move(header_in)), better(better_in) {}

  std::string header;
  Better better = Better::kNone;
};

struct TableCell {
  TableCell() = default;

  explicit TableCell(std::string text_in,
                     double value_in = std::numeric_limits<double>::quiet_NaN())
      : text(std::move(text_in)), value(value_in) {}

  std::string text;
  // The number behind `text`, compared for the best-value highlight. A cell with a finite value
  // is right-aligned; NaN marks a text cell.
  double value = std::numeric_limits<double>::quiet_NaN();
};

// A cell showing `value` as `format` writes it.
TableCell NumberCell(double value, const NumberFormat& format);

// Rows of cells under column headers. In each column whose `better` is set, the best finite
// value is highlighted (every row that ties for it), when at least two rows have a value.
struct DataTable {
  std::string caption;
  std::vector<TableColumn> columns;
  std::vector<std::vector<TableCell>> rows;  // missing cells render empty
};

class HtmlReport {
 public:
  explicit HtmlReport(std::string title);

  // The line under the title: scenario, seed, date, as the caller writes them.
  void SetSubtitle(std::string subtitle);

  // A section heading.
  void AddHeading(const std::string& text);

  void AddParagraph(const std::string& text);

  // The highlighted conclusion: a one-line `headline` and an explanation under it.
  void AddVerdict(const std::string& headline, const std::string& text);

  void AddTable(const DataTable& table);

  // A chart with an optional caption under it (what the reader should notice).
  void AddChart(const LineChart& chart, const std::string& caption = "");
  void AddChart(const BarChart& chart, const std::string& caption = "");

  // The whole page, from <!DOCTYPE html> to </html>.
  std::string Render() const;

 private:
  void AddFigure(const std::string& svg, const std::string& caption);

  std::string title_;
  std::string subtitle_;
  std::vector<std::string> blocks_;  // rendered HTML, in order
};

}  // namespace gpupack::report
