// Shortlists over the in-memory CandidateIndex: top-50 candidates for one
// vacancy over 1,000,000 synthetic candidates, in process.
//
//   build-lead/bench/shortlist_bench
//   build-lead/bench/shortlist_bench --candidates=200000   (smaller, faster)
//   build-lead/bench/shortlist_bench --hot=first-seen      (hot skills as first seen)
//
// Skills are ESCO skill groups (level 3, from CORRIDOR_SHARED_DIR/data/esco
// when present, else the built-in taxonomy's skills), as the demo data use
// them: each ISCO unit group has its own list of 15 typical skills (lists of
// neighbouring groups overlap by 5), a candidate draws most skills from the
// list of their first occupation with Zipf-skewed frequencies, and a
// vacancy's required skills come from its occupation's list. After loading,
// the index chooses its hot skills by frequency (CandidateIndex::
// ChooseHotSkills, as Rebuild does) unless --hot=first-seen.
//
// Reports, per representative vacancy, the p50 and p99 of TopK (counters
// p50_ms, p99_ms; the benchmark's own time is the mean), the same of the
// thread's CPU time per query (p50_cpu_ms, p99_cpu_ms: on a shared machine
// they leave out the time the thread waited for a core), the number visited
// and eligible; and, from BM_Load, the time to Upsert every candidate and the
// index's bytes per candidate. PERFORMANCE.md targets: p50 <= 2 ms, p99 <= 6 ms,
// <= 300 bytes per candidate, load of 1M <= 10 s.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <time.h>

#include "bench/zipf.h"
#include "common/dates.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "corridor/v1/agency_service.pb.h"
#include "corridor/v1/agreement_service.pb.h"
#include "corridor/v1/candidate_service.pb.h"
#include "corridor/v1/vacancy_service.pb.h"
#include "matcher/candidate_index.h"
#include "matcher/evaluator.h"
#include "matcher/match_model.h"
#include "matcher/match_world.h"
#include "matcher/taxonomy.h"

