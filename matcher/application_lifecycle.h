#ifndef CORRIDOR_MATCHER_APPLICATION_LIFECYCLE_H_
#define CORRIDOR_MATCHER_APPLICATION_LIFECYCLE_H_

// The placement lifecycle (DOMAIN.md section 7): applications move from
// shortlisted to completed, each transition made by the roles its rule names,
// each tied to the quota ledger.
//
//   shortlisted -> submitted -> preselected -> selected -> health cleared ->
//   contract signed -> visa issued -> pre-departure done -> deployed ->
//   completed (RecordReturn)
//   any state before deployed -> rejected (employer, reason) | withdrawn
//   (agency); a held unit is released. A hold past its deadline expires the
//   application (the ledger's expiry task).
//
// Selection reserves a unit of the leaf cell the Evaluator picks for the
// placement (or the origin's separate cap cell for a protected occupation);
// the ledger tries the leaf's overflow when the leaf's path is full. Visa
// issue commits the unit; rejection and withdrawal release it.
//
// Every write goes through QuotaLedger::ChangeApplication: the decision runs
// on the ledger's committer against the application as stored at that
// moment, and the record, the unit's move and the audit events are one
// synced write. A transition that is not allowed from the stored state is
// FAILED_PRECONDITION and writes nothing. Selections of one candidate are
// serialised here, so a candidate never holds two placements.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/principal.h"
#include "corridor/v1/application_service.pb.h"
#include "matcher/collection.h"
#include "matcher/match_engine.h"
#include "matcher/quota_ledger.h"
#include "matcher/registry.h"

namespace corridor::matcher {

// The capacities an actor can hold towards one application; a rule allows a
// transition to any of the capacities in its mask.
enum LifecycleRole : uint8_t {
  kRoleAgency = 1,                // the agency owning the candidate
  kRoleEmployer = 2,              // the employer owning the vacancy
  kRoleOriginMinistry = 4,        // the ministry of the candidate's nationality
  kRoleDestinationMinistry = 8,   // the ministry of the vacancy's destination
  kRoleOperator = 16,
};

// One allowed transition.
struct TransitionRule {
  v1::ApplicationState from;  // UNSPECIFIED: creating the application
  v1::ApplicationState to;
  uint8_t roles;              // LifecycleRole bits
  LedgerEffect effect;        // kRelease: only when the application holds a unit
  bool reason_required;
};

// Every allowed transition (the state machine's specification; docs/lifecycle.md
// prints it). Expiry is the ledger's, not a rule here.
const std::vector<TransitionRule>& TransitionRules();

// The rule for (from, to), or null when the transition does not exist.
const TransitionRule* FindTransitionRule(v1::ApplicationState from, v1::ApplicationState to);

// "agency", "employer, operator", ...
std::string RoleNames(uint8_t roles);

class ApplicationLifecycle {
 public:
  // All references must outlive the lifecycle.
  ApplicationLifecycle(Registry& registry, QuotaLedger& ledger, MatchEngine& engine,
                       const Clock& clock);

  // Creates an application in SHORTLISTED (an employer's default) or
  // SUBMITTED (an agency's or operator's default). The candidate must be eligible for the vacancy except for
  // quota (consent and the agency's licence are rules of eligibility), and
  // hold no other open application for it. INVALID_ARGUMENT naming the
  // field, NOT_FOUND, PERMISSION_DENIED, FAILED_PRECONDITION (ineligible:
  // every failed rule's code and sentence), ALREADY_EXISTS.
  absl::StatusOr<v1::Application> Create(const CallContext& call,
                                         const v1::CreateApplicationRequest& request);
  // Applies one transition of TransitionRules(). PERMISSION_DENIED when the
  // caller's role may not make it, FAILED_PRECONDITION when it does not
  // exist from the current state (or selection finds the candidate
  // ineligible, placed elsewhere, or the quota full), ABORTED on a stale etag.
  absl::StatusOr<v1::Application> Transition(const CallContext& call,
                                             const v1::TransitionApplicationRequest& request);
  // The origin ministry's consent step (PROTECTION_MODE_ORIGIN_CONSENT).
  absl::StatusOr<v1::Application> RecordOriginConsent(const CallContext& call,
                                                      const v1::RecordOriginConsentRequest& request);
  // DEPLOYED -> COMPLETED with the return outcome; the stay is added to the
  // candidate's history (its re-entry credit or not-returned rule).
  absl::StatusOr<v1::Application> RecordReturn(const CallContext& call,
                                               const v1::RecordReturnRequest& request);

