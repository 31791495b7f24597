// Maximum welfare on large crossing instances, not exact: Lagrangian prices on
// the cell caps, a reverse auction (and, near the end, a network simplex) for
// the relaxed problem, a bundle method for the prices, and a repair of each
// relaxed assignment into a feasible one.
// docs/allocation.md ("Crossing cells") gives the method, its bounds, why it
// was chosen over the alternatives, and the figures.
//
// The relaxation. Give every cell q a price lambda_q >= 0 and drop its cap.
// What is left is a bipartite b-matching: each candidate takes at most one
// arc, each vacancy at most `positions`; a placement on edge e by route r is
// worth w_e minus the prices of the cells on the path it draws from (the
// cheaper allowed route is taken). For every lambda its optimum plus
// sum_q cap_q lambda_q bounds the 0-1 program (and the LP) from above, and
// the bound is computed from explicit dual prices, so it is valid whether or
// not the auction, the sparse network simplex or the price search converged:
//   bound = sum_c max(0, max_e (w_e - path price - p_v)) + sum_v positions_v p_v
//           + sum_q cap_q lambda_q.
// The minimum over lambda equals the LP bound (the b-matching's LP is
// integral).
//
// The lexicographic objective takes two phases, as the flow does:
//   1. placements: weight W per placement (plus a tie-break by score too small
//      to trade a placement, so the relaxed matchings place the best; the
//      bound leaves it out). The bound, divided by W and rounded down, bounds
//      the number of placements.
//   2. score with at least K placements, K the most found in phase 1: weight
//      score + mu, mu >= 0 the price of the row sum x >= K, moved with the
//      cell prices. Bound: the dual above minus mu * K.
// A single weight BIG + score would need BIG > total score for exactness
// (then the score is lost in the prices' step sizes); two phases keep each
// price search on its own scale.

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <future>
#include <limits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lemon/network_simplex.h"
#include "lemon/smart_graph.h"
#include "matcher/allocation/internal.h"

// See welfare_flow.cc: a false positive inside LEMON's SmartDigraph::addNode.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace corridor::matcher::allocation::internal {
namespace {

using Clock = std::chrono::steady_clock;

// A route an arc may not take: a cell on its path has no room at all.
constexpr int32_t kNoRoute = -2;

// Phase 1's value of one placement. Large enough for a fine tie-break by
// score below it, small enough that sums of prices stay far from overflow.
constexpr int64_t kPlacementWeight = int64_t{1} << 30;

// The auction's epsilon, in weight units: the relaxed matching is within
// placements x epsilon of optimal (one micro-unit each in phase 2). When a
// phase-2 auction runs out of scans, the later ones use a coarser epsilon,
// kCoarseEpsilonPerMaxScore of the highest score: at one micro-unit,
// vacancies bidding for the same well-scored candidates fight price wars,
// and the matching left when the budget cuts them short is far from optimal
// (on the benchmark's crossing round: worth 2.0M against a bound of 8.8M,
// which left the bound where it started).
constexpr int64_t kEpsilon = 1;
constexpr int64_t kCoarseEpsilonPerMaxScore = 100;

// Network simplex runs per price point in ExactRelaxation. One: a second,
// with the arcs the first one's duals price in, tightens a point by about
// 0.02 % and costs as much again; on the benchmark's crossing round the
// search got further with more points instead.
constexpr int kExactSolvesPerPoint = 1;

// The instance as the relaxation sees it. An *arc* is an edge some route can
// use (its vacancy has positions, a path without a full cell); arcs are
// grouped by vacancy.
struct Model {
  int32_t num_candidates = 0;
  int32_t num_vacancies = 0;
  int32_t num_cells = 0;
  std::vector<int64_t> positions;  // per vacancy
  std::vector<int64_t> cap;        // per cell: max(cap_remaining, 0)
  std::vector<int32_t> parent;     // per cell
  std::vector<int32_t> top_down;   // cells, every parent before its children
  std::vector<int32_t> subtree_end;  // per cell, in top_down positions; see below
  std::vector<int32_t> order_of;     // per cell: its position in top_down
  std::vector<bool> priced;        // per cell: its cap can bind, so it gets a price
  std::vector<int32_t> start;      // per vacancy + 1: its arcs [start[v], start[v + 1])
  std::vector<int32_t> edge;       // per arc: the instance's edge index
  std::vector<int32_t> candidate;  // per arc
  std::vector<int32_t> vacancy;    // per arc
  // Per route (kLeaf, kOverflow) and arc: the cell drawn from first, -1 when
  // uncapped, kNoRoute when the route is not allowed or its path is full.
  std::array<std::vector<int32_t>, 2> drawn;
  std::vector<int32_t> candidate_start;  // per candidate + 1: into candidate_arcs
  std::vector<int32_t> candidate_arcs;   // arcs by candidate, score descending
  std::vector<int64_t> score;    // per arc, micro-units
  std::vector<int32_t> by_score; // arcs, score descending, then edge index
  int64_t max_score = 0;
  int64_t max_placements = 0;    // min(candidates with an arc, sum of positions)
};

// top_down is a depth-first preorder (roots and children by index), so the
// subtree of the cell at position i is positions [i, subtree_end[i]).
void OrderCells(Model* m) {
  std::vector<std::vector<int32_t>> children(m->num_cells);
  std::vector<int32_t> roots;
  for (int32_t q = 0; q < m->num_cells; ++q) {
    (m->parent[q] >= 0 ? children[m->parent[q]] : roots).push_back(q);
  }
  m->order_of.assign(m->num_cells, 0);
  m->subtree_end.assign(m->num_cells, 0);
  // An entry ~i (negative) closes the subtree opened at position i.
  std::vector<int32_t> todo(roots.rbegin(), roots.rend());
  while (!todo.empty()) {
    const int32_t x = todo.back();
    todo.pop_back();
    const int32_t size = static_cast<int32_t>(m->top_down.size());
    if (x < 0) {
      m->subtree_end[~x] = size;
      continue;
    }
    m->order_of[x] = size;
    m->top_down.push_back(x);
    todo.push_back(~size);
    todo.insert(todo.end(), children[x].rbegin(), children[x].rend());
  }
}

Model BuildModel(const Instance& instance) {
  Model m;
  m.num_candidates = static_cast<int32_t>(instance.candidates.size());
  m.num_vacancies = static_cast<int32_t>(instance.vacancies.size());
  m.num_cells = static_cast<int32_t>(instance.cells.size());
  for (const Vacancy& v : instance.vacancies) m.positions.push_back(v.positions);
  for (const Cell& c : instance.cells) {
    m.cap.push_back(std::max<int64_t>(c.cap_remaining, 0));
    m.parent.push_back(c.parent);
  }
  OrderCells(&m);
  // A path is open when no cell on it is full.
  std::vector<bool> open(m.num_cells, false);
  for (int32_t q : m.top_down) {
    open[q] = m.cap[q] > 0 && (m.parent[q] < 0 || open[m.parent[q]]);
  }
  auto route_cell = [&](int32_t cell) { return cell < 0 || open[cell] ? cell : kNoRoute; };
  std::vector<int32_t> count(m.num_vacancies + 1, 0);
  std::vector<std::array<int32_t, 2>> drawn(instance.edges.size());
  for (size_t e = 0; e < instance.edges.size(); ++e) {
    const Edge& edge = instance.edges[e];
    drawn[e] = {route_cell(edge.leaf), kNoRoute};
    if (edge.leaf >= 0 && instance.cells[edge.leaf].overflow >= 0) {
      drawn[e][1] = route_cell(instance.cells[edge.leaf].overflow);
    }
    const bool usable = instance.vacancies[edge.vacancy].positions > 0 &&
                        (drawn[e][0] != kNoRoute || drawn[e][1] != kNoRoute);
    if (!usable) drawn[e] = {kNoRoute, kNoRoute};
    if (usable) ++count[edge.vacancy + 1];
  }
  m.start.assign(m.num_vacancies + 1, 0);
  for (int32_t v = 0; v < m.num_vacancies; ++v) m.start[v + 1] = m.start[v] + count[v + 1];
  const int32_t num_arcs = m.start[m.num_vacancies];
  m.edge.resize(num_arcs);
  m.candidate.resize(num_arcs);
  m.vacancy.resize(num_arcs);
  m.drawn[0].resize(num_arcs);
  m.drawn[1].resize(num_arcs);
  m.score.resize(num_arcs);
  std::vector<int32_t> next(m.start.begin(), m.start.end() - 1);
  std::vector<bool> has_arc(m.num_candidates, false);
  for (size_t e = 0; e < instance.edges.size(); ++e) {
    if (drawn[e][0] == kNoRoute && drawn[e][1] == kNoRoute) continue;
    const Edge& edge = instance.edges[e];
    const int32_t k = next[edge.vacancy]++;
    m.edge[k] = static_cast<int32_t>(e);
    m.candidate[k] = edge.candidate;
    m.vacancy[k] = edge.vacancy;
    m.drawn[0][k] = drawn[e][0];
    m.drawn[1][k] = drawn[e][1];
    m.score[k] = ScoreMicros(edge.score);
    m.max_score = std::max(m.max_score, m.score[k]);
    has_arc[edge.candidate] = true;
  }
  int64_t positions = 0;
  for (int32_t v = 0; v < m.num_vacancies; ++v) positions += m.positions[v];
  m.max_placements =
      std::min<int64_t>(positions, std::count(has_arc.begin(), has_arc.end(), true));
  // No cap at or above the most placements can bind.
  m.priced.assign(m.num_cells, false);
  for (int32_t q = 0; q < m.num_cells; ++q) {
    m.priced[q] = m.cap[q] > 0 && m.cap[q] < m.max_placements;
  }
  m.by_score.resize(num_arcs);
  for (int32_t k = 0; k < num_arcs; ++k) m.by_score[k] = k;
  std::sort(m.by_score.begin(), m.by_score.end(), [&](int32_t a, int32_t b) {
    if (m.score[a] != m.score[b]) return m.score[a] > m.score[b];
    return m.edge[a] < m.edge[b];
  });
  m.candidate_start.assign(m.num_candidates + 1, 0);
  for (int32_t k = 0; k < num_arcs; ++k) ++m.candidate_start[m.candidate[k] + 1];
  for (int32_t c = 0; c < m.num_candidates; ++c) {
    m.candidate_start[c + 1] += m.candidate_start[c];
  }
  m.candidate_arcs.resize(num_arcs);
  std::vector<int32_t> fill(m.candidate_start.begin(), m.candidate_start.end() - 1);
  for (int32_t k : m.by_score) m.candidate_arcs[fill[m.candidate[k]]++] = k;
  return m;
}

// Cell prices turned into arc costs: each arc takes its cheaper allowed route
// (kLeaf on a tie); cost = the prices of the cells on that route's path.
struct ArcCosts {
  std::vector<uint8_t> route;  // per arc: 0 kLeaf, 1 kOverflow
  std::vector<int64_t> cost;   // per arc
};

void PriceArcs(const Model& m, const std::vector<int64_t>& lambda, ArcCosts* out) {
  std::vector<int64_t> path(m.num_cells, 0);
  for (int32_t q : m.top_down) path[q] = lambda[q] + (m.parent[q] >= 0 ? path[m.parent[q]] : 0);
  const size_t num_arcs = m.edge.size();
  out->route.resize(num_arcs);
  out->cost.resize(num_arcs);
  constexpr int64_t kClosed = std::numeric_limits<int64_t>::max();
  for (size_t k = 0; k < num_arcs; ++k) {
    std::array<int64_t, 2> c;
    for (int r = 0; r < 2; ++r) {
      const int32_t d = m.drawn[r][k];
      c[r] = d == kNoRoute ? kClosed : d < 0 ? 0 : path[d];
    }
    out->route[k] = c[1] < c[0] ? 1 : 0;
    out->cost[k] = std::min(c[0], c[1]);
  }
}

// The relaxed problem for arc weights `weight` (an arc worth <= 0 is never
// taken), by a reverse auction (Bertsekas): a vacancy with a free position
// bids for the candidate with the most value net of the candidate's price,
// raising that price to (its value - the second best value + epsilon, the
// second best including "stay empty" at 0); the candidate's previous vacancy
// loses it and bids again. Prices only rise, so a candidate never bid for
// keeps price 0 and stays unplaced, and a position that finds nothing worth
// more than 0 would find nothing later either. Candidates outnumber positions
// in the rounds this is for, so few bids collide: 0.1-0.3 s for 2.5M arcs
// (a candidate-side auction took 2 s at a 1 % epsilon and minutes at finer
// ones: 100k candidates bidding up 50k positions is a price war).
class Auction {
 public:
  explicit Auction(const Model& m) : m_(m) {}

