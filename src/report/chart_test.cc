#include "report/chart.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "report/testing/markup_checker.h"
#include "report/testing/markup_query.h"

namespace gpupack::report {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

using testing::Attribute;
using testing::CountOf;
using testing::StartTags;

size_t Count(const std::string& text, const std::string& needle) { return CountOf(text, needle); }

// The texts of every <text class="`css_class`" ...>...</text>.
std::vector<std::string> Texts(const std::string& svg, const std::string& css_class) {
  return testing::ElementTexts(svg, "<text class=\"" + css_class + "\"");
}

double ParseNumber(std::string text) {
  std::erase(text, ',');
  return std::stod(text);
}

void ExpectNoNonFiniteNumbers(const std::string& svg) {
  EXPECT_FALSE(testing::HasNonFiniteWord(svg)) << svg;
}

void ExpectWellFormed(const std::string& svg) {
  const Status status = testing::CheckWellFormed(svg);
  EXPECT_TRUE(status) << (status ? "" : status.error().message()) << "\n" << svg;
}

// The d attribute of the first data path.
std::string FirstPath(const std::string& svg) {
  const std::vector<std::string> paths = StartTags(svg, "<path class=\"gp-mark\"");
  return paths.empty() ? "" : Attribute(paths[0], "d").value_or("");
}

LineChart TwoSeriesChart() {
  LineChart chart;
  chart.title = "GPUs";
  chart.x_label = "pods";
  chart.y_label = "GPUs";
  chart.series.emplace_back("dedicated", std::vector<double>{0, 10, 20, 30},
                            std::vector<double>{3, 17, 42, 57});
  chart.series.emplace_back("auto", std::vector<double>{0, 10, 20, 30},
                            std::vector<double>{1, 6, 15, 21});
  return chart;
}

TEST(LineChartTest, RendersWellFormedSvgWithOnePathPerSeries) {
  const std::string svg = RenderSvg(TwoSeriesChart());
  ExpectWellFormed(svg);
  EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_EQ(Count(svg, "<path class=\"gp-mark\""), 2u);
  EXPECT_NE(svg.find(std::string(PaletteColor(0))), std::string::npos);
  EXPECT_NE(svg.find(std::string(PaletteColor(1))), std::string::npos);
  ExpectNoNonFiniteNumbers(svg);
}

TEST(LineChartTest, HasOneLegendEntryPerSeries) {
  LineChart chart = TwoSeriesChart();
  EXPECT_EQ(Count(RenderSvg(chart), "class=\"gp-legend-item\""), 2u);
  chart.series.emplace_back("needed", std::vector<double>{0, 30}, std::vector<double>{1, 20})
      .reference = true;
  EXPECT_EQ(Count(RenderSvg(chart), "class=\"gp-legend-item\""), 3u);
}

TEST(LineChartTest, AxisTicksCoverTheData) {
  LineChart chart = TwoSeriesChart();
  chart.series[0].x = {-3.5, 10, 20, 31.2};
  chart.series[1].y = {1, 6, 15, -4};
  const std::string svg = RenderSvg(chart);
  const std::vector<std::string> y_ticks = Texts(svg, "gp-y-tick");
  const std::vector<std::string> x_ticks = Texts(svg, "gp-x-tick");
  ASSERT_GE(y_ticks.size(), 3u);
  ASSERT_GE(x_ticks.size(), 2u);
  EXPECT_LE(ParseNumber(y_ticks.front()), -4);
  EXPECT_GE(ParseNumber(y_ticks.back()), 57);
  EXPECT_LE(ParseNumber(x_ticks.front()), -3.5);
  EXPECT_GE(ParseNumber(x_ticks.back()), 31.2);
}

TEST(LineChartTest, StartsTheYAxisAtZeroUnlessToldNot) {
  LineChart chart;
  chart.series.emplace_back("a", std::vector<double>{0, 1, 2},
                            std::vector<double>{0.62, 0.7, 0.81});
  EXPECT_EQ(ParseNumber(Texts(RenderSvg(chart), "gp-y-tick").front()), 0);
  chart.y_from_zero = false;
  EXPECT_GT(ParseNumber(Texts(RenderSvg(chart), "gp-y-tick").front()), 0.5);
}

TEST(LineChartTest, YMaxWidensTheAxisButNeverCutsTheData) {
  LineChart chart;
  chart.y_format = NumberFormat::Percent(0);
  chart.y_max = 1;
  chart.series.emplace_back("a", std::vector<double>{0, 1}, std::vector<double>{0.2, 0.4});
  EXPECT_EQ(Texts(RenderSvg(chart), "gp-y-tick").back(), "100%");
  chart.series[0].y = {0.2, 1.3};
  EXPECT_GE(ParseNumber(Texts(RenderSvg(chart), "gp-y-tick").back()), 130);
}

TEST(LineChartTest, LabelsATimeAxisAsElapsedTime) {
  LineChart chart;
  chart.x_axis = XAxis::kDuration;
  chart.series.emplace_back("a", std::vector<double>{0, 43200, 86100},
                            std::vector<double>{1, 2, 3});
  const std::vector<std::string> x_ticks = Texts(RenderSvg(chart), "gp-x-tick");
  EXPECT_EQ(x_ticks,
            (std::vector<std::string>{"0", "3h", "6h", "9h", "12h", "15h", "18h", "21h", "1d"}));
}

TEST(LineChartTest, EscapesTitlesLabelsAndSeriesNames) {
  LineChart chart;
  chart.title = "a<b & \"c\"";
  chart.x_label = "x<1";
  chart.y_label = "y&z";
  chart.series.emplace_back("<script>", std::vector<double>{0, 1}, std::vector<double>{1, 2});
  const std::string svg = RenderSvg(chart);
  ExpectWellFormed(svg);
  EXPECT_NE(svg.find("a&lt;b &amp; &quot;c&quot;"), std::string::npos);
  EXPECT_NE(svg.find("x&lt;1"), std::string::npos);
  EXPECT_NE(svg.find("y&amp;z"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_EQ(svg.find("a<b"), std::string::npos);
}

TEST(LineChartTest, ShowsNoDataInsteadOfAnEmptyPlot) {
  LineChart no_series;
  no_series.title = "empty";
  LineChart empty_series = no_series;
  empty_series.series.emplace_back("a", std::vector<double>{}, std::vector<double>{});
  LineChart only_nan = no_series;
  only_nan.series.emplace_back("a", std::vector<double>{0, kNaN, 2},
                               std::vector<double>{kNaN, 1, kInf});
  for (const LineChart& chart : {no_series, empty_series, only_nan}) {
    const std::string svg = RenderSvg(chart);
    ExpectWellFormed(svg);
    EXPECT_NE(svg.find(">No data</text>"), std::string::npos);
    EXPECT_EQ(svg.find("gp-mark"), std::string::npos);
    ExpectNoNonFiniteNumbers(svg);
  }
}

TEST(LineChartTest, BreaksTheLineAtNonFiniteValues) {
  LineChart chart;
  chart.series.emplace_back("a", std::vector<double>{0, 1, 2, 3, 4, 5, 6},
                            std::vector<double>{1, 2, kNaN, 3, 4, kInf, 5});
  const std::string svg = RenderSvg(chart);
  EXPECT_EQ(Count(FirstPath(svg), "M"), 2u);               // (0,1)-(1,2) and (3,3)-(4,4)
  EXPECT_EQ(Count(svg, "<circle class=\"gp-mark\""), 1u);  // the lone (6,5)
  ExpectNoNonFiniteNumbers(svg);
}

TEST(LineChartTest, DrawsStepLinesWithHorizontalAndVerticalSegments) {
  LineChart chart;
  chart.series.emplace_back("a", std::vector<double>{0, 1, 2}, std::vector<double>{1, 3, 2}).step =
      true;
  const std::string svg = RenderSvg(chart);
  const std::string path = FirstPath(svg);
  EXPECT_EQ(Count(path, "H"), 2u);
  EXPECT_EQ(Count(path, "V"), 2u);
  EXPECT_EQ(path.find('L'), std::string::npos);
}

TEST(LineChartTest, DrawsReferenceSeriesDashedWithoutUsingAPaletteColour) {
  LineChart chart;
  chart.series.emplace_back("needed", std::vector<double>{0, 1}, std::vector<double>{1, 2})
      .reference = true;
  chart.series.emplace_back("dedicated", std::vector<double>{0, 1}, std::vector<double>{2, 3});
  const std::string svg = RenderSvg(chart);
  // The legend swatch and the line of the reference are dashed; the data line takes colour 0.
  EXPECT_EQ(Count(svg, "stroke-dasharray"), 2u);
  EXPECT_NE(svg.find("stroke=\"" + std::string(PaletteColor(0)) + "\" stroke-width=\"2\""),
            std::string::npos);
}

TEST(LineChartTest, IsByteIdenticalForTheSameData) {
  LineChart chart = TwoSeriesChart();
  chart.series[0].y[1] = 1.0 / 3.0;
  EXPECT_EQ(RenderSvg(chart), RenderSvg(chart));
  EXPECT_NE(RenderSvg(chart).find("gp-mark"), std::string::npos);
}

TEST(LineChartTest, DecimatesLongSeriesKeepingTheirSpikes) {
  LineChart chart;
  chart.x_axis = XAxis::kDuration;
  Series& week = chart.series.emplace_back();
  week.name = "pending";
  for (int minute = 0; minute < 7 * 24 * 60; ++minute) {
    week.x.push_back(minute * 60.0);
    week.y.push_back(minute == 5000 ? 97 : minute % 7);
  }
  const std::string svg = RenderSvg(chart);
  ExpectWellFormed(svg);
  // At most four points per pixel column of a 960-pixel chart, down from 10,080.
  const std::string path = FirstPath(svg);
  EXPECT_LT(Count(path, "L"), 4u * 960);
  EXPECT_GT(Count(path, "L"), 900u);
  // The lone spike is still drawn and still shown on hover.
  const std::vector<std::string> y_ticks = Texts(svg, "gp-y-tick");
  EXPECT_EQ(y_ticks.back(), "100");
  const double top = std::stod(*Attribute(StartTags(svg, "<text class=\"gp-y-tick\"").back(), "y"));
  double highest = 1e9;  // the smallest pixel y of the line
  for (size_t pos = path.find('L'); pos != std::string::npos; pos = path.find('L', pos + 1)) {
    highest = std::min(highest, std::stod(path.substr(path.find(' ', pos) + 1)));
  }
  EXPECT_LT(highest - top, 10);  // 97 of 100 is near the top
  EXPECT_NE(svg.find("&quot;97&quot;"), std::string::npos);
  EXPECT_LT(svg.size(), 200000u);
}

LineChart LanesChart() {
  LineChart chart = TwoSeriesChart();
  chart.layout = LineLayout::kSmallMultiples;
  chart.series.emplace_back("needed", std::vector<double>{0, 30}, std::vector<double>{1, 20})
      .reference = true;
  return chart;
}

TEST(LineChartTest, SmallMultiplesGiveEachDataSeriesALaneWithTheReference) {
  const std::string svg = RenderSvg(LanesChart());
  ExpectWellFormed(svg);
  EXPECT_EQ(Texts(svg, "gp-lane"), (std::vector<std::string>{"dedicated", "auto"}));
  // Each lane: its series' line and area, and the dashed reference.
  EXPECT_EQ(Count(svg, "<path class=\"gp-area\""), 2u);
  EXPECT_EQ(Count(svg, "<path class=\"gp-mark\""), 4u);
  // The lanes name the data series; the legend lists only the reference.
  EXPECT_EQ(Count(svg, "class=\"gp-legend-item\""), 1u);
  // Each lane labels its top tick (60) and not its zero.
  EXPECT_EQ(Texts(svg, "gp-y-tick"), (std::vector<std::string>{"60", "60"}));
  // Hover lists each series once, as the legend would: data series, then the reference.
  std::vector<std::string> hover_names;
  for (const std::string& tag : StartTags(svg, "<g class=\"gp-hover-series\"")) {
    hover_names.push_back(Attribute(tag, "data-name").value_or(""));
  }
  EXPECT_EQ(hover_names, (std::vector<std::string>{"dedicated", "auto", "needed"}));
  ExpectNoNonFiniteNumbers(svg);
}

TEST(LineChartTest, SmallMultiplesGrowWithTheLaneCount) {
  LineChart chart = LanesChart();
  const auto height = [](const std::string& svg) { return std::stod(*Attribute(svg, "height")); };
  const double two_lanes = height(RenderSvg(chart));
  chart.series.emplace_back("third", std::vector<double>{0, 30}, std::vector<double>{2, 3});
  EXPECT_NEAR(height(RenderSvg(chart)) - two_lanes, chart.lane_height + 16, 0.11);
}

TEST(LineChartTest, CarriesHoverDataForEverySeries) {
  LineChart chart = TwoSeriesChart();
  chart.y_format = NumberFormat::Fixed(1);
  chart.series[1].name = "a\"b<c";
  chart.series[1].y[2] = kNaN;
  const std::string svg = RenderSvg(chart);
  ExpectWellFormed(svg);
  const std::vector<std::string> data = StartTags(svg, "<g class=\"gp-hover-series\"");
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(Attribute(data[0], "data-v"),
            "[&quot;3.0&quot;,&quot;17.0&quot;,&quot;42.0&quot;,&quot;57.0&quot;]");
  EXPECT_EQ(Attribute(data[0], "data-xl"),
            "[&quot;0&quot;,&quot;10&quot;,&quot;20&quot;,&quot;30&quot;]");
  EXPECT_EQ(Count(*Attribute(data[0], "data-px"), " "), 3u);
  // The second series: its name escaped, its non-finite point left out, no x texts.
  EXPECT_EQ(Attribute(data[1], "data-name"), "a&quot;b&lt;c");
  EXPECT_EQ(Count(*Attribute(data[1], "data-px"), " "), 2u);
  EXPECT_EQ(Attribute(data[1], "data-v"), "[&quot;1.0&quot;,&quot;6.0&quot;,&quot;21.0&quot;]");
  EXPECT_EQ(Attribute(data[1], "data-xl"), std::nullopt);
  EXPECT_EQ(Count(svg, "class=\"gp-crosshair\""), 1u);
}

BarChart CostChart() {
  BarChart chart;
  chart.title = "Cost";
  chart.value_label = "USD";
  chart.format = NumberFormat::Currency("$", 0);
  chart.categories = {"dedicated", "time-slicing", "auto"};
  chart.series.emplace_back("cost", std::vector<double>{4321, 2345.4, 1234});
  return chart;
}

TEST(BarChartTest, DrawsOneLabelledBarPerValue) {
  const std::string svg = RenderSvg(CostChart());
  ExpectWellFormed(svg);
  EXPECT_EQ(Count(svg, "<rect class=\"gp-mark\""), 3u);
  EXPECT_EQ(Texts(svg, "gp-bar-value"), (std::vector<std::string>{"$4,321", "$2,345", "$1,234"}));
  ExpectNoNonFiniteNumbers(svg);
}

TEST(BarChartTest, ColoursBarsByCategoryOnRequest) {
  BarChart chart = CostChart();
  EXPECT_EQ(Count(RenderSvg(chart), "fill=\"" + std::string(PaletteColor(0)) + "\""), 3u);
  chart.color_by_category = true;
  const std::string svg = RenderSvg(chart);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(Count(svg, "fill=\"" + std::string(PaletteColor(i)) + "\""), 1u) << i;
  }
}

TEST(BarChartTest, GroupsSeriesAndListsThemInTheLegend) {
  BarChart chart = CostChart();
  chart.series.emplace_back("lower bound", std::vector<double>{1000, 1000});
  const std::string svg = RenderSvg(chart);
  ExpectWellFormed(svg);
  EXPECT_EQ(Count(svg, "<rect class=\"gp-mark\""), 5u);  // the missing third value draws none
  EXPECT_EQ(Count(svg, "class=\"gp-legend-item\""), 2u);
}

TEST(BarChartTest, DrawsReferenceLinesAndNamesThemWithTheirValue) {
  BarChart chart = CostChart();
  chart.references.emplace_back("Lower bound", 980);
  const std::string svg = RenderSvg(chart);
  EXPECT_EQ(Count(svg, "class=\"gp-reference\""), 1u);
  EXPECT_NE(svg.find(">Lower bound: $980</text>"), std::string::npos);
}

TEST(BarChartTest, DrawsNegativeValuesLeftOfZero) {
  BarChart chart;
  chart.categories = {"a", "b"};
  chart.series.emplace_back("savings", std::vector<double>{-10, 30});
  const std::string svg = RenderSvg(chart);
  ExpectWellFormed(svg);
  std::vector<std::pair<double, double>> bars;  // x, width
  for (const std::string& rect : StartTags(svg, "<rect class=\"gp-mark\"")) {
    bars.emplace_back(std::stod(*Attribute(rect, "x")), std::stod(*Attribute(rect, "width")));
  }
  ASSERT_EQ(bars.size(), 2u);
  // The negative bar ends where the positive one starts: at zero; it is a third as long.
  EXPECT_NEAR(bars[0].first + bars[0].second, bars[1].first, 0.11);
  EXPECT_NEAR(bars[0].second * 3, bars[1].second, 0.5);
  EXPECT_EQ(Texts(svg, "gp-x-tick").front(), "-10");
}

TEST(BarChartTest, ShowsNoDataWithoutValues) {
  BarChart chart;
  chart.title = "Cost";
  chart.categories = {"a"};
  chart.series.emplace_back("cost", std::vector<double>{kNaN});
  const std::string svg = RenderSvg(chart);
  ExpectWellFormed(svg);
  EXPECT_NE(svg.find(">No data</text>"), std::string::npos);
  EXPECT_EQ(svg.find("gp-mark"), std::string::npos);
  ExpectNoNonFiniteNumbers(svg);
}

TEST(BarChartTest, EscapesCategoriesAndIsDeterministic) {
  BarChart chart = CostChart();
  chart.categories[0] = "a&b<c>";
  const std::string svg = RenderSvg(chart);
  ExpectWellFormed(svg);
  EXPECT_NE(svg.find("a&amp;b&lt;c&gt;"), std::string::npos);
  EXPECT_EQ(svg, RenderSvg(chart));
}

}  // namespace
}  // namespace gpupack::report
