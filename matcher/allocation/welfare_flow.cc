// Maximum welfare on nested instances as a min-cost flow (docs/allocation.md
// gives the networks and why they are exact).
//
// Two phases instead of one cost of -(BIG + score): LEMON's Preflow finds the
// most placements K, then NetworkSimplex sends exactly K units to t at the
// least cost, with cost (max score + 1 - score) in micro-units per placement.
// Any flow of value K that minimises the cost is a lexicographic optimum, and
// costs stay at most about 1e12 per arc (no BIG of about placements * max
// score, whose potentials could overflow int64 on large rounds).

#include <algorithm>
#include <cstdint>
#include <memory>
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

class Network {
 public:
  explicit Network(int64_t infinity) : cap_(g_), gain_(g_), infinity_(infinity) {}

  Node AddNode() { return g_.addNode(); }
  Arc AddArc(Node from, Node to, int64_t cap) {
    Arc a = g_.addArc(from, to);
    cap_[a] = std::clamp<int64_t>(cap, 0, infinity_);
    gain_[a] = -1;  // a map grown by addArc does not keep its constructor's value
    return a;
  }
  // A placement arc (capacity 1) worth `score_micros` >= 0.
  Arc AddEdgeArc(Node from, Node to, int64_t score_micros) {
    Arc a = AddArc(from, to, 1);
    gain_[a] = score_micros;
    max_gain_ = std::max(max_gain_, score_micros);
    return a;
  }
  void Reserve(int nodes, int arcs) {
    g_.reserveNode(nodes);
    g_.reserveArc(arcs);
  }

  // Runs both phases; afterwards Flow() reads an optimal flow.
  //
  // Phase 2 is posed without s, which makes network simplex much faster
  // (its starting tree then routes every unused supply at cost 0, instead of
  // K units over one big-M artificial arc): each arc leaving s becomes a
  // supply of its capacity at its head, t demands exactly K, and with LEMON's
  // LEQ supply type a node may keep supply unused. LEQ also lets any node
  // absorb flow, so every placement arc costs max_gain + 1 - gain >= 1 and
  // the other arcs 0: absorbed flow that crossed a placement arc only adds
  // cost, so an optimal flow has none, and its placements are exactly the K
  // s-t paths. Cost = K * (max_gain + 1) - total score.
  absl::Status Run(Node s, Node t) {
    lemon::Preflow<Graph, Graph::ArcMap<int64_t>> preflow(g_, cap_, s, t);
    preflow.runMinCut();
    value_ = preflow.flowValue();
    Graph::NodeMap<int64_t> supply(g_, 0);
    Graph::ArcMap<int64_t> cap(g_), cost(g_);
    for (Graph::ArcIt a(g_); a != lemon::INVALID; ++a) {
      cap[a] = cap_[a];
      cost[a] = gain_[a] < 0 ? 0 : max_gain_ + 1 - gain_[a];
    }
    for (Graph::OutArcIt a(g_, s); a != lemon::INVALID; ++a) {
      supply[g_.target(a)] += cap_[a];
      cap[a] = 0;
    }
    supply[t] -= value_;
    simplex_ = std::make_unique<lemon::NetworkSimplex<Graph, int64_t, int64_t>>(g_);
    simplex_->upperMap(cap).costMap(cost).supplyMap(supply).supplyType(
        lemon::NetworkSimplex<Graph, int64_t, int64_t>::LEQ);
    const auto status = simplex_->run();
    if (status != lemon::NetworkSimplex<Graph, int64_t, int64_t>::OPTIMAL) {
      return absl::InternalError(absl::StrCat(
          "network simplex did not find an optimal flow of value ", value_,
          " (status ", static_cast<int>(status), ")"));
    }
    total_gain_ = value_ * (max_gain_ + 1) - simplex_->totalCost<int64_t>();
    return absl::OkStatus();
  }
  // The most placements, and the best total score with that many.
  int64_t value() const { return value_; }
  int64_t total_gain() const { return total_gain_; }
  int64_t Flow(Arc a) const { return simplex_->flow(a); }

 private:
  Graph g_;
  Graph::ArcMap<int64_t> cap_;
  Graph::ArcMap<int64_t> gain_;  // -1 on arcs that are not placements
  int64_t infinity_;
  int64_t max_gain_ = 0;
  int64_t value_ = 0;
  int64_t total_gain_ = 0;
  std::unique_ptr<lemon::NetworkSimplex<Graph, int64_t, int64_t>> simplex_;
};

// The leaf every edge of each vacancy (or candidate) names, -1 when uncapped;
// entries with no edge keep -1 (and get no arcs).
std::vector<int32_t> SharedLeaf(const Instance& instance, bool by_vacancy) {
  std::vector<int32_t> leaf(by_vacancy ? instance.vacancies.size() : instance.candidates.size(),
                            -1);
  for (const Edge& e : instance.edges) leaf[by_vacancy ? e.vacancy : e.candidate] = e.leaf;
  return leaf;
}

}  // namespace

