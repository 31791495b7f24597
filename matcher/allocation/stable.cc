// The stable objective: deferred acceptance with the quota tree as nested
// caps (docs/allocation.md, "Stable objective").
//
// Candidates propose their edges (contracts) in their own order. The round is
// one chooser over contracts: it takes them in its priority order (greedy's)
// and keeps one when the kept set stays feasible: each vacancy at most its
// positions, and the kept contracts can be routed through the cells (each
// draws one unit on its leaf's path or on its overflow cell's path).
//
// Routability is a flow question. `Routing` keeps one routing of the kept
// contracts and asks for an augmenting path when one more is offered. The
// residual network is searched cell by cell: from a reached cell q
//   - its parent is reached when q has slack (a root with slack: room found);
//   - every contract routed through q can be pushed back, and with it moved
//     to its other route: so for each overflow-naming leaf L in q's subtree
//     with a contract routed by L, L's overflow cell is reached, and for each
//     L whose overflow cell is in q's subtree with a contract routed by it, L
//     is reached.
// A cell inside the subtree of a reached cell adds nothing and is skipped.
// When no room is found, the contracts routed through the reached cells are
// exactly those whose removal would make room (the circuit of the offer).
//
// Vacancy-nested instances (every vacancy's edges share one leaf): the
// feasible sets are a matroid, so the round's choice from "everything offered
// so far" is its greedy basis, and one offer changes that basis by at most one
// exchange: keep the offer and drop the lowest-priority contract of its
// circuit, when that one ranks below the offer. Offers are processed one at a
// time, each costing one or two searches; the result does not depend on the
// order (it is the candidate-optimal stable assignment).
//
// Crossing instances: no matroid, and the choice must be recomputed: rounds in
// which every free candidate proposes, and the round re-chooses greedily from
// the held contracts plus the new offers.

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "matcher/allocation/internal.h"

namespace corridor::matcher::allocation {
namespace {

// The round's priority over edges and the candidates' orders share these.
struct Orders {
  // Edges by the round's priority, first = highest; rank[e] is e's position.
  std::vector<int32_t> by_rank;
  std::vector<int32_t> rank;
  // Each candidate's edges, most preferred first: edges
  // preferred[offset[c]] .. preferred[offset[c + 1] - 1].
  std::vector<int32_t> offset;
  std::vector<int32_t> preferred;
  // Per edge: its vacancy's position in id order (the last tie-break of
  // both orders).
  std::vector<int32_t> vacancy_rank;
  // The candidate's preference for each edge, micro-units (the score when
  // not given), and the score's micro-units.
  std::vector<int64_t> preference_micros;
  std::vector<int64_t> score_micros;

  // Whether the candidate of edges a and b (the same one) prefers a to b.
  bool Prefers(int32_t a, int32_t b) const {
    if (preference_micros[a] != preference_micros[b]) {
      return preference_micros[a] > preference_micros[b];
    }
    if (score_micros[a] != score_micros[b]) return score_micros[a] > score_micros[b];
    return vacancy_rank[a] < vacancy_rank[b];
  }
};

template <typename Less>
std::vector<int32_t> RankBy(size_t n, Less less) {
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), less);
  std::vector<int32_t> rank(n);
  for (size_t i = 0; i < n; ++i) rank[order[i]] = static_cast<int32_t>(i);
  return rank;
}

