// Explanations, sensitivities and what-if tables of a proposal (proposal.h,
// docs/allocation.md, "Proposals").
//
// Why every edge of an unplaced candidate is blocked, per objective (so
// kNotBlocked never happens for them). M is the result, c an unplaced
// candidate, z = (c, v) one of its edges, "blocked" as in proposal.h.
//
// Greedy. Edges are taken in score order and nothing is ever removed, so
// fills and cell uses only grow. When z's turn came c was free (it is never
// placed), so z was refused: either v was full then, and it keeps exactly
// those placements, all taken earlier in the order, so scoring at least z's
// micro-units (blocked by its vacancy); or its leaf path and, when the leaf
// names one, its overflow path each held a cell with use >= cap then, which
// stays at max(cap, 0) (uses only grow, never past it): blocked by cells.
//
// First come first served. The same argument at c's turn; v full then means
// every placement at v went to a candidate served before c, whatever the
// scores, which is what "blocked by its vacancy" means there
// (kFilledEarlier). A v that filled after c's turn does not block: z was
// refused for want of room in the cells.
//
// Welfare, M lexicographically optimal (`optimal`). Suppose z is blocked by
// neither. Then its leaf path, or its overflow path, has no saturated cell:
// z can be routed there beside M. If v is not full, M + z is feasible with
// one more placement. If v is full, its cut-off is below z's score: some
// y = (c', v) in M scores strictly less than z, and M - y + z is feasible
// (removing y only frees room) with as many placements and a higher score.
// Either contradicts optimality. A program stopped by its time limit has no
// such guarantee.
//
// Stable, `stable_guaranteed` (M has no blocking pair). Suppose z is blocked
// by neither, and let H be the contracts of M the round ranks above z. v has
// room among H (it is not full, or a contract at v scores strictly less than
// z and so ranks below it), and the cells have room for H + z (route H as M
// does, z by its unsaturated path). So z fits beside H while c is unplaced:
// z blocks M, a contradiction. The same argument shows that on a crossing
// instance, where DA can leave blocking pairs, every kNotBlocked edge is one.
//
// Sensitivities of welfare on a nested instance. M is a maximum flow f, of
// K = placements units, of the solver's network (docs/allocation.md). Raising
// the capacity of cell q's arc (a, b) by one raises the maximum flow exactly
// when the new residual network has an s-t path. Such a path must use the
// new unit of (a, b) (else f was not maximum), so this holds exactly when a
// is reachable from s and t is reachable from b in f's residual network; a
// walk s ~> a -> b ~> t shortens to a simple path keeping (a, b), since a
// node common to both parts would give an s-t path without it. One search
// from s and one towards t answer every cell; an unsaturated arc comes out 0,
// as it must. The network is rebuilt here from M (flows from the placements
// and their routes), which is any maximum assignment's flow, not only the
// solver's.

#include "matcher/allocation/proposal.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "matcher/allocation/internal.h"

