// Maximum welfare on nested instances as a min-cost flow (docs/allocation.md
// gives the networks and why they are exact).
//
// Two phases instead of one cost of -(BIG + score): LEMON's Preflow finds the
// most placements K, then NetworkSimplex sends exactly K units to t at the
// least cost, with cost (max score + 1 - score) in micro-units per placement.
// Any flow of value K that minimises the cost is a lexicographic optimum, and
// costs stay at most about 1e12 per arc (no BIG of about placements * max
// score, whose potentials could overflow int64 on large rounds).
//
// Both phases run on a *sparse* network (FirstNetwork: each vacancy's best
// edges and their candidates' best few, plus a first-fit start; candidates
// named by none stay out whole) and grow it only where a certificate on the
// whole edge set fails (docs/allocation.md, "Sparse networks"):
//   - phase 1: a minimum cut of the sparse network is a minimum cut of the
//     whole one when no left-out edge crosses it from the source side (a
//     left-out candidate counts as on the source side); else the crossing
//     edges join and the phase runs again;
//   - phase 2: the optimal potentials of the sparse problem are optimal for
//     the whole one when no left-out edge has a negative reduced cost (LP
//     duality: the left-out columns price out); else those edges join, by a
//     new solve while they bring new candidates, then by repairing the
//     residual network (Residual) for the last few hundred.
// On the benchmark's national round: phase 1 certifies at once; phase 2
// solves twice (the second time with about a tenth more candidates and a
// fifth more edges), then repairs about 150 edges, then a few dozen.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lemon/network_simplex.h"
#include "lemon/preflow.h"
#include "lemon/smart_graph.h"
#include "matcher/allocation/internal.h"

// g++ 12 reports LEMON's SmartDigraph::addNode (a push_back of a struct whose
// fields are set right after) as maybe-uninitialized once it is inlined here;
// a false positive in a system header that -isystem cannot silence.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace corridor::matcher::allocation::internal {
namespace {

using Graph = lemon::SmartDigraph;
using Node = Graph::Node;
using Arc = Graph::Arc;
using Simplex = lemon::NetworkSimplex<Graph, int64_t, int64_t>;

// The first sparse network (FirstNetwork). Tried on the benchmark's 100k
// round (bench/allocation_bench.cc), before Residual: every candidate's best
// 2-12 edges (all candidates in: 4.6-7.4 s), each vacancy's best 2-5 per
// position alone or with 1-25 of its candidates' edges (3.4-5.5 s); these
// were the fastest. Every choice needed 3-4 phase-2 solves.
constexpr int64_t kFirstEdgesPerPosition = 3;
constexpr int32_t kFirstEdgesPerCandidate = 8;

// What the network's shape depends on, computed once from all edges.
struct Shape {
  bool by_vacancy = true;
  // The leaf every edge of each owner (vacancy when by_vacancy, else
  // candidate) names; -1 when uncapped or when the owner has no edge.
  std::vector<int32_t> leaf;
  std::vector<bool> vacancy_has_edge;
  // Placement arc cost = top_gain + 1 - score micros (>= 1).
  int64_t top_gain = 0;
  std::vector<int64_t> gain;  // per edge
};

Shape MakeShape(const Instance& instance, Nesting nesting) {
  Shape shape;
  shape.by_vacancy = nesting == Nesting::kVacancy;
  shape.leaf.assign(
      shape.by_vacancy ? instance.vacancies.size() : instance.candidates.size(), -1);
  shape.vacancy_has_edge.assign(instance.vacancies.size(), false);
  shape.gain.resize(instance.edges.size());
  for (size_t i = 0; i < instance.edges.size(); ++i) {
    const Edge& e = instance.edges[i];
    shape.leaf[shape.by_vacancy ? e.vacancy : e.candidate] = e.leaf;
    shape.vacancy_has_edge[e.vacancy] = true;
    shape.gain[i] = ScoreMicros(e.score);
    shape.top_gain = std::max(shape.top_gain, shape.gain[i]);
  }
  return shape;
}

// The network of docs/allocation.md with one placement arc per edge in
// `edges` (the rest of the network does not depend on which edges are in).
// Every placement is an s-t path of
//   candidate_arc[c], the placement arc, vacancy_arc[v],
//   route_arc[owner][route] (when the owner's leaf names an overflow cell),
//   cell_arc[q] for each cell q of the drawn path.
struct Network {
  Network(const Instance& instance, const Shape& shape, std::vector<int32_t> edges);

