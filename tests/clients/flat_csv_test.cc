#include "clients/cli/flat_csv.h"

#include <sstream>

#include "clients/cli/demo_generator.h"
#include "common/csv.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace corridor::cli {
namespace {

using google::protobuf::util::MessageDifferencer;

// Parses a whole CSV text: header, then each row as a candidate.
struct Parsed {
  std::vector<std::string> ids;
  std::vector<v1::Candidate> candidates;
  std::vector<std::pair<int64_t, FieldError>> errors;
};

Parsed ParseCandidates(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(&in);
  CsvRecord record;
  Parsed out;
  EXPECT_TRUE(reader.Next(&record));
  auto header = CsvHeader::Parse(record.fields, CandidateCsvColumns());
  EXPECT_TRUE(header.ok()) << header.status();
  if (!header.ok()) return out;
  while (reader.Next(&record)) {
    std::string id;
    v1::Candidate c;
    FieldError error;
    if (CandidateFromCsv(*header, record.fields, &id, &c, &error)) {
      out.ids.push_back(id);
      out.candidates.push_back(c);
    } else {
      out.errors.push_back({record.number, error});
    }
  }
  return out;
}

const char kHeader[] =
    "id,agency,display_name,nationality,residence_country,birth_year,gender,isco_code,"
    "experience_years,skills,languages,education,availability_start,availability_end,"
    "consent_given,history\n";

TEST(CandidateCsvTest, ParsesAGoodRow) {
  Parsed p = ParseCandidates(
      std::string(kHeader) +
      "c1,co-pes,\"Synthetic, Candidate\",CO,EC,1990,female,6111,7,"
      "S6.4.1:3;S1.8.2:2:assessed,es:C2;en:B1:CERTIFIED,UPPER_SECONDARY,2027-03-01,2027-10-31,"
      "2025-01-02T03:04:05Z,es-co-tcm:CIRCULAR:ES:2025-03-01:2025-10-31:ON_TIME\n");
  ASSERT_TRUE(p.errors.empty()) << p.errors[0].second.field << ": " << p.errors[0].second.message;
  ASSERT_EQ(p.candidates.size(), 1u);
  const v1::Candidate& c = p.candidates[0];
  EXPECT_EQ(p.ids[0], "c1");
  EXPECT_EQ(c.agency(), "agencies/co-pes");
  EXPECT_EQ(c.display_name(), "Synthetic, Candidate");
  EXPECT_EQ(c.residence_country(), "EC");
  EXPECT_EQ(c.gender(), v1::GENDER_FEMALE);
  ASSERT_EQ(c.occupations_size(), 1);
  EXPECT_EQ(c.occupations(0).experience_years(), 7);
  ASSERT_EQ(c.skills_size(), 2);
  EXPECT_EQ(c.skills(0).skill_id(), "S6.4.1");
  EXPECT_EQ(c.skills(0).level(), 3);
  EXPECT_EQ(c.skills(0).evidence(), v1::EVIDENCE_SELF_DECLARED);
  EXPECT_EQ(c.skills(1).evidence(), v1::EVIDENCE_ASSESSED);
  ASSERT_EQ(c.languages_size(), 2);
  EXPECT_EQ(c.languages(1).level(), v1::CEFR_LEVEL_B1);
  EXPECT_EQ(c.languages(1).evidence(), v1::EVIDENCE_CERTIFIED);
  EXPECT_EQ(c.education(), v1::ISCED_LEVEL_UPPER_SECONDARY);
  EXPECT_EQ(c.availability().end().month(), 10);
  EXPECT_EQ(c.consent().given_time().seconds(), 1735787045);
  ASSERT_EQ(c.history_size(), 1);
  EXPECT_EQ(c.history(0).agreement(), "agreements/es-co-tcm");
  EXPECT_EQ(c.history(0).return_outcome(), v1::RETURN_OUTCOME_ON_TIME);
}

TEST(CandidateCsvTest, BadFieldsAreRowErrorsNamingTheColumn) {
  Parsed p = ParseCandidates(
      std::string(kHeader) +
      "c1,a,n,CO,CO,19x0,,6111,1,,,,,,,\n"                       // row 2: birth_year
      "c2,a,n,CO,CO,1990,,6111,1,S1:2;S2:high,,,,,,\n"           // row 3: skills[1]
      "c3,a,n,CO,CO,1990,,6111,1,,es:Z9,,,,,\n"                  // row 4: languages[0]
      "c4,a,n,CO,CO,1990,,6111,1,,,,2027-3-1,,,\n"               // row 5: availability_start
      ",a,n,CO,CO,1990,,6111,1,,,,,,,\n"                         // row 6: id
      "c6,a,n,CO\n"                                              // row 7: width
      "c7,a,n,CO,CO,1990,,6111,1,,,,,,not a time,\n"             // row 8: consent_given
      "c8,a,n,CO,CO,1990,,6111,1,,,,,,,es-co:CIRCULAR:ES\n");    // row 9: history[0]
  ASSERT_EQ(p.errors.size(), 8u);
  const std::vector<std::pair<int64_t, std::string>> want = {
      {2, "birth_year"},         {3, "skills[1]"}, {4, "languages[0]"},  {5, "availability_start"},
      {6, "id"},                 {7, ""},          {8, "consent_given"}, {9, "history[0]"}};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(p.errors[i].first, want[i].first);
    EXPECT_EQ(p.errors[i].second.field, want[i].second) << p.errors[i].second.message;
    EXPECT_FALSE(p.errors[i].second.message.empty());
  }
}

