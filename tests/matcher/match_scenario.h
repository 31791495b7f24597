#ifndef CORRIDOR_TESTS_MATCHER_MATCH_SCENARIO_H_
#define CORRIDOR_TESTS_MATCHER_MATCH_SCENARIO_H_

// One eligible (candidate, vacancy, world) for eligibility and scoring tests
// to mutate: a Colombian farm worker for a seasonal Spanish field-crop
// vacancy under agreement es-co (synthetic caps).

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/dates.h"
#include "matcher/evaluator.h"
#include "matcher/match_model.h"
#include "matcher/match_world.h"
#include "matcher/taxonomy.h"

namespace corridor::matcher::testing {

inline v1::Date D(int y, int m, int d) { return MakeDate(y, m, d); }

inline v1::DateRange R(v1::Date a, v1::Date b) {
  v1::DateRange out;
  *out.mutable_start() = a;
  *out.mutable_end() = b;
  return out;
}

inline v1::QuotaCell Cell(absl::string_view id, absl::string_view parent, int64_t cap,
                          int64_t used) {
  v1::QuotaCell c;
  c.set_name(absl::StrCat("agreements/es-co/quotaCells/", id));
  c.set_parent(std::string(parent));
  *c.mutable_period() = R(D(2026, 1, 1), D(2026, 12, 31));
  c.set_destination("ES");
  c.set_cap(cap);
  c.set_reserved(used);
  c.set_synthetic(true);
  return c;
}

struct Scenario {
  v1::Candidate candidate;
  v1::Vacancy vacancy;
  v1::Agreement agreement;
  std::vector<v1::QuotaCell> cells;
  v1::Agency agency;
  v1::Employer employer;
  std::vector<v1::Application> applications;
  Day today = ToDay(2026, 1, 15);

