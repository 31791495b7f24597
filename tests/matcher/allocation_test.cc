// The allocation solver (matcher/allocation): the welfare result against an
// independent exact reference (a CBC program built here, with one weighted
// objective rather than the solver's two stages, and a brute force that checks
// CBC itself on tiny instances), feasibility of every objective's result, and
// the baselines' published order.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "CbcModel.hpp"
#include "CoinPackedMatrix.hpp"
#include "CoinPackedVector.hpp"
#include "OsiClpSolverInterface.hpp"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/allocation/instance.h"
#include "tests/matcher/allocation_test_util.h"
#include "matcher/allocation/solver.h"

namespace corridor::matcher::allocation {
namespace {

using ::testing::HasSubstr;

// ---------------------------------------------------------------------------
// Helpers

struct Objective2 {
  int64_t placements = 0;
  int64_t score_milli = 0;  // scores here are multiples of 0.001
  bool operator==(const Objective2& o) const {
    return placements == o.placements && score_milli == o.score_milli;
  }
  bool operator<(const Objective2& o) const {
    return placements != o.placements ? placements < o.placements
                                      : score_milli < o.score_milli;
  }
};

std::ostream& operator<<(std::ostream& os, const Objective2& o) {
  return os << "(" << o.placements << " placements, " << o.score_milli << " milli)";
}

int64_t Milli(double score) { return std::llround(score * 1000); }

Objective2 Of(const Result& r) {
  EXPECT_EQ(r.total_score_micros % 1000, 0) << "scores in these tests are multiples of 0.001";
  return {r.placements, r.total_score_micros / 1000};
}

Result MustSolve(const Instance& instance, Objective objective, bool force_mip = false) {
  SolveOptions options;
  options.objective = objective;
  options.force_mip = force_mip;
  absl::StatusOr<Result> r = Solve(instance, options);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : Result{};
}

// The cells a unit drawn from `cell` counts on, computed here independently
// of the library (a set, so a bad parent structure would show).
std::set<int32_t> PathOf(const Instance& instance, int32_t cell) {
  std::set<int32_t> path;
  while (cell != -1 && path.insert(cell).second) cell = instance.cells[cell].parent;
  return path;
}

// Each edge's allowed drawn cells (-1 when uncapped), as the documented model
// says: the leaf, and its overflow cell when it names one.
std::vector<std::vector<int32_t>> AllowedCells(const Instance& instance) {
  std::vector<std::vector<int32_t>> allowed;
  for (const Edge& e : instance.edges) {
    std::vector<int32_t> cells = {e.leaf};
    if (e.leaf >= 0 && instance.cells[e.leaf].overflow >= 0) {
      cells.push_back(instance.cells[e.leaf].overflow);
    }
    allowed.push_back(cells);
  }
  return allowed;
}

// Exact reference: one 0-1 program maximising sum (big + score_milli) x, with
// big larger than any total score so cardinality comes first.
Objective2 CbcOptimum(const Instance& instance) {
  const auto allowed = AllowedCells(instance);
  const int nc = static_cast<int>(instance.candidates.size());
  const int nv = static_cast<int>(instance.vacancies.size());
  const int nq = static_cast<int>(instance.cells.size());
  int64_t big = 1;
  for (const Edge& e : instance.edges) big += Milli(e.score);
  CoinPackedMatrix matrix(true, 0, 0);
  matrix.setDimensions(nc + nv + nq, 0);
  std::vector<double> obj;
  std::vector<int> col_edge;
  for (size_t e = 0; e < instance.edges.size(); ++e) {
    for (int32_t cell : allowed[e]) {
      CoinPackedVector col;
      col.insert(instance.edges[e].candidate, 1);
      col.insert(nc + instance.edges[e].vacancy, 1);
      for (int32_t q : PathOf(instance, cell)) col.insert(nc + nv + q, 1);
      matrix.appendCol(col);
      obj.push_back(-static_cast<double>(big + Milli(instance.edges[e].score)));
      col_edge.push_back(static_cast<int>(e));
    }
  }
  const int n = static_cast<int>(obj.size());
  std::vector<double> rlo(nc + nv + nq, 0), rup(nc + nv + nq);
  for (int c = 0; c < nc; ++c) rup[c] = 1;
  for (int v = 0; v < nv; ++v) rup[nc + v] = static_cast<double>(instance.vacancies[v].positions);
  for (int q = 0; q < nq; ++q) {
    rup[nc + nv + q] = std::max<double>(0, static_cast<double>(instance.cells[q].cap_remaining));
  }
  std::vector<double> clo(n, 0), cup(n, 1);
  OsiClpSolverInterface solver;
  solver.messageHandler()->setLogLevel(0);
  solver.loadProblem(matrix, clo.data(), cup.data(), obj.data(), rlo.data(), rup.data());
  for (int j = 0; j < n; ++j) solver.setInteger(j);
  CbcModel model(solver);
  model.setLogLevel(0);
  model.messageHandler()->setLogLevel(0);
  model.branchAndBound();
  EXPECT_TRUE(model.isProvenOptimal());
  Objective2 best;
  const double* x = model.bestSolution();
  if (x == nullptr) return best;  // only the empty assignment (n == 0 or no edges)
  for (int j = 0; j < n; ++j) {
    if (x[j] > 0.5) {
      ++best.placements;
      best.score_milli += Milli(instance.edges[col_edge[j]].score);
    }
  }
  return best;
}

// Exact reference for tiny instances: every choice per candidate (unplaced, or
// one edge by one allowed cell), pruned when a cap or position is exceeded.
Objective2 BruteForceOptimum(const Instance& instance) {
  const auto allowed = AllowedCells(instance);
  const int nc = static_cast<int>(instance.candidates.size());
  std::vector<std::vector<std::pair<int, int32_t>>> options(nc);  // (edge, cell)
  for (size_t e = 0; e < instance.edges.size(); ++e) {
    for (int32_t cell : allowed[e]) {
      options[instance.edges[e].candidate].push_back({static_cast<int>(e), cell});
    }
  }
  std::vector<int64_t> filled(instance.vacancies.size(), 0), use(instance.cells.size(), 0);
  Objective2 best, now;
  std::function<void(int)> go = [&](int c) {
    if (c == nc) {
      if (best < now) best = now;
      return;
    }
    go(c + 1);  // c unplaced
    for (const auto& [e, cell] : options[c]) {
      const Edge& edge = instance.edges[e];
      if (filled[edge.vacancy] >= instance.vacancies[edge.vacancy].positions) continue;
      const std::set<int32_t> path = PathOf(instance, cell);
      bool room = true;
      for (int32_t q : path) room = room && use[q] < instance.cells[q].cap_remaining;
      if (!room) continue;
      ++filled[edge.vacancy];
      for (int32_t q : path) ++use[q];
      ++now.placements;
      now.score_milli += Milli(edge.score);
      go(c + 1);
      --filled[edge.vacancy];
      for (int32_t q : path) --use[q];
      --now.placements;
      now.score_milli -= Milli(edge.score);
    }
  };
  go(0);
  return best;
}

// ---------------------------------------------------------------------------
// Random instances

enum class Kind { kVacancyNested, kCandidateNested, kCrossing };

struct Shape {
  int candidates, vacancies, cells, max_edges;
};

Instance Generate(std::mt19937_64& rng, Kind kind, const Shape& shape) {
  auto uniform = [&](int lo, int hi) {  // inclusive
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  Instance in;
  for (int q = 0; q < shape.cells; ++q) {
    Cell cell;
    cell.id = absl::StrCat("q", q);
    cell.cap_remaining = uniform(-1, 4);
    cell.parent = (q == 0 || uniform(0, 3) == 0) ? -1 : uniform(0, q - 1);
    in.cells.push_back(cell);
  }
  for (int q = 0; q < shape.cells; ++q) {
    if (shape.cells > 1 && uniform(0, 2) == 0) {
      int32_t o = uniform(0, shape.cells - 2);
      in.cells[q].overflow = o >= q ? o + 1 : o;
    }
  }
  auto random_leaf = [&]() { return uniform(0, 5) == 0 ? -1 : uniform(0, shape.cells - 1); };
  for (int c = 0; c < shape.candidates; ++c) {
    in.candidates.push_back({absl::StrCat("c", c), static_cast<int64_t>(uniform(0, 4))});
  }
  for (int v = 0; v < shape.vacancies; ++v) {
    in.vacancies.push_back({absl::StrCat("v", v), uniform(0, 3)});
  }
  std::vector<int32_t> vacancy_leaf(shape.vacancies), candidate_leaf(shape.candidates);
  for (int32_t& l : vacancy_leaf) l = random_leaf();
  for (int32_t& l : candidate_leaf) l = random_leaf();
  for (int c = 0; c < shape.candidates; ++c) {
    std::vector<int> vs(shape.vacancies);
    for (int v = 0; v < shape.vacancies; ++v) vs[v] = v;
    std::shuffle(vs.begin(), vs.end(), rng);
    const int k = uniform(0, std::min(shape.max_edges, shape.vacancies));
    for (int i = 0; i < k; ++i) {
      Edge e;
      e.candidate = c;
      e.vacancy = vs[i];
      // Ties are frequent on purpose.
      e.score = uniform(0, 2) == 0 ? 10.0 * uniform(1, 3) : uniform(0, 100000) / 1000.0;
      e.leaf = kind == Kind::kVacancyNested     ? vacancy_leaf[vs[i]]
               : kind == Kind::kCandidateNested ? candidate_leaf[c]
                                                : random_leaf();
      in.edges.push_back(e);
    }
  }
  return in;
}

const char* KindName(Kind kind) {
  return kind == Kind::kVacancyNested     ? "vacancy-nested"
         : kind == Kind::kCandidateNested ? "candidate-nested"
                                          : "crossing";
}

constexpr Shape kSmall = {12, 6, 7, 4};
constexpr Shape kTiny = {6, 3, 4, 2};

// ---------------------------------------------------------------------------
// Validation and the checker

TEST(AllocationInstanceTest, RejectsEachBadFieldNamingIt) {
  Instance base;
  base.candidates = {{"c0", 1}, {"c1", 2}};
  base.vacancies = {{"v0", 1}};
  base.cells = {{"root", 5, -1, -1}, {"leaf", 1, 0, -1}};
  base.edges = {{0, 0, 50, 1}, {1, 0, 40, -1}};
  ASSERT_TRUE(ValidateInstance(base).ok());
  struct Case {
    std::function<void(Instance&)> mutate;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](Instance& i) { i.candidates[1].id = "c0"; }, "candidates[1].id"},
      {[](Instance& i) { i.vacancies[0].id = ""; }, "vacancies[0].id"},
      {[](Instance& i) { i.vacancies[0].positions = -1; }, "vacancies[0].positions"},
      {[](Instance& i) { i.cells[1].parent = 2; }, "cells[1].parent"},
      {[](Instance& i) { i.cells[0].parent = 1; }, "cells[0].parent"},  // cycle
      {[](Instance& i) { i.cells[1].overflow = 1; }, "cells[1].overflow"},
      {[](Instance& i) { i.edges[0].candidate = 2; }, "edges[0].candidate"},
      {[](Instance& i) { i.edges[1].vacancy = -1; }, "edges[1].vacancy"},
      {[](Instance& i) { i.edges[0].score = -0.5; }, "edges[0].score"},
      {[](Instance& i) { i.edges[0].score = std::nan(""); }, "edges[0].score"},
      {[](Instance& i) { i.edges[0].leaf = 7; }, "edges[0].leaf"},
      {[](Instance& i) { i.edges[1].candidate = 0; }, "edges[1].vacancy"},  // duplicate pair
  };
  for (const Case& c : cases) {
    Instance bad = base;
    c.mutate(bad);
    const absl::Status s = ValidateInstance(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.field));
    // Solve refuses it too, whatever the objective.
    EXPECT_FALSE(Solve(bad, SolveOptions{}).ok()) << c.field;
  }
}

