// The explainable score (DOMAIN.md section 6): one table per component.

#include <cmath>
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
using testing::R;
using testing::Scenario;
using testing::ScenarioRunner;

constexpr double kEps = 1e-9;

// The sibling pair the tests rely on, read from the built-in taxonomy.
TEST(ScoringTaxonomyTest, BuiltInHasTheSiblingSkills) {
  std::unique_ptr<Taxonomy> t = Taxonomy::BuiltIn();
  const Skill* a = t->FindSkill("S6.4.1");
  const Skill* b = t->FindSkill("S6.4.2");
  const Skill* c = t->FindSkill("S6.4.3");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(a->parent.empty());
  EXPECT_EQ(a->parent, b->parent);
  EXPECT_EQ(a->parent, c->parent);
}

struct ComponentRow {
  std::string name;
  Component component;
  std::function<void(Scenario&)> tweak;
  double expected_raw;
  std::string detail_contains;  // "" when not checked
};

class ComponentTest : public ::testing::TestWithParam<ComponentRow> {};

TEST_P(ComponentTest, RawValueAndSum) {
  const ComponentRow& row = GetParam();
  Scenario s = BaseScenario();
  row.tweak(s);
  ScenarioRunner runner;
  ScenarioRunner::Outcome out = runner.Run(s);
  const Explanation& e = out.explanation;
  ASSERT_EQ(e.components.size(), static_cast<size_t>(kComponentCount));
  const ComponentScore& c = e.components[static_cast<int>(row.component)];
  EXPECT_EQ(c.component, row.component);
  EXPECT_NEAR(c.raw, row.expected_raw, kEps);
  EXPECT_FALSE(c.detail.empty());
  if (!row.detail_contains.empty()) {
    EXPECT_NE(c.detail.find(row.detail_contains), std::string::npos) << c.detail;
  }
  double sum = 0;
  for (int i = 0; i < kComponentCount; ++i) {
    const ComponentScore& ci = e.components[i];
    EXPECT_EQ(ci.component, static_cast<Component>(i));
    EXPECT_GE(ci.raw, 0.0);
    EXPECT_LE(ci.raw, 1.0);
    EXPECT_NEAR(ci.contribution, ci.raw * ci.weight, kEps);
    sum += ci.contribution;
  }
  EXPECT_NEAR(sum, e.score, kEps);
  EXPECT_EQ(out.verdict.score_micros, std::llround(e.score * 1e6));
  EXPECT_EQ(out.verdict.failures, testing::MaskOf(e));
}

void SetSkills(Scenario& s, std::vector<std::pair<std::string, int>> skills) {
  s.candidate.clear_skills();
  for (const auto& [id, level] : skills) {
    v1::CandidateSkill* cs = s.candidate.add_skills();
    cs->set_skill_id(id);
    cs->set_level(level);
  }
}

void SetOccupations(Scenario& s, std::vector<std::pair<std::string, int>> occupations) {
  s.candidate.clear_occupations();
  for (const auto& [code, years] : occupations) {
    v1::CandidateOccupation* o = s.candidate.add_occupations();
    o->set_isco_code(code);
    o->set_experience_years(years);
  }
}

const auto kNoop = [](Scenario&) {};

