#include "matcher/registry.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "storage/keys.h"

namespace corridor::matcher {
namespace {

using google::protobuf::Message;

constexpr int kMaxImportRows = 10000;

// A filter field read from one string-valued attribute of T.
template <typename T>
FilterField Field(std::string name, absl::string_view index,
                  std::function<std::string(const T&)> get) {
  return FilterField{std::move(name), std::string(index),
                     [get = std::move(get)](const Message& m) {
                       return std::vector<std::string>{get(static_cast<const T&>(m))};
                     }};
}

// The id in a resource name, or "" when it has another form.
std::string IdOf(absl::string_view name, absl::string_view collection) {
  absl::StatusOr<std::string> id = ParseResourceName(name, collection, "name");
  return id.ok() ? *id : std::string();
}

std::string CellNameOfKey(absl::string_view key) {
  size_t slash = key.find('/');
  if (slash == absl::string_view::npos) return std::string(key);
  return QuotaCellResourceName(key.substr(0, slash), key.substr(slash + 1));
}

// Splits "field: message" (the validator's convention) for row errors.
v1::RowError RowErrorOf(int64_t row, const absl::Status& status, absl::string_view prefix) {
  v1::RowError e;
  e.set_row_number(row);
  absl::string_view message = status.message();
  size_t colon = message.find(": ");
  if (colon != absl::string_view::npos && message.substr(0, colon).find(' ') ==
                                              absl::string_view::npos) {
    e.set_field(absl::StrCat(prefix, message.substr(0, colon)));
    e.set_message(std::string(message.substr(colon + 2)));
  } else {
    e.set_message(std::string(message));
  }
  return e;
}

v1::RowError RowErrorAt(int64_t row, absl::string_view field, absl::string_view message) {
  v1::RowError e;
  e.set_row_number(row);
  e.set_field(std::string(field));
  e.set_message(std::string(message));
  return e;
}

absl::Status CheckImportSize(int rows) {
  if (rows == 0) return absl::InvalidArgumentError("rows: a batch needs at least one row");
  if (rows > kMaxImportRows) {
    return absl::ResourceExhaustedError("rows: a batch holds at most 10000 rows");
  }
  return absl::OkStatus();
}

std::optional<storage::Idempotency> ImportIdempotency(const CallContext& call,
                                                      const Message& request,
                                                      absl::string_view request_id,
                                                      absl::Status& error) {
  if (request_id.empty()) return std::nullopt;
  if (!IsValidRequestId(request_id)) {
    error = absl::InvalidArgumentError("request_id: must be 1..64 characters of [A-Za-z0-9_-]");
    return std::nullopt;
  }
  return storage::Idempotency{storage::IdempotencyKey(call.principal, call.method, request_id),
                              storage::RequestFingerprint(request)};
}

// Shared shape of ImportCandidates and ImportVacancies: validate every row
// with `prepare`, then write the valid ones in one batch (or none).
template <typename T, typename Row, typename Response>
absl::StatusOr<Response> ImportRows(
    const CallContext& call, const Message& request,
    const google::protobuf::RepeatedPtrField<Row>& rows, bool validate_only, bool skip_invalid,
    absl::string_view request_id, absl::string_view collection, const Collection<T>& target,
    const std::function<absl::Status(const Row&, T&, v1::RowError&)>& prepare,
    const std::function<bool(const T& stored, const T& incoming)>& same_owner) {
  CORRIDOR_RETURN_IF_ERROR(CheckImportSize(rows.size()));
  absl::Status idem_error;
  std::optional<storage::Idempotency> idem =
      ImportIdempotency(call, request, request_id, idem_error);
  CORRIDOR_RETURN_IF_ERROR(idem_error);

  Response response;
  std::vector<std::pair<std::string, T>> valid;
  valid.reserve(rows.size());
  absl::flat_hash_map<std::string, int64_t> seen;
  for (const Row& row : rows) {
    T record;
    v1::RowError error;
    absl::Status s = prepare(row, record, error);
    if (s.ok()) {
      std::string id = IdOf(record.name(), collection);
      auto [it, inserted] = seen.emplace(id, row.row_number());
      if (!inserted) {
        *response.add_errors() = RowErrorAt(
            row.row_number(), "id",
            absl::StrCat("the same id appears in row ", it->second, " of this batch"));
        continue;
      }
      valid.emplace_back(std::move(id), std::move(record));
    } else {
      *response.add_errors() = std::move(error);
    }
  }
  response.set_valid(static_cast<int64_t>(valid.size()));
  if (validate_only || valid.empty() || (!skip_invalid && response.errors_size() > 0)) {
    return response;
  }
  response.set_written(static_cast<int64_t>(valid.size()));
  CORRIDOR_ASSIGN_OR_RETURN(
      std::string reply,
      target.store().UpsertBatch(valid, idem ? &*idem : nullptr, response.SerializeAsString(),
                        [&same_owner](const T& stored, const T& incoming) {
                          // The per-row check above ran before the lock; a
                          // record another owner created since is refused
                          // here, and the client's retry then reports the row.
                          return same_owner(stored, incoming)
                                     ? absl::OkStatus()
                                     : absl::AbortedError(
                                           "a record of this batch changed owner meanwhile; retry");
                        }));
  // A replayed batch writes nothing and leaves the records without times.
  for (const auto& [id, record] : valid) {
    if (record.has_update_time()) target.Written(record);
  }
  Response stored;
  if (!stored.ParseFromString(reply)) return absl::InternalError("stored import reply is corrupt");
  return stored;
}

}  // namespace

std::string NewResourceId(char prefix) {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* gen = new absl::BitGen();
  constexpr absl::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id(1, prefix);
  absl::MutexLock lock(&mu);
  for (int i = 0; i < 15; ++i) {
    id.push_back(kAlphabet[absl::Uniform<size_t>(*gen, 0, kAlphabet.size())]);
  }
  return id;
}

absl::StatusOr<std::string> ChooseResourceId(absl::string_view requested, char prefix,
                                             absl::string_view field) {
  if (requested.empty()) return NewResourceId(prefix);
  if (!IsValidResourceId(requested)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be 1..63 characters of [a-z0-9-] starting with a letter"));
  }
  return std::string(requested);
}

Registry::Registry(storage::Stores& stores, const Validator& validator,
                   RegistryObserver* observer)
    : stores_(stores),
      validator_(validator),
      agencies_(stores.agencies,
                {"agencies", "agency", [](absl::string_view k) { return AgencyName(k); },
                 {"display_name", "licence_number", "licence_status", "licence_expiry"},
                 {Field<v1::Agency>("country", "", [](const v1::Agency& a) { return a.country(); }),
                  Field<v1::Agency>("licence_status", "",
                                    [](const v1::Agency& a) {
                                      return v1::LicenceStatus_Name(a.licence_status());
                                    })},
                 [&validator](const v1::Agency& a) { return validator.ValidateAgency(a); }}),
      employers_(stores.employers,
                 {"employers", "employer", [](absl::string_view k) { return EmployerName(k); },
                  {"display_name", "region", "sector", "standing"},
                  {Field<v1::Employer>("country", "",
                                       [](const v1::Employer& e) { return e.country(); }),
                   Field<v1::Employer>("sector", "",
                                       [](const v1::Employer& e) { return e.sector(); }),
                   Field<v1::Employer>("standing", "",
                                       [](const v1::Employer& e) {
                                         return v1::EmployerStanding_Name(e.standing());
                                       })},
                  [&validator](const v1::Employer& e) { return validator.ValidateEmployer(e); }}),
      candidates_(
          stores.candidates,
          {"candidates", "candidate", [](absl::string_view k) { return CandidateName(k); },
           {"display_name", "contact", "nationality", "residence_country", "origin_region",
            "birth_year", "gender", "occupations", "skills", "languages", "education",
            "credentials", "licences", "availability", "preferences", "consent", "history"},
           {Field<v1::Candidate>("agency", storage::kIndexCandidateAgency,
                                 [](const v1::Candidate& c) { return IdOf(c.agency(), "agencies"); }),
            Field<v1::Candidate>("nationality", storage::kIndexCandidateNationality,
                                 [](const v1::Candidate& c) { return c.nationality(); }),
            FilterField{"isco_code", std::string(storage::kIndexCandidateIsco),
                        [](const Message& m) {
                          std::vector<std::string> codes;
                          for (const auto& o : static_cast<const v1::Candidate&>(m).occupations()) {
                            codes.push_back(o.isco_code());
                          }
                          return codes;
                        }}},
           [&validator](const v1::Candidate& c) { return validator.ValidateCandidate(c); }}),
      vacancies_(
          stores.vacancies,
          {"vacancies", "vacancy", [](absl::string_view k) { return VacancyName(k); },
           {"title", "region", "isco_code", "esco_occupation", "scheme", "positions", "window",
            "required_skills", "required_languages", "min_experience_years", "min_education",
            "required_credentials", "required_licence", "eligible_origins", "wage", "housing",
            "labour_market_test", "state", "score_weights"},
           {Field<v1::Vacancy>("employer", storage::kIndexVacancyEmployer,
                               [](const v1::Vacancy& v) { return IdOf(v.employer(), "employers"); }),
            Field<v1::Vacancy>("destination", storage::kIndexVacancyDestination,
                               [](const v1::Vacancy& v) { return v.destination(); }),
            Field<v1::Vacancy>("isco_code", "", [](const v1::Vacancy& v) { return v.isco_code(); }),
            Field<v1::Vacancy>("scheme", "",
                               [](const v1::Vacancy& v) { return v1::Scheme_Name(v.scheme()); }),
            Field<v1::Vacancy>("state", "",
                               [](const v1::Vacancy& v) { return v1::VacancyState_Name(v.state()); })},
           [&validator](const v1::Vacancy& v) { return validator.ValidateVacancy(v); }}),
      agreements_(
          stores.agreements,
          {"agreements", "agreement", [](absl::string_view k) { return AgreementName(k); },
           {"display_name", "kind", "signed_date", "in_force_from", "expiry_date", "schemes",
            "occupation_scope", "protected_occupations", "reentry_policy",
            "not_returned_ineligible", "origin_tiers", "labour_market_test_required",
            "carry_over", "score_weights"},
           {FilterField{"destination", "",
                        [](const Message& m) {
                          const auto& a = static_cast<const v1::Agreement&>(m);
                          return std::vector<std::string>(a.destinations().begin(),
                                                          a.destinations().end());
                        }},
            FilterField{"origin", "",
                        [](const Message& m) {
                          const auto& a = static_cast<const v1::Agreement&>(m);
                          return std::vector<std::string>(a.origins().begin(), a.origins().end());
                        }},
            Field<v1::Agreement>("kind", "",
                                 [](const v1::Agreement& a) { return v1::AgreementKind_Name(a.kind()); })},
           [&validator](const v1::Agreement& a) { return validator.ValidateAgreement(a); }}),
      quota_cells_(
          stores.quota_cells,
          {"quotaCells", "quota_cell", CellNameOfKey,
           {"display_name", "cap", "overflow_cell", "synthetic"},
           {Field<v1::QuotaCell>("destination", "",
                                 [](const v1::QuotaCell& c) { return c.destination(); }),
            Field<v1::QuotaCell>("origin", "", [](const v1::QuotaCell& c) { return c.origin(); }),
            Field<v1::QuotaCell>("scheme", "",
                                 [](const v1::QuotaCell& c) { return v1::Scheme_Name(c.scheme()); })},
           // Cells are checked against their agreement and tree by
           // CreateQuotaCell / UpdateQuotaCell, which hold the agreement lock.
           [](const v1::QuotaCell&) { return absl::OkStatus(); }}),
      applications_(
          stores.applications,
          {"applications", "application", [](absl::string_view k) { return ApplicationName(k); },
           {},
           {Field<v1::Application>("candidate", storage::kIndexApplicationCandidate,
                                   [](const v1::Application& a) {
                                     return IdOf(a.candidate(), "candidates");
                                   }),
            Field<v1::Application>("vacancy", storage::kIndexApplicationVacancy,
                                   [](const v1::Application& a) {
                                     return IdOf(a.vacancy(), "vacancies");
                                   }),
            Field<v1::Application>("state", "",
                                   [](const v1::Application& a) {
                                     return v1::ApplicationState_Name(a.state());
                                   })},
           [](const v1::Application&) { return absl::OkStatus(); }}),
      reservations_(
          stores.reservations,
          {"reservations", "reservation", [](absl::string_view k) { return ReservationName(k); },
           {},
           {Field<v1::Reservation>("quota_cell", "",
                                   [](const v1::Reservation& r) { return r.quota_cell(); }),
            Field<v1::Reservation>("application", "",
                                   [](const v1::Reservation& r) { return r.application(); }),
            Field<v1::Reservation>("state", "",
                                   [](const v1::Reservation& r) {
                                     return v1::ReservationState_Name(r.state());
                                   })},
           // Written only by the QuotaLedger.
           [](const v1::Reservation&) {
             return absl::FailedPreconditionError("reservations are written by the ledger");
           }}) {
  if (observer == nullptr) return;
  candidates_.Observe(
      [observer, &stores](const v1::Candidate& c) {
        observer->CandidateWritten(c);
        // Observers are told after the commit, outside the record's lock, so
        // a delete committed after this write may have been told first: the
        // write would then put an erased candidate back into the index. Check
        // the store after telling; while it says "gone", tell the delete (and
        // a re-creation that slipped in meanwhile, so it is not lost).
        const std::string id = IdOf(c.name(), "candidates");
        if (!absl::IsNotFound(stores.candidates.Get(id).status())) return;
        observer->CandidateDeleted(id);
        absl::StatusOr<v1::Candidate> again = stores.candidates.Get(id);
        if (again.ok()) observer->CandidateWritten(*again);
      },
      [observer](absl::string_view id) { observer->CandidateDeleted(id); });
  auto changed = [observer](const auto&) { observer->WorldChanged(); };
  agencies_.Observe(changed, changed);
  employers_.Observe(changed, changed);
  vacancies_.Observe(changed, changed);
  agreements_.Observe(changed, changed);
  quota_cells_.Observe(changed, changed);
  applications_.Observe(changed, changed);
}

absl::Mutex& Registry::StripeLock(absl::string_view key) {
  return locks_[absl::Hash<absl::string_view>()(key) % locks_.size()];
}

// ---- Candidates ----

absl::StatusOr<AgencyId> Registry::ResolveCandidateOwner(
    const v1::Candidate& candidate, const std::optional<AgencyId>& forced) const {
  AgencyId owner;
  if (forced.has_value()) {
    owner = *forced;
  } else {
    absl::StatusOr<std::string> id =
        ParseResourceName(candidate.agency(), "agencies", "candidate.agency");
    if (!id.ok()) return id.status();
    owner = AgencyId(*id);
  }
  absl::StatusOr<v1::Agency> agency = stores_.agencies.Get(owner.value());
  if (absl::IsNotFound(agency.status())) {
    return absl::InvalidArgumentError(
        absl::StrCat("candidate.agency: agency ", owner.value(), " is not registered"));
  }
  if (!agency.ok()) return agency.status();
  return owner;
}

absl::StatusOr<v1::Candidate> Registry::CreateCandidate(const CallContext& call,
                                                        const v1::CreateCandidateRequest& request,
                                                        const AgencyId& owner) {
  CORRIDOR_ASSIGN_OR_RETURN(std::string id, ChooseResourceId(request.candidate_id(), 'c', "candidate_id"));
  v1::Candidate candidate = request.candidate();
  candidate.set_agency(AgencyName(owner.value()));
  // Creation and the agency's deletion serialise on the agency's lock.
  absl::MutexLock lock(&StripeLock(AgencyName(owner.value())));
  return candidates_.Create(call, request, request.request_id(), id, std::move(candidate));
}

absl::StatusOr<v1::ImportCandidatesResponse> Registry::ImportCandidates(
    const CallContext& call, const v1::ImportCandidatesRequest& request,
    const std::optional<AgencyId>& forced) {
  absl::flat_hash_map<std::string, bool> agency_exists;
  auto prepare = [&](const v1::ImportCandidateRow& row, v1::Candidate& out,
                     v1::RowError& error) -> absl::Status {
    if (!IsValidResourceId(row.candidate_id())) {
      error = RowErrorAt(row.row_number(), "candidate_id",
                         "must be 1..63 characters of [a-z0-9-] starting with a letter");
      return absl::InvalidArgumentError("candidate_id");
    }
    out = row.candidate();
    out.clear_etag();
    out.clear_create_time();
    out.clear_update_time();
    out.set_name(CandidateName(row.candidate_id()));
    std::string agency_id;
    if (forced.has_value()) {
      agency_id = forced->value();
    } else {
      absl::StatusOr<std::string> id =
          ParseResourceName(out.agency(), "agencies", "candidate.agency");
      if (!id.ok()) {
        error = RowErrorOf(row.row_number(), id.status(), "");
        return id.status();
      }
      agency_id = *id;
    }
    auto [it, inserted] = agency_exists.emplace(agency_id, false);
    if (inserted) it->second = stores_.agencies.Get(agency_id).ok();
    if (!it->second) {
      error = RowErrorAt(row.row_number(), "candidate.agency",
                         absl::StrCat("agency ", agency_id, " is not registered"));
      return absl::InvalidArgumentError("agency");
    }
    out.set_agency(AgencyName(agency_id));
    absl::Status valid = validator_.ValidateCandidate(out);
    if (!valid.ok()) {
      error = RowErrorOf(row.row_number(), valid, "");
      return valid;
    }
    // An upsert may not take over another agency's candidate.
    absl::StatusOr<v1::Candidate> existing = stores_.candidates.Get(row.candidate_id());
    if (existing.ok() && existing->agency() != out.agency()) {
      error = RowErrorAt(row.row_number(), "candidate_id", "this id is not available");
      return absl::PermissionDeniedError("candidate_id");
    }
    return absl::OkStatus();
  };
  return ImportRows<v1::Candidate, v1::ImportCandidateRow, v1::ImportCandidatesResponse>(
      call, request, request.rows(), request.validate_only(), request.skip_invalid(),
      request.request_id(), "candidates", candidates_, prepare,
      [](const v1::Candidate& stored, const v1::Candidate& incoming) {
        return stored.agency() == incoming.agency();
      });
}

// ---- Vacancies ----

absl::StatusOr<EmployerId> Registry::ResolveVacancyOwner(
    const v1::Vacancy& vacancy, const std::optional<EmployerId>& forced) const {
  if (forced.has_value()) return *forced;
  absl::StatusOr<std::string> id =
      ParseResourceName(vacancy.employer(), "employers", "vacancy.employer");
  if (!id.ok()) return id.status();
  return EmployerId(*id);
}

absl::StatusOr<v1::Vacancy> Registry::CreateVacancy(const CallContext& call,
                                                    const v1::CreateVacancyRequest& request,
                                                    const EmployerId& owner) {
  CORRIDOR_ASSIGN_OR_RETURN(std::string id, ChooseResourceId(request.vacancy_id(), 'v', "vacancy_id"));
  absl::MutexLock lock(&StripeLock(EmployerName(owner.value())));
  absl::StatusOr<v1::Employer> employer = stores_.employers.Get(owner.value());
  if (absl::IsNotFound(employer.status())) {
    return absl::InvalidArgumentError(
        absl::StrCat("vacancy.employer: employer ", owner.value(), " is not registered"));
  }
  if (!employer.ok()) return employer.status();
  v1::Vacancy vacancy = request.vacancy();
  vacancy.set_employer(EmployerName(owner.value()));
  vacancy.set_destination(employer->country());
  if (vacancy.state() == v1::VACANCY_STATE_UNSPECIFIED) vacancy.set_state(v1::VACANCY_STATE_OPEN);
  return vacancies_.Create(call, request, request.request_id(), id, std::move(vacancy));
}

absl::StatusOr<v1::ImportVacanciesResponse> Registry::ImportVacancies(
    const CallContext& call, const v1::ImportVacanciesRequest& request,
    const std::optional<EmployerId>& forced) {
  absl::flat_hash_map<std::string, std::string> employer_country;  // "" when missing
  auto prepare = [&](const v1::ImportVacancyRow& row, v1::Vacancy& out,
                     v1::RowError& error) -> absl::Status {
    if (!IsValidResourceId(row.vacancy_id())) {
      error = RowErrorAt(row.row_number(), "vacancy_id",
                         "must be 1..63 characters of [a-z0-9-] starting with a letter");
      return absl::InvalidArgumentError("vacancy_id");
    }
    out = row.vacancy();
    out.clear_etag();
    out.clear_create_time();
    out.clear_update_time();
    out.set_name(VacancyName(row.vacancy_id()));
    absl::StatusOr<EmployerId> owner = ResolveVacancyOwner(out, forced);
    if (!owner.ok()) {
      error = RowErrorOf(row.row_number(), owner.status(), "");
      return owner.status();
    }
    auto [it, inserted] = employer_country.emplace(owner->value(), "");
    if (inserted) {
      absl::StatusOr<v1::Employer> e = stores_.employers.Get(owner->value());
      if (e.ok()) it->second = e->country();
    }
    if (it->second.empty()) {
      error = RowErrorAt(row.row_number(), "vacancy.employer",
                         absl::StrCat("employer ", owner->value(), " is not registered"));
      return absl::InvalidArgumentError("employer");
    }
    out.set_employer(EmployerName(owner->value()));
    out.set_destination(it->second);
    if (out.state() == v1::VACANCY_STATE_UNSPECIFIED) out.set_state(v1::VACANCY_STATE_OPEN);
    absl::Status valid = validator_.ValidateVacancy(out);
    if (!valid.ok()) {
      error = RowErrorOf(row.row_number(), valid, "");
      return valid;
    }
    absl::StatusOr<v1::Vacancy> existing = stores_.vacancies.Get(row.vacancy_id());
    if (existing.ok() && existing->employer() != out.employer()) {
      error = RowErrorAt(row.row_number(), "vacancy_id", "this id is not available");
      return absl::PermissionDeniedError("vacancy_id");
    }
    return absl::OkStatus();
  };
  return ImportRows<v1::Vacancy, v1::ImportVacancyRow, v1::ImportVacanciesResponse>(
      call, request, request.rows(), request.validate_only(), request.skip_invalid(),
      request.request_id(), "vacancies", vacancies_, prepare,
      [](const v1::Vacancy& stored, const v1::Vacancy& incoming) {
        return stored.employer() == incoming.employer();
      });
}

// ---- Quota cells ----

absl::StatusOr<std::vector<v1::QuotaCell>> Registry::CellsOf(
    const AgreementId& agreement_id) const {
  std::vector<v1::QuotaCell> cells;
  CallContext internal{"internal", "CellsOf"};
  ListParams params;
  params.page_size = storage::kMaxPageSize;
  std::string prefix = absl::StrCat(agreement_id.value(), "/");
  do {
    CORRIDOR_ASSIGN_OR_RETURN(storage::Page<v1::QuotaCell> page,
                              quota_cells_.List(internal, params, prefix));
    for (v1::QuotaCell& c : page.items) cells.push_back(std::move(c));
    params.page_token = page.next_page_token;
  } while (!params.page_token.empty());
  return cells;
}

absl::Status Registry::ValidateCellInTree(const v1::QuotaCell& cell,
                                          const v1::Agreement& agreement,
                                          const std::vector<v1::QuotaCell>& cells) const {
  absl::StatusOr<QuotaCellName> self = ParseQuotaCellName(cell.name(), "quota_cell.name");
  if (!self.ok()) return self.status();
  const v1::QuotaCell* parent = nullptr;
  std::vector<v1::QuotaCell> siblings;
  bool overflow_found = cell.overflow_cell().empty();
  for (const v1::QuotaCell& other : cells) {
    absl::StatusOr<QuotaCellName> n = ParseQuotaCellName(other.name(), "name");
    if (!n.ok() || n->cell_id == self->cell_id) continue;
    if (n->cell_id == cell.parent()) parent = &other;
    if (n->cell_id == cell.overflow_cell()) overflow_found = true;
    if (other.parent() == cell.parent()) siblings.push_back(other);
  }
  if (!cell.parent().empty() && parent == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "quota_cell.parent: no cell \"", cell.parent().substr(0, 63), "\" in this agreement"));
  }
  if (!overflow_found) {
    return absl::InvalidArgumentError(absl::StrCat(
        "quota_cell.overflow_cell: no cell \"", cell.overflow_cell().substr(0, 63),
        "\" in this agreement"));
  }
  return validator_.ValidateQuotaCell(cell, agreement, parent, siblings);
}

