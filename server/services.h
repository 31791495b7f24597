#ifndef CORRIDOR_SERVER_SERVICES_H_
#define CORRIDOR_SERVER_SERVICES_H_

// The gRPC services of the v1 API. Handlers only translate: Gate admits the
// call, the Registry decides, and the status is converted once.
// Thread-safe; the gate and registry must outlive the services.

#include "corridor/v1/agency_service.grpc.pb.h"
#include "corridor/v1/agreement_service.grpc.pb.h"
#include "corridor/v1/allocation_service.grpc.pb.h"
#include "corridor/v1/application_service.grpc.pb.h"
#include "corridor/v1/audit_service.grpc.pb.h"
#include "corridor/v1/candidate_service.grpc.pb.h"
#include "corridor/v1/employer_service.grpc.pb.h"
#include "corridor/v1/ledger_service.grpc.pb.h"
#include "corridor/v1/match_service.grpc.pb.h"
#include "corridor/v1/vacancy_service.grpc.pb.h"
#include "matcher/match_engine.h"
#include "matcher/quota_ledger.h"
#include "matcher/allocation_rounds.h"
#include "matcher/application_lifecycle.h"
#include "matcher/registry.h"
#include "server/application_watch.h"
#include "server/gate.h"
#include "storage/audit_log.h"

namespace corridor::server {

using grpc::ServerContext;
using grpc::Status;

class AgencyServiceImpl final : public v1::AgencyService::Service {
 public:
  AgencyServiceImpl(const Gate& gate, matcher::Registry& registry)
      : gate_(gate), registry_(registry) {}
  Status CreateAgency(ServerContext* ctx, const v1::CreateAgencyRequest* req,
                      v1::Agency* resp) override;
  Status GetAgency(ServerContext* ctx, const v1::GetAgencyRequest* req, v1::Agency* resp) override;
  Status ListAgencies(ServerContext* ctx, const v1::ListAgenciesRequest* req,
                      v1::ListAgenciesResponse* resp) override;
  Status UpdateAgency(ServerContext* ctx, const v1::UpdateAgencyRequest* req,
                      v1::Agency* resp) override;
  Status DeleteAgency(ServerContext* ctx, const v1::DeleteAgencyRequest* req,
                      v1::DeleteAgencyResponse* resp) override;

 private:
  const Gate& gate_;
  matcher::Registry& registry_;
};

class EmployerServiceImpl final : public v1::EmployerService::Service {
 public:
  EmployerServiceImpl(const Gate& gate, matcher::Registry& registry)
      : gate_(gate), registry_(registry) {}
  Status CreateEmployer(ServerContext* ctx, const v1::CreateEmployerRequest* req,
                        v1::Employer* resp) override;
  Status GetEmployer(ServerContext* ctx, const v1::GetEmployerRequest* req,
                     v1::Employer* resp) override;
  Status ListEmployers(ServerContext* ctx, const v1::ListEmployersRequest* req,
                       v1::ListEmployersResponse* resp) override;
  Status UpdateEmployer(ServerContext* ctx, const v1::UpdateEmployerRequest* req,
                        v1::Employer* resp) override;
  Status DeleteEmployer(ServerContext* ctx, const v1::DeleteEmployerRequest* req,
                        v1::DeleteEmployerResponse* resp) override;

 private:
  const Gate& gate_;
  matcher::Registry& registry_;
};

class CandidateServiceImpl final : public v1::CandidateService::Service {
 public:
  CandidateServiceImpl(const Gate& gate, matcher::Registry& registry)
      : gate_(gate), registry_(registry) {}
  Status CreateCandidate(ServerContext* ctx, const v1::CreateCandidateRequest* req,
                         v1::Candidate* resp) override;
  Status GetCandidate(ServerContext* ctx, const v1::GetCandidateRequest* req,
                      v1::Candidate* resp) override;
  Status ListCandidates(ServerContext* ctx, const v1::ListCandidatesRequest* req,
                        v1::ListCandidatesResponse* resp) override;
  Status UpdateCandidate(ServerContext* ctx, const v1::UpdateCandidateRequest* req,
                         v1::Candidate* resp) override;
  Status DeleteCandidate(ServerContext* ctx, const v1::DeleteCandidateRequest* req,
                         v1::DeleteCandidateResponse* resp) override;
  Status ImportCandidates(
      ServerContext* ctx,
      grpc::ServerReaderWriter<v1::ImportCandidatesResponse, v1::ImportCandidatesRequest>* stream)
      override;