  // The arcs one placement (edge, route) uses.
  template <typename F>
  void ForEachArcOf(int32_t edge_index, Route route, F&& f) const;

  const Instance& instance;
  const Shape& shape;
  std::vector<int32_t> edges;  // ascending; edge_arc is parallel to it
  Graph g;
  Graph::ArcMap<int64_t> cap;
  Node s, t;
  std::vector<Node> cell, cand, vac;
  std::vector<Arc> edge_arc, candidate_arc, vacancy_arc, cell_arc;
  std::vector<Arc> route_arc[2];  // per owner, by Route; INVALID when none
};

Network::Network(const Instance& in, const Shape& sh, std::vector<int32_t> subset)
    : instance(in), shape(sh), edges(std::move(subset)), cap(g) {
  const int num_candidates = static_cast<int>(in.candidates.size());
  const int num_vacancies = static_cast<int>(in.vacancies.size());
  const int num_cells = static_cast<int>(in.cells.size());
  // No cap above the number of candidates can bind.
  const int64_t infinity = static_cast<int64_t>(num_candidates) + 1;
  const auto add_arc = [&](Node from, Node to, int64_t capacity) {
    const Arc a = g.addArc(from, to);
    cap[a] = std::clamp<int64_t>(capacity, 0, infinity);
    return a;
  };
  g.reserveNode(2 + num_cells + 2 * num_candidates + 2 * num_vacancies);
  g.reserveArc(static_cast<int>(edges.size()) + 3 * num_candidates + 3 * num_vacancies +
               num_cells);
  s = g.addNode();
  t = g.addNode();
  cell.resize(num_cells);
  for (Node& n : cell) n = g.addNode();
  // Only candidates with an edge in the network get a node; the others are
  // priced as a whole (BestScore) or taken to the source side (MostPlacements).
  std::vector<bool> candidate_in(num_candidates, false);
  for (int32_t e : edges) candidate_in[in.edges[e].candidate] = true;
  cand.assign(num_candidates, lemon::INVALID);
  for (int c = 0; c < num_candidates; ++c) {
    if (candidate_in[c]) cand[c] = g.addNode();
  }
  vac.resize(num_vacancies);
  for (Node& n : vac) n = g.addNode();
  edge_arc.reserve(edges.size());
  for (int32_t e : edges) {
    const Edge& edge = in.edges[e];
    edge_arc.push_back(add_arc(cand[edge.candidate], vac[edge.vacancy], 1));
  }
  candidate_arc.assign(num_candidates, lemon::INVALID);
  vacancy_arc.assign(num_vacancies, lemon::INVALID);
  cell_arc.assign(num_cells, lemon::INVALID);
  route_arc[0].assign(sh.leaf.size(), lemon::INVALID);
  route_arc[1].assign(sh.leaf.size(), lemon::INVALID);

  if (sh.by_vacancy) {
    // s -> candidate (1) -> vacancy -> [positions] -> leaf or overflow cell
    //   -> parent cell -> ... -> root -> t, each cell arc capped by its cap.
    for (int c = 0; c < num_candidates; ++c) {
      if (candidate_in[c]) candidate_arc[c] = add_arc(s, cand[c], 1);
    }
    for (int v = 0; v < num_vacancies; ++v) {
      if (!sh.vacancy_has_edge[v]) continue;
      const int64_t positions = in.vacancies[v].positions;
      const int32_t leaf = sh.leaf[v];
      if (leaf < 0) {
        vacancy_arc[v] = add_arc(vac[v], t, positions);
      } else if (in.cells[leaf].overflow < 0) {
        vacancy_arc[v] = add_arc(vac[v], cell[leaf], positions);
      } else {
        const Node out = g.addNode();
        vacancy_arc[v] = add_arc(vac[v], out, positions);
        route_arc[0][v] = add_arc(out, cell[leaf], infinity);
        route_arc[1][v] = add_arc(out, cell[in.cells[leaf].overflow], infinity);
      }
    }
    for (int q = 0; q < num_cells; ++q) {
      const int32_t parent = in.cells[q].parent;
      cell_arc[q] = add_arc(cell[q], parent >= 0 ? cell[parent] : t, in.cells[q].cap_remaining);
    }
  } else {
    // s -> root -> ... -> leaf or overflow cell -> candidate (1) -> vacancy
    //   -> [positions] -> t, each cell arc capped by its cap.
    for (int q = 0; q < num_cells; ++q) {
      const int32_t parent = in.cells[q].parent;
      cell_arc[q] = add_arc(parent >= 0 ? cell[parent] : s, cell[q], in.cells[q].cap_remaining);
    }
    for (int c = 0; c < num_candidates; ++c) {
      if (!candidate_in[c]) continue;
      const int32_t leaf = sh.leaf[c];
      if (leaf < 0) {
        candidate_arc[c] = add_arc(s, cand[c], 1);
      } else if (in.cells[leaf].overflow < 0) {
        candidate_arc[c] = add_arc(cell[leaf], cand[c], 1);
      } else {
        const Node into = g.addNode();
        route_arc[0][c] = add_arc(cell[leaf], into, 1);
        route_arc[1][c] = add_arc(cell[in.cells[leaf].overflow], into, 1);
        candidate_arc[c] = add_arc(into, cand[c], 1);
      }
    }
    for (int v = 0; v < num_vacancies; ++v) {
      if (sh.vacancy_has_edge[v]) vacancy_arc[v] = add_arc(vac[v], t, in.vacancies[v].positions);
    }
  }
}

template <typename F>
void Network::ForEachArcOf(int32_t edge_index, Route route, F&& f) const {
  const Edge& edge = instance.edges[edge_index];
  f(candidate_arc[edge.candidate]);
  f(edge_arc[std::lower_bound(edges.begin(), edges.end(), edge_index) - edges.begin()]);
  f(vacancy_arc[edge.vacancy]);
  const int owner = shape.by_vacancy ? edge.vacancy : edge.candidate;
  const Arc routed = route_arc[static_cast<int>(route)][owner];
  if (routed != lemon::INVALID) f(routed);
  for (int32_t q = DrawnCell(instance, edge, route); q != -1; q = instance.cells[q].parent) {
    f(cell_arc[q]);
  }
}

// Each candidate's edges, best score first (then lower index).
struct EdgesByCandidate {
  std::vector<int32_t> start;  // candidate c's edges are order[start[c]..start[c+1])
  std::vector<int32_t> order;
};

EdgesByCandidate SortByCandidate(const Instance& instance, const Shape& shape) {
  EdgesByCandidate by;
  const size_t num_candidates = instance.candidates.size();
  by.start.assign(num_candidates + 1, 0);
  for (const Edge& e : instance.edges) ++by.start[e.candidate + 1];
  for (size_t c = 0; c < num_candidates; ++c) by.start[c + 1] += by.start[c];
  by.order.resize(instance.edges.size());
  std::vector<int32_t> next(by.start.begin(), by.start.end() - 1);
  for (size_t i = 0; i < instance.edges.size(); ++i) {
    by.order[next[instance.edges[i].candidate]++] = static_cast<int32_t>(i);
  }
  for (size_t c = 0; c < num_candidates; ++c) {
    std::sort(by.order.begin() + by.start[c], by.order.begin() + by.start[c + 1],
              [&](int32_t a, int32_t b) {
                return shape.gain[a] != shape.gain[b] ? shape.gain[a] > shape.gain[b] : a < b;
              });
  }
  return by;
}

// A feasible start for phase 1: candidates in index order, each on its best
// edge whose vacancy has a position and whose leaf path (else overflow path)
// has room. Only its feasibility matters, not its order.
std::vector<Assignment> FirstFit(const Instance& instance, const EdgesByCandidate& by) {
  std::vector<int64_t> use(instance.cells.size(), 0);
  std::vector<int64_t> filled(instance.vacancies.size(), 0);
  const auto has_room = [&](int32_t cell) {
    for (int32_t q = cell; q != -1; q = instance.cells[q].parent) {
      if (use[q] >= instance.cells[q].cap_remaining) return false;
    }
    return true;
  };
  std::vector<Assignment> start;
  for (size_t c = 0; c + 1 < by.start.size(); ++c) {
    for (int32_t k = by.start[c]; k < by.start[c + 1]; ++k) {
      const int32_t e = by.order[k];
      const Edge& edge = instance.edges[e];
      if (filled[edge.vacancy] >= instance.vacancies[edge.vacancy].positions) continue;
      Route route = Route::kLeaf;
      if (edge.leaf >= 0 && !has_room(edge.leaf)) {
        const int32_t overflow = instance.cells[edge.leaf].overflow;
        if (overflow < 0 || !has_room(overflow)) continue;
        route = Route::kOverflow;
      }
      for (int32_t q = DrawnCell(instance, edge, route); q != -1; q = instance.cells[q].parent) {
        ++use[q];
      }
      ++filled[edge.vacancy];
      start.push_back({e, route});
      break;
    }
  }
  return start;
}

// The edges in `in_network`, ascending.
std::vector<int32_t> Members(const std::vector<bool>& in_network) {
  std::vector<int32_t> edges;
  for (size_t i = 0; i < in_network.size(); ++i) {
    if (in_network[i]) edges.push_back(static_cast<int32_t>(i));
  }
  return edges;
}

// The first sparse network: each vacancy's best edges (kFirstEdgesPerPosition
// per position, plus one), then the best kFirstEdgesPerCandidate edges of
// every candidate those name, and the start's edges. Candidates named by no
// vacancy's best edges stay out whole: on the benchmark's round that leaves
// a third of them out, and a network simplex solve costs about in proportion
// to the nodes, not the arcs.
std::vector<bool> FirstNetwork(const Instance& instance, const Shape& shape,
                               const EdgesByCandidate& by, const std::vector<Assignment>& start) {
  std::vector<bool> in_network(instance.edges.size(), false);
  std::vector<std::vector<int32_t>> by_vacancy(instance.vacancies.size());
  for (size_t i = 0; i < instance.edges.size(); ++i) {
    by_vacancy[instance.edges[i].vacancy].push_back(static_cast<int32_t>(i));
  }
  const auto better = [&](int32_t a, int32_t b) {
    return shape.gain[a] != shape.gain[b] ? shape.gain[a] > shape.gain[b] : a < b;
  };
  std::vector<bool> named(instance.candidates.size(), false);
  for (size_t v = 0; v < by_vacancy.size(); ++v) {
    std::vector<int32_t>& list = by_vacancy[v];
    const size_t keep = static_cast<size_t>(std::min<int64_t>(
        static_cast<int64_t>(list.size()),
        kFirstEdgesPerPosition * instance.vacancies[v].positions + 1));
    std::partial_sort(list.begin(), list.begin() + keep, list.end(), better);
    for (size_t j = 0; j < keep; ++j) named[instance.edges[list[j]].candidate] = true;
  }
  for (const Assignment& a : start) named[instance.edges[a.edge].candidate] = true;
  for (size_t c = 0; c < named.size(); ++c) {
    if (!named[c]) continue;
    const int32_t end = std::min(by.start[c + 1], by.start[c] + kFirstEdgesPerCandidate);
    for (int32_t k = by.start[c]; k < end; ++k) in_network[by.order[k]] = true;
  }
  for (size_t v = 0; v < by_vacancy.size(); ++v) {
    const std::vector<int32_t>& list = by_vacancy[v];
    const size_t keep = static_cast<size_t>(std::min<int64_t>(
        static_cast<int64_t>(list.size()),
        kFirstEdgesPerPosition * instance.vacancies[v].positions + 1));
    for (size_t j = 0; j < keep; ++j) in_network[list[j]] = true;
  }
  for (const Assignment& a : start) in_network[a.edge] = true;
  return in_network;
}

// Phase 1: the most placements K over all edges. Grows `in_network` until a
// minimum cut of the sparse network is certified for the whole one; then
// the sparse network carries K units too.
int64_t MostPlacements(const Instance& instance, const Shape& shape,
                       const std::vector<Assignment>& start, std::vector<bool>* in_network) {
  while (true) {
    const Network net(instance, shape, Members(*in_network));
    Graph::ArcMap<int64_t> flow(net.g, 0);
    for (const Assignment& a : start) {
      net.ForEachArcOf(a.edge, a.route, [&](Arc arc) { ++flow[arc]; });
    }
    lemon::Preflow<Graph, Graph::ArcMap<int64_t>> preflow(net.g, net.cap, net.s, net.t);
    preflow.init(flow);  // a feasible flow, so it is accepted
    preflow.startFirstPhase();
    // A left-out edge from the source side to the sink side would add its
    // capacity to the cut; every other left-out edge leaves the cut's value,
    // the flow value, unchanged, so the cut stays minimum.
    bool grew = false;
    for (size_t i = 0; i < instance.edges.size(); ++i) {
      if ((*in_network)[i]) continue;
      const Edge& e = instance.edges[i];
      const Node c = net.cand[e.candidate];
      if ((c == lemon::INVALID || preflow.minCut(c)) && !preflow.minCut(net.vac[e.vacancy])) {
        (*in_network)[i] = true;
        grew = true;
      }
    }
    if (!grew) return preflow.flowValue();
  }
}

// Phase 2's answer: the flow on each placement arc of the final network and
// on each owner's overflow route arc.
struct Phase2 {
  std::vector<int32_t> edges;          // ascending
  std::vector<int64_t> edge_flow;      // parallel to edges
  std::vector<int64_t> overflow_flow;  // per owner (Shape::leaf), 0 without one
  int64_t total_cost = 0;              // of the placement arcs
};

// The residual network of an optimal phase-2 flow with its potentials, to
// add a few arcs without solving again. LEMON's network simplex cannot start
// from a basis, and on the benchmark's round the last pricing rounds add a
// few hundred, then a few dozen edges, each costing a whole solve.
//
// The LEQ problem as a circulation: a node Z stands for every node's slack
// (supply - (out - in)); an arc x -> Z (absorb one more, always possible)
// and Z -> x (use one unit of slack). With Z's potential taken as 0, LEMON's
// optimality conditions (pi >= 0, pi = 0 where there is slack, reduced costs
// cost + pi(u) - pi(v) >= 0 on every residual arc) are all "every residual
// arc has a nonnegative reduced cost", which DualFeasible checks rather than
// assumes. An added arc u -> w of negative reduced cost r is then repaired as
// in successive shortest paths: Dijkstra from w on reduced costs, stopped at
// u or at distance |r|; when u is nearer than |r|, one unit goes round the
// cycle (the only negative cycles pass through the new arc); then every
// node's potential rises by min(distance, L), L the stopping distance, which
// keeps every reduced cost nonnegative and makes the new arc's 0 when it
// stays empty.
class Residual {
 public:
  Residual(const Network& net, const Simplex& simplex, const Graph::ArcMap<int64_t>& cap,
           const Graph::ArcMap<int64_t>& cost, const Graph::NodeMap<int64_t>& supply,
           int64_t budget)
      : z_(net.g.maxNodeId() + 1), out_(z_ + 1), pot_(z_ + 1, 0), dist_(z_ + 1, kInfinity),
        parent_(z_ + 1, -1), budget_(budget) {
    arcs_.reserve(2 * (net.g.maxArcId() + 1 + z_));
    std::vector<int64_t> slack(z_, 0);
    for (Graph::NodeIt n(net.g); n != lemon::INVALID; ++n) {
      slack[net.g.id(n)] = supply[n];
      pot_[net.g.id(n)] = simplex.potential(n);
    }
    // Pair i is LEMON's arc of id i (SmartDigraph ids are 0..arcs-1).
    for (int i = 0; i <= net.g.maxArcId(); ++i) {
      const Arc a = net.g.arcFromId(i);
      const int from = net.g.id(net.g.source(a)), to = net.g.id(net.g.target(a));
      const int64_t flow = simplex.flow(a);
      AddPair(from, to, cap[a] - flow, flow, cost[a]);
      slack[from] -= flow;
      slack[to] += flow;
    }
    for (int x = 0; x < z_; ++x) AddPair(x, z_, kInfinity, slack[x], 0);
  }

