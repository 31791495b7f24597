#include "matcher/allocation/solver.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <numeric>
#include <vector>

#include "matcher/allocation/internal.h"

namespace corridor::matcher::allocation {
namespace internal {
namespace {

// Room on cell paths, for the baselines that place one at a time.
class Room {
 public:
  explicit Room(const Instance& instance)
      : instance_(instance), use_(instance.cells.size(), 0) {}

  bool PathHasRoom(int32_t cell) const {
    for (int32_t c = cell; c != -1; c = instance_.cells[c].parent) {
      if (use_[c] >= instance_.cells[c].cap_remaining) return false;
    }
    return true;
  }

  // The route the ledger would take for `edge` now (leaf first, then its
  // overflow cell), or false when neither path has room.
  bool PickRoute(const Edge& edge, Route* route) const {
    if (edge.leaf < 0 || PathHasRoom(edge.leaf)) {
      *route = Route::kLeaf;
      return true;
    }
    const int32_t overflow = instance_.cells[edge.leaf].overflow;
    if (overflow >= 0 && PathHasRoom(overflow)) {
      *route = Route::kOverflow;
      return true;
    }
    return false;
  }

  void Take(const Edge& edge, Route route) {
    for (int32_t c = DrawnCell(instance_, edge, route); c != -1;
         c = instance_.cells[c].parent) {
      ++use_[c];
    }
  }

 private:
  const Instance& instance_;
  std::vector<int64_t> use_;
};

}  // namespace

void Finish(const Instance& instance, Result* result) {
  std::sort(result->assignments.begin(), result->assignments.end(),
            [](const Assignment& a, const Assignment& b) { return a.edge < b.edge; });
  result->placements = static_cast<int64_t>(result->assignments.size());
  result->total_score = 0;
  result->total_score_micros = 0;
  for (const Assignment& a : result->assignments) {
    result->total_score += instance.edges[a.edge].score;
    result->total_score_micros += ScoreMicros(instance.edges[a.edge].score);
  }
  result->cell_use = CellUse(instance, result->assignments);
}

Result SolveGreedy(const Instance& instance) {
  const std::vector<Edge>& edges = instance.edges;
  std::vector<int64_t> micros(edges.size());
  for (size_t i = 0; i < edges.size(); ++i) micros[i] = ScoreMicros(edges[i].score);
  std::vector<int32_t> order(edges.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    if (micros[a] != micros[b]) return micros[a] > micros[b];
    const Candidate& ca = instance.candidates[edges[a].candidate];
    const Candidate& cb = instance.candidates[edges[b].candidate];
    if (ca.registered_micros != cb.registered_micros) {
      return ca.registered_micros < cb.registered_micros;
    }
    if (ca.id != cb.id) return ca.id < cb.id;
    return instance.vacancies[edges[a].vacancy].id < instance.vacancies[edges[b].vacancy].id;
  });
  Room room(instance);
  std::vector<bool> placed(instance.candidates.size(), false);
  std::vector<int64_t> filled(instance.vacancies.size(), 0);
  Result result;
  result.method = Method::kGreedy;
  for (int32_t e : order) {
    const Edge& edge = edges[e];
    if (placed[edge.candidate]) continue;
    if (filled[edge.vacancy] >= instance.vacancies[edge.vacancy].positions) continue;
    Route route;
    if (!room.PickRoute(edge, &route)) continue;
    room.Take(edge, route);
    placed[edge.candidate] = true;
    ++filled[edge.vacancy];
    result.assignments.push_back({e, route});
  }
  Finish(instance, &result);
  return result;
}

Result SolveFirstComeFirstServed(const Instance& instance) {
  const std::vector<Edge>& edges = instance.edges;
  // Each candidate's edges, best score first, then vacancy id.
  std::vector<std::vector<int32_t>> by_candidate(instance.candidates.size());
  for (size_t e = 0; e < edges.size(); ++e) {
    by_candidate[edges[e].candidate].push_back(static_cast<int32_t>(e));
  }
  for (std::vector<int32_t>& list : by_candidate) {
    std::sort(list.begin(), list.end(), [&](int32_t a, int32_t b) {
      const int64_t ma = ScoreMicros(edges[a].score);
      const int64_t mb = ScoreMicros(edges[b].score);
      if (ma != mb) return ma > mb;
      return instance.vacancies[edges[a].vacancy].id < instance.vacancies[edges[b].vacancy].id;
    });
  }
  std::vector<int32_t> order(instance.candidates.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    const Candidate& ca = instance.candidates[a];
    const Candidate& cb = instance.candidates[b];
    if (ca.registered_micros != cb.registered_micros) {
      return ca.registered_micros < cb.registered_micros;
    }
    return ca.id < cb.id;
  });
  Room room(instance);
  std::vector<int64_t> filled(instance.vacancies.size(), 0);
  Result result;
  result.method = Method::kFirstComeFirstServed;
  for (int32_t c : order) {
    for (int32_t e : by_candidate[c]) {
      const Edge& edge = edges[e];
      if (filled[edge.vacancy] >= instance.vacancies[edge.vacancy].positions) continue;
      Route route;
      if (!room.PickRoute(edge, &route)) continue;
      room.Take(edge, route);
      ++filled[edge.vacancy];
      result.assignments.push_back({e, route});
      break;
    }
  }
  Finish(instance, &result);
  return result;
}

