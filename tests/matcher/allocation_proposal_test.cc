// Proposals of matcher/allocation (proposal.h): each unplaced candidate's
// reason checked against the result by code written here from the
// definitions (paths, saturation, fills and cut-offs computed independently
// of the library), every cell's sensitivity against a re-solve with that cap
// raised by one, and the what-if tables against direct counts.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/allocation/instance.h"
#include "tests/matcher/allocation_test_util.h"
#include "matcher/allocation/proposal.h"
#include "matcher/allocation/solver.h"

namespace corridor::matcher::allocation {
namespace {

using ::testing::HasSubstr;

// ---------------------------------------------------------------------------
// Helpers: the definitions, computed here

int64_t Micros(double x) { return std::llround(x * 1e6); }

std::set<int32_t> PathOf(const Instance& in, int32_t cell) {
  std::set<int32_t> path;
  while (cell != -1 && path.insert(cell).second) cell = in.cells[cell].parent;
  return path;
}

// What a result leaves, counted from its assignments.
struct Seen {
  std::vector<int32_t> placed_edge;         // per candidate, -1
  std::vector<std::vector<int32_t>> at;     // per vacancy: placed edges
  std::vector<int64_t> use;                 // per cell
  std::vector<std::vector<int32_t>> edges;  // per candidate: all its edges
};

Seen See(const Instance& in, const Result& r) {
  Seen s;
  s.placed_edge.assign(in.candidates.size(), -1);
  s.at.resize(in.vacancies.size());
  s.use.assign(in.cells.size(), 0);
  s.edges.resize(in.candidates.size());
  for (size_t e = 0; e < in.edges.size(); ++e) {
    s.edges[in.edges[e].candidate].push_back(static_cast<int32_t>(e));
  }
  for (const Assignment& a : r.assignments) {
    const Edge& e = in.edges[a.edge];
    s.placed_edge[e.candidate] = a.edge;
    s.at[e.vacancy].push_back(a.edge);
    const int32_t drawn = a.route == Route::kLeaf ? e.leaf : in.cells[e.leaf].overflow;
    if (e.leaf >= 0) {
      for (int32_t q : PathOf(in, drawn)) ++s.use[q];
    }
  }
  return s;
}

bool Saturated(const Instance& in, const Seen& s, int32_t q) {
  return s.use[q] == std::max<int64_t>(in.cells[q].cap_remaining, 0);
}

bool PathSaturated(const Instance& in, const Seen& s, int32_t cell) {
  for (int32_t q : PathOf(in, cell)) {
    if (Saturated(in, s, q)) return true;
  }
  return false;
}

bool Full(const Instance& in, const Seen& s, int32_t v) {
  return static_cast<int64_t>(s.at[v].size()) == in.vacancies[v].positions;
}

// The lowest placed score at v, micro-units; max when none.
int64_t CutoffMicros(const Instance& in, const Seen& s, int32_t v) {
  int64_t lowest = std::numeric_limits<int64_t>::max();
  for (int32_t e : s.at[v]) lowest = std::min(lowest, Micros(in.edges[e].score));
  return lowest;
}

bool CellsBlock(const Instance& in, const Seen& s, int32_t e) {
  const Edge& edge = in.edges[e];
  if (edge.leaf < 0 || !PathSaturated(in, s, edge.leaf)) return false;
  const int32_t overflow = in.cells[edge.leaf].overflow;
  return overflow < 0 || PathSaturated(in, s, overflow);
}

// Whether candidate a is served before b by first come first served.
bool ServedBefore(const Instance& in, int32_t a, int32_t b) {
  const Candidate& ca = in.candidates[a];
  const Candidate& cb = in.candidates[b];
  if (ca.registered_micros != cb.registered_micros) {
    return ca.registered_micros < cb.registered_micros;
  }
  return ca.id < cb.id;
}

// Full, and: every placement there scores at least e (first come first
// served: went to a candidate served before e's).
bool VacancyBlocks(const Instance& in, const Seen& s, int32_t e, bool fcfs) {
  const int32_t v = in.edges[e].vacancy;
  if (!Full(in, s, v)) return false;
  if (!fcfs) return CutoffMicros(in, s, v) >= Micros(in.edges[e].score);
  for (int32_t placed : s.at[v]) {
    if (!ServedBefore(in, in.edges[placed].candidate, in.edges[e].candidate)) return false;
  }
  return true;
}

Result MustSolve(const Instance& in, Objective objective) {
  SolveOptions options;
  options.objective = objective;
  absl::StatusOr<Result> r = Solve(in, options);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : Result{};
}

Proposal MustExplain(const Instance& in, const Result& r, Objective objective,
                     int64_t max_resolves = kDefaultMaxResolves) {
  SolveOptions options;
  options.objective = objective;
  absl::StatusOr<Proposal> p = ExplainProposal(in, r, options, max_resolves);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : Proposal{};
}

// Placements of `objective` with cell q's cap raised by one, minus r's.
int64_t Extra(Instance in, const Result& r, Objective objective, int32_t q) {
  ++in.cells[q].cap_remaining;
  return MustSolve(in, objective).placements - r.placements;
}

// ---------------------------------------------------------------------------
// Hand cases

TEST(ProposalExplainTest, NamesABindingParentCell) {
  // Leaves a and b (room for 2 each) under p (cap 2). c0 and c1 fill p; c2
  // wants v2 in leaf a, which has a free position and a free unit: p binds.
  Instance in;
  in.candidates = {{"c0", 0}, {"c1", 0}, {"c2", 0}};
  in.vacancies = {{"v0", 1}, {"v1", 1}, {"v2", 1}};
  in.cells = {{"p", 2, -1, -1}, {"a", 2, 0, -1}, {"b", 2, 0, -1}};
  in.edges = {{0, 0, 50, 1}, {1, 1, 40, 2}, {2, 2, 30, 1}};
  for (Objective objective : {Objective::kMaxWelfare, Objective::kGreedy,
                              Objective::kFirstComeFirstServed, Objective::kStable}) {
    SCOPED_TRACE(static_cast<int>(objective));
    const Result r = MustSolve(in, objective);
    const Proposal p = MustExplain(in, r, objective);
    ASSERT_EQ(p.unplaced.size(), 1u);
    EXPECT_EQ(p.unplaced[0].candidate, 2);
    EXPECT_EQ(p.unplaced[0].reason, UnplacedReason::kBindingCell);
    EXPECT_EQ(p.unplaced[0].binding_cell, 0);
    EXPECT_EQ(p.unplaced[0].edge, 2);
  }
}

TEST(ProposalExplainTest, BelowCutoffNamesTheHighestCutoffAndItsVacancy) {
  // v0 (one position) goes to a 70, v1 (two) to an 85 and an 80; c3 scores
  // 60 at v0 and 75 at v1. Highest cut-off: 80 at v1.
  Instance in;
  in.candidates = {{"c0", 0}, {"c1", 0}, {"c2", 0}, {"c3", 0}};
  in.vacancies = {{"v0", 1}, {"v1", 2}};
  in.edges = {
      {0, 0, 70, -1}, {1, 1, 85, -1}, {2, 1, 80.123456, -1}, {3, 0, 60, -1}, {3, 1, 75, -1}};
  for (Objective objective : {Objective::kMaxWelfare, Objective::kGreedy, Objective::kStable}) {
    SCOPED_TRACE(static_cast<int>(objective));
    const Result r = MustSolve(in, objective);
    ASSERT_EQ(r.placements, 3);
    const Proposal p = MustExplain(in, r, objective);
    ASSERT_EQ(p.unplaced.size(), 1u);
    const Unplaced& u = p.unplaced[0];
    EXPECT_EQ(u.candidate, 3);
    EXPECT_EQ(u.reason, UnplacedReason::kBelowCutoff);
    EXPECT_EQ(u.cutoff_vacancy, 1);
    EXPECT_EQ(u.cutoff_score, 80.123456);
    EXPECT_EQ(u.edge, 4);
    EXPECT_EQ(u.binding_cell, -1);
  }
}

TEST(ProposalExplainTest, FirstComeFirstServedReportsAVacancyFilledEarlier) {
  // "early" scores 10 and takes v0; "late" scores 90 and finds it full.
  Instance in;
  in.candidates = {{"late", 9}, {"early", 1}};
  in.vacancies = {{"v0", 1}};
  in.edges = {{0, 0, 90, -1}, {1, 0, 10, -1}};
  const Result r = MustSolve(in, Objective::kFirstComeFirstServed);
  const Proposal p = MustExplain(in, r, Objective::kFirstComeFirstServed);
  ASSERT_EQ(p.unplaced.size(), 1u);
  EXPECT_EQ(p.unplaced[0].candidate, 0);
  EXPECT_EQ(p.unplaced[0].reason, UnplacedReason::kFilledEarlier);
  EXPECT_EQ(p.unplaced[0].cutoff_vacancy, 0);
  EXPECT_EQ(p.unplaced[0].cutoff_score, 10);
}

TEST(ProposalExplainTest, ACandidateWithoutEdgesHasNoEdge) {
  Instance in;
  in.candidates = {{"c0", 0}, {"c1", 0}};
  in.vacancies = {{"v0", 1}};
  in.edges = {{0, 0, 50, -1}};
  const Result r = MustSolve(in, Objective::kMaxWelfare);
  const Proposal p = MustExplain(in, r, Objective::kMaxWelfare);
  ASSERT_EQ(p.unplaced.size(), 1u);
  EXPECT_EQ(p.unplaced[0].candidate, 1);
  EXPECT_EQ(p.unplaced[0].reason, UnplacedReason::kNoEdge);
  EXPECT_EQ(p.unplaced[0].edge, -1);
}

TEST(ProposalExplainTest, AVacancyWithoutPositionsHasAnInfiniteCutoff) {
  Instance in;
  in.candidates = {{"c0", 0}};
  in.vacancies = {{"v0", 0}, {"v1", 0}};
  in.edges = {{0, 1, 50, -1}, {0, 0, 60, -1}};
  const Result r = MustSolve(in, Objective::kGreedy);
  const Proposal p = MustExplain(in, r, Objective::kGreedy);
  ASSERT_EQ(p.unplaced.size(), 1u);
  EXPECT_EQ(p.unplaced[0].reason, UnplacedReason::kBelowCutoff);
  EXPECT_EQ(p.unplaced[0].edge, 0);
  EXPECT_EQ(p.unplaced[0].cutoff_vacancy, 1);
  EXPECT_EQ(p.unplaced[0].cutoff_score, std::numeric_limits<double>::infinity());
}

// p (cap 2) over leaves a (cap 1) and b (cap 3). x0, x1 want a; y0, y1 want
// b. Two placements fit: a and p are saturated; only p binds.
Instance BindingAndNonBindingCells() {
  Instance in;
  in.candidates = {{"x0", 0}, {"x1", 0}, {"y0", 0}, {"y1", 0}};
  in.vacancies = {{"va", 2}, {"vb", 2}};
  in.cells = {{"p", 2, -1, -1}, {"a", 1, 0, -1}, {"b", 3, 0, -1}};
  in.edges = {{0, 0, 50, 1}, {1, 0, 40, 1}, {2, 1, 30, 2}, {3, 1, 20, 2}};
  return in;
}

TEST(ProposalSensitivityTest, OneMoreUnitOfABindingCellAddsAPlacement) {
  const Instance in = BindingAndNonBindingCells();
  for (Objective objective : {Objective::kMaxWelfare, Objective::kGreedy,
                              Objective::kFirstComeFirstServed, Objective::kStable}) {
    SCOPED_TRACE(static_cast<int>(objective));
    const Result r = MustSolve(in, objective);
    ASSERT_EQ(r.placements, 2);
    ASSERT_EQ(r.cell_use, (std::vector<int64_t>{2, 1, 1}));
    const Proposal p = MustExplain(in, r, objective);
    ASSERT_EQ(p.sensitivities.size(), 3u);
    for (const CellSensitivity& s : p.sensitivities) EXPECT_TRUE(s.computed);
    EXPECT_EQ(p.sensitivities[0].extra_placements, 1);  // p: y1 then fits in b
    EXPECT_EQ(p.sensitivities[1].extra_placements, 0);  // a: saturated, p binds
    EXPECT_EQ(p.sensitivities[2].extra_placements, 0);  // b: has room
  }
}

TEST(ProposalSensitivityTest, ACrossingInstanceCanUseAnUnsaturatedCell) {
  // An odd cycle: e0 = (A, v0, X) conflicts with e1 = (A, v1, Y) (candidate)
  // and e2 = (B, v0, Y) (position); e1 and e2 share Y (cap 1). The optimum
  // {e0} leaves Y unused, yet with Y at 2, {e1, e2} places two.
  Instance in;
  in.candidates = {{"A", 0}, {"B", 0}};
  in.vacancies = {{"v0", 1}, {"v1", 1}};
  in.cells = {{"X", 1, -1, -1}, {"Y", 1, -1, -1}};
  in.edges = {{0, 0, 90, 0}, {0, 1, 10, 1}, {1, 0, 10, 1}};
  const Result r = MustSolve(in, Objective::kMaxWelfare);
  ASSERT_EQ(r.method, Method::kMip);
  ASSERT_EQ(r.cell_use, (std::vector<int64_t>{1, 0}));
  const Proposal p = MustExplain(in, r, Objective::kMaxWelfare);
  EXPECT_TRUE(p.sensitivities[1].computed);
  EXPECT_EQ(p.sensitivities[1].extra_placements, 1);
  EXPECT_EQ(Extra(in, r, Objective::kMaxWelfare, 1), 1);
}

TEST(ProposalSensitivityTest, NegativeAndHugeCapsGiveZeroWithoutOverflow) {
  Instance in;
  in.candidates = {{"c0", 0}, {"c1", 0}};
  in.vacancies = {{"v0", 2}};
  in.cells = {{"neg", -3, -1, -1}, {"huge", std::numeric_limits<int64_t>::max(), -1, -1}};
  in.edges = {{0, 0, 50, 0}, {1, 0, 40, 1}};
  for (Objective objective : {Objective::kMaxWelfare, Objective::kStable}) {
    const Result r = MustSolve(in, objective);
    const Proposal p = MustExplain(in, r, objective);
    ASSERT_EQ(p.sensitivities.size(), 2u);
    EXPECT_TRUE(p.sensitivities[0].computed && p.sensitivities[1].computed);
    EXPECT_EQ(p.sensitivities[0].extra_placements, 0);
    EXPECT_EQ(p.sensitivities[1].extra_placements, 0);
  }
}

TEST(ProposalSensitivityTest, TheReSolveBudgetTakesSaturatedCellsFirst) {
  // Stable re-solves every cell. Saturated p and a come before b, by index
  // among themselves: a budget of one computes p only.
  const Instance in = BindingAndNonBindingCells();
  const Result r = MustSolve(in, Objective::kStable);
  Proposal p = MustExplain(in, r, Objective::kStable, /*max_resolves=*/1);
  EXPECT_TRUE(p.sensitivities[0].computed);
  EXPECT_EQ(p.sensitivities[0].extra_placements, 1);
  EXPECT_FALSE(p.sensitivities[1].computed);
  EXPECT_FALSE(p.sensitivities[2].computed);
  EXPECT_EQ(p.sensitivities[1].extra_placements, 0);
  // With two, the saturated a comes before the unsaturated b.
  p = MustExplain(in, r, Objective::kStable, /*max_resolves=*/2);
  EXPECT_TRUE(p.sensitivities[1].computed);
  EXPECT_FALSE(p.sensitivities[2].computed);
  // Greedy needs no re-solve for b (unsaturated), so two cover it all.
  const Result g = MustSolve(in, Objective::kGreedy);
  p = MustExplain(in, g, Objective::kGreedy, /*max_resolves=*/2);
  for (const CellSensitivity& s : p.sensitivities) EXPECT_TRUE(s.computed);
}

TEST(ProposalExplainTest, AStableResultOnACrossingInstanceCanLeaveRoom) {
  // Round 1: c1 holds v3 through cell q (cap 1); c5's only edge, v3
  // (uncapped), is refused (v3 is full); c7's first choice has no position.
  // Round 2: c7 offers v1 through q and outranks c1, who is dropped and has
  // nothing else. v3 ends empty with c5 unplaced: a blocking pair.
  Instance in;
  in.candidates = {{"c1", 0}, {"c5", 0}, {"c7", 0}};
  in.vacancies = {{"v1", 1}, {"v3", 1}, {"vx", 0}};
  in.cells = {{"q", 1, -1, -1}};
  in.edges = {{0, 1, 88, 0}, {1, 1, 24, -1}, {2, 2, 99, 0}, {2, 0, 98, 0}};
  const Result r = MustSolve(in, Objective::kStable);
  ASSERT_FALSE(r.stable_guaranteed);
  ASSERT_EQ(r.placements, 1);
  const Proposal p = MustExplain(in, r, Objective::kStable);
  ASSERT_EQ(p.unplaced.size(), 2u);
  EXPECT_EQ(p.unplaced[0].candidate, 0);
  EXPECT_EQ(p.unplaced[0].reason, UnplacedReason::kBindingCell);
  EXPECT_EQ(p.unplaced[1].candidate, 1);
  EXPECT_EQ(p.unplaced[1].reason, UnplacedReason::kNotBlocked);
  EXPECT_EQ(p.unplaced[1].edge, 1);
  EXPECT_EQ(FindBlockingPairs(in, r.assignments), (std::vector<int32_t>{1}));
  // The welfare result places c5 there.
  const Result w = MustSolve(in, Objective::kMaxWelfare);
  EXPECT_EQ(w.placements, 2);
  for (const Unplaced& u : MustExplain(in, w, Objective::kMaxWelfare).unplaced) {
    EXPECT_NE(u.reason, UnplacedReason::kNotBlocked);
  }
}

TEST(ProposalExplainTest, RejectsBadInputNamingTheField) {
  const Instance in = BindingAndNonBindingCells();
  const Result r = MustSolve(in, Objective::kGreedy);
  SolveOptions greedy;
  greedy.objective = Objective::kGreedy;
  auto expect_invalid = [](const absl::StatusOr<Proposal>& p, const std::string& field) {
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(field));
  };
  expect_invalid(ExplainProposal(in, r, SolveOptions{}), "result.method");
  expect_invalid(ExplainProposal(in, r, greedy, -1), "max_resolves");
  Result twice = r;
  twice.assignments.push_back(twice.assignments[0]);
  expect_invalid(ExplainProposal(in, twice, greedy), "result.assignments");
  Instance bad = in;
  bad.edges[0].score = -1;
  expect_invalid(ExplainProposal(bad, r, greedy), "edges[0].score");
  // A welfare result of other caps (p at 1, a at 0): feasible here, but not
  // a maximum.
  Instance narrower = in;
  narrower.cells[0].cap_remaining = 1;
  narrower.cells[1].cap_remaining = 0;
  const Result narrow = MustSolve(narrower, Objective::kMaxWelfare);
  ASSERT_EQ(narrow.placements, 1);
  expect_invalid(ExplainProposal(in, narrow, SolveOptions{}), "result");
}

// ---------------------------------------------------------------------------
// Random instances

enum class Kind { kVacancyNested, kCandidateNested, kCrossing };

// Caps -1..3 on a random forest with overflow links, positions 0..3, up to
// four edges per candidate, frequent score ties.
Instance Generate(std::mt19937_64& rng, Kind kind) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  constexpr int kCandidates = 10, kVacancies = 5, kCells = 6;
  Instance in;
  for (int q = 0; q < kCells; ++q) {
    in.cells.push_back(
        {absl::StrCat("q", q), pick(-1, 3), q == 0 || pick(0, 2) == 0 ? -1 : pick(0, q - 1), -1});
  }
  for (int q = 0; q < kCells; ++q) {
    if (pick(0, 2) == 0) {
      const int o = pick(0, kCells - 2);
      in.cells[q].overflow = o >= q ? o + 1 : o;
    }
  }
  auto leaf = [&]() { return pick(0, 4) == 0 ? -1 : pick(0, kCells - 1); };
  for (int c = 0; c < kCandidates; ++c) {
    in.candidates.push_back({absl::StrCat("c", c), pick(0, 3)});
  }
  for (int v = 0; v < kVacancies; ++v) in.vacancies.push_back({absl::StrCat("v", v), pick(0, 3)});
  std::vector<int32_t> vacancy_leaf(kVacancies), candidate_leaf(kCandidates);
  for (int32_t& l : vacancy_leaf) l = leaf();
  for (int32_t& l : candidate_leaf) l = leaf();
  for (int c = 0; c < kCandidates; ++c) {
    std::vector<int> order = {0, 1, 2, 3, 4};
    std::shuffle(order.begin(), order.end(), rng);
    const int k = pick(0, 4);
    for (int i = 0; i < k; ++i) {
      Edge e;
      e.candidate = c;
      e.vacancy = order[i];
      e.score = pick(0, 2) == 0 ? 10.0 * pick(1, 3) : pick(0, 100000) / 1000.0;
      e.leaf = kind == Kind::kVacancyNested     ? vacancy_leaf[order[i]]
               : kind == Kind::kCandidateNested ? candidate_leaf[c]
                                                : leaf();
      in.edges.push_back(e);
    }
  }
  return in;
}

