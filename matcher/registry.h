#ifndef CORRIDOR_MATCHER_REGISTRY_H_
#define CORRIDOR_MATCHER_REGISTRY_H_

#include <array>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/ids.h"
#include "corridor/v1/agency_service.pb.h"
#include "corridor/v1/agreement_service.pb.h"
#include "corridor/v1/application_service.pb.h"
#include "corridor/v1/candidate_service.pb.h"
#include "corridor/v1/employer_service.pb.h"
#include "corridor/v1/vacancy_service.pb.h"
#include "matcher/collection.h"
#include "matcher/validation.h"
#include "storage/stores.h"

namespace corridor::matcher {

// The registry of agencies, employers, candidates, vacancies, agreements with
// their quota cells, and applications: the standard methods of each, plus the
// rules that span kinds (owners must exist, a vacancy's destination is its
// employer's country, an agency with candidates cannot be deleted, the
// quota-cell tree has no overlapping siblings).
//
// Authorisation has already happened when these are called: owners passed in
// come from the caller's verified identity. Thread-safe; the references must
// outlive this object.
// Told about writes that matching must see. Implementations are thread-safe.
class RegistryObserver {
 public:
  virtual ~RegistryObserver() = default;
  // A candidate was created, updated or imported (the stored record).
  virtual void CandidateWritten(const v1::Candidate& candidate) = 0;
  virtual void CandidateDeleted(absl::string_view candidate_id) = 0;
  // An agency, employer, vacancy, agreement, quota cell or application changed.
  virtual void WorldChanged() = 0;
};

class Registry {
 public:
  // `observer` may be null; when set it must outlive this object.
  Registry(storage::Stores& stores, const Validator& validator,
           RegistryObserver* observer = nullptr);

  Collection<v1::Agency>& agencies() { return agencies_; }
  Collection<v1::Employer>& employers() { return employers_; }
  Collection<v1::Candidate>& candidates() { return candidates_; }
  // The stores under the collections (records without a collection: allocation rounds).
  storage::Stores& stores() { return stores_; }
  Collection<v1::Vacancy>& vacancies() { return vacancies_; }
  Collection<v1::Agreement>& agreements() { return agreements_; }
  Collection<v1::QuotaCell>& quota_cells() { return quota_cells_; }
  Collection<v1::Application>& applications() { return applications_; }
  // Read side only (Get, List): the QuotaLedger writes reservations.
  Collection<v1::Reservation>& reservations() { return reservations_; }

  // Resolves the owner of a new candidate: `forced` (the caller's agency) when
  // set, else the agency the request names. INVALID_ARGUMENT naming
  // candidate.agency when it is missing, malformed or does not exist.
  absl::StatusOr<AgencyId> ResolveCandidateOwner(const v1::Candidate& candidate,
                                                 const std::optional<AgencyId>& forced) const;
  absl::StatusOr<v1::Candidate> CreateCandidate(const CallContext& call,
                                                const v1::CreateCandidateRequest& request,
                                                const AgencyId& owner);
  // Bulk upsert of candidates (see ImportCandidates in the proto). `forced`
  // is the caller's agency for agency callers. A row naming an existing
  // candidate of another agency is rejected as if the id were invalid.
  absl::StatusOr<v1::ImportCandidatesResponse> ImportCandidates(
      const CallContext& call, const v1::ImportCandidatesRequest& request,
      const std::optional<AgencyId>& forced);

  absl::StatusOr<EmployerId> ResolveVacancyOwner(const v1::Vacancy& vacancy,
                                                 const std::optional<EmployerId>& forced) const;
  absl::StatusOr<v1::Vacancy> CreateVacancy(const CallContext& call,
                                            const v1::CreateVacancyRequest& request,
                                            const EmployerId& owner);
  absl::StatusOr<v1::ImportVacanciesResponse> ImportVacancies(
      const CallContext& call, const v1::ImportVacanciesRequest& request,
      const std::optional<EmployerId>& forced);

  // Creates a cell under agreement `agreement_id`, checking it against the
  // agreement, its parent and its siblings under a per-agreement lock.
  absl::StatusOr<v1::QuotaCell> CreateQuotaCell(const CallContext& call,
                                                const v1::CreateQuotaCellRequest& request,
                                                const AgreementId& agreement_id);
  absl::StatusOr<v1::QuotaCell> UpdateQuotaCell(const v1::UpdateQuotaCellRequest& request,
                                                const AgreementId& agreement_id,
                                                absl::string_view cell_id);
  // FAILED_PRECONDITION when the cell has children or use.
  absl::Status DeleteQuotaCell(const AgreementId& agreement_id, absl::string_view cell_id,
                               absl::string_view etag);
  // All cells of an agreement, in key order.
  absl::StatusOr<std::vector<v1::QuotaCell>> CellsOf(const AgreementId& agreement_id) const;

  // FAILED_PRECONDITION while the agency owns candidates.
  absl::Status DeleteAgency(const AgencyId& id, absl::string_view etag);
  // FAILED_PRECONDITION while the employer owns vacancies.
  absl::Status DeleteEmployer(const EmployerId& id, absl::string_view etag);
  // Updates an agreement under its lock; every existing cell must still fit
  // the result (INVALID_ARGUMENT naming the cell otherwise).
  absl::StatusOr<v1::Agreement> UpdateAgreement(const AgreementId& id, const v1::Agreement& patch,
                                                const google::protobuf::FieldMask& mask);
  // FAILED_PRECONDITION while the agreement has quota cells.
  absl::Status DeleteAgreement(const AgreementId& id, absl::string_view etag);

 private:
  // The lock serialising changes under one owner or agreement (by resource name).
  absl::Mutex& StripeLock(absl::string_view resource_name);
  absl::Status ValidateCellInTree(const v1::QuotaCell& cell, const v1::Agreement& agreement,
                                  const std::vector<v1::QuotaCell>& cells) const;

  storage::Stores& stores_;
  const Validator& validator_;
  Collection<v1::Agency> agencies_;
  Collection<v1::Employer> employers_;
  Collection<v1::Candidate> candidates_;
  Collection<v1::Vacancy> vacancies_;
  Collection<v1::Agreement> agreements_;
  Collection<v1::QuotaCell> quota_cells_;
  Collection<v1::Application> applications_;
  Collection<v1::Reservation> reservations_;
  // Serialises changes to one agreement's cell tree (and owner deletions
  // against concurrent creations), so tree checks see a stable tree.
  std::array<absl::Mutex, 64> locks_;
};

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_REGISTRY_H_