Nesting FindNesting(const Instance& instance) {
  // -2: no edge seen yet.
  std::vector<int32_t> vacancy_leaf(instance.vacancies.size(), -2);
  std::vector<int32_t> candidate_leaf(instance.candidates.size(), -2);
  bool by_vacancy = true;
  bool by_candidate = true;
  for (const Edge& e : instance.edges) {
    int32_t& v = vacancy_leaf[e.vacancy];
    if (v == -2) v = e.leaf;
    if (v != e.leaf) by_vacancy = false;
    int32_t& c = candidate_leaf[e.candidate];
    if (c == -2) c = e.leaf;
    if (c != e.leaf) by_candidate = false;
  }
  if (by_vacancy) return Nesting::kVacancy;
  if (by_candidate) return Nesting::kCandidate;
  return Nesting::kNone;
}

// While any solve runs, glibc keeps the memory a solve frees instead of
// handing it back to the kernel at once. A welfare solve builds and drops
// networks, simplex arrays and residual graphs of tens of MB several times;
// by default each large block freed at the top of the heap is trimmed, or,
// above the mmap threshold, unmapped, and the next one page-faults every
// page again (expensive on this VM: on the benchmark's nested round the
// solve spent about 0.35 s of 3.1 s there; 2.78 s with the memory kept).
// The last solve to finish sets the thresholds where glibc's own dynamic
// ones end after large frees (32 MB, 64 MB) and trims, so an idle server
// holds no more than before.
class KeepFreedMemory {
 public:
  KeepFreedMemory() {
#if defined(__GLIBC__)
    std::lock_guard<std::mutex> lock(mu_);
    if (active_++ == 0) {
      mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
      mallopt(M_TRIM_THRESHOLD, kTrimWhileSolving);
      mallopt(M_TOP_PAD, kTopPadWhileSolving);
    }
#endif
  }
  ~KeepFreedMemory() {
#if defined(__GLIBC__)
    std::lock_guard<std::mutex> lock(mu_);
    if (--active_ == 0) {
      mallopt(M_TRIM_THRESHOLD, kTrimIdle);
      mallopt(M_TOP_PAD, 0);
      malloc_trim(0);
    }
#endif
  }
  KeepFreedMemory(const KeepFreedMemory&) = delete;
  KeepFreedMemory& operator=(const KeepFreedMemory&) = delete;

 private:
  // glibc's largest mmap threshold on 64-bit (HEAP_MAX_SIZE / 2); blocks
  // above it are mapped and unmapped whatever is set.
  static constexpr int kMmapThreshold = 32 << 20;
  static constexpr int kTrimWhileSolving = 1 << 30;
  static constexpr int kTrimIdle = 64 << 20;
  static constexpr int kTopPadWhileSolving = 256 << 20;
  static inline std::mutex mu_;
  static inline int active_ = 0;
};

}  // namespace internal

absl::StatusOr<Result> Solve(const Instance& instance, const SolveOptions& options) {
  if (absl::Status s = ValidateInstance(instance); !s.ok()) return s;
  if (!(options.lagrangian_time_limit_seconds >= 0)) {  // NaN too
    return absl::InvalidArgumentError("lagrangian_time_limit_seconds: must be >= 0");
  }
  if (options.lagrangian_max_iterations < 1) {
    return absl::InvalidArgumentError("lagrangian_max_iterations: must be >= 1");
  }
  const internal::KeepFreedMemory keep_freed_memory;
  switch (options.objective) {
    case Objective::kGreedy:
      return internal::SolveGreedy(instance);
    case Objective::kFirstComeFirstServed:
      return internal::SolveFirstComeFirstServed(instance);
    case Objective::kStable:
      return internal::SolveStable(instance);
    case Objective::kMaxWelfare:
      break;
  }
  const internal::Nesting nesting = internal::FindNesting(instance);
  if (nesting != internal::Nesting::kNone && !options.force_mip) {
    return internal::SolveWelfareByFlow(instance, nesting);
  }
  const bool lagrangian =
      !options.force_mip &&
      (options.crossing_method == CrossingMethod::kLagrangian ||
       (options.crossing_method == CrossingMethod::kAuto &&
        instance.edges.size() > kLagrangianMinEdges));
  if (lagrangian) {
    internal::LagrangianLimits limits;
    limits.time_limit_seconds = options.lagrangian_time_limit_seconds;
    limits.max_iterations = options.lagrangian_max_iterations;
    return internal::SolveWelfareByLagrangian(instance, limits);
  }
  const Result start = internal::SolveGreedy(instance);
  return internal::SolveWelfareByMip(instance, start.assignments,
                                     options.mip_time_limit_seconds);
}

}  // namespace corridor::matcher::allocation