struct Tally {
  std::map<UnplacedReason, int> reasons;
  int nonzero_extra = 0;
  int negative_extra = 0;
  int welfare_nonzero_extra = 0;  // the flow's residual search, on nested ones
};

// Every promise of proposal.h about `p`, checked from the definitions.
void CheckProposal(const Instance& in, const Result& r, Objective objective, const Proposal& p,
                   Tally* tally) {
  const Seen s = See(in, r);
  const bool fcfs = objective == Objective::kFirstComeFirstServed;
  // Where the proofs say nothing is left open.
  const bool all_blocked = objective == Objective::kGreedy || fcfs ||
                           (objective == Objective::kMaxWelfare && r.optimal) ||
                           (objective == Objective::kStable && r.stable_guaranteed);
  std::vector<int32_t> blocking;
  if (objective == Objective::kStable) blocking = FindBlockingPairs(in, r.assignments);

  std::vector<int32_t> expected_unplaced;
  for (size_t c = 0; c < in.candidates.size(); ++c) {
    if (s.placed_edge[c] < 0) expected_unplaced.push_back(static_cast<int32_t>(c));
  }
  ASSERT_EQ(p.unplaced.size(), expected_unplaced.size());
  for (size_t i = 0; i < p.unplaced.size(); ++i) {
    const Unplaced& u = p.unplaced[i];
    const int32_t c = expected_unplaced[i];
    SCOPED_TRACE(absl::StrCat("candidate ", c, " reason ", static_cast<int>(u.reason)));
    ASSERT_EQ(u.candidate, c);
    ++tally->reasons[u.reason];
    const std::vector<int32_t>& edges = s.edges[c];
    if (edges.empty()) {
      EXPECT_EQ(u.reason, UnplacedReason::kNoEdge);
      EXPECT_EQ(u.edge, -1);
      continue;
    }
    ASSERT_GE(u.edge, 0);
    ASSERT_EQ(in.edges[u.edge].candidate, c);
    // Partition the edges; the best of each group by score, then index.
    int32_t best_open = -1, best_cells_only = -1;
    bool all_vacancy = true;
    for (int32_t e : edges) {
      const bool by_vacancy = VacancyBlocks(in, s, e, fcfs);
      const bool by_cells = CellsBlock(in, s, e);
      all_vacancy = all_vacancy && by_vacancy;
      if (all_blocked) {
        EXPECT_TRUE(by_vacancy || by_cells) << "edge " << e;
      }
      if (by_vacancy) continue;
      int32_t& best = by_cells ? best_cells_only : best_open;
      if (best < 0 || Micros(in.edges[e].score) > Micros(in.edges[best].score)) best = e;
    }
    switch (u.reason) {
      case UnplacedReason::kNoEdge:
        ADD_FAILURE() << "kNoEdge for a candidate with edges";
        break;
      case UnplacedReason::kNotBlocked:
        EXPECT_FALSE(all_blocked);
        EXPECT_EQ(u.edge, best_open);
        if (objective == Objective::kStable) {
          EXPECT_TRUE(std::binary_search(blocking.begin(), blocking.end(), u.edge))
              << "an unblocked edge of an unplaced candidate is a blocking pair";
        }
        break;
      case UnplacedReason::kBindingCell: {
        EXPECT_EQ(best_open, -1);
        EXPECT_EQ(u.edge, best_cells_only);
        // Saturated, on the leaf path, and nothing saturated below it.
        const int32_t q = u.binding_cell;
        ASSERT_GE(q, 0);
        EXPECT_TRUE(Saturated(in, s, q));
        EXPECT_TRUE(PathOf(in, in.edges[u.edge].leaf).count(q));
        for (int32_t below = in.edges[u.edge].leaf; below != q; below = in.cells[below].parent) {
          EXPECT_FALSE(Saturated(in, s, below)) << "cell " << below;
        }
        break;
      }
      case UnplacedReason::kBelowCutoff:
      case UnplacedReason::kFilledEarlier: {
        EXPECT_EQ(u.reason == UnplacedReason::kFilledEarlier, fcfs);
        EXPECT_TRUE(all_vacancy);
        const int32_t v = u.cutoff_vacancy;
        ASSERT_EQ(in.edges[u.edge].vacancy, v);
        EXPECT_TRUE(Full(in, s, v));
        if (s.at[v].empty()) {
          EXPECT_EQ(u.cutoff_score, std::numeric_limits<double>::infinity());
          for (int32_t e : edges) EXPECT_EQ(in.vacancies[in.edges[e].vacancy].positions, 0);
          break;
        }
        // The cut-off is the lowest placed score, exactly, and the highest
        // over the candidate's vacancies that have positions.
        bool is_a_placed_score = false;
        for (int32_t e : s.at[v]) {
          EXPECT_GE(in.edges[e].score, u.cutoff_score);
          is_a_placed_score = is_a_placed_score || in.edges[e].score == u.cutoff_score;
          if (fcfs) {
            EXPECT_TRUE(ServedBefore(in, in.edges[e].candidate, c));
          }
        }
        EXPECT_TRUE(is_a_placed_score);
        EXPECT_EQ(Micros(u.cutoff_score), CutoffMicros(in, s, v));
        if (!fcfs) {
          EXPECT_LE(Micros(in.edges[u.edge].score), Micros(u.cutoff_score));
        }
        for (int32_t e : edges) {
          const int32_t w = in.edges[e].vacancy;
          if (s.at[w].empty()) continue;
          EXPECT_TRUE(CutoffMicros(in, s, w) < Micros(u.cutoff_score) ||
                      (CutoffMicros(in, s, w) == Micros(u.cutoff_score) && w >= v));
        }
        break;
      }
    }
  }

  ASSERT_EQ(p.sensitivities.size(), in.cells.size());
  for (size_t q = 0; q < in.cells.size(); ++q) {
    SCOPED_TRACE(absl::StrCat("cell ", q));
    const CellSensitivity& cs = p.sensitivities[q];
    EXPECT_EQ(cs.cell, static_cast<int32_t>(q));
    ASSERT_TRUE(cs.computed);
    const int64_t extra = Extra(in, r, objective, static_cast<int32_t>(q));
    EXPECT_EQ(cs.extra_placements, extra);
    if (objective == Objective::kMaxWelfare) {
      EXPECT_TRUE(extra == 0 || extra == 1);
    }
    if (extra != 0) ++tally->nonzero_extra;
    if (extra != 0 && objective == Objective::kMaxWelfare) ++tally->welfare_nonzero_extra;
    if (extra < 0) ++tally->negative_extra;
  }
}