namespace corridor::matcher::allocation {
namespace {

// What the result leaves at every candidate, vacancy and cell.
struct Occupancy {
  std::vector<int32_t> placement;    // per candidate: its assignment's index, or -1
  std::vector<int64_t> filled;       // per vacancy
  std::vector<int64_t> by_overflow;  // per vacancy: placements routed by the overflow cell
  // Per vacancy: a placed edge of the lowest score (micro-units; lowest
  // index among equals), or -1 when none is placed.
  std::vector<int32_t> lowest;
  std::vector<int64_t> use;     // per cell
  std::vector<bool> saturated;  // per cell: use == max(cap_remaining, 0)
  // Per cell: the saturated cell nearest to it on its path (itself first),
  // or -1.
  std::vector<int32_t> nearest_saturated;
  // First come first served only: each candidate's turn (0 first), and per
  // vacancy the last turn placed there (-1: none).
  std::vector<int32_t> turn;
  std::vector<int32_t> last_turn;
};

std::vector<int32_t> NearestSaturated(const Instance& instance,
                                      const std::vector<bool>& saturated) {
  constexpr int32_t kUnknown = -2;
  std::vector<int32_t> nearest(instance.cells.size(), kUnknown);
  std::vector<int32_t> chain;
  for (size_t i = 0; i < instance.cells.size(); ++i) {
    // Climb to a cell already answered (or past a root), then answer the
    // cells climbed, top down.
    chain.clear();
    int32_t at = static_cast<int32_t>(i);
    while (at != -1 && nearest[at] == kUnknown) {
      chain.push_back(at);
      at = instance.cells[at].parent;
    }
    int32_t above = at == -1 ? -1 : nearest[at];
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      if (saturated[*it]) above = *it;
      nearest[*it] = above;
    }
  }
  return nearest;
}

Occupancy Occupy(const Instance& instance, const std::vector<Assignment>& assignments,
                 const std::vector<int64_t>& micros) {
  Occupancy o;
  o.placement.assign(instance.candidates.size(), -1);
  o.filled.assign(instance.vacancies.size(), 0);
  o.by_overflow.assign(instance.vacancies.size(), 0);
  o.lowest.assign(instance.vacancies.size(), -1);
  for (size_t i = 0; i < assignments.size(); ++i) {
    const int32_t e = assignments[i].edge;
    const Edge& edge = instance.edges[e];
    o.placement[edge.candidate] = static_cast<int32_t>(i);
    ++o.filled[edge.vacancy];
    if (assignments[i].route == Route::kOverflow) ++o.by_overflow[edge.vacancy];
    int32_t& lowest = o.lowest[edge.vacancy];
    if (lowest < 0 || micros[e] < micros[lowest] || (micros[e] == micros[lowest] && e < lowest)) {
      lowest = e;
    }
  }
  o.use = CellUse(instance, assignments);
  o.saturated.resize(instance.cells.size());
  for (size_t q = 0; q < instance.cells.size(); ++q) {
    o.saturated[q] = o.use[q] >= std::max<int64_t>(instance.cells[q].cap_remaining, 0);
  }
  o.nearest_saturated = NearestSaturated(instance, o.saturated);
  return o;
}

// Fills the turns of first come first served: registration, then id.
void AddTurns(const Instance& instance, const std::vector<Assignment>& assignments, Occupancy* o) {
  std::vector<int32_t> order(instance.candidates.size());
  for (size_t c = 0; c < order.size(); ++c) order[c] = static_cast<int32_t>(c);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    const Candidate& ca = instance.candidates[a];
    const Candidate& cb = instance.candidates[b];
    if (ca.registered_micros != cb.registered_micros) {
      return ca.registered_micros < cb.registered_micros;
    }
    return ca.id < cb.id;
  });
  o->turn.resize(order.size());
  for (size_t i = 0; i < order.size(); ++i) o->turn[order[i]] = static_cast<int32_t>(i);
  o->last_turn.assign(instance.vacancies.size(), -1);
  for (const Assignment& a : assignments) {
    const Edge& e = instance.edges[a.edge];
    o->last_turn[e.vacancy] = std::max(o->last_turn[e.vacancy], o->turn[e.candidate]);
  }
}

// ---------------------------------------------------------------------------
// Unplaced candidates

class Explainer {
 public:
  Explainer(const Instance& instance, const Occupancy& occupancy,
            const std::vector<int64_t>& micros, bool first_come_first_served)
      : instance_(instance),
        occupancy_(occupancy),
        micros_(micros),
        first_come_first_served_(first_come_first_served) {}