  // The cell named `id` (must exist).
  v1::QuotaCell& cell(absl::string_view id) {
    for (v1::QuotaCell& c : cells) {
      if (absl::EndsWith(c.name(), absl::StrCat("/", id))) return c;
    }
    std::abort();
  }
};

// Every rule passes; every component has a known raw value (see scoring_test).
inline Scenario BaseScenario() {
  Scenario s;
  v1::Agreement& a = s.agreement;
  a.set_name("agreements/es-co");
  a.add_destinations("ES");
  a.add_origins("CO");
  a.add_origins("MA");
  a.add_schemes(v1::SCHEME_SEASONAL);
  a.add_schemes(v1::SCHEME_CIRCULAR);
  a.add_occupation_scope("61");
  a.add_occupation_scope("92");
  *a.mutable_signed_date() = D(2024, 6, 1);
  *a.mutable_in_force_from() = D(2025, 1, 1);
  *a.mutable_expiry_date() = D(2030, 12, 31);
  v1::ProtectedOccupation* p = a.add_protected_occupations();
  p->set_origin("CO");
  p->set_isco_prefix("22");
  p->set_mode(v1::PROTECTION_MODE_BLOCK);
  a.set_reentry_policy(v1::REENTRY_POLICY_SCORE_BONUS);
  a.set_not_returned_ineligible(true);
  a.set_labour_market_test_required(true);

  // es-2026 (100) -> co-share (CO, 61, 10, overflow pool); es-2026 -> pool (92, 50).
  s.cells.push_back(Cell("es-2026", "", 100, 20));
  v1::QuotaCell share = Cell("co-share", "es-2026", 10, 3);
  share.set_origin("CO");
  share.set_isco_prefix("61");
  share.set_overflow_cell("pool");
  s.cells.push_back(share);
  v1::QuotaCell pool = Cell("pool", "es-2026", 50, 5);
  pool.set_isco_prefix("92");
  s.cells.push_back(pool);

  s.agency.set_name("agencies/ag-co");
  s.agency.set_country("CO");
  s.agency.set_licence_status(v1::LICENCE_STATUS_VALID);
  *s.agency.mutable_licence_expiry() = D(2027, 12, 31);

  s.employer.set_name("employers/finca");
  s.employer.set_country("ES");
  s.employer.set_standing(v1::EMPLOYER_STANDING_GOOD);

  v1::Vacancy& v = s.vacancy;
  v.set_name("vacancies/strawberries");
  v.set_employer("employers/finca");
  v.set_destination("ES");
  v.set_isco_code("6111");
  v.set_scheme(v1::SCHEME_SEASONAL);
  v.set_positions(20);
  *v.mutable_window() = R(D(2026, 3, 1), D(2026, 9, 30));
  v1::RequiredSkill* rs = v.add_required_skills();
  rs->set_skill_id("S6.4.1");
  rs->set_min_level(2);
  rs->set_weight(3);
  rs->set_must_have(true);
  rs = v.add_required_skills();
  rs->set_skill_id("S6.4.3");
  rs->set_min_level(1);
  rs->set_weight(1);
  v1::RequiredLanguage* rl = v.add_required_languages();
  rl->set_language_code("es");
  rl->set_min_level(v1::CEFR_LEVEL_B1);
  v.set_min_experience_years(2);
  v.set_min_education(v1::ISCED_LEVEL_LOWER_SECONDARY);
  v.add_required_credentials("phytosanitary_handling");
  v.set_required_licence("tractor_operator");
  v.add_eligible_origins("CO");
  v.add_eligible_origins("MA");
  v.set_labour_market_test(v1::LABOUR_MARKET_TEST_DONE);

  v1::Candidate& c = s.candidate;
  c.set_name("candidates/c-1");
  c.set_agency("agencies/ag-co");
  c.set_nationality("CO");
  c.set_residence_country("CO");
  c.mutable_create_time()->set_seconds(1'700'000'000);
  v1::CandidateOccupation* o = c.add_occupations();
  o->set_isco_code("6111");
  o->set_experience_years(5);
  v1::CandidateSkill* cs = c.add_skills();
  cs->set_skill_id("S6.4.1");
  cs->set_level(3);
  cs = c.add_skills();
  cs->set_skill_id("S6.4.3");
  cs->set_level(2);
  v1::CandidateLanguage* cl = c.add_languages();
  cl->set_language_code("es");
  cl->set_level(v1::CEFR_LEVEL_C1);
  c.set_education(v1::ISCED_LEVEL_UPPER_SECONDARY);
  v1::Credential* cr = c.add_credentials();
  cr->set_kind("phytosanitary_handling");
  cr->set_issuing_country("CO");
  cr->set_verified(true);
  cr->add_recognised_in("ES");
  v1::ProfessionalLicence* l = c.add_licences();
  l->set_profession("tractor_operator");
  l->set_issuing_country("ES");
  *l->mutable_valid_until() = D(2027, 1, 1);
  *c.mutable_availability() = R(D(2026, 2, 1), D(2026, 12, 31));
  c.mutable_consent()->mutable_given_time()->set_seconds(1'700'000'100);
  v1::PastPlacement* h = c.add_history();
  h->set_agreement("agreements/es-co");
  h->set_scheme(v1::SCHEME_SEASONAL);
  h->set_destination("ES");
  *h->mutable_stay() = R(D(2025, 3, 1), D(2025, 9, 30));
  h->set_return_outcome(v1::RETURN_OUTCOME_ON_TIME);
  return s;
}

// Runs a scenario through both paths.
class ScenarioRunner {
 public:
  ScenarioRunner() : taxonomy_(Taxonomy::BuiltIn()), evaluator_(*taxonomy_, interner_) {}

  struct Outcome {
    Verdict verdict;
    Explanation explanation;
  };

  Outcome Run(const Scenario& s) {
    MatchWorld world = BuildMatchWorld({s.agreement}, s.cells, {s.agency}, s.applications,
                                       interner_, s.today);
    CompiledVacancy vacancy = evaluator_.Compile(s.vacancy, &s.employer, world);
    OwnedCandidate candidate(s.candidate, interner_);
    Outcome out;
    out.verdict = evaluator_.Evaluate(candidate.view(), vacancy, world);
    out.explanation = evaluator_.Explain(candidate.view(), vacancy, world);
    return out;
  }

  const Taxonomy& taxonomy() const { return *taxonomy_; }
  Interner& interner() { return interner_; }
  const Evaluator& evaluator() const { return evaluator_; }

 private:
  std::unique_ptr<Taxonomy> taxonomy_;
  Interner interner_;
  Evaluator evaluator_;
};

// The failure mask an explanation lists.
inline uint32_t MaskOf(const Explanation& e) {
  uint32_t mask = 0;
  for (const RuleFailure& f : e.failures) mask |= 1u << static_cast<int>(f.reason);
  return mask;
}

}  // namespace corridor::matcher::testing

#endif  // CORRIDOR_TESTS_MATCHER_MATCH_SCENARIO_H_
