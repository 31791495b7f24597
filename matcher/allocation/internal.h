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

}  // namespace corridor::matcher::allocation::internal

#endif  // CORRIDOR_MATCHER_ALLOCATION_INTERNAL_H_
