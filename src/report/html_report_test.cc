#include "report/html_report.h"

#include <string>

#include <gtest/gtest.h>

#include "report/testing/markup_checker.h"
#include "report/testing/markup_query.h"
#include "report/testing/sample_report.h"

namespace gpupack::report {
namespace {

size_t Count(const std::string& text, const std::string& needle) {
  return testing::CountOf(text, needle);
}

void ExpectWellFormed(const std::string& html) {
  const Status status = testing::CheckWellFormed(html);
  EXPECT_TRUE(status) << (status ? "" : status.error().message());
}

// The cells of the report's tables, as their raw <td ...>text</td> markup.
std::vector<std::string> Cells(const std::string& html) {
  std::vector<std::string> cells;
  for (size_t pos = html.find("<td"); pos != std::string::npos; pos = html.find("<td", pos + 1)) {
    const size_t end = html.find("</td>", pos);
    cells.push_back(html.substr(pos, end + 5 - pos));
  }
  return cells;
}

TEST(HtmlReportTest, RendersOneWellFormedPage) {
  HtmlReport report("Savings");
  report.SetSubtitle("Scenario small · seed 1");
  report.AddParagraph("Hello.");
  const std::string html = report.Render();
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
  EXPECT_TRUE(html.ends_with("</html>\n"));
  EXPECT_NE(html.find("<title>Savings</title>"), std::string::npos);
  EXPECT_NE(html.find("<h1>Savings</h1>"), std::string::npos);
  EXPECT_NE(html.find("<p class=\"subtitle\">Scenario small · seed 1</p>"), std::string::npos);
  ExpectWellFormed(html);
}

TEST(HtmlReportTest, EscapesEveryCallerText) {
  HtmlReport report("<b>&\"");
  report.SetSubtitle("a<b");
  report.AddHeading("h<1>");
  report.AddParagraph("1 < 2 & 3 > 2");
  report.AddVerdict("x \"quoted\"", "<script>alert(1)</script>");
  DataTable table;
  table.caption = "c&";
  table.columns = {TableColumn("<th>")};
  table.rows = {{TableCell("<td>")}};
  report.AddTable(table);
  LineChart chart;
  chart.title = "t<";
  chart.series.emplace_back("s&", std::vector<double>{0, 1}, std::vector<double>{1, 2});
  report.AddChart(chart, "cap<tion");
  const std::string html = report.Render();
  ExpectWellFormed(html);
  EXPECT_EQ(Count(html, "<script>"), 1u);  // only the report's own
  for (const char* escaped :
       {"&lt;b&gt;&amp;&quot;", "a&lt;b", "h&lt;1&gt;", "1 &lt; 2 &amp; 3 &gt; 2",
        "x &quot;quoted&quot;", "&lt;script&gt;alert(1)&lt;/script&gt;", "c&amp;", "&lt;th&gt;",
        "&lt;td&gt;", "t&lt;", "s&amp;", "cap&lt;tion"}) {
    EXPECT_NE(html.find(escaped), std::string::npos) << escaped;
  }
}

TEST(HtmlReportTest, KeepsBlocksInTheOrderAdded) {
  HtmlReport report("r");
  report.AddHeading("first");
  report.AddParagraph("second");
  report.AddVerdict("third", "");
  const std::string html = report.Render();
  const size_t first = html.find("first");
  const size_t second = html.find("second");
  const size_t third = html.find("third");
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
}

TEST(HtmlReportTest, FetchesNothing) {
  const std::string html = testing::SampleSavingsReport().Render();
  EXPECT_NE(html.find("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"),
            std::string::npos);
  // The SVG namespace is a name, not a fetch; nothing else may name a URL.
  std::string without_namespace = html;
  const std::string svg_namespace = "xmlns=\"http://www.w3.org/2000/svg\"";
  for (size_t pos = without_namespace.find(svg_namespace); pos != std::string::npos;
       pos = without_namespace.find(svg_namespace)) {
    without_namespace.erase(pos, svg_namespace.size());
  }
  for (const char* fetch : {"http:", "https:", "//", "src=", "href=", "url(", "@import"}) {
    EXPECT_EQ(without_namespace.find(fetch), std::string::npos) << fetch;
  }
}

TEST(HtmlReportTest, HighlightsTheBestValueOfEachRankedColumn) {
  DataTable table;
  table.columns = {TableColumn("strategy"), TableColumn("cost", Better::kLower),
                   TableColumn("allocation", Better::kHigher), TableColumn("pods", Better::kNone)};
  table.rows.push_back({TableCell("a"), NumberCell(300, NumberFormat::Fixed(0)),
                        NumberCell(0.5, NumberFormat::Fixed(0)),
                        NumberCell(7, NumberFormat::Fixed(0))});
  table.rows.push_back({TableCell("b"), NumberCell(100, NumberFormat::Fixed(0)),
                        NumberCell(0.9, NumberFormat::Fixed(0)),
                        NumberCell(9, NumberFormat::Fixed(0))});
  table.rows.push_back({TableCell("c"), NumberCell(100, NumberFormat::Fixed(0)),
                        NumberCell(0.7, NumberFormat::Fixed(0)),
                        NumberCell(8, NumberFormat::Fixed(0))});
  HtmlReport report("r");
  report.AddTable(table);
  const std::vector<std::string> cells = Cells(report.Render());
  ASSERT_EQ(cells.size(), 12u);
  EXPECT_EQ(cells[0], "<td>a</td>");
  EXPECT_EQ(cells[1], "<td class=\"num\">300</td>");
  EXPECT_EQ(cells[5], "<td class=\"num best\" title=\"best\">100</td>");  // ties: both
  EXPECT_EQ(cells[9], "<td class=\"num best\" title=\"best\">100</td>");
  EXPECT_EQ(cells[6], "<td class=\"num best\" title=\"best\">1</td>");  // 0.9 shown as "1"
  EXPECT_EQ(cells[10], "<td class=\"num\">1</td>");
  EXPECT_EQ(Count(report.Render(), "class=\"num best\""), 3u);  // none in "pods"
}

TEST(HtmlReportTest, HighlightsNothingWhenOnlyOneRowHasAValue) {
  DataTable table;
  table.columns = {TableColumn("strategy"), TableColumn("cost", Better::kLower)};
  table.rows.push_back({TableCell("a"), NumberCell(300, NumberFormat::Fixed(0))});
  table.rows.push_back({TableCell("b"), TableCell("n/a")});
  table.rows.push_back({TableCell("c")});  // a short row renders empty cells
  HtmlReport report("r");
  report.AddTable(table);
  const std::string html = report.Render();
  EXPECT_EQ(html.find("class=\"num best\""), std::string::npos);
  EXPECT_EQ(Cells(html).size(), 6u);
  ExpectWellFormed(html);
}

TEST(HtmlReportTest, RightAlignsNumericColumnsHeaderIncluded) {
  DataTable table;
  table.columns = {TableColumn("strategy"), TableColumn("cost")};
  table.rows.push_back({TableCell("a"), NumberCell(1, NumberFormat::Fixed(0))});
  HtmlReport report("r");
  report.AddTable(table);
  const std::string html = report.Render();
  EXPECT_NE(html.find("<th>strategy</th><th class=\"num\">cost</th>"), std::string::npos);
}

TEST(HtmlReportTest, SampleReportIsWellFormedWithFiveDrawnCharts) {
  const std::string html = testing::SampleSavingsReport().Render();
  ExpectWellFormed(html);
  EXPECT_EQ(Count(html, "<svg xmlns"), 5u);
  EXPECT_EQ(Count(html, "<figure>"), 5u);
  EXPECT_EQ(html.find("No data"), std::string::npos);
  // Each chart has at least one data mark.
  size_t svg_start = 0;
  while ((svg_start = html.find("<svg ", svg_start)) != std::string::npos) {
    const size_t svg_end = html.find("</svg>", svg_start);
    EXPECT_NE(html.substr(svg_start, svg_end - svg_start).find("gp-mark"), std::string::npos);
    svg_start = svg_end;
  }
  EXPECT_FALSE(testing::HasNonFiniteWord(html));
  // Five strategies in the table, each highlighted column has a winner.
  EXPECT_EQ(Count(html, "<tr><td>"), 5u);
  EXPECT_GE(Count(html, "class=\"num best\""), 8u);
}

TEST(HtmlReportTest, SameCallsGiveTheSameBytes) {
  EXPECT_EQ(testing::SampleSavingsReport().Render(), testing::SampleSavingsReport().Render());
}

}  // namespace
}  // namespace gpupack::report
