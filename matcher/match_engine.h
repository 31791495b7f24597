#ifndef CORRIDOR_MATCHER_MATCH_ENGINE_H_
#define CORRIDOR_MATCHER_MATCH_ENGINE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "corridor/v1/match_service.pb.h"
#include "matcher/candidate_index.h"
#include "matcher/collection.h"
#include "matcher/evaluator.h"
#include "matcher/match_model.h"
#include "matcher/quota_ledger.h"
#include "matcher/registry.h"
#include "storage/stores.h"

namespace corridor::matcher {

// Shortlists, recommendations and explanations (DOMAIN.md sections 5 and 6).
//
// Candidates are served from the in-memory CandidateIndex, rebuilt from
// storage at start and kept in step with every write through the
// RegistryObserver interface; the hot path reads no candidate from RocksDB.
// The world (agreements, quota cells with their use, agencies' licences,
// employers, placed candidates) is reloaded from storage when a write marks
// it stale. Authorisation has happened before these are called.
// Thread-safe; the references must outlive this object.
// One candidate-vacancy pair of an allocation round (AllocationRounds).
struct RoundEdge {
  std::string candidate_id;
  int64_t registered_micros = 0;
  std::string nationality;  // ISO 3166-1 alpha-2
  std::string vacancy_id;
  double score = 0;
  // The preference-fit component's raw value (0..1): the share of the
  // candidate's stated preferences (destinations, schemes, occupations) the
  // vacancy meets.
  double preference_fit = 0;
  // The agreement covering the placement and the most specific cell
  // matching it ("" when none), as ExplainPair gives them.
  std::string agreement;
  std::string leaf_cell;
};

class MatchEngine : public RegistryObserver {
 public:
  // Builds the index from every stored candidate.
  // `ledger`, when set, gives the cells' live use (QUOTA_EXHAUSTED); it must
  // outlive the engine, and its changes should reach WorldChanged().
  static absl::StatusOr<std::unique_ptr<MatchEngine>> Start(storage::Stores& stores,
                                                            const Taxonomy& taxonomy,
                                                            const Clock& clock,
                                                            const QuotaLedger* ledger = nullptr);

  // Top-k eligible candidates for a vacancy, best first, with explanations.
  // INVALID_ARGUMENT (k, filter, page_size, page_token), NOT_FOUND (vacancy),
  // DEADLINE_EXCEEDED.
  absl::StatusOr<v1::ShortlistCandidatesResponse> Shortlist(
      const CallContext& call, const v1::ShortlistCandidatesRequest& request,
      absl::Time deadline);
  // Top-k open vacancies the candidate is eligible for, best first (score,
  // then vacancy id). Evaluates only the vacancies that pass the snapshot's
  // recommendation gates (Evaluator::VacancyGates); the others cannot be
  // eligible. INVALID_ARGUMENT (k, candidate), NOT_FOUND (candidate),
  // DEADLINE_EXCEEDED.
  absl::StatusOr<v1::RecommendVacanciesResponse> Recommend(
      const v1::RecommendVacanciesRequest& request, absl::Time deadline);
  // Every component and every failed rule for one pair.
  absl::StatusOr<v1::ExplainMatchResponse> Explain(const v1::ExplainMatchRequest& request);
  // The Evaluator's full account of one pair against the current world
  // (live quota use included), with the agreement and the leaf cell a
  // placement would use. NOT_FOUND (candidate); the vacancy's compile errors.
  absl::StatusOr<Explanation> ExplainPair(absl::string_view candidate_id,
                                          const v1::Vacancy& vacancy);

  // The edges of an allocation round: for each open vacancy in
  // `vacancy_ids` (others are skipped), its `per_vacancy` (1..500) best
  // candidates that are eligible but for quota (the round decides quota),
  // from the index as ShortlistCandidates ranks them. DEADLINE_EXCEEDED.
  absl::StatusOr<std::vector<RoundEdge>> RoundEdges(const std::vector<std::string>& vacancy_ids,
                                                    int per_vacancy, absl::Time deadline);

  // RegistryObserver.
  void CandidateWritten(const v1::Candidate& candidate) override;
  void CandidateDeleted(absl::string_view candidate_id) override;
  void WorldChanged() override;

  const CandidateIndex& index() const { return *index_; }

 private:
  MatchEngine(storage::Stores& stores, const Taxonomy& taxonomy, const Clock& clock,
              const QuotaLedger* ledger);

  // The world and the open vacancies compiled in it.
  struct Snapshot;

  // The current snapshot, reloaded when a write made it stale or the day changed.
  absl::StatusOr<std::shared_ptr<const Snapshot>> Current();
  absl::StatusOr<CompiledVacancy> CompileVacancy(const v1::Vacancy& vacancy,
                                                 const MatchWorld& world) const;

  storage::Stores& stores_;
  const Taxonomy& taxonomy_;
  const Clock& clock_;
  const QuotaLedger* ledger_;
  Interner interner_;
  Evaluator evaluator_;
  std::unique_ptr<CandidateIndex> index_;

  absl::Mutex world_mu_;
  std::shared_ptr<const Snapshot> snapshot_ ABSL_GUARDED_BY(world_mu_);
  bool world_stale_ ABSL_GUARDED_BY(world_mu_) = true;
  Day world_day_ ABSL_GUARDED_BY(world_mu_) = kNoDay;
};

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_MATCH_ENGINE_H_
