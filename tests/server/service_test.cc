// Service tests: the real server over an in-process channel (no ports, no sleeps).
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "tests/server/fixtures.h"
#include "common/token_file.h"

namespace corridor::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() : s_(::testing::UnitTest::GetInstance()->current_test_info()->name()) {
    s_.Seed();
  }

  // All candidates visible to the operator, following page tokens.
  std::vector<v1::Candidate> AllCandidates(const std::string& filter = "") {
    std::vector<v1::Candidate> out;
    v1::ListCandidatesRequest req;
    req.set_filter(filter);
    req.set_page_size(2);
    do {
      v1::ListCandidatesResponse resp;
      grpc::Status st = s_.candidates->ListCandidates(s_.As("operator").get(), req, &resp);
      EXPECT_TRUE(st.ok()) << st.error_message();
      if (!st.ok()) break;
      for (const auto& c : resp.candidates()) out.push_back(c);
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    return out;
  }

  v1::ImportCandidatesRequest ImportBatch(int rows, int first_row = 1) {
    v1::ImportCandidatesRequest batch;
    for (int i = 0; i < rows; ++i) {
      auto* row = batch.add_rows();
      row->set_row_number(first_row + i);
      row->set_candidate_id(absl::StrCat("imp-", first_row + i));
      *row->mutable_candidate() = ValidCandidate("ag-co");
    }
    return batch;
  }

  std::vector<v1::ImportCandidatesResponse> Import(
      const std::string& who, const std::vector<v1::ImportCandidatesRequest>& batches,
      grpc::Status* status) {
    auto ctx = s_.As(who);
    auto stream = s_.candidates->ImportCandidates(ctx.get());
    std::vector<v1::ImportCandidatesResponse> replies;
    for (const auto& b : batches) {
      if (!stream->Write(b)) break;
      v1::ImportCandidatesResponse r;
      if (!stream->Read(&r)) break;
      replies.push_back(r);
    }
    stream->WritesDone();
    *status = stream->Finish();
    return replies;
  }

  TestServer s_;
};

TEST_F(ServiceTest, CreatedAgencyReadsBackWithEtagAndTimes) {
  v1::Agency got;
  v1::GetAgencyRequest req;
  req.set_name("agencies/ag-co");
  ASSERT_TRUE(s_.agencies->GetAgency(s_.As("agency:ag-co").get(), req, &got).ok());
  EXPECT_EQ(got.name(), "agencies/ag-co");
  EXPECT_EQ(got.country(), "CO");
  EXPECT_EQ(got.licence_number(), "LIC-2026-0001");
  EXPECT_FALSE(got.etag().empty());
  EXPECT_GT(got.create_time().seconds(), 0);
}

