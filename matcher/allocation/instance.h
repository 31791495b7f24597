#ifndef CORRIDOR_MATCHER_ALLOCATION_INSTANCE_H_
#define CORRIDOR_MATCHER_ALLOCATION_INSTANCE_H_

// The input and output of an allocation round's solver (DOMAIN.md section 8,
// docs/allocation.md): plain value types, indices instead of names, no gRPC,
// no storage. The service layer (later) builds an Instance from the shortlist
// index, the ledger's remaining capacities and the round's cap overrides.
//
// Quota cells and overflow. Every cell has a parent (or none: a root). A unit
// drawn from a cell is drawn from the cell and every ancestor (its *path*),
// exactly as the ledger does. An edge names the leaf the placement would
// request (docs/matching.md section 3). When that leaf names an overflow cell,
// a placement on the edge uses EITHER
//   - the leaf's path (route kLeaf), OR
//   - the overflow cell's path (route kOverflow); one hop only: the overflow
//     cell's own overflow is ignored, as in the ledger.
// The welfare solver may pick either route for any placement. The ledger's
// fixed order "leaf first, then overflow" is only the tie rule the baselines
// (greedy, first come first served) use when they place one at a time.
// An edge with leaf -1 draws from no cell (uncapped).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace corridor::matcher::allocation {

// Scores are 0..kMaxScore (the default weights give 0..100); the solvers
// compare them as integer micro-units, llround(score * 1e6), as rankings do
// (docs/matching.md section 4).
inline constexpr double kMaxScore = 1e6;

struct Candidate {
  std::string id;
  // Registration time, microseconds since the epoch. First come first served
  // orders by it (then by id).
  int64_t registered_micros = 0;
};

struct Vacancy {
  std::string id;
  // Open positions, >= 0.
  int64_t positions = 0;
};

struct Cell {
  std::string id;
  // cap - reserved - committed now (or the what-if cap); <= 0 means full.
  int64_t cap_remaining = 0;
  // Index into Instance::cells, or -1 for a root. The parent links form a
  // forest (no cycles).
  int32_t parent = -1;
  // Index of the cell tried when this cell's path is full, or -1. Only read
  // on the leaf an edge names. Must differ from the cell itself.
  int32_t overflow = -1;
};

struct Edge {
  int32_t candidate = -1;  // index into Instance::candidates
  int32_t vacancy = -1;    // index into Instance::vacancies
  double score = 0;        // 0..kMaxScore, finite
  int32_t leaf = -1;       // index into Instance::cells, or -1: uncapped
  // The candidate's preference for this vacancy, read only by the stable
  // objective: higher is preferred; a negative value means "not given", and
  // then `score` stands in for it. When given: finite and <= kMaxScore.
  double preference = -1;
};

// At most one edge per (candidate, vacancy) pair.
struct Instance {
  std::vector<Candidate> candidates;
  std::vector<Vacancy> vacancies;
  std::vector<Cell> cells;
  std::vector<Edge> edges;
};

// Which path a placement draws from.
enum class Route : uint8_t { kLeaf = 0, kOverflow = 1 };

struct Assignment {
  int32_t edge = -1;
  Route route = Route::kLeaf;
};

// OK, or INVALID_ARGUMENT naming the first bad field ("edges[3].score",
// "cells[2].parent": a cycle, ...). Ids must be non-empty and unique per kind.
absl::Status ValidateInstance(const Instance& instance);

// The cell a placement on `edge` by `route` draws from first (the leaf or
// its overflow cell), or -1 for an uncapped edge. Assumes a valid instance
// and, for kOverflow, that the leaf names an overflow cell.
int32_t DrawnCell(const Instance& instance, const Edge& edge, Route route);

// Units each cell gives to `assignments` (a placement counts on every cell
// of the path it draws from). Assumes valid edge indices.
std::vector<int64_t> CellUse(const Instance& instance,
                             const std::vector<Assignment>& assignments);

// The feasibility checker: OK when every assignment names a valid edge, a
// route the edge allows (kOverflow only when its leaf names an overflow cell),
// each candidate is placed at most once, each vacancy at most `positions`
// times and no cell gives more than max(cap_remaining, 0) units. Otherwise
// FAILED_PRECONDITION naming the first violation. Assumes a valid instance.
absl::Status CheckAssignments(const Instance& instance,
                              const std::vector<Assignment>& assignments);

// Micro-units of a score, as rankings compare them.
int64_t ScoreMicros(double score);

// A lottery's draw: a copy of `instance` whose candidates' registration
// times are their places in the draw (0, 1, ...), in the order of the lowest
// SHA-256 of (seed, a zero byte, candidate id), ties (none in practice) by
// id. First come first served on the copy is the lottery; anyone with the
// seed and the ids can redraw it.
Instance DrawLots(const Instance& instance, const std::string& seed);

}  // namespace corridor::matcher::allocation

#endif  // CORRIDOR_MATCHER_ALLOCATION_INSTANCE_H_
