#include "tests/server/fixtures.h"

#include <atomic>
#include <filesystem>
#include <mutex>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/token_file.h"
#include "gtest/gtest.h"

namespace corridor::testing {
namespace {

}  // namespace

namespace {

// Removes every directory FreshDir made when the test program exits.
class DirCleaner {
 public:
  ~DirCleaner() {
    for (const std::string& dir : dirs_) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
      std::filesystem::remove_all(dir + ".log", ignored);
    }
  }
  void Add(const std::string& dir) {
    std::lock_guard<std::mutex> lock(mu_);
    dirs_.push_back(dir);
  }

 private:
  std::mutex mu_;
  std::vector<std::string> dirs_;
};

DirCleaner& Cleaner() {
  static DirCleaner cleaner;
  return cleaner;
}

}  // namespace

std::string FreshDir(const std::string& name) {
  static std::atomic<int> counter{0};
  std::string dir = absl::StrCat(::testing::TempDir(), "corridor-", name, "-", getpid(), "-",
                                 counter.fetch_add(1));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Cleaner().Add(dir);
  return dir;
}

v1::Agency ValidAgency(const std::string& country) {
  v1::Agency a;
  a.set_display_name("Servicio Publico de Empleo (synthetic)");
  a.set_country(country);
  a.set_licence_number("LIC-2026-0001");
  a.set_licence_status(v1::LICENCE_STATUS_VALID);
  *a.mutable_licence_expiry() = MakeDate(2029, 12, 31);
  return a;
}

v1::Employer ValidEmployer(const std::string& country) {
  v1::Employer e;
  e.set_display_name("Cooperativa Agricola (synthetic)");
  e.set_country(country);
  e.set_region("Huelva");
  e.set_sector("agriculture");
  e.set_standing(v1::EMPLOYER_STANDING_GOOD);
  return e;
}

v1::Candidate ValidCandidate(const std::string& agency_id, const std::string& nationality) {
  v1::Candidate c;
  c.set_agency(absl::StrCat("agencies/", agency_id));
  c.set_display_name("Synthetic Candidate 000001");
  c.set_contact("c000001@example.invalid");
  c.set_nationality(nationality);
  c.set_residence_country(nationality);
  c.set_birth_year(1990);
  c.set_gender(v1::GENDER_FEMALE);
  auto* o = c.add_occupations();
  o->set_isco_code("6111");
  o->set_experience_years(5);
  auto* l = c.add_languages();
  l->set_language_code("es");
  l->set_level(v1::CEFR_LEVEL_C2);
  l->set_evidence(v1::EVIDENCE_SELF_DECLARED);
  c.set_education(v1::ISCED_LEVEL_UPPER_SECONDARY);
  *c.mutable_availability()->mutable_start() = MakeDate(2027, 3, 1);
  *c.mutable_availability()->mutable_end() = MakeDate(2027, 12, 31);
  c.mutable_consent()->mutable_given_time()->set_seconds(1767225600);  // 2026-01-01
  return c;
}

v1::Vacancy ValidVacancy() {
  v1::Vacancy v;
  v.set_title("Strawberry harvest worker (synthetic)");
  v.set_region("Huelva");
  v.set_isco_code("6111");
  v.set_scheme(v1::SCHEME_SEASONAL);
  v.set_positions(20);
  *v.mutable_window()->mutable_start() = MakeDate(2027, 3, 1);
  *v.mutable_window()->mutable_end() = MakeDate(2027, 6, 30);
  auto* l = v.add_required_languages();
  l->set_language_code("es");
  l->set_min_level(v1::CEFR_LEVEL_A2);
  auto* wage = v.mutable_wage();
  wage->mutable_amount()->set_currency_code("EUR");
  wage->mutable_amount()->set_amount_minor(140000);
  wage->set_period(v1::WAGE_PERIOD_MONTH);
  auto* housing = v.mutable_housing();
  housing->set_provided(true);
  housing->mutable_monthly_cost()->set_currency_code("EUR");
  housing->mutable_monthly_cost()->set_amount_minor(0);
  housing->set_description("Shared housing on the farm, free of charge");
  v.set_labour_market_test(v1::LABOUR_MARKET_TEST_DONE);
  return v;
}

v1::Agreement ValidAgreement() {
  v1::Agreement a;
  a.set_display_name("Spain - Colombia, Morocco labour agreement (synthetic)");
  a.set_kind(v1::AGREEMENT_KIND_BILATERAL_LABOUR_AGREEMENT);
  a.add_destinations("ES");
  a.add_origins("CO");
  a.add_origins("MA");
  *a.mutable_signed_date() = MakeDate(2025, 6, 1);
  *a.mutable_in_force_from() = MakeDate(2026, 1, 1);
  *a.mutable_expiry_date() = MakeDate(2030, 12, 31);
  a.add_schemes(v1::SCHEME_SEASONAL);
  a.add_schemes(v1::SCHEME_TEMPORARY);
  a.set_reentry_policy(v1::REENTRY_POLICY_SCORE_BONUS);
  return a;
}

v1::QuotaCell ValidRootCell(int64_t cap) {
  v1::QuotaCell c;
  c.set_display_name("ES 2027, all origins (synthetic cap)");
  *c.mutable_period()->mutable_start() = MakeDate(2027, 1, 1);
  *c.mutable_period()->mutable_end() = MakeDate(2027, 12, 31);
  c.set_destination("ES");
  c.set_cap(cap);
  c.set_synthetic(true);
  return c;
}

TestServer::TestServer(const std::string& name) : TestServer(name, nullptr) {}

