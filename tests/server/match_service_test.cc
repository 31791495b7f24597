// MatchService over the in-process channel: shortlists with explanations that
// add up, exclusion with every reason, quota flags, the index following
// writes, and identical rankings across restarts.
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/fixtures.h"

namespace corridor::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class MatchServiceTest : public ::testing::Test {
 protected:
  MatchServiceTest() : s_(::testing::UnitTest::GetInstance()->current_test_info()->name()) {
    s_.Seed();
  }

  v1::ShortlistCandidatesResponse Shortlist(const std::string& who, const std::string& vacancy,
                                            bool flag = false) {
    v1::ShortlistCandidatesRequest req;
    req.set_vacancy(vacancy);
    req.set_k(10);
    req.set_flag_quota_exhausted(flag);
    v1::ShortlistCandidatesResponse resp;
    grpc::Status st = s_.match->ShortlistCandidates(s_.As(who).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
    return resp;
  }

  static std::vector<std::string> Names(const v1::ShortlistCandidatesResponse& r) {
    std::vector<std::string> names;
    for (const auto& m : r.matches()) names.push_back(m.candidate());
    return names;
  }

  v1::ExplainMatchResponse Explain(const std::string& who, const std::string& candidate,
                                   const std::string& vacancy) {
    v1::ExplainMatchRequest req;
    req.set_candidate(candidate);
    req.set_vacancy(vacancy);
    v1::ExplainMatchResponse resp;
    grpc::Status st = s_.match->ExplainMatch(s_.As(who).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
    return resp;
  }

  void CreateCandidate(const std::string& id, const v1::Candidate& c) {
    v1::CreateCandidateRequest req;
    *req.mutable_candidate() = c;
    req.set_candidate_id(id);
    v1::Candidate out;
    grpc::Status st = s_.candidates->CreateCandidate(s_.As("operator").get(), req, &out);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  TestServer s_;
};

TEST_F(MatchServiceTest, ShortlistRanksEligibleCandidatesAndExplanationsAddUp) {
  v1::ShortlistCandidatesResponse r = Shortlist("employer:em-es", "vacancies/vac-1");
  EXPECT_EQ(r.eligible_count(), 2);
  ASSERT_EQ(r.matches_size(), 2);
  for (int i = 0; i < r.matches_size(); ++i) {
    const v1::Match& m = r.matches(i);
    EXPECT_EQ(m.rank(), i + 1);
    EXPECT_EQ(m.vacancy(), "vacancies/vac-1");
    EXPECT_EQ(m.components_size(), 8);
    double sum = 0;
    for (const auto& c : m.components()) {
      EXPECT_NEAR(c.contribution(), c.raw() * c.weight(), 1e-9) << c.component();
      sum += c.contribution();
    }
    EXPECT_NEAR(sum, m.score(), 1e-6);
    EXPECT_THAT(m.flags(), IsEmpty());
  }
  // Equal profiles: the earlier registration ranks first.
  EXPECT_THAT(Names(r), ElementsAre("candidates/cand-1", "candidates/cand-2"));
}

TEST_F(MatchServiceTest, ExcludedCandidateIsAbsentAndExplainGivesEveryReason) {
  v1::Candidate c = ValidCandidate("ag-co");
  c.mutable_consent()->mutable_withdrawn_time()->set_seconds(1767312000);
  c.mutable_languages(0)->set_language_code("en");
  CreateCandidate("cand-x", c);
  v1::ShortlistCandidatesResponse r = Shortlist("employer:em-es", "vacancies/vac-1");
  EXPECT_THAT(Names(r), ElementsAre("candidates/cand-1", "candidates/cand-2"));

  v1::ExplainMatchResponse e = Explain("agency:ag-co", "candidates/cand-x", "vacancies/vac-1");
  EXPECT_FALSE(e.eligible());
  std::vector<std::string> codes;
  for (const auto& f : e.failed_rules()) {
    codes.push_back(f.code());
    EXPECT_FALSE(f.message().empty());
  }
  EXPECT_THAT(codes, ElementsAre("LANGUAGE_BELOW_MINIMUM", "CONSENT_MISSING"));
  EXPECT_EQ(e.match().components_size(), 8);
}

TEST_F(MatchServiceTest, ExhaustedQuotaExcludesOrFlagsAsAsked) {
  v1::UpdateQuotaCellRequest update;
  update.mutable_quota_cell()->set_name("agreements/es-co/quotaCells/es-2027");
  update.mutable_quota_cell()->set_cap(0);
  update.mutable_update_mask()->add_paths("cap");
  v1::QuotaCell cell;
  ASSERT_TRUE(s_.agreements->UpdateQuotaCell(s_.As("ministry:ES").get(), update, &cell).ok());

  EXPECT_THAT(Names(Shortlist("employer:em-es", "vacancies/vac-1")), IsEmpty());
  v1::ShortlistCandidatesResponse flagged =
      Shortlist("employer:em-es", "vacancies/vac-1", /*flag=*/true);
  ASSERT_EQ(flagged.matches_size(), 2);
  for (const auto& m : flagged.matches()) {
    ASSERT_EQ(m.flags_size(), 1);
    EXPECT_EQ(m.flags(0).code(), "QUOTA_EXHAUSTED");
  }
}

TEST_F(MatchServiceTest, TheIndexFollowsUpdatesAndDeletes) {
  v1::UpdateCandidateRequest update;
  *update.mutable_candidate() = ValidCandidate("ag-co2");
  update.mutable_candidate()->set_name("candidates/cand-2");
  update.mutable_candidate()->mutable_languages(0)->set_level(v1::CEFR_LEVEL_A1);
  update.mutable_update_mask()->add_paths("languages");
  v1::Candidate out;
  ASSERT_TRUE(s_.candidates->UpdateCandidate(s_.As("agency:ag-co2").get(), update, &out).ok());
  EXPECT_THAT(Names(Shortlist("employer:em-es", "vacancies/vac-1")),
              ElementsAre("candidates/cand-1"));

  v1::DeleteCandidateRequest del;
  del.set_name("candidates/cand-1");
  v1::DeleteCandidateResponse deleted;
  ASSERT_TRUE(s_.candidates->DeleteCandidate(s_.As("agency:ag-co").get(), del, &deleted).ok());
  EXPECT_THAT(Names(Shortlist("employer:em-es", "vacancies/vac-1")), IsEmpty());
}

TEST_F(MatchServiceTest, RankingIsIdenticalAcrossRunsAndRestarts) {
  for (int i = 0; i < 6; ++i) {
    v1::Candidate c = ValidCandidate(i % 2 ? "ag-co" : "ag-co2");
    c.mutable_occupations(0)->set_experience_years(i);
    c.mutable_languages(0)->set_level(i % 3 ? v1::CEFR_LEVEL_B1 : v1::CEFR_LEVEL_C1);
    CreateCandidate("more-" + std::to_string(i), c);
  }
  std::string first = Shortlist("employer:em-es", "vacancies/vac-1").SerializeAsString();
  EXPECT_EQ(Shortlist("employer:em-es", "vacancies/vac-1").SerializeAsString(), first);
  s_.Restart();
  EXPECT_EQ(Shortlist("employer:em-es", "vacancies/vac-1").SerializeAsString(), first);
}

TEST_F(MatchServiceTest, RecommendsTheVacanciesACandidateIsEligibleFor) {
  v1::RecommendVacanciesRequest req;
  req.set_candidate("candidates/cand-1");
  v1::RecommendVacanciesResponse resp;
  ASSERT_TRUE(s_.match->RecommendVacancies(s_.As("agency:ag-co").get(), req, &resp).ok());
  std::vector<std::string> vacancies;
  for (const auto& m : resp.matches()) vacancies.push_back(m.vacancy());
  EXPECT_THAT(vacancies, Contains("vacancies/vac-1"));
  EXPECT_THAT(vacancies, Contains("vacancies/vac-2"));
}

TEST_F(MatchServiceTest, BadRequestsNameTheField) {
  v1::ShortlistCandidatesRequest req;
  req.set_vacancy("vacancies/vac-1");
  req.set_k(501);
  v1::ShortlistCandidatesResponse resp;
  grpc::Status st = s_.match->ShortlistCandidates(s_.As("employer:em-es").get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), ::testing::StartsWith("k:"));
  req.set_k(10);
  req.set_filter("colour = red");
  st = s_.match->ShortlistCandidates(s_.As("employer:em-es").get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), ::testing::StartsWith("filter:"));
}

}  // namespace
}  // namespace corridor::testing
