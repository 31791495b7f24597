#include "matcher/application_lifecycle.h"

#include <optional>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/strings/str_join.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "storage/keys.h"

namespace corridor::matcher {
namespace {

using v1::ApplicationState;

constexpr ApplicationState kShortlisted = v1::APPLICATION_STATE_SHORTLISTED;
constexpr ApplicationState kSubmitted = v1::APPLICATION_STATE_SUBMITTED;
constexpr ApplicationState kPreselected = v1::APPLICATION_STATE_PRESELECTED;
constexpr ApplicationState kSelected = v1::APPLICATION_STATE_SELECTED;
constexpr ApplicationState kHealthCleared = v1::APPLICATION_STATE_HEALTH_CLEARED;
constexpr ApplicationState kContractSigned = v1::APPLICATION_STATE_CONTRACT_SIGNED;
constexpr ApplicationState kVisaIssued = v1::APPLICATION_STATE_VISA_ISSUED;
constexpr ApplicationState kPreDepartureDone = v1::APPLICATION_STATE_PRE_DEPARTURE_DONE;
constexpr ApplicationState kDeployed = v1::APPLICATION_STATE_DEPLOYED;
constexpr ApplicationState kCompleted = v1::APPLICATION_STATE_COMPLETED;
constexpr ApplicationState kRejected = v1::APPLICATION_STATE_REJECTED;
constexpr ApplicationState kWithdrawn = v1::APPLICATION_STATE_WITHDRAWN;
constexpr ApplicationState kNone = v1::APPLICATION_STATE_UNSPECIFIED;

constexpr uint8_t kAgency = kRoleAgency | kRoleOperator;
constexpr uint8_t kEmployer = kRoleEmployer | kRoleOperator;

constexpr char kWithdrawnDefault[] = "WITHDRAWN_BY_CANDIDATE";
constexpr char kConsentRefused[] = "ORIGIN_CONSENT_REFUSED";

bool IsReasonCode(absl::string_view code) {
  if (code.empty() || code.size() > 64) return false;
  for (char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// States in which the candidate counts as placed (the ALREADY_PLACED rule).
bool IsPlaced(ApplicationState s) { return s >= kSelected && s <= kDeployed; }
// States that fill one of the vacancy's positions.
bool FillsPosition(ApplicationState s) { return s >= kSelected && s <= kCompleted; }
bool IsClosed(ApplicationState s) {
  return s == kCompleted || s == kRejected || s == kWithdrawn ||
         s == v1::APPLICATION_STATE_EXPIRED;
}
bool HoldsUnit(ApplicationState s) { return s >= kSelected && s <= kContractSigned; }

std::string StateName(ApplicationState s) {
  std::string name = v1::ApplicationState_Name(s);
  constexpr absl::string_view kPrefix = "APPLICATION_STATE_";
  if (absl::StartsWith(name, kPrefix)) name.erase(0, kPrefix.size());
  return name;
}

void SetNow(absl::Time now, google::protobuf::Timestamp& out) {
  const int64_t micros = absl::ToUnixMicros(now);
  out.set_seconds(micros / 1000000);
  out.set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
}

void AddHistory(v1::Application& app, ApplicationState from, ApplicationState to,
                absl::string_view actor, absl::Time now, absl::string_view reason) {
  v1::ApplicationEvent* e = app.add_history();
  e->set_from_state(from);
  e->set_to_state(to);
  e->set_actor(std::string(actor));
  SetNow(now, *e->mutable_time());
  e->set_reason_code(std::string(reason));
}

// FAILED_PRECONDITION listing every failed rule except those in `allowed`.
absl::Status IneligibleError(const Explanation& e, absl::string_view what,
                             const std::vector<Reason>& allowed) {
  std::vector<std::string> parts;
  for (const RuleFailure& f : e.failures) {
    bool ok = false;
    for (Reason r : allowed) ok = ok || r == f.reason;
    if (ok) continue;
    parts.push_back(absl::StrCat(ReasonName(f.reason), ": ", f.message));
  }
  if (parts.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(what, ": the candidate is not eligible for the vacancy: ",
                   absl::StrJoin(parts, " ")));
}

}  // namespace

const std::vector<TransitionRule>& TransitionRules() {
  using E = LedgerEffect;
  static const std::vector<TransitionRule>* rules = [] {
    auto* r = new std::vector<TransitionRule>{
        {kNone, kShortlisted, kEmployer, E::kNone, false},
        {kNone, kSubmitted, kAgency, E::kNone, false},
        {kShortlisted, kSubmitted, kAgency, E::kNone, false},
        {kSubmitted, kPreselected, kEmployer, E::kNone, false},
        {kPreselected, kSelected, kEmployer, E::kReserve, false},
        {kSelected, kHealthCleared, kAgency, E::kNone, false},
        {kHealthCleared, kContractSigned, kEmployer, E::kNone, false},
        {kContractSigned, kVisaIssued, kRoleDestinationMinistry | kRoleOperator, E::kCommit,
         false},
        {kVisaIssued, kPreDepartureDone, kAgency, E::kNone, false},
        {kPreDepartureDone, kDeployed, kAgency | kEmployer, E::kNone, false},
        {kDeployed, kCompleted, kAgency | kEmployer, E::kNone, false},
    };
    for (ApplicationState from : {kShortlisted, kSubmitted, kPreselected, kSelected,
                                  kHealthCleared, kContractSigned, kVisaIssued,
                                  kPreDepartureDone}) {
      r->push_back({from, kRejected, kEmployer, E::kRelease, true});
      r->push_back({from, kWithdrawn, kAgency, E::kRelease, false});
    }
    return r;
  }();
  return *rules;
}

const TransitionRule* FindTransitionRule(ApplicationState from, ApplicationState to) {
  for (const TransitionRule& r : TransitionRules()) {
    if (r.from == from && r.to == to) return &r;
  }
  return nullptr;
}

std::string RoleNames(uint8_t roles) {
  std::vector<std::string> names;
  if (roles & kRoleAgency) names.push_back("the candidate's agency");
  if (roles & kRoleEmployer) names.push_back("the vacancy's employer");
  if (roles & kRoleOriginMinistry) names.push_back("the origin ministry");
  if (roles & kRoleDestinationMinistry) names.push_back("the destination ministry");
  if (roles & kRoleOperator) names.push_back("an operator");
  return absl::StrJoin(names, ", ");
}

struct ApplicationLifecycle::Parties {
  std::string candidate_id;
  std::string vacancy_id;
  std::optional<v1::Candidate> candidate;  // absent once erased
  v1::Vacancy vacancy;
};

ApplicationLifecycle::ApplicationLifecycle(Registry& registry, QuotaLedger& ledger,
                                           MatchEngine& engine, const Clock& clock)
    : registry_(registry), ledger_(ledger), engine_(engine), clock_(clock) {}

absl::Mutex& ApplicationLifecycle::VacancyLock(absl::string_view vacancy_id) {
  return vacancy_locks_[absl::Hash<absl::string_view>()(vacancy_id) % vacancy_locks_.size()];
}

absl::Mutex& ApplicationLifecycle::CandidateLock(absl::string_view candidate_id) {
  return candidate_locks_[absl::Hash<absl::string_view>()(candidate_id) %
                          candidate_locks_.size()];
}

absl::StatusOr<ApplicationLifecycle::Parties> ApplicationLifecycle::LoadParties(
    const v1::Application& application) const {
  Parties p;
  CORRIDOR_ASSIGN_OR_RETURN(p.candidate_id, ParseResourceName(application.candidate(),
                                                              "candidates", "application.candidate"));
  CORRIDOR_ASSIGN_OR_RETURN(p.vacancy_id, ParseResourceName(application.vacancy(), "vacancies",
                                                            "application.vacancy"));
  absl::StatusOr<v1::Candidate> candidate = registry_.candidates().Get(p.candidate_id);
  if (candidate.ok()) {
    p.candidate = *std::move(candidate);
  } else if (!absl::IsNotFound(candidate.status())) {
    return candidate.status();
  }
  CORRIDOR_ASSIGN_OR_RETURN(p.vacancy, registry_.vacancies().Get(p.vacancy_id));
  return p;
}

uint8_t ApplicationLifecycle::RolesOf(const Principal& who, const Parties& p) const {
  switch (who.role) {
    case Role::kOperator:
      return kRoleOperator;
    case Role::kAgency:
      return p.candidate && p.candidate->agency() == AgencyName(who.tenant) ? kRoleAgency : 0;
    case Role::kEmployer:
      return p.vacancy.employer() == EmployerName(who.tenant) ? kRoleEmployer : 0;
    case Role::kMinistry: {
      uint8_t roles = 0;
      if (p.candidate && p.candidate->nationality() == who.tenant) roles |= kRoleOriginMinistry;
      if (p.vacancy.destination() == who.tenant) roles |= kRoleDestinationMinistry;
      return roles;
    }
  }
  return 0;
}

absl::StatusOr<v1::Application> ApplicationLifecycle::Create(
    const CallContext& call, const v1::CreateApplicationRequest& request) {
  CORRIDOR_ASSIGN_OR_RETURN(Principal who, Principal::Parse(call.principal));
  {
    // A replay gets the first answer, whatever the checks below would say now.
    CORRIDOR_ASSIGN_OR_RETURN(std::optional<v1::Application> replay,
                              ledger_.ApplicationReply(call, request.request_id(), request));
    if (replay) return *std::move(replay);
  }
  const v1::Application& in = request.application();
  if (in.candidate().empty()) return absl::InvalidArgumentError("application.candidate: required");
  if (in.vacancy().empty()) return absl::InvalidArgumentError("application.vacancy: required");
  // An employer shortlists; an agency (or operator) submits.
  ApplicationState to =
      in.state() != kNone ? in.state() : (who.role == Role::kEmployer ? kShortlisted : kSubmitted);
  if (to != kShortlisted && to != kSubmitted) {
    return absl::InvalidArgumentError(
        "application.state: a new application is SHORTLISTED or SUBMITTED (the default)");
  }
  CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                            ChooseResourceId(request.application_id(), 'a', "application_id"));
  absl::StatusOr<Parties> parties = LoadParties(in);
  if (!parties.ok()) return parties.status();
  if (!parties->candidate) {
    return absl::NotFoundError(absl::StrCat(in.candidate(), " not found"));
  }
  const TransitionRule* rule = FindTransitionRule(kNone, to);
  const uint8_t roles = RolesOf(who, *parties);
  if ((roles & rule->roles) == 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("a ", StateName(to), " application is created by ", RoleNames(rule->roles)));
  }
  if (parties->vacancy.state() != v1::VACANCY_STATE_OPEN) {
    return absl::FailedPreconditionError(
        absl::StrCat("application.vacancy: ", in.vacancy(), " is not open"));
  }
  CORRIDOR_ASSIGN_OR_RETURN(Explanation e,
                            engine_.ExplainPair(parties->candidate_id, parties->vacancy));
  CORRIDOR_RETURN_IF_ERROR(IneligibleError(e, "application", {Reason::kQuotaExhausted}));