Orders MakeOrders(const Instance& instance) {
  const std::vector<Edge>& edges = instance.edges;
  const size_t num_edges = edges.size();
  const std::vector<int32_t> vacancy_rank =
      RankBy(instance.vacancies.size(), [&](int32_t a, int32_t b) {
        return instance.vacancies[a].id < instance.vacancies[b].id;
      });
  // Earlier registration, then id: the published tie-break of greedy.
  const std::vector<int32_t> candidate_rank =
      RankBy(instance.candidates.size(), [&](int32_t a, int32_t b) {
        const Candidate& ca = instance.candidates[a];
        const Candidate& cb = instance.candidates[b];
        if (ca.registered_micros != cb.registered_micros) {
          return ca.registered_micros < cb.registered_micros;
        }
        return ca.id < cb.id;
      });
  Orders orders;
  orders.score_micros.resize(num_edges);
  orders.preference_micros.resize(num_edges);
  orders.vacancy_rank.resize(num_edges);
  for (size_t e = 0; e < num_edges; ++e) {
    orders.score_micros[e] = ScoreMicros(edges[e].score);
    orders.preference_micros[e] =
        edges[e].preference < 0 ? orders.score_micros[e] : ScoreMicros(edges[e].preference);
    orders.vacancy_rank[e] = vacancy_rank[edges[e].vacancy];
  }
  // The round's priority, sorted on packed keys (2.5M edges on a national
  // round; indirect comparisons through three arrays are several times slower).
  struct Key {
    int64_t minus_score;
    uint64_t tie;  // candidate rank, then vacancy rank
    int32_t edge;
  };
  std::vector<Key> keys(num_edges);
  for (size_t e = 0; e < num_edges; ++e) {
    keys[e] = {-orders.score_micros[e],
               (static_cast<uint64_t>(candidate_rank[edges[e].candidate]) << 32) |
                   static_cast<uint32_t>(orders.vacancy_rank[e]),
               static_cast<int32_t>(e)};
  }
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return a.minus_score != b.minus_score ? a.minus_score < b.minus_score : a.tie < b.tie;
  });
  orders.by_rank.resize(num_edges);
  orders.rank.resize(num_edges);
  for (size_t i = 0; i < num_edges; ++i) {
    orders.by_rank[i] = keys[i].edge;
    orders.rank[keys[i].edge] = static_cast<int32_t>(i);
  }
  // Candidates' lists (counting sort by candidate, then each list sorted).
  const size_t num_candidates = instance.candidates.size();
  orders.offset.assign(num_candidates + 1, 0);
  for (const Edge& e : edges) ++orders.offset[e.candidate + 1];
  for (size_t c = 0; c < num_candidates; ++c) orders.offset[c + 1] += orders.offset[c];
  orders.preferred.resize(num_edges);
  std::vector<int32_t> fill(orders.offset.begin(), orders.offset.end() - 1);
  for (size_t e = 0; e < num_edges; ++e) {
    orders.preferred[fill[edges[e].candidate]++] = static_cast<int32_t>(e);
  }
  for (size_t c = 0; c < num_candidates; ++c) {
    std::sort(orders.preferred.begin() + orders.offset[c],
              orders.preferred.begin() + orders.offset[c + 1],
              [&](int32_t a, int32_t b) { return orders.Prefers(a, b); });
  }
  return orders;
}

// One routing of a set of contracts through the cells, grown by augmenting
// paths (see the file comment).
class Routing {
 public:
  struct Move {
    int32_t edge;
    Route route;
  };

  explicit Routing(const Instance& instance)
      : instance_(instance),
        cap_(instance.cells.size()),
        use_(instance.cells.size(), 0),
        state_(instance.edges.size(), kUnrouted),
        mark_(instance.cells.size(), 0),
        how_(instance.cells.size()),
        from_(instance.cells.size(), -1),
        link_(instance.cells.size(), -1) {
    const size_t num_cells = instance.cells.size();
    for (size_t q = 0; q < num_cells; ++q) {
      cap_[q] = std::max<int64_t>(instance.cells[q].cap_remaining, 0);
    }
    for (int r = 0; r < 2; ++r) {
      count_[r].assign(num_cells, 0);
      stack_[r].resize(num_cells);
    }
    // The overflow-naming leaves, listed on every ancestor-or-self of the
    // leaf (moves leaf -> overflow) and of its overflow cell (the reverse).
    std::vector<bool> named(num_cells, false);
    for (const Edge& e : instance.edges) {
      if (e.leaf >= 0) named[e.leaf] = true;
    }
    below_by_leaf_.resize(num_cells);
    below_by_overflow_.resize(num_cells);
    for (size_t l = 0; l < num_cells; ++l) {
      const int32_t overflow = instance.cells[l].overflow;
      if (!named[l] || overflow < 0) continue;
      for (int32_t q = static_cast<int32_t>(l); q != -1; q = instance.cells[q].parent) {
        below_by_leaf_[q].push_back(static_cast<int32_t>(l));
      }
      for (int32_t q = overflow; q != -1; q = instance.cells[q].parent) {
        below_by_overflow_[q].push_back(static_cast<int32_t>(l));
      }
    }
  }