  // `edges`: the candidate's edges, ascending.
  Unplaced Explain(int32_t candidate, const std::vector<int32_t>& edges) const {
    Unplaced u;
    u.candidate = candidate;
    if (edges.empty()) return u;  // kNoEdge
    int32_t open = -1;
    int32_t cells_only = -1;
    for (int32_t e : edges) {
      if (VacancyBlocks(e)) continue;
      if (CellsBlock(e)) {
        cells_only = BetterOf(cells_only, e);
      } else {
        open = BetterOf(open, e);
      }
    }
    if (open >= 0) {
      u.reason = UnplacedReason::kNotBlocked;
      u.edge = open;
      return u;
    }
    if (cells_only >= 0) {
      u.reason = UnplacedReason::kBindingCell;
      u.edge = cells_only;
      u.binding_cell = occupancy_.nearest_saturated[instance_.edges[cells_only].leaf];
      return u;
    }
    u.reason =
        first_come_first_served_ ? UnplacedReason::kFilledEarlier : UnplacedReason::kBelowCutoff;
    NameCutoff(edges, &u);
    return u;
  }

 private:
  bool VacancyBlocks(int32_t e) const {
    const int32_t v = instance_.edges[e].vacancy;
    if (occupancy_.filled[v] < instance_.vacancies[v].positions) return false;
    if (first_come_first_served_) {
      return occupancy_.last_turn[v] < occupancy_.turn[instance_.edges[e].candidate];
    }
    const int32_t lowest = occupancy_.lowest[v];
    return lowest < 0 || micros_[lowest] >= micros_[e];  // lowest < 0: no positions
  }

  bool CellsBlock(int32_t e) const {
    const int32_t leaf = instance_.edges[e].leaf;
    if (leaf < 0 || occupancy_.nearest_saturated[leaf] < 0) return false;
    const int32_t overflow = instance_.cells[leaf].overflow;
    return overflow < 0 || occupancy_.nearest_saturated[overflow] >= 0;
  }

  // The better-scored of edge `best` (-1: none yet) and a later edge `e`.
  int32_t BetterOf(int32_t best, int32_t e) const {
    return best < 0 || micros_[e] > micros_[best] ? e : best;
  }

  // Every edge's vacancy is full: the highest cut-off among those with
  // positions.
  void NameCutoff(const std::vector<int32_t>& edges, Unplaced* u) const {
    int32_t best_edge = -1;
    int64_t best_cutoff = 0;
    for (int32_t e : edges) {
      const int32_t v = instance_.edges[e].vacancy;
      const int32_t lowest = occupancy_.lowest[v];
      if (lowest < 0) continue;
      const int64_t cutoff = micros_[lowest];
      if (best_edge < 0 || cutoff > best_cutoff ||
          (cutoff == best_cutoff && v < instance_.edges[best_edge].vacancy)) {
        best_edge = e;
        best_cutoff = cutoff;
      }
    }
    if (best_edge < 0) {
      u->edge = edges.front();
      u->cutoff_vacancy = instance_.edges[u->edge].vacancy;
      u->cutoff_score = std::numeric_limits<double>::infinity();
      return;
    }
    u->edge = best_edge;
    u->cutoff_vacancy = instance_.edges[best_edge].vacancy;
    u->cutoff_score = instance_.edges[occupancy_.lowest[u->cutoff_vacancy]].score;
  }

  const Instance& instance_;
  const Occupancy& occupancy_;
  const std::vector<int64_t>& micros_;
  const bool first_come_first_served_;
};

std::vector<Unplaced> ExplainUnplaced(const Instance& instance, const Occupancy& occupancy,
                                      const std::vector<int64_t>& micros, Objective objective) {
  std::vector<std::vector<int32_t>> edges_of(instance.candidates.size());
  for (size_t e = 0; e < instance.edges.size(); ++e) {
    const int32_t c = instance.edges[e].candidate;
    if (occupancy.placement[c] < 0) edges_of[c].push_back(static_cast<int32_t>(e));
  }
  const Explainer explainer(instance, occupancy, micros,
                            objective == Objective::kFirstComeFirstServed);
  std::vector<Unplaced> unplaced;
  for (size_t c = 0; c < instance.candidates.size(); ++c) {
    if (occupancy.placement[c] >= 0) continue;
    unplaced.push_back(explainer.Explain(static_cast<int32_t>(c), edges_of[c]));
  }
  return unplaced;
}

// ---------------------------------------------------------------------------
// Sensitivities of a flow: the residual network

