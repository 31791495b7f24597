#ifndef CORRIDOR_TESTS_MATCHER_ALLOCATION_TEST_UTIL_H_
#define CORRIDOR_TESTS_MATCHER_ALLOCATION_TEST_UTIL_H_

// What the allocation tests share (matcher/allocation, issue #6).

#include "matcher/allocation/instance.h"
#include "matcher/allocation/solver.h"

namespace corridor::matcher::allocation {

// The scale tests' round (run by hand, each DISABLED_Large* test): 100,000
// candidates x 10,000 vacancies (1-9 positions) x 500 cells (5 roots of cap
// 9,000, 50 sectors of 1,100, 445 occupation leaves of 110, a third of the
// leaves overflowing to their sector's first leaf), 20-30 edges per
// candidate with skewed vacancy popularity, scores uniform 0..100 in 0.001
// steps; leaves by vacancy (vacancy-nested) or by candidate. Drawn from seed
// 7, so every test gets the same instance.
Instance LargeNestedRound(bool vacancy_nested);

// Feasibility, counted here without the library's checker (whose own tests
// are in allocation_test.cc): one placement per candidate, positions, every
// cell of the drawn path within max(cap, 0), the reported use of each cell
// and the totals; then CheckAssignments agrees. Fatal failures end it.
void ExpectFeasible(const Instance& instance, const Result& r);

// The process's peak RSS so far, MB.
long PeakRssMb();

// The scale tests' report: solves, checks feasibility and prints the time,
// placements, score and the process's peak RSS (and a Lagrangian result's
// bounds) under `name`.
void TimeSolve(const Instance& in, const SolveOptions& options, const char* name);

}  // namespace corridor::matcher::allocation

#endif  // CORRIDOR_TESTS_MATCHER_ALLOCATION_TEST_UTIL_H_