  bool DualFeasible() const {
    for (size_t e = 0; e < arcs_.size(); ++e) {
      if (arcs_[e].cap > 0 && ReducedCost(static_cast<int32_t>(e)) < 0) return false;
    }
    return true;
  }

  // Relative to Z's: what LEMON's potentials would read.
  int64_t Potential(Node n, const Graph& g) const { return pot_[g.id(n)] - pot_[z_]; }

  // Adds arc from -> to (capacity 1, `cost`) and restores optimality.
  // Returns the arc's pair index.
  //
  // Each repair settles the nodes nearer than the cycle it finds; where the
  // reduced costs are mostly 0 that can be most of the network. Once the
  // repairs have settled `budget` nodes in all, the caller should solve
  // again instead (OverBudget).
  int32_t AddArc(int from, int to, int64_t cost) {
    const int32_t pair = AddPair(from, to, 1, 0, cost);
    const int64_t reduced = ReducedCost(2 * pair);
    if (reduced < 0) Repair(2 * pair, -reduced);
    return pair;
  }

  bool OverBudget() const { return budget_ < 0; }

  // Flow on pair `pair` (its backward residual capacity).
  int64_t Flow(int32_t pair) const { return arcs_[2 * pair + 1].cap; }

 private:
  static constexpr int64_t kInfinity = int64_t{1} << 60;
  struct ResidualArc {
    int32_t to;
    int64_t cap;
    int64_t cost;
  };

