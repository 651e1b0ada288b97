// A small, self-contained SVG line chart (no scripts, no external fonts or styles), for
// benchmark curves such as allocation ratio vs arrived workload. Series are drawn in a fixed
// palette in the order given; a legend lists them. Values outside the y range are clipped.
//
// Thread safety: pure function.
#pragma once

#include <string>
#include <vector>

namespace gpupack::report {

struct ChartSeries {
  std::string label;
  std::vector<double> y;  // one value per LineChart::x
  bool dashed = false;
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<double> x;  // increasing
  double y_min = 0;
  double y_max = 100;
  std::vector<ChartSeries> series;
};

// The chart as a complete SVG document (about 800 x 500 px). Text is XML-escaped.
std::string RenderLineChartSvg(const LineChart& chart);

}  // namespace gpupack::report
