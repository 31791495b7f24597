// The welfare flow's sparse networks (matcher/allocation/welfare_flow.cc):
// a first network of each vacancy's best edges and their candidates' best 8,
// grown by a cut certificate (phase 1) and by pricing (phase 2), candidates
// left out whole priced through their leaf. The random instances give
// candidates 9-16 edges, so left-out edges and candidates are common; the
// reference is the solver's own CBC program (force_mip), which
// allocation_test.cc checks against a brute force. Also the order in which
// ValidateInstance reports a repeated pair against other bad fields.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/allocation/instance.h"
#include "matcher/allocation/solver.h"

namespace corridor::matcher::allocation {
namespace {

using ::testing::HasSubstr;

Result MustSolve(const Instance& instance, bool force_mip) {
  SolveOptions options;
  options.force_mip = force_mip;
  absl::StatusOr<Result> r = Solve(instance, options);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : Result{};
}

// The first network holds each vacancy's best 3 x positions + 1 edges, the
// best 8 edges of every candidate those name, and a first fit's edges
// (candidates in index order). Here candidate 0's edge to v8 is in none:
//   - candidate 0: v0..v8, scores 90..82 (its ninth edge goes to v8);
//   - candidates 1..8: v0..v7 (score `dedicated`), one each;
//   - candidates 9..12: their own u9..u12 (99), and v8 (95): v8's best four.
// Every vacancy has one position. `second_options` gives candidates 1..8 a
// poor vacancy of their own too (score 1).
Instance NinthEdgeRound(double dedicated, bool second_options) {
  Instance in;
  in.cells = {{"root", 100, -1, -1}};
  for (int v = 0; v < 9; ++v) in.vacancies.push_back({absl::StrCat("v", v), 1});
  for (int c = 0; c < 13; ++c) in.candidates.push_back({absl::StrCat("c", c), c});
  for (int v = 0; v < 9; ++v) in.edges.push_back({0, v, 90.0 - v, 0});
  for (int c = 1; c < 9; ++c) in.edges.push_back({c, c - 1, dedicated, 0});
  for (int c = 9; c < 13; ++c) {
    in.vacancies.push_back({absl::StrCat("u", c), 1});
    in.edges.push_back({c, static_cast<int32_t>(in.vacancies.size()) - 1, 99, 0});
    in.edges.push_back({c, 8, 95, 0});
  }
  if (second_options) {
    for (int c = 1; c < 9; ++c) {
      in.vacancies.push_back({absl::StrCat("w", c), 1});
      in.edges.push_back({c, static_cast<int32_t>(in.vacancies.size()) - 1, 1, 0});
    }
  }
  return in;
}

// The first fit puts candidate 0 on v0 and leaves candidate 1 out; all 13
// are placed only with candidate 0 on v8: the cut certificate must add it.
TEST(AllocationFlowTest, ALeftOutEdgeIsAddedForTheMostPlacements) {
  const Instance in = NinthEdgeRound(99, false);
  const Result r = MustSolve(in, false);
  EXPECT_EQ(r.method, Method::kFlowVacancyNested);
  EXPECT_EQ(r.placements, 13);
  EXPECT_EQ(r.total_score_micros, (8 * 99 + 82 + 4 * 99) * 1'000'000LL);
}

// With second options the first fit already places all 13 (candidate 1 on
// its poor vacancy), so phase 1 adds nothing; the best score, 8 x 95 + 82 +
// 4 x 99, needs candidate 0 on v8 (on v0: 90 + 1 + 7 x 95 + 4 x 99):
// phase 2's pricing must add the edge.
TEST(AllocationFlowTest, ALeftOutEdgeIsAddedForTheBestScore) {
  const Instance in = NinthEdgeRound(95, true);
  const Result r = MustSolve(in, false);
  EXPECT_EQ(r.placements, 13);
  EXPECT_EQ(r.total_score_micros, (8 * 95 + 82 + 4 * 99) * 1'000'000LL);
}

// Candidate-nested. e (86 on v1) draws from "e-leaf", under "p" (cap 1),
// overflowing to "reserve" (cap 1, under the root); g (100 on v2) and h (70
// on v3) draw from "g-leaf", also under p, with no other way: g holds p and
// h wants it, so p has a price of at least 70, e's own path is full and
// priced above e's gain over f (86 - 50), and its overflow path is open and
// free. e is in no first network: v1's best four are a..d (90..87, on the
// closed leaf "closed"), and the first fit puts f (50, on "open") on v1
// before e's turn. The optimum, 100 + 86, needs phase 2 to price in the
// left-out candidate e (placed by its overflow route). It fails if
// left-out candidates go unpriced; the random instances below do not. It
// does not catch pricing through the leaf path only: LEMON gives the empty
// e-leaf the potential 0, the highest its sign allows, so the leaf path
// already prices e in here.
TEST(AllocationFlowTest, ALeftOutCandidateIsPricedThroughItsOverflowCell) {
  Instance in;
  in.cells = {{"root", 100, -1, -1},  {"p", 1, 0, -1},     {"e-leaf", 5, 1, 3},
              {"reserve", 1, 0, -1},  {"g-leaf", 5, 1, -1}, {"open", 10, 0, -1},
              {"closed", 0, 0, -1}};
  in.vacancies = {{"v1", 1}, {"v2", 1}, {"v3", 1}};
  for (const char* id : {"f", "a", "b", "c", "d", "e", "g", "h"}) {
    in.candidates.push_back({id, static_cast<int64_t>(in.candidates.size())});
  }
  in.edges.push_back({0, 0, 50, 5});
  for (int c = 1; c <= 4; ++c) in.edges.push_back({c, 0, 91.0 - c, 6});
  in.edges.push_back({5, 0, 86, 2});
  in.edges.push_back({6, 1, 100, 4});
  in.edges.push_back({7, 2, 70, 4});
  const Result r = MustSolve(in, false);
  EXPECT_EQ(r.method, Method::kFlowCandidateNested);
  EXPECT_EQ(r.placements, 2);
  EXPECT_EQ(r.total_score_micros, (100 + 86) * 1'000'000LL);
  bool e_by_reserve = false;
  for (const Assignment& a : r.assignments) {
    e_by_reserve = e_by_reserve || (a.edge == 5 && a.route == Route::kOverflow);
  }
  EXPECT_TRUE(e_by_reserve);
}

// Vacancy-nested. u is in the first network (v0..v8 name it among their
// best four) but not its edge to w (80: u's tenth; w's best four are t1..t4
// at 95, who each have a vacancy x of their own at 99). d0..d8 hold v0..v8
// (99) and y holds w (10), so u is unplaced and its supply unused. The
// optimum, 13 x 99 + 80, puts u on w in y's place: the left-out edge prices
// in without a new candidate, so the residual network repairs the flow, and
// the cycle it needs uses u's unused supply (the residual arc from the slack
// node Z to u).
TEST(AllocationFlowTest, ARepairUsesACandidatesUnusedSupply) {
  Instance in;
  in.cells = {{"root", 100, -1, -1}};
  const auto add_candidate = [&](const std::string& id) {
    in.candidates.push_back({id, static_cast<int64_t>(in.candidates.size())});
    return static_cast<int32_t>(in.candidates.size()) - 1;
  };
  const auto add_vacancy = [&](const std::string& id) {
    in.vacancies.push_back({id, 1});
    return static_cast<int32_t>(in.vacancies.size()) - 1;
  };
  const int32_t u = add_candidate("u");
  const int32_t w = add_vacancy("w");
  for (int i = 0; i < 9; ++i) {
    const int32_t v = add_vacancy(absl::StrCat("v", i));
    in.edges.push_back({u, v, 90.0 - i, 0});
    in.edges.push_back({add_candidate(absl::StrCat("d", i)), v, 99, 0});
  }
  in.edges.push_back({u, w, 80, 0});
  for (int i = 1; i <= 4; ++i) {
    const int32_t t = add_candidate(absl::StrCat("t", i));
    in.edges.push_back({t, add_vacancy(absl::StrCat("x", i)), 99, 0});
    in.edges.push_back({t, w, 95, 0});
  }
  in.edges.push_back({add_candidate("y"), w, 10, 0});
  const Result r = MustSolve(in, false);
  EXPECT_EQ(r.method, Method::kFlowVacancyNested);
  EXPECT_EQ(r.placements, 14);
  EXPECT_EQ(r.total_score_micros, (13 * 99 + 80) * 1'000'000LL);
  const Result mip = MustSolve(in, true);
  EXPECT_EQ(r.total_score_micros, mip.total_score_micros);
}

enum class Kind { kVacancyNested, kCandidateNested };

// 30 candidates with 9-16 edges each over 18 vacancies, 8 cells with
// overflow, caps -1..7, positions 0..3, frequent score ties.
Instance Generate(std::mt19937_64& rng, Kind kind) {
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Instance in;
  constexpr int kCells = 8, kCandidates = 30, kVacancies = 18;
  for (int q = 0; q < kCells; ++q) {
    in.cells.push_back({absl::StrCat("q", q), uniform(-1, 7),
                        q == 0 || uniform(0, 3) == 0 ? -1 : uniform(0, q - 1), -1});
  }
  for (int q = 0; q < kCells; ++q) {
    if (uniform(0, 2) == 0) {
      const int o = uniform(0, kCells - 2);
      in.cells[q].overflow = o >= q ? o + 1 : o;
    }
  }
  const auto random_leaf = [&] { return uniform(0, 6) == 0 ? -1 : uniform(0, kCells - 1); };
  for (int c = 0; c < kCandidates; ++c) {
    in.candidates.push_back({absl::StrCat("c", c), uniform(0, 4)});
  }
  for (int v = 0; v < kVacancies; ++v) in.vacancies.push_back({absl::StrCat("v", v), uniform(0, 3)});
  std::vector<int32_t> vacancy_leaf(kVacancies), candidate_leaf(kCandidates);
  for (int32_t& l : vacancy_leaf) l = random_leaf();
  for (int32_t& l : candidate_leaf) l = random_leaf();
  for (int c = 0; c < kCandidates; ++c) {
    std::vector<int> vs(kVacancies);
    for (int v = 0; v < kVacancies; ++v) vs[v] = v;
    std::shuffle(vs.begin(), vs.end(), rng);
    const int k = uniform(9, 16);
    for (int i = 0; i < k; ++i) {
      const double score = uniform(0, 2) == 0 ? 10.0 * uniform(1, 4) : uniform(0, 100000) / 1000.0;
      in.edges.push_back({c, vs[i], score,
                          kind == Kind::kVacancyNested ? vacancy_leaf[vs[i]] : candidate_leaf[c]});
    }
  }
  return in;
}

void ExpectFlowMatchesCbc(Kind kind, Method method, uint64_t seed) {
  std::mt19937_64 rng(seed);
  int below_full = 0;
  for (int i = 0; i < 400; ++i) {
    const Instance in = Generate(rng, kind);
    SCOPED_TRACE(absl::StrCat("instance ", i));
    const Result flow = MustSolve(in, false);
    ASSERT_EQ(flow.method, method);
    ASSERT_TRUE(CheckAssignments(in, flow.assignments).ok());
    const Result mip = MustSolve(in, true);
    ASSERT_TRUE(mip.optimal);
    ASSERT_EQ(flow.placements, mip.placements);
    ASSERT_EQ(flow.total_score_micros, mip.total_score_micros);
    if (flow.placements < static_cast<int64_t>(in.candidates.size())) ++below_full;
  }
  // Caps and positions must leave candidates out, or every edge would do.
  EXPECT_GT(below_full, 300);
}

TEST(AllocationFlowTest, VacancyNestedWithManyEdgesPerCandidateMatchesCbc) {
  ExpectFlowMatchesCbc(Kind::kVacancyNested, Method::kFlowVacancyNested, 61);
}

TEST(AllocationFlowTest, CandidateNestedWithManyEdgesPerCandidateMatchesCbc) {
  ExpectFlowMatchesCbc(Kind::kCandidateNested, Method::kFlowCandidateNested, 62);
}

// One pass in index order would report the lower index first, whichever the
// kind of fault; the repeated-pair check runs apart from the others.
TEST(AllocationFlowTest, ValidationReportsTheLowestBadEdgeWhateverTheFault) {
  Instance base;
  base.candidates = {{"c0", 1}, {"c1", 2}};
  base.vacancies = {{"v0", 1}, {"v1", 1}};
  base.edges = {{0, 0, 50, -1}, {1, 0, 40, -1}, {1, 1, 30, -1}};
  ASSERT_TRUE(ValidateInstance(base).ok());
  {
    Instance bad = base;
    bad.edges[2] = bad.edges[0];       // edge 2 repeats (c0, v0)
    bad.edges[1].score = -1;           // and edge 1 has a bad score
    EXPECT_THAT(std::string(ValidateInstance(bad).message()), HasSubstr("edges[1].score"));
  }
  {
    Instance bad = base;
    bad.edges[1] = bad.edges[0];       // edge 1 repeats (c0, v0)
    bad.edges[2].score = -1;           // and edge 2 has a bad score
    EXPECT_THAT(std::string(ValidateInstance(bad).message()), HasSubstr("edges[1].vacancy"));
  }
  {
    Instance bad = base;
    bad.edges.push_back({1, 1, 10, -1});  // edge 3 repeats (c1, v1)
    bad.edges.push_back({1, 0, 10, -1});  // edge 4 repeats (c1, v0)
    EXPECT_THAT(std::string(ValidateInstance(bad).message()), HasSubstr("edges[3].vacancy"));
  }
}

}  // namespace
}  // namespace corridor::matcher::allocation
