#include "report/line_chart_svg.h"

#include <gtest/gtest.h>

namespace gpupack::report {
namespace {

size_t Count(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST(LineChartSvgTest, DrawsOnePolylineAndLegendEntryPerSeries) {
  LineChart chart;
  chart.title = "Allocation <openb> & more";
  chart.x = {0, 50, 100};
  chart.series = {{"fgd", {0, 50, 95}, false}, {"published FGD", {0, 49, 95.2}, true}};
  std::string svg = RenderLineChartSvg(chart);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("</svg>\n"), std::string::npos);
  EXPECT_EQ(Count(svg, "<polyline"), 2u);
  EXPECT_EQ(Count(svg, "stroke-dasharray"), 2u);  // the dashed series and its legend line
  EXPECT_NE(svg.find(">published FGD</text>"), std::string::npos);
  EXPECT_NE(svg.find("Allocation &lt;openb&gt; &amp; more"), std::string::npos);
  EXPECT_EQ(svg.find("<openb>"), std::string::npos);
}

TEST(LineChartSvgTest, MapsValuesIntoThePlotAreaAndClipsOutliers) {
  LineChart chart;
  chart.x = {0, 10};
  chart.y_min = 0;
  chart.y_max = 100;
  chart.series = {{"s", {0, 250}, false}};
  std::string svg = RenderLineChartSvg(chart);
  // x 0 -> left edge (70), x 10 -> right edge (610); y 0 -> bottom (440), 250 clipped to top (40).
  EXPECT_NE(svg.find("points=\"70.0,440.0 610.0,40.0 \""), std::string::npos) << svg;
}

}  // namespace
}  // namespace gpupack::report
