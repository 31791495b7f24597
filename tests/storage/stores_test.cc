#include "storage/stores.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "storage/keys.h"
#include "tests/storage/storage_samples.h"
#include "tests/storage/storage_test_util.h"

namespace corridor::storage {
namespace {

using google::protobuf::util::MessageDifferencer;
using testing::UnorderedElementsAre;
using testing_util::TestDatabase;
using testing_util::TestEpoch;

bool IsHex16(const std::string& s) {
  return s.size() == 16 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// Create, then Get: the content comes back unchanged, with an etag and both
// times set to the clock's now.
template <typename T>
void ExpectRoundTrip(RecordStore<T>& store, const std::string& id, const T& sample) {
  absl::StatusOr<T> created = store.Create(id, sample);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(IsHex16(created->etag())) << created->etag();
  EXPECT_EQ(created->create_time().seconds(), absl::ToUnixSeconds(TestEpoch()));
  EXPECT_TRUE(MessageDifferencer::Equals(created->create_time(), created->update_time()));

  absl::StatusOr<T> got = store.Get(id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*got, *created))
      << got->DebugString() << "\nvs\n" << created->DebugString();

  T content = *got;
  content.clear_etag();
  content.clear_create_time();
  content.clear_update_time();
  EXPECT_TRUE(MessageDifferencer::Equals(content, sample))
      << content.DebugString() << "\nvs\n" << sample.DebugString();
}

TEST(StoresTest, AgencyRoundTripKeepsContentAndSetsEtagAndTimes) {
  TestDatabase t;
  Stores stores(t.db());
  ExpectRoundTrip(stores.agencies, "ag-1", testing_util::SampleAgency("ag-1"));
}

TEST(StoresTest, EmployerRoundTripKeepsContentAndSetsEtagAndTimes) {
  TestDatabase t;
  Stores stores(t.db());
  ExpectRoundTrip(stores.employers, "emp-1", testing_util::SampleEmployer("emp-1"));
}

TEST(StoresTest, CandidateRoundTripKeepsContentAndSetsEtagAndTimes) {
  TestDatabase t;
  Stores stores(t.db());
  ExpectRoundTrip(stores.candidates, "cand-1",
                  testing_util::SampleCandidate("cand-1", "ag-1", "CO"));
}

TEST(StoresTest, VacancyRoundTripKeepsContentAndSetsEtagAndTimes) {
  TestDatabase t;
  Stores stores(t.db());
  ExpectRoundTrip(stores.vacancies, "vac-1",
                  testing_util::SampleVacancy("vac-1", "emp-1", "ES"));
}

TEST(StoresTest, AgreementRoundTripKeepsContentAndSetsEtagAndTimes) {
  TestDatabase t;
  Stores stores(t.db());
  ExpectRoundTrip(stores.agreements, "es-co", testing_util::SampleAgreement("es-co"));
}

TEST(StoresTest, QuotaCellRoundTripKeepsContentAndSetsEtagAndTimes) {
  TestDatabase t;
  Stores stores(t.db());
  ExpectRoundTrip(stores.quota_cells, QuotaCellKey("es-co", "farm-2025"),
                  testing_util::SampleQuotaCell("es-co", "farm-2025"));
}

TEST(StoresTest, ApplicationRoundTripKeepsContentAndSetsEtagAndTimes) {
  TestDatabase t;
  Stores stores(t.db());
  ExpectRoundTrip(stores.applications, "app-1",
                  testing_util::SampleApplication("app-1", "cand-1", "vac-1"));
}

TEST(StoresTest, KindsUseTheirOwnColumnFamilies) {
  EXPECT_EQ(AgencyKind().family, Family::kAgencies);
  EXPECT_EQ(EmployerKind().family, Family::kEmployers);
  EXPECT_EQ(CandidateKind().family, Family::kCandidates);
  EXPECT_EQ(VacancyKind().family, Family::kVacancies);
  EXPECT_EQ(AgreementKind().family, Family::kAgreements);
  EXPECT_EQ(QuotaCellKind().family, Family::kQuotaCells);
  EXPECT_EQ(ApplicationKind().family, Family::kApplications);
  EXPECT_FALSE(AgencyKind().indexes);
  EXPECT_FALSE(EmployerKind().indexes);
  EXPECT_FALSE(AgreementKind().indexes);
}

TEST(StoresTest, CandidateIndexesAgencyIdNationalityAndEachDistinctIscoCode) {
  v1::Candidate c = testing_util::SampleCandidate("cand-1", "ag-7", "CO");
  c.add_occupations()->set_isco_code("6111");  // duplicate of the first
  c.add_occupations()->set_isco_code("");      // empty: skipped
  EXPECT_THAT(CandidateKind().indexes(c),
              UnorderedElementsAre(IndexEntry{"cand_agency", "ag-7"},
                                   IndexEntry{"cand_nat", "CO"},
                                   IndexEntry{"cand_isco", "6111"},
                                   IndexEntry{"cand_isco", "9211"}));
}

TEST(StoresTest, CandidateWithoutAgencyOrNationalityHasNoSuchEntries) {
  v1::Candidate c;
  c.set_name("candidates/cand-1");
  EXPECT_TRUE(CandidateKind().indexes(c).empty());
}

TEST(StoresTest, VacancyIndexesEmployerIdAndDestination) {
  v1::Vacancy v = testing_util::SampleVacancy("vac-1", "emp-3", "ES");
  EXPECT_THAT(VacancyKind().indexes(v),
              UnorderedElementsAre(IndexEntry{"vac_employer", "emp-3"},
                                   IndexEntry{"vac_dest", "ES"}));
}

TEST(StoresTest, QuotaCellIndexesAgreementIdFromItsName) {
  v1::QuotaCell q = testing_util::SampleQuotaCell("es-co", "farm");
  EXPECT_THAT(QuotaCellKind().indexes(q),
              UnorderedElementsAre(IndexEntry{"cell_agr", "es-co"}));
}

TEST(StoresTest, ApplicationIndexesCandidateAndVacancyIds) {
  v1::Application a = testing_util::SampleApplication("app-1", "cand-4", "vac-9");
  EXPECT_THAT(ApplicationKind().indexes(a),
              UnorderedElementsAre(IndexEntry{"app_cand", "cand-4"},
                                   IndexEntry{"app_vac", "vac-9"}));
}

TEST(StoresTest, CreatedRecordsWriteTheirIndexEntries) {
  TestDatabase t;
  Stores stores(t.db());
  ASSERT_TRUE(stores.candidates.Create("cand-1", testing_util::SampleCandidate("cand-1", "ag-1", "CO")).ok());
  ASSERT_TRUE(stores.vacancies.Create("vac-1", testing_util::SampleVacancy("vac-1", "emp-1", "ES")).ok());
  ASSERT_TRUE(stores.quota_cells
                  .Create(QuotaCellKey("es-co", "farm"), testing_util::SampleQuotaCell("es-co", "farm"))
                  .ok());
  ASSERT_TRUE(stores.applications
                  .Create("app-1", testing_util::SampleApplication("app-1", "cand-1", "vac-1"))
                  .ok());
  EXPECT_THAT(testing_util::AllKeys(t.db(), Family::kIndexes),
              UnorderedElementsAre(IndexKey("cand_agency", "ag-1", "cand-1"),
                                   IndexKey("cand_nat", "CO", "cand-1"),
                                   IndexKey("cand_isco", "6111", "cand-1"),
                                   IndexKey("cand_isco", "9211", "cand-1"),
                                   IndexKey("vac_employer", "emp-1", "vac-1"),
                                   IndexKey("vac_dest", "ES", "vac-1"),
                                   IndexKey("cell_agr", "es-co", "es-co/farm"),
                                   IndexKey("app_cand", "cand-1", "app-1"),
                                   IndexKey("app_vac", "vac-1", "app-1")));
  absl::StatusOr<bool> any = stores.quota_cells.AnyWithIndex({"cell_agr", "es-co"});
  ASSERT_TRUE(any.ok());
  EXPECT_TRUE(*any);
  any = stores.quota_cells.AnyWithIdPrefix("es-co/");
  ASSERT_TRUE(any.ok());
  EXPECT_TRUE(*any);
  any = stores.quota_cells.AnyWithIdPrefix("es-ma/");
  ASSERT_TRUE(any.ok());
  EXPECT_FALSE(*any);
}

}  // namespace
}  // namespace corridor::storage
