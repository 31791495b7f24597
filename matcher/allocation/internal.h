#ifndef CORRIDOR_MATCHER_ALLOCATION_INTERNAL_H_
#define CORRIDOR_MATCHER_ALLOCATION_INTERNAL_H_

// Shared between the solver's translation units; not part of the API.

#include <vector>

#include "absl/status/statusor.h"
#include "matcher/allocation/instance.h"
#include "matcher/allocation/solver.h"

namespace corridor::matcher::allocation::internal {

// Fills placements, totals and cell_use from result->assignments (sorted
// here by edge index).
void Finish(const Instance& instance, Result* result);

Result SolveGreedy(const Instance& instance);
Result SolveFirstComeFirstServed(const Instance& instance);

// Which flow network fits the instance, if any (docs/allocation.md).
enum class Nesting { kNone, kVacancy, kCandidate };
Nesting FindNesting(const Instance& instance);

// Exact min-cost flow; `nesting` must be kVacancy or kCandidate and hold.
absl::StatusOr<Result> SolveWelfareByFlow(const Instance& instance, Nesting nesting);

// Deferred acceptance (stable.cc). INTERNAL if its own invariants fail.
absl::StatusOr<Result> SolveStable(const Instance& instance);

// Two-stage CBC 0-1 program; `start` is a feasible assignment used as the
// first incumbent.
absl::StatusOr<Result> SolveWelfareByMip(const Instance& instance,
                                         const std::vector<Assignment>& start,
                                         double time_limit_seconds);

// Limits of the Lagrangian method (welfare_lagrangian.cc).
struct LagrangianLimits {
  // No new price point after this many seconds (phase 1: a third of them).
  double time_limit_seconds = 28;
  // Price points in phase 2 (the score); phase 1 gets a third as many, plus one.
  int max_iterations = 200;
  // Phase 2 stops when (score bound - score) <= tolerance x score bound and
  // the placements meet their bound.
  double tolerance = 1e-4;
};

// Lagrangian prices on the cells, a reverse auction and a network simplex for
// the relaxed b-matching, a bundle method for the prices, and a repair to a
// feasible assignment. Not exact: the bounds are the best Lagrangian duals
// found.
absl::StatusOr<Result> SolveWelfareByLagrangian(const Instance& instance,
                                                const LagrangianLimits& limits);

}  // namespace corridor::matcher::allocation::internal

#endif  // CORRIDOR_MATCHER_ALLOCATION_INTERNAL_H_
