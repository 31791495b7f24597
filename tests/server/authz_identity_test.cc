// RELIABILITY.md test Z5: identity comes from verified credentials only. A
// request field naming another tenant never changes who acts; malformed,
// repeated, oversized or unknown credentials are UNAUTHENTICATED; and another
// tenant's object is indistinguishable from a missing one.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "corridor/v1/candidate_service.grpc.pb.h"
#include "corridor/v1/vacancy_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/server/fixtures.h"

namespace corridor::testing {
namespace {

// TestServer's tokens are "test-token-for-<principal>" (fixtures.cc). The
// tests that build metadata by hand first check that this still holds
// (BearerMetadataBuiltByHandIsAccepted), so they cannot pass vacuously.
constexpr char kTokenPrefix[] = "test-token-for-";

std::string Bearer(const std::string& principal) {
  return absl::StrCat("Bearer ", kTokenPrefix, principal);
}

// A context carrying exactly the given authorization values, in order.
std::unique_ptr<grpc::ClientContext> WithAuthorization(const std::vector<std::string>& values) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  for (const std::string& v : values) ctx->AddMetadata("authorization", v);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return ctx;
}

class AuthzIdentityTest : public ::testing::Test {
 protected:
  AuthzIdentityTest() : server_("authz-identity") { server_.Seed(); }

  grpc::Status GetCandidate(grpc::ClientContext* ctx, const std::string& name,
                            v1::Candidate* out = nullptr) {
    v1::GetCandidateRequest req;
    req.set_name(name);
    v1::Candidate ignored;
    return server_.candidates->GetCandidate(ctx, req, out != nullptr ? out : &ignored);
  }
  grpc::Status GetCandidateAs(const std::string& principal, const std::string& name,
                              v1::Candidate* out = nullptr) {
    return GetCandidate(server_.As(principal).get(), name, out);
  }