// A flow network, searched in its residual network only.
class Residual {
 public:
  int32_t AddNode() { return num_nodes_++; }

  // An arc of capacity `cap` carrying `flow` (0 <= flow <= cap).
  void AddArc(int32_t tail, int32_t head, int64_t cap, int64_t flow) {
    tail_.push_back(tail);
    head_.push_back(head);
    open_.push_back(static_cast<uint8_t>((flow < cap ? kForward : 0) | (flow > 0 ? kBackward : 0)));
  }

  // Call after the last AddArc.
  void Index() {
    Bucket(tail_, &out_begin_, &out_);
    Bucket(head_, &in_begin_, &in_);
  }

  // The nodes `source` reaches by residual arcs.
  std::vector<bool> ReachedFrom(int32_t source) const {
    return Search(source, kForward, kBackward);
  }
  // The nodes that reach `sink` by residual arcs.
  std::vector<bool> Reaching(int32_t sink) const { return Search(sink, kBackward, kForward); }

 private:
  // Residual directions an arc (tail, head) leaves open: tail -> head while
  // below its capacity, head -> tail while it carries flow.
  static constexpr uint8_t kForward = 1;
  static constexpr uint8_t kBackward = 2;

  void Bucket(const std::vector<int32_t>& end, std::vector<int32_t>* begin,
              std::vector<int32_t>* arcs) const {
    begin->assign(num_nodes_ + 1, 0);
    for (int32_t node : end) ++(*begin)[node + 1];
    for (int32_t n = 0; n < num_nodes_; ++n) (*begin)[n + 1] += (*begin)[n];
    arcs->resize(end.size());
    std::vector<int32_t> fill(begin->begin(), begin->end() - 1);
    for (size_t a = 0; a < end.size(); ++a) (*arcs)[fill[end[a]]++] = static_cast<int32_t>(a);
  }

  // Searching from `start`: an arc leaving the node it is at is followed
  // when it has `out_open`, an arc entering it when it has `in_open`
  // (forward search: kForward, kBackward; backward search: the reverse).
  std::vector<bool> Search(int32_t start, uint8_t out_open, uint8_t in_open) const {
    std::vector<bool> seen(num_nodes_, false);
    std::vector<int32_t> queue = {start};
    seen[start] = true;
    for (size_t i = 0; i < queue.size(); ++i) {
      const int32_t x = queue[i];
      for (int32_t k = out_begin_[x]; k < out_begin_[x + 1]; ++k) {
        const int32_t a = out_[k];
        if ((open_[a] & out_open) && !seen[head_[a]]) {
          seen[head_[a]] = true;
          queue.push_back(head_[a]);
        }
      }
      for (int32_t k = in_begin_[x]; k < in_begin_[x + 1]; ++k) {
        const int32_t a = in_[k];
        if ((open_[a] & in_open) && !seen[tail_[a]]) {
          seen[tail_[a]] = true;
          queue.push_back(tail_[a]);
        }
      }
    }
    return seen;
  }

  int32_t num_nodes_ = 0;
  std::vector<int32_t> tail_, head_;
  std::vector<uint8_t> open_;
  std::vector<int32_t> out_begin_, out_, in_begin_, in_;
};

constexpr int64_t kUncapped = std::numeric_limits<int64_t>::max();

// The solver's network for `nesting` (welfare_flow.cc, docs/allocation.md)
// carrying the result's flow; for each cell, the arc that carries its cap.
struct FlowNetwork {
  Residual graph;
  int32_t s = 0, t = 0;
  std::vector<int32_t> cell_tail, cell_head;
};

