#include "clients/cli/proto_json.h"

#include "clients/cli/demo_generator.h"
#include "clients/cli/demo_taxonomy.h"
#include "corridor/v1/agency_service.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace corridor::cli {
namespace {

using google::protobuf::util::MessageDifferencer;

std::string UtilJson(const google::protobuf::Message& m) {
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out).ok());
  return out;
}

std::string OurJson(const google::protobuf::Message& m) {
  std::string out;
  AppendMessageJson(m, &out);
  return out;
}

class ProtoJsonDemoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto taxonomy = DemoTaxonomy::LoadEsco(std::string(CORRIDOR_SHARED_DIR) + "/data/esco");
    ASSERT_TRUE(taxonomy.ok()) << taxonomy.status();
    taxonomy_ = new DemoTaxonomy(*std::move(taxonomy));
    auto world = DemoWorld::Create(*taxonomy_, 7, 300);
    ASSERT_TRUE(world.ok()) << world.status();
    world_ = world->release();
  }
  static DemoTaxonomy* taxonomy_;
  static DemoWorld* world_;
};
DemoTaxonomy* ProtoJsonDemoTest::taxonomy_ = nullptr;
DemoWorld* ProtoJsonDemoTest::world_ = nullptr;

template <class M>
void ExpectParity(const M& m) {
  const std::string util = UtilJson(m);
  EXPECT_EQ(OurJson(m), util);
  M back;
  ASSERT_TRUE(JsonToMessage(util, &back).ok()) << util;
  EXPECT_TRUE(MessageDifferencer::Equals(m, back)) << util;
}

TEST_F(ProtoJsonDemoTest, WritesAndReadsWhatUtilDoesForDemoRecords) {
  for (const auto& a : world_->agencies()) ExpectParity(a);
  for (const auto& e : world_->employers()) ExpectParity(e);
  for (const auto& a : world_->agreements()) ExpectParity(a);
  for (const auto& c : world_->cells()) ExpectParity(c.cell);
  v1::Candidate c;
  for (int64_t i = 0; i < 2000; ++i) {
    world_->MakeCandidate(i, &c);
    ExpectParity(c);
  }
  v1::Vacancy v;
  for (int64_t i = 0; i < 300; ++i) {
    world_->MakeVacancy(i, &v);
    ExpectParity(v);
  }
}

TEST(ProtoJsonTest, EscapesStringsAsUtilDoes) {
  v1::Agency a;
  a.set_display_name("a<b>&'\"\\/\x01\n\t é 中 \xe2\x80\xa8 \x7f \xf0\x9f\x98\x80");
  ExpectParity(a);
}

TEST(ProtoJsonTest, TimestampsAndFieldMasksRoundTrip) {
  v1::UpdateCandidateRequest req;
  req.mutable_candidate()->mutable_consent()->mutable_given_time()->set_seconds(1760000000);
  req.mutable_candidate()->mutable_consent()->mutable_given_time()->set_nanos(500000000);
  req.mutable_candidate()->mutable_create_time()->set_nanos(1000);
  req.mutable_candidate()->mutable_update_time()->set_seconds(-62135596800);
  req.mutable_update_mask()->add_paths("display_name");
  req.mutable_update_mask()->add_paths("consent");
  ExpectParity(req);
  EXPECT_NE(OurJson(req).find("\"updateMask\":\"displayName,consent\""), std::string::npos);
}

TEST(ProtoJsonTest, AcceptsDeclaredNamesEnumNumbersQuotedNumbersAndOffsets) {
  v1::Candidate c;
  ASSERT_TRUE(JsonToMessage(R"({"birth_year": "1990", "gender": 2,
      "occupations": [{"isco_code": "6111", "experienceYears": 1.0}],
      "consent": {"givenTime": "2025-01-01T10:00:00+01:00"}})",
                            &c)
                  .ok());
  EXPECT_EQ(c.birth_year(), 1990);
  EXPECT_EQ(c.gender(), v1::GENDER_MALE);
  EXPECT_EQ(c.occupations(0).experience_years(), 1);
  EXPECT_EQ(c.consent().given_time().seconds(), 1735722000);
}

