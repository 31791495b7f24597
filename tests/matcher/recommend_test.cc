// MatchEngine::Recommend against a brute force: every open vacancy evaluated
// for the candidate, the eligible ones sorted by (score desc, vacancy id asc).
// The engine evaluates only the vacancies its per-origin gates let through
// (Evaluator::VacancyGates, Evaluator::CandidateGateOf); this test fails if
// the gates ever drop an eligible vacancy or the top-k changes the order.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "gtest/gtest.h"
#include "matcher/evaluator.h"
#include "matcher/match_engine.h"
#include "matcher/match_model.h"
#include "matcher/match_world.h"
#include "matcher/taxonomy.h"
#include "storage/database.h"
#include "storage/keys.h"
#include "storage/stores.h"
#include "tests/matcher/validation_test_util.h"

namespace corridor::matcher {
namespace {

using ::corridor::matcher::testing::MakeDate;
using ::corridor::matcher::testing::MakeRange;
using ::corridor::matcher::testing::ValidAgreement;
using ::corridor::matcher::testing::ValidCandidate;
using ::corridor::matcher::testing::ValidEmployer;
using ::corridor::matcher::testing::ValidVacancy;

constexpr int kToday[3] = {2026, 1, 15};

std::string FreshDir(const std::string& name) {
  static std::atomic<int> counter{0};
  std::string dir = absl::StrCat(::testing::TempDir(), "corridor-recommend-", name, "-", getpid(),
                                 "-", counter.fetch_add(1));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Skills with siblings in the built-in taxonomy, so must-haves are sometimes
// held, sometimes held below their level, sometimes only by a sibling.
const std::vector<std::string>& SkillPool() {
  static const std::vector<std::string>* ids = [] {
    auto* out = new std::vector<std::string>();
    std::unique_ptr<Taxonomy> t = Taxonomy::BuiltIn();
    for (const Skill& s : t->skills()) {
      if (out->size() == 10) break;
      out->push_back(s.id);
    }
    return out;
  }();
  return *ids;
}

struct Rng {
  std::mt19937 gen;
  int operator()(int n) { return static_cast<int>(gen() % static_cast<uint32_t>(n)); }
  bool Chance(int percent) { return (*this)(100) < percent; }
};

// CO and EC: es-co (labour-market test, non-return rule, EC nurses under a
// separate cap); MA: es-ma, whose only cell is full; GH and SN: it-gh, GH's
// farm cell full, SN's full with an overflow; SN also es-sn, not in force;
// PH: no agreement.
v1::Candidate RandomCandidate(Rng& pick, const std::string& id) {
  static const char* kNat[] = {"CO", "EC", "MA", "GH", "SN", "PH", "CO", "MA"};
  static const char* kIsco[] = {"6111", "9211", "9212", "5120", "2221", "7112"};
  static const char* kLang[] = {"es", "en", "fr", "it", "ar"};
  static const char* kAgency[] = {"agencies/ag-co",      "agencies/ag-ma",     "agencies/ag-gh",
                                  "agencies/ag-co",      "agencies/ag-gh",     "agencies/ag-bad",
                                  "agencies/ag-expired", "agencies/ag-unknown"};
  v1::Candidate c;
  c.set_name(absl::StrCat("candidates/", id));
  c.set_agency(kAgency[pick(pick.Chance(85) ? 5 : 8)]);
  c.set_display_name("Synthetic person");
  c.set_nationality(kNat[pick(8)]);
  c.set_residence_country(c.nationality());
  c.set_birth_year(1970 + pick(35));
  for (int i = 0, n = 1 + pick(3); i < n; ++i) {
    v1::CandidateOccupation* o = c.add_occupations();
    o->set_isco_code(kIsco[pick(6)]);
    o->set_experience_years(pick(12));
  }
  for (int i = 0, n = pick(8); i < n; ++i) {
    v1::CandidateSkill* s = c.add_skills();
    s->set_skill_id(SkillPool()[pick(static_cast<int>(SkillPool().size()))]);
    s->set_level(1 + pick(4));
    s->set_evidence(static_cast<v1::Evidence>(1 + pick(3)));
  }
  for (int i = 0, n = pick(4); i < n; ++i) {
    v1::CandidateLanguage* l = c.add_languages();
    l->set_language_code(kLang[pick(5)]);
    l->set_level(static_cast<v1::CefrLevel>(1 + pick(6)));
    l->set_evidence(v1::EVIDENCE_SELF_DECLARED);
  }
  c.set_education(static_cast<v1::IscedLevel>(pick(7)));
  for (int i = 0, n = pick(3) == 0 ? 1 + pick(2) : 0; i < n; ++i) {
    v1::Credential* cr = c.add_credentials();
    cr->set_kind(pick(2) == 0 ? "phytosanitary_handling" : "nursing_diploma");
    cr->set_issuing_country(c.nationality());
    cr->set_verified(pick(4) != 0);
    for (int j = 0, m = pick(3); j < m; ++j) cr->add_recognised_in(pick(2) == 0 ? "ES" : "IT");
  }
  for (int i = 0, n = pick(4) == 0 ? 1 + pick(2) : 0; i < n; ++i) {
    v1::ProfessionalLicence* l = c.add_licences();
    l->set_profession(pick(3) == 0 ? "forklift" : "nurse");
    static const char* kIssuer[] = {"ES", "IT", "CO"};
    l->set_issuing_country(kIssuer[pick(3)]);
    if (pick(4) != 0) *l->mutable_valid_until() = MakeDate(2026, 1 + pick(12), 1);
  }
  if (pick(8) != 0) {
    const int from = 1 + pick(8);
    *c.mutable_availability() = MakeRange(2026, from, 1 + pick(28), 2026, from + pick(5), 28);
  }
  for (int i = 0, n = pick(3); i < n; ++i) {
    c.mutable_preferences()->add_destinations(pick(2) == 0 ? "ES" : "IT");
  }
  if (pick(2) == 0) c.mutable_preferences()->add_schemes(v1::SCHEME_SEASONAL);
  if (pick(3) == 0) c.mutable_preferences()->add_isco_codes(kIsco[pick(6)]);
  if (pick(12) != 0) c.mutable_consent()->mutable_given_time()->set_seconds(1700000000);
  if (pick(30) == 0) c.mutable_consent()->mutable_withdrawn_time()->set_seconds(1710000000);
  for (int i = 0, n = pick(3) == 0 ? 1 + pick(2) : 0; i < n; ++i) {
    v1::PastPlacement* p = c.add_history();
    p->set_agreement(pick(2) == 0 ? "agreements/es-co" : "agreements/it-gh");
    p->set_scheme(v1::SCHEME_SEASONAL);
    p->set_destination("ES");
    *p->mutable_stay() = MakeRange(2024, 3, 1, 2024, 7, 1);
    p->set_return_outcome(static_cast<v1::ReturnOutcome>(1 + pick(3)));
  }
  return c;
}

v1::Vacancy RandomVacancy(Rng& pick, int n) {
  static const char* kIsco[] = {"6111", "9211", "9212", "5120", "2221", "7112"};
  v1::Vacancy v = ValidVacancy();
  v.set_name(absl::StrCat("vacancies/v", n));
  v.set_isco_code(kIsco[pick(6)]);
  v.set_scheme(pick(4) == 0 ? v1::SCHEME_TEMPORARY : v1::SCHEME_SEASONAL);
  const int start = 1 + pick(10);
  if (pick(40) == 0) {
    v.clear_window();
  } else {
    *v.mutable_window() = MakeRange(2026, start, 1 + pick(28), 2026, start + 2, 15);
  }
  v.clear_required_skills();
  for (int i = 0, m = pick(4); i < m; ++i) {
    v1::RequiredSkill* s = v.add_required_skills();
    s->set_skill_id(SkillPool()[pick(static_cast<int>(SkillPool().size()))]);
    s->set_min_level(1 + pick(4));
    s->set_weight(1 + pick(100));
    s->set_must_have(pick(2) == 0);
  }
  v.clear_required_languages();
  for (int i = 0, m = pick(4); i < m; ++i) {
    static const char* kLang[] = {"es", "it", "fr"};
    v1::RequiredLanguage* l = v.add_required_languages();
    l->set_language_code(kLang[pick(3)]);
    l->set_min_level(static_cast<v1::CefrLevel>(pick(5)));
  }
  v.set_min_experience_years(pick(4));
  v.clear_required_credentials();
  if (pick(5) == 0) {
    v.add_required_credentials(pick(2) == 0 ? "phytosanitary_handling" : "nursing_diploma");
  }
  if (pick(6) == 0) v.set_required_licence(pick(2) == 0 ? "nurse" : "forklift");
  static const v1::LabourMarketTest kTest[] = {
      v1::LABOUR_MARKET_TEST_DONE, v1::LABOUR_MARKET_TEST_EXEMPT, v1::LABOUR_MARKET_TEST_DONE,
      v1::LABOUR_MARKET_TEST_PENDING, v1::LABOUR_MARKET_TEST_UNSPECIFIED};
  v.set_labour_market_test(kTest[pick(5)]);
  v.clear_eligible_origins();
  switch (pick(4)) {
    case 0:
      break;
    case 1:
      v.add_eligible_origins("CO");
      break;
    case 2:
      v.add_eligible_origins("CO");
      v.add_eligible_origins("MA");
      v.add_eligible_origins("EC");
      v.add_eligible_origins("SN");
      break;
    default:
      v.add_eligible_origins("GH");
      v.add_eligible_origins("SN");
      v.add_eligible_origins("EC");
  }
  if (pick(3) == 0) {
    v.set_destination("IT");
    v.set_region("Lazio");
    v.set_employer("employers/em-it");
  } else if (pick(12) == 0) {
    v.set_employer("employers/em-suspended");
  }
  if (pick(5) == 0) {
    // The vacancy's own weights (else the agreement's, else the defaults).
    v1::ScoreWeights* w = v.mutable_score_weights();
    w->set_skill_coverage(pick(101));
    w->set_occupation_fit(pick(101));
    w->set_experience(pick(101));
    w->set_language_margin(pick(101));
    w->set_education(pick(3) == 0 ? 0 : pick(101));
    w->set_verified_credentials(pick(101));
    w->set_reentry_credit(pick(101));
    w->set_preference_fit(pick(101));
  }
  if (pick(10) == 0) v.set_state(pick(2) == 0 ? v1::VACANCY_STATE_DRAFT : v1::VACANCY_STATE_CLOSED);
  // Ids not in creation order, so the id tie-break is not the storage order.
  return v;
}

struct Ranked {
  std::string vacancy_id;
  int64_t score_micros = 0;
};

class RecommendTest : public ::testing::Test {
 protected:
  RecommendTest()
      : clock_(absl::FromCivil(absl::CivilDay(kToday[0], kToday[1], kToday[2]),
                               absl::UTCTimeZone())) {}

  void SetUp() override {
    dir_ = FreshDir("t");
    storage::DatabaseOptions options;
    options.path = dir_;
    options.sync = false;
    absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::Database::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    stores_ = std::make_unique<storage::Stores>(*db_);
    taxonomy_ = Taxonomy::BuiltIn();
    evaluator_ = std::make_unique<Evaluator>(*taxonomy_, interner_);
    CreateWorld();
  }

  void TearDown() override {
    engine_.reset();
    stores_.reset();
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  void CreateAgency(const std::string& id, v1::LicenceStatus status, int expiry_year) {
    v1::Agency a;
    a.set_name(absl::StrCat("agencies/", id));
    a.set_display_name("Agency (synthetic)");
    a.set_country("CO");
    a.set_licence_number("LIC-1");
    a.set_licence_status(status);
    *a.mutable_licence_expiry() = MakeDate(expiry_year, 12, 31);
    ASSERT_TRUE(stores_->agencies.Create(id, a).ok());
  }

  void CreateEmployer(const std::string& id, const std::string& country,
                      v1::EmployerStanding standing) {
    v1::Employer e = ValidEmployer();
    e.set_name(absl::StrCat("employers/", id));
    e.set_country(country);
    e.set_standing(standing);
    ASSERT_TRUE(stores_->employers.Create(id, e).ok());
  }

  void CreateCell(const std::string& agreement, const std::string& id, const std::string& dest,
                  const std::string& origin, const std::string& prefix, int64_t cap,
                  int64_t reserved, const std::string& overflow = "") {
    v1::QuotaCell c;
    c.set_name(absl::StrCat("agreements/", agreement, "/quotaCells/", id));
    c.set_display_name("Cell (synthetic)");
    *c.mutable_period() = MakeRange(2026, 1, 1, 2026, 12, 31);
    c.set_destination(dest);
    c.set_origin(origin);
    c.set_isco_prefix(prefix);
    c.set_cap(cap);
    c.set_reserved(reserved);
    c.set_overflow_cell(overflow);
    c.set_synthetic(true);
    ASSERT_TRUE(stores_->quota_cells.Create(storage::QuotaCellKey(agreement, id), c).ok());
  }

  void CreateWorld() {
    CreateAgency("ag-co", v1::LICENCE_STATUS_VALID, 2030);
    CreateAgency("ag-ma", v1::LICENCE_STATUS_VALID, 2030);
    CreateAgency("ag-gh", v1::LICENCE_STATUS_VALID, 2030);
    CreateAgency("ag-bad", v1::LICENCE_STATUS_REVOKED, 2030);
    CreateAgency("ag-expired", v1::LICENCE_STATUS_VALID, 2025);
    CreateEmployer("coop-huelva", "ES", v1::EMPLOYER_STANDING_GOOD);
    CreateEmployer("em-it", "IT", v1::EMPLOYER_STANDING_GOOD);
    CreateEmployer("em-suspended", "ES", v1::EMPLOYER_STANDING_SUSPENDED);

    v1::Agreement co = ValidAgreement();  // ES <- CO, EC
    co.add_occupation_scope("7112");
    ASSERT_TRUE(stores_->agreements.Create("es-co", co).ok());
    v1::Agreement ma = ValidAgreement();
    ma.set_name("agreements/es-ma");
    ma.clear_origins();
    ma.add_origins("MA");
    ma.clear_protected_occupations();
    ma.clear_origin_tiers();
    ma.set_labour_market_test_required(false);
    ma.set_not_returned_ineligible(false);
    ma.clear_score_weights();
    ASSERT_TRUE(stores_->agreements.Create("es-ma", ma).ok());
    v1::Agreement it = ValidAgreement();
    it.set_name("agreements/it-gh");
    it.clear_destinations();
    it.add_destinations("IT");
    it.clear_origins();
    it.add_origins("GH");
    it.add_origins("SN");
    it.clear_occupation_scope();  // every occupation
    it.clear_protected_occupations();
    v1::ProtectedOccupation* po = it.add_protected_occupations();
    po->set_origin("SN");
    po->set_isco_prefix("2221");
    po->set_mode(v1::PROTECTION_MODE_BLOCK);
    it.clear_origin_tiers();
    it.set_labour_market_test_required(false);
    it.set_not_returned_ineligible(false);
    it.set_reentry_policy(v1::REENTRY_POLICY_NONE);
    it.clear_score_weights();
    ASSERT_TRUE(stores_->agreements.Create("it-gh", it).ok());
    v1::Agreement future = ValidAgreement();
    future.set_name("agreements/es-sn");
    future.clear_origins();
    future.add_origins("SN");
    future.clear_protected_occupations();
    future.clear_origin_tiers();
    *future.mutable_in_force_from() = MakeDate(2030, 1, 1);
    *future.mutable_expiry_date() = MakeDate(2035, 12, 31);
    ASSERT_TRUE(stores_->agreements.Create("es-sn", future).ok());

    CreateCell("es-co", "es-co-2026", "ES", "", "", 100000, 10);
    CreateCell("es-co", "ec-nurses", "ES", "EC", "", 10, 10);  // EC nurses: PROTECTED
    CreateCell("es-ma", "es-ma-2026", "ES", "MA", "", 5, 5);   // full: QUOTA_EXHAUSTED
    CreateCell("it-gh", "it-2026", "IT", "", "", 100000, 0);
    CreateCell("it-gh", "it-gh-farm", "IT", "GH", "61", 3, 3);      // GH 61xx: QUOTA_EXHAUSTED
    CreateCell("it-gh", "it-sn", "IT", "SN", "", 2, 2, "it-2026");  // full, overflows
  }

  void Populate(int vacancies, int candidates, uint32_t seed) {
    Rng pick{std::mt19937(seed)};
    for (int i = 0; i < vacancies; ++i) {
      // Ids not in creation order.
      const int n = (i * 7919) % vacancies;
      v1::Vacancy v = RandomVacancy(pick, n);
      ASSERT_TRUE(stores_->vacancies.Create(absl::StrCat("v", n), v).ok());
    }
    for (int i = 0; i < candidates; ++i) {
      const std::string id = absl::StrCat("c-", i);
      ASSERT_TRUE(stores_->candidates.Create(id, RandomCandidate(pick, id)).ok());
      candidate_ids_.push_back(id);
    }
    // A few candidates hold a placement in progress: ALREADY_PLACED.
    for (int i = 0; i < candidates; i += 37) {
      v1::Application app;
      app.set_name(absl::StrCat("applications/app-", i));
      app.set_candidate(absl::StrCat("candidates/c-", i));
      app.set_vacancy("vacancies/v1");
      app.set_state(v1::APPLICATION_STATE_SELECTED);
      ASSERT_TRUE(stores_->applications.Create(absl::StrCat("app-", i), app).ok());
    }
  }

  void StartEngine() {
    absl::StatusOr<std::unique_ptr<MatchEngine>> engine =
        MatchEngine::Start(*stores_, *taxonomy_, clock_);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
  }

  template <typename T>
  static std::vector<T> ReadAll(storage::RecordStore<T>& store, const std::string& scope) {
    std::vector<T> all;
    storage::ListQuery q;
    q.scope = scope;
    q.page_size = storage::kMaxPageSize;
    for (;;) {
      absl::StatusOr<storage::Page<T>> page = store.List(q);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (T& item : page->items) all.push_back(std::move(item));
      if (page->next_page_token.empty()) break;
      q.page_token = page->next_page_token;
    }
    return all;
  }

  // Every open vacancy compiled from storage, independently of the engine.
  void LoadBruteForce() {
    absl::StatusOr<MatchWorld> world =
        LoadMatchWorld(*stores_, interner_, ToDay(kToday[0], kToday[1], kToday[2]));
    ASSERT_TRUE(world.ok()) << world.status();
    world_ = std::move(*world);
    compiled_.clear();
    for (const v1::Vacancy& v : ReadAll(stores_->vacancies, "recommend-test-vacancies")) {
      if (v.state() != v1::VACANCY_STATE_OPEN) continue;
      std::optional<v1::Employer> employer;
      const std::string employer_id = v.employer().substr(v.employer().rfind('/') + 1);
      absl::StatusOr<v1::Employer> e = stores_->employers.Get(employer_id);
      if (e.ok()) employer = *e;
      compiled_.push_back(evaluator_->Compile(v, employer ? &*employer : nullptr, world_));
    }
  }

  // Every eligible open vacancy for the candidate, best first. Tallies the
  // failure bits seen over all pairs in `failure_counts`.
  std::vector<Ranked> BruteForce(const v1::Candidate& candidate) {
    OwnedCandidate owned(candidate, interner_);
    std::vector<Ranked> out;
    for (const CompiledVacancy& v : compiled_) {
      const Verdict verdict = evaluator_->Evaluate(owned.view(), v, world_);
      for (int i = 0; i < kReasonCount; ++i) {
        if ((verdict.failures & (1u << i)) != 0) ++failure_counts_[i];
      }
      if (verdict.failures == 0) out.push_back(Ranked{v.id, verdict.score_micros});
    }
    std::sort(out.begin(), out.end(), [](const Ranked& a, const Ranked& b) {
      if (a.score_micros != b.score_micros) return a.score_micros > b.score_micros;
      return a.vacancy_id < b.vacancy_id;
    });
    return out;
  }

  // Recommend for every candidate at several k, against the brute force.
  // Returns how many candidates had at least one eligible vacancy.
  int ExpectAllMatchBruteForce(const std::string& what) {
    LoadBruteForce();
    int nonempty = 0;
    for (const v1::Candidate& c : ReadAll(stores_->candidates, "recommend-test-candidates")) {
      const std::vector<Ranked> want = BruteForce(c);
      if (!want.empty()) ++nonempty;
      for (int k : {1, 3, 10, 50, 500}) {
        v1::RecommendVacanciesRequest req;
        req.set_candidate(c.name());
        req.set_k(k);
        absl::StatusOr<v1::RecommendVacanciesResponse> got =
            engine_->Recommend(req, absl::InfiniteFuture());
        EXPECT_TRUE(got.ok()) << got.status();
        if (!got.ok()) return nonempty;
        const size_t n = std::min(want.size(), static_cast<size_t>(k));
        EXPECT_EQ(static_cast<size_t>(got->matches_size()), n)
            << what << " " << c.name() << " k " << k;
        if (static_cast<size_t>(got->matches_size()) != n) continue;
        for (size_t i = 0; i < n; ++i) {
          const v1::Match& m = got->matches(static_cast<int>(i));
          EXPECT_EQ(m.vacancy(), absl::StrCat("vacancies/", want[i].vacancy_id))
              << what << " " << c.name() << " k " << k << " rank " << i + 1;
          EXPECT_EQ(std::llround(m.score() * 1e6), want[i].score_micros)
              << what << " " << c.name() << " rank " << i + 1;
          EXPECT_EQ(m.rank(), static_cast<int>(i) + 1);
          EXPECT_EQ(m.candidate(), c.name());
        }
      }
    }
    return nonempty;
  }

  std::string dir_;
  FakeClock clock_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::Stores> stores_;
  std::unique_ptr<Taxonomy> taxonomy_;
  Interner interner_;
  std::unique_ptr<Evaluator> evaluator_;
  std::unique_ptr<MatchEngine> engine_;
  MatchWorld world_;
  std::vector<CompiledVacancy> compiled_;
  std::vector<std::string> candidate_ids_;
  std::array<int64_t, kReasonCount> failure_counts_{};
};

TEST_F(RecommendTest, MatchesBruteForceOverRandomCandidatesAndVacancies) {
  Populate(/*vacancies=*/900, /*candidates=*/400, /*seed=*/20261201);
  StartEngine();
  const int nonempty = ExpectAllMatchBruteForce("initial");
  // Enough candidates have recommendations for the comparison to mean something.
  EXPECT_GE(nonempty, 80);
  // Every rule the gates rely on was seen failing somewhere.
  for (Reason r :
       {Reason::kNoAgreement, Reason::kAgreementNotInForce, Reason::kOriginNotEligible,
        Reason::kLanguageBelowMinimum, Reason::kMissingRequiredSkill,
        Reason::kCredentialNotRecognised, Reason::kLicenceRequired, Reason::kNotAvailableInWindow,
        Reason::kProtectedOccupation, Reason::kConsentMissing, Reason::kAgencyLicenceInvalid,
        Reason::kEmployerSuspended, Reason::kLabourMarketTestPending, Reason::kQuotaExhausted,
        Reason::kNotReturnedFromPreviousStay, Reason::kAlreadyPlaced}) {
    EXPECT_GT(failure_counts_[static_cast<int>(r)], 0) << ReasonName(r);
  }
}

// The Evaluator's contract (evaluator.h), pair by pair: an eligible pair
// passes every gate, and the score bounds are never below the score.
TEST_F(RecommendTest, GatesAreNecessaryAndScoreBoundsNeverBelow) {
  Populate(/*vacancies=*/600, /*candidates=*/300, /*seed=*/42);
  LoadBruteForce();
  int64_t eligible = 0, bounded = 0, exact = 0, skipped_by_gate = 0;
  for (const v1::Candidate& c : ReadAll(stores_->candidates, "recommend-test-candidates")) {
    OwnedCandidate owned(c, interner_);
    const CandidateView& view = owned.view();
    const CandidateGate cg = Evaluator::CandidateGateOf(view, world_);
    for (const CompiledVacancy& v : compiled_) {
      const Verdict verdict = evaluator_->Evaluate(view, v, world_);
      const std::vector<VacancyGate> gates = Evaluator::VacancyGates(v);
      const VacancyGate* g = nullptr;
      for (const VacancyGate& x : gates) {
        if (x.origin == view.nationality) g = &x;
      }
      const bool passes = g != nullptr && cg.open && cg.first_start <= g->start &&
                          g->start <= cg.last_start && GateAdmits(g->needs, cg.holds);
      if (verdict.failures == 0) {
        ++eligible;
        EXPECT_TRUE(passes) << c.name() << " " << v.id;
      } else if (!passes) {
        ++skipped_by_gate;
      }
      if (g != nullptr) {
        ++bounded;
        const int64_t bound =
            Evaluator::GateScoreBoundMicros(view, g->score, Evaluator::GateSkills(v));
        EXPECT_GE(bound, verdict.score_micros) << c.name() << " " << v.id;
        if (bound == verdict.score_micros) ++exact;
      }
    }
  }
  // Enough eligible pairs, and the gates turn away most of the others.
  EXPECT_GT(eligible, 300);
  EXPECT_GT(skipped_by_gate, 50 * eligible);
  EXPECT_GT(bounded, 10000);
  // The bound is often the score itself (no required skill missing, or one
  // missing with a sibling at its level).
  EXPECT_GT(exact, bounded / 10);
}

TEST_F(RecommendTest, GatesFollowWorldAndCandidateChanges) {
  Populate(/*vacancies=*/400, /*candidates=*/150, /*seed=*/7);
  StartEngine();
  ExpectAllMatchBruteForce("before");

  // The Spanish cell of es-co fills up: CO and EC lose every ES vacancy.
  absl::StatusOr<v1::QuotaCell> cell = stores_->quota_cells.Mutate(
      storage::QuotaCellKey("es-co", "es-co-2026"), "", [](v1::QuotaCell& c) {
        c.set_reserved(c.cap());
        return absl::OkStatus();
      });
  ASSERT_TRUE(cell.ok()) << cell.status();
  // es-ma's cell gets room: MA gains its ES vacancies.
  cell = stores_->quota_cells.Mutate(storage::QuotaCellKey("es-ma", "es-ma-2026"), "",
                                     [](v1::QuotaCell& c) {
                                       c.set_cap(1000);
                                       return absl::OkStatus();
                                     });
  ASSERT_TRUE(cell.ok()) << cell.status();
  engine_->WorldChanged();
  // Some candidates change (nationality, skills, availability...).
  Rng pick{std::mt19937(99)};
  for (size_t i = 0; i < candidate_ids_.size(); i += 3) {
    const std::string& id = candidate_ids_[i];
    v1::Candidate fresh = RandomCandidate(pick, id);
    absl::StatusOr<v1::Candidate> written =
        stores_->candidates.Mutate(id, "", [&fresh](v1::Candidate& c) {
          google::protobuf::Timestamp created = c.create_time();
          std::string etag = c.etag();
          c = fresh;
          *c.mutable_create_time() = created;
          c.set_etag(etag);
          return absl::OkStatus();
        });
    ASSERT_TRUE(written.ok()) << written.status();
    engine_->CandidateWritten(*written);
  }
  const int nonempty = ExpectAllMatchBruteForce("after");
  EXPECT_GE(nonempty, 20);
}

// Many vacancies with the same score: the k-th place is a tie that the
// vacancy id breaks, so the search must not stop at a bound equal to the k-th
// score while a smaller id may still be pending.
TEST_F(RecommendTest, TiesAtTheKthScoreGoToTheSmallestIds) {
  Populate(/*vacancies=*/60, /*candidates=*/30, /*seed=*/5);
  CreateAgency("sena-co", v1::LICENCE_STATUS_VALID, 2030);
  constexpr int kCopies = 150;
  for (int i = 0; i < kCopies; ++i) {
    const int n = (i * 37) % kCopies;  // not in id order
    v1::Vacancy v = ValidVacancy();
    v.set_name(absl::StrCat("vacancies/d", 1000 + n));
    // A few score higher (no experience asked), a few lower (more asked).
    if (n % 50 == 7) v.set_min_experience_years(0);
    if (n % 50 == 9) v.set_min_experience_years(9);
    ASSERT_TRUE(stores_->vacancies.Create(absl::StrCat("d", 1000 + n), v).ok());
  }
  for (int i = 0; i < 3; ++i) {
    v1::Candidate c = ValidCandidate();
    const std::string id = absl::StrCat("c-valid-", i);
    c.set_name(absl::StrCat("candidates/", id));
    c.mutable_skills(0)->set_level(2 + i % 3);
    ASSERT_TRUE(stores_->candidates.Create(id, c).ok());
  }
  StartEngine();
  ExpectAllMatchBruteForce("ties");

  v1::RecommendVacanciesRequest req;
  req.set_candidate("candidates/c-valid-0");
  req.set_k(50);
  absl::StatusOr<v1::RecommendVacanciesResponse> got =
      engine_->Recommend(req, absl::InfiniteFuture());
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->matches_size(), 50);
  // The 50th place went to a copy tied with others left out: ids decided it.
  EXPECT_EQ(got->matches(48).score(), got->matches(49).score());
  EXPECT_TRUE(absl::StartsWith(got->matches(49).vacancy(), "vacancies/d1"))
      << got->matches(49).vacancy();
}

TEST_F(RecommendTest, UnknownCandidateIsNotFound) {
  Populate(/*vacancies=*/20, /*candidates=*/5, /*seed=*/1);
  StartEngine();
  v1::RecommendVacanciesRequest req;
  req.set_candidate("candidates/nobody");
  absl::StatusOr<v1::RecommendVacanciesResponse> got =
      engine_->Recommend(req, absl::InfiniteFuture());
  EXPECT_TRUE(absl::IsNotFound(got.status())) << got.status();
}

}  // namespace
}  // namespace corridor::matcher