  // Origin consent for a protected occupation.
  CORRIDOR_ASSIGN_OR_RETURN(const bool needs_consent, NeedsOriginConsent(*parties, e));
  const v1::OriginConsent consent =
      needs_consent ? v1::ORIGIN_CONSENT_PENDING : v1::ORIGIN_CONSENT_NOT_REQUIRED;

  absl::MutexLock lock(&CandidateLock(parties->candidate_id));
  CORRIDOR_RETURN_IF_ERROR(CheckNoOpenApplication(*parties, ApplicationName(id)));

  const std::string candidate = CandidateName(parties->candidate_id);
  const std::string vacancy = VacancyName(parties->vacancy_id);
  const std::string agreement = e.agreement.empty() ? "" : AgreementName(e.agreement);
  const std::string actor = call.principal;
  return ledger_.ChangeApplication(
      call, id, request.request_id(), request,
      [=](const v1::Application* current, absl::Time now) -> absl::StatusOr<ApplicationPlan> {
        if (current != nullptr) {
          return absl::AlreadyExistsError(absl::StrCat(ApplicationName(id), ": already exists"));
        }
        ApplicationPlan plan;
        plan.next.set_candidate(candidate);
        plan.next.set_vacancy(vacancy);
        plan.next.set_agreement(agreement);
        plan.next.set_state(to);
        plan.next.set_origin_consent(consent);
        AddHistory(plan.next, kNone, to, actor, now, "");
        return plan;
      });
}

absl::StatusOr<bool> ApplicationLifecycle::NeedsOriginConsent(const Parties& parties,
                                                              const Explanation& e) const {
  if (e.agreement.empty()) return false;
  CORRIDOR_ASSIGN_OR_RETURN(v1::Agreement agreement, registry_.agreements().Get(e.agreement));
  for (const v1::ProtectedOccupation& p : agreement.protected_occupations()) {
    if (p.mode() != v1::PROTECTION_MODE_ORIGIN_CONSENT) continue;
    if (!p.origin().empty() && p.origin() != parties.candidate->nationality()) continue;
    if (absl::StartsWith(parties.vacancy.isco_code(), p.isco_prefix())) return true;
  }
  return false;
}

absl::Status ApplicationLifecycle::ForEachApplication(
    absl::string_view index, absl::string_view key,
    const std::function<absl::Status(const v1::Application&)>& visit) const {
  storage::ListQuery q;
  q.scope = "lifecycle";
  q.index = storage::IndexEntry{std::string(index), std::string(key)};
  q.page_size = storage::kMaxPageSize;
  for (;;) {
    CORRIDOR_ASSIGN_OR_RETURN(storage::Page<v1::Application> page,
                              registry_.applications().store().List(q));
    for (const v1::Application& a : page.items) CORRIDOR_RETURN_IF_ERROR(visit(a));
    if (page.next_page_token.empty()) return absl::OkStatus();
    q.page_token = page.next_page_token;
  }
}

absl::Status ApplicationLifecycle::CheckNoOpenApplication(
    const Parties& parties, absl::string_view except_application) const {
  const std::string candidate = CandidateName(parties.candidate_id);
  const std::string vacancy = VacancyName(parties.vacancy_id);
  return ForEachApplication(
      storage::kIndexApplicationCandidate, parties.candidate_id,
      [&](const v1::Application& a) -> absl::Status {
        if (a.vacancy() == vacancy && !IsClosed(a.state()) && a.name() != except_application) {
          return absl::AlreadyExistsError(absl::StrCat(
              candidate, " already has an open application for ", vacancy, ": ", a.name()));
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<int32_t> ApplicationLifecycle::PositionsFilled(
    absl::string_view vacancy_id, absl::string_view except_application) const {
  int32_t filled = 0;
  CORRIDOR_RETURN_IF_ERROR(ForEachApplication(
      storage::kIndexApplicationVacancy, vacancy_id, [&](const v1::Application& a) {
        if (a.name() != except_application && FillsPosition(a.state())) ++filled;
        return absl::OkStatus();
      }));
  return filled;
}

absl::Status ApplicationLifecycle::CheckSelectable(const Parties& parties,
                                                   absl::string_view application_name,
                                                   absl::string_view what) const {
  CORRIDOR_RETURN_IF_ERROR(ForEachApplication(
      storage::kIndexApplicationCandidate, parties.candidate_id,
      [&](const v1::Application& a) -> absl::Status {
        if (a.name() != application_name && IsPlaced(a.state())) {
          return absl::FailedPreconditionError(absl::StrCat(
              "ALREADY_PLACED: ", CandidateName(parties.candidate_id),
              " holds another placement: ", a.name(), " (", StateName(a.state()), ")"));
        }
        return absl::OkStatus();
      }));
  CORRIDOR_ASSIGN_OR_RETURN(const int32_t filled,
                            PositionsFilled(parties.vacancy_id, application_name));
  const int32_t positions = parties.vacancy.positions();
  if (positions > 0 && filled >= positions) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": every position of ", VacancyName(parties.vacancy_id),
                     " is filled (", filled, " of ", positions, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ApplicationLifecycle::SelectionCell(const Parties& parties,
                                                                const Explanation& e,
                                                                absl::string_view requested,
                                                                absl::string_view what) const {
  // The origin's separate cap for a protected occupation, else the requested
  // cell (an allocation round's), else the leaf the Evaluator matched (the
  // ledger tries its overflow).
  std::string cell = requested.empty() ? e.leaf_cell : std::string(requested);
  if (e.agreement.empty()) return cell;
  CORRIDOR_ASSIGN_OR_RETURN(v1::Agreement agreement, registry_.agreements().Get(e.agreement));
  for (const v1::ProtectedOccupation& p : agreement.protected_occupations()) {
    if (p.mode() != v1::PROTECTION_MODE_SEPARATE_CAP) continue;
    if (!p.origin().empty() && p.origin() != parties.candidate->nationality()) continue;
    if (!absl::StartsWith(parties.vacancy.isco_code(), p.isco_prefix())) continue;
    cell = p.separate_cap_cell();
  }
  if (cell.empty()) {
    CORRIDOR_ASSIGN_OR_RETURN(
        bool any_cell,
        registry_.quota_cells().store().AnyWithIdPrefix(absl::StrCat(e.agreement, "/")));
    if (any_cell) {
      return absl::FailedPreconditionError(absl::StrCat(
          what, ": no quota cell of agreement ", e.agreement,
          " matches this placement, so no unit can be reserved"));
    }
  }
  return cell;
}

absl::StatusOr<v1::Application> ApplicationLifecycle::PlaceFromRound(
    const CallContext& call, const RoundPlacement& placement) {
  CORRIDOR_ASSIGN_OR_RETURN(Principal who, Principal::Parse(call.principal));
  // The request a replay is recognised by: the same placement of the same round.
  v1::CreateApplicationRequest request;
  request.mutable_application()->set_candidate(CandidateName(placement.candidate_id));
  request.mutable_application()->set_vacancy(VacancyName(placement.vacancy_id));
  request.mutable_application()->set_state(kSelected);
  request.set_request_id(placement.request_id);
  {
    CORRIDOR_ASSIGN_OR_RETURN(std::optional<v1::Application> replay,
                              ledger_.ApplicationReply(call, request.request_id(), request));
    if (replay) return *std::move(replay);
  }
  CORRIDOR_ASSIGN_OR_RETURN(std::string id, ChooseResourceId("", 'a', "application_id"));
  absl::StatusOr<Parties> parties = LoadParties(request.application());
  if (!parties.ok()) return parties.status();
  const std::string what = absl::StrCat(placement.round, ": ", request.application().candidate(),
                                        " at ", request.application().vacancy());
  if (!parties->candidate) {
    return absl::NotFoundError(absl::StrCat(request.application().candidate(), " not found"));
  }
  const uint8_t roles = RolesOf(who, *parties);
  if ((roles & (kRoleDestinationMinistry | kRoleOperator)) == 0) {
    return absl::PermissionDeniedError(
        "a round's placement is made by the destination ministry or an operator");
  }
  if (parties->vacancy.state() != v1::VACANCY_STATE_OPEN) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": ", request.application().vacancy(), " is not open"));
  }
  absl::MutexLock candidate_lock(&CandidateLock(parties->candidate_id));
  absl::MutexLock vacancy_lock(&VacancyLock(parties->vacancy_id));
  CORRIDOR_ASSIGN_OR_RETURN(Explanation e,
                            engine_.ExplainPair(parties->candidate_id, parties->vacancy));
  CORRIDOR_RETURN_IF_ERROR(IneligibleError(e, what, {Reason::kQuotaExhausted}));
  CORRIDOR_ASSIGN_OR_RETURN(const bool needs_consent, NeedsOriginConsent(*parties, e));
  if (needs_consent) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, ": the occupation is protected by ", parties->candidate->nationality(),
        "; a placement waits for the origin ministry's consent, so it goes through "
        "CreateApplication and RecordOriginConsent"));
  }
  CORRIDOR_RETURN_IF_ERROR(CheckNoOpenApplication(*parties, ""));
  CORRIDOR_RETURN_IF_ERROR(CheckSelectable(*parties, "", what));
  CORRIDOR_ASSIGN_OR_RETURN(std::string cell, SelectionCell(*parties, e, placement.cell_id, what));

