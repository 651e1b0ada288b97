#include "report/chart.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "report/markup.h"

namespace gpupack::report {
namespace {

// Okabe & Ito's colour-blind-safe palette, without its yellow (unreadable on white), with black
// last. Blue and orange come first: the pair most people tell apart.
constexpr std::array<std::string_view, 7> kPalette = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                                      "#CC79A7", "#56B4E9", "#000000"};

constexpr std::array<std::string_view, 3> kReferenceColors = {"#374151", "#6B7280", "#111827"};
constexpr std::array<std::string_view, 3> kReferenceDashes = {"6 4", "2 3", "10 3 2 3"};

constexpr std::string_view kFontFamily =
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
constexpr std::string_view kTitleColor = "#111827";
constexpr std::string_view kLabelColor = "#374151";
constexpr std::string_view kTickColor = "#6B7280";
constexpr std::string_view kGridColor = "#E5E7EB";
constexpr std::string_view kAxisColor = "#9CA3AF";

constexpr double kPad = 12;
constexpr double kTitleFont = 15;
constexpr double kFont = 12;
constexpr double kLegendRowHeight = 20;

// Appends fmt-formatted text to `out`.
template <class... Args>
void Append(std::string& out, fmt::format_string<Args...> format, Args&&... args) {
  fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
}

// A legend entry: a line swatch (solid or dashed) or a square one for bars.
struct LegendEntry {
  std::string label;
  std::string_view color;
  std::string_view dash;  // empty: solid
  bool square = false;
};

void OpenSvg(std::string& out, double width, double height, const std::string& title) {
  Append(out,
         "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"gp-chart\" viewBox=\"0 0 {0} {1}\" "
         "width=\"{0}\" height=\"{1}\" role=\"img\" aria-label=\"{2}\" font-family=\"{3}\" "
         "font-size=\"{4}\">\n",
         FormatCoord(width), FormatCoord(height), EscapeXml(title), kFontFamily,
         FormatCoord(kFont));
  Append(out, "<rect width=\"{}\" height=\"{}\" fill=\"#FFFFFF\"/>\n", FormatCoord(width),
         FormatCoord(height));
  if (!title.empty()) {
    Append(out,
           "<text x=\"{}\" y=\"{}\" font-size=\"{}\" font-weight=\"600\" fill=\"{}\">{}</text>\n",
           FormatCoord(kPad), FormatCoord(kPad + kTitleFont), FormatCoord(kTitleFont), kTitleColor,
           EscapeXml(title));
  }
}

// The y where the legend (or the plot, without legend) starts.
double BelowTitle(const std::string& title) {
  return title.empty() ? kPad : kPad + kTitleFont + 14;
}

// Lays the entries out left to right, wrapping at `width`; returns the height used.
double DrawLegend(std::string& out, const std::vector<LegendEntry>& entries, double top,
                  double width) {
  if (entries.empty()) {
    return 0;
  }
  double x = kPad;
  double y = top + kFont / 2;
  for (const LegendEntry& entry : entries) {
    const double entry_width = 26 + EstimateTextWidth(entry.label, kFont) + 18;
    if (x > kPad && x + entry_width > width - kPad) {
      x = kPad;
      y += kLegendRowHeight;
    }
    out += "<g class=\"gp-legend-item\">";
    if (entry.square) {
      Append(out, "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" rx=\"2\" fill=\"{}\"/>",
             FormatCoord(x + 3), FormatCoord(y - 6), entry.color);
    } else {
      Append(out, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"3\"",
             FormatCoord(x), FormatCoord(y), FormatCoord(x + 20), FormatCoord(y), entry.color);
      if (!entry.dash.empty()) {
        Append(out, " stroke-dasharray=\"{}\"", entry.dash);
      }
      out += "/>";
    }
    Append(out, "<text x=\"{}\" y=\"{}\" dominant-baseline=\"middle\" fill=\"{}\">{}</text></g>\n",
           FormatCoord(x + 26), FormatCoord(y), kLabelColor, EscapeXml(entry.label));
    x += entry_width;
  }
  return y + kFont / 2 - top;
}

void DrawNoData(std::string& out, double left, double top, double right, double bottom) {
  Append(out,
         "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#F9FAFB\" stroke=\"{}\"/>\n",
         FormatCoord(left), FormatCoord(top), FormatCoord(right - left), FormatCoord(bottom - top),
         kGridColor);
  Append(out,
         "<text class=\"gp-no-data\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" "
         "dominant-baseline=\"middle\" font-size=\"14\" fill=\"{}\">No data</text>\n",
         FormatCoord((left + right) / 2), FormatCoord((top + bottom) / 2), kTickColor);
}

// Values a chart can place: finite, and small enough that axis arithmetic cannot overflow. The
// rest are skipped like NaN (chart.h).
bool IsDrawable(double value) { return std::isfinite(value) && std::abs(value) <= 1e15; }

// Maps data values linearly onto pixels.
class Scale {
 public:
  Scale(double data_lo, double data_hi, double pixel_lo, double pixel_hi)
      : data_lo_(data_lo),
        pixel_lo_(pixel_lo),
        factor_(data_hi > data_lo ? (pixel_hi - pixel_lo) / (data_hi - data_lo) : 0) {}

