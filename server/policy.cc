#include "server/policy.h"

#include "absl/container/flat_hash_map.h"

namespace corridor::server {
namespace {

constexpr Grant kNo{Rule::kNever, ""};
constexpr Grant kYes{Rule::kAlways, ""};

constexpr Grant Own(absl::string_view field) { return Grant{Rule::kOwner, field}; }
constexpr Grant Country(absl::string_view field) { return Grant{Rule::kCountry, field}; }
constexpr Grant Party(absl::string_view field) { return Grant{Rule::kParty, field}; }
constexpr Grant DestParty(absl::string_view field) {
  return Grant{Rule::kDestinationParty, field};
}
constexpr Grant Tenant(absl::string_view field) { return Grant{Rule::kTenantInField, field}; }

}  // namespace

const std::vector<MethodPolicy>& PolicyTable() {
  //                method                                                   agency               employer             ministry
  static const std::vector<MethodPolicy>* table = new std::vector<MethodPolicy>{
      // Agencies: the origin ministry licenses them.
      {"/corridor.v1.AgencyService/CreateAgency", kNo, kNo, Tenant("agency.country")},
      {"/corridor.v1.AgencyService/GetAgency", Own("name"), kNo, Country("name")},
      {"/corridor.v1.AgencyService/ListAgencies", Own(""), kNo, Country("")},
      {"/corridor.v1.AgencyService/UpdateAgency", kNo, kNo, Country("agency.name")},
      {"/corridor.v1.AgencyService/DeleteAgency", kNo, kNo, kNo},
      // Employers: the destination ministry oversees them.
      {"/corridor.v1.EmployerService/CreateEmployer", kNo, kNo, Tenant("employer.country")},
      {"/corridor.v1.EmployerService/GetEmployer", kNo, Own("name"), Country("name")},
      {"/corridor.v1.EmployerService/ListEmployers", kNo, Own(""), Country("")},
      {"/corridor.v1.EmployerService/UpdateEmployer", kNo, kNo, Country("employer.name")},
      {"/corridor.v1.EmployerService/DeleteEmployer", kNo, kNo, kNo},
      // Candidates: personal data, the owning agency only.
      {"/corridor.v1.CandidateService/CreateCandidate", kYes, kNo, kNo},
      {"/corridor.v1.CandidateService/GetCandidate", Own("name"), kNo, kNo},
      {"/corridor.v1.CandidateService/ListCandidates", Own(""), kNo, kNo},
      {"/corridor.v1.CandidateService/UpdateCandidate", Own("candidate.name"), kNo, kNo},
      {"/corridor.v1.CandidateService/DeleteCandidate", Own("name"), kNo, kNo},
      {"/corridor.v1.CandidateService/ImportCandidates", kYes, kNo, kNo},
      // Vacancies: no personal data; agencies read them to place candidates.
      {"/corridor.v1.VacancyService/CreateVacancy", kNo, kYes, kNo},
      {"/corridor.v1.VacancyService/GetVacancy", kYes, Own("name"), Country("name")},
      {"/corridor.v1.VacancyService/ListVacancies", kYes, Own(""), Country("")},
      {"/corridor.v1.VacancyService/UpdateVacancy", kNo, Own("vacancy.name"), kNo},
      {"/corridor.v1.VacancyService/DeleteVacancy", kNo, Own("name"), kNo},
      {"/corridor.v1.VacancyService/ImportVacancies", kNo, kYes, kNo},
      // Agreements are public instruments; destination parties write them.
      {"/corridor.v1.AgreementService/CreateAgreement", kNo, kNo,
       Tenant("agreement.destinations")},
      {"/corridor.v1.AgreementService/GetAgreement", kYes, kYes, Party("name")},
      {"/corridor.v1.AgreementService/ListAgreements", kYes, kYes, Party("")},
      {"/corridor.v1.AgreementService/UpdateAgreement", kNo, kNo, DestParty("agreement.name")},
      {"/corridor.v1.AgreementService/DeleteAgreement", kNo, kNo, DestParty("name")},
      {"/corridor.v1.AgreementService/CreateQuotaCell", kNo, kNo, DestParty("parent")},
      {"/corridor.v1.AgreementService/GetQuotaCell", kYes, kYes, Party("name")},
      {"/corridor.v1.AgreementService/ListQuotaCells", kYes, kYes, Party("parent")},
      {"/corridor.v1.AgreementService/UpdateQuotaCell", kNo, kNo, DestParty("quota_cell.name")},
      {"/corridor.v1.AgreementService/DeleteQuotaCell", kNo, kNo, DestParty("name")},
      // Applications.
      // An agency submits its candidate; an employer shortlists for its vacancy.
      {"/corridor.v1.ApplicationService/CreateApplication", Own("application.candidate"),
       Own("application.vacancy"), kNo},
      {"/corridor.v1.ApplicationService/GetApplication", Own("name"), Own("name"),
       Country("name")},
      {"/corridor.v1.ApplicationService/ListApplications", Own(""), Own(""), Country("")},
      {"/corridor.v1.ApplicationService/TransitionApplication", Own("name"), Own("name"),
       Country("name")},
      {"/corridor.v1.ApplicationService/RecordReturn", Own("name"), Own("name"), kNo},
      // The origin ministry's consent for a protected occupation (the
      // lifecycle checks that the ministry is the candidate's origin).
      {"/corridor.v1.ApplicationService/RecordOriginConsent", kNo, kNo, Country("name")},
      // A feed: each event is confined by the rule (application_watch.h).
      {"/corridor.v1.ApplicationService/WatchApplications", Own(""), Own(""), Country("")},
      // Matching: an employer about its vacancies, an agency about its candidates.
      {"/corridor.v1.MatchService/ShortlistCandidates", kNo, Own("vacancy"), kNo},
      {"/corridor.v1.MatchService/RecommendVacancies", Own("candidate"), kNo, kNo},
      {"/corridor.v1.MatchService/ExplainMatch", Own("candidate"), Own("vacancy"), kNo},
      // Ledger: destination ministries party to the cell's agreement.
      {"/corridor.v1.LedgerService/ReserveUnit", kNo, kNo, DestParty("quota_cell")},
      {"/corridor.v1.LedgerService/CommitUnit", kNo, kNo, DestParty("name")},
      {"/corridor.v1.LedgerService/ReleaseUnit", kNo, kNo, DestParty("name")},
      // Only a ministry brings a committed unit back (DOMAIN.md 4.5): not operators.
      {"/corridor.v1.LedgerService/CorrectUnit", kNo, kNo, DestParty("name"), false},
      {"/corridor.v1.LedgerService/GetReservation", kNo, kNo, Party("name")},
      {"/corridor.v1.LedgerService/ListReservations", kNo, kNo, Party("")},
      // Allocation rounds.
      {"/corridor.v1.AllocationService/CreateAllocationRound", kNo, kNo,
       DestParty("allocation_round.agreement")},
      {"/corridor.v1.AllocationService/GetAllocationRound", kNo, kNo, DestParty("name")},
      {"/corridor.v1.AllocationService/ListAllocationRounds", kNo, kNo, DestParty("")},
      {"/corridor.v1.AllocationService/ConfirmAllocationRound", kNo, kNo, DestParty("name")},
      // Audit: ministries verify; reports per agreement.
      {"/corridor.v1.AuditService/ListAuditEvents", kNo, kNo, kYes},
      {"/corridor.v1.AuditService/GetTreeHead", kNo, kNo, kYes},
      {"/corridor.v1.AuditService/GetInclusionProof", kNo, kNo, kYes},
      {"/corridor.v1.AuditService/GetConsistencyProof", kNo, kNo, kYes},
      {"/corridor.v1.AuditService/GetQuotaUsageReport", kNo, kNo, Party("agreement")},
  };
  return *table;
}

const MethodPolicy* FindPolicy(absl::string_view method) {
  static const auto* index = [] {
    auto* m = new absl::flat_hash_map<absl::string_view, const MethodPolicy*>();
    for (const MethodPolicy& p : PolicyTable()) (*m)[p.method] = &p;
    return m;
  }();
  auto it = index->find(method);
  return it == index->end() ? nullptr : it->second;
}

}  // namespace corridor::server