  ApplicationPlan base;
  if (!cell.empty()) {
    base.effect = LedgerEffect::kReserve;
    base.cell_key = storage::QuotaCellKey(e.agreement, cell);
    base.dimensions =
        QuotaLedger::PlacementDimensions(*parties->candidate, parties->vacancy, clock_.Now());
  }
  const std::string candidate = CandidateName(parties->candidate_id);
  const std::string vacancy = VacancyName(parties->vacancy_id);
  const std::string agreement = e.agreement.empty() ? "" : AgreementName(e.agreement);
  const std::string actor = call.principal;
  const std::string reason = "ALLOCATION_ROUND";
  return ledger_.ChangeApplication(
      call, id, request.request_id(), request,
      [=](const v1::Application* current, absl::Time now) -> absl::StatusOr<ApplicationPlan> {
        if (current != nullptr) {
          return absl::AlreadyExistsError(absl::StrCat(ApplicationName(id), ": already exists"));
        }
        ApplicationPlan plan = base;
        plan.next.set_candidate(candidate);
        plan.next.set_vacancy(vacancy);
        plan.next.set_agreement(agreement);
        plan.next.set_state(kSelected);
        plan.next.set_origin_consent(v1::ORIGIN_CONSENT_NOT_REQUIRED);
        AddHistory(plan.next, kNone, kSelected, actor, now, reason);
        plan.reason_code = reason;
        return plan;
      });
}