TEST(CsvHeaderTest, RejectsUnknownRepeatedOrMissingIdColumns) {
  EXPECT_FALSE(CsvHeader::Parse({"id", "colour"}, CandidateCsvColumns()).ok());
  EXPECT_FALSE(CsvHeader::Parse({"id", "skills", "skills"}, CandidateCsvColumns()).ok());
  EXPECT_FALSE(CsvHeader::Parse({"skills"}, CandidateCsvColumns()).ok());
  EXPECT_TRUE(CsvHeader::Parse({" ID ", "Skills"}, CandidateCsvColumns()).ok());
}

class FlatCsvRoundTripTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto taxonomy = DemoTaxonomy::LoadEsco(std::string(CORRIDOR_SHARED_DIR) + "/data/esco");
    ASSERT_TRUE(taxonomy.ok()) << taxonomy.status();
    taxonomy_ = new DemoTaxonomy(*std::move(taxonomy));
    auto world = DemoWorld::Create(*taxonomy_, 3, 400);
    ASSERT_TRUE(world.ok()) << world.status();
    world_ = world->release();
  }
  static DemoTaxonomy* taxonomy_;
  static DemoWorld* world_;
};
DemoTaxonomy* FlatCsvRoundTripTest::taxonomy_ = nullptr;
DemoWorld* FlatCsvRoundTripTest::world_ = nullptr;

TEST_F(FlatCsvRoundTripTest, CandidatesSurviveCsv) {
  std::string text;
  AppendCsvRecord(CandidateCsvColumns(), &text);
  std::vector<v1::Candidate> originals;
  for (int64_t i = 0; i < 1000; ++i) {
    v1::Candidate c;
    world_->MakeCandidate(i, &c);
    AppendCsvRecord(CandidateToCsv(c.name().substr(11), c), &text);
    c.clear_name();
    originals.push_back(c);
  }
  Parsed p = ParseCandidates(text);
  ASSERT_TRUE(p.errors.empty()) << p.errors[0].second.field << ": " << p.errors[0].second.message;
  ASSERT_EQ(p.candidates.size(), originals.size());
  for (size_t i = 0; i < originals.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(originals[i], p.candidates[i]))
        << originals[i].ShortDebugString() << "\n" << p.candidates[i].ShortDebugString();
  }
}

TEST_F(FlatCsvRoundTripTest, VacanciesSurviveCsv) {
  std::string text;
  AppendCsvRecord(VacancyCsvColumns(), &text);
  std::vector<v1::Vacancy> originals;
  for (int64_t i = 0; i < 400; ++i) {
    v1::Vacancy v;
    world_->MakeVacancy(i, &v);
    AppendCsvRecord(VacancyToCsv(v.name().substr(10), v), &text);
    v.clear_name();
    originals.push_back(v);
  }
  std::istringstream in(text);
  CsvReader reader(&in);
  CsvRecord record;
  ASSERT_TRUE(reader.Next(&record));
  auto header = CsvHeader::Parse(record.fields, VacancyCsvColumns());
  ASSERT_TRUE(header.ok());
  size_t i = 0;
  while (reader.Next(&record)) {
    std::string id;
    v1::Vacancy v;
    FieldError error;
    ASSERT_TRUE(VacancyFromCsv(*header, record.fields, &id, &v, &error))
        << error.field << ": " << error.message;
    ASSERT_LT(i, originals.size());
    EXPECT_TRUE(MessageDifferencer::Equals(originals[i], v))
        << originals[i].ShortDebugString() << "\n" << v.ShortDebugString();
    ++i;
  }
  EXPECT_EQ(i, originals.size());
}

}  // namespace
}  // namespace corridor::cli
