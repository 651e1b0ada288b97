// Charts as inline SVG, written from C++ with no JavaScript and nothing fetched: the savings
// report (html_report.h) embeds them, and a bench can write one to a .svg file on its own.
//
//   LineChart chart;
//   chart.title = "GPUs provisioned";
//   chart.x_label = "Time since start";
//   chart.y_label = "GPUs";
//   chart.x_axis = XAxis::kDuration;
//   chart.series.emplace_back("dedicated", times, gpus).step = true;
//   chart.series.emplace_back("GPUs really needed", times, needed).reference = true;
//   std::string svg = RenderSvg(chart);
//
// (Set fields by name as above rather than with designated initializers: GCC 12 warns about
// every field such an initializer leaves out.)
//
// Data are plain vectors of doubles and strings, so the simulator and the packing benchmark feed
// them without this layer knowing either. Conventions the charts keep:
// - Colours: data series take the colour-blind-safe Okabe-Ito palette in order (blue, orange,
//   green, vermillion, purple, sky blue, ...), so list strategies in the same order in every
//   chart and a strategy keeps its colour. Reference series (`reference = true`: "GPUs really
//   needed", "lower bound") are dashed dark grey and do not use up a colour.
// - Axes: value axes start at zero unless told otherwise and end on a nice tick; the axes always
//   cover every finite data value (y_min/y_max can only widen them). Time axes take seconds
//   since the start of the run and label them as elapsed time ("6h", "1d 6h"): the report
//   never reads a clock.
// - Long series are fine: where points outnumber the pixel columns, each column keeps its
//   first, lowest, highest and last point (spikes survive), and hover shows its highest value.
// - Bad data: non-finite values, and absurd ones beyond +-1e15, are skipped (a line breaks at
//   them); a chart with no finite point shows a "No data" note instead of lines. No "nan" or
//   "inf" ever reaches the SVG.
// - A bar chart's rows and a small-multiples chart's lanes set its height; widths and heights
//   are those of the SVG's viewBox, which the report scales to the page.
// - Output is deterministic: the same chart gives byte-identical SVG (fixed-precision numbers,
//   no ids, no clock, no randomness). Every drawn data mark has class "gp-mark", the SVG root
//   class "gp-chart", so tests and the report's self-check can find them.
// - Every text the caller gives is escaped. Hovering a bar shows its category and value, and a
//   line its name, through SVG <title> elements, which need no script. Line charts also carry,
//   per series, the pixel positions and value texts of their points (an empty
//   <g class="gp-hover-series">), from which the report's script draws a crosshair and a
//   tooltip with every series' value.
//
// Thread safety: values and pure functions.
#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "report/scale.h"

namespace gpupack::report {

enum class XAxis {
  kNumber,    // plain numbers, formatted with LineChart::x_format
  kDuration,  // seconds since the start, labelled "30m", "6h", "1d 6h"
};

struct Series {
  Series() = default;

  Series(std::string name_in, std::vector<double> x_in, std::vector<double> y_in)
      : name(std::move(name_in)), x(std::move(x_in)), y(std::move(y_in)) {}

  std::string name;
  // Points (x[i], y[i]); x and y must have the same length (extra values are ignored) and x
  // should ascend. Non-finite values break the line.
  std::vector<double> x;
  std::vector<double> y;
  // A step line holds each value until the next x, as counts over time do (GPUs, pending pods).
  bool step = false;
  // Drawn dashed in dark grey, for a comparison line such as the GPUs really needed.
  bool reference = false;
};

enum class LineLayout {
  kOverlay,         // every series in one plot
  kSmallMultiples,  // one lane per data series on a shared scale, filled below the line, with
                    // the reference series repeated in every lane: compares each strategy with
                    // the reference, or shows sparse spikes (pending pods) without overlap
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  XAxis x_axis = XAxis::kNumber;
  // Tick labels take as many decimals as their step needs; `decimals` applies to the values
  // shown on hover.
  NumberFormat x_format;
  NumberFormat y_format;
  std::vector<Series> series;
  LineLayout layout = LineLayout::kOverlay;
  // Start the y axis at zero, as counts and costs should; false fits the axis to the data.
  bool y_from_zero = true;
  // Optional values the y axis must also cover, e.g. 0 and 1 for a ratio. NaN means unset.
  double y_min = std::numeric_limits<double>::quiet_NaN();
  double y_max = std::numeric_limits<double>::quiet_NaN();
  int width = 960;
  int height = 380;         // the overlay layout's; small multiples grow with the lane count
  double lane_height = 56;  // small multiples only; kept within [24, 400]
};

struct BarSeries {
  BarSeries() = default;

  BarSeries(std::string name_in, std::vector<double> values_in)
      : name(std::move(name_in)), values(std::move(values_in)) {}

  std::string name;
  std::vector<double> values;  // one per category; missing or non-finite values draw no bar
};

// A dashed vertical line across a bar chart at `value`, e.g. the cost lower bound.
struct ReferenceValue {
  ReferenceValue() = default;

  ReferenceValue(std::string name_in, double value_in)
      : name(std::move(name_in)), value(value_in) {}

  std::string name;
  double value = 0;
};

// Horizontal bars: one row per category (a strategy), one bar per series within the row, each
// labelled with its value. The value axis always includes zero.
struct BarChart {
  std::string title;
  std::string value_label;
  NumberFormat format;
  std::vector<std::string> categories;
  std::vector<BarSeries> series;
  std::vector<ReferenceValue> references;
  // With one series: bar i takes palette colour i, matching the line charts' strategy colours.
  bool color_by_category = false;
  int width = 960;
};

// Returns the chart as one <svg> element (with its xmlns, so it is also a valid .svg file).
std::string RenderSvg(const LineChart& chart);
std::string RenderSvg(const BarChart& chart);

// The colour of data series number `index` (wraps around after the palette's 7 colours).
std::string_view PaletteColor(size_t index);

}  // namespace gpupack::report