absl::StatusOr<v1::Application> ApplicationLifecycle::Transition(
    const CallContext& call, const v1::TransitionApplicationRequest& request) {
  CORRIDOR_ASSIGN_OR_RETURN(Principal who, Principal::Parse(call.principal));
  {
    // A replay gets the first answer, whatever the checks below would say now.
    CORRIDOR_ASSIGN_OR_RETURN(std::optional<v1::Application> replay,
                              ledger_.ApplicationReply(call, request.request_id(), request));
    if (replay) return *std::move(replay);
  }
  CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                            ParseResourceName(request.name(), "applications", "name"));
  const ApplicationState to = request.to_state();
  if (to == kNone || !v1::ApplicationState_IsValid(to)) {
    return absl::InvalidArgumentError("to_state: required");
  }
  if (to == v1::APPLICATION_STATE_EXPIRED) {
    return absl::InvalidArgumentError(
        "to_state: EXPIRED is set by the ledger when a hold passes its deadline");
  }
  if (to == kCompleted) {
    return absl::InvalidArgumentError("to_state: COMPLETED is reached through RecordReturn");
  }
  if (!request.reason_code().empty() && !IsReasonCode(request.reason_code())) {
    return absl::InvalidArgumentError("reason_code: 1..64 characters of [A-Z0-9_]");
  }
  if (to == kRejected && request.reason_code().empty()) {
    return absl::InvalidArgumentError("reason_code: required to reject an application");
  }
  CORRIDOR_ASSIGN_OR_RETURN(v1::Application stored, registry_.applications().Get(id));
  if (stored.state() == kNone) {
    return absl::FailedPreconditionError(absl::StrCat(request.name(), " has no lifecycle state"));
  }
  CORRIDOR_ASSIGN_OR_RETURN(Parties parties, LoadParties(stored));
  const uint8_t roles = RolesOf(who, parties);
  // Role check against the transition from the state read now; the decision
  // below re-checks the state as stored when it runs.
  const TransitionRule* rule = FindTransitionRule(stored.state(), to);
  if (rule == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(request.name(), " is ",
                                                      StateName(stored.state()), "; it cannot move to ",
                                                      StateName(to)));
  }
  if ((roles & rule->roles) == 0) {
    return absl::PermissionDeniedError(absl::StrCat(StateName(stored.state()), " -> ",
                                                    StateName(to), " is made by ",
                                                    RoleNames(rule->roles)));
  }

  ApplicationPlan base;
  // Selections hold the candidate's lock, then the vacancy's, until written:
  // every earlier selection of either is then durable and visible here.
  std::optional<absl::MutexLock> candidate_lock;
  std::optional<absl::MutexLock> vacancy_lock;
  if (rule->effect == LedgerEffect::kReserve) {
    // Selection: the candidate must still be eligible (quota aside: the
    // ledger decides it), hold no other placement, and the vacancy must have
    // a free position.
    if (!parties.candidate) {
      return absl::FailedPreconditionError(absl::StrCat(stored.candidate(), " was erased"));
    }
    if (stored.origin_consent() == v1::ORIGIN_CONSENT_PENDING) {
      return absl::FailedPreconditionError(absl::StrCat(
          request.name(), ": the occupation is protected by ", parties.candidate->nationality(),
          "; selection waits for the origin ministry's consent (RecordOriginConsent)"));
    }
    candidate_lock.emplace(&CandidateLock(parties.candidate_id));
    vacancy_lock.emplace(&VacancyLock(parties.vacancy_id));
    CORRIDOR_ASSIGN_OR_RETURN(Explanation e,
                              engine_.ExplainPair(parties.candidate_id, parties.vacancy));
    CORRIDOR_RETURN_IF_ERROR(IneligibleError(e, request.name(), {Reason::kQuotaExhausted}));
    CORRIDOR_RETURN_IF_ERROR(CheckSelectable(parties, stored.name(), request.name()));
    CORRIDOR_ASSIGN_OR_RETURN(std::string cell, SelectionCell(parties, e, "", request.name()));
    if (cell.empty()) {
      base.effect = LedgerEffect::kNone;  // an agreement without quota cells caps nothing
    } else {
      base.effect = LedgerEffect::kReserve;
      base.cell_key = storage::QuotaCellKey(e.agreement, cell);
      base.dimensions =
          QuotaLedger::PlacementDimensions(*parties.candidate, parties.vacancy, clock_.Now());
    }
  }

  const std::string actor = call.principal;
  const std::string reason =
      !request.reason_code().empty() ? request.reason_code()
                                     : (to == kWithdrawn ? std::string(kWithdrawnDefault) : "");
  const std::string etag = request.etag();
  const std::string name = request.name();
  const LedgerEffect checked = rule->effect;
  return ledger_.ChangeApplication(
      call, id, request.request_id(), request,
      [=](const v1::Application* current, absl::Time now) -> absl::StatusOr<ApplicationPlan> {
        if (current == nullptr) return absl::NotFoundError(absl::StrCat(name, " not found"));
        if (!etag.empty() && etag != current->etag()) {
          return absl::AbortedError(absl::StrCat("etag: ", name, " changed since it was read"));
        }
        const TransitionRule* r =
            current->state() == kNone ? nullptr : FindTransitionRule(current->state(), to);
        if (r == nullptr) {
          return absl::FailedPreconditionError(absl::StrCat(
              name, " is ", StateName(current->state()), "; it cannot move to ", StateName(to)));
        }
        if ((roles & r->roles) == 0) {
          return absl::PermissionDeniedError(absl::StrCat(
              StateName(current->state()), " -> ", StateName(to), " is made by ",
              RoleNames(r->roles)));
        }
        ApplicationPlan plan = base;
        plan.reason_code = reason;
        if (r->effect == LedgerEffect::kReserve) {
          if (checked != LedgerEffect::kReserve) {
            return absl::AbortedError(
                absl::StrCat(name, " changed while the transition was prepared; retry"));
          }
        } else if (r->effect == LedgerEffect::kCommit) {
          plan.effect = current->reservation().empty() ? LedgerEffect::kNone : LedgerEffect::kCommit;
        } else if (r->effect == LedgerEffect::kRelease) {
          plan.effect = HoldsUnit(current->state()) && !current->reservation().empty()
                            ? LedgerEffect::kRelease
                            : LedgerEffect::kNone;
        } else {
          plan.effect = LedgerEffect::kNone;
        }
        plan.next = *current;
        plan.next.set_state(to);
        AddHistory(plan.next, current->state(), to, actor, now, reason);
        return plan;
      });
}