 private:
  const Gate& gate_;
  matcher::Registry& registry_;
};

class VacancyServiceImpl final : public v1::VacancyService::Service {
 public:
  VacancyServiceImpl(const Gate& gate, matcher::Registry& registry)
      : gate_(gate), registry_(registry) {}
  Status CreateVacancy(ServerContext* ctx, const v1::CreateVacancyRequest* req,
                       v1::Vacancy* resp) override;
  Status GetVacancy(ServerContext* ctx, const v1::GetVacancyRequest* req,
                    v1::Vacancy* resp) override;
  Status ListVacancies(ServerContext* ctx, const v1::ListVacanciesRequest* req,
                       v1::ListVacanciesResponse* resp) override;
  Status UpdateVacancy(ServerContext* ctx, const v1::UpdateVacancyRequest* req,
                       v1::Vacancy* resp) override;
  Status DeleteVacancy(ServerContext* ctx, const v1::DeleteVacancyRequest* req,
                       v1::DeleteVacancyResponse* resp) override;
  Status ImportVacancies(
      ServerContext* ctx,
      grpc::ServerReaderWriter<v1::ImportVacanciesResponse, v1::ImportVacanciesRequest>* stream)
      override;

 private:
  const Gate& gate_;
  matcher::Registry& registry_;
};

class AgreementServiceImpl final : public v1::AgreementService::Service {
 public:
  // Cells are returned with the ledger's live counters.
  AgreementServiceImpl(const Gate& gate, matcher::Registry& registry,
                       const matcher::QuotaLedger& ledger)
      : gate_(gate), registry_(registry), ledger_(ledger) {}
  Status CreateAgreement(ServerContext* ctx, const v1::CreateAgreementRequest* req,
                         v1::Agreement* resp) override;
  Status GetAgreement(ServerContext* ctx, const v1::GetAgreementRequest* req,
                      v1::Agreement* resp) override;
  Status ListAgreements(ServerContext* ctx, const v1::ListAgreementsRequest* req,
                        v1::ListAgreementsResponse* resp) override;
  Status UpdateAgreement(ServerContext* ctx, const v1::UpdateAgreementRequest* req,
                         v1::Agreement* resp) override;
  Status DeleteAgreement(ServerContext* ctx, const v1::DeleteAgreementRequest* req,
                         v1::DeleteAgreementResponse* resp) override;
  Status CreateQuotaCell(ServerContext* ctx, const v1::CreateQuotaCellRequest* req,
                         v1::QuotaCell* resp) override;
  Status GetQuotaCell(ServerContext* ctx, const v1::GetQuotaCellRequest* req,
                      v1::QuotaCell* resp) override;
  Status ListQuotaCells(ServerContext* ctx, const v1::ListQuotaCellsRequest* req,
                        v1::ListQuotaCellsResponse* resp) override;
  Status UpdateQuotaCell(ServerContext* ctx, const v1::UpdateQuotaCellRequest* req,
                         v1::QuotaCell* resp) override;
  Status DeleteQuotaCell(ServerContext* ctx, const v1::DeleteQuotaCellRequest* req,
                         v1::DeleteQuotaCellResponse* resp) override;

 private:
  const Gate& gate_;
  matcher::Registry& registry_;
  const matcher::QuotaLedger& ledger_;
};

class ApplicationServiceImpl final : public v1::ApplicationService::Service {
 public:
  // WatchApplications is served by `watch` (application_watch.h).
  ApplicationServiceImpl(const Gate& gate, matcher::Registry& registry,
                         matcher::ApplicationLifecycle& lifecycle, const ApplicationWatch& watch)
      : gate_(gate), registry_(registry), lifecycle_(lifecycle), watch_(watch) {}
  Status CreateApplication(ServerContext* ctx, const v1::CreateApplicationRequest* req,
                           v1::Application* resp) override;
  Status GetApplication(ServerContext* ctx, const v1::GetApplicationRequest* req,
                        v1::Application* resp) override;
  Status ListApplications(ServerContext* ctx, const v1::ListApplicationsRequest* req,
                          v1::ListApplicationsResponse* resp) override;
  Status TransitionApplication(ServerContext* ctx, const v1::TransitionApplicationRequest* req,
                               v1::Application* resp) override;
  Status RecordReturn(ServerContext* ctx, const v1::RecordReturnRequest* req,
                      v1::Application* resp) override;
  Status RecordOriginConsent(ServerContext* ctx, const v1::RecordOriginConsentRequest* req,
                             v1::Application* resp) override;
  Status WatchApplications(ServerContext* ctx, const v1::WatchApplicationsRequest* req,
                           grpc::ServerWriter<v1::WatchApplicationsResponse>* writer) override;