  bool routed(int32_t edge) const { return state_[edge] != kUnrouted; }
  Route route(int32_t edge) const { return static_cast<Route>(state_[edge]); }

  // Whether `edge` (not routed) can be routed beside the routed contracts,
  // possibly re-routing some of them. When `take`, routes it; moves() then
  // lists the contracts routed or re-routed, with their new routes.
  bool Fit(int32_t edge, bool take) {
    moves_.clear();
    const Edge& e = instance_.edges[edge];
    if (e.leaf < 0) {
      if (take) Draw(edge, Route::kLeaf, +1);
      return true;
    }
    if (++generation_ == 0) {  // wrapped: old marks would look current
      std::fill(mark_.begin(), mark_.end(), 0);
      generation_ = 1;
    }
    reached_.clear();
    Reach(e.leaf, kStartLeaf, -1, -1);
    const int32_t overflow = instance_.cells[e.leaf].overflow;
    if (overflow >= 0) Reach(overflow, kStartOverflow, -1, -1);
    for (size_t i = 0; i < reached_.size(); ++i) {
      const int32_t q = reached_[i];
      if (use_[q] < cap_[q]) {
        const int32_t parent = instance_.cells[q].parent;
        if (parent < 0) {
          if (take) Augment(edge, q);
          return true;
        }
        Reach(parent, kUp, q, -1);
      }
      for (int32_t l : below_by_leaf_[q]) {
        if (count_[0][l] > 0) Reach(instance_.cells[l].overflow, kToOverflow, q, l);
      }
      for (int32_t l : below_by_overflow_[q]) {
        if (count_[1][l] > 0) Reach(l, kToLeaf, q, l);
      }
    }
    return false;
  }

  // After a Fit that found no room: the cells it reached. The routed
  // contracts whose path contains one of them are the offer's circuit.
  const std::vector<int32_t>& reached() const { return reached_; }
  const std::vector<Move>& moves() const { return moves_; }

  void Remove(int32_t edge) {
    if (routed(edge)) Draw(edge, route(edge), -1);
  }

  // Unroutes everything.
  void Clear() {
    for (int32_t edge : ever_routed_) state_[edge] = kUnrouted;
    ever_routed_.clear();
    std::fill(use_.begin(), use_.end(), 0);
    for (int r = 0; r < 2; ++r) {
      std::fill(count_[r].begin(), count_[r].end(), 0);
      for (std::vector<int32_t>& s : stack_[r]) s.clear();
    }
  }

 private:
  static constexpr int8_t kUnrouted = -1;
  // How a cell was reached by the search.
  enum How : uint8_t { kStartLeaf, kStartOverflow, kUp, kToOverflow, kToLeaf };

  bool Covered(int32_t cell) const {
    for (int32_t q = cell; q != -1; q = instance_.cells[q].parent) {
      if (mark_[q] == generation_) return true;
    }
    return false;
  }

  void Reach(int32_t cell, How how, int32_t from, int32_t link) {
    if (Covered(cell)) return;
    mark_[cell] = generation_;
    how_[cell] = how;
    from_[cell] = from;
    link_[cell] = link;
    reached_.push_back(cell);
  }