  // Solves for `weight`, from scratch. False when `max_scans` arc visits did
  // not suffice: the matching is then feasible for the relaxation but maybe
  // not optimal (the bound stays valid).
  bool Run(const std::vector<int64_t>& weight, int64_t max_scans, int64_t epsilon) {
    epsilon_ = epsilon;
    price_.assign(m_.num_candidates, 0);
    held_.assign(m_.num_candidates, -1);
    filled_.assign(m_.num_vacancies, 0);
    std::vector<int32_t> queue;
    for (int32_t v = 0; v < m_.num_vacancies; ++v) {
      if (m_.start[v] < m_.start[v + 1]) queue.push_back(v);
    }
    int64_t scans = 0;
    return Bid(weight, max_scans, &queue, &scans);
  }

 private:
  // Bids until no vacancy in `queue` (a FIFO) has a free position worth
  // filling; false when the scan budget runs out.
  bool Bid(const std::vector<int64_t>& weight, int64_t max_scans, std::vector<int32_t>* queue,
           int64_t* scans) {
    for (size_t head = 0; head < queue->size(); ++head) {
      if (*scans > max_scans) return false;
      const int32_t v = (*queue)[head];
      if (filled_[v] >= m_.positions[v]) continue;
      int64_t best = 0, second = 0, best_weight = 0;
      int32_t best_arc = -1;
      for (int32_t k = m_.start[v]; k < m_.start[v + 1]; ++k) {
        const int32_t c = m_.candidate[k];
        if (held_[c] == k) continue;  // already v's
        const int64_t value = weight[k] - price_[c];
        if (value > best) {
          second = best;
          best = value;
          best_arc = k;
          best_weight = weight[k];
        } else if (value > second) {
          second = value;
        }
      }
      *scans += m_.start[v + 1] - m_.start[v];
      if (best_arc < 0) continue;  // every free position of v stays empty
      const int32_t c = m_.candidate[best_arc];
      price_[c] = best_weight - second + epsilon_;
      if (held_[c] >= 0) {
        const int32_t loser = m_.vacancy[held_[c]];
        --filled_[loser];
        queue->push_back(loser);
      }
      held_[c] = best_arc;
      if (++filled_[v] < m_.positions[v]) queue->push_back(v);
      // Keep the queue's memory bounded on long runs.
      if (head > (1u << 20) && head * 2 > queue->size()) {
        queue->erase(queue->begin(), queue->begin() + static_cast<std::ptrdiff_t>(head) + 1);
        head = static_cast<size_t>(-1);
      }
    }
    return true;
  }