absl::StatusOr<v1::QuotaCell> Registry::CreateQuotaCell(const CallContext& call,
                                                        const v1::CreateQuotaCellRequest& request,
                                                        const AgreementId& agreement_id) {
  CORRIDOR_ASSIGN_OR_RETURN(std::string cell_id, ChooseResourceId(request.quota_cell_id(), 'q', "quota_cell_id"));
  absl::MutexLock lock(&StripeLock(AgreementName(agreement_id.value())));
  CORRIDOR_ASSIGN_OR_RETURN(v1::Agreement agreement, agreements_.Get(agreement_id.value()));
  CORRIDOR_ASSIGN_OR_RETURN(std::vector<v1::QuotaCell> cells, CellsOf(agreement_id));
  v1::QuotaCell cell = request.quota_cell();
  cell.set_name(QuotaCellResourceName(agreement_id.value(), cell_id));
  cell.clear_reserved();
  cell.clear_committed();
  CORRIDOR_RETURN_IF_ERROR(ValidateCellInTree(cell, agreement, cells));
  return quota_cells_.Create(call, request, request.request_id(),
                             storage::QuotaCellKey(agreement_id.value(), cell_id),
                             std::move(cell));
}

absl::StatusOr<v1::QuotaCell> Registry::UpdateQuotaCell(const v1::UpdateQuotaCellRequest& request,
                                                        const AgreementId& agreement_id,
                                                        absl::string_view cell_id) {
  absl::MutexLock lock(&StripeLock(AgreementName(agreement_id.value())));
  CORRIDOR_ASSIGN_OR_RETURN(v1::Agreement agreement, agreements_.Get(agreement_id.value()));
  CORRIDOR_ASSIGN_OR_RETURN(std::vector<v1::QuotaCell> cells, CellsOf(agreement_id));
  return quota_cells_.Update(
      storage::QuotaCellKey(agreement_id.value(), cell_id), request.quota_cell(),
      request.update_mask(), [&](const v1::QuotaCell&, const v1::QuotaCell& after) {
        return ValidateCellInTree(after, agreement, cells);
      });
}