TEST_F(ServiceTest, CallWithoutTokenIsUnauthenticated) {
  grpc::ClientContext ctx;
  v1::GetAgencyRequest req;
  req.set_name("agencies/ag-co");
  v1::Agency got;
  EXPECT_EQ(s_.agencies->GetAgency(&ctx, req, &got).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ServiceTest, ReplayedCreateReturnsTheSameReplyAndCreatesOnce) {
  v1::CreateCandidateRequest req;
  *req.mutable_candidate() = ValidCandidate("ag-co");
  req.set_request_id("replay-1");
  std::vector<v1::Candidate> replies(10);
  for (auto& reply : replies) {
    ASSERT_TRUE(s_.candidates->CreateCandidate(s_.As("agency:ag-co").get(), req, &reply).ok());
  }
  for (const auto& reply : replies) {
    EXPECT_EQ(reply.SerializeAsString(), replies[0].SerializeAsString());
  }
  EXPECT_EQ(AllCandidates().size(), 3u);  // cand-1, cand-2 and this one.
}

TEST_F(ServiceTest, ConcurrentReplaysHaveOneEffect) {
  v1::CreateCandidateRequest req;
  *req.mutable_candidate() = ValidCandidate("ag-co");
  req.set_request_id("replay-50");
  std::vector<v1::Candidate> replies(50);
  std::vector<grpc::StatusCode> codes(50);
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      codes[i] =
          s_.candidates->CreateCandidate(s_.As("agency:ag-co").get(), req, &replies[i]).error_code();
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> names;
  for (int i = 0; i < 50; ++i) {
    // A replay racing the first write may be told to retry; never a second effect.
    if (codes[i] == grpc::StatusCode::OK) names.insert(replies[i].name());
    else EXPECT_EQ(codes[i], grpc::StatusCode::ABORTED);
  }
  EXPECT_EQ(names.size(), 1u);
  EXPECT_EQ(AllCandidates().size(), 3u);
}

TEST_F(ServiceTest, RequestIdReusedWithAnotherPayloadChangesNothing) {
  v1::CreateCandidateRequest req;
  *req.mutable_candidate() = ValidCandidate("ag-co");
  req.set_request_id("reuse-1");
  v1::Candidate first;
  ASSERT_TRUE(s_.candidates->CreateCandidate(s_.As("agency:ag-co").get(), req, &first).ok());
  req.mutable_candidate()->set_birth_year(1980);
  v1::Candidate second;
  grpc::Status st = s_.candidates->CreateCandidate(s_.As("agency:ag-co").get(), req, &second);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.error_message(), StartsWith("request_id"));
  EXPECT_EQ(AllCandidates().size(), 3u);
}

TEST_F(ServiceTest, AnotherTenantReusingARequestIdNeverGetsTheFirstReply) {
  v1::CreateCandidateRequest req;
  *req.mutable_candidate() = ValidCandidate("ag-co");
  req.set_request_id("shared-id");
  v1::Candidate a, b;
  ASSERT_TRUE(s_.candidates->CreateCandidate(s_.As("agency:ag-co").get(), req, &a).ok());
  ASSERT_TRUE(s_.candidates->CreateCandidate(s_.As("agency:ag-co2").get(), req, &b).ok());
  EXPECT_NE(a.name(), b.name());
  EXPECT_EQ(a.agency(), "agencies/ag-co");
  EXPECT_EQ(b.agency(), "agencies/ag-co2");
}

TEST_F(ServiceTest, UpdateWithStaleEtagIsAbortedAndChangesNothing) {
  v1::GetCandidateRequest get;
  get.set_name("candidates/cand-1");
  v1::Candidate current;
  ASSERT_TRUE(s_.candidates->GetCandidate(s_.As("agency:ag-co").get(), get, &current).ok());

  v1::UpdateCandidateRequest update;
  *update.mutable_candidate() = current;
  update.mutable_candidate()->set_birth_year(1985);
  update.mutable_update_mask()->add_paths("birth_year");
  v1::Candidate updated;
  ASSERT_TRUE(s_.candidates->UpdateCandidate(s_.As("agency:ag-co").get(), update, &updated).ok());
  EXPECT_EQ(updated.birth_year(), 1985);
  EXPECT_NE(updated.etag(), current.etag());

  update.mutable_candidate()->set_birth_year(1970);  // Still carries the old etag.
  grpc::Status st = s_.candidates->UpdateCandidate(s_.As("agency:ag-co").get(), update, &updated);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ABORTED);
  v1::Candidate after;
  ASSERT_TRUE(s_.candidates->GetCandidate(s_.As("agency:ag-co").get(), get, &after).ok());
  EXPECT_EQ(after.birth_year(), 1985);
}

TEST_F(ServiceTest, UpdateMaskNamingAnImmutableFieldIsRejected) {
  v1::UpdateCandidateRequest update;
  update.mutable_candidate()->set_name("candidates/cand-1");
  update.mutable_candidate()->set_agency("agencies/ag-co2");
  update.mutable_update_mask()->add_paths("agency");
  v1::Candidate out;
  grpc::Status st = s_.candidates->UpdateCandidate(s_.As("agency:ag-co").get(), update, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), StartsWith("update_mask"));
}