  // Routes `edge` along the search's path to the root `top`: each jump on
  // the way moves one contract of the jump's leaf to its other route.
  void Augment(int32_t edge, int32_t top) {
    int32_t q = top;
    for (; how_[q] != kStartLeaf && how_[q] != kStartOverflow; q = from_[q]) {
      if (how_[q] == kUp) continue;
      const Route from_route = how_[q] == kToOverflow ? Route::kLeaf : Route::kOverflow;
      const int32_t moved = TakeRoutedBy(link_[q], from_route);
      Draw(moved, from_route, -1);
      Draw(moved, from_route == Route::kLeaf ? Route::kOverflow : Route::kLeaf, +1);
    }
    Draw(edge, how_[q] == kStartLeaf ? Route::kLeaf : Route::kOverflow, +1);
  }

  // A contract of leaf `leaf` routed by `route` (the search saw one).
  int32_t TakeRoutedBy(int32_t leaf, Route route) {
    std::vector<int32_t>& s = stack_[static_cast<int>(route)][leaf];
    // Entries go stale when their contract moves or leaves.
    while (state_[s.back()] != static_cast<int8_t>(route)) s.pop_back();
    const int32_t edge = s.back();
    s.pop_back();
    return edge;
  }

  void Draw(int32_t edge, Route route, int delta) {
    const Edge& e = instance_.edges[edge];
    for (int32_t q = DrawnCell(instance_, e, route); q != -1; q = instance_.cells[q].parent) {
      use_[q] += delta;
    }
    const int r = static_cast<int>(route);
    if (delta > 0) {
      state_[edge] = static_cast<int8_t>(route);
      ever_routed_.push_back(edge);
      moves_.push_back({edge, route});
    } else {
      state_[edge] = kUnrouted;
    }
    if (e.leaf >= 0 && instance_.cells[e.leaf].overflow >= 0) {
      count_[r][e.leaf] += delta;
      if (delta > 0) stack_[r][e.leaf].push_back(edge);
    }
  }

  const Instance& instance_;
  std::vector<int64_t> cap_;  // max(cap_remaining, 0)
  std::vector<int64_t> use_;
  std::vector<int8_t> state_;  // per edge: kUnrouted or the Route
  // Per overflow-naming leaf and route (0 leaf, 1 overflow): how many
  // contracts are routed so, and a stack holding them (with stale entries).
  std::vector<int64_t> count_[2];
  std::vector<std::vector<int32_t>> stack_[2];
  std::vector<std::vector<int32_t>> below_by_leaf_;
  std::vector<std::vector<int32_t>> below_by_overflow_;
  std::vector<int32_t> ever_routed_;
  std::vector<Move> moves_;
  // The search: cells reached in this generation, and how.
  uint32_t generation_ = 0;
  std::vector<uint32_t> mark_;
  std::vector<How> how_;
  std::vector<int32_t> from_;
  std::vector<int32_t> link_;
  std::vector<int32_t> reached_;
};

// Lazily cleaned max-heaps of (rank, edge): the lowest-priority contract
// first. An entry is live while `live(edge)` holds.
struct LowestFirst {
  struct Entry {
    int32_t rank;
    int32_t edge;
    Route route;
    bool operator<(const Entry& o) const { return rank < o.rank; }
  };
  std::vector<Entry> heap;

  void Push(Entry entry) {
    heap.push_back(entry);
    std::push_heap(heap.begin(), heap.end());
  }
  template <typename Live>
  const Entry* Top(Live live) {
    while (!heap.empty() && !live(heap.front())) {
      std::pop_heap(heap.begin(), heap.end());
      heap.pop_back();
    }
    return heap.empty() ? nullptr : &heap.front();
  }
};

// Deferred acceptance on a vacancy-nested instance, one offer at a time.
class NestedRound {
 public:
  NestedRound(const Instance& instance, const Orders& orders)
      : instance_(instance),
        orders_(orders),
        routing_(instance),
        filled_(instance.vacancies.size(), 0),
        at_vacancy_(instance.vacancies.size()),
        through_cell_(instance.cells.size()) {}

