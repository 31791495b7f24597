// The stable objective (deferred acceptance) of matcher/allocation, against
// brute forces written here from the definition in docs/allocation.md
// ("Stable objective"), independently of the library's own search:
//   - the round's choice: contracts (edges) in the round's priority order,
//     each kept when the kept set stays feasible; feasibility by enumerating
//     every route of every contract;
//   - a blocking pair of M: an edge z = (c, v) not in M, where c is unplaced
//     or strictly prefers z to its placement, and z is kept by the choice
//     applied to M plus z;
//   - on tiny instances, every feasible assignment, to find all stable ones.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
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
#include "matcher/allocation/solver.h"

namespace corridor::matcher::allocation {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// ---------------------------------------------------------------------------
// The definition, by brute force

int64_t Micros(double x) { return std::llround(x * 1e6); }

// The round's priority: score, then earlier registration, candidate id,
// vacancy id.
bool RoundRanksAbove(const Instance& in, int32_t a, int32_t b) {
  const Edge& ea = in.edges[a];
  const Edge& eb = in.edges[b];
  if (Micros(ea.score) != Micros(eb.score)) return Micros(ea.score) > Micros(eb.score);
  const Candidate& ca = in.candidates[ea.candidate];
  const Candidate& cb = in.candidates[eb.candidate];
  if (ca.registered_micros != cb.registered_micros) {
    return ca.registered_micros < cb.registered_micros;
  }
  if (ca.id != cb.id) return ca.id < cb.id;
  return in.vacancies[ea.vacancy].id < in.vacancies[eb.vacancy].id;
}

// A candidate's order: preference (the score when not given), then score,
// then vacancy id.
bool CandidatePrefers(const Instance& in, int32_t a, int32_t b) {
  const Edge& ea = in.edges[a];
  const Edge& eb = in.edges[b];
  const int64_t pa = Micros(ea.preference < 0 ? ea.score : ea.preference);
  const int64_t pb = Micros(eb.preference < 0 ? eb.score : eb.preference);
  if (pa != pb) return pa > pb;
  if (Micros(ea.score) != Micros(eb.score)) return Micros(ea.score) > Micros(eb.score);
  return in.vacancies[ea.vacancy].id < in.vacancies[eb.vacancy].id;
}

// Whether the contracts fit together: positions, and some choice of route
// per contract (leaf, or its overflow cell) keeping every cell on every
// drawn path within max(cap, 0). Candidates are not looked at: the round's
// choice may weigh two contracts of one candidate.
bool FitTogether(const Instance& in, const std::vector<int32_t>& contracts) {
  std::vector<int64_t> filled(in.vacancies.size(), 0);
  for (int32_t e : contracts) {
    if (++filled[in.edges[e].vacancy] > in.vacancies[in.edges[e].vacancy].positions) return false;
  }
  std::vector<int64_t> use(in.cells.size(), 0);
  std::function<bool(size_t)> route = [&](size_t i) {
    if (i == contracts.size()) return true;
    const Edge& e = in.edges[contracts[i]];
    std::vector<int32_t> options = {e.leaf};
    if (e.leaf >= 0 && in.cells[e.leaf].overflow >= 0) options.push_back(in.cells[e.leaf].overflow);
    for (int32_t drawn : options) {
      std::vector<int32_t> path;
      for (int32_t q = drawn; q != -1; q = in.cells[q].parent) path.push_back(q);
      bool room = true;
      for (int32_t q : path) room = room && use[q] < in.cells[q].cap_remaining;
      if (!room) continue;
      for (int32_t q : path) ++use[q];
      const bool rest = route(i + 1);
      for (int32_t q : path) --use[q];
      if (rest) return true;
    }
    return false;
  };
  return route(0);
}

// The round's choice from `offered`.
std::vector<int32_t> RoundChoice(const Instance& in, std::vector<int32_t> offered) {
  std::sort(offered.begin(), offered.end(),
            [&](int32_t a, int32_t b) { return RoundRanksAbove(in, a, b); });
  std::vector<int32_t> kept;
  for (int32_t e : offered) {
    kept.push_back(e);
    if (!FitTogether(in, kept)) kept.pop_back();
  }
  return kept;
}

std::vector<int32_t> EdgesOf(const std::vector<Assignment>& assignments) {
  std::vector<int32_t> edges;
  for (const Assignment& a : assignments) edges.push_back(a.edge);
  std::sort(edges.begin(), edges.end());
  return edges;
}

// The blocking pairs of M (edge indices, ascending). With
// `drop_own_placement`, the variant that applies the choice to M minus c's
// placement plus z instead (shown below to admit no stable assignment).
std::vector<int32_t> BruteForceBlockingPairs(const Instance& in, const std::vector<int32_t>& m,
                                             bool drop_own_placement = false,
                                             bool stop_at_first = false) {
  std::vector<int32_t> placement(in.candidates.size(), -1);
  for (int32_t e : m) placement[in.edges[e].candidate] = e;
  std::vector<int32_t> blocking;
  for (int32_t z = 0; z < static_cast<int32_t>(in.edges.size()); ++z) {
    if (std::find(m.begin(), m.end(), z) != m.end()) continue;
    const int32_t own = placement[in.edges[z].candidate];
    if (own >= 0 && !CandidatePrefers(in, z, own)) continue;
    std::vector<int32_t> offered;
    for (int32_t e : m) {
      if (!(drop_own_placement && e == own)) offered.push_back(e);
    }
    offered.push_back(z);
    const std::vector<int32_t> kept = RoundChoice(in, offered);
    if (std::find(kept.begin(), kept.end(), z) != kept.end()) {
      blocking.push_back(z);
      if (stop_at_first) break;
    }
  }
  return blocking;
}

// Every feasible assignment (at most one edge per candidate).
std::vector<std::vector<int32_t>> AllFeasibleAssignments(const Instance& in) {
  std::vector<std::vector<int32_t>> by_candidate(in.candidates.size());
  for (int32_t e = 0; e < static_cast<int32_t>(in.edges.size()); ++e) {
    by_candidate[in.edges[e].candidate].push_back(e);
  }
  std::vector<std::vector<int32_t>> all;
  std::vector<int32_t> now;
  std::function<void(size_t)> go = [&](size_t c) {
    if (!FitTogether(in, now)) return;  // pruned: a subset of an infeasible set stays so
    if (c == by_candidate.size()) {
      std::vector<int32_t> sorted = now;
      std::sort(sorted.begin(), sorted.end());
      all.push_back(sorted);
      return;
    }
    go(c + 1);
    for (int32_t e : by_candidate[c]) {
      now.push_back(e);
      go(c + 1);
      now.pop_back();
    }
  };
  go(0);
  return all;
}

std::vector<std::vector<int32_t>> AllStableAssignments(const Instance& in,
                                                       bool drop_own_placement = false) {
  std::vector<std::vector<int32_t>> stable;
  for (const std::vector<int32_t>& m : AllFeasibleAssignments(in)) {
    if (BruteForceBlockingPairs(in, m, drop_own_placement, /*stop_at_first=*/true).empty()) {
      stable.push_back(m);
    }
  }
  return stable;
}

// Whether candidate c weakly prefers its outcome in `a` to that in `b`.
bool WeaklyPrefers(const Instance& in, int32_t c, const std::vector<int32_t>& a,
                   const std::vector<int32_t>& b) {
  auto of = [&](const std::vector<int32_t>& m) {
    for (int32_t e : m) {
      if (in.edges[e].candidate == c) return e;
    }
    return -1;
  };
  const int32_t ea = of(a);
  const int32_t eb = of(b);
  if (eb < 0) return true;
  if (ea < 0) return false;
  return ea == eb || CandidatePrefers(in, ea, eb);
}

Result MustSolve(const Instance& in, Objective objective) {
  SolveOptions options;
  options.objective = objective;
  absl::StatusOr<Result> r = Solve(in, options);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : Result{};
}

bool VacancyNested(const Instance& in) {
  std::vector<int32_t> leaf(in.vacancies.size(), -2);
  for (const Edge& e : in.edges) {
    if (leaf[e.vacancy] == -2) leaf[e.vacancy] = e.leaf;
    if (leaf[e.vacancy] != e.leaf) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Random instances: a forest of cells with overflow, caps -1..3, positions
// 0..2, frequent ties in registration, score and preference.

struct Shape {
  int candidates, vacancies, cells, max_edges, max_positions, max_cap;
};

Instance RandomInstance(std::mt19937_64& rng, bool nested, const Shape& shape) {
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Instance in;
  for (int q = 0; q < shape.cells; ++q) {
    Cell cell;
    cell.id = absl::StrCat("q", q);
    cell.cap_remaining = uniform(0, 5) == 0 ? uniform(-1, 0) : uniform(1, shape.max_cap);
    cell.parent = (q == 0 || uniform(0, 3) == 0) ? -1 : uniform(0, q - 1);
    if (shape.cells > 1 && uniform(0, 1) == 0) {
      const int o = uniform(0, shape.cells - 2);
      cell.overflow = o >= q ? o + 1 : o;
    }
    in.cells.push_back(cell);
  }
  auto random_leaf = [&]() { return uniform(0, 5) == 0 ? -1 : uniform(0, shape.cells - 1); };
  for (int c = 0; c < shape.candidates; ++c) {
    in.candidates.push_back({absl::StrCat("c", c), uniform(0, 3)});
  }
  std::vector<int32_t> vacancy_leaf;
  for (int v = 0; v < shape.vacancies; ++v) {
    in.vacancies.push_back(
        {absl::StrCat("v", v), uniform(0, 5) == 0 ? 0 : uniform(1, shape.max_positions)});
    vacancy_leaf.push_back(random_leaf());
  }
  for (int c = 0; c < shape.candidates; ++c) {
    std::vector<int> vs(shape.vacancies);
    for (int v = 0; v < shape.vacancies; ++v) vs[v] = v;
    std::shuffle(vs.begin(), vs.end(), rng);
    const int k = uniform(0, std::min(shape.max_edges, shape.vacancies));
    for (int i = 0; i < k; ++i) {
      Edge e;
      e.candidate = c;
      e.vacancy = vs[i];
      e.score = uniform(0, 1) == 0 ? 10.0 * uniform(1, 3) : uniform(0, 100000) / 1000.0;
      const int p = uniform(0, 3);
      e.preference = p == 0 ? -1 : p == 1 ? 50 : uniform(0, 100);
      e.leaf = nested ? vacancy_leaf[vs[i]] : random_leaf();
      in.edges.push_back(e);
    }
  }
  return in;
}

constexpr Shape kSmall = {12, 6, 5, 4, 3, 6};
constexpr Shape kTiny = {7, 3, 3, 3, 2, 3};

// A random feasible assignment: edges in random order, each taken when its
// candidate is free and it fits.
std::vector<int32_t> RandomAssignment(std::mt19937_64& rng, const Instance& in) {
  std::vector<int32_t> order(in.edges.size());
  for (size_t e = 0; e < order.size(); ++e) order[e] = static_cast<int32_t>(e);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<bool> placed(in.candidates.size(), false);
  std::vector<int32_t> m;
  for (int32_t e : order) {
    if (placed[in.edges[e].candidate]) continue;
    m.push_back(e);
    if (FitTogether(in, m)) {
      placed[in.edges[e].candidate] = true;
    } else {
      m.pop_back();
    }
  }
  std::sort(m.begin(), m.end());
  return m;
}

// Routes for a feasible edge set (FindBlockingPairs reads edges only, but
// takes assignments).
std::vector<Assignment> AsAssignments(const std::vector<int32_t>& edges) {
  std::vector<Assignment> out;
  for (int32_t e : edges) out.push_back({e, Route::kLeaf});
  return out;
}

// ---------------------------------------------------------------------------
// Hand cases

// Three candidates who like the vacancies the round scores low.
//   a (registered first): v0 score 50 pref 10; v1 and v2 score 30 pref 90
//   b: v1 score 30 (preference not given)
//   c: v1 score 50 pref 50; v2 score 40 pref 90
Instance PreferenceInstance() {
  Instance in;
  in.candidates = {{"a", 1}, {"b", 2}, {"c", 3}};
  in.vacancies = {{"v0", 1}, {"v1", 1}, {"v2", 1}};
  in.edges = {{0, 0, 50, -1, 10}, {0, 1, 30, -1, 90}, {0, 2, 30, -1, 90},
              {1, 1, 30, -1, -1}, {2, 1, 50, -1, 50}, {2, 2, 40, -1, 90}};
  return in;
}

TEST(AllocationStableTest, FollowsCandidatesPreferencesWhereWelfareAndGreedyDoNot) {
  const Instance in = PreferenceInstance();
  const Result stable = MustSolve(in, Objective::kStable);
  EXPECT_EQ(stable.method, Method::kDeferredAcceptance);
  EXPECT_TRUE(stable.stable_guaranteed);
  // a ranks v1 and v2 equally (preference and score): the vacancy id puts v1
  // first. c's first choice v2 is free. b also wants v1, and ties a's score:
  // a registered earlier and keeps it.
  EXPECT_EQ(EdgesOf(stable.assignments), (std::vector<int32_t>{1, 5}));
  // Welfare places all three (b on v1 needs a elsewhere): a-v0, b-v1, c-v2.
  EXPECT_EQ(EdgesOf(MustSolve(in, Objective::kMaxWelfare).assignments),
            (std::vector<int32_t>{0, 3, 5}));
  // Greedy: a-v0 (50, registered before c), c-v1 (50); b finds v1 taken.
  const Result greedy = MustSolve(in, Objective::kGreedy);
  EXPECT_EQ(EdgesOf(greedy.assignments), (std::vector<int32_t>{0, 4}));
  // Greedy's assignment is blocked by a-v2 and c-v2 (each prefers v2 and it
  // is free); a-v1 is not (c-v1 outranks it on a one-position vacancy).
  EXPECT_THAT(FindBlockingPairs(in, greedy.assignments), ElementsAre(2, 5));
  EXPECT_THAT(BruteForceBlockingPairs(in, EdgesOf(greedy.assignments)), ElementsAre(2, 5));
  EXPECT_THAT(FindBlockingPairs(in, stable.assignments), IsEmpty());
}

TEST(AllocationStableTest, AParentCapGivesItsLastUnitToTheHigherScoreOfEitherLeaf) {
  // p (cap 2) over leaves a and b (cap 2 each); v0 in a, v1 in b.
  // c0 and c1 propose first and fill p; c2 (leaf b) outscores c1 (leaf a).
  Instance in;
  in.candidates = {{"c0", 0}, {"c1", 1}, {"c2", 2}};
  in.vacancies = {{"v0", 2}, {"v1", 2}};
  in.cells = {{"p", 2, -1, -1}, {"a", 2, 0, -1}, {"b", 2, 0, -1}};
  in.edges = {{0, 0, 30, 1}, {1, 0, 20, 1}, {2, 1, 25, 2}};
  const Result r = MustSolve(in, Objective::kStable);
  EXPECT_TRUE(r.stable_guaranteed);
  EXPECT_EQ(EdgesOf(r.assignments), (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(r.cell_use, (std::vector<int64_t>{2, 1, 1}));
  EXPECT_TRUE(CheckAssignments(in, r.assignments).ok());
  EXPECT_THAT(FindBlockingPairs(in, r.assignments), IsEmpty());
  // First come first served keeps c1 (registered before c2): c2 blocks it.
  const Result fcfs = MustSolve(in, Objective::kFirstComeFirstServed);
  EXPECT_EQ(EdgesOf(fcfs.assignments), (std::vector<int32_t>{0, 1}));
  EXPECT_THAT(FindBlockingPairs(in, fcfs.assignments), ElementsAre(2));
}

TEST(AllocationStableTest, ReroutingAnEarlierContractToItsOverflowLetsALaterOneIn) {
  // Leaf L (cap 1) overflows to O (cap 1); leaf M (cap 0) overflows to L.
  // c0 proposes first and takes L. c1 (higher score) can only use L; moving
  // c0 to O makes room, so nobody is displaced.
  Instance in;
  in.candidates = {{"c0", 0}, {"c1", 1}};
  in.vacancies = {{"vL", 1}, {"vM", 1}};
  in.cells = {{"L", 1, -1, 1}, {"O", 1, -1, -1}, {"M", 0, -1, 0}};
  in.edges = {{0, 0, 40, 0}, {1, 1, 60, 2}};
  const Result r = MustSolve(in, Objective::kStable);
  EXPECT_TRUE(r.stable_guaranteed);
  ASSERT_EQ(r.placements, 2);
  EXPECT_EQ(r.assignments[0].route, Route::kOverflow);  // c0 moved to O
  EXPECT_EQ(r.assignments[1].route, Route::kOverflow);  // c1 by M's overflow, L
  EXPECT_EQ(r.cell_use, (std::vector<int64_t>{1, 1, 0}));
  EXPECT_TRUE(CheckAssignments(in, r.assignments).ok());
  // Without O, c1 outranks c0 on L and displaces it.
  in.cells[0].overflow = -1;
  const Result without = MustSolve(in, Objective::kStable);
  EXPECT_EQ(EdgesOf(without.assignments), (std::vector<int32_t>{1}));
}

// Two stable assignments; deferred acceptance gives the one both candidates
// prefer. a likes va, b likes vb; the round scores b at va and a at vb higher.
TEST(AllocationStableTest, OfTwoStableAssignmentsGivesTheOneCandidatesPrefer) {
  Instance in;
  in.candidates = {{"a", 0}, {"b", 0}};
  in.vacancies = {{"va", 1}, {"vb", 1}};
  in.edges = {{0, 0, 10, -1, 90}, {0, 1, 90, -1, 10}, {1, 0, 90, -1, 10}, {1, 1, 10, -1, 90}};
  EXPECT_EQ(AllStableAssignments(in), (std::vector<std::vector<int32_t>>{{0, 3}, {1, 2}}));
  EXPECT_EQ(EdgesOf(MustSolve(in, Objective::kStable).assignments),
            (std::vector<int32_t>{0, 3}));
  // Greedy (and welfare) give the other one, which is stable too.
  EXPECT_EQ(EdgesOf(MustSolve(in, Objective::kGreedy).assignments),
            (std::vector<int32_t>{1, 2}));
  EXPECT_THAT(FindBlockingPairs(in, AsAssignments({1, 2})), IsEmpty());
}

// Why a candidate's own placement counts against its blocking edge. One cell
// of cap 1; candidate c prefers z (score 10) to m (score 30); d has y (20).
// The round ranks m > y > z.
Instance OwnPlacementInstance() {
  Instance in;
  in.candidates = {{"c", 0}, {"d", 1}};
  in.vacancies = {{"vz", 1}, {"vm", 1}, {"vy", 1}};
  in.cells = {{"q", 1, -1, -1}};
  in.edges = {{0, 0, 10, 0, 90}, {0, 1, 30, 0, 20}, {1, 2, 20, 0, -1}};
  return in;
}

TEST(AllocationStableTest, ACandidatesOwnPlacementCountsAgainstItsBlockingEdge) {
  const Instance in = OwnPlacementInstance();
  const Result r = MustSolve(in, Objective::kStable);
  // c proposes z, d proposes y: y outranks z. c proposes m: m outranks y.
  EXPECT_EQ(EdgesOf(r.assignments), (std::vector<int32_t>{1}));
  EXPECT_THAT(FindBlockingPairs(in, r.assignments), IsEmpty());
  EXPECT_EQ(AllStableAssignments(in), (std::vector<std::vector<int32_t>>{{1}}));
  // Judged against "M minus c's placement" instead, z would block {m} (c's
  // own m is all that stands in z's way), and no assignment at all would be
  // stable: that variant is not a usable definition.
  EXPECT_THAT(BruteForceBlockingPairs(in, {1}, /*drop_own_placement=*/true), ElementsAre(0));
  EXPECT_THAT(AllStableAssignments(in, /*drop_own_placement=*/true), IsEmpty());
}

TEST(AllocationStableTest, RejectsAnInvalidPreferenceNamingIt) {
  Instance in = PreferenceInstance();
  for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(), kMaxScore + 1}) {
    in.edges[3].preference = bad;
    SolveOptions options;
    options.objective = Objective::kStable;
    const absl::StatusOr<Result> r = Solve(in, options);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("edges[3].preference"));
  }
  // Any negative value means "not given"; 0 and kMaxScore are preferences.
  for (double ok : {-1.0, -std::numeric_limits<double>::infinity(), 0.0, kMaxScore}) {
    in.edges[3].preference = ok;
    EXPECT_TRUE(ValidateInstance(in).ok()) << ok;
  }
}

// ---------------------------------------------------------------------------
// Random instances against the brute force

TEST(AllocationStableRandomTest, NestedResultsHaveNoBlockingPair) {
  std::mt19937_64 rng(61);
  int contended = 0;
  for (int i = 0; i < 300; ++i) {
    const Instance in = RandomInstance(rng, /*nested=*/true, kSmall);
    SCOPED_TRACE(absl::StrCat("instance ", i));
    const Result r = MustSolve(in, Objective::kStable);
    ASSERT_EQ(r.method, Method::kDeferredAcceptance);
    ASSERT_TRUE(r.stable_guaranteed);
    ASSERT_TRUE(CheckAssignments(in, r.assignments).ok()) << CheckAssignments(in, r.assignments);
    ASSERT_THAT(BruteForceBlockingPairs(in, EdgesOf(r.assignments)), IsEmpty());
    ASSERT_THAT(FindBlockingPairs(in, r.assignments), IsEmpty());
    // Contention: greedy's assignment has a blocking pair.
    if (!BruteForceBlockingPairs(in, EdgesOf(MustSolve(in, Objective::kGreedy).assignments))
             .empty()) {
      ++contended;
    }
  }
  EXPECT_GT(contended, 100);
}

// When candidates give no preferences they rank edges by score, as the round
// does: one common order, and on nested instances the stable assignment is
// greedy's. (Without overflow: greedy places one at a time and never
// re-routes. On crossing instances greedy's assignment is stable too, but
// deferred acceptance may end elsewhere.)
TEST(AllocationStableRandomTest, WithoutPreferencesOrOverflowItIsGreedy) {
  std::mt19937_64 rng(65);
  int differs_from_welfare = 0;
  for (int i = 0; i < 300; ++i) {
    Instance in = RandomInstance(rng, /*nested=*/true, kSmall);
    for (Cell& cell : in.cells) cell.overflow = -1;
    for (Edge& e : in.edges) e.preference = -1;
    SCOPED_TRACE(absl::StrCat("instance ", i));
    const Result stable = MustSolve(in, Objective::kStable);
    const Result greedy = MustSolve(in, Objective::kGreedy);
    ASSERT_EQ(EdgesOf(stable.assignments), EdgesOf(greedy.assignments));
    if (EdgesOf(stable.assignments) != EdgesOf(MustSolve(in, Objective::kMaxWelfare).assignments)) {
      ++differs_from_welfare;
    }
  }
  EXPECT_GT(differs_from_welfare, 30);
}

// FindBlockingPairs against the brute force on assignments that are not
// stable: greedy's, first come first served's, welfare's and random ones, on
// nested and crossing instances.
TEST(AllocationStableRandomTest, FindBlockingPairsAgreesWithTheBruteForce) {
  std::mt19937_64 rng(62);
  int with_pairs = 0;
  for (int i = 0; i < 200; ++i) {
    const Instance in = RandomInstance(rng, /*nested=*/i % 2 == 0, kSmall);
    SCOPED_TRACE(absl::StrCat("instance ", i));
    std::vector<std::vector<int32_t>> assignments = {RandomAssignment(rng, in),
                                                     RandomAssignment(rng, in)};
    for (Objective o : {Objective::kGreedy, Objective::kFirstComeFirstServed,
                        Objective::kMaxWelfare, Objective::kStable}) {
      assignments.push_back(EdgesOf(MustSolve(in, o).assignments));
    }
    for (const std::vector<int32_t>& m : assignments) {
      const std::vector<int32_t> expected = BruteForceBlockingPairs(in, m);
      ASSERT_EQ(FindBlockingPairs(in, AsAssignments(m)), expected);
      if (!expected.empty()) ++with_pairs;
    }
  }
  EXPECT_GT(with_pairs, 300);
}

TEST(AllocationStableRandomTest, NestedResultIsTheCandidateOptimalStableAssignment) {
  std::mt19937_64 rng(63);
  int several = 0;
  for (int i = 0; i < 1000; ++i) {
    const Instance in = RandomInstance(rng, /*nested=*/true, kTiny);
    SCOPED_TRACE(absl::StrCat("instance ", i));
    const std::vector<int32_t> da = EdgesOf(MustSolve(in, Objective::kStable).assignments);
    const std::vector<std::vector<int32_t>> stable = AllStableAssignments(in);
    ASSERT_NE(std::find(stable.begin(), stable.end(), da), stable.end());
    for (const std::vector<int32_t>& other : stable) {
      for (int32_t c = 0; c < static_cast<int32_t>(in.candidates.size()); ++c) {
        ASSERT_TRUE(WeaklyPrefers(in, c, da, other)) << "candidate " << c;
      }
    }
    if (stable.size() > 1) ++several;
  }
  // Otherwise optimality among stable assignments says nothing.
  EXPECT_GT(several, 20);
}

TEST(AllocationStableRandomTest, CrossingResultsAreFeasibleButNotGuaranteedStable) {
  std::mt19937_64 rng(64);
  int crossing = 0;
  int unstable = 0;
  int none_stable = 0;
  for (int i = 0; i < 1000; ++i) {
    const Instance in = RandomInstance(rng, /*nested=*/false, kTiny);
    if (VacancyNested(in)) continue;
    ++crossing;
    SCOPED_TRACE(absl::StrCat("instance ", i));
    const Result r = MustSolve(in, Objective::kStable);
    ASSERT_EQ(r.method, Method::kDeferredAcceptance);
    ASSERT_FALSE(r.stable_guaranteed);
    ASSERT_TRUE(CheckAssignments(in, r.assignments).ok()) << CheckAssignments(in, r.assignments);
    const std::vector<int32_t> pairs = BruteForceBlockingPairs(in, EdgesOf(r.assignments));
    ASSERT_EQ(FindBlockingPairs(in, r.assignments), pairs);
    if (!pairs.empty()) ++unstable;
    if (AllStableAssignments(in).empty()) ++none_stable;
  }
  EXPECT_GT(crossing, 900);
  // The flag is not caution only: crossing cells do break stability, and
  // sometimes no stable assignment exists at all.
  EXPECT_GT(unstable, 0);
  EXPECT_GT(none_stable, 0);
  std::printf("crossing: %d instances, %d results with blocking pairs, %d with no stable "
              "assignment at all\n",
              crossing, unstable, none_stable);
}

// ---------------------------------------------------------------------------
// Scale (run by hand: --gtest_also_run_disabled_tests
// --gtest_filter='*LargeStableRound*'). The instance of
// AllocationScaleTest.DISABLED_LargeNestedRound (LargeNestedRound,
// allocation_test_util.h): 100k candidates x 10k vacancies x 500 cells.

void TimeStable(const Instance& in, const char* label) {
  SolveOptions options;
  options.objective = Objective::kStable;
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(ValidateInstance(in).ok());
  const double validate_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  start = std::chrono::steady_clock::now();
  absl::StatusOr<Result> r = Solve(in, options);
  const double solve_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(CheckAssignments(in, r->assignments).ok());
  start = std::chrono::steady_clock::now();
  const size_t pairs = FindBlockingPairs(in, r->assignments).size();
  const double pairs_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  std::printf("  %s: Solve %.3f s (ValidateInstance alone: %.3f s; guaranteed %d), "
              "%lld placements, score %.3f; FindBlockingPairs %.3f s: %zu pairs; "
              "peak RSS %ld MB\n",
              label, solve_s, validate_s, r->stable_guaranteed ? 1 : 0,
              static_cast<long long>(r->placements), r->total_score, pairs_s, pairs,
              usage.ru_maxrss / 1024);
  if (r->stable_guaranteed) {
    EXPECT_EQ(pairs, 0u);
  }
}

TEST(AllocationStableScaleTest, DISABLED_LargeStableRound) {
  for (bool vacancy_nested : {true, false}) {
    Instance in = LargeNestedRound(vacancy_nested);
    std::printf("%s: %zu candidates, %zu vacancies, %zu cells, %zu edges\n",
                vacancy_nested ? "vacancy-nested" : "candidate-nested (crossing for DA)",
                in.candidates.size(), in.vacancies.size(), in.cells.size(), in.edges.size());
    TimeStable(in, "scores as preferences");
    // Preferences of their own: uniform, independent of the score.
    std::mt19937_64 rng(8);
    std::uniform_real_distribution<double> unit(0, 1);
    for (Edge& e : in.edges) e.preference = std::round(unit(rng) * 100000) / 1000;
    TimeStable(in, "own preferences");
  }
}

}  // namespace
}  // namespace corridor::matcher::allocation
