#ifndef CORRIDOR_TESTS_SERVER_FIXTURES_H_
#define CORRIDOR_TESTS_SERVER_FIXTURES_H_

// A real corridord over an in-process channel, with one token per principal,
// and valid resources to build requests from.

#include <map>
#include <memory>
#include <string>

#include "corridor/v1/agency_service.grpc.pb.h"
#include "corridor/v1/agreement_service.grpc.pb.h"
#include "corridor/v1/allocation_service.grpc.pb.h"
#include "corridor/v1/application_service.grpc.pb.h"
#include "corridor/v1/audit_service.grpc.pb.h"
#include "corridor/v1/ledger_service.grpc.pb.h"
#include "corridor/v1/candidate_service.grpc.pb.h"
#include "corridor/v1/employer_service.grpc.pb.h"
#include "corridor/v1/match_service.grpc.pb.h"
#include "corridor/v1/vacancy_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "server/corridor_server.h"

namespace corridor::testing {

// Valid resources (they pass matcher::Validator with the built-in taxonomy).
v1::Agency ValidAgency(const std::string& country = "CO");
v1::Employer ValidEmployer(const std::string& country = "ES");
v1::Candidate ValidCandidate(const std::string& agency_id, const std::string& nationality = "CO");
v1::Vacancy ValidVacancy();
// An agreement ES <- CO, MA for seasonal and temporary work, in force 2026..2030.
v1::Agreement ValidAgreement();
// A root cell for ES, 2027, any origin, cap `cap`.
v1::QuotaCell ValidRootCell(int64_t cap = 1000);

// A unique fresh directory under the test temp dir, removed when the test
// program exits.
std::string FreshDir(const std::string& name);

// A server with an in-process channel and tokens for:
//   "operator", "agency:ag-co" (CO), "agency:ag-co2" (CO), "employer:em-es" (ES),
//   "employer:em-es2" (ES), "ministry:ES", "ministry:CO", "ministry:FR".
class TestServer {
 public:
  explicit TestServer(const std::string& name);
  // With `clock` (it must outlive the server): the server reads time from it
  // and the background hold expiry is off (call server().ledger().ExpireDue()).
  TestServer(const std::string& name, Clock* clock);
  ~TestServer();

  // Stops the server and starts a new one on the same data directory.
  void Restart();

  // A client context authenticated as `principal` (one of the above).
  std::unique_ptr<grpc::ClientContext> As(const std::string& principal) const;
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  server::CorridorServer& server() { return *server_; }

  // Creates the reference resources with the operator token: agencies ag-co,
  // ag-co2 (CO); employers em-es, em-es2 (ES); agreement es-co (ES <- CO, MA)
  // with root cell es-2027; agreement fr-ma (FR <- MA) with root cell fr-2027;
  // candidates cand-1 (ag-co) and cand-2 (ag-co2); vacancies vac-1 (em-es) and
  // vac-2 (em-es2). Fails the test on any error.
  void Seed();

  std::unique_ptr<v1::AgencyService::Stub> agencies;
  std::unique_ptr<v1::EmployerService::Stub> employers;
  std::unique_ptr<v1::CandidateService::Stub> candidates;
  std::unique_ptr<v1::VacancyService::Stub> vacancies;
  std::unique_ptr<v1::AgreementService::Stub> agreements;
  std::unique_ptr<v1::MatchService::Stub> match;
  std::unique_ptr<v1::LedgerService::Stub> ledger;
  std::unique_ptr<v1::AuditService::Stub> audit;
  std::unique_ptr<v1::ApplicationService::Stub> applications;
  std::unique_ptr<v1::AllocationService::Stub> allocation;

 private:
  void Start();
  void Stop();

  server::ServerOptions options_;
  std::map<std::string, std::string> tokens_;  // principal -> token
  std::unique_ptr<server::CorridorServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace corridor::testing

#endif  // CORRIDOR_TESTS_SERVER_FIXTURES_H_