// Two leaves under a root of cap 1; the second leaf overflows to the first.
Instance CheckerInstance() {
  Instance in;
  in.candidates = {{"c0", 0}, {"c1", 0}, {"c2", 0}};
  in.vacancies = {{"v0", 1}, {"v1", 2}};
  in.cells = {{"root", 1, -1, -1}, {"a", 5, 0, -1}, {"b", 5, 0, 1}, {"free", 9, -1, -1}};
  in.edges = {{0, 0, 10, 1}, {1, 1, 10, 2}, {2, 1, 10, 3}, {0, 1, 5, 3}, {1, 0, 5, -1}};
  return in;
}

TEST(AllocationCheckerTest, AcceptsAFeasibleAssignment) {
  const Instance in = CheckerInstance();
  EXPECT_TRUE(CheckAssignments(in, {{0, Route::kLeaf}, {2, Route::kLeaf}}).ok());
  EXPECT_TRUE(CheckAssignments(in, {{1, Route::kOverflow}, {2, Route::kLeaf}}).ok());
}

TEST(AllocationCheckerTest, RejectsACandidatePlacedTwice) {
  const Instance in = CheckerInstance();
  EXPECT_EQ(CheckAssignments(in, {{0, Route::kLeaf}, {3, Route::kLeaf}}).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(AllocationCheckerTest, RejectsAVacancyOverItsPositions) {
  const Instance in = CheckerInstance();
  EXPECT_EQ(CheckAssignments(in, {{0, Route::kLeaf}, {4, Route::kLeaf}}).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(AllocationCheckerTest, RejectsAnAncestorOverItsCap) {
  const Instance in = CheckerInstance();
  // Leaves a and b have room; their root (cap 1) does not.
  const absl::Status s = CheckAssignments(in, {{0, Route::kLeaf}, {1, Route::kLeaf}});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("root"));
}

TEST(AllocationCheckerTest, RejectsAnOverflowRouteTheLeafDoesNotName) {
  const Instance in = CheckerInstance();
  EXPECT_FALSE(CheckAssignments(in, {{0, Route::kOverflow}}).ok());  // leaf a: no overflow
  EXPECT_FALSE(CheckAssignments(in, {{4, Route::kOverflow}}).ok());  // uncapped
}

TEST(AllocationCheckerTest, TreatsANegativeCapAsFull) {
  Instance in = CheckerInstance();
  in.cells[3].cap_remaining = -2;
  EXPECT_FALSE(CheckAssignments(in, {{2, Route::kLeaf}}).ok());
  EXPECT_TRUE(CheckAssignments(in, {}).ok());
}

// ---------------------------------------------------------------------------
// Hand-made cases

TEST(AllocationWelfareTest, PrefersMorePlacementsToAHigherScore) {
  Instance in;
  in.candidates = {{"c0", 0}, {"c1", 0}};
  in.vacancies = {{"v0", 1}, {"v1", 1}};
  in.edges = {{0, 0, 100, -1}, {0, 1, 10, -1}, {1, 0, 10, -1}};
  const Result welfare = MustSolve(in, Objective::kMaxWelfare);
  EXPECT_EQ(welfare.placements, 2);
  EXPECT_EQ(welfare.total_score_micros, 20'000'000);
  const Result greedy = MustSolve(in, Objective::kGreedy);
  EXPECT_EQ(greedy.placements, 1);
  EXPECT_EQ(greedy.total_score_micros, 100'000'000);
}

TEST(AllocationWelfareTest, AParentCapBindsAcrossItsLeaves) {
  // Vacancy-nested: v0 in leaf a, v1 in leaf b, parent cap 2; three candidates.
  Instance in;
  in.candidates = {{"c0", 0}, {"c1", 0}, {"c2", 0}};
  in.vacancies = {{"v0", 3}, {"v1", 3}};
  in.cells = {{"p", 2, -1, -1}, {"a", 2, 0, -1}, {"b", 2, 0, -1}};
  in.edges = {{0, 0, 30, 1}, {1, 1, 20, 2}, {2, 0, 10, 1}, {2, 1, 15, 2}};
  const Result r = MustSolve(in, Objective::kMaxWelfare);
  EXPECT_EQ(r.method, Method::kFlowVacancyNested);
  EXPECT_EQ(r.placements, 2);
  EXPECT_EQ(r.total_score_micros, 50'000'000);
  EXPECT_EQ(r.cell_use, (std::vector<int64_t>{2, 1, 1}));
  ExpectFeasible(in, r);
}

TEST(AllocationWelfareTest, UsesTheOverflowCellWhenTheLeafIsFull) {
  // Candidate-nested: c0's and c1's leaf is "ph" (cap 1), overflow "pool";
  // c2's leaf is the full cell "other", which makes v0's edges name two
  // leaves (so the vacancy-side network does not apply).
  Instance in;
  in.candidates = {{"c0", 0}, {"c1", 0}, {"c2", 0}};
  in.vacancies = {{"v0", 1}, {"v1", 1}};
  in.cells = {{"ph", 1, -1, 1}, {"pool", 1, -1, -1}, {"other", 0, -1, -1}};
  in.edges = {{0, 0, 30, 0}, {1, 1, 20, 0}, {2, 0, 90, 2}};
  const Result r = MustSolve(in, Objective::kMaxWelfare);
  EXPECT_EQ(r.method, Method::kFlowCandidateNested);
  EXPECT_EQ(r.placements, 2);
  EXPECT_EQ(r.cell_use, (std::vector<int64_t>{1, 1, 0}));
  ExpectFeasible(in, r);
  // Without the overflow only one fits.
  in.cells[0].overflow = -1;
  EXPECT_EQ(MustSolve(in, Objective::kMaxWelfare).placements, 1);
}

TEST(AllocationWelfareTest, CrossingCellsAreSolvedExactlyByTheProgram) {
  // c0's edges fall in two leaves, and so do v0's: neither flow fits.
  Instance in;
  in.candidates = {{"c0", 0}, {"c1", 0}, {"c2", 0}};
  in.vacancies = {{"v0", 2}, {"v1", 1}};
  in.cells = {{"x", 1, -1, -1}, {"y", 1, -1, -1}};
  in.edges = {{0, 0, 50, 0}, {0, 1, 40, 1}, {1, 0, 30, 1}, {2, 1, 60, 0}};
  const Result r = MustSolve(in, Objective::kMaxWelfare);
  EXPECT_EQ(r.method, Method::kMip);
  EXPECT_TRUE(r.optimal);
  EXPECT_EQ(Of(r), BruteForceOptimum(in));
  EXPECT_EQ(r.placements, 2);
  ExpectFeasible(in, r);
  EXPECT_LE(r.placements, r.placements_bound + 1e-6);
  EXPECT_LE(r.total_score_micros, r.score_bound_micros + 1e-3);
}

TEST(AllocationGreedyTest, BreaksScoreTiesByEarlierRegistrationThenId) {
  Instance in;
  in.candidates = {{"c-b", 5}, {"c-a", 5}, {"c-early", 1}};
  in.vacancies = {{"v0", 1}, {"v1", 1}};
  in.edges = {{0, 0, 10, -1}, {1, 0, 10, -1}, {2, 0, 10, -1}, {0, 1, 10, -1}, {1, 1, 10, -1}};
  const Result r = MustSolve(in, Objective::kGreedy);
  ASSERT_EQ(r.placements, 2);
  // c-early takes v0; then c-a (id before c-b) takes v1.
  EXPECT_EQ(r.assignments[0].edge, 2);
  EXPECT_EQ(r.assignments[1].edge, 4);
}

TEST(AllocationGreedyTest, TakesTheOverflowPathOnlyWhenTheLeafPathIsFull) {
  Instance in;
  in.candidates = {{"c0", 0}, {"c1", 1}};
  in.vacancies = {{"v0", 2}};
  in.cells = {{"ph", 1, -1, 1}, {"pool", 5, -1, -1}};
  in.edges = {{0, 0, 50, 0}, {1, 0, 40, 0}};
  const Result r = MustSolve(in, Objective::kGreedy);
  ASSERT_EQ(r.placements, 2);
  EXPECT_EQ(r.assignments[0].route, Route::kLeaf);
  EXPECT_EQ(r.assignments[1].route, Route::kOverflow);
}

TEST(AllocationFcfsTest, EarlierRegistrationTakesItsBestVacancyFirst) {
  Instance in;
  in.candidates = {{"late", 9}, {"early", 1}};
  in.vacancies = {{"v0", 1}, {"v1", 1}};
  in.edges = {{0, 0, 90, -1}, {1, 0, 80, -1}, {1, 1, 70, -1}};
  const Result r = MustSolve(in, Objective::kFirstComeFirstServed);
  EXPECT_EQ(r.method, Method::kFirstComeFirstServed);
  // "early" takes v0 (its best); "late" finds v0 gone and has no other edge.
  ASSERT_EQ(r.placements, 1);
  EXPECT_EQ(r.assignments[0].edge, 1);
  const Result greedy = MustSolve(in, Objective::kGreedy);
  EXPECT_EQ(greedy.placements, 2);  // greedy gives v0 to the 90 first
}

// The draw's order is a published function of the seed and the ids: these
// orders were computed apart, with Python's hashlib (sorted by
// sha256(seed + b"\\x00" + id).digest()).
TEST(AllocationLotteryTest, DrawsInTheOrderOfTheSeededHashes) {
  Instance in;
  for (int c = 0; c < 8; ++c) in.candidates.push_back({absl::StrCat("c", c), 1000 - c});
  in.vacancies = {{"v0", 1}};
  in.cells = {{"root", 3, -1, -1}};
  for (int c = 0; c < 8; ++c) in.edges.push_back({c, 0, 50, 0});
  const auto order = [&](const std::string& seed) {
    const Instance drawn = DrawLots(in, seed);
    std::vector<std::string> ids(drawn.candidates.size());
    for (const Candidate& c : drawn.candidates) ids[c.registered_micros] = c.id;
    return ids;
  };
  EXPECT_EQ(order("click-day-2027"),
            (std::vector<std::string>{"c1", "c2", "c6", "c5", "c7", "c4", "c3", "c0"}));
  EXPECT_EQ(order("another-seed"),
            (std::vector<std::string>{"c7", "c6", "c2", "c3", "c0", "c1", "c5", "c4"}));
  // Only the registration times change.
  const Instance drawn = DrawLots(in, "click-day-2027");
  ASSERT_EQ(drawn.edges.size(), in.edges.size());
  EXPECT_EQ(drawn.cells[0].cap_remaining, 3);
  // First come first served on the draw: the first in the draw gets v0.
  const Result lottery = MustSolve(drawn, Objective::kFirstComeFirstServed);
  ASSERT_EQ(lottery.placements, 1);
  EXPECT_EQ(in.edges[lottery.assignments[0].edge].candidate, 1);
  const Result click_day = MustSolve(in, Objective::kFirstComeFirstServed);
  ASSERT_EQ(click_day.placements, 1);
  EXPECT_EQ(in.edges[click_day.assignments[0].edge].candidate, 7);  // registered first
}

// ---------------------------------------------------------------------------
// Random instances against the references

TEST(AllocationReferenceTest, BruteForceAgreesWithCbcOnTinyInstances) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 300; ++i) {
    const Kind kind = static_cast<Kind>(i % 3);
    const Instance in = Generate(rng, kind, kTiny);
    SCOPED_TRACE(absl::StrCat("instance ", i, " ", KindName(kind)));
    ASSERT_EQ(BruteForceOptimum(in), CbcOptimum(in));
  }
}

void ExpectWelfareMatchesCbc(Kind kind, Method method, uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  int binding = 0;
  int fractional = 0;
  for (int i = 0; i < count; ++i) {
    const Instance in = Generate(rng, kind, kSmall);
    SCOPED_TRACE(absl::StrCat("instance ", i, " ", KindName(kind)));
    const Result r = MustSolve(in, Objective::kMaxWelfare);
    ExpectFeasible(in, r);
    ASSERT_EQ(r.method, method);
    const Objective2 reference = CbcOptimum(in);
    ASSERT_EQ(Of(r), reference);
    EXPECT_TRUE(r.optimal);
    if (method == Method::kMip) {
      // The LP relaxation bounds the result, and is often fractional here:
      // crossing cells are not a flow.
      EXPECT_GE(r.placements_bound, static_cast<double>(r.placements) - 1e-6);
      if (r.placements_bound < static_cast<double>(r.placements) + 1e-6) {
        EXPECT_GE(r.score_bound_micros, static_cast<double>(r.total_score_micros) - 1.0);
      }
      if (r.placements_bound > static_cast<double>(r.placements) + 1e-6 ||
          r.score_bound_micros > static_cast<double>(r.total_score_micros) + 1.0) {
        ++fractional;
      }
    } else {
      // A flow's LP is integral: the bound is the result.
      EXPECT_NEAR(r.placements_bound, static_cast<double>(r.placements), 1e-6);
      EXPECT_NEAR(r.score_bound_micros, static_cast<double>(r.total_score_micros), 1.0);
    }
    const Result greedy = MustSolve(in, Objective::kGreedy);
    if (greedy.placements < r.placements) ++binding;
  }
  // The generator must make caps matter, or the comparison says little.
  EXPECT_GT(binding, count / 10);
  if (method == Method::kMip) {
    std::printf("%d of %d crossing instances have a fractional LP bound\n", fractional, count);
  }
}

TEST(AllocationWelfareRandomTest, VacancyNestedMatchesCbc) {
  ExpectWelfareMatchesCbc(Kind::kVacancyNested, Method::kFlowVacancyNested, 21, 300);
}

TEST(AllocationWelfareRandomTest, CandidateNestedMatchesCbc) {
  ExpectWelfareMatchesCbc(Kind::kCandidateNested, Method::kFlowCandidateNested, 22, 300);
}

TEST(AllocationWelfareRandomTest, CrossingMatchesCbc) {
  ExpectWelfareMatchesCbc(Kind::kCrossing, Method::kMip, 23, 150);
}

TEST(AllocationWelfareRandomTest, MatchesBruteForceOnTinyInstances) {
  std::mt19937_64 rng(31);
  for (int i = 0; i < 300; ++i) {
    const Kind kind = static_cast<Kind>(i % 3);
    const Instance in = Generate(rng, kind, kTiny);
    SCOPED_TRACE(absl::StrCat("instance ", i, " ", KindName(kind)));
    const Result r = MustSolve(in, Objective::kMaxWelfare);
    ExpectFeasible(in, r);
    ASSERT_EQ(Of(r), BruteForceOptimum(in));
  }
}

TEST(AllocationWelfareRandomTest, TheProgramAgreesWithTheFlowOnNestedInstances) {
  std::mt19937_64 rng(41);
  for (int i = 0; i < 100; ++i) {
    const Kind kind = i % 2 == 0 ? Kind::kVacancyNested : Kind::kCandidateNested;
    const Instance in = Generate(rng, kind, kSmall);
    SCOPED_TRACE(absl::StrCat("instance ", i, " ", KindName(kind)));
    const Result flow = MustSolve(in, Objective::kMaxWelfare);
    const Result mip = MustSolve(in, Objective::kMaxWelfare, /*force_mip=*/true);
    ASSERT_EQ(mip.method, Method::kMip);
    ExpectFeasible(in, mip);
    ASSERT_EQ(Of(flow), Of(mip));
  }
}

TEST(AllocationBaselineRandomTest, BaselinesAreFeasibleAndNeverBeatWelfare) {
  std::mt19937_64 rng(51);
  int strictly_worse = 0;
  for (int i = 0; i < 300; ++i) {
    const Kind kind = static_cast<Kind>(i % 3);
    const Instance in = Generate(rng, kind, kSmall);
    SCOPED_TRACE(absl::StrCat("instance ", i, " ", KindName(kind)));
    const Result welfare = MustSolve(in, Objective::kMaxWelfare);
    for (Objective objective : {Objective::kGreedy, Objective::kFirstComeFirstServed}) {
      const Result r = MustSolve(in, objective);
      ExpectFeasible(in, r);
      EXPECT_FALSE(Of(welfare) < Of(r));
      if (Of(r) < Of(welfare)) ++strictly_worse;
    }
  }
  EXPECT_GT(strictly_worse, 0);
}

// ---------------------------------------------------------------------------
// Scale (run by hand: --gtest_also_run_disabled_tests
// --gtest_filter='*LargeNestedRound*'): 100k candidates x 10k vacancies x 500
// nested cells, 20-30 edges per candidate (LargeNestedRound, allocation_test_util.h).

void TimeLarge(bool vacancy_nested) {
  const Instance in = LargeNestedRound(vacancy_nested);
  std::printf("%s: %zu candidates, %zu vacancies, %zu cells, %zu edges\n",
              vacancy_nested ? "vacancy-nested" : "candidate-nested", in.candidates.size(),
              in.vacancies.size(), in.cells.size(), in.edges.size());
  for (Objective objective :
       {Objective::kMaxWelfare, Objective::kGreedy, Objective::kFirstComeFirstServed}) {
    SolveOptions options;
    options.objective = objective;
    TimeSolve(in, options,
              objective == Objective::kMaxWelfare ? "welfare"
              : objective == Objective::kGreedy   ? "greedy"
                                                  : "first come first served");
  }
}

TEST(AllocationScaleTest, DISABLED_LargeNestedRound) {
  TimeLarge(/*vacancy_nested=*/true);
  TimeLarge(/*vacancy_nested=*/false);
}

}  // namespace
}  // namespace corridor::matcher::allocation