 public:
  // Per candidate: the arc it holds, or -1.
  const std::vector<int32_t>& held() const { return held_; }

  // Vacancy prices for the dual: a full vacancy's lowest profit (weight minus
  // candidate price) among the arcs it holds, else 0.
  std::vector<int64_t> VacancyPrices(const std::vector<int64_t>& weight) const {
    std::vector<int64_t> p(m_.num_vacancies, std::numeric_limits<int64_t>::max());
    for (int32_t c = 0; c < m_.num_candidates; ++c) {
      const int32_t k = held_[c];
      if (k >= 0) p[m_.vacancy[k]] = std::min(p[m_.vacancy[k]], weight[k] - price_[c]);
    }
    for (int32_t v = 0; v < m_.num_vacancies; ++v) {
      p[v] = filled_[v] >= m_.positions[v] && filled_[v] > 0 ? std::max<int64_t>(p[v], 0) : 0;
    }
    return p;
  }

 private:
  const Model& m_;
  int64_t epsilon_ = 1;
  std::vector<int64_t> price_;
  std::vector<int32_t> held_;
  std::vector<int64_t> filled_;
};

// The auction's relaxation solved exactly, as a min-cost flow, for phase 2's
// last points: source -> vacancy (capacity its positions) -> candidate (one
// arc per edge worth more than 0 at these prices, capacity 1) -> sink
// (capacity 1), and source -> sink for the positions left empty. Costs are
// shifted by `top` on every source-sink path (a placement arc costs top -
// weight, the empty-position arc top): the same optimum, all costs positive
// (on a variant of this network holding the destination and sector caps,
// LEMON's network simplex ran 7x faster so than with negative costs).
//
// It is solved on a sparse network (each vacancy's best arcs, each
// candidate's best few, and the arcs the last solve used); with more than
// one solve allowed, the other arcs are then priced with the potentials and
// those that would improve join for the next. The vacancy prices come from
// the last potentials, and DualValue prices every arc with them, so the
// bound holds though the sparse network may miss improving arcs (on the
// benchmark's crossing round a few thousand of 2.5M would join, worth about
// 0.02 % of the value; kExactSolvesPerPoint says why one solve is used).
class ExactRelaxation {
 public:
  explicit ExactRelaxation(const Model& m) : m_(m) {}

  // Solves for `weight` with at most `max_solves` network simplex runs.
  // False when the network simplex did not report an optimum (it should
  // not: the problem is always feasible and bounded).
  bool Run(const std::vector<int64_t>& weight, int max_solves) {
    const size_t num_arcs = m_.edge.size();
    in_.assign(num_arcs, false);
    std::vector<int32_t> ranked;
    const auto keep_best = [&](size_t keep) {
      keep = std::min(keep, ranked.size());
      if (keep == 0) return;
      std::nth_element(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep) - 1,
                       ranked.end(), [&](int32_t a, int32_t b) { return weight[a] > weight[b]; });
      for (size_t i = 0; i < keep; ++i) in_[ranked[i]] = true;
    };
    for (int32_t v = 0; v < m_.num_vacancies; ++v) {
      ranked.clear();
      for (int32_t k = m_.start[v]; k < m_.start[v + 1]; ++k) {
        if (weight[k] > 0) ranked.push_back(k);
      }
      keep_best(static_cast<size_t>(kFirstArcsPerPosition * m_.positions[v] + kFirstArcsPerVacancy));
    }
    for (int32_t c = 0; c < m_.num_candidates; ++c) {
      ranked.clear();
      for (int32_t i = m_.candidate_start[c]; i < m_.candidate_start[c + 1]; ++i) {
        if (weight[m_.candidate_arcs[i]] > 0) ranked.push_back(m_.candidate_arcs[i]);
      }
      keep_best(kFirstArcsPerCandidate);
    }
    for (int32_t k : held_) {
      if (k >= 0 && weight[k] > 0) in_[k] = true;
    }
    for (int round = 0; round < max_solves; ++round) {
      if (!SolveSparse(weight)) return false;
      if (round + 1 == max_solves) break;
      bool joined = false;
      for (size_t k = 0; k < num_arcs; ++k) {
        if (!in_[k] && weight[k] > 0 && weight[k] > p_[m_.vacancy[k]] + u_[m_.candidate[k]]) {
          in_[k] = true;
          joined = true;
        }
      }
      if (!joined) break;
    }
    return true;
  }

  // Per candidate: the arc it holds in the relaxed optimum, or -1.
  const std::vector<int32_t>& held() const { return held_; }
  // Per vacancy: its price (>= 0) in the last solve's duals.
  const std::vector<int64_t>& vacancy_prices() const { return p_; }

 private:
  using Graph = lemon::SmartDigraph;
  using Simplex = lemon::NetworkSimplex<Graph, int64_t, int64_t>;

  // Solves the network of the arcs in in_; sets held_, p_ and u_ (each
  // candidate's value in the duals; 0 when out of the network).
  bool SolveSparse(const std::vector<int64_t>& weight) {
    Graph g;
    std::vector<int32_t> arcs;
    for (size_t k = 0; k < in_.size(); ++k) {
      if (in_[k]) arcs.push_back(static_cast<int32_t>(k));
    }
    std::vector<int32_t> node_of(m_.num_candidates, -1);
    for (int32_t k : arcs) node_of[m_.candidate[k]] = 0;
    int32_t num_in = 0;
    for (int32_t& n : node_of) {
      if (n == 0) n = num_in++;
    }
    g.reserveNode(2 + m_.num_vacancies + num_in);
    g.reserveArc(static_cast<int>(arcs.size()) + num_in + m_.num_vacancies + 1);
    const Graph::Node source = g.addNode();
    const Graph::Node sink = g.addNode();
    std::vector<Graph::Node> vac(m_.num_vacancies), cand(num_in);
    for (auto& n : vac) n = g.addNode();
    for (auto& n : cand) n = g.addNode();
    Graph::ArcMap<int64_t> cap(g), cost(g);
    const auto add_arc = [&](Graph::Node from, Graph::Node to, int64_t capacity, int64_t c) {
      const Graph::Arc a = g.addArc(from, to);
      cap[a] = capacity;
      cost[a] = c;
      return a;
    };
    int64_t positions = 0;
    for (int32_t v = 0; v < m_.num_vacancies; ++v) {
      add_arc(source, vac[v], m_.positions[v], 0);
      positions += m_.positions[v];
    }
    int64_t top = 1;
    for (int32_t k : arcs) top = std::max(top, weight[k] + 1);
    std::vector<Graph::Arc> arc_of(arcs.size());
    for (size_t i = 0; i < arcs.size(); ++i) {
      const int32_t k = arcs[i];
      arc_of[i] = add_arc(vac[m_.vacancy[k]], cand[node_of[m_.candidate[k]]], 1, top - weight[k]);
    }
    for (int32_t c = 0; c < num_in; ++c) add_arc(cand[c], sink, 1, 0);
    add_arc(source, sink, positions, top);
    Graph::NodeMap<int64_t> supply(g, 0);
    supply[source] = positions;
    supply[sink] = -positions;
    Simplex simplex(g);
    simplex.upperMap(cap).costMap(cost).supplyMap(supply);
    if (simplex.run() != Simplex::OPTIMAL) return false;
    held_.assign(m_.num_candidates, -1);
    for (size_t i = 0; i < arcs.size(); ++i) {
      if (simplex.flow(arc_of[i]) > 0) held_[m_.candidate[arcs[i]]] = arcs[i];
    }
    // LEMON's reduced cost: cost + pi(from) - pi(to), >= 0 on arcs with
    // room. A vacancy's price is pi(v) - pi(source) (0 unless it is full), a
    // candidate's value pi(sink) - pi(c); their sum is at least the weight
    // of every arc in the network, with equality on the used ones.
    const int64_t source_pi = simplex.potential(source);
    p_.assign(m_.num_vacancies, 0);
    for (int32_t v = 0; v < m_.num_vacancies; ++v) {
      p_[v] = std::max<int64_t>(0, simplex.potential(vac[v]) - source_pi);
    }
    const int64_t sink_pi = simplex.potential(sink);
    u_.assign(m_.num_candidates, 0);
    for (int32_t c = 0; c < m_.num_candidates; ++c) {
      if (node_of[c] >= 0) u_[c] = sink_pi - simplex.potential(cand[node_of[c]]);
    }
    return true;
  }

