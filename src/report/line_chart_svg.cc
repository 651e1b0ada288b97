#include "report/line_chart_svg.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

namespace gpupack::report {
namespace {

constexpr double kWidth = 800;
constexpr double kHeight = 500;
constexpr double kLeft = 70;
constexpr double kRight = 190;  // room for the legend
constexpr double kTop = 40;
constexpr double kBottom = 60;
constexpr std::array<const char*, 10> kPalette = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                                  "#9467bd", "#8c564b", "#e377c2", "#000000",
                                                  "#17becf", "#bcbd22"};

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A step of 1, 2 or 5 x 10^k giving about `target` intervals over `span`.
double NiceStep(double span, int target) {
  double raw = span / target;
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    if (factor * magnitude >= raw)
      return factor * magnitude;
  }
  return 10.0 * magnitude;
}

}  // namespace

std::string RenderLineChartSvg(const LineChart& chart) {
  const double plot_width = kWidth - kLeft - kRight;
  const double plot_height = kHeight - kTop - kBottom;
  const double x_min = chart.x.empty() ? 0.0 : chart.x.front();
  const double x_max = chart.x.empty() ? 1.0 : std::max(chart.x.back(), x_min + 1e-9);
  const double y_span = std::max(chart.y_max - chart.y_min, 1e-9);
  auto px = [&](double x) { return kLeft + (x - x_min) / (x_max - x_min) * plot_width; };
  auto py = [&](double y) {
    double clipped = std::clamp(y, chart.y_min, chart.y_max);
    return kTop + (1.0 - (clipped - chart.y_min) / y_span) * plot_height;
  };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"24\" font-size=\"15\" text-anchor=\"middle\">{3}</text>\n",
      kWidth, kHeight, kLeft + plot_width / 2, Escape(chart.title));
  const double x_step = NiceStep(x_max - x_min, 10);
  for (double x = std::ceil(x_min / x_step) * x_step; x <= x_max + 1e-9; x += x_step) {
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#ddd\"/>"
        "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">{4:g}</text>\n",
        px(x), kTop, kTop + plot_height, kTop + plot_height + 16, x);
  }
  const double y_step = NiceStep(y_span, 8);
  for (double y = std::ceil(chart.y_min / y_step) * y_step; y <= chart.y_max + 1e-9; y += y_step) {
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5:g}</text>\n",
        kLeft, py(y), kLeft + plot_width, kLeft - 6, py(y) + 4, y);
  }
  svg += fmt::format(
      "<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"{3}\" fill=\"none\" stroke=\"#333\"/>\n"
      "<text x=\"{4}\" y=\"{5}\" text-anchor=\"middle\">{6}</text>\n"
      "<text x=\"16\" y=\"{7}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {7})\">{8}"
      "</text>\n",
      kLeft, kTop, plot_width, plot_height, kLeft + plot_width / 2, kHeight - 18,
      Escape(chart.x_label), kTop + plot_height / 2, Escape(chart.y_label));
  for (size_t index = 0; index < chart.series.size(); ++index) {
    const ChartSeries& series = chart.series[index];
    const char* color = kPalette[index % kPalette.size()];
    std::string points;
    for (size_t point = 0; point < std::min(series.y.size(), chart.x.size()); ++point) {
      points += fmt::format("{:.1f},{:.1f} ", px(chart.x[point]), py(series.y[point]));
    }
    svg += fmt::format(
        "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\"{} points=\"{}\"/>\n", color,
        series.dashed ? " stroke-dasharray=\"6 4\"" : "", points);
    const double legend_y = kTop + 10 + 20 * static_cast<double>(index);
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"2\"{4}/>"
        "<text x=\"{5}\" y=\"{6}\">{7}</text>\n",
        kWidth - kRight + 12, legend_y, kWidth - kRight + 40, color,
        series.dashed ? " stroke-dasharray=\"6 4\"" : "", kWidth - kRight + 46, legend_y + 4,
        Escape(series.label));
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace gpupack::report
