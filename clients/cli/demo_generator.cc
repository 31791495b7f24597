#include "clients/cli/demo_generator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/cli/flat_csv.h"
#include "clients/cli/proto_json.h"
#include "common/csv.h"

namespace corridor::cli {
namespace {

using demo::AgreementSpec;
using demo::CorridorSpec;
using demo::OriginSpec;

constexpr int kYear = 2027;
// Instants in the records (consent, earlier stays) lie before this day, so
// the data stay valid when loaded from late 2026 on.
constexpr int64_t kConsentFrom = 1704067200;   // 2024-01-01T00:00:00Z
constexpr int64_t kConsentUntil = 1761955200;  // 2025-11-01T00:00:00Z
constexpr int kLastStayDay = 319;              // 15 November (of 2026)

// Stream families, so candidate i and vacancy i never share numbers.
constexpr uint64_t kCandidateStream = 1ULL << 40;
constexpr uint64_t kVacancyStream = 2ULL << 40;
constexpr uint64_t kAgencyStream = 3ULL << 40;
constexpr uint64_t kEmployerStream = 4ULL << 40;

uint64_t Fnv1a(absl::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Day of year (1-based) to a date.
v1::Date DayToDate(int year, int day) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int last = IsLeap(year) ? 366 : 365;
  day = std::clamp(day, 1, last);
  int month = 0;
  while (true) {
    const int len = kDays[month] + (month == 1 && IsLeap(year) ? 1 : 0);
    if (day <= len) break;
    day -= len;
    ++month;
  }
  v1::Date d;
  d.set_year(year);
  d.set_month(month + 1);
  d.set_day(day);
  return d;
}

v1::Date MakeDate(const std::array<int, 3>& ymd) {
  v1::Date d;
  d.set_year(ymd[0]);
  d.set_month(ymd[1]);
  d.set_day(ymd[2]);
  return d;
}

// A window in `year` shaped like the corridor's season, ending by day
// `last_day`.
void SeasonWindow(const CorridorSpec& c, int year, int last_day, Rng& rng, v1::DateRange* out) {
  const int days = IsLeap(year) ? 366 : 365;
  const int start = static_cast<int>(rng.Between(c.start_min, c.start_max));
  const int length = static_cast<int>(rng.Between(c.length_min, c.length_max));
  const int end = std::min({start + length - 1, days, last_day});
  *out->mutable_start() = DayToDate(year, std::min(start, end));
  *out->mutable_end() = DayToDate(year, end);
}

template <typename T>
T Pick(const demo::Weighted<T>& options, Rng& rng) {
  std::vector<double> w;
  w.reserve(options.size());
  for (const auto& o : options) w.push_back(o.second);
  return options[rng.Weighted(w)].first;
}

// "a|b|c" -> one of them.
std::string PickAlternative(const char* codes, Rng& rng) {
  std::vector<std::string> parts = absl::StrSplit(codes, '|');
  return parts[static_cast<size_t>(rng.Between(0, static_cast<int64_t>(parts.size()) - 1))];
}

std::string Capitalised(std::string s) {
  if (!s.empty()) s[0] = absl::ascii_toupper(static_cast<unsigned char>(s[0]));
  return s;
}

std::string Number(int64_t n, int width) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%0*lld", width, static_cast<long long>(n));
  return buf;
}

v1::Evidence PickEvidence(Rng& rng, bool skilled) {
  const double u = rng.Uniform();
  if (skilled) {
    return u < 0.3 ? v1::EVIDENCE_SELF_DECLARED
                   : (u < 0.7 ? v1::EVIDENCE_ASSESSED : v1::EVIDENCE_CERTIFIED);
  }
  return u < 0.55 ? v1::EVIDENCE_SELF_DECLARED
                  : (u < 0.88 ? v1::EVIDENCE_ASSESSED : v1::EVIDENCE_CERTIFIED);
}

// Number of leading ISCO digits "2" or "3": professionals and technicians.
bool IsSkilled(const std::string& isco) { return isco[0] == '2' || isco[0] == '3'; }

void AddCredential(v1::Candidate* c, const char* kind, const std::string& issuer, bool verified,
                   const std::string& recognised_in) {
  auto* cr = c->add_credentials();
  cr->set_kind(kind);
  cr->set_issuing_country(issuer);
  cr->set_verified(verified);
  if (!recognised_in.empty()) cr->add_recognised_in(recognised_in);
}

void AddLicence(v1::Candidate* c, const char* profession, const std::string& issuer, Rng& rng) {
  auto* li = c->add_licences();
  li->set_profession(profession);
  li->set_issuing_country(issuer);
  *li->mutable_valid_until() =
      DayToDate(static_cast<int>(rng.Between(2028, 2032)), static_cast<int>(rng.Between(1, 365)));
}

std::string Lower(const char* s) { return absl::AsciiStrToLower(s); }

}  // namespace

absl::StatusOr<std::unique_ptr<DemoWorld>> DemoWorld::Create(const DemoTaxonomy& taxonomy,
                                                             uint64_t seed, int64_t vacancies) {
  std::unique_ptr<DemoWorld> world(new DemoWorld(taxonomy, seed));
  absl::Status s = world->Build(std::max<int64_t>(vacancies, 0));
  if (!s.ok()) return s;
  return world;
}

