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

// Maps data values linearly onto pixels.
class Scale {
 public:
  Scale(double data_lo, double data_hi, double pixel_lo, double pixel_hi)
      : data_lo_(data_lo),
        pixel_lo_(pixel_lo),
        factor_((pixel_hi - pixel_lo) / (data_hi - data_lo)) {}

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
    if (std::isfinite(value)) {
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
  return std::isfinite(series.x[i]) && std::isfinite(series.y[i]);
}

// The path of one series; runs of finite points become subpaths, and a lone point a dot.
void DrawSeries(std::string& out, const Series& series, const Scale& x_scale, const Scale& y_scale,
                std::string_view color, std::string_view dash) {
  std::string path;
  std::vector<std::pair<double, double>> dots;
  const size_t count = PointCount(series);
  size_t run_start = 0;
  for (size_t i = 0; i <= count; ++i) {
    if (i < count && IsFinitePoint(series, i)) {
      continue;
    }
    // [run_start, i) is a run of finite points.
    if (i - run_start == 1) {
      dots.emplace_back(x_scale(series.x[run_start]), y_scale(series.y[run_start]));
    } else if (i - run_start > 1) {
      Append(path, "M{} {}", FormatCoord(x_scale(series.x[run_start])),
             FormatCoord(y_scale(series.y[run_start])));
      for (size_t j = run_start + 1; j < i; ++j) {
        if (series.step) {
          Append(path, "H{}V{}", FormatCoord(x_scale(series.x[j])),
                 FormatCoord(y_scale(series.y[j])));
        } else {
          Append(path, "L{} {}", FormatCoord(x_scale(series.x[j])),
                 FormatCoord(y_scale(series.y[j])));
        }
      }
    }
    run_start = i + 1;
  }
  const std::string name = EscapeXml(series.name);
  if (!path.empty()) {
    Append(out,
           "<path class=\"gp-mark\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" "
           "stroke-linejoin=\"round\" stroke-linecap=\"round\"",
           path, color, series.reference ? "1.75" : "2");
    if (!dash.empty()) {
      Append(out, " stroke-dasharray=\"{}\"", dash);
    }
    Append(out, "><title>{}</title></path>\n", name);
  }
  for (const auto& [x, y] : dots) {
    Append(out,
           "<circle class=\"gp-mark\" cx=\"{}\" cy=\"{}\" r=\"3\" "
           "fill=\"{}\"><title>{}</title></circle>\n",
           FormatCoord(x), FormatCoord(y), color, name);
  }
}

}  // namespace

std::string_view PaletteColor(size_t index) { return kPalette[index % kPalette.size()]; }

std::string RenderSvg(const LineChart& chart) {
  const auto width = static_cast<double>(std::max(chart.width, 240));
  const auto height = static_cast<double>(std::max(chart.height, 160));
  std::string out;
  OpenSvg(out, width, height, chart.title);

  // Colours first, so that the legend and the lines agree.
  std::vector<LegendEntry> legend;
  std::vector<std::pair<std::string_view, std::string_view>> styles;  // colour, dash
  size_t data_index = 0;
  size_t reference_index = 0;
  for (const Series& series : chart.series) {
    if (series.reference) {
      const size_t style = reference_index++ % kReferenceColors.size();
      styles.emplace_back(kReferenceColors[style], kReferenceDashes[style]);
    } else {
      styles.emplace_back(PaletteColor(data_index++), "");
    }
    legend.push_back({series.name, styles.back().first, styles.back().second});
  }
  const double legend_top = BelowTitle(chart.title);
  const double legend_height = DrawLegend(out, legend, legend_top, width);
  const double top = legend_top + legend_height + (legend.empty() ? 4 : 16);

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
  const double bottom = height - (chart.x_label.empty() ? 30 : 48);
  if (x_range.empty()) {
    DrawNoData(out, kPad + (has_y_label ? 20 : 0), top, width - kPad, bottom);
    out += "</svg>\n";
    return out;
  }
  if (chart.y_from_zero) {
    y_range.Add(0);
  }
  y_range.Add(chart.y_min);
  y_range.Add(chart.y_max);

  const double plot_height = bottom - top;
  const Ticks y_ticks =
      NiceTicks(y_range.lo, y_range.hi, std::max(3, static_cast<int>(plot_height / 45)));
  std::vector<std::string> y_labels;
  double y_label_width = 0;
  for (double value : y_ticks.values) {
    y_labels.push_back(TickLabel(value, XAxis::kNumber, chart.y_format, y_ticks.step));
    y_label_width = std::max(y_label_width, EstimateTextWidth(y_labels.back(), kFont));
  }
  const double left = kPad + (has_y_label ? 22 : 0) + y_label_width + 8;
  // Room for half of a last x tick label centred on the right edge.
  const double right = width - kPad - 16;
  const int x_max_ticks = std::max(2, static_cast<int>((right - left) / 80));
  const Ticks x_ticks = chart.x_axis == XAxis::kDuration
                            ? DurationTicks(x_range.lo, x_range.hi, x_max_ticks)
                            : NiceTicks(x_range.lo, x_range.hi, x_max_ticks);
  const Scale x_scale(x_ticks.lo, x_ticks.hi, left, right);
  const Scale y_scale(y_ticks.lo, y_ticks.hi, bottom, top);

  // Grid and y ticks.
  for (size_t i = 0; i < y_ticks.values.size(); ++i) {
    const std::string y = FormatCoord(y_scale(y_ticks.values[i]));
    Append(out, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\"/>\n",
           FormatCoord(left), y, FormatCoord(right), y, i == 0 ? kAxisColor : kGridColor);
    Append(out,
           "<text class=\"gp-y-tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\" "
           "dominant-baseline=\"middle\" fill=\"{}\">{}</text>\n",
           FormatCoord(left - 8), y, kTickColor, EscapeXml(y_labels[i]));
  }
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

  // Data series under the reference lines, so that a dashed "needed" line stays visible.
  for (bool reference : {false, true}) {
    for (size_t i = 0; i < chart.series.size(); ++i) {
      if (chart.series[i].reference == reference) {
        DrawSeries(out, chart.series[i], x_scale, y_scale, styles[i].first, styles[i].second);
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
      if (category >= series.values.size() || !std::isfinite(series.values[category])) {
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
    if (!std::isfinite(reference.value)) {
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