TEST_F(ServiceTest, InvalidCreateNamesTheFieldAndChangesNothing) {
  for (const char* bad : {"de", "DEU", "UK", "ZZ", ""}) {
    SCOPED_TRACE(bad);
    v1::CreateCandidateRequest req;
    *req.mutable_candidate() = ValidCandidate("ag-co");
    req.mutable_candidate()->set_nationality(bad);
    v1::Candidate out;
    grpc::Status st = s_.candidates->CreateCandidate(s_.As("agency:ag-co").get(), req, &out);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(st.error_message(), StartsWith("candidate.nationality"));
  }
  EXPECT_EQ(AllCandidates().size(), 2u);
}

TEST_F(ServiceTest, ListingPagesThroughEveryCandidateOnceInIdOrder) {
  for (int i = 0; i < 7; ++i) {
    v1::CreateCandidateRequest req;
    *req.mutable_candidate() = ValidCandidate("ag-co");
    req.set_candidate_id(absl::StrCat("page-", i));
    v1::Candidate out;
    ASSERT_TRUE(s_.candidates->CreateCandidate(s_.As("agency:ag-co").get(), req, &out).ok());
  }
  std::vector<v1::Candidate> all = AllCandidates();
  ASSERT_EQ(all.size(), 9u);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].name(), all[i].name());
}

TEST_F(ServiceTest, AnAgencyListsOnlyItsOwnCandidates) {
  v1::ListCandidatesRequest req;
  v1::ListCandidatesResponse resp;
  ASSERT_TRUE(s_.candidates->ListCandidates(s_.As("agency:ag-co2").get(), req, &resp).ok());
  ASSERT_EQ(resp.candidates_size(), 1);
  EXPECT_EQ(resp.candidates(0).name(), "candidates/cand-2");
  req.set_filter("agency = \"ag-co\"");
  ASSERT_TRUE(s_.candidates->ListCandidates(s_.As("agency:ag-co2").get(), req, &resp).ok());
  EXPECT_EQ(resp.candidates_size(), 0);
}

TEST_F(ServiceTest, PageTokenFromAnotherFilterOrTenantIsRejected) {
  v1::ListCandidatesRequest req;
  req.set_page_size(1);
  v1::ListCandidatesResponse first;
  ASSERT_TRUE(s_.candidates->ListCandidates(s_.As("operator").get(), req, &first).ok());
  ASSERT_FALSE(first.next_page_token().empty());

  v1::ListCandidatesRequest other_filter = req;
  other_filter.set_page_token(first.next_page_token());
  other_filter.set_filter("nationality = \"CO\"");
  v1::ListCandidatesResponse resp;
  grpc::Status st = s_.candidates->ListCandidates(s_.As("operator").get(), other_filter, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), StartsWith("page_token"));

  v1::ListCandidatesRequest other_tenant = req;
  other_tenant.set_page_token(first.next_page_token());
  st = s_.candidates->ListCandidates(s_.As("agency:ag-co").get(), other_tenant, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  for (int size : {-1, 1001}) {
    v1::ListCandidatesRequest bad;
    bad.set_page_size(size);
    st = s_.candidates->ListCandidates(s_.As("operator").get(), bad, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(st.error_message(), HasSubstr("page_size"));
  }
}

TEST_F(ServiceTest, MalformedFilterIsRejectedNamingTheFilter) {
  for (const char* bad : {"nationality =", "colour = \"red\"", "nationality = \"CO\" OR x = 1",
                          "nationality = \"CO"}) {
    SCOPED_TRACE(bad);
    v1::ListCandidatesRequest req;
    req.set_filter(bad);
    v1::ListCandidatesResponse resp;
    grpc::Status st = s_.candidates->ListCandidates(s_.As("operator").get(), req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(st.error_message(), StartsWith("filter"));
  }
}

TEST_F(ServiceTest, FilterUsesTheOccupationIndex) {
  v1::CreateCandidateRequest req;
  *req.mutable_candidate() = ValidCandidate("ag-co");
  req.mutable_candidate()->mutable_occupations(0)->set_isco_code("9211");
  req.set_candidate_id("farmhand");
  v1::Candidate out;
  ASSERT_TRUE(s_.candidates->CreateCandidate(s_.As("agency:ag-co").get(), req, &out).ok());
  std::vector<v1::Candidate> found = AllCandidates("isco_code = \"9211\"");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].name(), "candidates/farmhand");
}