  int32_t AddPair(int from, int to, int64_t forward, int64_t backward, int64_t cost) {
    const int32_t e = static_cast<int32_t>(arcs_.size());
    arcs_.push_back({to, forward, cost});
    arcs_.push_back({from, backward, -cost});
    out_[from].push_back(e);
    out_[to].push_back(e + 1);
    return e / 2;
  }
  int64_t ReducedCost(int32_t e) const {
    return arcs_[e].cost + pot_[arcs_[e ^ 1].to] - pot_[arcs_[e].to];
  }

  // Arc `e` (u -> w) has reduced cost -limit < 0.
  void Repair(int32_t e, int64_t limit) {
    const int u = arcs_[e ^ 1].to, w = arcs_[e].to;
    std::vector<int> settled, touched{w};
    using Entry = std::pair<int64_t, int>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue;
    dist_[w] = 0;
    queue.push({0, w});
    int64_t stop = limit;
    bool found = false;
    while (!queue.empty()) {
      const auto [d, x] = queue.top();
      queue.pop();
      if (d > dist_[x]) continue;
      if (d >= stop) break;
      settled.push_back(x);
      if (x == u) {
        stop = d;
        found = true;
        break;
      }
      for (int32_t f : out_[x]) {
        if (arcs_[f].cap <= 0) continue;
        const int y = arcs_[f].to;
        const int64_t nd = d + ReducedCost(f);
        if (nd < dist_[y] && nd < stop) {
          if (dist_[y] == kInfinity) touched.push_back(y);
          dist_[y] = nd;
          parent_[y] = f;
          queue.push({nd, y});
        }
      }
    }
    budget_ -= static_cast<int64_t>(settled.size());
    if (found) {
      Push(e);
      for (int x = u; x != w; x = arcs_[parent_[x] ^ 1].to) Push(parent_[x]);
    }
    // +min(distance, stop) for every node: +stop for all through Z (only
    // differences matter), and distance - stop on the settled ones.
    for (int x : settled) pot_[x] += dist_[x] - stop;
    for (int x : touched) dist_[x] = kInfinity;
  }
  void Push(int32_t e) {
    --arcs_[e].cap;
    ++arcs_[e ^ 1].cap;
  }