  double operator()(double value) const { return pixel_lo_ + (value - data_lo_) * factor_; }

 private:
  double data_lo_;
  double pixel_lo_;
  double factor_;
};

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();

  void Add(double value) {
    if (IsDrawable(value)) {
      lo = std::min(lo, value);
      hi = std::max(hi, value);
    }
  }

  bool empty() const { return lo > hi; }
};

std::string TickLabel(double value, XAxis axis, const NumberFormat& format, double step) {
  if (axis == XAxis::kDuration) {
    return FormatDuration(value);
  }
  NumberFormat tick_format = format;
  tick_format.decimals = TickDecimals(step, format.scale);
  return FormatNumber(value, tick_format);
}

size_t PointCount(const Series& series) { return std::min(series.x.size(), series.y.size()); }

bool IsFinitePoint(const Series& series, size_t i) {
  return IsDrawable(series.x[i]) && IsDrawable(series.y[i]);
}

using Point = std::pair<double, double>;

// Keeps the shape of a run with more points than pixels: of the points in one pixel column it
// keeps the first, the lowest, the highest and the last (in x order), so spikes survive and a
// week of minutes draws as fast, and weighs as little, as a day of 5-minute steps.
std::vector<Point> Decimate(const std::vector<Point>& run) {
  std::vector<Point> kept;
  size_t begin = 0;
  while (begin < run.size()) {
    const double column = std::floor(run[begin].first);
    size_t end = begin;
    size_t lowest = begin;
    size_t highest = begin;
    for (; end < run.size() && std::floor(run[end].first) == column; ++end) {
      lowest = run[end].second > run[lowest].second ? end : lowest;  // pixel y grows downwards
      highest = run[end].second < run[highest].second ? end : highest;
    }
    std::array<size_t, 4> keep = {begin, lowest, highest, end - 1};
    std::sort(keep.begin(), keep.end());
    for (size_t i = 0; i < keep.size(); ++i) {
      if (i == 0 || keep[i] != keep[i - 1]) {
        kept.push_back(run[keep[i]]);
      }
    }
    begin = end;
  }
  return kept;
}

// The pixel positions of a series' finite points, split into runs at non-finite values.
std::vector<std::vector<Point>> PixelRuns(const Series& series, const Scale& x_scale,
                                          const Scale& y_scale) {
  std::vector<std::vector<Point>> runs(1);
  for (size_t i = 0; i < PointCount(series); ++i) {
    if (IsFinitePoint(series, i)) {
      runs.back().emplace_back(x_scale(series.x[i]), y_scale(series.y[i]));
    } else if (!runs.back().empty()) {
      runs.emplace_back();
    }
  }
  if (runs.back().empty()) {
    runs.pop_back();
  }
  for (std::vector<Point>& run : runs) {
    run = Decimate(run);
  }
  return runs;
}