TEST_F(ServiceTest, ImportValidateOnlyWritesNothing) {
  v1::ImportCandidatesRequest batch = ImportBatch(5);
  batch.set_validate_only(true);
  grpc::Status st;
  auto replies = Import("agency:ag-co", {batch}, &st);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].valid(), 5);
  EXPECT_EQ(replies[0].written(), 0);
  EXPECT_EQ(AllCandidates().size(), 2u);
}

TEST_F(ServiceTest, ImportBatchWithABadRowWritesNothingUnlessAskedToSkip) {
  v1::ImportCandidatesRequest batch = ImportBatch(4);
  batch.mutable_rows(2)->mutable_candidate()->mutable_languages(0)->set_level(
      v1::CEFR_LEVEL_UNSPECIFIED);
  grpc::Status st;
  auto replies = Import("agency:ag-co", {batch}, &st);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].written(), 0);
  ASSERT_EQ(replies[0].errors_size(), 1);
  EXPECT_EQ(replies[0].errors(0).row_number(), 3);
  EXPECT_THAT(replies[0].errors(0).field(), StartsWith("candidate.languages[0].level"));
  EXPECT_EQ(AllCandidates().size(), 2u);

  batch.set_skip_invalid(true);
  replies = Import("agency:ag-co", {batch}, &st);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(replies[0].written(), 3);
  EXPECT_EQ(AllCandidates().size(), 5u);
}

TEST_F(ServiceTest, ImportIsAnUpsertThatKeepsTheIndexesRight) {
  grpc::Status st;
  Import("agency:ag-co", {ImportBatch(3)}, &st);
  ASSERT_TRUE(st.ok());
  v1::ImportCandidatesRequest again = ImportBatch(3);
  again.mutable_rows(0)->mutable_candidate()->set_nationality("MA");
  again.mutable_rows(0)->mutable_candidate()->set_residence_country("MA");
  Import("agency:ag-co", {again}, &st);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(AllCandidates().size(), 5u);
  std::vector<v1::Candidate> moroccans = AllCandidates("nationality = \"MA\"");
  ASSERT_EQ(moroccans.size(), 1u);
  EXPECT_EQ(moroccans[0].name(), "candidates/imp-1");
  EXPECT_EQ(AllCandidates("nationality = \"CO\"").size(), 4u);
}

TEST_F(ServiceTest, AnAgencyCannotImportOverAnotherAgencysCandidate) {
  v1::ImportCandidatesRequest batch;
  auto* row = batch.add_rows();
  row->set_row_number(1);
  row->set_candidate_id("cand-2");  // Owned by ag-co2.
  *row->mutable_candidate() = ValidCandidate("ag-co");
  grpc::Status st;
  auto replies = Import("agency:ag-co", {batch}, &st);
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].written(), 0);
  ASSERT_EQ(replies[0].errors_size(), 1);
  EXPECT_EQ(replies[0].errors(0).field(), "candidate_id");
}