INSTANTIATE_TEST_SUITE_P(
    SkillCoverage, ComponentTest,
    ::testing::ValuesIn(std::vector<ComponentRow>{
        {"AllHeld", Component::kSkillCoverage, kNoop, 1.0, "all held"},
        {"MustHaveBelowLevel", Component::kSkillCoverage,
         [](Scenario& s) { SetSkills(s, {{"S6.4.1", 1}, {"S6.4.3", 2}}); },
         (3 * 0.5 + 1 * 1.0) / 4, "S6.4.1 held at level 1 of 2"},
        {"SiblingCredit", Component::kSkillCoverage,
         [](Scenario& s) { SetSkills(s, {{"S6.4.1", 3}}); }, (3 * 1.0 + 1 * 0.5) / 4,
         "S6.4.3: partial credit: holds sibling skill S6.4.1"},
        {"SiblingBelowLevelHalvesItsCredit", Component::kSkillCoverage,
         [](Scenario& s) { SetSkills(s, {{"S6.4.2", 1}}); },
         (3 * 0.5 * 0.5 + 1 * 0.5 * 1.0) / 4, "partial credit: holds sibling skill S6.4.2"},
        {"BestSiblingChosen", Component::kSkillCoverage,
         [](Scenario& s) { SetSkills(s, {{"S6.4.2", 1}, {"S6.4.3", 2}}); },
         // S6.4.1: siblings S6.4.2 (0.5) and S6.4.3 (1.0) -> 0.5 * 1.0.
         (3 * 0.5 + 1 * 1.0) / 4, "S6.4.1: partial credit: holds sibling skill S6.4.3"},
        {"CousinGetsNothing", Component::kSkillCoverage,
         [](Scenario& s) { SetSkills(s, {{"S6.2.2", 4}}); }, 0.0, "not held"},
        {"NoSkills", Component::kSkillCoverage, [](Scenario& s) { SetSkills(s, {}); }, 0.0,
         ""},
        {"NoneRequired", Component::kSkillCoverage,
         [](Scenario& s) { s.vacancy.clear_required_skills(); }, 1.0, "no skills required"},
    }),
    [](const ::testing::TestParamInfo<ComponentRow>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    OccupationFit, ComponentTest,
    ::testing::ValuesIn(std::vector<ComponentRow>{
        {"SameUnitGroup", Component::kOccupationFit, kNoop, 1.0, "the vacancy's unit group"},
        {"SameMinorGroup", Component::kOccupationFit,
         [](Scenario& s) { SetOccupations(s, {{"6112", 5}}); }, 0.75, "minor group 611"},
        {"SameSubMajorGroup", Component::kOccupationFit,
         [](Scenario& s) { SetOccupations(s, {{"6121", 5}}); }, 0.5, "sub-major group 61"},
        {"SameMajorGroup", Component::kOccupationFit,
         [](Scenario& s) { SetOccupations(s, {{"6210", 5}}); }, 0.25, "major group 6"},
        {"OtherMajorGroup", Component::kOccupationFit,
         [](Scenario& s) { SetOccupations(s, {{"9211", 5}}); }, 0.0, ""},
        {"BestOfSeveral", Component::kOccupationFit,
         [](Scenario& s) { SetOccupations(s, {{"9211", 9}, {"6112", 1}}); }, 0.75, "6112"},
        {"NoOccupation", Component::kOccupationFit,
         [](Scenario& s) { SetOccupations(s, {}); }, 0.0, "no occupation"},
    }),
    [](const ::testing::TestParamInfo<ComponentRow>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Experience, ComponentTest,
    ::testing::ValuesIn(std::vector<ComponentRow>{
        // min 2 years: denominator max(4, 4) = 4.
        {"FiveYearsCapped", Component::kExperience, kNoop, 1.0, ""},
        {"TwoYears", Component::kExperience,
         [](Scenario& s) { SetOccupations(s, {{"6111", 2}}); }, 0.5, ""},
        {"BestFittingNotLongest", Component::kExperience,
         [](Scenario& s) { SetOccupations(s, {{"9211", 10}, {"6111", 3}}); }, 0.75, "6111"},
        {"TieOnFitTakesMostYears", Component::kExperience,
         [](Scenario& s) { SetOccupations(s, {{"6112", 1}, {"6113", 3}}); }, 0.75, "6113"},
        {"HigherMinimumRaisesDenominator", Component::kExperience,
         [](Scenario& s) { s.vacancy.set_min_experience_years(5); }, 0.5, ""},
        {"NoMinimum", Component::kExperience,
         [](Scenario& s) {
           s.vacancy.set_min_experience_years(0);
           SetOccupations(s, {{"6111", 1}});
         },
         0.25, ""},
        {"UnrelatedOccupationOnly", Component::kExperience,
         [](Scenario& s) { SetOccupations(s, {{"9211", 10}}); }, 0.0, "no experience"},
    }),
    [](const ::testing::TestParamInfo<ComponentRow>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    LanguageMargin, ComponentTest,
    ::testing::ValuesIn(std::vector<ComponentRow>{
        {"C1AgainstB1", Component::kLanguageMargin, kNoop, 2.0 / 3,
         "C1 es against B1 required: margin 0.67"},
        {"Exact", Component::kLanguageMargin,
         [](Scenario& s) { s.candidate.mutable_languages(0)->set_level(v1::CEFR_LEVEL_B1); },
         0.0, ""},
        {"C2", Component::kLanguageMargin,
         [](Scenario& s) { s.candidate.mutable_languages(0)->set_level(v1::CEFR_LEVEL_C2); },
         1.0, ""},
        {"BelowClipsToZero", Component::kLanguageMargin,
         [](Scenario& s) { s.candidate.mutable_languages(0)->set_level(v1::CEFR_LEVEL_A1); },
         0.0, ""},
        {"MinC2MetExactly", Component::kLanguageMargin,
         [](Scenario& s) {
           s.vacancy.mutable_required_languages(0)->set_min_level(v1::CEFR_LEVEL_C2);
           s.candidate.mutable_languages(0)->set_level(v1::CEFR_LEVEL_C2);
         },
         1.0, ""},
        {"MeanOfTwo", Component::kLanguageMargin,
         [](Scenario& s) {
           v1::RequiredLanguage* l = s.vacancy.add_required_languages();
           l->set_language_code("en");
           l->set_min_level(v1::CEFR_LEVEL_A2);
           v1::CandidateLanguage* c = s.candidate.add_languages();
           c->set_language_code("en");
           c->set_level(v1::CEFR_LEVEL_B1);
         },
         (2.0 / 3 + 1.0 / 4) / 2, ""},
        {"NoneRequired", Component::kLanguageMargin,
         [](Scenario& s) { s.vacancy.clear_required_languages(); }, 0.0,
         "no language required"},
    }),
    [](const ::testing::TestParamInfo<ComponentRow>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Education, ComponentTest,
    ::testing::ValuesIn(std::vector<ComponentRow>{
        {"AboveMinimum", Component::kEducation, kNoop, 1.0, ""},
        {"BelowMinimum", Component::kEducation,
         [](Scenario& s) { s.candidate.set_education(v1::ISCED_LEVEL_PRIMARY); },
         2.0 / 3, ""},
        {"NoMinimumLevelStated", Component::kEducation,
         [](Scenario& s) { s.vacancy.clear_min_education(); }, 1.0, ""},
        {"NoMinimumNoneStated", Component::kEducation,
         [](Scenario& s) {
           s.vacancy.clear_min_education();
           s.candidate.clear_education();
         },
         0.0, ""},
    }),
    [](const ::testing::TestParamInfo<ComponentRow>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    VerifiedCredentials, ComponentTest,
    ::testing::ValuesIn(std::vector<ComponentRow>{
        {"AllRecognised", Component::kVerifiedCredentials, kNoop, 1.0, "1 of 1"},
        {"HalfRecognised", Component::kVerifiedCredentials,
         [](Scenario& s) {
           v1::Credential* c = s.candidate.add_credentials();
           c->set_kind("first_aid");
           c->set_verified(false);
           c->add_recognised_in("ES");
         },
         0.5, "1 of 2"},
        {"RecognisedElsewhere", Component::kVerifiedCredentials,
         [](Scenario& s) { s.candidate.mutable_credentials(0)->set_recognised_in(0, "FR"); },
         0.0, ""},
        {"None", Component::kVerifiedCredentials,
         [](Scenario& s) { s.candidate.clear_credentials(); }, 0.0, "no credentials"},
    }),
    [](const ::testing::TestParamInfo<ComponentRow>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    ReentryCredit, ComponentTest,
    ::testing::ValuesIn(std::vector<ComponentRow>{
        {"OnTime", Component::kReentryCredit, kNoop, 1.0, "on time"},
        {"Late", Component::kReentryCredit,
         [](Scenario& s) {
           s.candidate.mutable_history(0)->set_return_outcome(v1::RETURN_OUTCOME_LATE);
         },
         0.5, "late"},
        {"BestEntry", Component::kReentryCredit,
         [](Scenario& s) {
           v1::PastPlacement late = s.candidate.history(0);
           late.set_return_outcome(v1::RETURN_OUTCOME_LATE);
           s.candidate.mutable_history()->Add()->CopyFrom(late);
           s.candidate.mutable_history()->SwapElements(0, 1);
         },
         1.0, ""},
        {"OtherAgreement", Component::kReentryCredit,
         [](Scenario& s) { s.candidate.mutable_history(0)->set_agreement("agreements/other"); },
         0.0, "no earlier stay"},
        {"PolicyNone", Component::kReentryCredit,
         [](Scenario& s) { s.agreement.set_reentry_policy(v1::REENTRY_POLICY_NONE); }, 0.0,
         "no re-entry bonus"},
        {"PolicyReservedShare", Component::kReentryCredit,
         [](Scenario& s) { s.agreement.set_reentry_policy(v1::REENTRY_POLICY_RESERVED_SHARE); },
         0.0, ""},
    }),
    [](const ::testing::TestParamInfo<ComponentRow>& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    PreferenceFit, ComponentTest,
    ::testing::ValuesIn(std::vector<ComponentRow>{
        {"NoPreferences", Component::kPreferenceFit, kNoop, 0.0, "no preferences"},
        {"DestinationMatches", Component::kPreferenceFit,
         [](Scenario& s) { s.candidate.mutable_preferences()->add_destinations("ES"); }, 1.0,
         "1 of 1"},
        {"OneOfTwoLists", Component::kPreferenceFit,
         [](Scenario& s) {
           s.candidate.mutable_preferences()->add_destinations("ES");
           s.candidate.mutable_preferences()->add_schemes(v1::SCHEME_PERMANENT);
         },
         0.5, "1 of 2"},
        {"OccupationPrefixCovers", Component::kPreferenceFit,
         [](Scenario& s) { s.candidate.mutable_preferences()->add_isco_codes("61"); }, 1.0, ""},
        {"ThreeListsNoneMatch", Component::kPreferenceFit,
         [](Scenario& s) {
           v1::CandidatePreferences* p = s.candidate.mutable_preferences();
           p->add_destinations("FR");
           p->add_schemes(v1::SCHEME_PERMANENT);
           p->add_isco_codes("92");
         },
         0.0, "0 of 3"},
        {"AllThreeMatch", Component::kPreferenceFit,
         [](Scenario& s) {
           v1::CandidatePreferences* p = s.candidate.mutable_preferences();
           p->add_destinations("FR");
           p->add_destinations("ES");
           p->add_schemes(v1::SCHEME_SEASONAL);
           p->add_isco_codes("6111");
         },
         1.0, "3 of 3"},
    }),
    [](const ::testing::TestParamInfo<ComponentRow>& info) { return info.param.name; });

// ---- the total and the weights

TEST(ScoringTest, BaseScoreWithDefaultWeights) {
  ScenarioRunner runner;
  ScenarioRunner::Outcome out = runner.Run(BaseScenario());
  // 35*1 + 20*1 + 15*1 + 10*(2/3) + 5*1 + 5*1 + 5*1 + 5*0.
  EXPECT_NEAR(out.explanation.score, 85.0 + 20.0 / 3, kEps);
  EXPECT_EQ(out.verdict.score_micros, 91'666'667);
  const Weights defaults = DefaultWeights();
  for (int i = 0; i < kComponentCount; ++i) {
    EXPECT_EQ(out.explanation.components[i].weight, defaults[i]);
  }
}

TEST(ScoringTest, DefaultWeightsAreDocumented) {
  EXPECT_EQ(DefaultWeights(), (Weights{35, 20, 15, 10, 5, 5, 5, 5}));
}

TEST(ScoringTest, VacancyWeightsOverrideDefaults) {
  Scenario s = BaseScenario();
  s.vacancy.mutable_score_weights()->set_language_margin(60);
  s.vacancy.mutable_score_weights()->set_preference_fit(40);
  ScenarioRunner runner;
  ScenarioRunner::Outcome out = runner.Run(s);
  EXPECT_EQ(out.explanation.components[0].weight, 0);
  EXPECT_EQ(out.explanation.components[3].weight, 60);
  EXPECT_NEAR(out.explanation.score, 60 * 2.0 / 3, kEps);
  EXPECT_EQ(out.verdict.score_micros, 40'000'000);
}

TEST(ScoringTest, AgreementWeightsApplyWhenVacancyHasNone) {
  Scenario s = BaseScenario();
  s.agreement.mutable_score_weights()->set_skill_coverage(10);
  s.agreement.mutable_score_weights()->set_reentry_credit(90);
  ScenarioRunner runner;
  ScenarioRunner::Outcome out = runner.Run(s);
  EXPECT_EQ(out.explanation.components[6].weight, 90);
  EXPECT_NEAR(out.explanation.score, 100.0, kEps);
}

TEST(ScoringTest, VacancyWeightsBeatAgreementWeights) {
  Scenario s = BaseScenario();
  s.agreement.mutable_score_weights()->set_reentry_credit(90);
  s.vacancy.mutable_score_weights()->set_experience(50);
  ScenarioRunner runner;
  ScenarioRunner::Outcome out = runner.Run(s);
  EXPECT_EQ(out.explanation.components[6].weight, 0);
  EXPECT_EQ(out.explanation.components[2].weight, 50);
  EXPECT_NEAR(out.explanation.score, 50.0, kEps);
}

TEST(ScoringTest, AgreementWeightsIgnoredWithoutAgreementInForce) {
  Scenario s = BaseScenario();
  s.agreement.mutable_score_weights()->set_reentry_credit(90);
  *s.agreement.mutable_in_force_from() = D(2026, 6, 1);
  ScenarioRunner runner;
  ScenarioRunner::Outcome out = runner.Run(s);
  EXPECT_EQ(out.explanation.components[6].weight, DefaultWeights()[6]);
}

TEST(ScoringTest, ComponentsAreComputedForIneligibleCandidates) {
  Scenario s = BaseScenario();
  s.candidate.clear_consent();
  s.vacancy.set_scheme(v1::SCHEME_PERMANENT);
  ScenarioRunner runner;
  ScenarioRunner::Outcome out = runner.Run(s);
  EXPECT_FALSE(out.explanation.eligible);
  EXPECT_NEAR(out.explanation.components[0].raw, 1.0, kEps);
  EXPECT_GT(out.verdict.score_micros, 0);
  EXPECT_EQ(out.verdict.score_micros, std::llround(out.explanation.score * 1e6));
}

// ---- determinism

bool SameExplanation(const Explanation& a, const Explanation& b) {
  if (a.eligible != b.eligible || a.score != b.score || a.quota_cell != b.quota_cell) {
    return false;
  }
  if (a.failures.size() != b.failures.size() || a.components.size() != b.components.size()) {
    return false;
  }
  for (size_t i = 0; i < a.failures.size(); ++i) {
    if (a.failures[i].reason != b.failures[i].reason ||
        a.failures[i].message != b.failures[i].message) {
      return false;
    }
  }
  for (size_t i = 0; i < a.components.size(); ++i) {
    const ComponentScore& x = a.components[i];
    const ComponentScore& y = b.components[i];
    if (x.component != y.component || x.raw != y.raw || x.weight != y.weight ||
        x.contribution != y.contribution || x.detail != y.detail) {
      return false;
    }
  }
  return true;
}

TEST(ScoringDeterminismTest, SameInputsGiveIdenticalResults) {
  Scenario s = BaseScenario();
  SetSkills(s, {{"S6.4.2", 1}, {"S6.4.1", 2}});  // exercise sibling credit
  s.candidate.mutable_preferences()->add_destinations("ES");
  ScenarioRunner runner;
  MatchWorld world = BuildMatchWorld({s.agreement}, s.cells, {s.agency}, {}, runner.interner(),
                                     s.today);
  CompiledVacancy v = runner.evaluator().Compile(s.vacancy, &s.employer, world);
  OwnedCandidate first(s.candidate, runner.interner());
  OwnedCandidate second(s.candidate, runner.interner());
  const Verdict a = runner.evaluator().Evaluate(first.view(), v, world);
  const Verdict b = runner.evaluator().Evaluate(first.view(), v, world);
  const Verdict c = runner.evaluator().Evaluate(second.view(), v, world);
  EXPECT_EQ(a.failures, b.failures);
  EXPECT_EQ(a.score_micros, b.score_micros);
  EXPECT_EQ(a.failures, c.failures);
  EXPECT_EQ(a.score_micros, c.score_micros);
  const Explanation x = runner.evaluator().Explain(first.view(), v, world);
  const Explanation y = runner.evaluator().Explain(second.view(), v, world);
  EXPECT_TRUE(SameExplanation(x, y));
  EXPECT_EQ(a.score_micros, std::llround(x.score * 1e6));
}

TEST(ScoringDeterminismTest, InternOrderDoesNotChangeTheSiblingNamed) {
  // Two runners intern the sibling skills in opposite orders.
  Scenario s = BaseScenario();
  s.vacancy.clear_required_skills();
  v1::RequiredSkill* rs = s.vacancy.add_required_skills();
  rs->set_skill_id("S6.4.1");
  rs->set_min_level(1);
  rs->set_weight(1);
  SetSkills(s, {{"S6.4.3", 1}, {"S6.4.2", 1}});
  ScenarioRunner forward, backward;
  forward.interner().Intern("S6.4.2");
  forward.interner().Intern("S6.4.3");
  backward.interner().Intern("S6.4.3");
  backward.interner().Intern("S6.4.2");
  const Explanation a = forward.Run(s).explanation;
  const Explanation b = backward.Run(s).explanation;
  EXPECT_EQ(a.components[0].detail, b.components[0].detail);
  EXPECT_NE(a.components[0].detail.find("sibling skill S6.4.2"), std::string::npos)
      << a.components[0].detail;
}

}  // namespace
}  // namespace corridor::matcher