  int z_;
  std::vector<ResidualArc> arcs_;
  std::vector<std::vector<int32_t>> out_;
  std::vector<int64_t> pot_;
  std::vector<int64_t> dist_;
  std::vector<int32_t> parent_;
  int64_t budget_;
};

// Phase 2: exactly K units to t at the least cost over all edges, on the
// sparse network, growing it with the left-out edges of negative reduced
// cost until there are none: by a new network simplex solve while new
// candidates come in, then by repairing the residual network (Residual).
//
// Posed without s, which makes network simplex much faster (its starting
// tree then routes every unused supply at cost 0, instead of K units over
// one big-M artificial arc): each arc leaving s becomes a supply of its
// capacity at its head, t demands exactly K, and with LEMON's LEQ supply
// type a node may keep supply unused. LEQ also lets any node absorb flow, so
// every placement arc costs top_gain + 1 - gain >= 1 and the other arcs 0:
// absorbed flow that crossed a placement arc only adds cost, so an optimal
// flow has none, and its placements are exactly the K s-t paths.
// Cost = K * (top_gain + 1) - total score.
absl::StatusOr<Phase2> BestScore(const Instance& instance, const Shape& shape, int64_t k,
                                 std::vector<bool>* in_network) {
  const auto cost_of = [&](int32_t e) { return shape.top_gain + 1 - shape.gain[e]; };
  while (true) {
    const Network net(instance, shape, Members(*in_network));
    Graph::NodeMap<int64_t> supply(net.g, 0);
    Graph::ArcMap<int64_t> cap(net.g), cost(net.g, 0);
    for (Graph::ArcIt a(net.g); a != lemon::INVALID; ++a) cap[a] = net.cap[a];
    for (size_t j = 0; j < net.edges.size(); ++j) cost[net.edge_arc[j]] = cost_of(net.edges[j]);
    for (Graph::OutArcIt a(net.g, net.s); a != lemon::INVALID; ++a) {
      supply[net.g.target(a)] += net.cap[a];
      cap[a] = 0;
    }
    supply[net.t] -= k;
    Simplex simplex(net.g);
    simplex.upperMap(cap).costMap(cost).supplyMap(supply).supplyType(Simplex::LEQ);
    const Simplex::ProblemType status = simplex.run();
    if (status != Simplex::OPTIMAL) {
      return absl::InternalError(absl::StrCat("network simplex did not find an optimal flow of value ",
                                              k, " (status ", static_cast<int>(status), ")"));
    }
    // The left-out edges with a negative reduced cost (LEMON's: cost + pi(u)
    // - pi(v); a left-out edge is an arc at its lower bound 0). A candidate
    // left out whole takes the potential that fits all its arcs: with slack
    // supply (vacancy-nested, or an uncapped leaf) pi = 0, else its drawn
    // cell's (the lower of leaf and overflow, through the "into" node).
    std::vector<bool> candidate_in(instance.candidates.size(), false);
    for (size_t c = 0; c < candidate_in.size(); ++c) {
      candidate_in[c] = net.cand[c] != lemon::INVALID;
    }
    const auto violators = [&](const auto& pi) {
      std::vector<int32_t> found;
      for (size_t i = 0; i < instance.edges.size(); ++i) {
        if ((*in_network)[i]) continue;
        const Edge& e = instance.edges[i];
        int64_t tail = 0;
        if (candidate_in[e.candidate]) {
          tail = pi(net.cand[e.candidate]);
        } else if (!shape.by_vacancy && shape.leaf[e.candidate] >= 0) {
          const int32_t leaf = shape.leaf[e.candidate];
          tail = pi(net.cell[leaf]);
          const int32_t overflow = instance.cells[leaf].overflow;
          if (overflow >= 0) tail = std::min(tail, pi(net.cell[overflow]));
        }
        if (cost_of(static_cast<int32_t>(i)) + tail - pi(net.vac[e.vacancy]) < 0) {
          found.push_back(static_cast<int32_t>(i));
        }
      }
      return found;
    };
    std::vector<int32_t> more = violators([&](Node n) { return simplex.potential(n); });
    bool new_candidates = false;
    for (int32_t e : more) {
      (*in_network)[e] = true;
      new_candidates = new_candidates || !candidate_in[instance.edges[e].candidate];
    }
    if (new_candidates) continue;  // a new network with them, solved again
    Phase2 best;
    if (more.empty()) {
      best.edges = net.edges;
      for (const Arc a : net.edge_arc) best.edge_flow.push_back(simplex.flow(a));
      best.overflow_flow.assign(shape.leaf.size(), 0);
      for (size_t o = 0; o < shape.leaf.size(); ++o) {
        const Arc a = net.route_arc[static_cast<int>(Route::kOverflow)][o];
        if (a != lemon::INVALID) best.overflow_flow[o] = simplex.flow(a);
      }
    } else {
      // Repairs settling up to 10 times the nodes cost about a solve.
      Residual residual(net, simplex, cap, cost, supply, 10 * (net.g.maxNodeId() + 1));
      if (!residual.DualFeasible()) continue;  // solve again with the new edges
      std::vector<std::pair<int32_t, int32_t>> added;  // (edge, pair)
      while (!more.empty() && !new_candidates && !residual.OverBudget()) {
        for (int32_t e : more) {
          if (residual.OverBudget()) break;
          const Edge& edge = instance.edges[e];
          added.push_back({e, residual.AddArc(net.g.id(net.cand[edge.candidate]),
                                              net.g.id(net.vac[edge.vacancy]), cost_of(e))});
        }
        more = violators([&](Node n) { return residual.Potential(n, net.g); });
        for (int32_t e : more) {
          (*in_network)[e] = true;
          new_candidates = new_candidates || !candidate_in[instance.edges[e].candidate];
        }
      }
      // New candidates or over budget: solve again. The repaired potentials
      // are checked, not trusted: the pricing above and every residual arc's
      // reduced cost >= 0 are what make the flow optimal.
      if (!more.empty() || !residual.DualFeasible()) continue;
      std::vector<std::pair<int32_t, int64_t>> flows;  // (edge, flow)
      for (size_t j = 0; j < net.edges.size(); ++j) {
        flows.push_back({net.edges[j], residual.Flow(net.g.id(net.edge_arc[j]))});
      }
      for (const auto& [e, pair] : added) flows.push_back({e, residual.Flow(pair)});
      std::sort(flows.begin(), flows.end());
      for (const auto& [e, flow] : flows) {
        best.edges.push_back(e);
        best.edge_flow.push_back(flow);
      }
      best.overflow_flow.assign(shape.leaf.size(), 0);
      for (size_t o = 0; o < shape.leaf.size(); ++o) {
        const Arc a = net.route_arc[static_cast<int>(Route::kOverflow)][o];
        if (a != lemon::INVALID) best.overflow_flow[o] = residual.Flow(net.g.id(a));
      }
    }
    for (size_t j = 0; j < best.edges.size(); ++j) {
      best.total_cost += best.edge_flow[j] * cost_of(best.edges[j]);
    }
    return best;
  }
}

}  // namespace