absl::Status DemoWorld::Build(int64_t vacancies) {
  const auto& corridors = demo::Corridors();

  // Occupations and skills of every unit group the corridors use.
  auto add_unit = [&](const std::string& isco) -> absl::Status {
    if (units_.count(isco) > 0) return absl::OkStatus();
    if (isco.size() != 4 || !taxonomy_.IsIscoGroup(isco)) {
      return absl::InvalidArgumentError(
          absl::StrCat("the taxonomy has no ISCO-08 unit group ", isco));
    }
    UnitInfo info;
    info.title = taxonomy_.IscoTitle(isco);
    info.occupations = &taxonomy_.OccupationsOf(isco);
    if (!info.occupations->empty()) info.occupation_zipf = ZipfTable(info.occupations->size(), 1.2);
    for (const char* group : demo::SkillProfileFor(isco).groups) {
      // A smaller taxonomy (the built-in one) may lack a group: then the
      // nearest broader group that it has stands in ("S8.5" -> "S8").
      std::string g = group;
      std::vector<std::string> leaves = taxonomy_.SkillsUnder(g);
      while (leaves.empty() && g.find('.') != std::string::npos) {
        g = g.substr(0, g.rfind('.'));
        leaves = taxonomy_.SkillsUnder(g);
      }
      leaves.erase(std::remove_if(leaves.begin(), leaves.end(),
                                  [&](const std::string& id) {
                                    return std::find(info.skills.begin(), info.skills.end(),
                                                     id) != info.skills.end();
                                  }),
                   leaves.end());
      // A fixed shuffle per occupation, so occupations sharing a group do
      // not all favour its first leaf.
      std::sort(leaves.begin(), leaves.end(), [&](const std::string& a, const std::string& b) {
        return Fnv1a(isco + a) < Fnv1a(isco + b);
      });
      info.skills.insert(info.skills.end(), leaves.begin(), leaves.end());
    }
    if (info.skills.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the taxonomy has none of the skill groups of ISCO-08 ", isco));
    }
    info.skill_zipf = ZipfTable(info.skills.size(), 1.0);
    units_.emplace(isco, std::move(info));
    return absl::OkStatus();
  };
  for (const CorridorSpec& c : corridors) {
    Occupations occ;
    for (const char* u : c.isco_units) {
      absl::Status s = add_unit(u);
      if (!s.ok()) return s;
      occ.units.push_back(u);
    }
    occ.unit_zipf = ZipfTable(occ.units.size(), 1.0);
    corridor_occupations_.push_back(std::move(occ));
    candidate_weights_.push_back(c.candidate_share);
  }
  for (const auto& g : demo::EmployerGroups()) {
    for (const auto& sector : g.sectors) {
      for (const char* u : sector.isco_units) {
        absl::Status s = add_unit(u);
        if (!s.ok()) return s;
      }
    }
  }

  // Agreements and their cell trees.
  for (const AgreementSpec& a : demo::Agreements()) {
    v1::Agreement ag;
    ag.set_name(absl::StrCat("agreements/", a.id));
    ag.set_display_name(a.display_name);
    ag.set_kind(a.kind);
    for (const char* d : a.destinations) ag.add_destinations(d);
    for (const char* o : a.origins) ag.add_origins(o);
    *ag.mutable_signed_date() = MakeDate(a.signed_date);
    *ag.mutable_in_force_from() = MakeDate(a.in_force_from);
    if (a.expiry[0] != 0) *ag.mutable_expiry_date() = MakeDate(a.expiry);
    for (v1::Scheme s : a.schemes) ag.add_schemes(s);
    for (const char* p : a.occupation_scope) ag.add_occupation_scope(p);
    for (const auto& p : a.protected_occupations) *ag.add_protected_occupations() = p;
    ag.set_reentry_policy(a.reentry);
    ag.set_not_returned_ineligible(a.not_returned_ineligible);
    for (const auto& [tier, origins] : a.tiers) {
      auto* t = ag.add_origin_tiers();
      t->set_tier(tier);
      for (const char* o : origins) t->add_origins(o);
    }
    ag.set_labour_market_test_required(a.labour_market_test_required);
    agreements_.push_back(ag);
    for (const demo::CellSpec& spec : a.cells) {
      DemoCell cell;
      cell.agreement = ag.name();
      cell.cell_id = spec.id;
      v1::QuotaCell& q = cell.cell;
      q.set_display_name(spec.display_name);
      q.set_parent(spec.parent);
      *q.mutable_period()->mutable_start() = DayToDate(kYear, 1);
      *q.mutable_period()->mutable_end() = DayToDate(kYear, 365);
      q.set_destination(a.destinations[0]);
      q.set_origin(spec.origin);
      q.set_isco_prefix(spec.isco_prefix);
      q.set_scheme(spec.scheme);
      q.set_cap(spec.cap);
      q.set_overflow_cell(spec.overflow);
      q.set_synthetic(true);
      cells_.push_back(std::move(cell));
    }
  }

  // Agencies: the public employment service and licensed recruiters of
  // each origin; a few suspended, revoked or expired.
  for (const OriginSpec& o : demo::Origins()) {
    Rng rng(seed_, kAgencyStream + Fnv1a(o.country));
    const std::string cc = Lower(o.country);
    OriginAgencies oa;
    v1::Agency pes;
    pes.set_name(absl::StrCat("agencies/", cc, "-pes"));
    pes.set_display_name(absl::StrCat(o.public_service, " (synthetic)"));
    pes.set_country(o.country);
    pes.set_licence_number(absl::StrCat(o.country, "-PES-", Number(rng.Between(1, 999), 4),
                                        "-SYNTHETIC"));
    pes.set_licence_status(v1::LICENCE_STATUS_VALID);
    *pes.mutable_licence_expiry() = DayToDate(2031, 365);
    oa.public_service = pes.name();
    agencies_.push_back(pes);
    const int64_t recruiters = rng.Between(2, 5);
    for (int64_t k = 1; k <= recruiters; ++k) {
      v1::Agency a;
      a.set_name(absl::StrCat("agencies/", cc, "-rec-", Number(k, 2)));
      a.set_display_name(absl::StrCat("Synthetic Recruiter ", Number(k, 2), " of ", o.name));
      a.set_country(o.country);
      a.set_licence_number(absl::StrCat(o.country, "-LIC-", Number(rng.Between(1000, 99999), 5),
                                        "-SYNTHETIC"));
      const double u = rng.Uniform();
      if (u < 0.80) {
        a.set_licence_status(v1::LICENCE_STATUS_VALID);
        *a.mutable_licence_expiry() = DayToDate(static_cast<int>(rng.Between(2027, 2030)),
                                                static_cast<int>(rng.Between(1, 365)));
      } else if (u < 0.87) {
        // Valid status, but the licence ran out.
        a.set_licence_status(v1::LICENCE_STATUS_VALID);
        *a.mutable_licence_expiry() = DayToDate(2025, static_cast<int>(rng.Between(1, 365)));
      } else if (u < 0.95) {
        a.set_licence_status(v1::LICENCE_STATUS_SUSPENDED);
        *a.mutable_licence_expiry() = DayToDate(2028, static_cast<int>(rng.Between(1, 365)));
      } else {
        a.set_licence_status(v1::LICENCE_STATUS_REVOKED);
        *a.mutable_licence_expiry() = DayToDate(2027, static_cast<int>(rng.Between(1, 365)));
      }
      oa.recruiters.push_back(a.name());
      agencies_.push_back(std::move(a));
    }
    oa.recruiter_zipf = ZipfTable(oa.recruiters.size(), 1.0);
    oa.region_zipf = ZipfTable(o.regions.size(), 0.8);
    origin_agencies_[o.country] = std::move(oa);
  }

  // Vacancy blocks per corridor (largest remainder). The Mauritius projects
  // get a small fixed number of vacancies: ~285 workers in all.
  std::vector<int64_t> count(corridors.size(), 0);
  int64_t rest = vacancies;
  size_t mu = corridors.size();
  for (size_t c = 0; c < corridors.size(); ++c) {
    if (std::string(corridors[c].key) == "ca-mu") mu = c;
  }
  double shares = 0;
  for (size_t c = 0; c < corridors.size(); ++c) {
    if (c != mu) shares += corridors[c].vacancy_share;
  }
  if (mu < corridors.size() && vacancies > 0) {
    count[mu] = std::clamp<int64_t>(
        std::llround(static_cast<double>(vacancies) * corridors[mu].vacancy_share), 1, 20);
    rest -= count[mu];
  }
  std::vector<std::pair<double, size_t>> remainders;
  int64_t assigned = 0;
  for (size_t c = 0; c < corridors.size(); ++c) {
    if (c == mu) continue;
    const double exact = static_cast<double>(rest) * corridors[c].vacancy_share / shares;
    count[c] = static_cast<int64_t>(std::floor(exact));
    assigned += count[c];
    remainders.push_back({exact - std::floor(exact), c});
  }
  std::sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (size_t i = 0; assigned < rest && i < remainders.size(); ++i, ++assigned) {
    ++count[remainders[i].second];
  }
  vacancy_start_.assign(corridors.size() + 1, 0);
  for (size_t c = 0; c < corridors.size(); ++c) vacancy_start_[c + 1] = vacancy_start_[c] + count[c];

  // Employers: each group sized by the vacancies it posts (~4 each).
  std::map<std::string, int64_t> group_vacancies;
  for (size_t c = 0; c < corridors.size(); ++c) {
    group_vacancies[corridors[c].employer_group] += count[c];
  }
  for (const auto& g : demo::EmployerGroups()) {
    GroupEmployers ge;
    const int64_t n =
        g.fixed_count > 0 ? g.fixed_count
                          : std::max<int64_t>(3, (group_vacancies[g.key] + 3) / 4);
    std::vector<double> sector_weights;
    for (const auto& s : g.sectors) sector_weights.push_back(s.weight);
    for (int64_t k = 0; k < n; ++k) {
      Rng rng(seed_, kEmployerStream + Fnv1a(g.key) + static_cast<uint64_t>(k));
      const size_t sector = g.fixed_count > 0 ? static_cast<size_t>(k) % g.sectors.size()
                                              : rng.Weighted(sector_weights);
      const char* region = Pick(g.regions, rng);
      v1::Employer e;
      const std::string number = Number(k + 1, 4);
      e.set_name(absl::StrCat("employers/", g.id_prefix, "-", number));
      e.set_display_name(
          absl::StrCat("Synthetic ", g.sectors[sector].stem, " ", number, " (", region, ")"));
      e.set_country(g.country);
      e.set_region(region);
      e.set_sector(g.sectors[sector].name);
      e.set_standing(g.fixed_count == 0 && rng.Chance(0.03) ? v1::EMPLOYER_STANDING_SUSPENDED
                                                            : v1::EMPLOYER_STANDING_GOOD);
      ge.employer_index.push_back(employers_.size());
      ge.sector.push_back(sector);
      employers_.push_back(std::move(e));
    }
    ge.zipf = ZipfTable(ge.employer_index.size(), 0.9);
    group_employers_[g.key] = std::move(ge);
  }
  return absl::OkStatus();
}