absl::StatusOr<v1::Application> ApplicationLifecycle::RecordOriginConsent(
    const CallContext& call, const v1::RecordOriginConsentRequest& request) {
  CORRIDOR_ASSIGN_OR_RETURN(Principal who, Principal::Parse(call.principal));
  {
    // A replay gets the first answer, whatever the checks below would say now.
    CORRIDOR_ASSIGN_OR_RETURN(std::optional<v1::Application> replay,
                              ledger_.ApplicationReply(call, request.request_id(), request));
    if (replay) return *std::move(replay);
  }
  CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                            ParseResourceName(request.name(), "applications", "name"));
  if (!request.reason_code().empty() && !IsReasonCode(request.reason_code())) {
    return absl::InvalidArgumentError("reason_code: 1..64 characters of [A-Z0-9_]");
  }
  CORRIDOR_ASSIGN_OR_RETURN(v1::Application stored, registry_.applications().Get(id));
  CORRIDOR_ASSIGN_OR_RETURN(Parties parties, LoadParties(stored));
  const uint8_t roles = RolesOf(who, parties);
  if ((roles & (kRoleOriginMinistry | kRoleOperator)) == 0) {
    return absl::PermissionDeniedError(
        "the consent for a protected occupation is given by the candidate's origin ministry");
  }
  const bool granted = request.granted();
  const std::string reason = !request.reason_code().empty()
                                 ? request.reason_code()
                                 : (granted ? "ORIGIN_CONSENT_GRANTED" : kConsentRefused);
  const std::string actor = call.principal;
  const std::string name = request.name();
  return ledger_.ChangeApplication(
      call, id, request.request_id(), request,
      [=](const v1::Application* current, absl::Time now) -> absl::StatusOr<ApplicationPlan> {
        if (current == nullptr) return absl::NotFoundError(absl::StrCat(name, " not found"));
        if (current->origin_consent() != v1::ORIGIN_CONSENT_PENDING || IsClosed(current->state())) {
          return absl::FailedPreconditionError(absl::StrCat(
              name, " has no origin consent pending (", v1::OriginConsent_Name(current->origin_consent()),
              ", ", StateName(current->state()), ")"));
        }
        ApplicationPlan plan;
        plan.next = *current;
        plan.reason_code = reason;
        if (granted) {
          plan.next.set_origin_consent(v1::ORIGIN_CONSENT_GRANTED);
          AddHistory(plan.next, current->state(), current->state(), actor, now, reason);
        } else {
          plan.next.set_origin_consent(v1::ORIGIN_CONSENT_REFUSED);
          plan.next.set_state(kRejected);
          // Consent comes before selection, so no unit is held.
          AddHistory(plan.next, current->state(), kRejected, actor, now, reason);
        }
        return plan;
      });
}