namespace corridor::matcher {
namespace {

int64_t g_candidates = 1000000;
bool g_first_seen_hot = false;

#ifndef CORRIDOR_SHARED_DIR
#define CORRIDOR_SHARED_DIR "../shared"
#endif

v1::Date D(int y, int m, int d) { return MakeDate(y, m, d); }

// CPU time of the calling thread, in milliseconds.
double ThreadCpuMs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

v1::DateRange R(int y1, int m1, int d1, int y2, int m2, int d2) {
  return MakeDateRange(y1, m1, d1, y2, m2, d2);
}

using corridor::bench::Zipf;

struct Origin {
  const char* country;
  const char* language;  // native
  double share;
};
// Several corridors at once (DOMAIN.md section 12), skewed like real registers.
const Origin kOrigins[] = {
    {"CO", "es", 0.16}, {"MA", "ar", 0.14}, {"EC", "es", 0.08}, {"GH", "en", 0.07},
    {"NG", "en", 0.09}, {"SN", "fr", 0.06}, {"PL", "pl", 0.08}, {"IN", "hi", 0.12},
    {"MU", "en", 0.02}, {"MX", "es", 0.10}, {"GT", "es", 0.05}, {"CV", "pt", 0.03},
};
// ISCO-08 unit groups of the demo corridors, most frequent first (Zipf).
const char* kIsco[] = {"9211", "6111", "9212", "5120", "6121", "9213", "5131", "7112",
                       "2221", "3221", "8322", "9329", "6112", "5322", "7126", "9112",
                       "2512", "7231", "8332", "5141"};
const char* kOtherLanguages[] = {"en", "es", "fr", "de", "it", "nl", "da"};

struct Fixture {
  std::unique_ptr<Taxonomy> taxonomy;
  Interner interner;
  std::unique_ptr<Evaluator> evaluator;
  std::unique_ptr<CandidateIndex> index;
  MatchWorld world;
  // Typical skills of each kIsco entry, most frequent first.
  std::vector<std::vector<std::string>> occ_skills;
  std::vector<std::string> skills;  // every skill any list holds
  bool esco = false;
  double choose_hot_seconds = 0;
  double load_seconds = 0;      // Upserts only
  double generate_seconds = 0;  // building the protos
};

v1::Agreement Agreement(const std::string& id, std::vector<const char*> dest,
                        std::vector<const char*> origins, std::vector<const char*> scope) {
  v1::Agreement a;
  a.set_name("agreements/" + id);
  a.set_display_name("Synthetic agreement " + id);
  for (const char* d : dest) a.add_destinations(d);
  for (const char* o : origins) a.add_origins(o);
  for (const char* s : scope) a.add_occupation_scope(s);
  *a.mutable_in_force_from() = D(2020, 1, 1);
  *a.mutable_expiry_date() = D(2030, 12, 31);
  a.add_schemes(v1::SCHEME_SEASONAL);
  a.add_schemes(v1::SCHEME_TEMPORARY);
  a.add_schemes(v1::SCHEME_CIRCULAR);
  a.add_schemes(v1::SCHEME_PERMANENT);
  a.set_reentry_policy(v1::REENTRY_POLICY_SCORE_BONUS);
  a.set_not_returned_ineligible(true);
  return a;
}

MatchWorld BuildWorld(Interner& interner) {
  std::vector<v1::Agreement> agreements = {
      Agreement("es-co", {"ES"}, {"CO", "EC"}, {}),
      Agreement("es-ma", {"ES"}, {"MA"}, {"61", "92", "51"}),
      Agreement("it-west-africa", {"IT"}, {"GH", "NG", "SN"}, {}),
      Agreement("nl-pl", {"NL"}, {"PL"}, {"22", "32"}),
      Agreement("ca-seasonal", {"CA"}, {"MX", "GT", "MU"}, {}),
      Agreement("dk-in", {"DK"}, {"IN"}, {}),
      Agreement("fr-cv", {"FR"}, {"CV"}, {}),
  };
  std::vector<v1::QuotaCell> cells;
  for (const v1::Agreement& a : agreements) {
    for (const std::string& dest : a.destinations()) {
      v1::QuotaCell c;
      std::string id = a.name().substr(std::strlen("agreements/"));
      c.set_name(absl::StrCat("agreements/", id, "/quotaCells/", id, "-2027"));
      *c.mutable_period() = R(2027, 1, 1, 2027, 12, 31);
      c.set_destination(dest);
      c.set_cap(200000);
      c.set_reserved(1000);
      c.set_synthetic(true);
      cells.push_back(c);
    }
  }
  std::vector<v1::Agency> agencies;
  for (const Origin& o : kOrigins) {
    v1::Agency a;
    a.set_name(absl::StrCat("agencies/agency-", absl::AsciiStrToLower(o.country)));
    a.set_country(o.country);
    a.set_licence_number("LIC-1");
    a.set_licence_status(v1::LICENCE_STATUS_VALID);
    *a.mutable_licence_expiry() = D(2028, 12, 31);
    agencies.push_back(a);
  }
  return BuildMatchWorld(agreements, cells, agencies, {}, interner, ToDay(2027, 1, 10));
}

constexpr int kIscoCount = static_cast<int>(sizeof(kIsco) / sizeof(kIsco[0]));
constexpr int kSkillsPerOccupation = 15;
constexpr int kSkillStride = 10;  // neighbouring lists share 5 skills

int IscoIndex(const std::string& code) {
  for (int i = 0; i < kIscoCount; ++i) {
    if (code == kIsco[i]) return i;
  }
  return 0;
}

v1::Candidate MakeCandidate(std::mt19937_64& rng, int64_t n, const Fixture& fx,
                            const Zipf& isco_zipf, const Zipf& skill_zipf,
                            const std::vector<double>& origin_cdf) {
  auto uniform = [&rng](int m) { return static_cast<int>(rng() % static_cast<uint64_t>(m)); };
  double u = std::uniform_real_distribution<double>(0, 1)(rng);
  const Origin& origin =
      kOrigins[std::lower_bound(origin_cdf.begin(), origin_cdf.end(), u) - origin_cdf.begin()];
  v1::Candidate c;
  c.set_name(absl::StrCat("candidates/cand-", n));
  c.set_agency(absl::StrCat("agencies/agency-", absl::AsciiStrToLower(origin.country)));
  c.set_nationality(origin.country);
  c.set_residence_country(uniform(20) == 0 ? "ES" : origin.country);
  c.set_birth_year(1965 + uniform(40));
  int occupations = 1 + (uniform(3) == 0) + (uniform(8) == 0);
  for (int i = 0; i < occupations; ++i) {
    v1::CandidateOccupation* o = c.add_occupations();
    o->set_isco_code(kIsco[isco_zipf(rng)]);
    o->set_experience_years(uniform(15));
  }
  int nskills = 2 + uniform(9);
  const std::vector<std::string>& mine =
      fx.occ_skills[IscoIndex(c.occupations(0).isco_code())];
  for (int i = 0; i < nskills; ++i) {
    v1::CandidateSkill* s = c.add_skills();
    // Mostly the typical skills of the first occupation, some from anywhere.
    s->set_skill_id(uniform(5) != 0 ? mine[skill_zipf(rng)]
                                    : fx.skills[uniform(static_cast<int>(fx.skills.size()))]);
    s->set_level(1 + uniform(4));
    s->set_evidence(static_cast<v1::Evidence>(1 + uniform(3)));
  }
  v1::CandidateLanguage* l = c.add_languages();
  l->set_language_code(origin.language);
  l->set_level(v1::CEFR_LEVEL_C2);
  for (int i = 0, m = uniform(3); i < m; ++i) {
    l = c.add_languages();
    l->set_language_code(kOtherLanguages[uniform(7)]);
    l->set_level(static_cast<v1::CefrLevel>(1 + uniform(5)));
    l->set_evidence(v1::EVIDENCE_SELF_DECLARED);
  }
  c.set_education(static_cast<v1::IscedLevel>(1 + uniform(6)));
  if (uniform(6) == 0) {
    v1::Credential* cr = c.add_credentials();
    cr->set_kind(uniform(2) == 0 ? "phytosanitary_handling" : "food_safety");
    cr->set_issuing_country(origin.country);
    cr->set_verified(uniform(4) != 0);
    cr->add_recognised_in("ES");
    if (uniform(2) == 0) cr->add_recognised_in("IT");
  }
  int from = 1 + uniform(8);
  *c.mutable_availability() = R(2027, from, 1 + uniform(28), 2027, std::min(12, from + 2 + uniform(8)), 28);
  if (uniform(2) == 0) c.mutable_preferences()->add_destinations(uniform(2) == 0 ? "ES" : "IT");
  if (uniform(2) == 0) c.mutable_preferences()->add_schemes(v1::SCHEME_SEASONAL);
  if (uniform(20) != 0) c.mutable_consent()->mutable_given_time()->set_seconds(1790000000);
  if (uniform(5) == 0) {
    v1::PastPlacement* p = c.add_history();
    p->set_agreement("agreements/es-co");
    p->set_scheme(v1::SCHEME_SEASONAL);
    p->set_destination("ES");
    *p->mutable_stay() = R(2025, 3, 1, 2025, 7, 1);
    p->set_return_outcome(uniform(20) == 0 ? v1::RETURN_OUTCOME_NOT_RETURNED
                                           : v1::RETURN_OUTCOME_ON_TIME);
  }
  // Registered over 2025-2026, one second apart with random ties.
  c.mutable_create_time()->set_seconds(1735689600 + n / 2);
  c.mutable_update_time()->set_seconds(1735689600 + n / 2);
  return c;
}

Fixture& GetFixture() {
  static Fixture* f = [] {
    auto* fx = new Fixture();
    absl::StatusOr<std::unique_ptr<Taxonomy>> esco =
        Taxonomy::LoadEsco(std::string(CORRIDOR_SHARED_DIR) + "/data/esco");
    fx->esco = esco.ok();
    fx->taxonomy = esco.ok() ? std::move(*esco) : Taxonomy::BuiltIn();
    fx->evaluator = std::make_unique<Evaluator>(*fx->taxonomy, fx->interner);
    fx->index = std::make_unique<CandidateIndex>(fx->interner);
    fx->world = BuildWorld(fx->interner);
    // The pool: ESCO level-3 skill groups ("S1.0.1": two dots, a parent with
    // siblings) when loaded, else every built-in skill; shuffled, then cut
    // into overlapping per-occupation lists (wrapping around a small pool).
    std::vector<std::string> pool;
    for (const Skill& s : fx->taxonomy->skills()) {
      if (!fx->esco || std::count(s.id.begin(), s.id.end(), '.') == 2) pool.push_back(s.id);
    }
    std::mt19937_64 rng(42);
    std::shuffle(pool.begin(), pool.end(), rng);
    fx->occ_skills.resize(kIscoCount);
    absl::flat_hash_set<std::string> all;
    for (int o = 0; o < kIscoCount; ++o) {
      for (int r = 0; r < kSkillsPerOccupation; ++r) {
        const std::string& id = pool[(o * kSkillStride + r) % pool.size()];
        fx->occ_skills[o].push_back(id);
        if (all.insert(id).second) fx->skills.push_back(id);
      }
    }
    Zipf isco_zipf(kIscoCount, 1.0);
    Zipf skill_zipf(kSkillsPerOccupation, 1.0);
    std::vector<double> origin_cdf;
    double sum = 0;
    for (const Origin& o : kOrigins) origin_cdf.push_back(sum += o.share);
    for (double& c : origin_cdf) c /= sum;
    // Generated in batches so the protos do not all sit in memory at once.
    const int64_t kBatch = 10000;
    std::vector<v1::Candidate> batch;
    for (int64_t n = 0; n < g_candidates; n += kBatch) {
      auto t0 = std::chrono::steady_clock::now();
      batch.clear();
      for (int64_t i = n; i < std::min(g_candidates, n + kBatch); ++i) {
        batch.push_back(MakeCandidate(rng, i, *fx, isco_zipf, skill_zipf, origin_cdf));
      }
      auto t1 = std::chrono::steady_clock::now();
      for (const v1::Candidate& c : batch) fx->index->Upsert(c);
      auto t2 = std::chrono::steady_clock::now();
      fx->generate_seconds += std::chrono::duration<double>(t1 - t0).count();
      fx->load_seconds += std::chrono::duration<double>(t2 - t1).count();
    }
    if (!g_first_seen_hot) {
      auto t0 = std::chrono::steady_clock::now();
      fx->index->ChooseHotSkills();
      fx->choose_hot_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    return fx;
  }();
  return *f;
}

v1::RequiredSkill* AddSkill(v1::Vacancy& v, const std::string& id, int level, int weight,
                            bool must) {
  v1::RequiredSkill* s = v.add_required_skills();
  s->set_skill_id(id);
  s->set_min_level(level);
  s->set_weight(weight);
  s->set_must_have(must);
  return s;
}

// Representative vacancies, one per corridor shape. S(isco, r): the r-th most
// frequent typical skill of that unit group.
v1::Vacancy MakeVacancy(int which, const Fixture& fx) {
  auto S = [&fx](const char* isco, int r) { return fx.occ_skills[IscoIndex(isco)][r]; };
  v1::Vacancy v;
  v.set_name(absl::StrCat("vacancies/bench-", which));
  v.set_positions(100);
  v.set_labour_market_test(v1::LABOUR_MARKET_TEST_DONE);
  v.set_state(v1::VACANCY_STATE_OPEN);
  auto lang = [&v](const char* code, v1::CefrLevel level) {
    v1::RequiredLanguage* l = v.add_required_languages();
    l->set_language_code(code);
    l->set_min_level(level);
  };
  switch (which) {
    case 0:  // Spain, strawberry harvest; any covered origin (CO, EC, MA).
      v.set_destination("ES");
      v.set_isco_code("9211");
      v.set_scheme(v1::SCHEME_SEASONAL);
      *v.mutable_window() = R(2027, 3, 1, 2027, 6, 15);
      AddSkill(v, S("9211", 0), 2, 60, true);
      AddSkill(v, S("9211", 3), 1, 20, false);
      AddSkill(v, S("9211", 7), 1, 20, false);
      v.set_min_experience_years(1);
      break;
    case 1:  // Italy, crop farm workers from West Africa; no must-have skill.
      v.set_destination("IT");
      v.set_isco_code("6111");
      v.set_scheme(v1::SCHEME_SEASONAL);
      *v.mutable_window() = R(2027, 4, 15, 2027, 9, 30);
      AddSkill(v, S("6111", 1), 2, 50, false);
      AddSkill(v, S("6111", 2), 1, 30, false);
      AddSkill(v, S("6111", 5), 1, 20, false);
      lang("en", v1::CEFR_LEVEL_A2);
      break;
    case 2:  // Netherlands, nurses from Poland; two must-haves, English B2.
      v.set_destination("NL");
      v.set_isco_code("2221");
      v.set_scheme(v1::SCHEME_TEMPORARY);
      *v.mutable_window() = R(2027, 5, 1, 2028, 4, 30);
      AddSkill(v, S("2221", 0), 2, 50, true);
      AddSkill(v, S("2221", 1), 1, 30, true);
      AddSkill(v, S("2221", 6), 1, 20, false);
      lang("en", v1::CEFR_LEVEL_B2);
      v.set_min_education(v1::ISCED_LEVEL_BACHELOR);
      break;
    case 3:  // Canada, seasonal agriculture (MX, GT, MU), the widest query.
      v.set_destination("CA");
      v.set_isco_code("6121");
      v.set_scheme(v1::SCHEME_SEASONAL);
      *v.mutable_window() = R(2027, 5, 1, 2027, 10, 31);
      AddSkill(v, S("6121", 2), 1, 40, false);
      AddSkill(v, S("6121", 6), 1, 30, false);
      AddSkill(v, S("6121", 0), 1, 30, false);
      break;
    case 5:  // Spain, farm labourers (CO, EC, MA); one must-have skill.
      v.set_destination("ES");
      v.set_isco_code("9212");
      v.set_scheme(v1::SCHEME_SEASONAL);
      *v.mutable_window() = R(2027, 4, 1, 2027, 7, 31);
      AddSkill(v, S("9212", 0), 1, 50, true);
      AddSkill(v, S("9212", 2), 1, 30, false);
      AddSkill(v, S("9212", 4), 1, 20, false);
      break;
    case 6:  // Italy, building workers from West Africa; two must-haves.
      v.set_destination("IT");
      v.set_isco_code("7112");
      v.set_scheme(v1::SCHEME_TEMPORARY);
      *v.mutable_window() = R(2027, 5, 1, 2027, 12, 15);
      AddSkill(v, S("7112", 0), 1, 40, true);
      AddSkill(v, S("7112", 1), 1, 30, true);
      AddSkill(v, S("7112", 3), 1, 30, false);
      break;
    default:  // Spain, hospitality, Ecuador and Colombia named; Spanish B1.
      v.set_destination("ES");
      v.set_isco_code("5120");
      v.set_scheme(v1::SCHEME_TEMPORARY);
      *v.mutable_window() = R(2027, 6, 1, 2027, 12, 15);
      v.add_eligible_origins("EC");
      v.add_eligible_origins("CO");
      AddSkill(v, S("5120", 8), 2, 50, false);
      AddSkill(v, S("5120", 1), 1, 50, false);
      lang("es", v1::CEFR_LEVEL_B1);
      break;
  }
  return v;
}

void BM_Load(benchmark::State& state) {
  Fixture& f = GetFixture();
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.index->size());
  }
  double n = static_cast<double>(f.index->size());
  state.counters["candidates"] = n;
  state.counters["upsert_total_s"] = f.load_seconds;
  state.counters["upsert_per_s"] = n / f.load_seconds;
  state.counters["generate_total_s"] = f.generate_seconds;
  state.counters["choose_hot_s"] = f.choose_hot_seconds;
  state.counters["esco"] = f.esco ? 1 : 0;
  state.counters["distinct_skills"] = static_cast<double>(f.skills.size());
  state.counters["bytes_per_candidate"] = static_cast<double>(f.index->MemoryBytes()) / n;
}
BENCHMARK(BM_Load)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_Top50(benchmark::State& state) {
  Fixture& f = GetFixture();
  const int which = static_cast<int>(state.range(0));
  CompiledVacancy vacancy =
      f.evaluator->Compile(MakeVacancy(which, f), nullptr, f.world);
  CandidateIndex::Query q;
  q.vacancy = &vacancy;
  q.world = &f.world;
  q.k = 50;
  std::vector<double> ms;
  std::vector<double> cpu_ms;
  int64_t eligible = 0;
  for (auto _ : state) {
    const double c0 = ThreadCpuMs();
    auto t0 = std::chrono::steady_clock::now();
    absl::StatusOr<CandidateIndex::Result> r = f.index->TopK(q, *f.evaluator);
    auto t1 = std::chrono::steady_clock::now();
    cpu_ms.push_back(ThreadCpuMs() - c0);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    eligible = r->eligible_count;
    benchmark::DoNotOptimize(r->top.data());
    double secs = std::chrono::duration<double>(t1 - t0).count();
    state.SetIterationTime(secs);
    ms.push_back(secs * 1e3);
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu_ms.begin(), cpu_ms.end());
  auto pct = [](const std::vector<double>& v, double p) {
    return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
  };
  state.counters["p50_ms"] = pct(ms, 0.50);
  state.counters["p99_ms"] = pct(ms, 0.99);
  state.counters["p50_cpu_ms"] = pct(cpu_ms, 0.50);
  state.counters["p99_cpu_ms"] = pct(cpu_ms, 0.99);
  state.counters["max_ms"] = ms.back();
  state.counters["eligible"] = static_cast<double>(eligible);
  state.SetLabel(std::string(vacancy.id));
}
BENCHMARK(BM_Top50)
    ->DenseRange(0, 6)
    ->UseManualTime()
    ->Iterations(300)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace corridor::matcher

int main(int argc, char** argv) {
  // --candidates=N (default 1,000,000) and --hot=first-seen, removed before
  // Google Benchmark parses.
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--candidates=", 13) == 0) {
      corridor::matcher::g_candidates = std::atoll(argv[i] + 13);
    } else if (std::strcmp(argv[i], "--hot=first-seen") == 0) {
      corridor::matcher::g_first_seen_hot = true;
    } else {
      rest.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