  // The first sparse network: each vacancy's best 3 arcs per position plus
  // 4, and each candidate's best 3. The vacancies' best alone left out most
  // candidates the optimum places (a well-scored candidate is among the
  // best of many vacancies): the pricing then added 1.8M of 2.5M arcs.
  static constexpr int64_t kFirstArcsPerPosition = 3;
  static constexpr int64_t kFirstArcsPerVacancy = 4;
  static constexpr size_t kFirstArcsPerCandidate = 3;

  const Model& m_;
  std::vector<bool> in_;
  std::vector<int32_t> held_;
  std::vector<int64_t> p_, u_;
};

// The Lagrangian dual at cell prices `lambda` (arc weights `weight` already net
// of the path prices) with vacancy prices `p` and the candidate prices they
// imply; an upper bound of the relaxed program for any p, lambda >= 0.
double DualValue(const Model& m, const std::vector<int64_t>& weight,
                 const std::vector<int64_t>& p, const std::vector<int64_t>& lambda) {
  std::vector<int64_t> u(m.num_candidates, 0);
  for (int32_t v = 0; v < m.num_vacancies; ++v) {
    for (int32_t k = m.start[v]; k < m.start[v + 1]; ++k) {
      int64_t& best = u[m.candidate[k]];
      best = std::max(best, weight[k] - p[v]);
    }
  }
  double value = 0;
  for (int64_t x : u) value += static_cast<double>(x);
  for (int32_t v = 0; v < m.num_vacancies; ++v) {
    value += static_cast<double>(m.positions[v]) * static_cast<double>(p[v]);
  }
  for (int32_t q = 0; q < m.num_cells; ++q) {
    value += static_cast<double>(m.cap[q]) * static_cast<double>(lambda[q]);
  }
  return value;
}

// A feasible assignment: per candidate the arc placed (-1: unplaced) and its
// route.
struct Primal {
  std::vector<int32_t> arc;
  std::vector<uint8_t> route;
  int64_t placements = 0;
  int64_t score = 0;
  bool BetterThan(const Primal& o) const {
    return placements != o.placements ? placements > o.placements : score > o.score;
  }
};

// Makes a relaxed assignment feasible and fills what room is left:
//   1. a placement whose path has a cell over its cap moves to its other
//      route when that path has room;
//   2. cells over their cap, deepest first, drop their lowest-scored
//      placements (ties: higher edge index) until within the cap;
//   3. greedy refill: arcs by score, descending, each placed when its
//      candidate is free, its vacancy has a position and its leaf path (else
//      its overflow path) has room;
//   4. (when asked: the placements are below their bound) augmenting
//      paths: an unplaced candidate takes an arc that a full vacancy or full
//      cells block, and one placement that frees all of them moves to
//      another (arc, route), itself displacing one more if need be, up to
//      kAugmentDepth moves. One more placement each, whatever the scores;
//      under a work budget;
//   5. swaps at full vacancies: an unplaced candidate's arc replaces the
//      vacancy's lowest-scored placement when it scores higher and its path
//      has room once that placement is gone.
class Repair {
 public:
  explicit Repair(const Model& m) : m_(m) {}

  Primal Run(const std::vector<int32_t>& held, const std::vector<uint8_t>& route, bool augment) {
    Primal x;
    x.arc = held;
    x.route.assign(m_.num_candidates, 0);
    use_.assign(m_.num_cells, 0);
    filled_.assign(m_.num_vacancies, 0);
    for (int32_t c = 0; c < m_.num_candidates; ++c) {
      if (x.arc[c] < 0) continue;
      x.route[c] = route[x.arc[c]];
      Add(x.arc[c], x.route[c], 1);
      ++filled_[m_.vacancy[x.arc[c]]];
    }
    Reroute(&x);
    Drop(&x);
    Refill(&x);
    if (augment) Augment(&x);
    Swap(&x);
    x.placements = 0;
    x.score = 0;
    for (int32_t c = 0; c < m_.num_candidates; ++c) {
      if (x.arc[c] < 0) continue;
      ++x.placements;
      x.score += m_.score[x.arc[c]];
    }
    return x;
  }

 private:
  int32_t Drawn(int32_t k, uint8_t r) const { return m_.drawn[r][k]; }

  void Add(int32_t k, uint8_t r, int64_t units) {
    for (int32_t q = Drawn(k, r); q >= 0; q = m_.parent[q]) use_[q] += units;
  }
  bool PathOver(int32_t cell) const {
    for (int32_t q = cell; q >= 0; q = m_.parent[q]) {
      if (use_[q] > m_.cap[q]) return true;
    }
    return false;
  }
  bool PathHasRoom(int32_t cell) const {
    if (cell == kNoRoute) return false;
    for (int32_t q = cell; q >= 0; q = m_.parent[q]) {
      if (use_[q] >= m_.cap[q]) return false;
    }
    return true;
  }
  // The route the ledger's order would take now, or -1.
  int RoomyRoute(int32_t k) const {
    if (PathHasRoom(Drawn(k, 0))) return 0;
    if (PathHasRoom(Drawn(k, 1))) return 1;
    return -1;
  }

  void Reroute(Primal* x) {
    for (int32_t c = 0; c < m_.num_candidates; ++c) {
      const int32_t k = x->arc[c];
      if (k < 0) continue;
      const uint8_t r = x->route[c];
      const uint8_t other = 1 - r;
      if (Drawn(k, other) == kNoRoute || !PathOver(Drawn(k, r))) continue;
      if (!PathHasRoom(Drawn(k, other))) continue;
      Add(k, r, -1);
      Add(k, other, 1);
      x->route[c] = other;
    }
  }

