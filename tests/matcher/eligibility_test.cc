// Eligibility rules (DOMAIN.md section 5): one table row per rule.

#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "matcher/evaluator.h"
#include "tests/matcher/match_scenario.h"

namespace corridor::matcher {
namespace {

using testing::BaseScenario;
using testing::D;
using testing::MaskOf;
using testing::R;
using testing::Scenario;
using testing::ScenarioRunner;

uint32_t MaskFor(const std::vector<Reason>& reasons) {
  uint32_t mask = 0;
  for (Reason r : reasons) mask |= 1u << static_cast<int>(r);
  return mask;
}

TEST(EligibilityTest, BaseScenarioIsEligible) {
  ScenarioRunner runner;
  ScenarioRunner::Outcome out = runner.Run(BaseScenario());
  EXPECT_EQ(out.verdict.failures, 0u);
  EXPECT_TRUE(out.explanation.eligible);
  EXPECT_TRUE(out.explanation.failures.empty());
  EXPECT_EQ(out.explanation.quota_cell, "co-share");
}

struct RuleRow {
  std::string name;
  std::function<void(Scenario&)> mutate;
  std::vector<Reason> expected;  // in Reason order; empty: still eligible
};

class EligibilityRuleTest : public ::testing::TestWithParam<RuleRow> {};

TEST_P(EligibilityRuleTest, FailsExactlyTheExpectedRules) {
  const RuleRow& row = GetParam();
  Scenario s = BaseScenario();
  row.mutate(s);
  ScenarioRunner runner;
  ScenarioRunner::Outcome out = runner.Run(s);

  const uint32_t expected = MaskFor(row.expected);
  EXPECT_EQ(out.verdict.failures, expected);
  EXPECT_EQ(MaskOf(out.explanation), out.verdict.failures);
  EXPECT_EQ(out.explanation.eligible, expected == 0);
  ASSERT_EQ(out.explanation.failures.size(), row.expected.size());
  for (size_t i = 0; i < row.expected.size(); ++i) {
    EXPECT_EQ(out.explanation.failures[i].reason, row.expected[i]) << i;
    EXPECT_FALSE(out.explanation.failures[i].message.empty()) << i;
    EXPECT_NE(out.explanation.failures[i].message.rfind("Rule ", 0), 0u)
        << "generic sentence: " << out.explanation.failures[i].message;
  }
  EXPECT_EQ(out.verdict.score_micros, std::llround(out.explanation.score * 1e6));
}

INSTANTIATE_TEST_SUITE_P(
    Rules, EligibilityRuleTest,
    ::testing::ValuesIn(std::vector<RuleRow>{
        {"NoAgreementForScheme",
         [](Scenario& s) { s.vacancy.set_scheme(v1::SCHEME_PERMANENT); },
         {Reason::kNoAgreement}},
        {"NoAgreementForOccupationScope",
         [](Scenario& s) {
           s.agreement.clear_occupation_scope();
           s.agreement.add_occupation_scope("92");
         },
         {Reason::kNoAgreement}},
        {"NoAgreementForNationality",
         [](Scenario& s) {
           s.candidate.set_nationality("SN");
           s.vacancy.clear_eligible_origins();
         },
         {Reason::kNoAgreement}},
        {"AgreementNotYetInForce",
         [](Scenario& s) { *s.agreement.mutable_in_force_from() = D(2026, 6, 1); },
         {Reason::kAgreementNotInForce}},
        {"AgreementExpired",
         [](Scenario& s) { *s.agreement.mutable_expiry_date() = D(2026, 2, 28); },
         {Reason::kAgreementNotInForce}},
        {"OriginNotEligible",
         [](Scenario& s) {
           s.vacancy.clear_eligible_origins();
           s.vacancy.add_eligible_origins("MA");
         },
         {Reason::kOriginNotEligible}},
        {"LanguageBelowMinimum",
         [](Scenario& s) { s.candidate.mutable_languages(0)->set_level(v1::CEFR_LEVEL_A2); },
         {Reason::kLanguageBelowMinimum}},
        {"LanguageNotHeld", [](Scenario& s) { s.candidate.clear_languages(); },
         {Reason::kLanguageBelowMinimum}},
        {"MustHaveSkillBelowLevel",
         [](Scenario& s) { s.candidate.mutable_skills(0)->set_level(1); },
         {Reason::kMissingRequiredSkill}},
        {"MustHaveSkillOnlySibling",
         [](Scenario& s) { s.candidate.mutable_skills(0)->set_skill_id("S6.4.2"); },
         {Reason::kMissingRequiredSkill}},
        {"NiceToHaveSkillMissingStillEligible",
         [](Scenario& s) { s.candidate.mutable_skills()->RemoveLast(); },
         {}},
        {"CredentialUnverified",
         [](Scenario& s) { s.candidate.mutable_credentials(0)->set_verified(false); },
         {Reason::kCredentialNotRecognised}},
        {"CredentialRecognisedElsewhere",
         [](Scenario& s) { s.candidate.mutable_credentials(0)->set_recognised_in(0, "FR"); },
         {Reason::kCredentialNotRecognised}},
        {"LicenceExpiredBeforeStart",
         [](Scenario& s) { *s.candidate.mutable_licences(0)->mutable_valid_until() = D(2026, 2, 28); },
         {Reason::kLicenceRequired}},
        {"LicenceFromOrigin",
         [](Scenario& s) { s.candidate.mutable_licences(0)->set_issuing_country("CO"); },
         {Reason::kLicenceRequired}},
        {"LicenceWithoutExpiryIsValid",
         [](Scenario& s) { s.candidate.mutable_licences(0)->clear_valid_until(); },
         {}},
        {"AvailableAfterStart",
         [](Scenario& s) { *s.candidate.mutable_availability() = R(D(2026, 3, 2), D(2026, 12, 31)); },
         {Reason::kNotAvailableInWindow}},
        {"AvailableUntilBeforeStart",
         [](Scenario& s) { *s.candidate.mutable_availability() = R(D(2025, 1, 1), D(2026, 2, 28)); },
         {Reason::kNotAvailableInWindow}},
        {"ProtectedOccupationBlocked",
         [](Scenario& s) { s.agreement.mutable_protected_occupations(0)->set_isco_prefix("61"); },
         {Reason::kProtectedOccupation}},
        {"ProtectedOccupationSeparateCapFull",
         [](Scenario& s) {
           v1::ProtectedOccupation* p = s.agreement.mutable_protected_occupations(0);
           p->set_isco_prefix("611");
           p->set_mode(v1::PROTECTION_MODE_SEPARATE_CAP);
           p->set_separate_cap_cell("pool");
           s.cell("pool").set_reserved(50);
         },
         {Reason::kProtectedOccupation}},
        {"ProtectedOccupationSeparateCapWithRoom",
         [](Scenario& s) {
           v1::ProtectedOccupation* p = s.agreement.mutable_protected_occupations(0);
           p->set_isco_prefix("611");
           p->set_mode(v1::PROTECTION_MODE_SEPARATE_CAP);
           p->set_separate_cap_cell("pool");
         },
         {}},
        {"ProtectedOccupationOriginConsentDoesNotFail",
         [](Scenario& s) {
           v1::ProtectedOccupation* p = s.agreement.mutable_protected_occupations(0);
           p->set_isco_prefix("61");
           p->set_mode(v1::PROTECTION_MODE_ORIGIN_CONSENT);
         },
         {}},
        {"ProtectionOfAnotherOriginDoesNotApply",
         [](Scenario& s) {
           v1::ProtectedOccupation* p = s.agreement.mutable_protected_occupations(0);
           p->set_origin("MA");
           p->set_isco_prefix("61");
         },
         {}},
        {"ConsentNeverGiven", [](Scenario& s) { s.candidate.clear_consent(); },
         {Reason::kConsentMissing}},
        {"ConsentWithdrawn",
         [](Scenario& s) {
           s.candidate.mutable_consent()->mutable_withdrawn_time()->set_seconds(1'700'000'200);
         },
         {Reason::kConsentMissing}},
        {"AgencyLicenceSuspended",
         [](Scenario& s) { s.agency.set_licence_status(v1::LICENCE_STATUS_SUSPENDED); },
         {Reason::kAgencyLicenceInvalid}},
        {"AgencyLicenceExpired",
         [](Scenario& s) { *s.agency.mutable_licence_expiry() = D(2026, 1, 14); },
         {Reason::kAgencyLicenceInvalid}},
        {"AgencyUnknown", [](Scenario& s) { s.candidate.set_agency("agencies/other"); },
         {Reason::kAgencyLicenceInvalid}},
        {"EmployerSuspended",
         [](Scenario& s) { s.employer.set_standing(v1::EMPLOYER_STANDING_SUSPENDED); },
         {Reason::kEmployerSuspended}},
        {"LabourMarketTestPending",
         [](Scenario& s) { s.vacancy.set_labour_market_test(v1::LABOUR_MARKET_TEST_PENDING); },
         {Reason::kLabourMarketTestPending}},
        {"LabourMarketTestUnspecified",
         [](Scenario& s) { s.vacancy.clear_labour_market_test(); },
         {Reason::kLabourMarketTestPending}},
        {"LabourMarketTestNotRequired",
         [](Scenario& s) {
           s.agreement.set_labour_market_test_required(false);
           s.vacancy.set_labour_market_test(v1::LABOUR_MARKET_TEST_PENDING);
         },
         {}},
        {"QuotaRootFull", [](Scenario& s) { s.cell("es-2026").set_committed(80); },
         {Reason::kQuotaExhausted}},
        {"NotReturnedFromPreviousStay",
         [](Scenario& s) {
           s.candidate.mutable_history(0)->set_return_outcome(v1::RETURN_OUTCOME_NOT_RETURNED);
         },
         {Reason::kNotReturnedFromPreviousStay}},
        {"NotReturnedAllowedByAgreement",
         [](Scenario& s) {
           s.agreement.set_not_returned_ineligible(false);
           s.candidate.mutable_history(0)->set_return_outcome(v1::RETURN_OUTCOME_NOT_RETURNED);
         },
         {}},
        {"AlreadyPlaced",
         [](Scenario& s) {
           v1::Application app;
           app.set_name("applications/a-1");
           app.set_candidate("candidates/c-1");
           app.set_vacancy("vacancies/other");
           app.set_state(v1::APPLICATION_STATE_VISA_ISSUED);
           s.applications.push_back(app);
         },
         {Reason::kAlreadyPlaced}},
        {"CompletedPlacementDoesNotCount",
         [](Scenario& s) {
           v1::Application app;
           app.set_name("applications/a-1");
           app.set_candidate("candidates/c-1");
           app.set_state(v1::APPLICATION_STATE_COMPLETED);
           s.applications.push_back(app);
         },
         {}},
        {"ThreeRulesAtOnce",
         [](Scenario& s) {
           s.candidate.mutable_languages(0)->set_level(v1::CEFR_LEVEL_A1);
           s.candidate.clear_consent();
           s.employer.set_standing(v1::EMPLOYER_STANDING_SUSPENDED);
         },
         {Reason::kLanguageBelowMinimum, Reason::kConsentMissing, Reason::kEmployerSuspended}},
        {"NoAgreementWithCandidateRules",
         [](Scenario& s) {
           s.vacancy.set_scheme(v1::SCHEME_PERMANENT);
           s.candidate.mutable_skills(0)->set_level(1);
           s.candidate.clear_licences();
         },
         {Reason::kNoAgreement, Reason::kMissingRequiredSkill, Reason::kLicenceRequired}},
    }),
    [](const ::testing::TestParamInfo<RuleRow>& info) { return info.param.name; });

// ---- quota cells

TEST(EligibilityQuotaTest, LeafFullUsesOverflow) {
  Scenario s = BaseScenario();
  s.cell("co-share").set_committed(7);  // 3 + 7 = cap 10
  ScenarioRunner runner;
  ScenarioRunner::Outcome out = runner.Run(s);
  EXPECT_EQ(out.verdict.failures, 0u);
  EXPECT_EQ(out.explanation.quota_cell, "pool");
}

TEST(EligibilityQuotaTest, LeafAndOverflowFullIsExhausted) {
  Scenario s = BaseScenario();
  s.cell("co-share").set_committed(7);
  s.cell("pool").set_committed(45);
  ScenarioRunner runner;
  ScenarioRunner::Outcome out = runner.Run(s);
  EXPECT_EQ(out.verdict.failures, 1u << static_cast<int>(Reason::kQuotaExhausted));
  ASSERT_EQ(out.explanation.failures.size(), 1u);
  EXPECT_NE(out.explanation.failures[0].message.find("pool"), std::string::npos);
}

TEST(EligibilityQuotaTest, ParentFullBlocksLeafAndOverflow) {
  Scenario s = BaseScenario();
  s.cell("es-2026").set_reserved(100);
  ScenarioRunner runner;
  ScenarioRunner::Outcome out = runner.Run(s);
  EXPECT_EQ(out.verdict.failures, 1u << static_cast<int>(Reason::kQuotaExhausted));
  EXPECT_EQ(out.explanation.quota_cell, "co-share");
  ASSERT_EQ(out.explanation.failures.size(), 1u);
  EXPECT_NE(out.explanation.failures[0].message.find("es-2026"), std::string::npos);
}

TEST(EligibilityQuotaTest, CapLoweredBelowUseIsExhausted) {
  Scenario s = BaseScenario();
  s.cell("co-share").set_cap(2);  // used 3
  s.cell("co-share").clear_overflow_cell();
  ScenarioRunner runner;
  ScenarioRunner::Outcome out = runner.Run(s);
  EXPECT_EQ(out.verdict.failures, 1u << static_cast<int>(Reason::kQuotaExhausted));
}

TEST(EligibilityQuotaTest, DeepestCellWinsOverShallower) {
  Scenario s = BaseScenario();
  // A grandchild of the root for 6111 under co-share is deeper still.
  v1::QuotaCell deep = testing::Cell("co-6111", "co-share", 4, 0);
  deep.set_origin("CO");
  deep.set_isco_prefix("6111");
  s.cells.push_back(deep);
  ScenarioRunner runner;
  EXPECT_EQ(runner.Run(s).explanation.quota_cell, "co-6111");
}

TEST(EligibilityQuotaTest, EqualDepthTiesGoToLowestCellId) {
  Scenario s = BaseScenario();
  v1::QuotaCell twin = testing::Cell("aa-share", "es-2026", 10, 0);
  twin.set_isco_prefix("6");
  s.cells.push_back(twin);
  ScenarioRunner runner;
  EXPECT_EQ(runner.Run(s).explanation.quota_cell, "aa-share");
}

TEST(EligibilityQuotaTest, NoMatchingCellIsNotExhausted) {
  Scenario s = BaseScenario();
  for (v1::QuotaCell& c : s.cells) *c.mutable_period() = R(D(2027, 1, 1), D(2027, 12, 31));
  ScenarioRunner runner;
  ScenarioRunner::Outcome out = runner.Run(s);
  EXPECT_EQ(out.verdict.failures, 0u);
  EXPECT_EQ(out.explanation.quota_cell, "");
}

TEST(EligibilityQuotaTest, CellOfAnotherOriginDoesNotMatch) {
  Scenario s = BaseScenario();
  s.candidate.set_nationality("MA");
  ScenarioRunner runner;
  ScenarioRunner::Outcome out = runner.Run(s);
  // co-share is for CO: a Moroccan draws from the root.
  EXPECT_EQ(out.verdict.failures, 0u);
  EXPECT_EQ(out.explanation.quota_cell, "es-2026");
}

// ---- agreement choice

TEST(EligibilityAgreementTest, LowestInForceAgreementIdApplies) {
  Scenario s = BaseScenario();
  ScenarioRunner runner;
  v1::Agreement other = s.agreement;
  other.set_name("agreements/aa-co");
  other.set_reentry_policy(v1::REENTRY_POLICY_NONE);
  MatchWorld world = BuildMatchWorld({s.agreement, other}, s.cells, {s.agency}, {},
                                     runner.interner(), s.today);
  CompiledVacancy v = runner.evaluator().Compile(s.vacancy, &s.employer, world);
  const CompiledVacancy::OriginTerms* terms = v.FindOrigin(PackCountry("CO"));
  ASSERT_NE(terms, nullptr);
  ASSERT_GE(terms->agreement, 0);
  EXPECT_EQ(world.agreements[terms->agreement].id, "aa-co");
  EXPECT_FALSE(terms->reentry_bonus);
  EXPECT_EQ(terms->quota_cell, "");  // aa-co has no cells
}

TEST(EligibilityAgreementTest, InForceAgreementBeatsLowerIdNotInForce) {
  Scenario s = BaseScenario();
  ScenarioRunner runner;
  v1::Agreement other = s.agreement;
  other.set_name("agreements/aa-co");
  *other.mutable_in_force_from() = D(2027, 1, 1);
  MatchWorld world = BuildMatchWorld({s.agreement, other}, s.cells, {s.agency}, {},
                                     runner.interner(), s.today);
  CompiledVacancy v = runner.evaluator().Compile(s.vacancy, &s.employer, world);
  const CompiledVacancy::OriginTerms* terms = v.FindOrigin(PackCountry("CO"));
  ASSERT_NE(terms, nullptr);
  EXPECT_EQ(terms->failures, 0u);
  EXPECT_EQ(world.agreements[terms->agreement].id, "es-co");
}

}  // namespace
}  // namespace corridor::matcher
