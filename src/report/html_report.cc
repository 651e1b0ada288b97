#include "report/html_report.h"

#include <cmath>
#include <optional>
#include <utility>

#include "report/markup.h"

namespace gpupack::report {
namespace {

constexpr std::string_view kStyle = R"css(
:root { color-scheme: light; --fg: #111827; --muted: #6B7280; --line: #E5E7EB;
  --accent: #0072B2; --best-bg: #E7F5EE; --best-fg: #05603A; }
* { box-sizing: border-box; }
body { margin: 0; background: #F3F4F6; color: var(--fg);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 36px 24px 56px; }
h1 { font-size: 28px; line-height: 1.2; margin: 0 0 6px; letter-spacing: -0.01em; }
.subtitle { color: var(--muted); margin: 0 0 28px; }
h2 { font-size: 19px; margin: 36px 0 12px; }
p { margin: 0 0 14px; max-width: 80ch; }
.verdict { background: #FFFFFF; border: 1px solid var(--line); border-left: 4px solid
  var(--accent); border-radius: 8px; padding: 16px 20px; margin: 0 0 24px; }
.verdict .headline { font-size: 19px; font-weight: 600; margin: 0 0 6px; }
.verdict p:last-child { margin-bottom: 0; }
.table-wrap { overflow-x: auto; background: #FFFFFF; border: 1px solid var(--line);
  border-radius: 8px; margin: 0 0 20px; }
table { border-collapse: collapse; width: 100%; font-size: 14px;
  font-variant-numeric: tabular-nums; }
caption { caption-side: bottom; text-align: left; padding: 10px 16px; color: var(--muted);
  font-size: 13px; }
th, td { padding: 9px 12px; text-align: left; white-space: nowrap;
  border-bottom: 1px solid var(--line); }
th { background: #F9FAFB; color: #374151; font-size: 13px; font-weight: 600;
  white-space: normal; vertical-align: bottom; }
tbody tr:last-child td { border-bottom: none; }
.num { text-align: right; }
td.best { background: var(--best-bg); color: var(--best-fg); font-weight: 600; }
figure { position: relative; margin: 0 0 20px; background: #FFFFFF;
  border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; padding: 2px 8px 6px; }
.gp-tip { position: absolute; display: none; pointer-events: none; background: #FFFFFF;
  border: 1px solid #D1D5DB; border-radius: 6px; box-shadow: 0 4px 12px rgba(0, 0, 0, 0.12);
  padding: 6px 10px; font-size: 12px; line-height: 1.5; white-space: nowrap; }
.gp-tip-x { font-weight: 600; margin-bottom: 2px; }
.gp-tip span { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
  margin-right: 6px; }
@media print {
  .gp-tip { display: none !important; }
  body { background: #FFFFFF; font-size: 12px; }
  main { max-width: none; padding: 0; }
  figure, .table-wrap, .verdict { break-inside: avoid; border-color: #BBBBBB; }
}
)css";

// Two jobs, in plain ES5 that any browser runs: (1) on every line chart, a crosshair and a
// tooltip with each series' value at the pointer, from the chart's gp-hover-series data (see
// chart.h); the charts are complete without it. (2) Count the charts with at least one data mark
// that the browser really laid out, so that a headless browser can tell a drawn report from a
// broken one (tests/report).
constexpr std::string_view kScript = R"js(
(function () {
  function setUpHover(svg) {
    var crosshair = svg.querySelector('.gp-crosshair');
    var series = [].map.call(svg.querySelectorAll('.gp-hover-series'), function (data) {
      var dot = document.createElementNS(svg.namespaceURI, 'circle');
      dot.setAttribute('r', '4');
      dot.setAttribute('fill', data.getAttribute('data-color'));
      dot.setAttribute('stroke', '#FFFFFF');
      dot.setAttribute('visibility', 'hidden');
      svg.appendChild(dot);
      return {
        name: data.getAttribute('data-name'), color: data.getAttribute('data-color'), dot: dot,
        px: data.getAttribute('data-px').split(' ').map(Number),
        py: data.getAttribute('data-py').split(' ').map(Number),
        values: JSON.parse(data.getAttribute('data-v')),
        xLabels: JSON.parse(data.getAttribute('data-xl') || '[]')
      };
    });
    if (!crosshair || series.length === 0) {
      return;
    }
    var tip = document.createElement('div');
    tip.className = 'gp-tip';
    svg.parentNode.appendChild(tip);
    function hide() {
      tip.style.display = 'none';
      crosshair.setAttribute('visibility', 'hidden');
      series.forEach(function (s) { s.dot.setAttribute('visibility', 'hidden'); });
    }
    svg.addEventListener('mouseleave', hide);
    svg.addEventListener('mousemove', function (event) {
      var point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var x = point.matrixTransform(svg.getScreenCTM().inverse()).x;
      if (x < Number(crosshair.getAttribute('x1')) - 20) {
        hide();
        return;
      }
      tip.textContent = '';
      var header = document.createElement('div');
      header.className = 'gp-tip-x';
      tip.appendChild(header);
      series.forEach(function (s, index) {
        var nearest = 0;
        for (var i = 1; i < s.px.length; i++) {
          if (Math.abs(s.px[i] - x) < Math.abs(s.px[nearest] - x)) {
            nearest = i;
          }
        }
        if (index === 0) {
          header.textContent = s.xLabels[nearest];
          crosshair.setAttribute('x1', s.px[nearest]);
          crosshair.setAttribute('x2', s.px[nearest]);
        }
        s.dot.setAttribute('cx', s.px[nearest]);
        s.dot.setAttribute('cy', s.py[nearest]);
        s.dot.setAttribute('visibility', 'visible');
        var row = document.createElement('div');
        var swatch = document.createElement('span');
        swatch.style.background = s.color;
        row.appendChild(swatch);
        row.appendChild(document.createTextNode(s.name + ': ' + s.values[nearest]));
        tip.appendChild(row);
      });
      crosshair.setAttribute('visibility', 'visible');
      var box = svg.parentNode.getBoundingClientRect();
      tip.style.display = 'block';
      var left = event.clientX - box.left + 16;
      if (left + tip.offsetWidth > box.width) {
        left = event.clientX - box.left - tip.offsetWidth - 16;
      }
      tip.style.left = left + 'px';
      tip.style.top = (event.clientY - box.top + 12) + 'px';
    });
  }
  var charts = document.querySelectorAll('svg.gp-chart');
  var drawn = 0;
  [].forEach.call(charts, function (svg) {
    setUpHover(svg);
    var marks = svg.querySelectorAll('.gp-mark');
    for (var i = 0; i < marks.length; i++) {
      var box = marks[i].getBBox();
      if (box.width > 0 || box.height > 0) {
        drawn++;
        break;
      }
    }
  });
  document.documentElement.setAttribute('data-charts-ok', drawn + '/' + charts.length);
})();
)js";

// Nothing may be fetched: no scripts, styles, images or fonts from anywhere.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

// The best finite value of column `column`, or nothing when fewer than two rows have one.
std::optional<double> BestValue(const DataTable& table, size_t column) {
  const Better better = table.columns[column].better;
  if (better == Better::kNone) {
    return std::nullopt;
  }
  std::optional<double> best;
  int count = 0;
  for (const auto& row : table.rows) {
    if (column >= row.size() || !std::isfinite(row[column].value)) {
      continue;
    }
    const double value = row[column].value;
    ++count;
    if (!best || (better == Better::kLower ? value < *best : value > *best)) {
      best = value;
    }
  }
  return count >= 2 ? best : std::nullopt;
}

bool IsNumericColumn(const DataTable& table, size_t column) {
  for (const auto& row : table.rows) {
    if (column < row.size() && std::isfinite(row[column].value)) {
      return true;
    }
  }
  return false;
}

}  // namespace

TableCell NumberCell(double value, const NumberFormat& format) {
  return TableCell(FormatNumber(value, format), value);
}

HtmlReport::HtmlReport(std::string title) : title_(std::move(title)) {}

void HtmlReport::SetSubtitle(std::string subtitle) { subtitle_ = std::move(subtitle); }

void HtmlReport::AddHeading(const std::string& text) {
  blocks_.push_back("<h2>" + EscapeXml(text) + "</h2>\n");
}

void HtmlReport::AddParagraph(const std::string& text) {
  blocks_.push_back("<p>" + EscapeXml(text) + "</p>\n");
}

void HtmlReport::AddVerdict(const std::string& headline, const std::string& text) {
  std::string html = "<section class=\"verdict\">\n";
  html += "<p class=\"headline\">" + EscapeXml(headline) + "</p>\n";
  if (!text.empty()) {
    html += "<p>" + EscapeXml(text) + "</p>\n";
  }
  html += "</section>\n";
  blocks_.push_back(std::move(html));
}

void HtmlReport::AddTable(const DataTable& table) {
  const size_t columns = table.columns.size();
  std::vector<std::optional<double>> best(columns);
  std::vector<bool> numeric(columns);
  for (size_t c = 0; c < columns; ++c) {
    best[c] = BestValue(table, c);
    numeric[c] = IsNumericColumn(table, c);
  }
  std::string html = "<div class=\"table-wrap\"><table>\n";
  if (!table.caption.empty()) {
    html += "<caption>" + EscapeXml(table.caption) + "</caption>\n";
  }
  html += "<thead><tr>";
  for (size_t c = 0; c < columns; ++c) {
    html += numeric[c] ? "<th class=\"num\">" : "<th>";
    html += EscapeXml(table.columns[c].header) + "</th>";
  }
  html += "</tr></thead>\n<tbody>\n";
  for (const auto& row : table.rows) {
    html += "<tr>";
    for (size_t c = 0; c < columns; ++c) {
      const TableCell* cell = c < row.size() ? &row[c] : nullptr;
      const bool has_value = cell != nullptr && std::isfinite(cell->value);
      const std::optional<double>& column_best = best[c];
      const bool is_best = has_value && column_best && cell->value == *column_best;
      if (is_best) {
        html += "<td class=\"num best\" title=\"best\">";
      } else {
        html += has_value || numeric[c] ? "<td class=\"num\">" : "<td>";
      }
      html += cell != nullptr ? EscapeXml(cell->text) : "";
      html += "</td>";
    }
    html += "</tr>\n";
  }
  html += "</tbody>\n</table></div>\n";
  blocks_.push_back(std::move(html));
}

void HtmlReport::AddChart(const LineChart& chart, const std::string& caption) {
  AddFigure(RenderSvg(chart), caption);
}

void HtmlReport::AddChart(const BarChart& chart, const std::string& caption) {
  AddFigure(RenderSvg(chart), caption);
}

void HtmlReport::AddFigure(const std::string& svg, const std::string& caption) {
  std::string html = "<figure>\n" + svg;
  if (!caption.empty()) {
    html += "<figcaption>" + EscapeXml(caption) + "</figcaption>\n";
  }
  html += "</figure>\n";
  blocks_.push_back(std::move(html));
}

std::string HtmlReport::Render() const {
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n";
  html += "<meta http-equiv=\"Content-Security-Policy\" content=\"";
  html += kContentSecurityPolicy;
  html += "\"/>\n<title>" + EscapeXml(title_) + "</title>\n<style>";
  html += kStyle;
  html += "</style>\n</head>\n<body>\n<main>\n<header>\n<h1>" + EscapeXml(title_) + "</h1>\n";
  if (!subtitle_.empty()) {
    html += "<p class=\"subtitle\">" + EscapeXml(subtitle_) + "</p>\n";
  }
  html += "</header>\n";
  for (const std::string& block : blocks_) {
    html += block;
  }
  html += "</main>\n<script>";
  html += kScript;
  html += "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace gpupack::report