  void Drop(Primal* x) {
    // Placements by the top_down position of their drawn cell, so that a
    // cell's placements are those of a contiguous run of positions.
    std::vector<std::vector<int32_t>> at(m_.num_cells);
    for (int32_t c = 0; c < m_.num_candidates; ++c) {
      const int32_t k = x->arc[c];
      if (k >= 0 && Drawn(k, x->route[c]) >= 0) {
        at[m_.order_of[Drawn(k, x->route[c])]].push_back(c);
      }
    }
    std::vector<int32_t> through;
    for (int32_t i = m_.num_cells - 1; i >= 0; --i) {
      const int32_t q = m_.top_down[i];
      if (use_[q] <= m_.cap[q]) continue;
      through.clear();
      for (int32_t j = i; j < m_.subtree_end[i]; ++j) {
        for (int32_t c : at[j]) {
          if (x->arc[c] >= 0) through.push_back(c);
        }
      }
      const size_t excess = static_cast<size_t>(use_[q] - m_.cap[q]);
      std::partial_sort(through.begin(), through.begin() + excess, through.end(),
                        [&](int32_t a, int32_t b) {
                          const int32_t ka = x->arc[a], kb = x->arc[b];
                          if (m_.score[ka] != m_.score[kb]) return m_.score[ka] < m_.score[kb];
                          return m_.edge[ka] > m_.edge[kb];
                        });
      for (size_t n = 0; n < excess; ++n) Unplace(x, through[n]);
    }
  }

  void Unplace(Primal* x, int32_t c) {
    const int32_t k = x->arc[c];
    Add(k, x->route[c], -1);
    --filled_[m_.vacancy[k]];
    x->arc[c] = -1;
  }
  void Place(Primal* x, int32_t k, int r) {
    const int32_t c = m_.candidate[k];
    x->arc[c] = k;
    x->route[c] = static_cast<uint8_t>(r);
    Add(k, x->route[c], 1);
    ++filled_[m_.vacancy[k]];
  }

  void Refill(Primal* x) {
    for (int32_t k : m_.by_score) {
      if (x->arc[m_.candidate[k]] >= 0) continue;
      if (filled_[m_.vacancy[k]] >= m_.positions[m_.vacancy[k]]) continue;
      const int r = RoomyRoute(k);
      if (r >= 0) Place(x, k, r);
    }
  }

  // Step 4: a depth-first search from each unplaced candidate for an
  // augmenting path of at most kAugmentDepth moves; every move is applied
  // (and undone on failure), so caps are checked exactly. `at_` lists placed
  // candidates by the top_down position of their drawn cell (entries go stale
  // as placements move; each use re-checks).
  void Augment(Primal* x) {
    at_.assign(m_.num_cells, {});
    for (int32_t c = 0; c < m_.num_candidates; ++c) {
      if (x->arc[c] >= 0 && Drawn(x->arc[c], x->route[c]) >= 0) {
        at_[m_.order_of[Drawn(x->arc[c], x->route[c])]].push_back(c);
      }
    }
    seen_.assign(m_.num_candidates, 0);
    work_ = 20 * static_cast<int64_t>(m_.edge.size()) + 100000;
    for (int32_t c = 0; c < m_.num_candidates && work_ > 0; ++c) {
      if (x->arc[c] >= 0 || m_.candidate_start[c] == m_.candidate_start[c + 1]) continue;
      ++stamp_;
      seen_[c] = stamp_;
      TryPlace(x, c, kAugmentDepth, -1, 0);
    }
  }

  // Places candidate c on one of its (arc, route) pairs other than
  // (banned, banned_route), displacing at most `depth` placements along a
  // chain. True on success.
  bool TryPlace(Primal* x, int32_t c, int depth, int32_t banned, uint8_t banned_route) {
    auto allowed = [&](int32_t b, uint8_t r) {
      return Drawn(b, r) != kNoRoute && !(b == banned && r == banned_route);
    };
    for (int32_t i = m_.candidate_start[c]; i < m_.candidate_start[c + 1]; ++i) {
      const int32_t b = m_.candidate_arcs[i];
      --work_;
      if (filled_[m_.vacancy[b]] >= m_.positions[m_.vacancy[b]]) continue;
      for (uint8_t r = 0; r < 2; ++r) {
        if (allowed(b, r) && PathHasRoom(Drawn(b, r))) {
          PlaceTracked(x, b, r);
          return true;
        }
      }
    }
    if (depth == 0) return false;
    for (int32_t i = m_.candidate_start[c]; i < m_.candidate_start[c + 1]; ++i) {
      const int32_t b = m_.candidate_arcs[i];
      for (uint8_t r = 0; r < 2; ++r) {
        if (work_ <= 0) return false;
        if (allowed(b, r) && Displace(x, b, r, depth)) return true;
      }
    }
    return false;
  }

  // Places arc k by route r by moving one placement that blocks it (one that
  // frees its full vacancy and every full cell on its path) further along.
  bool Displace(Primal* x, int32_t k, uint8_t r, int depth) {
    const int32_t v = m_.vacancy[k];
    const bool vacancy_full = filled_[v] >= m_.positions[v];
    int32_t deepest = -1;  // the deepest full cell on the path
    for (int32_t q = Drawn(k, r); q >= 0 && deepest < 0; q = m_.parent[q]) {
      if (use_[q] >= m_.cap[q]) deepest = q;
    }
    // Who could make room: v's placements when v is full, else those drawn
    // from the deepest full cell's subtree; either way their path must hold
    // the deepest full cell (then every full cell above it too).
    std::vector<int32_t> movers;
    if (vacancy_full) {
      for (int32_t a = m_.start[v]; a < m_.start[v + 1]; ++a) {
        if (x->arc[m_.candidate[a]] == a) movers.push_back(m_.candidate[a]);
      }
      work_ -= m_.start[v + 1] - m_.start[v];
    } else if (deepest >= 0) {
      const int32_t i = m_.order_of[deepest];
      for (int32_t j = i; j < m_.subtree_end[i] && movers.size() < kMaxMovers; ++j) {
        for (int32_t h : at_[j]) {
          if (movers.size() >= kMaxMovers) break;
          if (x->arc[h] >= 0 && Drawn(x->arc[h], x->route[h]) == m_.top_down[j]) {
            movers.push_back(h);
          }
        }
      }
    }
    const int32_t c = m_.candidate[k];
    for (int32_t h : movers) {
      if (seen_[h] == stamp_) continue;
      const int32_t from = x->arc[h];
      const uint8_t from_route = x->route[h];
      if (deepest >= 0 && !OnPath(deepest, Drawn(from, from_route))) continue;
      seen_[h] = stamp_;
      work_ -= 4;
      Unplace(x, h);
      if (filled_[v] < m_.positions[v] && PathHasRoom(Drawn(k, r))) {
        PlaceTracked(x, k, r);
        if (TryPlace(x, h, depth - 1, from, from_route)) return true;
        Unplace(x, c);
      }
      Place(x, from, from_route);
    }
    return false;
  }

  void PlaceTracked(Primal* x, int32_t k, uint8_t r) {
    Place(x, k, r);
    if (!at_.empty() && Drawn(k, r) >= 0) at_[m_.order_of[Drawn(k, r)]].push_back(m_.candidate[k]);
  }

  // Whether `cell` is on the path drawn from `drawn`.
  bool OnPath(int32_t cell, int32_t drawn) const {
    if (drawn < 0) return false;
    const int32_t i = m_.order_of[cell];
    const int32_t j = m_.order_of[drawn];
    return i <= j && j < m_.subtree_end[i];
  }