  TestServer server_;
};

TEST_F(AuthzIdentityTest, AgencyCreatingACandidateForAnotherAgencyOwnsIt) {
  v1::CreateCandidateRequest req;
  *req.mutable_candidate() = ValidCandidate("ag-co2");  // Claims agencies/ag-co2.
  req.set_candidate_id("z5-claimed");
  v1::Candidate created;
  grpc::Status s =
      server_.candidates->CreateCandidate(server_.As("agency:ag-co").get(), req, &created);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  EXPECT_EQ(created.agency(), "agencies/ag-co");

  v1::Candidate read;
  s = GetCandidateAs("agency:ag-co", "candidates/z5-claimed", &read);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  EXPECT_EQ(read.agency(), "agencies/ag-co");
  EXPECT_EQ(GetCandidateAs("agency:ag-co2", "candidates/z5-claimed").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AuthzIdentityTest, EmployerCreatingAVacancyForAnotherEmployerOwnsIt) {
  v1::CreateVacancyRequest req;
  *req.mutable_vacancy() = ValidVacancy();
  req.mutable_vacancy()->set_employer("employers/em-es2");
  req.set_vacancy_id("z5-claimed");
  v1::Vacancy created;
  grpc::Status s =
      server_.vacancies->CreateVacancy(server_.As("employer:em-es").get(), req, &created);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  EXPECT_EQ(created.employer(), "employers/em-es");

  v1::GetVacancyRequest get;
  get.set_name("vacancies/z5-claimed");
  v1::Vacancy read;
  s = server_.vacancies->GetVacancy(server_.As("employer:em-es").get(), get, &read);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  EXPECT_EQ(read.employer(), "employers/em-es");
  EXPECT_EQ(
      server_.vacancies->GetVacancy(server_.As("employer:em-es2").get(), get, &read).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AuthzIdentityTest, AgencyImportingRowsForAnotherAgencyOwnsThem) {
  v1::ImportCandidatesRequest batch;
  v1::ImportCandidateRow* row = batch.add_rows();
  row->set_row_number(1);
  row->set_candidate_id("z5-imported");
  *row->mutable_candidate() = ValidCandidate("ag-co2");  // Claims agencies/ag-co2.
  auto ctx = server_.As("agency:ag-co");
  auto stream = server_.candidates->ImportCandidates(ctx.get());
  ASSERT_TRUE(stream->Write(batch));
  stream->WritesDone();
  v1::ImportCandidatesResponse reply;
  ASSERT_TRUE(stream->Read(&reply));
  EXPECT_EQ(reply.written(), 1) << reply.ShortDebugString();
  while (stream->Read(&reply)) {
  }
  grpc::Status s = stream->Finish();
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();

  v1::Candidate read;
  s = GetCandidateAs("agency:ag-co", "candidates/z5-imported", &read);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  EXPECT_EQ(read.agency(), "agencies/ag-co");
  EXPECT_EQ(GetCandidateAs("agency:ag-co2", "candidates/z5-imported").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AuthzIdentityTest, ListFilterNamingAnotherAgencyShowsNothingOfIt) {
  v1::ListCandidatesRequest req;
  req.set_filter("agency = \"ag-co2\"");
  v1::ListCandidatesResponse resp;
  grpc::Status s = server_.candidates->ListCandidates(server_.As("agency:ag-co").get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  EXPECT_EQ(resp.candidates_size(), 0) << resp.ShortDebugString();
}

TEST_F(AuthzIdentityTest, BearerMetadataBuiltByHandIsAccepted) {
  v1::Candidate read;
  grpc::Status s =
      GetCandidate(WithAuthorization({Bearer("agency:ag-co")}).get(), "candidates/cand-1", &read);
  ASSERT_TRUE(s.ok()) << "fixtures.cc no longer makes tokens as \"" << kTokenPrefix
                      << "<principal>\": update kTokenPrefix. " << s.error_code() << " "
                      << s.error_message();
  EXPECT_EQ(read.name(), "candidates/cand-1");
}

TEST_F(AuthzIdentityTest, DuplicateAuthorizationIsUnauthenticated) {
  // Two valid tokens, and the same valid token twice: neither picks one.
  for (const std::vector<std::string>& values :
       {std::vector<std::string>{Bearer("agency:ag-co"), Bearer("agency:ag-co2")},
        std::vector<std::string>{Bearer("agency:ag-co"), Bearer("agency:ag-co")}}) {
    SCOPED_TRACE(values[1]);
    EXPECT_EQ(GetCandidate(WithAuthorization(values).get(), "candidates/cand-1").error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
}

TEST_F(AuthzIdentityTest, OversizedAuthorizationIsUnauthenticated) {
  // A valid token followed by padding: 2 KiB in all.
  std::string value = Bearer("agency:ag-co");
  value.append(2048 - value.size(), 'x');
  ASSERT_EQ(value.size(), 2048u);
  grpc::Status s = GetCandidate(WithAuthorization({value}).get(), "candidates/cand-1");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
}

TEST_F(AuthzIdentityTest, WrongOrMalformedTokenIsUnauthenticated) {
  for (const std::string& value : {std::string("Bearer not-a-token"), std::string("Bearer "),
                                   absl::StrCat("Bearer ", kTokenPrefix, "agency:ag-co3"),
                                   absl::StrCat("bearer ", kTokenPrefix, "agency:ag-co"),
                                   absl::StrCat(kTokenPrefix, "agency:ag-co"), std::string("")}) {
    SCOPED_TRACE(value);
    grpc::Status s = GetCandidate(WithAuthorization({value}).get(), "candidates/cand-1");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  }
}

TEST_F(AuthzIdentityTest, OtherTenantsObjectAndMissingObjectGetTheSameAnswer) {
  struct Probe {
    std::string what;
    std::function<grpc::Status(const std::string& name)> call;
    std::string other;
    std::string missing;
  };
  const std::vector<Probe> probes = {
      {"GetCandidate as agency:ag-co",
       [&](const std::string& name) { return GetCandidateAs("agency:ag-co", name); },
       "candidates/cand-2", "candidates/nope"},
      {"DeleteCandidate as agency:ag-co",
       [&](const std::string& name) {
         v1::DeleteCandidateRequest req;
         req.set_name(name);
         v1::DeleteCandidateResponse resp;
         return server_.candidates->DeleteCandidate(server_.As("agency:ag-co").get(), req, &resp);
       },
       "candidates/cand-2", "candidates/nope"},
      {"UpdateCandidate as agency:ag-co",
       [&](const std::string& name) {
         v1::UpdateCandidateRequest req;
         *req.mutable_candidate() = ValidCandidate("ag-co");
         req.mutable_candidate()->set_name(name);
         v1::Candidate resp;
         return server_.candidates->UpdateCandidate(server_.As("agency:ag-co").get(), req, &resp);
       },
       "candidates/cand-2", "candidates/nope"},
      {"GetVacancy as employer:em-es",
       [&](const std::string& name) {
         v1::GetVacancyRequest req;
         req.set_name(name);
         v1::Vacancy resp;
         return server_.vacancies->GetVacancy(server_.As("employer:em-es").get(), req, &resp);
       },
       "vacancies/vac-2", "vacancies/nope"},
      {"GetAgency as agency:ag-co",
       [&](const std::string& name) {
         v1::GetAgencyRequest req;
         req.set_name(name);
         v1::Agency resp;
         return server_.agencies->GetAgency(server_.As("agency:ag-co").get(), req, &resp);
       },
       "agencies/ag-co2", "agencies/nope"},
      {"GetAgreement as ministry:ES",
       [&](const std::string& name) {
         v1::GetAgreementRequest req;
         req.set_name(name);
         v1::Agreement resp;
         return server_.agreements->GetAgreement(server_.As("ministry:ES").get(), req, &resp);
       },
       "agreements/fr-ma", "agreements/nope"},
      {"UpdateQuotaCell as ministry:ES",
       [&](const std::string& name) {
         v1::UpdateQuotaCellRequest req;
         req.mutable_quota_cell()->set_name(name);
         req.mutable_quota_cell()->set_cap(1);
         req.mutable_update_mask()->add_paths("cap");
         v1::QuotaCell resp;
         return server_.agreements->UpdateQuotaCell(server_.As("ministry:ES").get(), req, &resp);
       },
       "agreements/fr-ma/quotaCells/fr-2027", "agreements/fr-ma/quotaCells/nope"},
  };
  for (const Probe& p : probes) {
    SCOPED_TRACE(p.what);
    grpc::Status other = p.call(p.other);
    grpc::Status missing = p.call(p.missing);
    EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED) << other.error_message();
    EXPECT_EQ(other.error_code(), missing.error_code());
    EXPECT_EQ(other.error_message(), missing.error_message());
    EXPECT_EQ(other.error_details(), missing.error_details());
  }
}

}  // namespace
}  // namespace corridor::testing