// "L x y" segments (or "H x V y" for steps) from the run's first point to its last.
std::string Segments(const std::vector<Point>& run, bool step) {
  std::string path;
  for (size_t i = 1; i < run.size(); ++i) {
    if (step) {
      Append(path, "H{}V{}", FormatCoord(run[i].first), FormatCoord(run[i].second));
    } else {
      Append(path, "L{} {}", FormatCoord(run[i].first), FormatCoord(run[i].second));
    }
  }
  return path;
}

struct SeriesStyle {
  std::string_view color;
  std::string_view dash;  // empty: solid
};

// Draws one series: each run of two or more points as a subpath, a lone point as a dot, and,
// with `area_base`, a light fill from the line down to that pixel row.
void DrawSeries(std::string& out, const Series& series, const std::vector<std::vector<Point>>& runs,
                const SeriesStyle& style, const double* area_base) {
  std::string line;
  std::string area;
  for (const std::vector<Point>& run : runs) {
    if (run.size() < 2) {
      continue;
    }
    const std::string segments = Segments(run, series.step);
    Append(line, "M{} {}{}", FormatCoord(run[0].first), FormatCoord(run[0].second), segments);
    if (area_base != nullptr) {
      Append(area, "M{} {}V{}{}V{}Z", FormatCoord(run[0].first), FormatCoord(*area_base),
             FormatCoord(run[0].second), segments, FormatCoord(*area_base));
    }
  }
  const std::string name = EscapeXml(series.name);
  if (!area.empty()) {
    Append(out, "<path class=\"gp-area\" d=\"{}\" fill=\"{}\" fill-opacity=\"0.16\"/>\n", area,
           style.color);
  }
  if (!line.empty()) {
    Append(out,
           "<path class=\"gp-mark\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" "
           "stroke-linejoin=\"round\" stroke-linecap=\"round\"",
           line, style.color, series.reference ? "1.75" : "2");
    if (!style.dash.empty()) {
      Append(out, " stroke-dasharray=\"{}\"", style.dash);
    }
    Append(out, "><title>{}</title></path>\n", name);
  }
  for (const std::vector<Point>& run : runs) {
    if (run.size() == 1) {
      Append(out,
             "<circle class=\"gp-mark\" cx=\"{}\" cy=\"{}\" r=\"3\" "
             "fill=\"{}\"><title>{}</title></circle>\n",
             FormatCoord(run[0].first), FormatCoord(run[0].second), style.color, name);
    }
  }
}

// A JSON string literal, for the hover data that the report's script reads with JSON.parse.
std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      Append(out, "\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// The values under the pointer, for the report's hover script: pixel positions and value texts
// of every finite point, and with `with_x_labels` the x texts too (the tooltip's heading comes
// from the first series). An empty element, so a chart without script shows nothing of it.
void DrawHoverData(std::string& out, const LineChart& chart, const Series& series,
                   const Scale& x_scale, const Scale& y_scale, std::string_view color,
                   bool with_x_labels) {
  std::string px;
  std::string py;
  std::string values;
  std::string x_labels;
  // One point per pixel column, the highest: with more points than pixels the pointer could not
  // reach the others, and peaks (of GPUs, of pending pods) are what a reader looks for.
  std::vector<size_t> points;
  for (size_t i = 0; i < PointCount(series); ++i) {
    if (!IsFinitePoint(series, i)) {
      continue;
    }
    if (!points.empty() &&
        std::floor(x_scale(series.x[points.back()])) == std::floor(x_scale(series.x[i]))) {
      if (series.y[i] > series.y[points.back()]) {
        points.back() = i;
      }
      continue;
    }
    points.push_back(i);
  }
  for (size_t i : points) {
    const char* separator = px.empty() ? "" : " ";
    const char* comma = px.empty() ? "" : ",";
    Append(px, "{}{}", separator, FormatCoord(x_scale(series.x[i])));
    Append(py, "{}{}", separator, FormatCoord(y_scale(series.y[i])));
    Append(values, "{}{}", comma, JsonString(FormatNumber(series.y[i], chart.y_format)));
    if (with_x_labels) {
      const double x = series.x[i];
      Append(x_labels, "{}{}", comma,
             JsonString(chart.x_axis == XAxis::kDuration ? FormatDuration(x)
                                                         : FormatNumber(x, chart.x_format)));
    }
  }
  if (px.empty()) {
    return;
  }
  Append(out,
         "<g class=\"gp-hover-series\" data-name=\"{}\" data-color=\"{}\" data-px=\"{}\" "
         "data-py=\"{}\" data-v=\"{}\"",
         EscapeXml(series.name), color, px, py, EscapeXml("[" + values + "]"));
  if (with_x_labels) {
    Append(out, " data-xl=\"{}\"", EscapeXml("[" + x_labels + "]"));
  }
  out += "/>\n";
}

// A grid line across the plot at `y`, labelled at its left unless `label` is empty.
void DrawYTick(std::string& out, double y, double left, double right, std::string_view line_color,
               const std::string& label) {
  const std::string y_text = FormatCoord(y);
  Append(out, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\"/>\n", FormatCoord(left),
         y_text, FormatCoord(right), y_text, line_color);
  if (!label.empty()) {
    Append(out,
           "<text class=\"gp-y-tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\" "
           "dominant-baseline=\"middle\" fill=\"{}\">{}</text>\n",
           FormatCoord(left - 8), y_text, kTickColor, EscapeXml(label));
  }
}

}  // namespace

