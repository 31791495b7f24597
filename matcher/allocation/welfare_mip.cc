// Maximum welfare on crossing instances: a 0-1 program solved by COIN-OR CBC
// in two stages (most placements, then the highest score at that number), each
// under a time limit, with the LP relaxation's value as the reported bound.
//
// Columns: one per (edge, route): kLeaf always, kOverflow when the edge's
// leaf names an overflow cell. Rows: one per candidate (<= 1), per vacancy
// (<= positions), per cell (<= max(cap, 0)); a column has a 1 in its
// candidate's row, its vacancy's row and the row of every cell on the path it
// draws from.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "CbcModel.hpp"
#include "CoinPackedMatrix.hpp"
#include "CoinPackedVector.hpp"
#include "OsiClpSolverInterface.hpp"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "matcher/allocation/internal.h"

namespace corridor::matcher::allocation::internal {
namespace {

struct Column {
  int32_t edge;
  Route route;
};

struct Stage {
  std::vector<double> solution;  // best found, one value per column
  bool proven_optimal = false;
  double lp_bound = 0;           // of the maximisation
};

// Maximises `objective` . x over the 0-1 points of `solver`'s rows, starting
// from the feasible `start`.
Stage Maximise(OsiClpSolverInterface solver, const std::vector<double>& objective,
               const std::vector<double>& start, double time_limit_seconds) {
  const int n = static_cast<int>(objective.size());
  for (int j = 0; j < n; ++j) solver.setObjCoeff(j, -objective[j]);  // CBC minimises
  solver.messageHandler()->setLogLevel(0);
  solver.initialSolve();
  Stage stage;
  stage.lp_bound = solver.isProvenOptimal() ? -solver.getObjValue() : 0;
  CbcModel model(solver);
  model.setLogLevel(0);
  model.messageHandler()->setLogLevel(0);
  model.setMaximumSeconds(time_limit_seconds);
  // Every objective coefficient is an integer: a better solution is better
  // by at least one.
  model.setCutoffIncrement(0.5);
  double start_value = 0;
  for (int j = 0; j < n; ++j) start_value -= objective[j] * start[j];
  model.setBestSolution(start.data(), n, start_value, /*check=*/false);
  model.branchAndBound();
  stage.proven_optimal = model.isProvenOptimal();
  const double* best = model.bestSolution();
  stage.solution = best != nullptr ? std::vector<double>(best, best + n) : start;
  for (double& x : stage.solution) x = x > 0.5 ? 1.0 : 0.0;
  return stage;
}

}  // namespace

absl::StatusOr<Result> SolveWelfareByMip(const Instance& instance,
                                         const std::vector<Assignment>& start,
                                         double time_limit_seconds) {
  const int num_candidates = static_cast<int>(instance.candidates.size());
  const int num_vacancies = static_cast<int>(instance.vacancies.size());
  const int num_cells = static_cast<int>(instance.cells.size());
  std::vector<Column> columns;
  for (size_t e = 0; e < instance.edges.size(); ++e) {
    const Edge& edge = instance.edges[e];
    columns.push_back({static_cast<int32_t>(e), Route::kLeaf});
    if (edge.leaf >= 0 && instance.cells[edge.leaf].overflow >= 0) {
      columns.push_back({static_cast<int32_t>(e), Route::kOverflow});
    }
  }
  const int n = static_cast<int>(columns.size());
  const int cell_row0 = num_candidates + num_vacancies;
  const int count_row = cell_row0 + num_cells;  // stage 2 only
  CoinPackedMatrix matrix(/*colordered=*/true, 0, 0);
  matrix.setDimensions(count_row, 0);
  // Room for every column up front: appendCol grows the arrays by exactly
  // what it needs, so without this the build copies them once per column
  // (quadratic: minutes at 125k columns).
  {
    CoinBigIndex entries = 0;
    for (const Column& col : columns) {
      entries += 2;
      for (int32_t c = DrawnCell(instance, instance.edges[col.edge], col.route); c != -1;
           c = instance.cells[c].parent) {
        ++entries;
      }
    }
    matrix.reserve(n, entries);
  }
  for (const Column& col : columns) {
    const Edge& edge = instance.edges[col.edge];
    CoinPackedVector entries;
    entries.insert(edge.candidate, 1.0);
    entries.insert(num_candidates + edge.vacancy, 1.0);
    for (int32_t c = DrawnCell(instance, edge, col.route); c != -1;
         c = instance.cells[c].parent) {
      entries.insert(cell_row0 + c, 1.0);
    }
    matrix.appendCol(entries);
  }
  std::vector<double> row_lb(count_row, 0.0), row_ub(count_row);
  for (int c = 0; c < num_candidates; ++c) row_ub[c] = 1;
  for (int v = 0; v < num_vacancies; ++v) {
    row_ub[num_candidates + v] = static_cast<double>(instance.vacancies[v].positions);
  }
  for (int q = 0; q < num_cells; ++q) {
    row_ub[cell_row0 + q] =
        static_cast<double>(std::max<int64_t>(instance.cells[q].cap_remaining, 0));
  }
  std::vector<double> col_lb(n, 0.0), col_ub(n, 1.0), zero(n, 0.0);
  OsiClpSolverInterface solver;
  solver.messageHandler()->setLogLevel(0);
  solver.loadProblem(matrix, col_lb.data(), col_ub.data(), zero.data(), row_lb.data(),
                     row_ub.data());
  for (int j = 0; j < n; ++j) solver.setInteger(j);

  // The start as a column vector.
  std::vector<double> x0(n, 0.0);
  {
    std::vector<int> first_column(instance.edges.size(), -1);
    for (int j = n - 1; j >= 0; --j) first_column[columns[j].edge] = j;
    for (const Assignment& a : start) {
      x0[first_column[a.edge] + (a.route == Route::kOverflow ? 1 : 0)] = 1.0;
    }
  }

  // Stage 1: the most placements.
  const std::vector<double> ones(n, 1.0);
  const Stage first = Maximise(solver, ones, x0, time_limit_seconds);
  double placements = 0;
  for (double x : first.solution) placements += x;

  // Stage 2: the highest score with that many placements.
  CoinPackedVector all;
  for (int j = 0; j < n; ++j) all.insert(j, 1.0);
  solver.addRow(all, placements, static_cast<double>(n) + 1);
  std::vector<double> micros(n);
  for (int j = 0; j < n; ++j) {
    micros[j] = static_cast<double>(ScoreMicros(instance.edges[columns[j].edge].score));
  }
  const Stage second = Maximise(solver, micros, first.solution, time_limit_seconds);

  Result result;
  result.method = Method::kMip;
  for (int j = 0; j < n; ++j) {
    if (second.solution[j] > 0.5) result.assignments.push_back({columns[j].edge, columns[j].route});
  }
  Finish(instance, &result);
  if (absl::Status s = CheckAssignments(instance, result.assignments); !s.ok()) {
    return absl::InternalError(absl::StrCat("CBC returned an infeasible point: ", s.message()));
  }
  result.optimal = first.proven_optimal && second.proven_optimal;
  result.placements_bound = first.lp_bound;
  result.score_bound_micros = second.lp_bound;
  return result;
}

}  // namespace corridor::matcher::allocation::internal
