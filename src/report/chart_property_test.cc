// Property: whatever numbers a caller passes (NaN, infinities, huge, tiny, unsorted), a chart
// renders as well-formed SVG without a non-finite number, and renders the same bytes twice.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "report/chart.h"
#include "report/testing/markup_checker.h"
#include "report/testing/markup_query.h"

namespace gpupack::report {
namespace {

rc::Gen<double> AnyValue() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  return rc::gen::oneOf(
      rc::gen::arbitrary<double>(),
      rc::gen::map(rc::gen::inRange(-1000, 1000), [](int value) { return value / 10.0; }),
      rc::gen::element(std::numeric_limits<double>::quiet_NaN(), kInf, -kInf, 1e300, -1e300, 0.0,
                       -0.0, 1e-300, 1e15, 1e16));
}

// Names with markup characters, control characters and UTF-8, but no letters that could spell
// "nan" or "inf", which the test looks for in the output.
rc::Gen<std::string> AnyName() {
  return rc::gen::container<std::string>(rc::gen::element(
      '<', '>', '&', '"', '\'', ' ', ';', 'x', 'y', '1', '\x01', '\x1F', '\xC2', '\xB7'));
}

RC_GTEST_PROP(ChartPropertyTest, AnyLineChartIsWellFormedFiniteAndDeterministic, ()) {
  LineChart chart;
  chart.title = *AnyName();
  chart.x_axis = *rc::gen::element(XAxis::kNumber, XAxis::kDuration);
  chart.layout = *rc::gen::element(LineLayout::kOverlay, LineLayout::kSmallMultiples);
  chart.y_from_zero = *rc::gen::arbitrary<bool>();
  chart.y_max = *AnyValue();
  const int series_count = *rc::gen::inRange(0, 5);
  for (int s = 0; s < series_count; ++s) {
    Series& series = chart.series.emplace_back();
    series.name = *AnyName();
    series.x = *rc::gen::container<std::vector<double>>(AnyValue());
    series.y = *rc::gen::container<std::vector<double>>(AnyValue());
    series.step = *rc::gen::arbitrary<bool>();
    series.reference = *rc::gen::arbitrary<bool>();
  }
  const std::string svg = RenderSvg(chart);
  const Status well_formed = testing::CheckWellFormed(svg);
  RC_ASSERT(well_formed.has_value());
  RC_ASSERT(!testing::HasNonFiniteWord(svg));
  RC_ASSERT(svg == RenderSvg(chart));
}

RC_GTEST_PROP(ChartPropertyTest, AnyBarChartIsWellFormedFiniteAndDeterministic, ()) {
  BarChart chart;
  chart.categories = *rc::gen::container<std::vector<std::string>>(AnyName());
  const int series_count = *rc::gen::inRange(0, 3);
  for (int s = 0; s < series_count; ++s) {
    chart.series.emplace_back(*AnyName(), *rc::gen::container<std::vector<double>>(AnyValue()));
  }
  if (*rc::gen::arbitrary<bool>()) {
    chart.references.emplace_back("bound", *AnyValue());
  }
  chart.color_by_category = *rc::gen::arbitrary<bool>();
  const std::string svg = RenderSvg(chart);
  const Status well_formed = testing::CheckWellFormed(svg);
  RC_ASSERT(well_formed.has_value());
  // Value labels may say "n/a"; coordinates and ticks never hold a non-finite number.
  RC_ASSERT(!testing::HasNonFiniteWord(svg));
  RC_ASSERT(svg == RenderSvg(chart));
}

}  // namespace
}  // namespace gpupack::report
