#include "matcher/allocation/instance.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
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
  // Views into `items`: no copy of each id, and the field name is only
  // spelled out for the error.
  std::unordered_set<std::string_view> seen;
  seen.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].id.empty()) return Bad(absl::StrCat(kind, "[", i, "].id"), "empty");
    if (!seen.insert(items[i].id).second) {
      return Bad(absl::StrCat(kind, "[", i, "].id"),
                 absl::StrCat("duplicate id \"", items[i].id, "\""));
    }
  }
  return absl::OkStatus();
}

// The fields of edge `i` on their own (ranges, score, preference); the
// (candidate, vacancy) pair is checked across edges by FirstRepeatedPair.
absl::Status CheckEdgeFields(const Instance& instance, size_t i) {
  const Edge& e = instance.edges[i];
  const auto field = [i](const char* name) { return absl::StrCat("edges[", i, "].", name); };
  if (e.candidate < 0 || static_cast<size_t>(e.candidate) >= instance.candidates.size()) {
    return Bad(field("candidate"), "out of range");
  }
  if (e.vacancy < 0 || static_cast<size_t>(e.vacancy) >= instance.vacancies.size()) {
    return Bad(field("vacancy"), "out of range");
  }
  if (!std::isfinite(e.score) || e.score < 0 || e.score > kMaxScore) {
    return Bad(field("score"), absl::StrCat("must be finite and in 0..", kMaxScore));
  }
  if (e.leaf < -1 || (e.leaf >= 0 && static_cast<size_t>(e.leaf) >= instance.cells.size())) {
    return Bad(field("leaf"), "out of range");
  }
  // NaN fails every comparison, so it is caught here rather than read as
  // "not given".
  if (!(e.preference < 0) && (!std::isfinite(e.preference) || e.preference > kMaxScore)) {
    return Bad(field("preference"),
               absl::StrCat("must be negative (not given), or finite and at most ", kMaxScore));
  }
  return absl::OkStatus();
}

// The lowest index below `end` whose (candidate, vacancy) pair an earlier
// edge already has, or `end`. Edges [0, end) must have valid indices.
//
// A hash set of 2.5M pairs cost about a second on a national round; grouping
// the edges by candidate (a stable counting sort) and marking each
// candidate's vacancies in one array is linear and cache-friendly. Within a
// candidate the edges come in index order, so its first repeat is its
// lowest repeated index.
size_t FirstRepeatedPair(const Instance& instance, size_t end) {
  const size_t num_candidates = instance.candidates.size();
  std::vector<uint32_t> start(num_candidates + 1, 0);
  for (size_t i = 0; i < end; ++i) ++start[instance.edges[i].candidate + 1];
  for (size_t c = 0; c < num_candidates; ++c) start[c + 1] += start[c];
  std::vector<uint32_t> by_candidate(end);
  std::vector<uint32_t> next = start;
  for (size_t i = 0; i < end; ++i) {
    by_candidate[next[instance.edges[i].candidate]++] = static_cast<uint32_t>(i);
  }
  // marked[v] == c + 1: candidate c has an edge to v.
  std::vector<uint32_t> marked(instance.vacancies.size(), 0);
  size_t first = end;
  for (size_t c = 0; c < num_candidates; ++c) {
    for (uint32_t k = start[c]; k < start[c + 1]; ++k) {
      const uint32_t i = by_candidate[k];
      uint32_t& mark = marked[instance.edges[i].vacancy];
      if (mark == c + 1) {
        first = std::min<size_t>(first, i);
        break;
      }
      mark = static_cast<uint32_t>(c + 1);
    }
  }
  return first;
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
  // The first edge with a bad field, then the first repeated pair before it:
  // the lower index is reported, with its own fields first, as one pass in
  // index order would.
  size_t bad = instance.edges.size();
  absl::Status bad_status;
  for (size_t i = 0; i < instance.edges.size(); ++i) {
    bad_status = CheckEdgeFields(instance, i);
    if (!bad_status.ok()) {
      bad = i;
      break;
    }
  }
  const size_t repeated = FirstRepeatedPair(instance, bad);
  if (repeated < bad) {
    return Bad(absl::StrCat("edges[", repeated, "].vacancy"),
               "a second edge for the same (candidate, vacancy) pair");
  }
  return bad_status;
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

Instance DrawLots(const Instance& instance, const std::string& seed) {
  using Digest = std::array<unsigned char, crypto_hash_sha256_BYTES>;
  const size_t n = instance.candidates.size();
  std::vector<Digest> digest(n);
  const unsigned char separator = 0;
  for (size_t c = 0; c < n; ++c) {
    const std::string& id = instance.candidates[c].id;
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(seed.data()),
                              seed.size());
    crypto_hash_sha256_update(&state, &separator, 1);
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(id.data()), id.size());
    crypto_hash_sha256_final(&state, digest[c].data());
  }
  std::vector<size_t> order(n);
  for (size_t c = 0; c < n; ++c) order[c] = c;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (digest[a] != digest[b]) return digest[a] < digest[b];
    return instance.candidates[a].id < instance.candidates[b].id;
  });
  Instance drawn = instance;
  for (size_t place = 0; place < n; ++place) {
    drawn.candidates[order[place]].registered_micros = static_cast<int64_t>(place);
  }
  return drawn;
}

}  // namespace corridor::matcher::allocation
