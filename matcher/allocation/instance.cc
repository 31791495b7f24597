#include "matcher/allocation/instance.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace corridor::matcher::allocation {
namespace {

absl::Status Bad(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

template <typename T>
absl::Status CheckIds(const std::vector<T>& items, const char* kind) {
  std::unordered_set<std::string> seen;
  seen.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string field = absl::StrCat(kind, "[", i, "].id");
    if (items[i].id.empty()) return Bad(field, "empty");
    if (!seen.insert(items[i].id).second) {
      return Bad(field, absl::StrCat("duplicate id \"", items[i].id, "\""));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateInstance(const Instance& instance) {
  if (absl::Status s = CheckIds(instance.candidates, "candidates"); !s.ok()) return s;
  if (absl::Status s = CheckIds(instance.vacancies, "vacancies"); !s.ok()) return s;
  if (absl::Status s = CheckIds(instance.cells, "cells"); !s.ok()) return s;
  const int64_t num_cells = static_cast<int64_t>(instance.cells.size());
  for (size_t i = 0; i < instance.vacancies.size(); ++i) {
    if (instance.vacancies[i].positions < 0) {
      return Bad(absl::StrCat("vacancies[", i, "].positions"), "negative");
    }
  }
  for (int64_t i = 0; i < num_cells; ++i) {
    const Cell& cell = instance.cells[i];
    if (cell.parent < -1 || cell.parent >= num_cells) {
      return Bad(absl::StrCat("cells[", i, "].parent"), "out of range");
    }
    if (cell.overflow < -1 || cell.overflow >= num_cells) {
      return Bad(absl::StrCat("cells[", i, "].overflow"), "out of range");
    }
    if (cell.overflow == i) {
      return Bad(absl::StrCat("cells[", i, "].overflow"), "names the cell itself");
    }
  }
  // Cycle check: walk up from every cell at most num_cells steps.
  for (int64_t i = 0; i < num_cells; ++i) {
    int64_t at = i;
    for (int64_t steps = 0; at != -1; ++steps) {
      if (steps > num_cells) {
        return Bad(absl::StrCat("cells[", i, "].parent"), "the parent links form a cycle");
      }
      at = instance.cells[at].parent;
    }
  }
  const int64_t num_candidates = static_cast<int64_t>(instance.candidates.size());
  const int64_t num_vacancies = static_cast<int64_t>(instance.vacancies.size());
  std::unordered_set<uint64_t> pairs;
  pairs.reserve(instance.edges.size());
  for (size_t i = 0; i < instance.edges.size(); ++i) {
    const Edge& e = instance.edges[i];
    const std::string prefix = absl::StrCat("edges[", i, "].");
    if (e.candidate < 0 || e.candidate >= num_candidates) {
      return Bad(prefix + "candidate", "out of range");
    }
    if (e.vacancy < 0 || e.vacancy >= num_vacancies) {
      return Bad(prefix + "vacancy", "out of range");
    }
    if (!std::isfinite(e.score) || e.score < 0 || e.score > kMaxScore) {
      return Bad(prefix + "score", absl::StrCat("must be finite and in 0..", kMaxScore));
    }
    if (e.leaf < -1 || e.leaf >= num_cells) return Bad(prefix + "leaf", "out of range");
    // NaN fails every comparison, so it is caught here rather than read as
    // "not given".
    if (!(e.preference < 0) && (!std::isfinite(e.preference) || e.preference > kMaxScore)) {
      return Bad(prefix + "preference",
                 absl::StrCat("must be negative (not given), or finite and at most ", kMaxScore));
    }
    const uint64_t key = (static_cast<uint64_t>(e.candidate) << 32) |
                         static_cast<uint32_t>(e.vacancy);
    if (!pairs.insert(key).second) {
      return Bad(prefix + "vacancy", "a second edge for the same (candidate, vacancy) pair");
    }
  }
  return absl::OkStatus();
}

int32_t DrawnCell(const Instance& instance, const Edge& edge, Route route) {
  if (edge.leaf < 0) return -1;
  return route == Route::kLeaf ? edge.leaf : instance.cells[edge.leaf].overflow;
}

std::vector<int64_t> CellUse(const Instance& instance,
                             const std::vector<Assignment>& assignments) {
  std::vector<int64_t> use(instance.cells.size(), 0);
  for (const Assignment& a : assignments) {
    for (int32_t c = DrawnCell(instance, instance.edges[a.edge], a.route); c != -1;
         c = instance.cells[c].parent) {
      ++use[c];
    }
  }
  return use;
}

absl::Status CheckAssignments(const Instance& instance,
                              const std::vector<Assignment>& assignments) {
  std::vector<int32_t> placed_on(instance.candidates.size(), -1);
  std::vector<int64_t> filled(instance.vacancies.size(), 0);
  for (size_t i = 0; i < assignments.size(); ++i) {
    const Assignment& a = assignments[i];
    if (a.edge < 0 || static_cast<size_t>(a.edge) >= instance.edges.size()) {
      return absl::FailedPreconditionError(
          absl::StrCat("assignments[", i, "]: edge ", a.edge, " out of range"));
    }
    const Edge& e = instance.edges[a.edge];
    if (a.route == Route::kOverflow &&
        (e.leaf < 0 || instance.cells[e.leaf].overflow < 0)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "assignments[", i, "]: overflow route on an edge whose leaf names no overflow cell"));
    }
    if (placed_on[e.candidate] != -1) {
      return absl::FailedPreconditionError(
          absl::StrCat("candidate ", instance.candidates[e.candidate].id,
                       " placed twice (assignments[", placed_on[e.candidate], "] and [", i, "])"));
    }
    placed_on[e.candidate] = static_cast<int32_t>(i);
    if (++filled[e.vacancy] > instance.vacancies[e.vacancy].positions) {
      return absl::FailedPreconditionError(
          absl::StrCat("vacancy ", instance.vacancies[e.vacancy].id, " gets more than its ",
                       instance.vacancies[e.vacancy].positions, " positions"));
    }
  }
  const std::vector<int64_t> use = CellUse(instance, assignments);
  for (size_t c = 0; c < use.size(); ++c) {
    const int64_t cap = std::max<int64_t>(instance.cells[c].cap_remaining, 0);
    if (use[c] > cap) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cell ", instance.cells[c].id, " gives ", use[c], " units, over its cap ", cap));
    }
  }
  return absl::OkStatus();
}

int64_t ScoreMicros(double score) { return std::llround(score * 1e6); }

}  // namespace corridor::matcher::allocation
