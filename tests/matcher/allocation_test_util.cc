#include "tests/matcher/allocation_test_util.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace corridor::matcher::allocation {

Instance LargeNestedRound(bool vacancy_nested) {
  std::mt19937_64 rng(7);
  Instance in;
  // 5 roots (destinations) -> 10 sectors each -> 445 occupation leaves.
  for (int d = 0; d < 5; ++d) in.cells.push_back({absl::StrCat("d", d), 9000, -1, -1});
  for (int s = 0; s < 50; ++s) in.cells.push_back({absl::StrCat("s", s), 1100, s / 10, -1});
  for (int o = 0; o < 445; ++o) {
    in.cells.push_back({absl::StrCat("o", o), 110, 5 + o % 50, -1});
  }
  // A third of the leaves overflow to their sector's first leaf.
  for (int o = 0; o < 445; ++o) {
    const int sector_first = 55 + o % 50;
    if (o % 3 == 0 && 55 + o != sector_first) in.cells[55 + o].overflow = sector_first;
  }
  std::uniform_int_distribution<int> leaf(55, 499), edges(20, 30), positions(1, 9);
  std::uniform_real_distribution<double> unit(0, 1);
  constexpr int kC = 100000;
  for (int c = 0; c < kC; ++c) in.candidates.push_back({absl::StrCat("c", c), c / 7});
  for (int v = 0; v < 10000; ++v) in.vacancies.push_back({absl::StrCat("v", v), positions(rng)});
  std::vector<int32_t> vacancy_leaf(10000);
  for (int32_t& l : vacancy_leaf) l = leaf(rng);
  for (int c = 0; c < kC; ++c) {
    const int32_t candidate_leaf = leaf(rng);
    std::set<int> chosen;
    const int k = edges(rng);
    while (static_cast<int>(chosen.size()) < k) {
      // Skewed popularity: u^2 favours low vacancy numbers.
      const double u = unit(rng);
      chosen.insert(static_cast<int>(u * u * 10000) % 10000);
    }
    for (int v : chosen) {
      in.edges.push_back({c, v, std::round(unit(rng) * 100000) / 1000,
                          vacancy_nested ? vacancy_leaf[v] : candidate_leaf});
    }
  }
  return in;
}

void ExpectFeasible(const Instance& instance, const Result& r) {
  ASSERT_EQ(r.cell_use.size(), instance.cells.size());
  std::vector<int> per_candidate(instance.candidates.size(), 0);
  std::vector<int64_t> per_vacancy(instance.vacancies.size(), 0);
  std::vector<int64_t> per_cell(instance.cells.size(), 0);
  int64_t micros = 0;
  for (const Assignment& a : r.assignments) {
    ASSERT_GE(a.edge, 0);
    ASSERT_LT(static_cast<size_t>(a.edge), instance.edges.size());
    const Edge& e = instance.edges[a.edge];
    ++per_candidate[e.candidate];
    ++per_vacancy[e.vacancy];
    micros += std::llround(e.score * 1e6);
    int32_t drawn = e.leaf;
    if (a.route == Route::kOverflow) {
      ASSERT_GE(e.leaf, 0);
      drawn = instance.cells[e.leaf].overflow;
      ASSERT_GE(drawn, 0);
    }
    for (int32_t q = drawn; q != -1; q = instance.cells[q].parent) ++per_cell[q];
  }
  for (int c : per_candidate) ASSERT_LE(c, 1);
  for (size_t v = 0; v < per_vacancy.size(); ++v) {
    ASSERT_LE(per_vacancy[v], instance.vacancies[v].positions) << "vacancy " << v;
  }
  for (size_t q = 0; q < per_cell.size(); ++q) {
    ASSERT_LE(per_cell[q], std::max<int64_t>(0, instance.cells[q].cap_remaining)) << "cell " << q;
    ASSERT_EQ(per_cell[q], r.cell_use[q]) << "reported use of cell " << q;
  }
  ASSERT_EQ(r.placements, static_cast<int64_t>(r.assignments.size()));
  ASSERT_EQ(r.total_score_micros, micros);
  ASSERT_TRUE(CheckAssignments(instance, r.assignments).ok());
}

long PeakRssMb() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

void TimeSolve(const Instance& in, const SolveOptions& options, const char* name) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<Result> r = Solve(in, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectFeasible(in, *r);
  std::printf("  %s (method %d): %.3f s, %lld placements, score %.3f, peak RSS %ld MB\n", name,
              static_cast<int>(r->method), seconds, static_cast<long long>(r->placements),
              r->total_score, PeakRssMb());
  if (r->method == Method::kLagrangian) {
    std::printf("    bounds: placements %.0f, score %.3f; gap %.4f %% of the score bound\n",
                r->placements_bound, r->score_bound_micros / 1e6,
                100 * (1 - static_cast<double>(r->total_score_micros) / r->score_bound_micros));
  }
}

}  // namespace corridor::matcher::allocation