FlowNetwork BuildNetwork(const Instance& instance, const std::vector<Assignment>& assignments,
                         const Occupancy& occupancy, internal::Nesting nesting) {
  const bool by_vacancy = nesting == internal::Nesting::kVacancy;
  const size_t num_cells = instance.cells.size();
  FlowNetwork net;
  Residual& g = net.graph;
  net.s = g.AddNode();
  net.t = g.AddNode();
  std::vector<int32_t> cell(num_cells), cand(instance.candidates.size()),
      vac(instance.vacancies.size());
  for (int32_t& n : cell) n = g.AddNode();
  for (int32_t& n : cand) n = g.AddNode();
  for (int32_t& n : vac) n = g.AddNode();
  // The leaf the owning side's edges share (-2: no edge), as in the solver.
  std::vector<int32_t> cand_leaf(cand.size(), -2), vac_leaf(vac.size(), -2);
  for (const Edge& e : instance.edges) {
    cand_leaf[e.candidate] = e.leaf;
    vac_leaf[e.vacancy] = e.leaf;
  }
  std::vector<bool> assigned(instance.edges.size(), false);
  for (const Assignment& a : assignments) assigned[a.edge] = true;
  for (size_t e = 0; e < instance.edges.size(); ++e) {
    const Edge& edge = instance.edges[e];
    g.AddArc(cand[edge.candidate], vac[edge.vacancy], 1, assigned[e] ? 1 : 0);
  }
  net.cell_tail.resize(num_cells);
  net.cell_head.resize(num_cells);
  for (size_t q = 0; q < num_cells; ++q) {
    const int32_t parent = instance.cells[q].parent;
    const int32_t up = parent >= 0 ? cell[parent] : (by_vacancy ? net.t : net.s);
    // Vacancy-nested flow climbs the tree to t; candidate-nested flow
    // descends it from s.
    net.cell_tail[q] = by_vacancy ? cell[q] : up;
    net.cell_head[q] = by_vacancy ? up : cell[q];
    g.AddArc(net.cell_tail[q], net.cell_head[q],
             std::max<int64_t>(instance.cells[q].cap_remaining, 0), occupancy.use[q]);
  }
  if (by_vacancy) {
    for (size_t c = 0; c < cand.size(); ++c) {
      if (cand_leaf[c] != -2) g.AddArc(net.s, cand[c], 1, occupancy.placement[c] >= 0 ? 1 : 0);
    }
    for (size_t v = 0; v < vac.size(); ++v) {
      const int32_t leaf = vac_leaf[v];
      if (leaf == -2) continue;
      const int64_t positions = instance.vacancies[v].positions;
      const int64_t filled = occupancy.filled[v];
      if (leaf < 0) {
        g.AddArc(vac[v], net.t, positions, filled);
      } else if (instance.cells[leaf].overflow < 0) {
        g.AddArc(vac[v], cell[leaf], positions, filled);
      } else {
        const int32_t out = g.AddNode();
        g.AddArc(vac[v], out, positions, filled);
        g.AddArc(out, cell[leaf], kUncapped, filled - occupancy.by_overflow[v]);
        g.AddArc(out, cell[instance.cells[leaf].overflow], kUncapped, occupancy.by_overflow[v]);
      }
    }
  } else {
    for (size_t c = 0; c < cand.size(); ++c) {
      const int32_t leaf = cand_leaf[c];
      if (leaf == -2) continue;
      const int32_t placed = occupancy.placement[c];
      const int64_t flow = placed >= 0 ? 1 : 0;
      if (leaf < 0) {
        g.AddArc(net.s, cand[c], 1, flow);
      } else if (instance.cells[leaf].overflow < 0) {
        g.AddArc(cell[leaf], cand[c], 1, flow);
      } else {
        const bool overflow = placed >= 0 && assignments[placed].route == Route::kOverflow;
        const int32_t in = g.AddNode();
        g.AddArc(cell[leaf], in, 1, placed >= 0 && !overflow ? 1 : 0);
        g.AddArc(cell[instance.cells[leaf].overflow], in, 1, overflow ? 1 : 0);
        g.AddArc(in, cand[c], 1, flow);
      }
    }
    for (size_t v = 0; v < vac.size(); ++v) {
      if (vac_leaf[v] != -2) {
        g.AddArc(vac[v], net.t, instance.vacancies[v].positions, occupancy.filled[v]);
      }
    }
  }
  g.Index();
  return net;
}

