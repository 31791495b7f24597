#include "tests/matcher/validation_test_util.h"

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/iso_codes.h"
#include "matcher/taxonomy.h"

namespace corridor::matcher::testing {

const Validator& TestValidator() {
  static const Validator* validator = [] {
    absl::StatusOr<std::unique_ptr<IsoCodes>> iso = IsoCodes::Load();
    if (!iso.ok()) {
      ADD_FAILURE() << iso.status();
      std::abort();
    }
    static const IsoCodes* codes = iso->release();
    static const Taxonomy* taxonomy = Taxonomy::BuiltIn().release();
    static const FakeClock* clock = new FakeClock(absl::FromCivil(
        absl::CivilSecond(kTestYear, 6, 15, 12, 0, 0), absl::UTCTimeZone()));
    return new Validator(*codes, *taxonomy, *clock);
  }();
  return *validator;
}

v1::Agency ValidAgency() {
  v1::Agency a;
  a.set_display_name("Servicio P\xC3\xBA" "blico de Empleo SENA");
  a.set_country("CO");
  a.set_licence_number("LIC-2024-0017");
  a.set_licence_status(v1::LICENCE_STATUS_VALID);
  *a.mutable_licence_expiry() = MakeDate(2027, 12, 31);
  return a;
}

v1::Employer ValidEmployer() {
  v1::Employer e;
  e.set_display_name("Cooperativa Agr\xC3\xAD" "cola de Huelva");
  e.set_country("ES");
  e.set_region("Andaluc\xC3\xAD" "a");
  e.set_sector("agriculture");
  e.set_standing(v1::EMPLOYER_STANDING_GOOD);
  return e;
}

v1::Candidate ValidCandidate() {
  v1::Candidate c;
  c.set_agency("agencies/sena-co");
  c.set_display_name("Mar\xC3\xAD" "a P\xC3\xA9rez");
  c.set_contact("+57 300 000 0000");
  c.set_nationality("CO");
  c.set_residence_country("CO");
  c.set_origin_region("Tolima");
  c.set_birth_year(1995);
  c.set_gender(v1::GENDER_FEMALE);
  v1::CandidateOccupation* o = c.add_occupations();
  o->set_isco_code("6111");
  o->set_experience_years(5);
  o = c.add_occupations();
  o->set_isco_code("9211");
  o->set_esco_occupation("0a1b2c3d-0000-4000-8000-000000000001");
  o->set_experience_years(3);
  v1::CandidateSkill* s = c.add_skills();
  s->set_skill_id("S6.4.3");
  s->set_level(3);
  s->set_evidence(v1::EVIDENCE_ASSESSED);
  s = c.add_skills();
  s->set_skill_id("S8.1.2");
  s->set_level(2);
  s->set_evidence(v1::EVIDENCE_SELF_DECLARED);
  v1::CandidateLanguage* l = c.add_languages();
  l->set_language_code("es");
  l->set_level(v1::CEFR_LEVEL_C2);
  l->set_evidence(v1::EVIDENCE_CERTIFIED);
  l = c.add_languages();
  l->set_language_code("en");
  l->set_level(v1::CEFR_LEVEL_A2);
  l->set_evidence(v1::EVIDENCE_SELF_DECLARED);
  c.set_education(v1::ISCED_LEVEL_UPPER_SECONDARY);
  v1::Credential* cred = c.add_credentials();
  cred->set_kind("phytosanitary_handling");
  cred->set_issuing_country("CO");
  cred->set_verified(true);
  cred->add_recognised_in("ES");
  v1::ProfessionalLicence* lic = c.add_licences();
  lic->set_profession("tractor_operator");
  lic->set_issuing_country("CO");
  *lic->mutable_valid_until() = MakeDate(2028, 1, 31);
  *c.mutable_availability() = MakeRange(2025, 9, 1, 2026, 6, 30);
  c.mutable_preferences()->add_destinations("ES");
  c.mutable_preferences()->add_schemes(v1::SCHEME_SEASONAL);
  c.mutable_preferences()->add_schemes(v1::SCHEME_CIRCULAR);
  c.mutable_preferences()->add_isco_codes("61");
  c.mutable_preferences()->add_isco_codes("9211");
  c.mutable_consent()->mutable_given_time()->set_seconds(1736500000);  // 2025-01-10.
  v1::PastPlacement* h = c.add_history();
  h->set_agreement("agreements/es-co-circular");
  h->set_scheme(v1::SCHEME_CIRCULAR);
  h->set_destination("ES");
  *h->mutable_stay() = MakeRange(2023, 2, 1, 2023, 6, 30);
  h->set_return_outcome(v1::RETURN_OUTCOME_ON_TIME);
  return c;
}

v1::Vacancy ValidVacancy() {
  v1::Vacancy v;
  v.set_employer("employers/coop-huelva");
  v.set_title("Strawberry harvest worker");
  v.set_destination("ES");
  v.set_region("Huelva");
  v.set_isco_code("9211");
  v.set_scheme(v1::SCHEME_SEASONAL);
  v.set_positions(120);
  *v.mutable_window() = MakeRange(2026, 2, 1, 2026, 6, 15);
  v1::RequiredSkill* s = v.add_required_skills();
  s->set_skill_id("S6.4.3");
  s->set_min_level(2);
  s->set_weight(60);
  s->set_must_have(true);
  s = v.add_required_skills();
  s->set_skill_id("S6.2.2");
  s->set_min_level(1);
  s->set_weight(20);
  v1::RequiredLanguage* l = v.add_required_languages();
  l->set_language_code("es");
  l->set_min_level(v1::CEFR_LEVEL_A2);
  v.set_min_experience_years(1);
  v.set_min_education(v1::ISCED_LEVEL_PRIMARY);
  v.add_required_credentials("phytosanitary_handling");
  v.add_eligible_origins("MA");
  v.add_eligible_origins("CO");
  v.mutable_wage()->mutable_amount()->set_currency_code("EUR");
  v.mutable_wage()->mutable_amount()->set_amount_minor(125000);
  v.mutable_wage()->set_period(v1::WAGE_PERIOD_MONTH);
  v.mutable_housing()->set_provided(true);
  v.mutable_housing()->mutable_monthly_cost()->set_currency_code("EUR");
  v.mutable_housing()->mutable_monthly_cost()->set_amount_minor(10000);
  v.mutable_housing()->set_description("Shared rooms on the farm, four beds per room");
  v.set_labour_market_test(v1::LABOUR_MARKET_TEST_DONE);
  v.set_state(v1::VACANCY_STATE_OPEN);
  return v;
}

v1::Agreement ValidAgreement() {
  v1::Agreement a;
  a.set_name("agreements/es-co");
  a.set_display_name("Spain \xE2\x80\x93 Colombia and Ecuador circular migration (demo)");
  a.set_kind(v1::AGREEMENT_KIND_BILATERAL_LABOUR_AGREEMENT);
  a.add_destinations("ES");
  a.add_origins("CO");
  a.add_origins("EC");
  *a.mutable_signed_date() = MakeDate(2019, 5, 10);
  *a.mutable_in_force_from() = MakeDate(2019, 7, 1);
  *a.mutable_expiry_date() = MakeDate(2029, 12, 31);
  a.add_schemes(v1::SCHEME_SEASONAL);
  a.add_schemes(v1::SCHEME_TEMPORARY);
  a.add_schemes(v1::SCHEME_CIRCULAR);
  a.add_occupation_scope("61");
  a.add_occupation_scope("92");
  a.add_occupation_scope("51");
  a.add_occupation_scope("2221");
  v1::ProtectedOccupation* po = a.add_protected_occupations();
  po->set_origin("EC");
  po->set_isco_prefix("2221");
  po->set_mode(v1::PROTECTION_MODE_SEPARATE_CAP);
  po->set_separate_cap_cell("ec-nurses");
  po = a.add_protected_occupations();
  po->set_origin("CO");
  po->set_isco_prefix("2221");
  po->set_mode(v1::PROTECTION_MODE_ORIGIN_CONSENT);
  a.set_reentry_policy(v1::REENTRY_POLICY_SCORE_BONUS);
  a.set_not_returned_ineligible(true);
  v1::OriginTier* t = a.add_origin_tiers();
  t->set_tier(1);
  t->add_origins("CO");
  t = a.add_origin_tiers();
  t->set_tier(2);
  t->add_origins("EC");
  a.set_labour_market_test_required(true);
  a.mutable_score_weights()->set_skill_coverage(40);
  a.mutable_score_weights()->set_occupation_fit(20);
  a.mutable_score_weights()->set_reentry_credit(100);
  return a;
}

::testing::AssertionResult IsInvalidAt(const absl::Status& status, absl::string_view path) {
  if (status.code() != absl::StatusCode::kInvalidArgument) {
    return ::testing::AssertionFailure()
           << "expected INVALID_ARGUMENT at " << path << ", got " << status;
  }
  absl::string_view message = status.message();
  if (!absl::StartsWith(message, path) || message.size() == path.size() ||
      (message[path.size()] != ':' && message[path.size()] != '.' &&
       message[path.size()] != '[')) {
    return ::testing::AssertionFailure()
           << "expected the message to start with " << path << ", got: " << message;
  }
  return ::testing::AssertionSuccess() << message;
}

std::string OneMebibyte() { return std::string(1 << 20, 'a'); }

std::string Repeat(absl::string_view s, size_t times) {
  std::string out;
  out.reserve(s.size() * times);
  for (size_t i = 0; i < times; ++i) out.append(s.data(), s.size());
  return out;
}

}  // namespace corridor::matcher::testing