  absl::Status Run() {
    const int32_t num_candidates = static_cast<int32_t>(instance_.candidates.size());
    std::vector<int32_t> next(orders_.offset.begin(), orders_.offset.end() - 1);
    std::vector<int32_t> free(num_candidates);
    std::iota(free.rbegin(), free.rend(), 0);  // candidate 0 proposes first
    while (!free.empty()) {
      const int32_t c = free.back();
      free.pop_back();
      while (next[c] < orders_.offset[c + 1]) {
        const int32_t offer = orders_.preferred[next[c]++];
        const Outcome outcome = Offer(offer);
        if (!outcome.ok) {
          return absl::InternalError(absl::StrCat(
              "deferred acceptance: no room for edge ", offer, " after removing a contract "
              "of its circuit"));
        }
        if (!outcome.kept) continue;
        if (outcome.dropped >= 0) free.push_back(instance_.edges[outcome.dropped].candidate);
        break;
      }
    }
    return absl::OkStatus();
  }

  std::vector<Assignment> Assignments() const {
    std::vector<Assignment> out;
    for (size_t e = 0; e < instance_.edges.size(); ++e) {
      const int32_t edge = static_cast<int32_t>(e);
      if (routing_.routed(edge)) out.push_back({edge, routing_.route(edge)});
    }
    return out;
  }

 private:
  struct Outcome {
    bool kept = false;
    int32_t dropped = -1;  // the contract the kept offer displaced, or -1
    bool ok = true;        // false: an invariant failed
  };

  // The round's choice from the held contracts plus `offer`.
  Outcome Offer(int32_t offer) {
    const int32_t v = instance_.edges[offer].vacancy;
    Outcome outcome;
    if (filled_[v] >= instance_.vacancies[v].positions) {
      // The vacancy binds: the circuit is the vacancy's contracts.
      const LowestFirst::Entry* lowest = at_vacancy_[v].Top(
          [&](const LowestFirst::Entry& x) { return routing_.routed(x.edge); });
      if (lowest == nullptr || lowest->rank < orders_.rank[offer]) return outcome;
      outcome.dropped = lowest->edge;
    } else if (routing_.Fit(offer, /*take=*/true)) {
      Kept(offer);
      outcome.kept = true;
      return outcome;
    } else {
      outcome.dropped = LowestInCircuit();
      if (outcome.dropped < 0 || orders_.rank[outcome.dropped] < orders_.rank[offer]) {
        outcome.dropped = -1;
        return outcome;
      }
    }
    routing_.Remove(outcome.dropped);
    --filled_[instance_.edges[outcome.dropped].vacancy];
    outcome.ok = routing_.Fit(offer, /*take=*/true);
    if (outcome.ok) Kept(offer);
    outcome.kept = true;
    return outcome;
  }

  // The lowest-priority contract routed through a cell the last search
  // reached, or -1.
  int32_t LowestInCircuit() {
    auto live = [&](const LowestFirst::Entry& x) {
      return routing_.routed(x.edge) && routing_.route(x.edge) == x.route;
    };
    int32_t lowest = -1;
    for (int32_t q : routing_.reached()) {
      const LowestFirst::Entry* top = through_cell_[q].Top(live);
      if (top != nullptr && (lowest < 0 || top->rank > orders_.rank[lowest])) {
        lowest = top->edge;
      }
    }
    return lowest;
  }

  // Books `offer` (just routed) and every contract the routing moved.
  void Kept(int32_t offer) {
    ++filled_[instance_.edges[offer].vacancy];
    at_vacancy_[instance_.edges[offer].vacancy].Push(
        {orders_.rank[offer], offer, Route::kLeaf});
    for (const Routing::Move& m : routing_.moves()) {
      const Edge& e = instance_.edges[m.edge];
      for (int32_t q = DrawnCell(instance_, e, m.route); q != -1;
           q = instance_.cells[q].parent) {
        through_cell_[q].Push({orders_.rank[m.edge], m.edge, m.route});
      }
    }
  }

  const Instance& instance_;
  const Orders& orders_;
  Routing routing_;
  std::vector<int64_t> filled_;
  std::vector<LowestFirst> at_vacancy_;    // held contracts per vacancy
  std::vector<LowestFirst> through_cell_;  // held contracts per cell on their path
};