  // How many of the vacancy's positions applications fill (SELECTED through
  // COMPLETED), not counting `except_application` (a name).
  absl::StatusOr<int32_t> PositionsFilled(absl::string_view vacancy_id,
                                          absl::string_view except_application = "") const;

  // One placement of a confirmed allocation round.
  struct RoundPlacement {
    std::string candidate_id;
    std::string vacancy_id;
    // The cell the round drew the unit from (its leaf or the leaf's overflow
    // cell); empty: the Evaluator's leaf. The ledger tries that cell's
    // overflow when it is full.
    std::string cell_id;
    // "allocationRounds/{round}": recorded in the replay fingerprint.
    std::string round;
    // Idempotency of this placement (derived from the confirmation's).
    std::string request_id;
  };
  // Creates an application directly in SELECTED with its unit reserved, in
  // one ledger batch: how a confirmed round places a candidate, atomically
  // per application. The checks of creation and selection both apply
  // (eligibility but quota, one open application per pair, not placed
  // elsewhere, a free position); a protected occupation needing the origin's
  // consent is refused (it goes through CreateApplication). Only the
  // vacancy's destination ministry or an operator. Replays by request_id.
  absl::StatusOr<v1::Application> PlaceFromRound(const CallContext& call,
                                                 const RoundPlacement& placement);

  // Adds the stay of every completed application to its candidate's history
  // where missing (after a crash between RecordReturn's two writes). Returns
  // how many were added.
  absl::StatusOr<int> ReconcileReturns();

 private:
  struct Parties;
  absl::StatusOr<Parties> LoadParties(const v1::Application& application) const;
  uint8_t RolesOf(const Principal& who, const Parties& parties) const;
  // Whether the agreement covering the pair protects its occupation with the
  // origin ministry's consent.
  absl::StatusOr<bool> NeedsOriginConsent(const Parties& parties, const Explanation& e) const;
  // Calls `visit` on every application of the index entry (`index` is
  // storage::kIndexApplicationCandidate or kIndexApplicationVacancy, `key`
  // the candidate's or vacancy's id), page after page; stops at and returns
  // the first error `visit` returns.
  absl::Status ForEachApplication(
      absl::string_view index, absl::string_view key,
      const std::function<absl::Status(const v1::Application&)>& visit) const;
  // ALREADY_EXISTS when the candidate holds an open application for the
  // vacancy (other than `except_application`, a name).
  absl::Status CheckNoOpenApplication(const Parties& parties,
                                      absl::string_view except_application) const;
  // Selection's checks besides eligibility: the candidate holds no other
  // placement (than `application_name`), the vacancy has a free position.
  absl::Status CheckSelectable(const Parties& parties, absl::string_view application_name,
                               absl::string_view what) const;
  // The cell a selection reserves from ("" when the agreement caps nothing).
  absl::StatusOr<std::string> SelectionCell(const Parties& parties, const Explanation& e,
                                            absl::string_view requested,
                                            absl::string_view what) const;
  absl::Status AddStayToHistory(const v1::Application& application);
  absl::Mutex& CandidateLock(absl::string_view candidate_id);
  absl::Mutex& VacancyLock(absl::string_view vacancy_id);

  Registry& registry_;
  QuotaLedger& ledger_;
  MatchEngine& engine_;
  const Clock& clock_;
  // Selections (and creations) of one candidate run one at a time.
  // Selections of one vacancy too (taken after the candidate's).
  std::array<absl::Mutex, 64> candidate_locks_;
  std::array<absl::Mutex, 64> vacancy_locks_;
};

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_APPLICATION_LIFECYCLE_H_
