#ifndef CORRIDOR_MATCHER_CANDIDATE_INDEX_H_
#define CORRIDOR_MATCHER_CANDIDATE_INDEX_H_

// The in-memory candidate index: every stored candidate reduced to packed
// columns, so a shortlist (the top k candidates for one vacancy) runs the
// Evaluator over CandidateViews that point into shared arrays, without one
// heap object per candidate.
//
// Layout. Candidates live in dense slots (freed slots are reused). Fixed-size
// facts are one column each (registration time, nationality, ...) or live in
// the per-nationality summaries below (agency, availability, education, ...);
// variable-length lists (occupations, skills, languages, credentials and the
// countries recognising them, licences, history, preferences) are appended to
// one arena per kind and addressed by (offset, count) per slot. Replacing a
// candidate appends its new lists and leaves the old entries as garbage; an
// arena is compacted when garbage exceeds half of it. Ids live in one
// character arena; the id -> slot map is a hash set of slot numbers hashed by
// the id text (about 5-9 bytes per candidate).
//
// A query visits only the nationalities Evaluator::Compile lists in
// CompiledVacancy::origins whose origin-wide failures are allowed (none, or
// only QUOTA_EXHAUSTED when included), through one posting list per
// nationality. Each posting list keeps, in the same order, every candidate's
// CandidateScreen (availability stored for two comparisons, a 64-bit skill
// signature encoding level thresholds, exact levels of 16 "hot" skills: 24
// bytes; the most frequent at Rebuild or ChooseHotSkills, else the first
// seen) and CandidateSummary (agency, flags such as consent and
// not-returned, the first two occupations as table indexes, first three
// languages, preference facts: 32 bytes), both made by SummarizeCandidate.
// The index holds no rule of its own: per block of 1024 candidates it calls
// Evaluator::ScreenBlock (a branch-free first pass over the screens for
// availability and the first must-have skill, then the remaining rules on
// the survivors' summaries, from per-vacancy tables and without loops in the
// common case), which decides the rules from the summary or says which need
// the lists (then Evaluator::ColdMustHaveMissing, which reads only the skill
// list for must-have skills outside the hot set, and
// Evaluator::CandidateFailures, the code Evaluate runs, decide). Every
// candidate passing is counted as eligible (exact); those the summary
// decided and whose quick score bound (Evaluator::QuickScoreBoundMicros,
// table-driven, first from the occupation alone) is below the k-th best
// score at the block's start are only counted, inside ScreenBlock, so the
// index reads back only the few that may still enter the top k. For those,
// it calls Evaluate only when the quick bound against the current k-th best
// and then Evaluator::ScoreBoundMicros (an upper bound of the score computed
// with Evaluate's arithmetic) can still enter the top k.
// The verdicts returned are always Evaluate's (the brute-force test in
// tests/matcher/candidate_index_test.cc checks counts and rankings).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "corridor/v1/candidate_service.pb.h"
#include "matcher/evaluator.h"
#include "matcher/match_model.h"
#include "storage/stores.h"

namespace corridor::matcher {

class CandidateIndex {
 public:
  // `interner` must outlive the index. Thread-safe: many concurrent readers
  // (TopK, WithView) and writers (Upsert, Remove) serialised by an absl::Mutex
  // (ReaderLock for readers).
  explicit CandidateIndex(Interner& interner);
  ~CandidateIndex();
  CandidateIndex(const CandidateIndex&) = delete;
  CandidateIndex& operator=(const CandidateIndex&) = delete;

  // Replaces the contents with every candidate stored in `stores` (a raw scan
  // of the candidates column family). Readers see the old contents until the
  // new ones are complete. Errors: INTERNAL or DATA_LOSS from the scan, or
  // DATA_LOSS when a stored value does not parse (the old contents are kept).
  absl::Status Rebuild(storage::Stores& stores);

  // Adds or replaces a candidate from its stored form (its id is the last
  // segment of `name`). An update whose update_time is older than the indexed
  // one is ignored (writers may race); an equal one replaces.
  void Upsert(const v1::Candidate& candidate);
  // Removes it (no-op when absent).
  void Remove(absl::string_view candidate_id);

  // Makes the kHotSkillSlots skills held by most indexed candidates the "hot"
  // skills (those whose exact levels the packed screen record holds) and
  // re-summarises every candidate. Rebuild does this once its scan is done;
  // call it after loading through Upsert (as the benchmark does). Until the
  // next call, a skill first seen later is hot only while slots remain.
  // Results never depend on the hot set, only the scan's speed does.
  void ChooseHotSkills();

  struct Query {
    const CompiledVacancy* vacancy = nullptr;
    const MatchWorld* world = nullptr;
    int k = 50;  // 1..500
    // When true, candidates whose only failures are QUOTA_EXHAUSTED are
    // returned (with that bit in their verdict) instead of excluded.
    bool include_quota_exhausted = false;
    std::vector<Country> nationalities;  // extra filter; empty: all
    Isco isco;  // extra filter on any occupation prefix; digits 0: none
    absl::Time deadline = absl::InfiniteFuture();  // DEADLINE_EXCEEDED when passed mid-scan
  };
  struct Hit {
    std::string candidate_id;
    int64_t registered_micros = 0;
    Verdict verdict;
  };
  struct Result {
    std::vector<Hit> top;        // best first (RanksBefore order), at most k
    int64_t eligible_count = 0;  // candidates passing (or only quota-flagged if included)
  };
  // The k best candidates for query.vacancy in query.world. Errors:
  // INVALID_ARGUMENT when vacancy or world is null or k is outside 1..500
  // (the message names the field); DEADLINE_EXCEEDED when query.deadline
  // passes during the scan (checked every 4096 candidates, and before it).
  absl::StatusOr<Result> TopK(const Query& query, const Evaluator& evaluator) const;

  // Calls `fn` with the indexed view of one candidate, under the read lock.
  // False when absent.
  bool WithView(absl::string_view candidate_id,
                const std::function<void(const CandidateView&)>& fn) const;

  size_t size() const;
  // Bytes held by the index's columns and arenas (for bytes per candidate).
  size_t MemoryBytes() const;

  // Internal storage; defined in candidate_index.cc.
  struct State;

 private:
  Interner& interner_;
  mutable absl::Mutex mu_;
  std::unique_ptr<State> state_ ABSL_GUARDED_BY(mu_);
};

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_CANDIDATE_INDEX_H_