// Deferred acceptance on any instance: in each round every free candidate
// proposes its next edge, and the round re-chooses greedily from the held
// contracts plus the offers.
std::vector<Assignment> RunInRounds(const Instance& instance, const Orders& orders) {
  const int32_t num_candidates = static_cast<int32_t>(instance.candidates.size());
  std::vector<int32_t> next(orders.offset.begin(), orders.offset.end() - 1);
  std::vector<int32_t> free;
  for (int32_t c = 0; c < num_candidates; ++c) {
    if (next[c] < orders.offset[c + 1]) free.push_back(c);
  }
  Routing routing(instance);
  std::vector<int64_t> filled(instance.vacancies.size(), 0);
  std::vector<int32_t> held, offers;
  while (!free.empty()) {
    offers = held;
    for (int32_t c : free) offers.push_back(orders.preferred[next[c]]);
    std::sort(offers.begin(), offers.end(),
              [&](int32_t a, int32_t b) { return orders.rank[a] < orders.rank[b]; });
    routing.Clear();
    std::fill(filled.begin(), filled.end(), 0);
    held.clear();
    free.clear();
    for (int32_t offer : offers) {
      const int32_t v = instance.edges[offer].vacancy;
      if (filled[v] < instance.vacancies[v].positions && routing.Fit(offer, /*take=*/true)) {
        ++filled[v];
        held.push_back(offer);
        continue;
      }
      const int32_t c = instance.edges[offer].candidate;
      if (++next[c] < orders.offset[c + 1]) free.push_back(c);
    }
  }
  std::vector<Assignment> out;
  for (int32_t e : held) out.push_back({e, routing.route(e)});
  return out;
}

}  // namespace

namespace internal {

absl::StatusOr<Result> SolveStable(const Instance& instance) {
  const Orders orders = MakeOrders(instance);
  Result result;
  result.method = Method::kDeferredAcceptance;
  result.stable_guaranteed = FindNesting(instance) == Nesting::kVacancy;
  if (result.stable_guaranteed) {
    NestedRound round(instance, orders);
    if (absl::Status s = round.Run(); !s.ok()) return s;
    result.assignments = round.Assignments();
  } else {
    result.assignments = RunInRounds(instance, orders);
  }
  Finish(instance, &result);
  if (absl::Status s = CheckAssignments(instance, result.assignments); !s.ok()) {
    return absl::InternalError(
        absl::StrCat("deferred acceptance produced an infeasible assignment: ", s.message()));
  }
  return result;
}

}  // namespace internal

std::vector<int32_t> FindBlockingPairs(const Instance& instance,
                                       const std::vector<Assignment>& assignments) {
  const Orders orders = MakeOrders(instance);
  const int32_t num_edges = static_cast<int32_t>(instance.edges.size());
  std::vector<int32_t> placement(instance.candidates.size(), -1);
  std::vector<bool> assigned(instance.edges.size(), false);
  for (const Assignment& a : assignments) {
    if (a.edge < 0 || a.edge >= num_edges) continue;
    assigned[a.edge] = true;
    placement[instance.edges[a.edge].candidate] = a.edge;
  }
  // Sweep the edges in the round's order, routing the assigned ones as they
  // come: each unassigned edge is then tested against exactly the assigned
  // edges ranked above it.
  Routing routing(instance);
  std::vector<int64_t> filled(instance.vacancies.size(), 0);
  std::vector<int32_t> blocking;
  for (int32_t e : orders.by_rank) {
    const Edge& edge = instance.edges[e];
    const bool room = filled[edge.vacancy] < instance.vacancies[edge.vacancy].positions;
    if (assigned[e]) {
      if (room && routing.Fit(e, /*take=*/true)) ++filled[edge.vacancy];
      continue;
    }
    const int32_t current = placement[edge.candidate];
    if (current >= 0 && !orders.Prefers(e, current)) continue;
    if (room && routing.Fit(e, /*take=*/false)) blocking.push_back(e);
  }
  std::sort(blocking.begin(), blocking.end());
  return blocking;
}

}  // namespace corridor::matcher::allocation