  void Swap(Primal* x) {
    auto lower = [&](int32_t a, int32_t b) {
      const int32_t ka = x->arc[a], kb = x->arc[b];
      return m_.score[ka] != m_.score[kb] ? m_.score[ka] < m_.score[kb]
                                          : m_.edge[ka] > m_.edge[kb];
    };
    // Each vacancy's placed candidates, at [begin[v], begin[v + 1]).
    std::vector<int32_t> begin(m_.num_vacancies + 1, 0);
    for (int32_t c = 0; c < m_.num_candidates; ++c) {
      if (x->arc[c] >= 0) ++begin[m_.vacancy[x->arc[c]] + 1];
    }
    for (int32_t v = 0; v < m_.num_vacancies; ++v) begin[v + 1] += begin[v];
    std::vector<int32_t> holders(begin[m_.num_vacancies]);
    std::vector<int32_t> next(begin.begin(), begin.end() - 1);
    for (int32_t c = 0; c < m_.num_candidates; ++c) {
      if (x->arc[c] >= 0) holders[next[m_.vacancy[x->arc[c]]]++] = c;
    }
    // The position in `holders` of v's lowest placement, cached until v swaps.
    std::vector<int32_t> low(m_.num_vacancies, -2);
    auto lowest = [&](int32_t v) {
      if (low[v] != -2) return low[v];
      int32_t at = -1;
      for (int32_t i = begin[v]; i < begin[v + 1]; ++i) {
        if (at < 0 || lower(holders[i], holders[at])) at = i;
      }
      return low[v] = at;
    };
    for (int32_t k : m_.by_score) {
      const int32_t c = m_.candidate[k];
      const int32_t v = m_.vacancy[k];
      if (x->arc[c] >= 0 || filled_[v] < m_.positions[v]) continue;
      const int32_t at = lowest(v);
      if (at < 0) continue;
      const int32_t out = holders[at];
      if (m_.score[x->arc[out]] >= m_.score[k]) continue;
      const int32_t out_arc = x->arc[out];
      Unplace(x, out);
      const int r = RoomyRoute(k);
      if (r < 0) {
        Place(x, out_arc, x->route[out]);
        continue;
      }
      Place(x, k, r);
      holders[at] = c;
      low[v] = -2;
    }
  }

  static constexpr size_t kMaxMovers = 16;
  static constexpr int kAugmentDepth = 3;

  const Model& m_;
  std::vector<int64_t> use_;
  std::vector<int64_t> filled_;
  // Step 4's search state.
  std::vector<std::vector<int32_t>> at_;
  std::vector<uint32_t> seen_;
  uint32_t stamp_ = 0;
  int64_t work_ = 0;
};

// The price search: a proximal bundle method (Lemarechal; Kiwiel) for the
// dual, min L(y) over the box 0 <= y <= max_price, y the priced cells'
// prices (and mu in phase 2).
//
// Each evaluated point adds a *cut*: the value of the relaxed assignment
// found there, as a function of y. It is affine in y (the assignment is
// fixed; its weights move with the prices) and never above L, since the
// assignment stays feasible for the relaxation at every y; so the cuts are
// valid even though the auction is only epsilon-optimal. The next point
// minimises the model (the cuts' maximum) plus |y - center|^2 / (2 t):
// through its dual, max over cut weights alpha in the simplex of
//   sum_i alpha_i a_i + z.y + |y - center|^2 / (2 t),
//   z = sum_i alpha_i g_i, y = clamp(center - t z, 0, max_price),
// solved by Frank-Wolfe (its gradient in alpha_i is cut i's value at y).
// The center moves when the new point's dual value falls by at least a tenth
// of what the model predicted (a serious step); t doubles after a serious
// step that achieved most of its prediction and halves after three null
// steps in a row.
//
// Plain subgradient steps (Polyak's rule, with and without deflection) were
// tried first: on the national crossing round they left the bound 0.27 %
// above the LP after 60 steps, zigzagging between mu and the root cells.
class Bundle {
 public:
  Bundle(size_t n, double max_price) : n_(n), max_price_(max_price) {}

  // The point to evaluate next (integral prices).
  const std::vector<double>& next() const { return next_; }

  // Reports the evaluation at `point`: `upper` = the dual value there (a
  // bound), `lower` = the relaxed assignment's value there, `gradient` =
  // that value's gradient in y. `gap` (upper minus the best known primal
  // value) sets the first proximity weight. Then computes next().
  void Report(const std::vector<double>& point, double upper, double lower,
              const std::vector<double>& gradient, double gap) {
    Cut cut{lower, gradient, 0};
    for (size_t j = 0; j < n_; ++j) cut.a -= gradient[j] * point[j];
    const double norm = Dot(gradient, gradient);
    if (center_.empty()) {
      center_ = point;
      center_value_ = upper;
      t_ = std::max(gap, 1.0) / std::max(norm, 1.0);
    } else if (upper <= center_value_ - 0.1 * predicted_) {
      if (center_value_ - upper >= 0.5 * predicted_) t_ *= 2;
      center_ = point;
      center_value_ = upper;
      nulls_ = 0;
    } else if (++nulls_ >= 3) {
      t_ /= 2;
      nulls_ = 0;
    }
    cuts_.push_back(std::move(cut));
    Prune();
    SolveModel();
  }

 private:
  static constexpr size_t kMaxCuts = 48;
  static constexpr int kMaxFrankWolfe = 200;

  struct Cut {
    double a;               // intercept: value = a + g.y
    std::vector<double> g;
    double alpha;           // weight in the last model solve
  };

  static double Dot(const std::vector<double>& x, const std::vector<double>& y) {
    double sum = 0;
    for (size_t j = 0; j < x.size(); ++j) sum += x[j] * y[j];
    return sum;
  }

  // Drops the oldest cuts the last model did not use, then the oldest.
  void Prune() {
    while (cuts_.size() > kMaxCuts) {
      auto unused = std::find_if(cuts_.begin(), cuts_.end() - 1,
                                 [](const Cut& c) { return c.alpha <= 0; });
      cuts_.erase(unused != cuts_.end() - 1 ? unused : cuts_.begin());
    }
  }

  std::vector<double> Clamped(const std::vector<double>& z) const {
    std::vector<double> y(n_);
    for (size_t j = 0; j < n_; ++j) y[j] = std::clamp(center_[j] - t_ * z[j], 0.0, max_price_);
    return y;
  }

  // The dual objective at (A = sum alpha_i a_i, z = sum alpha_i g_i).
  double Objective(double a, const std::vector<double>& z) const {
    const std::vector<double> y = Clamped(z);
    double value = a + Dot(z, y);
    for (size_t j = 0; j < n_; ++j) value += (y[j] - center_[j]) * (y[j] - center_[j]) / (2 * t_);
    return value;
  }

  void SolveModel() {
    double total = 0;
    for (const Cut& c : cuts_) total += c.alpha;
    if (total <= 0) {
      for (Cut& c : cuts_) c.alpha = 0;
      cuts_.back().alpha = 1;
      total = 1;
    }
    std::vector<double> z(n_, 0);
    double a = 0;
    for (Cut& c : cuts_) {
      c.alpha /= total;
      a += c.alpha * c.a;
      for (size_t j = 0; j < n_; ++j) z[j] += c.alpha * c.g[j];
    }
    std::vector<double> y = Clamped(z);
    const double scale = std::max(1.0, std::abs(center_value_));
    for (int it = 0; it < kMaxFrankWolfe; ++it) {
      size_t top = 0;
      double top_value = -std::numeric_limits<double>::infinity();
      for (size_t i = 0; i < cuts_.size(); ++i) {
        const double value = cuts_[i].a + Dot(cuts_[i].g, y);
        if (value > top_value) {
          top_value = value;
          top = i;
        }
      }
      if (top_value - (a + Dot(z, y)) <= 1e-9 * scale) break;  // Frank-Wolfe gap
      // Exact line search: the objective is concave along the segment.
      const Cut& to = cuts_[top];
      auto at = [&](double gamma, std::vector<double>* zg) {
        for (size_t j = 0; j < n_; ++j) (*zg)[j] = (1 - gamma) * z[j] + gamma * to.g[j];
        return Objective((1 - gamma) * a + gamma * to.a, *zg);
      };
      std::vector<double> zg(n_);
      double lo = 0, hi = 1;
      for (int step = 0; step < 24; ++step) {
        const double m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3;
        if (at(m1, &zg) < at(m2, &zg)) {
          lo = m1;
        } else {
          hi = m2;
        }
      }
      const double gamma = (lo + hi) / 2;
      if (gamma <= 0) break;
      for (Cut& c : cuts_) c.alpha *= 1 - gamma;
      cuts_[top].alpha += gamma;
      a = (1 - gamma) * a + gamma * to.a;
      for (size_t j = 0; j < n_; ++j) z[j] = (1 - gamma) * z[j] + gamma * to.g[j];
      y = Clamped(z);
    }
    for (double& x : y) x = std::round(x);
    double model = -std::numeric_limits<double>::infinity();
    for (const Cut& c : cuts_) model = std::max(model, c.a + Dot(c.g, y));
    predicted_ = std::max(0.0, center_value_ - model);
    next_ = std::move(y);
  }