absl::Status Registry::DeleteQuotaCell(const AgreementId& agreement_id, absl::string_view cell_id,
                                       absl::string_view etag) {
  absl::MutexLock lock(&StripeLock(AgreementName(agreement_id.value())));
  std::string key = storage::QuotaCellKey(agreement_id.value(), cell_id);
  CORRIDOR_ASSIGN_OR_RETURN(v1::QuotaCell cell, quota_cells_.Get(key));
  if (cell.reserved() + cell.committed() > 0) {
    return absl::FailedPreconditionError(
        "quota cell has reserved or committed units; lower its cap instead");
  }
  CORRIDOR_ASSIGN_OR_RETURN(std::vector<v1::QuotaCell> cells, CellsOf(agreement_id));
  for (const v1::QuotaCell& other : cells) {
    if (other.parent() == cell_id) {
      return absl::FailedPreconditionError("quota cell has child cells; delete them first");
    }
    if (other.overflow_cell() == cell_id) {
      return absl::FailedPreconditionError(
          absl::StrCat("quota cell is the overflow of ", other.name()));
    }
  }
  return quota_cells_.Delete(key, etag);
}

// ---- Owners ----

absl::Status Registry::DeleteAgency(const AgencyId& id, absl::string_view etag) {
  absl::MutexLock lock(&StripeLock(AgencyName(id.value())));
  CORRIDOR_ASSIGN_OR_RETURN(
      bool owns, stores_.candidates.AnyWithIndex({std::string(storage::kIndexCandidateAgency),
                                                  id.value()}));
  if (owns) {
    return absl::FailedPreconditionError(
        "agency still owns candidates; delete or move them first");
  }
  return agencies_.Delete(id.value(), etag);
}

