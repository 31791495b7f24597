#ifndef CORRIDOR_MATCHER_ALLOCATION_PROPOSAL_H_
#define CORRIDOR_MATCHER_ALLOCATION_PROPOSAL_H_

// A solved round is a proposal (DOMAIN.md section 8, docs/allocation.md,
// "Proposals"): why each unplaced candidate was not placed, how many more
// placements one more unit of each cell would allow, and tables comparing
// the fills of two results (what-if). Plain functions of their arguments:
// no gRPC, no storage, thread-compatible.
//
// Terms used below, always about the given result M and its routes:
//   - a cell is *saturated* when its use (placements whose drawn path holds
//     it) equals max(cap_remaining, 0);
//   - a vacancy is *full* when M fills all its positions; its *cut-off* is
//     the lowest score (micro-units) M places there;
//   - an edge is *blocked by its vacancy* when the vacancy is full and its
//     cut-off is at or above the edge's score (a vacancy with no positions
//     always blocks); for first come first served (where scores do not
//     decide), when the vacancy is full and every candidate placed there was
//     served before this one (it was full at this candidate's turn);
//   - an edge is *blocked by cells* when its leaf path holds a saturated
//     cell and, when the leaf names an overflow cell, the overflow cell's
//     path holds one too. An uncapped edge is never blocked by cells.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "matcher/allocation/instance.h"
#include "matcher/allocation/solver.h"

namespace corridor::matcher::allocation {

// Why a candidate is not placed in the result. The first that applies wins,
// in this order.
enum class UnplacedReason {
  // The candidate has no edge (no eligible vacancy in the round).
  kNoEdge,
  // Some edge is blocked by neither its vacancy nor the cells: the result
  // left room for the candidate. Never for greedy, first come first served,
  // a welfare result with `optimal`, or a stable one with
  // `stable_guaranteed` (proofs in proposal.cc). It can happen for a stable
  // result on a crossing instance (the edge is then a blocking pair) and for
  // a welfare program stopped by its time limit.
  kNotBlocked,
  // Some edge is blocked by cells only: its vacancy had room for the
  // candidate's score, but a quota cell on its path was at its cap.
  kBindingCell,
  // Every edge is blocked by its vacancy, the objective ranks by score
  // (welfare, greedy, stable). To a ministry: "every position at vacancy V
  // went to a candidate scoring at least X there, and this candidate scored
  // at most X: it would have needed a score above X at V to outrank them"
  // (a higher score alone may not have been enough: a cell may bind too).
  kBelowCutoff,
  // First come first served only: every edge is blocked by its vacancy:
  // full at the candidate's turn, filled by candidates served before it
  // (earlier registration, then id). The cut-off fields name one such
  // vacancy; the lowest score placed there may be below the candidate's.
  kFilledEarlier,
};

struct Unplaced {
  int32_t candidate = -1;  // index into Instance::candidates
  UnplacedReason reason = UnplacedReason::kNoEdge;
  // The candidate's edge the explanation is about (index into
  // Instance::edges), -1 for kNoEdge. kNotBlocked, kBindingCell: the
  // best-scored such edge (ties: lowest index); kBelowCutoff,
  // kFilledEarlier: the edge to `cutoff_vacancy`.
  int32_t edge = -1;
  // kBindingCell: the saturated cell nearest the leaf on `edge`'s leaf path
  // (the leaf itself or an ancestor), else -1.
  int32_t binding_cell = -1;
  // kBelowCutoff, kFilledEarlier: among the candidate's vacancies (all full)
  // that have positions, the one with the highest cut-off (ties: lowest
  // vacancy index), and that cut-off: the lowest score placed there (a
  // score of the placed edge, so micro-unit exact). When none of its
  // vacancies has a position, the vacancy of its lowest-index edge and
  // +infinity (no score would have done). Else -1 and 0.
  int32_t cutoff_vacancy = -1;
  double cutoff_score = 0;
};

struct CellSensitivity {
  int32_t cell = -1;  // index into Instance::cells
  // False when not computed (the re-solve budget ran out); then
  // extra_placements is 0.
  bool computed = false;
  // Placements of the same objective's solver on the instance with this
  // cell's cap_remaining alone raised by 1, minus the result's placements.
  // Welfare: 0 or 1 (the most placements rises by at most one). The
  // baselines and the stable objective are not monotone: any sign.
  int64_t extra_placements = 0;
};

struct Proposal {
  // Every unplaced candidate (with or without edges), by candidate index.
  std::vector<Unplaced> unplaced;
  // One entry per cell, by cell index.
  std::vector<CellSensitivity> sensitivities;
};

// Default for ExplainProposal's re-solve budget.
inline constexpr int64_t kDefaultMaxResolves = 200;

// Explains `result`, which must be `options.objective`'s result on
// `instance` (as returned by Solve with these options).
//
// Sensitivities are exact by definition (a re-solve with the raised cap),
// computed without solving where that is proven equal:
//   - cap_remaining < 0 (raised, still no room) or >= the number of
//     candidates (no solver can use it up): 0;
//   - greedy, first come first served: an unsaturated cell never refused a
//     placement, so the run would not change: 0;
//   - welfare on a nested instance (a flow): all cells at once from one
//     residual-network search each way (linear in the network's size);
//   - otherwise (welfare by the 0-1 program, stable, saturated cells of the
//     baselines) one Solve per cell, saturated cells first, then by index,
//     at most `max_resolves` of them; the others are not computed. On a
//     crossing instance an unsaturated cell can matter (another optimum may
//     use it), so it is re-solved too. Each re-solve costs a full Solve.
//
// Errors: INVALID_ARGUMENT for an invalid instance, max_resolves < 0, a
// result whose method is not the objective's ("result.method"), a result
// that fails CheckAssignments ("result.assignments"), or a nested welfare
// result that is not a maximum assignment ("result"); otherwise what a
// re-solve returns.
absl::StatusOr<Proposal> ExplainProposal(const Instance& instance, const Result& result,
                                         const SolveOptions& options,
                                         int64_t max_resolves = kDefaultMaxResolves);

// One row of a what-if table: placements (or units) under `key` in each
// result.
struct FillRow {
  std::string key;
  int64_t baseline = 0;
  int64_t variant = 0;
};

// Placements per key for two results of the same round (same candidates,
// vacancies, edges and cells; caps or objective may differ): key_of(edge)
// names the group of a placement on that edge (the cell id, the candidate's
// origin, the vacancy's occupation: the caller's choice; called once per
// placement). Rows sorted by key, keys with no placement in either result
// omitted; then a last row "total" with both results' placements (a key_of
// that returns "total" gets its own row before it). INVALID_ARGUMENT naming
// "baseline.assignments[i].edge" (or variant) for an edge out of range.
absl::StatusOr<std::vector<FillRow>> CompareFills(
    const Instance& instance, const Result& baseline, const Result& variant,
    absl::FunctionRef<std::string(int32_t edge)> key_of);

// Units each cell gives to each result (a placement counts on every cell of
// the path it draws from), one row per cell by cell index keyed by the cell
// id, then a last row "total" with the placements. Same input and errors as
// CompareFills, and INVALID_ARGUMENT for an overflow route the edge does not
// allow.
absl::StatusOr<std::vector<FillRow>> FillsByCell(const Instance& instance, const Result& baseline,
                                                 const Result& variant);

}  // namespace corridor::matcher::allocation

#endif  // CORRIDOR_MATCHER_ALLOCATION_PROPOSAL_H_