absl::StatusOr<v1::Application> ApplicationLifecycle::RecordReturn(
    const CallContext& call, const v1::RecordReturnRequest& request) {
  CORRIDOR_ASSIGN_OR_RETURN(Principal who, Principal::Parse(call.principal));
  {
    // A replay gets the first answer, whatever the checks below would say now.
    CORRIDOR_ASSIGN_OR_RETURN(std::optional<v1::Application> replay,
                              ledger_.ApplicationReply(call, request.request_id(), request));
    if (replay) return *std::move(replay);
  }
  CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                            ParseResourceName(request.name(), "applications", "name"));
  const v1::ReturnOutcome outcome = request.outcome();
  if (outcome == v1::RETURN_OUTCOME_UNSPECIFIED || !v1::ReturnOutcome_IsValid(outcome)) {
    return absl::InvalidArgumentError("outcome: required");
  }
  const bool returned = outcome != v1::RETURN_OUTCOME_NOT_RETURNED;
  if (returned && !request.has_return_date()) {
    return absl::InvalidArgumentError("return_date: required unless the worker did not return");
  }
  if (!returned && request.has_return_date()) {
    return absl::InvalidArgumentError("return_date: must be unset for RETURN_OUTCOME_NOT_RETURNED");
  }
  if (returned) {
    const v1::Date& d = request.return_date();
    if (d.year() < 1900 || d.year() > 9999 || d.month() < 1 || d.month() > 12 || d.day() < 1 ||
        d.day() > 31 ||
        absl::CivilDay(d.year(), d.month(), d.day()).day() != d.day()) {
      return absl::InvalidArgumentError("return_date: not a calendar day");
    }
    const absl::CivilDay today = absl::ToCivilDay(clock_.Now(), absl::UTCTimeZone());
    if (absl::CivilDay(d.year(), d.month(), d.day()) > today) {
      return absl::InvalidArgumentError("return_date: in the future");
    }
  }
  CORRIDOR_ASSIGN_OR_RETURN(v1::Application stored, registry_.applications().Get(id));
  CORRIDOR_ASSIGN_OR_RETURN(Parties parties, LoadParties(stored));
  const TransitionRule* rule = FindTransitionRule(kDeployed, kCompleted);
  const uint8_t roles = RolesOf(who, parties);
  if ((roles & rule->roles) == 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("a return is recorded by ", RoleNames(rule->roles)));
  }
  const std::string actor = call.principal;
  const std::string name = request.name();
  const std::string reason = absl::StrCat("RETURN_", v1::ReturnOutcome_Name(outcome).substr(15));
  absl::StatusOr<v1::Application> done = ledger_.ChangeApplication(
      call, id, request.request_id(), request,
      [=](const v1::Application* current, absl::Time now) -> absl::StatusOr<ApplicationPlan> {
        if (current == nullptr) return absl::NotFoundError(absl::StrCat(name, " not found"));
        if (current->state() != kDeployed) {
          return absl::FailedPreconditionError(absl::StrCat(
              name, " is ", StateName(current->state()), "; a return is recorded once DEPLOYED"));
        }
        ApplicationPlan plan;
        plan.next = *current;
        plan.next.set_state(kCompleted);
        plan.next.set_return_outcome(outcome);
        plan.reason_code = reason;
        AddHistory(plan.next, kDeployed, kCompleted, actor, now, reason);
        return plan;
      });
  if (!done.ok()) return done;
  // The stay feeds later matching (re-entry credit, the not-returned rule).
  // A crash before this write is repaired by ReconcileReturns at start.
  absl::Status history = AddStayToHistory(*done);
  if (!history.ok() && !absl::IsNotFound(history)) return history;
  return done;
}