TEST_F(ServiceTest, ImportBatchReplayedWithItsRequestIdWritesOnce) {
  v1::ImportCandidatesRequest batch = ImportBatch(3);
  batch.set_request_id("import-1-batch-1");
  grpc::Status st;
  auto first = Import("agency:ag-co", {batch}, &st);
  ASSERT_TRUE(st.ok());
  auto second = Import("agency:ag-co", {batch}, &st);
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first[0].SerializeAsString(), second[0].SerializeAsString());
  EXPECT_EQ(AllCandidates().size(), 5u);
}

TEST_F(ServiceTest, MessagesAtTheSizeLimitPassAndOverItAreResourceExhausted) {
  // Grow one row's free text until the batch sits just under, at and over 4 MiB.
  const size_t limit = 4 << 20;
  auto batch_of_size = [&](size_t target) {
    v1::ImportCandidatesRequest batch = ImportBatch(1);
    batch.set_validate_only(true);
    std::string filler;
    batch.mutable_rows(0)->mutable_candidate()->set_origin_region(filler);
    size_t base = batch.ByteSizeLong();
    // origin_region grows the message by its length plus a varint length prefix.
    filler.assign(target - base - 3, 'x');
    batch.mutable_rows(0)->mutable_candidate()->set_origin_region(filler);
    while (batch.ByteSizeLong() < target) filler.push_back('x'),
        batch.mutable_rows(0)->mutable_candidate()->set_origin_region(filler);
    while (batch.ByteSizeLong() > target) filler.pop_back(),
        batch.mutable_rows(0)->mutable_candidate()->set_origin_region(filler);
    return batch;
  };
  grpc::Status st;
  for (size_t size : {limit - 1, limit}) {
    v1::ImportCandidatesRequest batch = batch_of_size(size);
    ASSERT_EQ(batch.ByteSizeLong(), size);
    auto replies = Import("agency:ag-co", {batch}, &st);
    EXPECT_TRUE(st.ok()) << size << ": " << st.error_message();
    ASSERT_EQ(replies.size(), 1u);
    // The oversized region is itself invalid (a 128-byte field): refused by
    // validation, not by the transport.
    EXPECT_EQ(replies[0].errors_size(), 1);
  }
  Import("agency:ag-co", {batch_of_size(limit + 1)}, &st);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // The server is still up.
  EXPECT_EQ(AllCandidates().size(), 2u);
}

TEST_F(ServiceTest, OverlongOrMalformedRequestIdIsRejectedAndChangesNothing) {
  for (const std::string& id : {std::string(65, 'a'), std::string("has space"),
                                std::string("nul\0id", 6)}) {
    v1::CreateCandidateRequest req;
    *req.mutable_candidate() = ValidCandidate("ag-co");
    req.set_request_id(id);
    v1::Candidate out;
    grpc::Status st = s_.candidates->CreateCandidate(s_.As("agency:ag-co").get(), req, &out);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(st.error_message(), StartsWith("request_id"));
  }
  EXPECT_EQ(AllCandidates().size(), 2u);
}

TEST_F(ServiceTest, OverlappingSiblingQuotaCellIsRejected) {
  v1::CreateQuotaCellRequest child;
  child.set_parent("agreements/es-co");
  *child.mutable_quota_cell() = ValidRootCell(400);
  child.mutable_quota_cell()->set_parent("es-2027");
  child.mutable_quota_cell()->set_origin("CO");
  child.set_quota_cell_id("es-2027-co");
  v1::QuotaCell out;
  ASSERT_TRUE(s_.agreements->CreateQuotaCell(s_.As("ministry:ES").get(), child, &out).ok());
  EXPECT_EQ(out.name(), "agreements/es-co/quotaCells/es-2027-co");

  // Same origin again, narrowed to farm work: overlaps es-2027-co.
  child.mutable_quota_cell()->set_isco_prefix("61");
  child.set_quota_cell_id("es-2027-co-farm");
  grpc::Status st = s_.agreements->CreateQuotaCell(s_.As("ministry:ES").get(), child, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), StartsWith("quota_cell"));

  // Another origin is a disjoint sibling.
  child.mutable_quota_cell()->clear_isco_prefix();
  child.mutable_quota_cell()->set_origin("MA");
  child.set_quota_cell_id("es-2027-ma");
  EXPECT_TRUE(s_.agreements->CreateQuotaCell(s_.As("ministry:ES").get(), child, &out).ok());

  v1::ListQuotaCellsRequest list;
  list.set_parent("agreements/es-co");
  v1::ListQuotaCellsResponse cells;
  ASSERT_TRUE(s_.agreements->ListQuotaCells(s_.As("ministry:CO").get(), list, &cells).ok());
  EXPECT_EQ(cells.quota_cells_size(), 3);
}