void CheckRandom(Kind kind, uint64_t seed, int count, Tally* tally) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < count; ++i) {
    const Instance in = Generate(rng, kind);
    for (Objective objective : {Objective::kMaxWelfare, Objective::kGreedy,
                                Objective::kFirstComeFirstServed, Objective::kStable}) {
      SCOPED_TRACE(absl::StrCat("instance ", i, " kind ", static_cast<int>(kind), " objective ",
                                static_cast<int>(objective)));
      const Result r = MustSolve(in, objective);
      const Proposal p = MustExplain(in, r, objective);
      CheckProposal(in, r, objective, p, tally);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

void PrintTally(const char* name, const Tally& t) {
  std::printf("%s: reasons", name);
  for (const auto& [reason, n] : t.reasons) std::printf(" %d:%d", static_cast<int>(reason), n);
  std::printf("; %d nonzero sensitivities (welfare %d), %d negative\n", t.nonzero_extra,
              t.welfare_nonzero_extra, t.negative_extra);
}

TEST(ProposalRandomTest, VacancyNested) {
  Tally tally;
  CheckRandom(Kind::kVacancyNested, 61, 1000, &tally);
  PrintTally("vacancy-nested", tally);
  // The instances exercise every reason that can occur, and cells that bind.
  EXPECT_GT(tally.reasons[UnplacedReason::kBindingCell], 50);
  EXPECT_GT(tally.reasons[UnplacedReason::kBelowCutoff], 50);
  EXPECT_GT(tally.reasons[UnplacedReason::kFilledEarlier], 20);
  EXPECT_GT(tally.reasons[UnplacedReason::kNoEdge], 50);
  EXPECT_EQ(tally.reasons[UnplacedReason::kNotBlocked], 0);
  EXPECT_GT(tally.welfare_nonzero_extra, 50);
}

TEST(ProposalRandomTest, CandidateNested) {
  Tally tally;
  CheckRandom(Kind::kCandidateNested, 62, 1000, &tally);
  PrintTally("candidate-nested", tally);
  EXPECT_GT(tally.reasons[UnplacedReason::kBindingCell], 50);
  EXPECT_GT(tally.welfare_nonzero_extra, 50);
}

TEST(ProposalRandomTest, Crossing) {
  Tally tally;
  CheckRandom(Kind::kCrossing, 63, 400, &tally);
  PrintTally("crossing", tally);
  EXPECT_GT(tally.reasons[UnplacedReason::kBindingCell], 20);
  EXPECT_GT(tally.welfare_nonzero_extra, 20);
  EXPECT_GT(tally.negative_extra, 0);  // the baselines are not monotone
}

// ---------------------------------------------------------------------------
// What-if tables

TEST(ProposalWhatIfTest, TablesCountEveryPlacementOfBothResults) {
  std::mt19937_64 rng(71);
  for (int i = 0; i < 200; ++i) {
    const Kind kind = static_cast<Kind>(i % 3);
    const Instance in = Generate(rng, kind);
    // The variant: other caps and another objective, as a what-if would.
    Instance wider = in;
    for (Cell& cell : wider.cells) cell.cap_remaining += 1;
    const Result base = MustSolve(in, Objective::kFirstComeFirstServed);
    const Result variant = MustSolve(wider, Objective::kMaxWelfare);
    SCOPED_TRACE(absl::StrCat("instance ", i));
    auto key_of = [&](int32_t e) {
      return in.vacancies[in.edges[e].vacancy].id.substr(0, 1) +
             std::to_string(in.edges[e].vacancy % 2);
    };
    absl::StatusOr<std::vector<FillRow>> rows = CompareFills(in, base, variant, key_of);
    ASSERT_TRUE(rows.ok()) << rows.status();
    ASSERT_FALSE(rows->empty());
    EXPECT_EQ(rows->back().key, "total");
    EXPECT_EQ(rows->back().baseline, base.placements);
    EXPECT_EQ(rows->back().variant, variant.placements);
    std::map<std::string, std::pair<int64_t, int64_t>> direct;
    for (const Assignment& a : base.assignments) ++direct[key_of(a.edge)].first;
    for (const Assignment& a : variant.assignments) ++direct[key_of(a.edge)].second;
    ASSERT_EQ(rows->size(), direct.size() + 1);
    size_t k = 0;
    int64_t sum_base = 0, sum_variant = 0;
    for (const auto& [key, counts] : direct) {
      EXPECT_EQ((*rows)[k].key, key);  // sorted, as the map is
      EXPECT_EQ((*rows)[k].baseline, counts.first);
      EXPECT_EQ((*rows)[k].variant, counts.second);
      sum_base += (*rows)[k].baseline;
      sum_variant += (*rows)[k].variant;
      ++k;
    }
    EXPECT_EQ(sum_base, base.placements);
    EXPECT_EQ(sum_variant, variant.placements);

    absl::StatusOr<std::vector<FillRow>> cells = FillsByCell(in, base, variant);
    ASSERT_TRUE(cells.ok()) << cells.status();
    ASSERT_EQ(cells->size(), in.cells.size() + 1);
    const Seen seen_base = See(in, base), seen_variant = See(wider, variant);
    for (size_t q = 0; q < in.cells.size(); ++q) {
      EXPECT_EQ((*cells)[q].key, in.cells[q].id);
      EXPECT_EQ((*cells)[q].baseline, seen_base.use[q]);
      EXPECT_EQ((*cells)[q].variant, seen_variant.use[q]);
    }
    EXPECT_EQ(cells->back().key, "total");
    EXPECT_EQ(cells->back().baseline, base.placements);
    EXPECT_EQ(cells->back().variant, variant.placements);
  }
}

TEST(ProposalWhatIfTest, RejectsAnEdgeOutOfRangeNamingIt) {
  const Instance in = BindingAndNonBindingCells();
  const Result r = MustSolve(in, Objective::kGreedy);
  Result bad = r;
  bad.assignments[1].edge = 99;
  auto key_of = [](int32_t e) { return std::to_string(e); };
  absl::StatusOr<std::vector<FillRow>> rows = CompareFills(in, r, bad, key_of);
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(rows.status().message()), HasSubstr("variant.assignments[1].edge"));
  bad = r;
  bad.assignments[0].route = Route::kOverflow;  // leaf a names no overflow cell
  rows = FillsByCell(in, bad, r);
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(rows.status().message()), HasSubstr("baseline.assignments[0].route"));
}