// Fills every cell not yet computed.
absl::Status FlowSensitivities(const Instance& instance, const std::vector<Assignment>& assignments,
                               const Occupancy& occupancy, internal::Nesting nesting,
                               std::vector<CellSensitivity>* out) {
  FlowNetwork net = BuildNetwork(instance, assignments, occupancy, nesting);
  const std::vector<bool> from_s = net.graph.ReachedFrom(net.s);
  if (from_s[net.t]) {
    return absl::InvalidArgumentError(
        "result: not a maximum assignment of this instance (the flow has an augmenting path); "
        "was it solved with other caps?");
  }
  const std::vector<bool> to_t = net.graph.Reaching(net.t);
  for (CellSensitivity& s : *out) {
    if (s.computed) continue;
    s.computed = true;
    s.extra_placements = from_s[net.cell_tail[s.cell]] && to_t[net.cell_head[s.cell]] ? 1 : 0;
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Sensitivities by re-solving

absl::Status Resolve(const Instance& instance, const Result& result, const SolveOptions& options,
                     const Occupancy& occupancy, int64_t max_resolves,
                     std::vector<CellSensitivity>* out) {
  std::vector<int32_t> cells;
  for (const CellSensitivity& s : *out) {
    if (!s.computed) cells.push_back(s.cell);
  }
  // A saturated cell is the likelier to matter: those first.
  std::stable_partition(cells.begin(), cells.end(),
                        [&](int32_t q) { return occupancy.saturated[q]; });
  if (static_cast<int64_t>(cells.size()) > max_resolves) cells.resize(max_resolves);
  if (cells.empty()) return absl::OkStatus();
  Instance raised = instance;
  for (int32_t q : cells) {
    ++raised.cells[q].cap_remaining;
    absl::StatusOr<Result> r = Solve(raised, options);
    --raised.cells[q].cap_remaining;
    if (!r.ok()) return r.status();
    (*out)[q].computed = true;
    (*out)[q].extra_placements = r->placements - result.placements;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<CellSensitivity>> Sensitivities(const Instance& instance,
                                                           const Result& result,
                                                           const SolveOptions& options,
                                                           const Occupancy& occupancy,
                                                           int64_t max_resolves) {
  const int64_t num_candidates = static_cast<int64_t>(instance.candidates.size());
  const bool baseline = options.objective == Objective::kGreedy ||
                        options.objective == Objective::kFirstComeFirstServed;
  std::vector<CellSensitivity> out(instance.cells.size());
  for (size_t q = 0; q < instance.cells.size(); ++q) {
    out[q].cell = static_cast<int32_t>(q);
    const int64_t cap = instance.cells[q].cap_remaining;
    // Raised, a negative cap still gives no unit; a cap of every candidate
    // never binds (and may not be raisable without overflow).
    out[q].computed = cap < 0 || cap >= num_candidates || (baseline && !occupancy.saturated[q]);
  }
  const internal::Nesting nesting = internal::FindNesting(instance);
  if (options.objective == Objective::kMaxWelfare && !options.force_mip &&
      nesting != internal::Nesting::kNone) {
    if (absl::Status s = FlowSensitivities(instance, result.assignments, occupancy, nesting, &out);
        !s.ok()) {
      return s;
    }
    return out;
  }
  if (absl::Status s = Resolve(instance, result, options, occupancy, max_resolves, &out); !s.ok()) {
    return s;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Input checks

bool MethodFits(Objective objective, Method method) {
  switch (objective) {
    case Objective::kMaxWelfare:
      return method == Method::kFlowVacancyNested || method == Method::kFlowCandidateNested ||
             method == Method::kMip || method == Method::kLagrangian;
    case Objective::kGreedy:
      return method == Method::kGreedy;
    case Objective::kFirstComeFirstServed:
      return method == Method::kFirstComeFirstServed;
    case Objective::kStable:
      return method == Method::kDeferredAcceptance;
  }
  return false;
}

absl::Status CheckEdges(const Instance& instance, const Result& result, const char* name,
                        bool check_routes) {
  const int64_t num_edges = static_cast<int64_t>(instance.edges.size());
  for (size_t i = 0; i < result.assignments.size(); ++i) {
    const Assignment& a = result.assignments[i];
    if (a.edge < 0 || a.edge >= num_edges) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ".assignments[", i, "].edge: out of range"));
    }
    const int32_t leaf = instance.edges[a.edge].leaf;
    if (check_routes && a.route == Route::kOverflow &&
        (leaf < 0 || instance.cells[leaf].overflow < 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ".assignments[", i,
                       "].route: overflow, but the edge's leaf names no overflow cell"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Proposal> ExplainProposal(const Instance& instance, const Result& result,
                                         const SolveOptions& options, int64_t max_resolves) {
  if (absl::Status s = ValidateInstance(instance); !s.ok()) return s;
  if (max_resolves < 0) return absl::InvalidArgumentError("max_resolves: negative");
  if (!MethodFits(options.objective, result.method)) {
    return absl::InvalidArgumentError(
        absl::StrCat("result.method: ", static_cast<int>(result.method),
                     " is not a method of objective ", static_cast<int>(options.objective)));
  }
  if (absl::Status s = CheckAssignments(instance, result.assignments); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("result.assignments: ", s.message()));
  }
  std::vector<int64_t> micros(instance.edges.size());
  for (size_t e = 0; e < instance.edges.size(); ++e)
    micros[e] = ScoreMicros(instance.edges[e].score);
  Occupancy occupancy = Occupy(instance, result.assignments, micros);
  if (options.objective == Objective::kFirstComeFirstServed) {
    AddTurns(instance, result.assignments, &occupancy);
  }
  Proposal proposal;
  proposal.unplaced = ExplainUnplaced(instance, occupancy, micros, options.objective);
  absl::StatusOr<std::vector<CellSensitivity>> sensitivities =
      Sensitivities(instance, result, options, occupancy, max_resolves);
  if (!sensitivities.ok()) return sensitivities.status();
  proposal.sensitivities = *std::move(sensitivities);
  return proposal;
}

absl::StatusOr<std::vector<FillRow>> CompareFills(
    const Instance& instance, const Result& baseline, const Result& variant,
    absl::FunctionRef<std::string(int32_t edge)> key_of) {
  if (absl::Status s = CheckEdges(instance, baseline, "baseline", false); !s.ok()) return s;
  if (absl::Status s = CheckEdges(instance, variant, "variant", false); !s.ok()) return s;
  std::map<std::string, std::pair<int64_t, int64_t>> by_key;
  for (const Assignment& a : baseline.assignments) ++by_key[key_of(a.edge)].first;
  for (const Assignment& a : variant.assignments) ++by_key[key_of(a.edge)].second;
  std::vector<FillRow> rows;
  rows.reserve(by_key.size() + 1);
  for (const auto& [key, counts] : by_key) rows.push_back({key, counts.first, counts.second});
  rows.push_back({"total", static_cast<int64_t>(baseline.assignments.size()),
                  static_cast<int64_t>(variant.assignments.size())});
  return rows;
}

absl::StatusOr<std::vector<FillRow>> FillsByCell(const Instance& instance, const Result& baseline,
                                                 const Result& variant) {
  if (absl::Status s = CheckEdges(instance, baseline, "baseline", true); !s.ok()) return s;
  if (absl::Status s = CheckEdges(instance, variant, "variant", true); !s.ok()) return s;
  const std::vector<int64_t> before = CellUse(instance, baseline.assignments);
  const std::vector<int64_t> after = CellUse(instance, variant.assignments);
  std::vector<FillRow> rows;
  rows.reserve(instance.cells.size() + 1);
  for (size_t q = 0; q < instance.cells.size(); ++q) {
    rows.push_back({instance.cells[q].id, before[q], after[q]});
  }
  rows.push_back({"total", static_cast<int64_t>(baseline.assignments.size()),
                  static_cast<int64_t>(variant.assignments.size())});
  return rows;
}

}  // namespace corridor::matcher::allocation