absl::StatusOr<Result> SolveWelfareByFlow(const Instance& instance, Nesting nesting) {
  const Shape shape = MakeShape(instance, nesting);
  const EdgesByCandidate by = SortByCandidate(instance, shape);
  const std::vector<Assignment> start = FirstFit(instance, by);
  std::vector<bool> in_network = FirstNetwork(instance, shape, by, start);
  const int64_t k = MostPlacements(instance, shape, start, &in_network);
  absl::StatusOr<Phase2> best = BestScore(instance, shape, k, &in_network);
  if (!best.ok()) return best.status();
  Result result;
  result.method = shape.by_vacancy ? Method::kFlowVacancyNested : Method::kFlowCandidateNested;
  // Units each owner still has to send by its overflow route; which of a
  // vacancy's placements take it does not matter (they share the leaf), so
  // the lowest edge indices do.
  std::vector<int64_t> overflow_left = best->overflow_flow;
  for (size_t j = 0; j < best->edges.size(); ++j) {
    if (best->edge_flow[j] == 0) continue;
    const Edge& edge = instance.edges[best->edges[j]];
    int64_t& left = overflow_left[shape.by_vacancy ? edge.vacancy : edge.candidate];
    Route route = Route::kLeaf;
    if (left > 0) {
      route = Route::kOverflow;
      --left;
    }
    result.assignments.push_back({best->edges[j], route});
  }
  Finish(instance, &result);
  const int64_t total_gain = k * (shape.top_gain + 1) - best->total_cost;
  if (result.placements != k || result.total_score_micros != total_gain) {
    return absl::InternalError("flow decomposition does not match the flow's value and cost");
  }
  if (absl::Status s = CheckAssignments(instance, result.assignments); !s.ok()) {
    return absl::InternalError(absl::StrCat("flow decomposition is infeasible: ", s.message()));
  }
  result.optimal = true;
  result.placements_bound = static_cast<double>(k);
  result.score_bound_micros = static_cast<double>(total_gain);
  return result;
}

}  // namespace corridor::matcher::allocation::internal