  const size_t n_;
  const double max_price_;
  std::vector<Cut> cuts_;
  std::vector<double> center_;
  double center_value_ = 0;
  double t_ = 1;
  double predicted_ = 0;
  int nulls_ = 0;
  std::vector<double> next_;
};

class Solver {
 public:
  Solver(const Instance& instance, const LagrangianLimits& limits)
      : instance_(instance),
        limits_(limits),
        start_(Clock::now()),
        m_(BuildModel(instance)),
        auction_(m_),
        exact_(m_),
        repair_(m_) {}

  absl::StatusOr<Result> Run() {
    best_.arc.assign(m_.num_candidates, -1);
    best_.route.assign(m_.num_candidates, 0);
    if (m_.edge.empty()) return Finalise(0, 0);
    PlacementsPhase();
    ScorePhase();
    Collect();
    return Finalise(placements_bound_, ScoreBound());
  }

 private:
  double Elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  // Typical runs visit about 10 arcs per arc; a price war (many positions
  // wanting the same few candidates at nearly equal values) is cut short.
  int64_t ScanBudget() const { return 40 * static_cast<int64_t>(m_.edge.size()) + (1 << 20); }

  // Offers the repair running in the background, if any.
  void Collect() {
    if (pending_.valid()) Offer(pending_.get());
  }

  void Offer(Primal x) {
    if (x.BetterThan(best_)) best_ = std::move(x);
  }

  // The priced cells, in index order: the coordinates of y (then mu).
  std::vector<int32_t> PricedCells() const {
    std::vector<int32_t> cells;
    for (int32_t q = 0; q < m_.num_cells; ++q) {
      if (m_.priced[q]) cells.push_back(q);
    }
    return cells;
  }

  // What the relaxation maximises in a phase: each arc is worth
  // `per_placement` (+ its score in phase 2) minus its path's prices; phase 1's
  // auction also sees `tie`; phase 2 prices the row sum x >= target, with
  // per_placement = mu.
  struct Phase {
    int64_t per_placement = 0;
    bool with_score = false;
    // The relaxation's solver: the auction at `epsilon` (phase 2: at
    // `coarse_epsilon` once the first has run out of scans), or the network
    // simplex (ExactRelaxation).
    int64_t epsilon = kEpsilon;
    int64_t coarse_epsilon = kEpsilon;
    bool exact = false;
    const std::vector<int64_t>* tie = nullptr;
    int64_t target = 0;
    bool price_target = false;
  };

  // One point of the price search: the relaxed assignment there, the dual
  // value (a bound), the relaxed assignment's value and its gradient (a cut),
  // and the assignment's repair, offered as a primal.
  struct Evaluation {
    double upper = 0;
    double lower = 0;
    std::vector<double> gradient;  // per priced cell, then d/dmu in phase 2
  };

  Evaluation Evaluate(const std::vector<int64_t>& lambda, Phase* phase) {
    PriceArcs(m_, lambda, &costs_);
    const size_t num_arcs = m_.edge.size();
    plain_.resize(num_arcs);
    for (size_t k = 0; k < num_arcs; ++k) {
      plain_[k] = phase->per_placement + (phase->with_score ? m_.score[k] : 0) - costs_.cost[k];
    }
    const std::vector<int64_t>* weight = &plain_;
    if (phase->tie != nullptr) {
      tied_.resize(num_arcs);
      for (size_t k = 0; k < num_arcs; ++k) tied_[k] = plain_[k] + (*phase->tie)[k];
      weight = &tied_;
    }
    Evaluation e;
    std::vector<int64_t> p;
    const std::vector<int32_t>* held = nullptr;
    // Phase 2's auction that runs out of scans (a price war) is run again at
    // the coarse epsilon, then gives way to the network simplex, for this
    // point and the next ones.
    bool solved = false;
    if (!phase->exact) {
      solved = auction_.Run(*weight, ScanBudget(), phase->epsilon);
      if (!solved && phase->with_score && phase->epsilon < phase->coarse_epsilon) {
        phase->epsilon = phase->coarse_epsilon;
        solved = auction_.Run(*weight, ScanBudget(), phase->epsilon);
      }
      if (!solved && phase->with_score) phase->exact = true;
    }
    // The network simplex cannot fail here (feasible, bounded); were it to,
    // the auction's last matching answers instead.
    if (phase->exact && exact_.Run(*weight, kExactSolvesPerPoint)) {
      p = exact_.vacancy_prices();
      held = &exact_.held();
    } else {
      if (phase->exact) auction_.Run(*weight, ScanBudget(), phase->epsilon);
      p = auction_.VacancyPrices(*weight);
      held = &auction_.held();
    }
    const double shift = phase->price_target ? static_cast<double>(phase->per_placement) *
                                                  static_cast<double>(phase->target)
                                            : 0;
    e.upper = DualValue(m_, plain_, p, lambda) - shift;
    // The relaxed assignment's value and use of each cell.
    std::vector<int64_t> use(m_.num_cells, 0);
    int64_t placements = 0;
    e.lower = -shift;
    for (int32_t k : *held) {
      if (k < 0) continue;
      ++placements;
      e.lower += static_cast<double>(plain_[k]);
      for (int32_t q = m_.drawn[costs_.route[k]][k]; q >= 0; q = m_.parent[q]) ++use[q];
    }
    for (int32_t q = 0; q < m_.num_cells; ++q) {
      e.lower += static_cast<double>(m_.cap[q]) * static_cast<double>(lambda[q]);
      if (m_.priced[q]) e.gradient.push_back(static_cast<double>(m_.cap[q] - use[q]));
    }
    if (phase->price_target) e.gradient.push_back(static_cast<double>(placements - phase->target));
    const bool augment = best_.placements < placements_bound_;
    if (phase->with_score) {
      // Phase 2 repairs on the other core while the next point is solved:
      // its points never wait for a repair (about 0.1 s each on the
      // benchmark's crossing round, a third of a point).
      Collect();
      pending_ = std::async(std::launch::async,
                            [this, held = *held, route = costs_.route, augment] {
                              return repair_.Run(held, route, augment);
                            });
    } else {
      Offer(repair_.Run(*held, costs_.route, augment));
    }
    return e;
  }

