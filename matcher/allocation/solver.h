#ifndef CORRIDOR_MATCHER_ALLOCATION_SOLVER_H_
#define CORRIDOR_MATCHER_ALLOCATION_SOLVER_H_

// The allocation solver (docs/allocation.md): one assignment of candidates to
// vacancy positions under the quota tree, for one objective.
//
//   kMaxWelfare  lexicographic: the most placements, then the highest total
//                score (integer micro-units). Exact. When every vacancy's
//                edges name one leaf, or every candidate's edges name one
//                leaf ("nested"), it is a min-cost flow (LEMON: Preflow for
//                the most placements, then NetworkSimplex at that flow value
//                for the score). Otherwise ("crossing") a 0-1 program solved
//                by COIN-OR CBC, in two stages, under a time limit; the result
//                then reports the LP bound and whether optimality was proven.
//   kGreedy      baseline: edges by score descending (ties: earlier
//                registration, then candidate id, then vacancy id); take an
//                edge when its candidate is free, its vacancy has a position
//                and its leaf path (else its overflow path) has room.
//   kFirstComeFirstServed  baseline ("click day"): candidates by registration
//                time (then id); each takes its best-scoring edge (ties:
//                vacancy id) whose vacancy has a position and whose leaf path
//                (else overflow path) has room.
//
// Stable (deferred acceptance) is not in this library yet.
//
// Thread-safety: Solve is a pure function of its arguments.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "matcher/allocation/instance.h"

namespace corridor::matcher::allocation {

enum class Objective { kMaxWelfare, kGreedy, kFirstComeFirstServed };

// How a result was computed.
enum class Method {
  kGreedy,
  kFirstComeFirstServed,
  kFlowVacancyNested,   // min-cost flow; each vacancy's edges share one leaf
  kFlowCandidateNested, // min-cost flow; each candidate's edges share one leaf
  kMip,                 // CBC on the 0-1 program
};

struct SolveOptions {
  Objective objective = Objective::kMaxWelfare;
  // kMaxWelfare: solve with CBC even when a flow would do (for cross-checks).
  bool force_mip = false;
  // Time limit of each of the two CBC stages, seconds. Default: 30.
  double mip_time_limit_seconds = 30;
};

struct Result {
  Method method = Method::kGreedy;
  // Sorted by edge index.
  std::vector<Assignment> assignments;
  int64_t placements = 0;
  // Sum of the chosen edges' scores, and of their micro-units (what the
  // welfare solver maximises).
  double total_score = 0;
  int64_t total_score_micros = 0;
  // Units each cell gives to this assignment (on every cell of the path).
  std::vector<int64_t> cell_use;
  // kMaxWelfare only. `optimal` is true when the result is proven
  // lexicographically optimal (always for the flow). The bounds are upper
  // bounds of the LP relaxation: on placements, and on the score (micro-units)
  // among assignments with `placements` placements. For the flow they equal
  // the result (the constraint matrix is totally unimodular).
  bool optimal = false;
  double placements_bound = 0;
  double score_bound_micros = 0;
};

// INVALID_ARGUMENT for an invalid instance (ValidateInstance); INTERNAL if a
// solver fails unexpectedly. The result always passes CheckAssignments.
absl::StatusOr<Result> Solve(const Instance& instance, const SolveOptions& options);

}  // namespace corridor::matcher::allocation

#endif  // CORRIDOR_MATCHER_ALLOCATION_SOLVER_H_