// ---------------------------------------------------------------------------
// Scale (run by hand: --gtest_also_run_disabled_tests
// --gtest_filter='*LargeProposal*'): the instance of allocation_test.cc's
// DISABLED_LargeNestedRound (LargeNestedRound, allocation_test_util.h).

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(ProposalScaleTest, DISABLED_LargeProposal) {
  for (bool vacancy_nested : {true, false}) {
    const Instance in = LargeNestedRound(vacancy_nested);
    std::printf("%s: %zu edges\n", vacancy_nested ? "vacancy-nested" : "candidate-nested",
                in.edges.size());
    for (Objective objective : {Objective::kMaxWelfare, Objective::kGreedy}) {
      SolveOptions options;
      options.objective = objective;
      auto start = std::chrono::steady_clock::now();
      absl::StatusOr<Result> r = Solve(in, options);
      const double solve = SecondsSince(start);
      ASSERT_TRUE(r.ok()) << r.status();
      start = std::chrono::steady_clock::now();
      // Greedy: explanations only (each re-solve would cost a Solve).
      absl::StatusOr<Proposal> p =
          ExplainProposal(in, *r, options, objective == Objective::kGreedy ? 0 : 200);
      const double explain = SecondsSince(start);
      ASSERT_TRUE(p.ok()) << p.status();
      std::map<UnplacedReason, int> reasons;
      for (const Unplaced& u : p->unplaced) ++reasons[u.reason];
      int64_t binding = 0, computed = 0;
      for (const CellSensitivity& s : p->sensitivities) {
        computed += s.computed;
        binding += s.computed && s.extra_placements > 0;
      }
      rusage usage;
      getrusage(RUSAGE_SELF, &usage);
      std::printf(
          "  objective %d: solve %.2f s, explain %.2f s; %zu unplaced (no edge %d, not blocked "
          "%d, cell %d, cut-off %d); %lld of %lld cells computed, %lld add a placement; peak "
          "RSS %ld MB\n",
          static_cast<int>(objective), solve, explain, p->unplaced.size(),
          reasons[UnplacedReason::kNoEdge], reasons[UnplacedReason::kNotBlocked],
          reasons[UnplacedReason::kBindingCell], reasons[UnplacedReason::kBelowCutoff],
          static_cast<long long>(computed), static_cast<long long>(in.cells.size()),
          static_cast<long long>(binding), usage.ru_maxrss / 1024);
      if (objective != Objective::kMaxWelfare) continue;
      EXPECT_EQ(computed, static_cast<int64_t>(in.cells.size()));
      EXPECT_EQ(reasons[UnplacedReason::kNotBlocked], 0);
      start = std::chrono::steady_clock::now();
      ASSERT_TRUE(ValidateInstance(in).ok());
      std::printf("  (of which ValidateInstance %.2f s)\n", SecondsSince(start));
      // The residual search against a re-solve, on the first cell that adds
      // a placement and the first saturated one that does not.
      int32_t adds = -1, saturated_only = -1;
      for (const CellSensitivity& s : p->sensitivities) {
        const bool full = r->cell_use[s.cell] == in.cells[s.cell].cap_remaining;
        if (adds < 0 && s.extra_placements == 1) adds = s.cell;
        if (saturated_only < 0 && full && s.extra_placements == 0) saturated_only = s.cell;
      }
      for (int32_t q : {adds, saturated_only}) {
        if (q < 0) continue;
        Instance raised = in;
        ++raised.cells[q].cap_remaining;
        absl::StatusOr<Result> again = Solve(raised, options);
        ASSERT_TRUE(again.ok()) << again.status();
        EXPECT_EQ(again->placements - r->placements, p->sensitivities[q].extra_placements);
        std::printf("  cell %s: re-solve gives %+lld, as the residual search says\n",
                    in.cells[q].id.c_str(),
                    static_cast<long long>(again->placements - r->placements));
      }
    }
  }
}

}  // namespace
}  // namespace corridor::matcher::allocation
