#ifndef CORRIDOR_CLIENTS_CLI_DEMO_CATALOGUE_H_
#define CORRIDOR_CLIENTS_CLI_DEMO_CATALOGUE_H_

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "corridor/v1/agreement_service.pb.h"
#include "corridor/v1/types.pb.h"
#include "corridor/v1/vacancy_service.pb.h"

namespace corridor::cli::demo {

// The fixed description of the demo world: the corridors of DOMAIN.md
// section 12, their agreements and quota-cell trees, origin countries and
// employer groups. Every number here is synthetic (chosen to look
// plausible); nothing is an official figure. The generator draws records
// from these descriptions with a seeded random generator.

// A language a candidate may speak: `code` may list alternatives
// ("ha|yo|ig": one of them), present with `probability`, at a CEFR level
// drawn uniformly in [min_level, max_level] (1 = A1 .. 6 = C2).
struct LanguageOption {
  const char* code;
  double probability;
  int min_level;
  int max_level;
};

struct OriginSpec {
  const char* country;
  const char* name;
  // Regions of origin, most populous first (drawn Zipf-like).
  std::vector<const char*> regions;
  // Native language by region, where it depends on it (India); else empty.
  std::vector<std::pair<const char*, const char*>> region_language;
  // Countries some candidates reside in instead of their nationality's.
  std::vector<const char*> other_residences;
  // Display name of the public employment service.
  const char* public_service;
  // Native and common second languages.
  std::vector<LanguageOption> languages;
};

template <typename T>
using Weighted = std::vector<std::pair<T, double>>;

// One corridor: an origin and a destination under one agreement.
struct CorridorSpec {
  const char* key;
  const char* agreement;
  const char* origin;
  const char* destination;
  // Shares of all candidates and of all vacancies (each sums to 1).
  double candidate_share;
  double vacancy_share;
  // ISCO-08 unit groups candidates and vacancies come from, most common
  // first; all within the agreement's occupation scope.
  std::vector<const char*> isco_units;
  Weighted<v1::Scheme> schemes;
  // Share of candidates with earlier stays (returning workers).
  double returning_share;
  double female_share;
  // Education of candidates outside ISCO major groups 2 and 3.
  Weighted<v1::IscedLevel> education;
  // The destination's language and how well candidates speak it: weights
  // of (none, A1, A2, B1, B2, C1, C2).
  const char* destination_language;
  std::array<double, 7> destination_language_levels;
  // The season or contract window in 2027: start day of year in
  // [start_min, start_max], length in days in [length_min, length_max]
  // (cut at 31 December).
  int start_min;
  int start_max;
  int length_min;
  int length_max;
  // Employer group that posts this corridor's vacancies.
  const char* employer_group;
  int max_positions;
  // What vacancies ask of the destination language (level 0: nothing),
  // with `language_probability`.
  const char* required_language;
  int required_level;
  double language_probability;
  // Housing offered with vacancies.
  double housing_provided;
  int64_t housing_cost_min;
  int64_t housing_cost_max;
  const char* housing_text;
};

// A wage band by destination and ISCO prefix (the first matching entry of
// WageBands() applies).
struct WageBand {
  const char* destination;
  const char* isco_prefix;
  const char* currency;
  v1::WagePeriod period;
  int64_t min_minor;
  int64_t max_minor;
};

// Skill groups relevant to an ISCO prefix (the longest matching prefix of
// SkillProfiles() applies): the ESCO skill-hierarchy groups whose leaves a
// holder of the occupation tends to have, most typical first.
struct SkillProfile {
  const char* isco_prefix;
  std::vector<const char*> groups;
};

struct CellSpec {
  const char* id;
  const char* parent;
  const char* display_name;
  const char* origin;
  const char* isco_prefix;
  v1::Scheme scheme;
  int64_t cap;
  const char* overflow;
};

struct AgreementSpec {
  const char* id;
  const char* display_name;
  v1::AgreementKind kind;
  std::vector<const char*> destinations;
  std::vector<const char*> origins;
  std::array<int, 3> signed_date;
  std::array<int, 3> in_force_from;
  // {0, 0, 0}: no expiry.
  std::array<int, 3> expiry;
  std::vector<v1::Scheme> schemes;
  std::vector<const char*> occupation_scope;
  std::vector<v1::ProtectedOccupation> protected_occupations;
  v1::ReentryPolicy reentry;
  bool not_returned_ineligible;
  std::vector<std::pair<int, std::vector<const char*>>> tiers;
  bool labour_market_test_required;
  std::vector<CellSpec> cells;
};

struct SectorSpec {
  const char* name;
  // Display-name stem of its employers ("Berry Farm").
  const char* stem;
  std::vector<const char*> isco_units;
  double weight;
};

struct EmployerGroup {
  const char* key;
  const char* country;
  // Employer ids are "<id_prefix>-0001" and up.
  const char* id_prefix;
  Weighted<const char*> regions;
  std::vector<SectorSpec> sectors;
  // Exactly this many employers, employer k in sector k (0: scale with the
  // vacancies, at least 3).
  int fixed_count;
};

const std::vector<OriginSpec>& Origins();
const std::vector<CorridorSpec>& Corridors();
const std::vector<AgreementSpec>& Agreements();
const std::vector<EmployerGroup>& EmployerGroups();
const std::vector<WageBand>& WageBands();
const std::vector<SkillProfile>& SkillProfiles();

const OriginSpec& OriginFor(const std::string& country);
const AgreementSpec& AgreementFor(const std::string& id);
const EmployerGroup& EmployerGroupFor(const std::string& key);
const WageBand& WageFor(const std::string& destination, const std::string& isco);
const SkillProfile& SkillProfileFor(const std::string& isco);

// Workers of the Canada-Mauritius projects, over all their vacancies.
inline constexpr int kMauritiusWorkers = 285;

}  // namespace corridor::cli::demo

#endif  // CORRIDOR_CLIENTS_CLI_DEMO_CATALOGUE_H_