absl::Status ApplicationLifecycle::AddStayToHistory(const v1::Application& application) {
  CORRIDOR_ASSIGN_OR_RETURN(Parties parties, LoadParties(application));
  if (!parties.candidate) return absl::NotFoundError("candidate erased");
  const v1::Vacancy& vacancy = parties.vacancy;
  // The stay: from deployment (else the season's start) to the return day
  // (else the season's end).
  v1::PastPlacement stay;
  stay.set_agreement(application.agreement());
  stay.set_scheme(vacancy.scheme());
  stay.set_destination(vacancy.destination());
  stay.set_return_outcome(application.return_outcome());
  stay.set_application(application.name());
  *stay.mutable_stay() = vacancy.window();
  for (const v1::ApplicationEvent& e : application.history()) {
    absl::CivilDay day = absl::ToCivilDay(absl::FromUnixSeconds(e.time().seconds()),
                                          absl::UTCTimeZone());
    v1::Date date;
    date.set_year(static_cast<int32_t>(day.year()));
    date.set_month(day.month());
    date.set_day(day.day());
    if (e.to_state() == kDeployed) *stay.mutable_stay()->mutable_start() = date;
    if (e.to_state() == kCompleted &&
        application.return_outcome() != v1::RETURN_OUTCOME_NOT_RETURNED) {
      *stay.mutable_stay()->mutable_end() = date;
    }
  }
  if (ToDay(stay.stay().end()) < ToDay(stay.stay().start())) {
    *stay.mutable_stay()->mutable_end() = stay.stay().start();
  }
  absl::StatusOr<v1::Candidate> updated = registry_.candidates().store().Mutate(
      parties.candidate_id, "", [&](v1::Candidate& c) -> absl::Status {
        for (const v1::PastPlacement& p : c.history()) {
          if (p.application() == application.name()) return absl::AlreadyExistsError("recorded");
        }
        *c.add_history() = stay;
        return absl::OkStatus();
      });
  if (absl::IsAlreadyExists(updated.status())) return absl::OkStatus();
  if (!updated.ok()) return updated.status();
  registry_.candidates().Written(*updated);
  return absl::OkStatus();
}

absl::StatusOr<int> ApplicationLifecycle::ReconcileReturns() {
  storage::ListQuery q;
  q.scope = "lifecycle";
  q.page_size = storage::kMaxPageSize;
  q.predicate = [](const google::protobuf::Message& m) {
    return static_cast<const v1::Application&>(m).state() == kCompleted;
  };
  int added = 0;
  for (;;) {
    CORRIDOR_ASSIGN_OR_RETURN(storage::Page<v1::Application> page,
                              registry_.applications().store().List(q));
    for (const v1::Application& a : page.items) {
      absl::StatusOr<v1::Candidate> c = registry_.candidates().Get(
          ParseResourceName(a.candidate(), "candidates", "candidate").value_or(""));
      if (!c.ok()) continue;
      bool has = false;
      for (const v1::PastPlacement& p : c->history()) has = has || p.application() == a.name();
      if (has) continue;
      CORRIDOR_RETURN_IF_ERROR(AddStayToHistory(a));
      ++added;
    }
    if (page.next_page_token.empty()) break;
    q.page_token = page.next_page_token;
  }
  return added;
}

}  // namespace corridor::matcher