std::string_view PaletteColor(size_t index) { return kPalette[index % kPalette.size()]; }

std::string RenderSvg(const LineChart& chart) {
  const bool lanes = chart.layout == LineLayout::kSmallMultiples;
  const double width = std::max(chart.width, 240);

  // Styles first, so that the legend, the lanes and the lines agree.
  std::vector<SeriesStyle> styles;
  std::vector<LegendEntry> legend;
  std::vector<size_t> lane_series;  // data series, one lane each in the small-multiples layout
  size_t reference_index = 0;
  for (size_t i = 0; i < chart.series.size(); ++i) {
    const Series& series = chart.series[i];
    if (series.reference) {
      const size_t style = reference_index++ % kReferenceColors.size();
      styles.push_back({kReferenceColors[style], kReferenceDashes[style]});
    } else {
      styles.push_back({PaletteColor(lane_series.size()), ""});
      lane_series.push_back(i);
    }
    // Lanes name their own series; the legend then lists only the reference lines.
    if (!lanes || series.reference) {
      legend.push_back({series.name, styles.back().color, styles.back().dash});
    }
  }
  std::string legend_svg;
  const double legend_top = BelowTitle(chart.title);
  const double legend_height = DrawLegend(legend_svg, legend, legend_top, width);
  const double top = legend_top + legend_height + (legend.empty() ? 4 : 16);
  const double bottom_margin = chart.x_label.empty() ? 30 : 48;
  constexpr double kLaneGap = 16;
  const double lane_height =
      std::isfinite(chart.lane_height) ? std::clamp(chart.lane_height, 24.0, 400.0) : 56;
  const double lane_count = static_cast<double>(std::max<size_t>(lane_series.size(), 1));
  const double height = lanes
                            ? top + lane_count * (lane_height + kLaneGap) - kLaneGap + bottom_margin
                            : std::max(chart.height, 160);
  const double bottom = height - bottom_margin;

  std::string out;
  OpenSvg(out, width, height, chart.title);
  out += legend_svg;

  Range x_range;
  Range y_range;
  for (const Series& series : chart.series) {
    for (size_t i = 0; i < PointCount(series); ++i) {
      if (IsFinitePoint(series, i)) {
        x_range.Add(series.x[i]);
        y_range.Add(series.y[i]);
      }
    }
  }
  const bool has_y_label = !chart.y_label.empty();
  const double label_column = kPad + (has_y_label ? 22 : 0);
  if (x_range.empty()) {
    DrawNoData(out, label_column, top, width - kPad, bottom);
    out += "</svg>\n";
    return out;
  }
  if (chart.y_from_zero) {
    y_range.Add(0);
  }
  y_range.Add(chart.y_min);
  y_range.Add(chart.y_max);

  const double plot_height = lanes ? lane_height : bottom - top;
  // A lane shows only its lowest and highest tick; five keep the highest close to the data.
  const Ticks y_ticks = NiceTicks(y_range.lo, y_range.hi,
                                  lanes ? 5 : std::max(3, static_cast<int>(plot_height / 45)));
  std::vector<std::string> y_labels;
  double y_label_width = 0;
  for (double value : y_ticks.values) {
    y_labels.push_back(TickLabel(value, XAxis::kNumber, chart.y_format, y_ticks.step));
    y_label_width = std::max(y_label_width, EstimateTextWidth(y_labels.back(), kFont));
  }
  double lane_name_width = 0;
  if (lanes) {
    for (size_t index : lane_series) {
      lane_name_width =
          std::max(lane_name_width, 16 + EstimateTextWidth(chart.series[index].name, 12.5) + 14);
    }
  }
  const double left = label_column + lane_name_width + y_label_width + 8;
  // Room for half of a last x tick label centred on the right edge.
  const double right = width - kPad - 16;
  const int x_max_ticks = std::max(3, static_cast<int>((right - left) / 80));
  const Ticks x_ticks = chart.x_axis == XAxis::kDuration
                            ? DurationTicks(x_range.lo, x_range.hi, x_max_ticks)
                            : NiceTicks(x_range.lo, x_range.hi, x_max_ticks);
  const Scale x_scale(x_ticks.lo, x_ticks.hi, left, right);

  for (double value : x_ticks.values) {
    const std::string x = FormatCoord(x_scale(value));
    Append(out, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\"/>\n", x,
           FormatCoord(bottom), x, FormatCoord(bottom + 5), kAxisColor);
    Append(out,
           "<text class=\"gp-x-tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{}"
           "</text>\n",
           x, FormatCoord(bottom + 20), kTickColor,
           EscapeXml(TickLabel(value, chart.x_axis, chart.x_format, x_ticks.step)));
  }
  if (has_y_label) {
    Append(out,
           "<text transform=\"translate({},{}) rotate(-90)\" text-anchor=\"middle\" "
           "fill=\"{}\">{}</text>\n",
           FormatCoord(kPad + 8), FormatCoord((top + bottom) / 2), kLabelColor,
           EscapeXml(chart.y_label));
  }
  if (!chart.x_label.empty()) {
    Append(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{}</text>\n",
           FormatCoord((left + right) / 2), FormatCoord(height - 12), kLabelColor,
           EscapeXml(chart.x_label));
  }
  Append(out,
         "<line class=\"gp-crosshair\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\" "
         "visibility=\"hidden\"/>\n",
         FormatCoord(left), FormatCoord(top), FormatCoord(bottom), kAxisColor);

  // In the overlay layout there is one panel that holds every series; in the lanes layout one
  // panel per data series, each with the reference series too.
  const size_t panels = lanes ? lane_series.size() : 1;
  // Hover data per series, listed data series first, then references, as the legend; the
  // first listed carries the x texts. References take their positions in the first lane.
  std::vector<std::string> hover(chart.series.size());
  const size_t heading_series = lane_series.empty() ? 0 : lane_series[0];
  for (size_t panel = 0; panel < std::max<size_t>(panels, 1); ++panel) {
    const double panel_top =
        lanes ? top + static_cast<double>(panel) * (lane_height + kLaneGap) : top;
    const double panel_bottom = panel_top + plot_height;
    const Scale y_scale(y_ticks.lo, y_ticks.hi, panel_bottom, panel_top);
    for (size_t i = 0; i < y_ticks.values.size(); ++i) {
      const bool is_top = i + 1 == y_ticks.values.size();
      if (lanes && i != 0 && !is_top) {
        continue;
      }
      // A lane's zero needs no label, which would crowd the top label of the lane below.
      const bool labelled = !lanes || is_top || y_ticks.values[i] != 0;
      DrawYTick(out, y_scale(y_ticks.values[i]), left, right, i == 0 ? kAxisColor : kGridColor,
                labelled ? y_labels[i] : "");
    }
    std::vector<size_t> drawn;  // data series under the reference lines, which stay visible
    if (lanes && !lane_series.empty()) {
      const size_t index = lane_series[panel];
      drawn.push_back(index);
      const double middle = (panel_top + panel_bottom) / 2;
      Append(out,
             "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" rx=\"2\" fill=\"{}\"/>"
             "<text class=\"gp-lane\" x=\"{}\" y=\"{}\" dominant-baseline=\"middle\" "
             "font-size=\"12.5\" fill=\"{}\">{}</text>\n",
             FormatCoord(label_column), FormatCoord(middle - 5), styles[index].color,
             FormatCoord(label_column + 16), FormatCoord(middle), kTitleColor,
             EscapeXml(chart.series[index].name));
    } else if (!lanes) {
      drawn = lane_series;
    }
    for (size_t i = 0; i < chart.series.size(); ++i) {
      if (chart.series[i].reference) {
        drawn.push_back(i);
      }
    }
    const double area_base = y_scale(std::clamp(0.0, y_ticks.lo, y_ticks.hi));
    for (size_t index : drawn) {
      const Series& series = chart.series[index];
      const bool fill = lanes && !series.reference;
      DrawSeries(out, series, PixelRuns(series, x_scale, y_scale), styles[index],
                 fill ? &area_base : nullptr);
      if (panel == 0 || !series.reference) {
        DrawHoverData(hover[index], chart, series, x_scale, y_scale, styles[index].color,
                      index == heading_series);
      }
    }
  }
  for (bool reference : {false, true}) {
    for (size_t i = 0; i < chart.series.size(); ++i) {
      if (chart.series[i].reference == reference) {
        out += hover[i];
      }
    }
  }
  out += "</svg>\n";
  return out;
}