void DemoWorld::MakeCandidate(int64_t index, v1::Candidate* c) const {
  c->Clear();
  Rng rng(seed_, kCandidateStream + static_cast<uint64_t>(index));
  const auto& corridors = demo::Corridors();
  const size_t ci = rng.Weighted(candidate_weights_);
  const CorridorSpec& corridor = corridors[ci];
  const OriginSpec& origin = demo::OriginFor(corridor.origin);
  const AgreementSpec& agreement = demo::AgreementFor(corridor.agreement);
  const std::string number = Number(index + 1, 7);

  c->set_name(absl::StrCat("candidates/c", number));
  const OriginAgencies& oa = origin_agencies_.at(corridor.origin);
  c->set_agency(rng.Chance(0.45) ? oa.public_service
                                 : oa.recruiters[oa.recruiter_zipf.Sample(rng)]);
  c->set_display_name(absl::StrCat("Synthetic Candidate ", number));
  c->set_contact(absl::StrCat("c", number, "@example.invalid"));
  c->set_nationality(origin.country);
  c->set_residence_country(
      rng.Chance(0.04) && !origin.other_residences.empty()
          ? origin.other_residences[static_cast<size_t>(
                rng.Between(0, static_cast<int64_t>(origin.other_residences.size()) - 1))]
          : origin.country);
  const char* region = origin.regions[oa.region_zipf.Sample(rng)];
  c->set_origin_region(region);

  // Occupation first: it shapes age, education and skills.
  const Occupations& occ = corridor_occupations_[ci];
  const std::string& unit = occ.units[occ.unit_zipf.Sample(rng)];
  const UnitInfo& info = Unit(unit);
  const bool skilled = IsSkilled(unit);
  int age = 19 + static_cast<int>(41 * std::pow(rng.Uniform(), 1.6));
  if (skilled) age = std::max(age, 23);
  c->set_birth_year(kYear - age);
  const double g = rng.Uniform();
  if (g < 0.02) {
    c->set_gender(v1::GENDER_UNSPECIFIED);
  } else if (g < 0.023) {
    c->set_gender(v1::GENDER_OTHER);
  } else {
    c->set_gender(rng.Chance(corridor.female_share) ? v1::GENDER_FEMALE : v1::GENDER_MALE);
  }

  // Earlier stays decide the minimum experience.
  std::vector<int> stay_years;
  if (rng.Chance(corridor.returning_share)) {
    int stays = 1;
    while (stays < 6 && rng.Chance(0.55)) ++stays;
    const int first_year = std::max(2016, agreement.in_force_from[0] + 1);
    for (int y = 2026; y >= first_year && static_cast<int>(stay_years.size()) < stays; --y) {
      if (y == 2026 || rng.Chance(0.85)) stay_years.push_back(y);
    }
  }
  const int max_experience = std::min(40, age - 17);
  int experience = static_cast<int>(max_experience * std::pow(rng.Uniform(), 2.2));
  experience = std::clamp(experience, static_cast<int>(stay_years.size()), max_experience);
  auto* o = c->add_occupations();
  o->set_isco_code(unit);
  if (!info.occupations->empty()) {
    o->set_esco_occupation((*info.occupations)[info.occupation_zipf.Sample(rng)].esco_id);
  }
  o->set_experience_years(experience);
  if (occ.units.size() > 1 && rng.Chance(0.15)) {
    const std::string& second = occ.units[occ.unit_zipf.Sample(rng)];
    if (second != unit) {
      auto* o2 = c->add_occupations();
      o2->set_isco_code(second);
      const UnitInfo& info2 = Unit(second);
      if (!info2.occupations->empty()) {
        o2->set_esco_occupation((*info2.occupations)[info2.occupation_zipf.Sample(rng)].esco_id);
      }
      o2->set_experience_years(static_cast<int>(rng.Between(0, std::min(experience, 10))));
    }
  }

  // Skills: leaves of the occupation's typical skill groups, Zipf-skewed,
  // levels growing with experience.
  int want = 3;
  while (want < 12 && rng.Chance(0.62)) ++want;
  std::vector<size_t> chosen;
  for (int tries = 0; static_cast<int>(chosen.size()) < want && tries < want * 4; ++tries) {
    const size_t k = info.skill_zipf.Sample(rng);
    if (std::find(chosen.begin(), chosen.end(), k) != chosen.end()) continue;
    chosen.push_back(k);
    auto* s = c->add_skills();
    s->set_skill_id(info.skills[k]);
    const int base = 1 + (experience >= 2) + (experience >= 6) + (experience >= 12);
    s->set_level(std::clamp(base + static_cast<int>(rng.Between(-1, 1)), 1, 4));
    s->set_evidence(PickEvidence(rng, skilled));
  }

  // Languages: native ones of the origin (by region where it matters),
  // then the destination's at a level drawn from the corridor's spread.
  auto has_language = [&](const std::string& code) {
    for (const auto& l : c->languages()) {
      if (l.language_code() == code) return true;
    }
    return false;
  };
  auto add_language = [&](const std::string& code, int level, v1::Evidence evidence) {
    if (has_language(code)) return;
    auto* l = c->add_languages();
    l->set_language_code(code);
    l->set_level(static_cast<v1::CefrLevel>(level));
    l->set_evidence(evidence);
  };
  for (const auto& [reg, code] : origin.region_language) {
    if (std::string(reg) == region) add_language(code, 6, v1::EVIDENCE_SELF_DECLARED);
  }
  for (const demo::LanguageOption& option : origin.languages) {
    if (!rng.Chance(option.probability)) continue;
    const int level = static_cast<int>(rng.Between(option.min_level, option.max_level));
    add_language(PickAlternative(option.code, rng), level,
                 level == 6 ? v1::EVIDENCE_SELF_DECLARED : PickEvidence(rng, skilled));
  }
  {
    std::vector<double> w(corridor.destination_language_levels.begin(),
                          corridor.destination_language_levels.end());
    const int level = static_cast<int>(rng.Weighted(w));
    if (level > 0) {
      add_language(corridor.destination_language, level,
                   rng.Chance(0.4) ? v1::EVIDENCE_ASSESSED : v1::EVIDENCE_SELF_DECLARED);
    }
  }

  // Education.
  if (unit[0] == '2') {
    c->set_education(Pick<v1::IscedLevel>({{v1::ISCED_LEVEL_BACHELOR, 0.65},
                                           {v1::ISCED_LEVEL_MASTER, 0.30},
                                           {v1::ISCED_LEVEL_DOCTORAL, 0.05}},
                                          rng));
  } else if (unit[0] == '3') {
    c->set_education(Pick<v1::IscedLevel>({{v1::ISCED_LEVEL_SHORT_CYCLE_TERTIARY, 0.45},
                                           {v1::ISCED_LEVEL_POST_SECONDARY_NON_TERTIARY, 0.30},
                                           {v1::ISCED_LEVEL_BACHELOR, 0.25}},
                                          rng));
  } else {
    c->set_education(Pick(corridor.education, rng));
  }

  // Credentials and licences of regulated or certified trades.
  const std::string dest = corridor.destination;
  const std::string from = origin.country;
  if (unit == "2221" || unit == "3221") {
    AddCredential(c, "nursing_diploma", from, rng.Chance(0.85), rng.Chance(0.7) ? dest : "");
    if (rng.Chance(0.8)) AddLicence(c, "registered_nurse", from, rng);
  } else if (unit[0] == '2') {
    const bool master = c->education() >= v1::ISCED_LEVEL_MASTER;
    AddCredential(c, master ? "master_degree" : "bachelor_degree", from, rng.Chance(0.85),
                  rng.Chance(0.6) ? dest : "");
    if (rng.Chance(0.5)) AddCredential(c, "english_test_certificate", from, true, "");
  } else if (unit.rfind("741", 0) == 0) {
    AddCredential(c, "electrician_certificate", from, rng.Chance(0.6), rng.Chance(0.4) ? dest : "");
  } else if (unit == "7212") {
    AddCredential(c, "welding_certificate", from, rng.Chance(0.7), rng.Chance(0.5) ? dest : "");
  } else if (unit == "8332") {
    AddLicence(c, "heavy_goods_vehicle_driver", from, rng);
  } else if (unit == "8322") {
    AddLicence(c, "professional_driver", from, rng);
  } else if ((unit == "5120" || unit == "9412" || unit == "5131") && rng.Chance(0.35)) {
    AddCredential(c, "food_hygiene_certificate", from, rng.Chance(0.8), "");
  }

  SeasonWindow(corridor, kYear, 365, rng, c->mutable_availability());

  const v1::Scheme scheme = Pick(corridor.schemes, rng);
  auto* pref = c->mutable_preferences();
  pref->add_destinations(dest);
  pref->add_schemes(scheme);
  if (rng.Chance(0.7)) pref->add_isco_codes(unit);

  if (rng.Chance(0.94)) {
    const int64_t given = rng.Between(kConsentFrom, kConsentUntil - 86400);
    c->mutable_consent()->mutable_given_time()->set_seconds(given);
    if (rng.Chance(0.03)) {
      c->mutable_consent()->mutable_withdrawn_time()->set_seconds(
          rng.Between(given + 3600, kConsentUntil));
    }
  }

  // Earlier stays, most recent first in the list of years; written oldest
  // first. Only the latest stay may have ended without a return.
  for (size_t k = stay_years.size(); k-- > 0;) {
    const int year = stay_years[k];
    auto* p = c->add_history();
    p->set_agreement(absl::StrCat("agreements/", corridor.agreement));
    p->set_scheme(scheme);
    p->set_destination(dest);
    SeasonWindow(corridor, year, year == 2026 ? kLastStayDay : 365, rng, p->mutable_stay());
    const double u = rng.Uniform();
    if (k == 0) {
      p->set_return_outcome(u < 0.88 ? v1::RETURN_OUTCOME_ON_TIME
                                     : (u < 0.97 ? v1::RETURN_OUTCOME_LATE
                                                 : v1::RETURN_OUTCOME_NOT_RETURNED));
    } else {
      p->set_return_outcome(u < 0.92 ? v1::RETURN_OUTCOME_ON_TIME : v1::RETURN_OUTCOME_LATE);
    }
  }
}