TEST_F(ServiceTest, OwnersWithChildrenCannotBeDeleted) {
  v1::DeleteAgencyRequest agency;
  agency.set_name("agencies/ag-co");
  v1::DeleteAgencyResponse a;
  EXPECT_EQ(s_.agencies->DeleteAgency(s_.As("operator").get(), agency, &a).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  v1::DeleteAgreementRequest agreement;
  agreement.set_name("agreements/es-co");
  v1::DeleteAgreementResponse g;
  EXPECT_EQ(s_.agreements->DeleteAgreement(s_.As("ministry:ES").get(), agreement, &g).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  v1::DeleteCandidateRequest cand;
  cand.set_name("candidates/cand-1");
  v1::DeleteCandidateResponse c;
  ASSERT_TRUE(s_.candidates->DeleteCandidate(s_.As("agency:ag-co").get(), cand, &c).ok());
  EXPECT_TRUE(s_.agencies->DeleteAgency(s_.As("operator").get(), agency, &a).ok());
  v1::GetAgencyRequest get;
  get.set_name("agencies/ag-co");
  v1::Agency gone;
  EXPECT_EQ(s_.agencies->GetAgency(s_.As("operator").get(), get, &gone).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServiceTest, VacancyTakesItsDestinationFromItsEmployer) {
  v1::CreateVacancyRequest req;
  *req.mutable_vacancy() = ValidVacancy();
  req.mutable_vacancy()->set_destination("FR");
  v1::Vacancy out;
  ASSERT_TRUE(s_.vacancies->CreateVacancy(s_.As("employer:em-es").get(), req, &out).ok());
  EXPECT_EQ(out.destination(), "ES");
  EXPECT_EQ(out.employer(), "employers/em-es");
  EXPECT_EQ(out.state(), v1::VACANCY_STATE_OPEN);
}

// The standard health service answers SERVING (status 1) while the server runs.
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::CompletionQueue cq;
  grpc::ByteBuffer request;  // HealthCheckRequest{service: ""} encodes to no bytes.
  grpc::Slice empty;
  request = grpc::ByteBuffer(&empty, 1);
  auto call = stub.PrepareUnaryCall(&ctx, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag;
  bool ok;
  cq.Next(&tag, &ok);
  if (!status.ok()) return -status.error_code();
  std::vector<grpc::Slice> slices;
  response.Dump(&slices);
  std::string bytes;
  for (const auto& slice : slices) bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  // HealthCheckResponse{status = 1}: tag 0x08, varint value.
  return bytes.size() == 2 && bytes[0] == 0x08 ? bytes[1] : 0;
}

TEST_F(ServiceTest, HealthServiceReportsServing) {
  EXPECT_EQ(HealthStatus(s_.channel()), 1);
}

TEST(ServerStartTest, SecondServerOnTheSameDataDirectoryFails) {
  std::string dir = FreshDir("lock");
  server::ServerOptions options;
  options.listen_address = "";
  options.data_dir = dir;
  options.tokens[HashToken("t")] = *Principal::Parse("operator");
  auto first = server::CorridorServer::Start(options);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = server::CorridorServer::Start(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("in use"));
}

}  // namespace
}  // namespace corridor::testing