std::string RenderSvg(const BarChart& chart) {
  const auto width = static_cast<double>(std::max(chart.width, 240));
  const size_t series_count = std::max<size_t>(chart.series.size(), 1);
  constexpr double kBarHeight = 18;
  constexpr double kBarGap = 3;
  constexpr double kBandPadding = 14;
  const double band_height =
      static_cast<double>(series_count) * (kBarHeight + kBarGap) - kBarGap + kBandPadding;

  const bool by_category = chart.color_by_category && chart.series.size() == 1;
  std::vector<LegendEntry> legend;
  if (!by_category && chart.series.size() > 1) {
    for (size_t i = 0; i < chart.series.size(); ++i) {
      legend.push_back({chart.series[i].name, PaletteColor(i), "", true});
    }
  }
  for (size_t i = 0; i < chart.references.size(); ++i) {
    const ReferenceValue& reference = chart.references[i];
    legend.push_back(
        {fmt::format("{}: {}", reference.name, FormatNumber(reference.value, chart.format)),
         kReferenceColors[i % kReferenceColors.size()],
         kReferenceDashes[i % kReferenceDashes.size()]});
  }

  Range value_range;
  for (const BarSeries& series : chart.series) {
    for (size_t i = 0; i < std::min(series.values.size(), chart.categories.size()); ++i) {
      value_range.Add(series.values[i]);
    }
  }
  const bool has_data = !value_range.empty();
  const double plot_height =
      has_data ? static_cast<double>(chart.categories.size()) * band_height : 120;
  // The legend height is known only once drawn; draw it into a buffer first.
  std::string legend_svg;
  const double legend_top = BelowTitle(chart.title);
  const double legend_height = DrawLegend(legend_svg, legend, legend_top, width);
  const double top = legend_top + legend_height + (legend.empty() ? 4 : 16);
  const double height = top + plot_height + (chart.value_label.empty() ? 30 : 48);
  std::string out;
  OpenSvg(out, width, height, chart.title);
  out += legend_svg;
  const double bottom = top + plot_height;
  if (!has_data) {
    DrawNoData(out, kPad, top, width - kPad, bottom);
    out += "</svg>\n";
    return out;
  }
  value_range.Add(0);
  for (const ReferenceValue& reference : chart.references) {
    value_range.Add(reference.value);
  }

  double category_width = 0;
  for (const std::string& category : chart.categories) {
    category_width = std::max(category_width, EstimateTextWidth(category, kFont + 0.5));
  }
  std::vector<std::vector<std::string>> value_labels;
  double value_label_width = 0;
  for (const BarSeries& series : chart.series) {
    value_labels.emplace_back();
    for (double value : series.values) {
      value_labels.back().push_back(FormatNumber(value, chart.format));
      value_label_width =
          std::max(value_label_width, EstimateTextWidth(value_labels.back().back(), kFont));
    }
  }
  const double left = kPad + category_width + 12;
  const double right = width - kPad - value_label_width - 10;
  const Ticks ticks =
      NiceTicks(value_range.lo, value_range.hi, std::max(2, static_cast<int>((right - left) / 90)));
  const Scale scale(ticks.lo, ticks.hi, left, right);

  for (double value : ticks.values) {
    const std::string x = FormatCoord(scale(value));
    Append(out, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\"/>\n", x,
           FormatCoord(top), x, FormatCoord(bottom), value == 0 ? kAxisColor : kGridColor);
    Append(out,
           "<text class=\"gp-x-tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{}"
           "</text>\n",
           x, FormatCoord(bottom + 18), kTickColor,
           EscapeXml(TickLabel(value, XAxis::kNumber, chart.format, ticks.step)));
  }
  if (!chart.value_label.empty()) {
    Append(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{}</text>\n",
           FormatCoord((left + right) / 2), FormatCoord(height - 12), kLabelColor,
           EscapeXml(chart.value_label));
  }

  const double zero = scale(0);
  for (size_t category = 0; category < chart.categories.size(); ++category) {
    const double band_top = top + static_cast<double>(category) * band_height;
    const std::string name = EscapeXml(chart.categories[category]);
    Append(out,
           "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" dominant-baseline=\"middle\" "
           "font-size=\"12.5\" fill=\"{}\">{}</text>\n",
           FormatCoord(left - 12), FormatCoord(band_top + band_height / 2), kTitleColor, name);
    for (size_t s = 0; s < chart.series.size(); ++s) {
      const BarSeries& series = chart.series[s];
      if (category >= series.values.size() || !IsDrawable(series.values[category])) {
        continue;
      }
      const double value = series.values[category];
      const double end = scale(value);
      const double bar_top =
          band_top + kBandPadding / 2 + static_cast<double>(s) * (kBarHeight + kBarGap);
      const std::string_view color = PaletteColor(by_category ? category : s);
      const std::string& label = value_labels[s][category];
      Append(out,
             "<rect class=\"gp-mark\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"2\" "
             "fill=\"{}\"><title>{}{}: {}</title></rect>\n",
             FormatCoord(std::min(zero, end)), FormatCoord(bar_top),
             FormatCoord(std::abs(end - zero)), FormatCoord(kBarHeight), color, name,
             chart.series.size() > 1 ? " · " + EscapeXml(series.name) : std::string(),
             EscapeXml(label));
      const bool negative = value < 0;
      Append(out,
             "<text class=\"gp-bar-value\" x=\"{}\" y=\"{}\" text-anchor=\"{}\" "
             "dominant-baseline=\"middle\" fill=\"{}\">{}</text>\n",
             FormatCoord(negative ? std::min(zero, end) - 6 : std::max(zero, end) + 6),
             FormatCoord(bar_top + kBarHeight / 2), negative ? "end" : "start", kLabelColor,
             EscapeXml(label));
    }
  }
  for (size_t i = 0; i < chart.references.size(); ++i) {
    const ReferenceValue& reference = chart.references[i];
    if (!IsDrawable(reference.value)) {
      continue;
    }
    const std::string x = FormatCoord(scale(reference.value));
    Append(out,
           "<line class=\"gp-reference\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" "
           "stroke-width=\"1.75\" stroke-dasharray=\"{}\"><title>{}</title></line>\n",
           x, FormatCoord(top - 4), x, FormatCoord(bottom),
           kReferenceColors[i % kReferenceColors.size()],
           kReferenceDashes[i % kReferenceDashes.size()], EscapeXml(reference.name));
  }
  out += "</svg>\n";
  return out;
}

}  // namespace gpupack::report