void DemoWorld::MakeVacancy(int64_t index, v1::Vacancy* v) const {
  v->Clear();
  Rng rng(seed_, kVacancyStream + static_cast<uint64_t>(index));
  const auto& corridors = demo::Corridors();
  size_t ci = 0;
  while (ci + 1 < corridors.size() && index >= vacancy_start_[ci + 1]) ++ci;
  const CorridorSpec& corridor = corridors[ci];
  const AgreementSpec& agreement = demo::AgreementFor(corridor.agreement);
  const demo::EmployerGroup& group = demo::EmployerGroupFor(corridor.employer_group);
  const GroupEmployers& ge = group_employers_.at(corridor.employer_group);
  const int64_t in_block = index - vacancy_start_[ci];
  const int64_t block = vacancy_start_[ci + 1] - vacancy_start_[ci];

  const size_t pick = group.fixed_count > 0
                          ? static_cast<size_t>(in_block) % ge.employer_index.size()
                          : ge.zipf.Sample(rng);
  const v1::Employer& employer = employers_[ge.employer_index[pick]];
  const demo::SectorSpec& sector = group.sectors[ge.sector[pick]];

  // The occupation: the corridor's units the employer's sector covers.
  std::vector<std::string> units;
  for (const std::string& u : corridor_occupations_[ci].units) {
    for (const char* s : sector.isco_units) {
      if (u == s) units.push_back(u);
    }
  }
  if (units.empty()) units = corridor_occupations_[ci].units;
  const ZipfTable unit_zipf(units.size(), 1.0);
  const std::string unit = units[unit_zipf.Sample(rng)];
  const UnitInfo& info = Unit(unit);
  const bool skilled = IsSkilled(unit);
  std::string label = info.title;
  if (!info.occupations->empty()) {
    const DemoOccupation& occ = (*info.occupations)[info.occupation_zipf.Sample(rng)];
    v->set_esco_occupation(occ.esco_id);
    label = occ.label;
  }

  v->set_name(absl::StrCat("vacancies/v", Number(index + 1, 7)));
  v->set_employer(employer.name());
  v->set_title(absl::StrCat(Capitalised(label), " (", employer.region(), ", 2027)"));
  v->set_destination(employer.country());
  v->set_region(employer.region());
  v->set_isco_code(unit);

  // Italy's cells split by scheme: farm work is seasonal there.
  v1::Scheme scheme = Pick(corridor.schemes, rng);
  if (std::string(corridor.agreement) == "it-flows-2027") {
    scheme = unit[0] == '6' || unit.rfind("92", 0) == 0 ? v1::SCHEME_SEASONAL
                                                        : v1::SCHEME_TEMPORARY;
  }
  v->set_scheme(scheme);

  if (group.fixed_count > 0) {
    // The projects' ~285 workers, spread over the block's vacancies.
    const int64_t share = demo::kMauritiusWorkers / block;
    const int64_t extra = demo::kMauritiusWorkers % block;
    v->set_positions(static_cast<int32_t>(share + (in_block < extra ? 1 : 0)));
  } else {
    const ZipfTable positions(static_cast<size_t>(corridor.max_positions), 1.1);
    v->set_positions(static_cast<int32_t>(1 + positions.Sample(rng)));
  }
  SeasonWindow(corridor, kYear, 365, rng, v->mutable_window());

  // Required skills: the typical ones of the occupation; the first one or
  // two are must-haves.
  int want = 2;
  while (want < 8 && rng.Chance(0.5)) ++want;
  std::vector<size_t> chosen;
  for (int tries = 0; static_cast<int>(chosen.size()) < want && tries < want * 4; ++tries) {
    const size_t k = info.skill_zipf.Sample(rng);
    if (std::find(chosen.begin(), chosen.end(), k) != chosen.end()) continue;
    const bool must = (chosen.empty() && rng.Chance(0.8)) || (chosen.size() == 1 && rng.Chance(0.4));
    chosen.push_back(k);
    auto* s = v->add_required_skills();
    s->set_skill_id(info.skills[k]);
    s->set_must_have(must);
    s->set_min_level(must ? std::clamp(1 + (skilled ? 1 : 0) + static_cast<int>(rng.Between(0, 1)), 1, 4)
                          : static_cast<int>(rng.Between(1, 2)));
    s->set_weight(std::clamp(100 - 12 * static_cast<int>(chosen.size() - 1) +
                                 static_cast<int>(rng.Between(-5, 5)),
                             10, 100));
  }
  if (corridor.required_level > 0 && rng.Chance(corridor.language_probability)) {
    auto* l = v->add_required_languages();
    l->set_language_code(corridor.required_language);
    const int level = std::min(6, corridor.required_level +
                                      (unit[0] == '2' && std::string(corridor.key) == "nl-pl"));
    l->set_min_level(static_cast<v1::CefrLevel>(level));
  }
  if (skilled) {
    v->set_min_experience_years(static_cast<int32_t>(rng.Between(2, 5)));
  } else if (unit[0] == '7' || unit[0] == '8') {
    v->set_min_experience_years(static_cast<int32_t>(rng.Between(1, 3)));
  } else if (!rng.Chance(0.7)) {
    v->set_min_experience_years(static_cast<int32_t>(rng.Between(1, 2)));
  }
  if (unit[0] == '2') {
    v->set_min_education(v1::ISCED_LEVEL_BACHELOR);
  } else if (unit[0] == '3') {
    v->set_min_education(rng.Chance(0.7) ? v1::ISCED_LEVEL_SHORT_CYCLE_TERTIARY
                                         : v1::ISCED_LEVEL_POST_SECONDARY_NON_TERTIARY);
  } else if (unit.rfind("532", 0) == 0 && rng.Chance(0.5)) {
    v->set_min_education(v1::ISCED_LEVEL_UPPER_SECONDARY);
  } else if (rng.Chance(0.3)) {
    v->set_min_education(v1::ISCED_LEVEL_LOWER_SECONDARY);
  }
  if (unit == "2221" || unit == "3221") {
    v->add_required_credentials("nursing_diploma");
    v->set_required_licence("registered_nurse");
  } else if (unit[0] == '2' && rng.Chance(0.3)) {
    v->add_required_credentials("bachelor_degree");
  } else if (unit.rfind("741", 0) == 0 && rng.Chance(0.5)) {
    v->add_required_credentials("electrician_certificate");
  } else if (unit == "8332" && rng.Chance(0.7)) {
    v->set_required_licence("heavy_goods_vehicle_driver");
  }

  // Eligible origins: the corridor's origin, sometimes with the
  // agreement's others, or empty (any origin the agreement covers).
  const double e = rng.Uniform();
  if (agreement.origins.size() > 1) {
    if (e < 0.4) {
      for (const char* o : agreement.origins) v->add_eligible_origins(o);
    } else if (e < 0.8) {
      v->add_eligible_origins(corridor.origin);
    }
  } else if (e < 0.7) {
    v->add_eligible_origins(corridor.origin);
  }

  const demo::WageBand& band = demo::WageFor(corridor.destination, unit);
  const int64_t step = band.period == v1::WAGE_PERIOD_HOUR ? 5 : 100;
  int64_t amount = rng.Between(band.min_minor, band.max_minor);
  amount = std::max(band.min_minor, amount / step * step);
  v->mutable_wage()->mutable_amount()->set_currency_code(band.currency);
  v->mutable_wage()->mutable_amount()->set_amount_minor(amount);
  v->mutable_wage()->set_period(band.period);

  auto* housing = v->mutable_housing();
  housing->mutable_monthly_cost()->set_currency_code(band.currency);
  if (rng.Chance(corridor.housing_provided)) {
    housing->set_provided(true);
    housing->mutable_monthly_cost()->set_amount_minor(
        rng.Between(corridor.housing_cost_min, corridor.housing_cost_max) / 100 * 100);
    housing->set_description(corridor.housing_text);
  } else {
    housing->set_provided(false);
    housing->set_description("Worker rents privately; the employer helps with the search (synthetic)");
  }

  const double t = rng.Uniform();
  if (agreement.labour_market_test_required) {
    v->set_labour_market_test(t < 0.75 ? v1::LABOUR_MARKET_TEST_DONE
                                       : (t < 0.85 ? v1::LABOUR_MARKET_TEST_EXEMPT
                                                   : v1::LABOUR_MARKET_TEST_PENDING));
  } else {
    v->set_labour_market_test(t < 0.7 ? v1::LABOUR_MARKET_TEST_EXEMPT
                                      : v1::LABOUR_MARKET_TEST_DONE);
  }
  const double st = rng.Uniform();
  v->set_state(st < 0.95 ? v1::VACANCY_STATE_OPEN
                         : (st < 0.98 ? v1::VACANCY_STATE_DRAFT : v1::VACANCY_STATE_CLOSED));
}