 private:
  const Gate& gate_;
  matcher::Registry& registry_;
  matcher::ApplicationLifecycle& lifecycle_;
  const ApplicationWatch& watch_;
};

class MatchServiceImpl final : public v1::MatchService::Service {
 public:
  MatchServiceImpl(const Gate& gate, matcher::MatchEngine& engine)
      : gate_(gate), engine_(engine) {}
  Status ShortlistCandidates(ServerContext* ctx, const v1::ShortlistCandidatesRequest* req,
                             v1::ShortlistCandidatesResponse* resp) override;
  Status RecommendVacancies(ServerContext* ctx, const v1::RecommendVacanciesRequest* req,
                            v1::RecommendVacanciesResponse* resp) override;
  Status ExplainMatch(ServerContext* ctx, const v1::ExplainMatchRequest* req,
                      v1::ExplainMatchResponse* resp) override;

 private:
  const Gate& gate_;
  matcher::MatchEngine& engine_;
};

class LedgerServiceImpl final : public v1::LedgerService::Service {
 public:
  LedgerServiceImpl(const Gate& gate, matcher::Registry& registry, matcher::QuotaLedger& ledger)
      : gate_(gate), registry_(registry), ledger_(ledger) {}
  Status ReserveUnit(ServerContext* ctx, const v1::ReserveUnitRequest* req,
                     v1::Reservation* resp) override;
  Status CommitUnit(ServerContext* ctx, const v1::CommitUnitRequest* req,
                    v1::Reservation* resp) override;
  Status ReleaseUnit(ServerContext* ctx, const v1::ReleaseUnitRequest* req,
                     v1::Reservation* resp) override;
  Status CorrectUnit(ServerContext* ctx, const v1::CorrectUnitRequest* req,
                     v1::Reservation* resp) override;
  Status GetReservation(ServerContext* ctx, const v1::GetReservationRequest* req,
                        v1::Reservation* resp) override;
  Status ListReservations(ServerContext* ctx, const v1::ListReservationsRequest* req,
                          v1::ListReservationsResponse* resp) override;

 private:
  const Gate& gate_;
  matcher::Registry& registry_;
  matcher::QuotaLedger& ledger_;
};

class AllocationServiceImpl final : public v1::AllocationService::Service {
 public:
  AllocationServiceImpl(const Gate& gate, matcher::AllocationRounds& rounds)
      : gate_(gate), rounds_(rounds) {}
  Status CreateAllocationRound(ServerContext* ctx, const v1::CreateAllocationRoundRequest* req,
                               v1::AllocationRound* resp) override;
  Status GetAllocationRound(ServerContext* ctx, const v1::GetAllocationRoundRequest* req,
                            v1::AllocationRound* resp) override;
  Status ListAllocationRounds(ServerContext* ctx, const v1::ListAllocationRoundsRequest* req,
                              v1::ListAllocationRoundsResponse* resp) override;
  Status ConfirmAllocationRound(ServerContext* ctx, const v1::ConfirmAllocationRoundRequest* req,
                                v1::AllocationRound* resp) override;

 private:
  const Gate& gate_;
  matcher::AllocationRounds& rounds_;
};

class AuditServiceImpl final : public v1::AuditService::Service {
 public:
  AuditServiceImpl(const Gate& gate, const storage::AuditLog& log, storage::Stores& stores)
      : gate_(gate), log_(log), stores_(stores) {}
  Status ListAuditEvents(ServerContext* ctx, const v1::ListAuditEventsRequest* req,
                         v1::ListAuditEventsResponse* resp) override;
  Status GetTreeHead(ServerContext* ctx, const v1::GetTreeHeadRequest* req,
                     v1::SignedTreeHead* resp) override;
  Status GetInclusionProof(ServerContext* ctx, const v1::GetInclusionProofRequest* req,
                           v1::GetInclusionProofResponse* resp) override;
  Status GetConsistencyProof(ServerContext* ctx, const v1::GetConsistencyProofRequest* req,
                             v1::GetConsistencyProofResponse* resp) override;
  Status GetQuotaUsageReport(ServerContext* ctx, const v1::GetQuotaUsageReportRequest* req,
                             v1::QuotaUsageReport* resp) override;

 private:
  const Gate& gate_;
  const storage::AuditLog& log_;
  storage::Stores& stores_;
};

}  // namespace corridor::server

#endif  // CORRIDOR_SERVER_SERVICES_H_
