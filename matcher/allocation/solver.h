#ifndef CORRIDOR_MATCHER_ALLOCATION_SOLVER_H_
#define CORRIDOR_MATCHER_ALLOCATION_SOLVER_H_

// The allocation solver (docs/allocation.md): one assignment of candidates to
// vacancy positions under the quota tree, for one objective.
//
//   kMaxWelfare  lexicographic: the most placements, then the highest total
//                score (integer micro-units). When every vacancy's
//                edges name one leaf, or every candidate's edges name one
//                leaf ("nested"), it is a min-cost flow (LEMON: Preflow for
//                the most placements, then NetworkSimplex at that flow value
//                for the score), exact. Otherwise ("crossing") a 0-1 program
//                solved by COIN-OR CBC, in two stages, under a time limit; the
//                result then reports the LP bound and whether optimality was
//                proven. Crossing instances above kLagrangianMinEdges edges
//                use Lagrangian prices instead (kLagrangian: feasible, not
//                exact, with certified bounds).
//   kGreedy      baseline: edges by score descending (ties: earlier
//                registration, then candidate id, then vacancy id); take an
//                edge when its candidate is free, its vacancy has a position
//                and its leaf path (else its overflow path) has room.
//   kFirstComeFirstServed  baseline ("click day"): candidates by registration
//                time (then id); each takes its best-scoring edge (ties:
//                vacancy id) whose vacancy has a position and whose leaf path
//                (else overflow path) has room.
//   kStable      deferred acceptance, candidates proposing in their own order
//                (Edge::preference, else the score; ties: score, then vacancy
//                id); the round keeps
//                contracts by its priority (greedy's order) while the kept
//                set stays feasible under positions and the quota tree.
//                Stable and candidate-optimal when the instance is
//                vacancy-nested (`stable_guaranteed`); see docs/allocation.md,
//                "Stable objective", for the definition.
//
// Thread-safety: Solve is a pure function of its arguments.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "matcher/allocation/instance.h"

namespace corridor::matcher::allocation {

enum class Objective { kMaxWelfare, kGreedy, kFirstComeFirstServed, kStable };

// How a result was computed.
enum class Method {
  kGreedy,
  kFirstComeFirstServed,
  kFlowVacancyNested,   // min-cost flow; each vacancy's edges share one leaf
  kFlowCandidateNested, // min-cost flow; each candidate's edges share one leaf
  kMip,                 // CBC on the 0-1 program
  kDeferredAcceptance,  // the stable objective
  // Large crossing welfare rounds: Lagrangian prices on the cells, a reverse
  // auction for the relaxed matching, then a repair. Feasible, not proven
  // optimal; the bounds are Lagrangian duals (docs/allocation.md, "Crossing
  // cells").
  kLagrangian,
};

// kMaxWelfare on crossing instances (neither nesting holds): which method.
enum class CrossingMethod {
  // CBC up to kLagrangianMinEdges edges, the Lagrangian method above.
  kAuto,
  kMip,
  kLagrangian,
};

// kAuto's threshold: CBC proves crossing rounds of a few thousand edges
// optimal in about a second; on a national one (2.5M edges) even the LP
// relaxation takes minutes.
inline constexpr size_t kLagrangianMinEdges = 20000;

struct SolveOptions {
  Objective objective = Objective::kMaxWelfare;
  // kMaxWelfare: solve with CBC even when a flow would do (for cross-checks).
  bool force_mip = false;
  // Time limit of each of the two CBC stages, seconds. Default: 30.
  double mip_time_limit_seconds = 30;
  // kMaxWelfare on crossing instances; force_mip overrides it. Default: kAuto.
  CrossingMethod crossing_method = CrossingMethod::kAuto;
  // kLagrangian: no new price point after this many seconds (one point and
  // the final checks add under half a second on 2.5M edges; building the
  // model before the first about 1.5 s), and at most this many points for
  // the score (a third as many for the placements). The iteration cap makes
  // the result a function of the instance, unless the time limit stops the
  // search first. Defaults: 28 s (a national round within 30 s), 200.
  double lagrangian_time_limit_seconds = 28;
  int lagrangian_max_iterations = 200;
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
  // the result (the constraint matrix is totally unimodular). kLagrangian:
  // the best Lagrangian duals found, each at least the LP bound (the
  // placements one rounded down, placements being whole), and at least the
  // result's own values.
  bool optimal = false;
  double placements_bound = 0;
  double score_bound_micros = 0;
  // kStable only: true when the instance is vacancy-nested (every vacancy's
  // edges name one leaf, or none has a leaf). Then the feasible sets form a
  // matroid and the result is stable and the candidate-optimal stable
  // assignment. False on crossing instances: the result is feasible but may
  // have blocking pairs (a stable assignment may not exist); count them with
  // FindBlockingPairs.
  bool stable_guaranteed = false;
};

// INVALID_ARGUMENT for an invalid instance (ValidateInstance), or naming
// lagrangian_time_limit_seconds (negative or NaN) or
// lagrangian_max_iterations (below 1) whatever the objective; INTERNAL if a
// solver fails unexpectedly. The result always passes CheckAssignments.
absl::StatusOr<Result> Solve(const Instance& instance, const SolveOptions& options);

// The blocking pairs of `assignments` (docs/allocation.md, "Stable
// objective"): the edges z = (c, v) not assigned where c is unplaced or
// strictly prefers z to its placement, and z fits beside every assigned edge
// the round ranks above z (c's own placement included). Edge indices,
// ascending. Assumes a valid instance and assignments that pass
// CheckAssignments (an infeasible assignment's extra placements are ignored).
// O(edges x the cells a routing search visits).
std::vector<int32_t> FindBlockingPairs(const Instance& instance,
                                       const std::vector<Assignment>& assignments);

}  // namespace corridor::matcher::allocation

#endif  // CORRIDOR_MATCHER_ALLOCATION_SOLVER_H_
