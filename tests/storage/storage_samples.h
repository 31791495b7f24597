#ifndef CORRIDOR_TESTS_STORAGE_STORAGE_SAMPLES_H_
#define CORRIDOR_TESTS_STORAGE_STORAGE_SAMPLES_H_

// Small, fully populated records of every kind (synthetic data).

#include <string>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "storage/stores.h"

namespace corridor::storage::testing_util {

template <typename T>
T Parse(const std::string& text) {
  T out;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &out)) << text;
  return out;
}

inline v1::Agency SampleAgency(const std::string& id) {
  v1::Agency a = Parse<v1::Agency>(R"pb(
    display_name: "Servicio Publico de Empleo"
    country: "CO"
    licence_number: "LIC-0001"
    licence_status: LICENCE_STATUS_VALID
    licence_expiry { year: 2027 month: 6 day: 30 }
  )pb");
  a.set_name("agencies/" + id);
  return a;
}

inline v1::Employer SampleEmployer(const std::string& id) {
  v1::Employer e = Parse<v1::Employer>(R"pb(
    display_name: "Cooperativa Agricola"
    country: "ES"
    region: "Huelva"
    sector: "agriculture"
    standing: EMPLOYER_STANDING_GOOD
  )pb");
  e.set_name("employers/" + id);
  return e;
}

inline v1::Candidate SampleCandidate(const std::string& id, const std::string& agency_id,
                                     const std::string& nationality) {
  v1::Candidate c = Parse<v1::Candidate>(R"pb(
    display_name: "Synthetic Person"
    contact: "synthetic@example.org"
    residence_country: "CO"
    origin_region: "Antioquia"
    birth_year: 1990
    gender: GENDER_FEMALE
    occupations { isco_code: "6111" experience_years: 5 }
    occupations { isco_code: "9211" experience_years: 2 }
    skills { skill_id: "S6.4.1" level: 3 evidence: EVIDENCE_ASSESSED }
    languages { language_code: "es" level: CEFR_LEVEL_C2 evidence: EVIDENCE_CERTIFIED }
    education: ISCED_LEVEL_UPPER_SECONDARY
    availability { start { year: 2025 month: 3 day: 1 } end { year: 2025 month: 10 day: 31 } }
    preferences { destinations: "ES" schemes: SCHEME_SEASONAL }
    consent { given_time { seconds: 1690000000 } }
  )pb");
  c.set_name("candidates/" + id);
  c.set_agency("agencies/" + agency_id);
  c.set_nationality(nationality);
  return c;
}

inline v1::Vacancy SampleVacancy(const std::string& id, const std::string& employer_id,
                                 const std::string& destination) {
  v1::Vacancy v = Parse<v1::Vacancy>(R"pb(
    title: "Strawberry picker"
    region: "Huelva"
    isco_code: "9211"
    scheme: SCHEME_SEASONAL
    positions: 40
    window { start { year: 2025 month: 3 day: 1 } end { year: 2025 month: 6 day: 30 } }
    required_skills { skill_id: "S6.4.1" min_level: 2 weight: 10 must_have: true }
    required_languages { language_code: "es" min_level: CEFR_LEVEL_A2 }
    eligible_origins: "CO"
    eligible_origins: "MA"
    wage { amount { currency_code: "EUR" amount_minor: 150000 } period: WAGE_PERIOD_MONTH }
    housing { provided: true description: "shared" }
  )pb");
  v.set_name("vacancies/" + id);
  v.set_employer("employers/" + employer_id);
  v.set_destination(destination);
  return v;
}

inline v1::Agreement SampleAgreement(const std::string& id) {
  v1::Agreement a = Parse<v1::Agreement>(R"pb(
    display_name: "Spain - Colombia circular migration (synthetic)"
    kind: AGREEMENT_KIND_BILATERAL_LABOUR_AGREEMENT
    destinations: "ES"
    origins: "CO"
    signed_date { year: 2001 month: 5 day: 21 }
    in_force_from { year: 2001 month: 5 day: 21 }
    schemes: SCHEME_TEMPORARY
    schemes: SCHEME_CIRCULAR
    occupation_scope: "6"
    occupation_scope: "92"
    protected_occupations { origin: "CO" isco_prefix: "22" mode: PROTECTION_MODE_BLOCK }
    not_returned_ineligible: true
  )pb");
  a.set_name("agreements/" + id);
  return a;
}

inline v1::QuotaCell SampleQuotaCell(const std::string& agreement_id,
                                     const std::string& cell_id) {
  v1::QuotaCell q = Parse<v1::QuotaCell>(R"pb(
    display_name: "Farm work 2025"
    period { start { year: 2025 month: 1 day: 1 } end { year: 2025 month: 12 day: 31 } }
    destination: "ES"
    origin: "CO"
    isco_prefix: "92"
    scheme: SCHEME_CIRCULAR
    cap: 1200
    synthetic: true
  )pb");
  q.set_name("agreements/" + agreement_id + "/quotaCells/" + cell_id);
  return q;
}

inline v1::Application SampleApplication(const std::string& id,
                                         const std::string& candidate_id,
                                         const std::string& vacancy_id) {
  v1::Application a = Parse<v1::Application>(R"pb(
    state: APPLICATION_STATE_SUBMITTED
    history {
      from_state: APPLICATION_STATE_SHORTLISTED
      to_state: APPLICATION_STATE_SUBMITTED
      actor: "agency:ag-1"
      time { seconds: 1700000000 }
      reason_code: "SUBMITTED"
    }
  )pb");
  a.set_name("applications/" + id);
  a.set_candidate("candidates/" + candidate_id);
  a.set_vacancy("vacancies/" + vacancy_id);
  return a;
}

}  // namespace corridor::storage::testing_util

#endif  // CORRIDOR_TESTS_STORAGE_STORAGE_SAMPLES_H_
