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