  // Phase 1: the most placements, each worth W. Stops when the bound is met,
  // or at its share of the iterations or time.
  void PlacementsPhase() {
    const int64_t tie_scale =
        std::max<int64_t>(1, kPlacementWeight / (2 * std::max<int64_t>(1, m_.max_placements)));
    const int64_t max_price = kPlacementWeight + tie_scale;
    // The tie-break: score scaled to [0, tie_scale]; placements x tie_scale
    // < W / 2, so no relaxed matching gives up a placement for it.
    std::vector<int64_t> tie(m_.edge.size());
    for (size_t k = 0; k < tie.size(); ++k) {
      tie[k] = static_cast<int64_t>(static_cast<double>(m_.score[k]) *
                                    static_cast<double>(tie_scale) /
                                    static_cast<double>(std::max<int64_t>(1, m_.max_score)));
    }
    const std::vector<int32_t> priced = PricedCells();
    std::vector<int64_t> lambda(m_.num_cells, 0);
    std::vector<double> y(priced.size(), 0);
    Bundle bundle(priced.size(), static_cast<double>(max_price));
    placements_bound_ = m_.max_placements;
    const double w = static_cast<double>(kPlacementWeight);
    Phase phase;
    phase.per_placement = kPlacementWeight;
    phase.tie = &tie;
    for (int it = 0; it < limits_.max_iterations / 3 + 1; ++it) {
      if (it > 0 && Elapsed() > limits_.time_limit_seconds / 3) break;
      const Evaluation e = Evaluate(lambda, &phase);
      placements_bound_ = std::min<int64_t>(placements_bound_,
                                            static_cast<int64_t>(std::floor(e.upper / w + 1e-6)));
      if (best_.placements >= placements_bound_) break;
      bundle.Report(y, e.upper, e.lower, e.gradient,
                    e.upper - w * static_cast<double>(best_.placements));
      if (it == 0) {
        CutPrices(max_price, &lambda);
        for (size_t j = 0; j < priced.size(); ++j) y[j] = static_cast<double>(lambda[priced[j]]);
        continue;
      }
      y = bundle.next();
      for (size_t j = 0; j < priced.size(); ++j) lambda[priced[j]] = std::llround(y[j]);
    }
  }

  // Phase 1's second prices: `price` on the topmost cells the best assignment
  // fills to their cap, 0 elsewhere. Arcs through them are then worth nothing,
  // so the dual is the caps of those cells plus the most placements avoiding
  // them: a cut, and often exactly the assignment's placements (when the caps
  // bind, every placement is stopped by some full cell).
  void CutPrices(int64_t price, std::vector<int64_t>* lambda) const {
    std::vector<int64_t> use(m_.num_cells, 0);
    for (int32_t c = 0; c < m_.num_candidates; ++c) {
      const int32_t k = best_.arc[c];
      if (k < 0) continue;
      for (int32_t q = m_.drawn[best_.route[c]][k]; q >= 0; q = m_.parent[q]) ++use[q];
    }
    std::vector<bool> under_full(m_.num_cells, false);  // an ancestor (or itself) is full
    for (int32_t q : m_.top_down) {
      const bool above = m_.parent[q] >= 0 && under_full[m_.parent[q]];
      const bool full = m_.priced[q] && use[q] >= m_.cap[q];
      (*lambda)[q] = full && !above ? price : 0;
      under_full[q] = above || full;
    }
  }

  // Phase 2: the highest score with at least K = best_.placements placements.
  //
  // Its first points use the auction (about 0.15 s a point on the
  // benchmark's crossing round, at the coarse epsilon there); then, once the
  // auction's slack is half of what separates the bound from the best
  // assignment (or at half the iterations, or half the time), the network
  // simplex (ExactRelaxation, about 0.3 s a point). The cuts of both stay in
  // one model: each is the value of an assignment feasible for the
  // relaxation. Each point's repair runs on the other core during the next
  // point.
  void ScorePhase() {
    const int64_t target = best_.placements;
    const std::vector<int32_t> priced = PricedCells();
    std::vector<int64_t> lambda(m_.num_cells, 0);
    int64_t mu = 0;
    std::vector<double> y(priced.size() + 1, 0);  // then mu
    Bundle bundle(y.size(), static_cast<double>(2 * m_.max_score + 1));
    Phase phase;
    phase.with_score = true;
    phase.target = target;
    phase.price_target = true;
    phase.coarse_epsilon = std::max<int64_t>(1, m_.max_score / kCoarseEpsilonPerMaxScore);
    for (int it = 0; it < limits_.max_iterations; ++it) {
      if (it > 0 && Elapsed() > limits_.time_limit_seconds) break;
      if (2 * it >= limits_.max_iterations || Elapsed() > limits_.time_limit_seconds / 2) {
        phase.exact = true;
      }
      phase.per_placement = mu;
      const Evaluation e = Evaluate(lambda, &phase);
      duals_.push_back({e.upper + static_cast<double>(mu) * static_cast<double>(target), mu});
      const double bound = ScoreBound();
      if (Converged()) return;
      if (e.upper - e.lower >= 0.5 * (bound - static_cast<double>(best_.score))) {
        phase.exact = true;
      }
      bundle.Report(y, e.upper, e.lower, e.gradient,
                    e.upper - static_cast<double>(best_.score));
      y = bundle.next();
      for (size_t j = 0; j < priced.size(); ++j) lambda[priced[j]] = std::llround(y[j]);
      mu = std::llround(y.back());
    }
  }

  bool Converged() const {
    const double bound = ScoreBound();
    return best_.placements >= placements_bound_ &&
           bound - static_cast<double>(best_.score) <= limits_.tolerance * bound;
  }




  // The best score bound for assignments with at least best_.placements
  // placements: min over the duals of dual - mu * placements.
  double ScoreBound() const {
    double bound = std::numeric_limits<double>::infinity();
    for (const auto& [dual, mu] : duals_) {
      bound = std::min(bound, dual - static_cast<double>(mu) * static_cast<double>(best_.placements));
    }
    return bound;
  }

  absl::StatusOr<Result> Finalise(int64_t placements_bound, double score_bound) {
    Result result;
    result.method = Method::kLagrangian;
    for (int32_t c = 0; c < m_.num_candidates; ++c) {
      const int32_t k = best_.arc[c];
      if (k < 0) continue;
      result.assignments.push_back(
          {m_.edge[k], best_.route[c] == 0 ? Route::kLeaf : Route::kOverflow});
    }
    Finish(instance_, &result);
    if (absl::Status s = CheckAssignments(instance_, result.assignments); !s.ok()) {
      return absl::InternalError(
          absl::StrCat("the Lagrangian repair returned an infeasible assignment: ", s.message()));
    }
    result.placements_bound = static_cast<double>(std::max(placements_bound, result.placements));
    result.score_bound_micros =
        std::max(score_bound, static_cast<double>(result.total_score_micros));
    result.optimal = result.placements == placements_bound &&
                     score_bound < static_cast<double>(result.total_score_micros) + 1;
    return result;
  }

  const Instance& instance_;
  const LagrangianLimits limits_;
  const Clock::time_point start_;
  const Model m_;
  Auction auction_;
  ExactRelaxation exact_;
  Repair repair_;
  std::future<Primal> pending_;  // phase 2's repair of the last point
  Primal best_;
  int64_t placements_bound_ = 0;
  ArcCosts costs_;
  std::vector<int64_t> plain_, tied_;  // arc weights, without and with the tie-break
  std::vector<std::pair<double, int64_t>> duals_;  // phase 2: (dual, mu)
};

}  // namespace

absl::StatusOr<Result> SolveWelfareByLagrangian(const Instance& instance,
                                                const LagrangianLimits& limits) {
  return Solver(instance, limits).Run();
}

}  // namespace corridor::matcher::allocation::internal