// ---------------------------------------------------------------------------
// Files.

namespace {

class OutFile {
 public:
  absl::Status Open(const std::string& path) {
    path_ = path;
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) return absl::InternalError(absl::StrCat("cannot write ", path));
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
    return absl::OkStatus();
  }
  ~OutFile() {
    if (file_ != nullptr) std::fclose(file_);
  }
  void Write(absl::string_view data) {
    if (std::fwrite(data.data(), 1, data.size(), file_) != data.size()) failed_ = true;
  }
  absl::Status Close() {
    const bool close_failed = std::fclose(file_) != 0;
    file_ = nullptr;
    if (failed_ || close_failed) return absl::InternalError(absl::StrCat("error writing ", path_));
    return absl::OkStatus();
  }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  bool failed_ = false;
};

template <class M>
absl::Status WriteJsonl(const std::string& path, const std::vector<M>& items) {
  OutFile f;
  absl::Status s = f.Open(path);
  if (!s.ok()) return s;
  std::string line;
  for (const M& m : items) {
    line.clear();
    AppendMessageJson(m, &line);
    line.push_back('\n');
    f.Write(line);
  }
  return f.Close();
}

// Makes records [0, count) with `threads` threads in rounds of chunks and
// writes them in order, so memory stays bounded whatever the count.
template <class M, class Make>
absl::Status WriteRecords(const std::string& jsonl_path, const std::string& csv_path,
                          int64_t count, int threads, const Make& make,
                          std::vector<std::string> (*to_csv)(absl::string_view, const M&),
                          const std::vector<std::string>& csv_columns, absl::string_view collection) {
  OutFile jsonl;
  absl::Status s = jsonl.Open(jsonl_path);
  if (!s.ok()) return s;
  OutFile csv;
  const bool with_csv = !csv_path.empty();
  if (with_csv) {
    s = csv.Open(csv_path);
    if (!s.ok()) return s;
    std::string header;
    AppendCsvRecord(csv_columns, &header);
    csv.Write(header);
  }
  constexpr int64_t kChunk = 4096;
  threads = std::max(1, threads);
  std::vector<std::string> json_out(static_cast<size_t>(threads));
  std::vector<std::string> csv_out(static_cast<size_t>(threads));
  for (int64_t round_start = 0; round_start < count; round_start += kChunk * threads) {
    auto work = [&](int t) {
      std::string& js = json_out[static_cast<size_t>(t)];
      std::string& cs = csv_out[static_cast<size_t>(t)];
      js.clear();
      cs.clear();
      M m;
      const int64_t begin = round_start + kChunk * t;
      const int64_t end = std::min(count, begin + kChunk);
      for (int64_t i = begin; i < end; ++i) {
        make(i, &m);
        AppendMessageJson(m, &js);
        js.push_back('\n');
        if (with_csv) {
          const std::string id = m.name().substr(collection.size() + 1);
          AppendCsvRecord(to_csv(id, m), &cs);
        }
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    for (int t = 0; t < threads; ++t) {
      jsonl.Write(json_out[static_cast<size_t>(t)]);
      if (with_csv) csv.Write(csv_out[static_cast<size_t>(t)]);
    }
  }
  s = jsonl.Close();
  if (!s.ok()) return s;
  if (with_csv) return csv.Close();
  return absl::OkStatus();
}

std::string Readme(const DemoOptions& options, const DemoCounts& counts,
                   const DemoTaxonomy& taxonomy) {
  std::string corridors;
  for (const auto& c : demo::Corridors()) {
    absl::StrAppend(&corridors, "  ", c.destination, " <- ", c.origin, "  agreements/",
                    c.agreement, "\n");
  }
  return absl::StrCat(
      "SYNTHETIC DEMO DATA - NOT REAL PEOPLE, EMPLOYERS, AGREEMENTS OR QUOTAS\n"
      "======================================================================\n\n"
      "Every record in this folder was made up by `corridor demo generate` (seed ",
      options.seed, ").\n"
      "Names, contacts (@example.invalid), licence numbers, employers, wages and all quota\n"
      "caps are synthetic. Agreements are modelled on the corridors in the Corridor domain\n"
      "notes; their dates and terms are plausible but are not the official texts. Every\n"
      "quota cell has \"synthetic\": true and says so in its display name.\n\n"
      "Occupations and skills come from the ",
      taxonomy.source().substr(0, taxonomy.source().find(" (")),
      " (ESCO classification,\nEuropean Commission; reuse authorised with acknowledgement, "
      "Commission Decision\n2011/833/EU).\n\n"
      "Counts\n"
      "  agencies     ", counts.agencies, "\n"
      "  employers    ", counts.employers, "\n"
      "  agreements   ", counts.agreements, "\n"
      "  quota cells  ", counts.quota_cells, "\n"
      "  candidates   ", counts.candidates, "\n"
      "  vacancies    ", counts.vacancies, "\n\n"
      "Corridors\n", corridors, "\n"
      "Files (one JSON object per line, proto3 JSON of the corridor.v1 API)\n"
      "  agencies.jsonl     Agency, with its \"name\"\n"
      "  employers.jsonl    Employer\n"
      "  agreements.jsonl   Agreement\n"
      "  quota_cells.jsonl  {\"agreement\": \"agreements/<a>\", \"cellId\": \"<c>\", \"cell\": "
      "QuotaCell}, parents first\n"
      "  candidates.jsonl   Candidate (the import format of `corridor candidates import`)\n"
      "  vacancies.jsonl    Vacancy (the import format of `corridor vacancies import`)\n",
      options.csv ? "  candidates.csv, vacancies.csv  the same in the CSV import layout\n" : "",
      "  manifest.json      seed and counts\n\n"
      "Load them into a server with an operator token:\n"
      "  corridor demo load --dir <this folder>\n");
}

}  // namespace

int64_t DemoVacancyCount(const DemoOptions& options) {
  if (options.vacancies >= 0) return options.vacancies;
  return std::max<int64_t>(24, options.candidates / 10);
}

absl::StatusOr<DemoCounts> GenerateDemo(const DemoOptions& options, const DemoTaxonomy& taxonomy) {
  if (options.out_dir.empty()) return absl::InvalidArgumentError("--out is required");
  if (options.candidates < 0) return absl::InvalidArgumentError("--candidates must be >= 0");
  const int64_t vacancies = DemoVacancyCount(options);
  auto world = DemoWorld::Create(taxonomy, options.seed, vacancies);
  if (!world.ok()) return world.status();
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("cannot create ", options.out_dir, ": ", ec.message()));
  }
  const std::string dir = options.out_dir + "/";
  const DemoWorld& w = **world;
  absl::Status s = WriteJsonl(dir + "agencies.jsonl", w.agencies());
  if (s.ok()) s = WriteJsonl(dir + "employers.jsonl", w.employers());
  if (s.ok()) s = WriteJsonl(dir + "agreements.jsonl", w.agreements());
  if (s.ok()) {
    OutFile f;
    s = f.Open(dir + "quota_cells.jsonl");
    if (s.ok()) {
      std::string line;
      for (const DemoCell& cell : w.cells()) {
        line = absl::StrCat("{\"agreement\":\"", cell.agreement, "\",\"cellId\":\"", cell.cell_id,
                            "\",\"cell\":");
        AppendMessageJson(cell.cell, &line);
        line.append("}\n");
        f.Write(line);
      }
      s = f.Close();
    }
  }
  if (!s.ok()) return s;
  s = WriteRecords<v1::Candidate>(
      dir + "candidates.jsonl", options.csv ? dir + "candidates.csv" : "", options.candidates,
      options.threads, [&](int64_t i, v1::Candidate* c) { w.MakeCandidate(i, c); },
      &CandidateToCsv, CandidateCsvColumns(), "candidates");
  if (!s.ok()) return s;
  s = WriteRecords<v1::Vacancy>(
      dir + "vacancies.jsonl", options.csv ? dir + "vacancies.csv" : "", vacancies,
      options.threads, [&](int64_t i, v1::Vacancy* v) { w.MakeVacancy(i, v); }, &VacancyToCsv,
      VacancyCsvColumns(), "vacancies");
  if (!s.ok()) return s;

  DemoCounts counts;
  counts.agencies = static_cast<int64_t>(w.agencies().size());
  counts.employers = static_cast<int64_t>(w.employers().size());
  counts.agreements = static_cast<int64_t>(w.agreements().size());
  counts.quota_cells = static_cast<int64_t>(w.cells().size());
  counts.candidates = options.candidates;
  counts.vacancies = vacancies;

  OutFile manifest;
  s = manifest.Open(dir + "manifest.json");
  if (!s.ok()) return s;
  manifest.Write(absl::StrCat("{\"generator\":\"corridor demo generate\",\"formatVersion\":1,",
                              "\"synthetic\":true,\"seed\":\"", options.seed,
                              "\",\"agencies\":", counts.agencies, ",\"employers\":",
                              counts.employers, ",\"agreements\":", counts.agreements,
                              ",\"quotaCells\":", counts.quota_cells, ",\"candidates\":",
                              counts.candidates, ",\"vacancies\":", counts.vacancies, "}\n"));
  s = manifest.Close();
  if (!s.ok()) return s;
  OutFile readme;
  s = readme.Open(dir + "README.txt");
  if (!s.ok()) return s;
  readme.Write(Readme(options, counts, taxonomy));
  s = readme.Close();
  if (!s.ok()) return s;
  return counts;
}

}  // namespace corridor::cli