TEST(ProtoJsonTest, NullMeansDefault) {
  v1::Candidate c;
  ASSERT_TRUE(JsonToMessage(R"({"birthYear": null, "skills": null, "consent": null})", &c).ok());
  EXPECT_EQ(c.birth_year(), 0);
  EXPECT_FALSE(c.has_consent());
}

TEST(ProtoJsonTest, ErrorsNameTheFieldPath) {
  v1::Candidate c;
  std::string path, error;
  EXPECT_FALSE(ParseJsonMessage(
      R"({"languages": [{"languageCode": "es"}, {"level": "CEFR_LEVEL_Z9"}]})", &c, &path,
      &error));
  EXPECT_EQ(path, "languages[1].level");
  EXPECT_NE(error.find("CEFR_LEVEL_Z9"), std::string::npos);

  EXPECT_FALSE(ParseJsonMessage(R"({"availability": {"start": {"year": "x"}}})", &c, &path,
                                &error));
  EXPECT_EQ(path, "availability.start.year");

  EXPECT_FALSE(ParseJsonMessage(R"({"birthYear": 1e12})", &c, &path, &error));
  EXPECT_EQ(path, "birth_year");
}

TEST(ProtoJsonTest, UnknownFieldIsAnError) {
  v1::Agency a;
  absl::Status s = JsonToMessage(R"({"displayName": "x", "colour": "red"})", &a);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("colour"), std::string::npos);
}

TEST(ProtoJsonTest, SyntaxErrorsGiveTheByteOffset) {
  v1::Agency a;
  std::string path, error;
  EXPECT_FALSE(ParseJsonMessage(R"({"displayName": "x",})", &a, &path, &error));
  EXPECT_EQ(path, "");
  EXPECT_NE(error.find("byte 20"), std::string::npos) << error;
  EXPECT_FALSE(JsonToMessage(R"({"displayName": "x"} trailing)", &a).ok());
  EXPECT_FALSE(JsonToMessage("[]", &a).ok());
  EXPECT_FALSE(JsonToMessage("", &a).ok());
}

TEST(ProtoJsonTest, RejectsInvalidUtf8AndUnpairedSurrogates) {
  v1::Agency a;
  EXPECT_FALSE(JsonToMessage("{\"displayName\": \"\xff\"}", &a).ok());
  EXPECT_FALSE(JsonToMessage(R"({"displayName": "\ud800"})", &a).ok());
  ASSERT_TRUE(JsonToMessage(R"({"displayName": "\ud83d\ude00 \u00e9\n"})", &a).ok());
  EXPECT_EQ(a.display_name(), "\xf0\x9f\x98\x80 \xc3\xa9\n");
}

TEST(ProtoJsonTest, RejectsBadTimestamps) {
  v1::Candidate c;
  EXPECT_FALSE(JsonToMessage(R"({"consent": {"givenTime": "2025-02-29T00:00:00Z"}})", &c).ok());
  EXPECT_FALSE(JsonToMessage(R"({"consent": {"givenTime": "2025-01-01 00:00:00"}})", &c).ok());
  EXPECT_TRUE(JsonToMessage(R"({"consent": {"givenTime": "2024-02-29T23:59:59.123Z"}})", &c).ok());
  EXPECT_EQ(c.consent().given_time().nanos(), 123000000);
}

TEST(ProtoJsonTest, Rfc3339RoundTrips) {
  for (int64_t s : {int64_t{0}, int64_t{951782400}, int64_t{1760000000}, int64_t{-1},
                    int64_t{253402300799}}) {
    std::string text;
    AppendRfc3339(s, 0, &text);
    int64_t back;
    int32_t nanos;
    ASSERT_TRUE(ParseRfc3339(text, &back, &nanos)) << text;
    EXPECT_EQ(back, s);
  }
}

}  // namespace
}  // namespace corridor::cli