TestServer::TestServer(const std::string& name, Clock* clock) {
  options_.listen_address = "";
  if (clock != nullptr) {
    options_.clock = clock;
    options_.hold_expiry_interval = absl::ZeroDuration();
  }
  options_.data_dir = FreshDir(name);
  for (const char* p : {"operator", "agency:ag-co", "agency:ag-co2", "employer:em-es",
                        "employer:em-es2", "ministry:ES", "ministry:CO", "ministry:FR"}) {
    std::string token = absl::StrCat("test-token-for-", p);
    tokens_[p] = token;
    options_.tokens[HashToken(token)] = *Principal::Parse(p);
  }
  Start();
}

void TestServer::Start() {
  absl::StatusOr<std::unique_ptr<server::CorridorServer>> s =
      server::CorridorServer::Start(options_);
  if (!s.ok()) {
    ADD_FAILURE() << "server did not start: " << s.status();
    std::abort();
  }
  server_ = *std::move(s);
  channel_ = server_->InProcessChannel();
  agencies = v1::AgencyService::NewStub(channel_);
  employers = v1::EmployerService::NewStub(channel_);
  candidates = v1::CandidateService::NewStub(channel_);
  vacancies = v1::VacancyService::NewStub(channel_);
  agreements = v1::AgreementService::NewStub(channel_);
  applications = v1::ApplicationService::NewStub(channel_);
  allocation = v1::AllocationService::NewStub(channel_);
  match = v1::MatchService::NewStub(channel_);
  ledger = v1::LedgerService::NewStub(channel_);
  audit = v1::AuditService::NewStub(channel_);
}

TestServer::~TestServer() { Stop(); }

void TestServer::Stop() {
  // Stubs and the channel go before the server they talk to.
  agencies.reset();
  employers.reset();
  candidates.reset();
  vacancies.reset();
  agreements.reset();
  match.reset();
  channel_.reset();
  server_.reset();
}

void TestServer::Restart() {
  Stop();
  Start();
}

std::unique_ptr<grpc::ClientContext> TestServer::As(const std::string& principal) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  auto it = tokens_.find(principal);
  if (it != tokens_.end()) ctx->AddMetadata("authorization", absl::StrCat("Bearer ", it->second));
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return ctx;
}

void TestServer::Seed() {
  auto check = [](const grpc::Status& s, const std::string& what) {
    ASSERT_TRUE(s.ok()) << what << ": " << s.error_code() << " " << s.error_message();
  };
  for (const auto& [id, country] :
       std::vector<std::pair<std::string, std::string>>{{"ag-co", "CO"}, {"ag-co2", "CO"}}) {
    v1::CreateAgencyRequest req;
    *req.mutable_agency() = ValidAgency(country);
    req.set_agency_id(id);
    v1::Agency out;
    check(agencies->CreateAgency(As("operator").get(), req, &out), "agency " + id);
  }
  for (const std::string id : {"em-es", "em-es2"}) {
    v1::CreateEmployerRequest req;
    *req.mutable_employer() = ValidEmployer("ES");
    req.set_employer_id(id);
    v1::Employer out;
    check(employers->CreateEmployer(As("operator").get(), req, &out), "employer " + id);
  }
  {
    v1::CreateAgreementRequest req;
    *req.mutable_agreement() = ValidAgreement();
    req.set_agreement_id("es-co");
    v1::Agreement out;
    check(agreements->CreateAgreement(As("operator").get(), req, &out), "agreement es-co");
    v1::CreateQuotaCellRequest cell;
    cell.set_parent("agreements/es-co");
    *cell.mutable_quota_cell() = ValidRootCell();
    cell.set_quota_cell_id("es-2027");
    v1::QuotaCell cell_out;
    check(agreements->CreateQuotaCell(As("operator").get(), cell, &cell_out), "cell es-2027");
  }
  {
    v1::CreateAgreementRequest req;
    v1::Agreement a = ValidAgreement();
    a.set_display_name("France - Morocco agreement (synthetic)");
    a.clear_destinations();
    a.add_destinations("FR");
    a.clear_origins();
    a.add_origins("MA");
    *req.mutable_agreement() = a;
    req.set_agreement_id("fr-ma");
    v1::Agreement out;
    check(agreements->CreateAgreement(As("operator").get(), req, &out), "agreement fr-ma");
    v1::CreateQuotaCellRequest cell;
    cell.set_parent("agreements/fr-ma");
    *cell.mutable_quota_cell() = ValidRootCell();
    cell.mutable_quota_cell()->set_destination("FR");
    cell.set_quota_cell_id("fr-2027");
    v1::QuotaCell cell_out;
    check(agreements->CreateQuotaCell(As("operator").get(), cell, &cell_out), "cell fr-2027");
  }
  for (const auto& [id, agency] :
       std::vector<std::pair<std::string, std::string>>{{"cand-1", "ag-co"}, {"cand-2", "ag-co2"}}) {
    v1::CreateCandidateRequest req;
    *req.mutable_candidate() = ValidCandidate(agency);
    req.set_candidate_id(id);
    v1::Candidate out;
    check(candidates->CreateCandidate(As("operator").get(), req, &out), "candidate " + id);
  }
  for (const auto& [id, employer] :
       std::vector<std::pair<std::string, std::string>>{{"vac-1", "em-es"}, {"vac-2", "em-es2"}}) {
    v1::CreateVacancyRequest req;
    *req.mutable_vacancy() = ValidVacancy();
    req.mutable_vacancy()->set_employer(absl::StrCat("employers/", employer));
    req.set_vacancy_id(id);
    v1::Vacancy out;
    check(vacancies->CreateVacancy(As("operator").get(), req, &out), "vacancy " + id);
  }
}

}  // namespace corridor::testing
