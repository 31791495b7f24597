#ifndef CORRIDOR_MATCHER_ALLOCATION_ROUNDS_H_
#define CORRIDOR_MATCHER_ALLOCATION_ROUNDS_H_

// Allocation rounds (DOMAIN.md section 8, docs/allocation.md): one
// assignment of an agreement's available candidates to its open vacancy
// positions under the quota tree, stored as a proposal, explained, compared
// with first come first served and greedy, and confirmed through the
// lifecycle and the ledger.
//
// A round's instance:
//   - vacancies: the listed ones, or every open vacancy of the agreement's
//     destinations whose start lies in the period; each with its positions
//     not yet filled by an application;
//   - edges: for each vacancy, the best candidates the shortlist index ranks
//     eligible but for quota (up to 500), whose placement the round's
//     agreement covers; each candidate keeps its best `edges_per_candidate`;
//   - cells: the agreement's quota cells, each with cap (or the what-if cap)
//     minus the units reserved and committed now.
// Authorisation has happened before these are called.

#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "corridor/v1/allocation_service.pb.h"
#include "matcher/application_lifecycle.h"
#include "matcher/collection.h"
#include "matcher/match_engine.h"
#include "matcher/quota_ledger.h"
#include "matcher/registry.h"
#include "storage/stores.h"

namespace corridor::matcher {

class AllocationRounds {
 public:
  // Every reference must outlive this object.
  AllocationRounds(storage::Stores& stores, Registry& registry, const QuotaLedger& ledger,
                   MatchEngine& engine, ApplicationLifecycle& lifecycle, const Clock& clock);

  // Computes and stores a proposal (PROPOSED). INVALID_ARGUMENT naming the
  // field, NOT_FOUND (agreement, vacancy, cell), DEADLINE_EXCEEDED,
  // FAILED_PRECONDITION (request_id reused with another request). A replay
  // by request_id returns the stored round.
  absl::StatusOr<v1::AllocationRound> Create(const CallContext& call,
                                             const v1::CreateAllocationRoundRequest& request,
                                             absl::Time deadline);
  absl::StatusOr<v1::AllocationRound> Get(absl::string_view name) const;
  // In id order; `visible` drops rounds the caller may not see. Filter:
  // agreement, state.
  absl::StatusOr<v1::ListAllocationRoundsResponse> List(
      const CallContext& call, const v1::ListAllocationRoundsRequest& request,
      const std::function<bool(const v1::AllocationRound&)>& visible) const;
  // Places every assignment through ApplicationLifecycle::PlaceFromRound
  // (one atomic ledger batch each), in the proposal's order, skipping and
  // reporting those that became impossible; then marks the round CONFIRMED.
  // FAILED_PRECONDITION for a what-if round or one already confirmed (unless
  // it is a replay of the same request_id), ABORTED on a stale etag.
  absl::StatusOr<v1::AllocationRound> Confirm(const CallContext& call,
                                              const v1::ConfirmAllocationRoundRequest& request);

 private:
  storage::Stores& stores_;
  Registry& registry_;
  const QuotaLedger& ledger_;
  MatchEngine& engine_;
  ApplicationLifecycle& lifecycle_;
  const Clock& clock_;
  // Confirmations run one at a time (each is many ledger batches).
  absl::Mutex confirm_mu_;
};

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_ALLOCATION_ROUNDS_H_