absl::StatusOr<Result> SolveWelfareByFlow(const Instance& instance, Nesting nesting) {
  const int num_candidates = static_cast<int>(instance.candidates.size());
  const int num_vacancies = static_cast<int>(instance.vacancies.size());
  const int num_cells = static_cast<int>(instance.cells.size());
  const int num_edges = static_cast<int>(instance.edges.size());
  // No cap above the number of candidates can bind.
  const int64_t infinity = static_cast<int64_t>(num_candidates) + 1;
  Network net(infinity);
  net.Reserve(2 + 2 * num_candidates + 2 * num_vacancies + num_cells,
              3 * num_candidates + 3 * num_vacancies + num_cells + num_edges);
  const Node s = net.AddNode();
  const Node t = net.AddNode();
  std::vector<Node> cell(num_cells);
  for (int q = 0; q < num_cells; ++q) cell[q] = net.AddNode();
  std::vector<bool> has_edge_c(num_candidates, false), has_edge_v(num_vacancies, false);
  for (const Edge& e : instance.edges) {
    has_edge_c[e.candidate] = true;
    has_edge_v[e.vacancy] = true;
  }
  std::vector<Node> cand(num_candidates), vac(num_vacancies);
  for (int c = 0; c < num_candidates; ++c) cand[c] = net.AddNode();
  for (int v = 0; v < num_vacancies; ++v) vac[v] = net.AddNode();
  std::vector<Arc> edge_arc(num_edges);
  for (int e = 0; e < num_edges; ++e) {
    const Edge& edge = instance.edges[e];
    edge_arc[e] = net.AddEdgeArc(cand[edge.candidate], vac[edge.vacancy],
                                 ScoreMicros(edge.score));
  }
  // For the side that owns the leaf: the arc that carries the overflow route
  // (INVALID when the leaf names no overflow cell).
  const bool by_vacancy = nesting == Nesting::kVacancy;
  const std::vector<int32_t> leaf = SharedLeaf(instance, by_vacancy);
  std::vector<Arc> overflow_arc(leaf.size(), lemon::INVALID);

  if (by_vacancy) {
    // s -> candidate (1) -> vacancy -> [positions] -> leaf or overflow cell
    //   -> parent cell -> ... -> root -> t, each cell arc capped by its cap.
    for (int c = 0; c < num_candidates; ++c) {
      if (has_edge_c[c]) net.AddArc(s, cand[c], 1);
    }
    for (int v = 0; v < num_vacancies; ++v) {
      if (!has_edge_v[v]) continue;
      const int64_t positions = instance.vacancies[v].positions;
      if (leaf[v] < 0) {
        net.AddArc(vac[v], t, positions);
        continue;
      }
      const int32_t overflow = instance.cells[leaf[v]].overflow;
      if (overflow < 0) {
        net.AddArc(vac[v], cell[leaf[v]], positions);
        continue;
      }
      const Node out = net.AddNode();
      net.AddArc(vac[v], out, positions);
      net.AddArc(out, cell[leaf[v]], infinity);
      overflow_arc[v] = net.AddArc(out, cell[overflow], infinity);
    }
    for (int q = 0; q < num_cells; ++q) {
      const int32_t parent = instance.cells[q].parent;
      net.AddArc(cell[q], parent >= 0 ? cell[parent] : t, instance.cells[q].cap_remaining);
    }
  } else {
    // s -> root -> ... -> leaf or overflow cell -> candidate (1) -> vacancy
    //   -> [positions] -> t, each cell arc capped by its cap.
    for (int q = 0; q < num_cells; ++q) {
      const int32_t parent = instance.cells[q].parent;
      net.AddArc(parent >= 0 ? cell[parent] : s, cell[q], instance.cells[q].cap_remaining);
    }
    for (int c = 0; c < num_candidates; ++c) {
      if (!has_edge_c[c]) continue;
      if (leaf[c] < 0) {
        net.AddArc(s, cand[c], 1);
        continue;
      }
      const int32_t overflow = instance.cells[leaf[c]].overflow;
      if (overflow < 0) {
        net.AddArc(cell[leaf[c]], cand[c], 1);
        continue;
      }
      const Node in = net.AddNode();
      net.AddArc(cell[leaf[c]], in, 1);
      overflow_arc[c] = net.AddArc(cell[overflow], in, 1);
      net.AddArc(in, cand[c], 1);
    }
    for (int v = 0; v < num_vacancies; ++v) {
      if (has_edge_v[v]) net.AddArc(vac[v], t, instance.vacancies[v].positions);
    }
  }

  if (absl::Status status = net.Run(s, t); !status.ok()) return status;

  Result result;
  result.method = by_vacancy ? Method::kFlowVacancyNested : Method::kFlowCandidateNested;
  // Units each owner still has to send by its overflow route; which of a
  // vacancy's placements take it does not matter (they share the leaf), so
  // the lowest edge indices do.
  std::vector<int64_t> overflow_left(leaf.size(), 0);
  for (size_t i = 0; i < leaf.size(); ++i) {
    if (overflow_arc[i] != lemon::INVALID) overflow_left[i] = net.Flow(overflow_arc[i]);
  }
  for (int e = 0; e < num_edges; ++e) {
    if (net.Flow(edge_arc[e]) == 0) continue;
    const Edge& edge = instance.edges[e];
    int64_t& left = overflow_left[by_vacancy ? edge.vacancy : edge.candidate];
    Route route = Route::kLeaf;
    if (left > 0) {
      route = Route::kOverflow;
      --left;
    }
    result.assignments.push_back({e, route});
  }
  Finish(instance, &result);
  if (result.placements != net.value() || result.total_score_micros != net.total_gain()) {
    return absl::InternalError("flow decomposition does not match the flow's value and cost");
  }
  if (absl::Status s = CheckAssignments(instance, result.assignments); !s.ok()) {
    return absl::InternalError(absl::StrCat("flow decomposition is infeasible: ", s.message()));
  }
  result.optimal = true;
  result.placements_bound = static_cast<double>(net.value());
  result.score_bound_micros = static_cast<double>(net.total_gain());
  return result;
}

}  // namespace corridor::matcher::allocation::internal