absl::Status Registry::DeleteEmployer(const EmployerId& id, absl::string_view etag) {
  absl::MutexLock lock(&StripeLock(EmployerName(id.value())));
  CORRIDOR_ASSIGN_OR_RETURN(
      bool owns, stores_.vacancies.AnyWithIndex({std::string(storage::kIndexVacancyEmployer),
                                                 id.value()}));
  if (owns) {
    return absl::FailedPreconditionError("employer still owns vacancies; delete them first");
  }
  return employers_.Delete(id.value(), etag);
}

absl::StatusOr<v1::Agreement> Registry::UpdateAgreement(const AgreementId& id,
                                                        const v1::Agreement& patch,
                                                        const google::protobuf::FieldMask& mask) {
  absl::MutexLock lock(&StripeLock(AgreementName(id.value())));
  CORRIDOR_ASSIGN_OR_RETURN(std::vector<v1::QuotaCell> cells, CellsOf(id));
  return agreements_.Update(id.value(), patch, mask,
                            [&](const v1::Agreement&, const v1::Agreement& after) {
                              for (const v1::QuotaCell& cell : cells) {
                                absl::Status s = ValidateCellInTree(cell, after, cells);
                                if (!s.ok()) {
                                  return absl::InvalidArgumentError(absl::StrCat(
                                      "agreement: the change no longer fits ", cell.name(),
                                      " (", s.message(), ")"));
                                }
                              }
                              return absl::OkStatus();
                            });
}

absl::Status Registry::DeleteAgreement(const AgreementId& id, absl::string_view etag) {
  absl::MutexLock lock(&StripeLock(AgreementName(id.value())));
  CORRIDOR_ASSIGN_OR_RETURN(bool has_cells,
                            stores_.quota_cells.AnyWithIdPrefix(absl::StrCat(id.value(), "/")));
  if (has_cells) {
    return absl::FailedPreconditionError("agreement still has quota cells; delete them first");
  }
  return agreements_.Delete(id.value(), etag);
}

}  // namespace corridor::matcher
