// Fixtures for the LP kernel's tests and benchmark (header-only, not part of gp_plan's API): the
// classic roll cutting-stock instance, the 7-slice MIG geometries as covering columns, a knapsack
// pricing callback, random covering LPs and a brute-force integer covering solver for small
// problems.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "common/rng.h"
#include "plan/lp/cutting_stock.h"
#include "plan/lp/simplex.h"

namespace gpupack::plan::lp::testing {

// Gilmore and Gomory's example (Chvatal, "Linear Programming", ch. 13): rolls of width 100,
// items of widths 45/36/31/14 wanted 97/610/395/211 times. LP optimum 452.25.
inline constexpr int kRollWidth = 100;
inline const std::vector<int> kItemWidths = {45, 36, 31, 14};
inline const std::vector<int> kItemDemand = {97, 610, 395, 211};

// Every non-empty cutting pattern of one roll (cost 1), in lexicographic order.
inline std::vector<CoverColumn> AllRollPatterns() {
  std::vector<CoverColumn> patterns;
  std::vector<int> counts(kItemWidths.size(), 0);
  auto recurse = [&](auto& self, size_t item, int room) -> void {
    if (item == kItemWidths.size()) {
      if (std::any_of(counts.begin(), counts.end(), [](int c) { return c > 0; })) {
        patterns.push_back({.cost = 1, .coverage = counts});
      }
      return;
    }
    for (int c = 0; c * kItemWidths[item] <= room; ++c) {
      counts[item] = c;
      self(self, item + 1, room - c * kItemWidths[item]);
    }
    counts[item] = 0;
  };
  recurse(recurse, 0, kRollWidth);
  return patterns;
}

// Prices a cutting-stock problem exactly: the pattern of largest dual value that fits in
// `capacity` (unbounded knapsack by dynamic programming over the width), returned when its value
// exceeds the roll's cost of 1.
inline std::optional<CoverColumn> PriceKnapsackPattern(int capacity, const std::vector<int>& widths,
                                                       std::span<const double> duals) {
  const auto room = static_cast<size_t>(capacity);
  std::vector<double> best(room + 1, 0.0);
  std::vector<size_t> last_item(room + 1, widths.size());  // widths.size(): no item
  for (size_t width = 1; width <= room; ++width) {
    best[width] = best[width - 1];
    for (size_t item = 0; item < widths.size(); ++item) {
      const auto item_width = static_cast<size_t>(widths[item]);
      if (item_width <= width && best[width - item_width] + duals[item] > best[width] + 1e-12) {
        best[width] = best[width - item_width] + duals[item];
        last_item[width] = item;
      }
    }
  }
  if (best[room] <= 1 + 1e-9) {
    return std::nullopt;
  }
  CoverColumn pattern{.cost = 1, .coverage = std::vector<int>(widths.size(), 0)};
  size_t width = room;
  while (width > 0) {
    const size_t item = last_item[width];
    if (item == widths.size()) {
      --width;
      continue;
    }
    ++pattern.coverage[item];
    width -= static_cast<size_t>(widths[item]);
  }
  return pattern;
}

inline std::optional<CoverColumn> PriceRollPattern(std::span<const double> duals) {
  return PriceKnapsackPattern(kRollWidth, kItemWidths, duals);
}

// A random covering LP: rows >= 1..50, about 30% of coefficients 1..4 plus a guaranteed one in
// row j mod rows of column j (so feasible when columns >= rows; always bounded), costs in
// [1, 10).
inline LinearProgram RandomCoveringLp(int rows, int columns, uint64_t seed) {
  Rng rng(seed);
  LinearProgram lp;
  for (int i = 0; i < rows; ++i) {
    lp.AddRow(RowSense::kGreaterEqual, static_cast<double>(rng.UniformInt(1, 50)));
  }
  std::vector<double> coefficients(static_cast<size_t>(rows));
  for (int j = 0; j < columns; ++j) {
    for (double& a : coefficients) {
      a = rng.Bernoulli(0.3) ? static_cast<double>(rng.UniformInt(1, 4)) : 0.0;
    }
    coefficients[static_cast<size_t>(j % rows)] += 1;
    lp.AddColumn(1 + 9 * rng.UniformDouble(), coefficients);
  }
  return lp;
}

// The 28 maximal MIG geometries of the 7-slice layout (NVIDIA-NOTES.md section 5.4) as columns
// of cost 1 (one GPU) serving demand classes (1g, 2g, 3g); 4g, 7g and the double-memory 1g
// serve none of these classes, so those geometries project onto fewer or no units.
inline std::vector<CoverColumn> MigGeometryColumns() {
  const std::vector<std::vector<int>> counts = {
      // compute 7
      {0, 0, 0},  // 7g
      {0, 0, 1},  // 4g+3g
      {1, 1, 0},  // 4g+2g+1g
      {0, 1, 0},  // 4g+2g+1d
      {3, 0, 0},  // 4g+1g+1g+1g
      {2, 0, 0},  // 4g+1g+1g+1d
      {0, 2, 1},  // 3g+2g+2g
      {2, 1, 1},  // 3g+2g+1g+1g
      {4, 0, 1},  // 3g+1g x4
      {1, 3, 0},  // 2g x3+1g
      {0, 3, 0},  // 2g x3+1d
      {3, 2, 0},  // 2g+2g+1g+1g+1g
      {2, 2, 0},  // 2g+2g+1g+1g+1d
      {5, 1, 0},  // 2g+1g x5
      {4, 1, 0},  // 2g+1g x4+1d
      {7, 0, 0},  // 1g x7
      {6, 0, 0},  // 1g x6+1d
      // compute 6
      {0, 0, 2},  // 3g+3g
      {0, 1, 1},  // 3g+2g+1d
      {2, 0, 1},  // 3g+1g+1g+1d
      {0, 0, 0},  // 4g+1d+1d
      {0, 2, 0},  // 2g+2g+1d+1d
      {2, 1, 0},  // 2g+1g+1g+1d+1d
      {4, 0, 0},  // 1g x4+1d+1d
      // compute 5
      {0, 0, 1},  // 3g+1d+1d
      {0, 1, 0},  // 2g+1d x3
      {2, 0, 0},  // 1g+1g+1d x3
      // compute 4
      {0, 0, 0},  // 1d x4
  };
  std::vector<CoverColumn> columns;
  for (const std::vector<int>& coverage : counts) {
    columns.push_back({.cost = 1, .coverage = coverage});
  }
  return columns;
}

// The integer optimum of a small covering problem by exhaustive search (each column is tried
// from 0 to the most copies any single class could need); nullopt when infeasible.
inline std::optional<double> BruteForceCoveringCost(const CoveringProblem& problem) {
  const size_t classes = problem.demand.size();
  std::vector<int64_t> limits;
  for (const CoverColumn& column : problem.columns) {
    int64_t limit = 0;
    for (size_t i = 0; i < classes; ++i) {
      if (column.coverage[i] > 0) {
        limit = std::max<int64_t>(
            limit, (problem.demand[i] + column.coverage[i] - 1) / column.coverage[i]);
      }
    }
    limits.push_back(limit);
  }
  std::optional<double> best;
  std::vector<int64_t> served(classes, 0);
  auto recurse = [&](auto& self, size_t j, double cost) -> void {
    if (best && cost >= *best) {
      return;
    }
    if (j == problem.columns.size()) {
      for (size_t i = 0; i < classes; ++i) {
        if (served[i] < problem.demand[i]) {
          return;
        }
      }
      best = cost;
      return;
    }
    for (int64_t copies = 0; copies <= limits[j]; ++copies) {
      for (size_t i = 0; i < classes; ++i) {
        served[i] += copies * problem.columns[j].coverage[i];
      }
      self(self, j + 1, cost + static_cast<double>(copies) * problem.columns[j].cost);
      for (size_t i = 0; i < classes; ++i) {
        served[i] -= copies * problem.columns[j].coverage[i];
      }
    }
  };
  recurse(recurse, 0, 0.0);
  return best;
}

// Whether `copies` serves every class's demand.
inline bool CoversDemand(const CoveringProblem& problem, std::span<const int64_t> copies) {
  for (size_t i = 0; i < problem.demand.size(); ++i) {
    int64_t served = 0;
    for (size_t j = 0; j < copies.size(); ++j) {
      served += copies[j] * problem.columns[j].coverage[i];
    }
    if (served < problem.demand[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace gpupack::plan::lp::testing
