#include "matcher/candidate_index.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "matcher/evaluator.h"
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
using ::corridor::matcher::testing::ValidVacancy;

constexpr uint32_t kQuotaBit = uint32_t{1} << static_cast<int>(Reason::kQuotaExhausted);

std::string FreshDir(const std::string& name) {
  static std::atomic<int> counter{0};
  std::string dir = absl::StrCat(::testing::TempDir(), "corridor-index-", name, "-", getpid(),
                                 "-", counter.fetch_add(1));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

google::protobuf::Timestamp At(int64_t seconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  return t;
}

// When set, RandomCandidate and RandomVacancy draw skills from it instead.
const std::vector<std::string>* g_skill_pool = nullptr;

const std::vector<std::string>& DefaultSkillIds() {
  static const std::vector<std::string>* ids = [] {
    auto* out = new std::vector<std::string>();
    std::unique_ptr<Taxonomy> t = Taxonomy::BuiltIn();
    for (const Skill& s : t->skills()) {
      if (out->size() == 12) break;
      out->push_back(s.id);
    }
    return out;
  }();
  return *ids;
}

const std::vector<std::string>& SkillIds() {
  return g_skill_pool != nullptr ? *g_skill_pool : DefaultSkillIds();
}

// Random candidates over a few corridors, with every list the view carries.
v1::Candidate RandomCandidate(std::mt19937& rng, const std::string& id) {
  auto pick = [&rng](int n) { return static_cast<int>(rng() % n); };
  static const char* kNat[] = {"CO", "EC", "MA", "GH", "SN"};
  static const char* kIsco[] = {"6111", "9211", "9212", "5120", "2221", "7112", "6121"};
  static const char* kLang[] = {"es", "en", "fr", "ar", "it"};
  static const char* kAgency[] = {"agencies/ag-co", "agencies/ag-ma", "agencies/ag-it",
                                  "agencies/ag-co", "agencies/ag-bad"};
  v1::Candidate c;
  c.set_name(absl::StrCat("candidates/", id));
  c.set_agency(kAgency[pick(5)]);
  c.set_display_name("Synthetic person");
  c.set_nationality(kNat[pick(5)]);
  c.set_residence_country(pick(8) == 0 ? "ES" : c.nationality());
  c.set_birth_year(1970 + pick(35));
  for (int i = 0, n = 1 + pick(3); i < n; ++i) {
    v1::CandidateOccupation* o = c.add_occupations();
    o->set_isco_code(kIsco[pick(7)]);
    o->set_experience_years(pick(12));
  }
  for (int i = 0, n = pick(7); i < n; ++i) {
    v1::CandidateSkill* s = c.add_skills();
    s->set_skill_id(SkillIds()[pick(static_cast<int>(SkillIds().size()))]);
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
    cr->set_kind(pick(2) == 0 ? "phytosanitary_handling" : "food_safety");
    cr->set_issuing_country(c.nationality());
    cr->set_verified(pick(3) != 0);
    for (int j = 0, m = pick(3); j < m; ++j) cr->add_recognised_in(j == 0 ? "ES" : "IT");
  }
  if (pick(6) == 0) {
    v1::ProfessionalLicence* l = c.add_licences();
    l->set_profession("nurse");
    l->set_issuing_country(c.nationality());
    *l->mutable_valid_until() = MakeDate(2026 + pick(3), 1 + pick(12), 1);
  }
  if (pick(5) != 0) {
    int from = 1 + pick(5);
    *c.mutable_availability() = MakeRange(2026, from, 1, 2026, from + 1 + pick(6), 28);
  }
  for (int i = 0, n = pick(3); i < n; ++i) c.mutable_preferences()->add_destinations(
      pick(2) == 0 ? "ES" : "IT");
  if (pick(2) == 0) c.mutable_preferences()->add_schemes(v1::SCHEME_SEASONAL);
  if (pick(3) == 0) c.mutable_preferences()->add_isco_codes(kIsco[pick(7)]);
  if (pick(10) != 0) *c.mutable_consent()->mutable_given_time() = At(1700000000);
  if (pick(25) == 0) *c.mutable_consent()->mutable_withdrawn_time() = At(1710000000);
  for (int i = 0, n = pick(4) == 0 ? 1 + pick(2) : 0; i < n; ++i) {
    v1::PastPlacement* p = c.add_history();
    p->set_agreement(pick(2) == 0 ? "agreements/es-co" : "agreements/es-ma");
    p->set_scheme(v1::SCHEME_SEASONAL);
    p->set_destination("ES");
    *p->mutable_stay() = MakeRange(2024, 3, 1, 2024, 7, 1);
    p->set_return_outcome(static_cast<v1::ReturnOutcome>(1 + pick(3)));
  }
  return c;
}

v1::Vacancy RandomVacancy(std::mt19937& rng, int n) {
  auto pick = [&rng](int m) { return static_cast<int>(rng() % m); };
  static const char* kIsco[] = {"6111", "9211", "9212", "5120", "2221"};
  v1::Vacancy v = ValidVacancy();
  v.set_name(absl::StrCat("vacancies/v", n));
  v.set_isco_code(kIsco[pick(5)]);
  v.set_scheme(pick(4) == 0 ? v1::SCHEME_TEMPORARY : v1::SCHEME_SEASONAL);
  int start = 2 + pick(4);
  *v.mutable_window() = MakeRange(2026, start, 1 + pick(27), 2026, start + 2, 15);
  v.clear_required_skills();
  for (int i = 0, m = pick(4); i < m; ++i) {
    v1::RequiredSkill* s = v.add_required_skills();
    s->set_skill_id(SkillIds()[pick(static_cast<int>(SkillIds().size()))]);
    s->set_min_level(1 + pick(3));
    s->set_weight(1 + pick(100));
    s->set_must_have(pick(3) == 0);
  }
  v.clear_required_languages();
  if (pick(3) != 0) {
    v1::RequiredLanguage* l = v.add_required_languages();
    l->set_language_code("es");
    l->set_min_level(static_cast<v1::CefrLevel>(1 + pick(3)));
  }
  v.set_min_experience_years(pick(3));
  v.clear_required_credentials();
  if (pick(5) == 0) v.add_required_credentials("phytosanitary_handling");
  v.clear_eligible_origins();
  switch (pick(3)) {
    case 0:
      break;
    case 1:
      v.add_eligible_origins("CO");
      break;
    default:
      v.add_eligible_origins("CO");
      v.add_eligible_origins("MA");
      v.add_eligible_origins("EC");
  }
  if (n % 4 == 3) {
    v.set_destination("IT");
    v.set_region("Lazio");
    v.clear_eligible_origins();
  }
  return v;
}

// Three more languages: Spanish, when listed, may come after the third.
void AddLanguages(std::mt19937& rng, v1::Candidate& c) {
  for (const char* code : {"de", "nl", "es"}) {
    v1::CandidateLanguage* l = c.add_languages();
    l->set_language_code(code);
    l->set_level(static_cast<v1::CefrLevel>(1 + rng() % 6));
    l->set_evidence(v1::EVIDENCE_SELF_DECLARED);
  }
}

class CandidateIndexTest : public ::testing::Test {
 protected:
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
    index_ = std::make_unique<CandidateIndex>(interner_);
    CreateWorld();
  }

  void TearDown() override {
    index_.reset();
    stores_.reset();
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  void CreateAgency(const std::string& id, const std::string& country, v1::LicenceStatus st) {
    v1::Agency a;
    a.set_name(absl::StrCat("agencies/", id));
    a.set_display_name("Agency (synthetic)");
    a.set_country(country);
    a.set_licence_number("LIC-1");
    a.set_licence_status(st);
    *a.mutable_licence_expiry() = MakeDate(2030, 12, 31);
    ASSERT_TRUE(stores_->agencies.Create(id, a).ok());
  }

  void CreateCell(const std::string& agreement, const std::string& id, const std::string& dest,
                  const std::string& origin, int64_t cap, int64_t reserved) {
    v1::QuotaCell c;
    c.set_name(absl::StrCat("agreements/", agreement, "/quotaCells/", id));
    c.set_display_name("Cell (synthetic)");
    *c.mutable_period() = MakeRange(2026, 1, 1, 2026, 12, 31);
    c.set_destination(dest);
    c.set_origin(origin);
    c.set_cap(cap);
    c.set_reserved(reserved);
    c.set_synthetic(true);
    ASSERT_TRUE(stores_->quota_cells.Create(storage::QuotaCellKey(agreement, id), c).ok());
  }

  void CreateWorld() {
    CreateAgency("ag-co", "CO", v1::LICENCE_STATUS_VALID);
    CreateAgency("ag-ma", "MA", v1::LICENCE_STATUS_VALID);
    CreateAgency("ag-it", "GH", v1::LICENCE_STATUS_VALID);
    CreateAgency("ag-bad", "CO", v1::LICENCE_STATUS_REVOKED);

    v1::Agreement co = ValidAgreement();  // ES <- CO, EC
    ASSERT_TRUE(stores_->agreements.Create("es-co", co).ok());
    v1::Agreement ma = ValidAgreement();
    ma.set_name("agreements/es-ma");
    ma.clear_origins();
    ma.add_origins("MA");
    ma.clear_protected_occupations();
    ma.clear_origin_tiers();
    ma.set_labour_market_test_required(false);
    ma.clear_score_weights();
    ASSERT_TRUE(stores_->agreements.Create("es-ma", ma).ok());
    v1::Agreement it = ValidAgreement();
    it.set_name("agreements/it-gh");
    it.clear_destinations();
    it.add_destinations("IT");
    it.clear_origins();
    it.add_origins("GH");
    it.add_origins("SN");
    it.clear_protected_occupations();
    it.clear_origin_tiers();
    it.clear_score_weights();
    ASSERT_TRUE(stores_->agreements.Create("it-gh", it).ok());

    CreateCell("es-co", "es-co-2026", "ES", "", 100000, 10);
    CreateCell("es-co", "ec-nurses", "ES", "EC", 10, 0);
    CreateCell("es-ma", "es-ma-2026", "ES", "MA", 5, 5);  // full: QUOTA_EXHAUSTED
    CreateCell("it-gh", "it-2026", "IT", "", 100000, 0);

    absl::StatusOr<MatchWorld> world = LoadMatchWorld(*stores_, interner_, ToDay(2026, 1, 15));
    ASSERT_TRUE(world.ok()) << world.status();
    world_ = std::move(*world);
  }

  std::string StoreCandidate(std::mt19937& rng, int n) {
    std::string id = absl::StrCat("c-", n);
    absl::StatusOr<v1::Candidate> c = stores_->candidates.Create(id, RandomCandidate(rng, id));
    EXPECT_TRUE(c.ok()) << c.status();
    if (c.ok()) index_->Upsert(*c);
    return id;
  }

  std::vector<v1::Candidate> AllStored() {
    std::vector<v1::Candidate> all;
    storage::ListQuery q;
    q.scope = "candidate-index-test";
    q.page_size = 1000;
    for (;;) {
      absl::StatusOr<storage::Page<v1::Candidate>> page = stores_->candidates.List(q);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (v1::Candidate& c : page->items) all.push_back(std::move(c));
      if (page->next_page_token.empty()) break;
      q.page_token = page->next_page_token;
    }
    return all;
  }

  // The same query answered by evaluating every stored candidate.
  CandidateIndex::Result BruteForce(const CandidateIndex::Query& q) {
    CandidateIndex::Result r;
    for (const v1::Candidate& c : AllStored()) {
      OwnedCandidate owned(c, interner_);
      const CandidateView& v = owned.view();
      if (!q.nationalities.empty() &&
          std::find(q.nationalities.begin(), q.nationalities.end(), v.nationality) ==
              q.nationalities.end()) {
        continue;
      }
      if (q.isco.digits != 0 &&
          std::none_of(v.occupations.begin(), v.occupations.end(),
                       [&q](const OccupationEntry& o) { return IscoHasPrefix(o.isco, q.isco); })) {
        continue;
      }
      Verdict verdict = evaluator_->Evaluate(v, *q.vacancy, *q.world);
      if (verdict.failures != 0 &&
          !(q.include_quota_exhausted && verdict.failures == kQuotaBit)) {
        continue;
      }
      ++r.eligible_count;
      r.top.push_back(CandidateIndex::Hit{std::string(v.id), v.registered_micros, verdict});
    }
    std::sort(r.top.begin(), r.top.end(),
              [](const CandidateIndex::Hit& a, const CandidateIndex::Hit& b) {
                return RanksBefore(a.verdict.score_micros, a.registered_micros, a.candidate_id,
                                   b.verdict.score_micros, b.registered_micros, b.candidate_id);
              });
    if (r.top.size() > static_cast<size_t>(q.k)) r.top.resize(q.k);
    return r;
  }

  static void ExpectSame(const CandidateIndex::Result& got, const CandidateIndex::Result& want,
                         const std::string& what) {
    EXPECT_EQ(got.eligible_count, want.eligible_count) << what;
    ASSERT_EQ(got.top.size(), want.top.size()) << what;
    for (size_t i = 0; i < got.top.size(); ++i) {
      EXPECT_EQ(got.top[i].candidate_id, want.top[i].candidate_id) << what << " rank " << i;
      EXPECT_EQ(got.top[i].registered_micros, want.top[i].registered_micros) << what;
      EXPECT_EQ(got.top[i].verdict.failures, want.top[i].verdict.failures) << what;
      EXPECT_EQ(got.top[i].verdict.score_micros, want.top[i].verdict.score_micros) << what;
    }
  }

  CompiledVacancy Compile(const v1::Vacancy& v) { return evaluator_->Compile(v, nullptr, world_); }

  std::string dir_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::Stores> stores_;
  std::unique_ptr<Taxonomy> taxonomy_;
  Interner interner_;
  std::unique_ptr<Evaluator> evaluator_;
  std::unique_ptr<CandidateIndex> index_;
  MatchWorld world_;
};

// Random inserts, updates and deletes, applied to storage and the index alike.
void Churn(std::mt19937& rng, storage::Stores& stores, CandidateIndex& index,
           std::vector<std::string>& ids, int rounds) {
  for (int i = 0; i < rounds && !ids.empty(); ++i) {
    size_t at = rng() % ids.size();
    const std::string id = ids[at];
    if (rng() % 3 == 0) {
      ASSERT_TRUE(stores.candidates.Delete(id).ok());
      index.Remove(id);
      ids[at] = ids.back();
      ids.pop_back();
    } else {
      v1::Candidate fresh = RandomCandidate(rng, id);
      absl::StatusOr<v1::Candidate> written =
          stores.candidates.Mutate(id, "", [&fresh](v1::Candidate& c) {
            google::protobuf::Timestamp created = c.create_time();
            std::string etag = c.etag();
            c = fresh;
            *c.mutable_create_time() = created;
            c.set_etag(etag);
            return absl::OkStatus();
          });
      ASSERT_TRUE(written.ok()) << written.status();
      index.Upsert(*written);
    }
  }
}

TEST_F(CandidateIndexTest, MatchesBruteForceAfterInsertsUpdatesDeletesAndRebuild) {
  std::mt19937 rng(20260115);
  std::vector<std::string> ids;
  for (int i = 0; i < 3000; ++i) ids.push_back(StoreCandidate(rng, i));
  Churn(rng, *stores_, *index_, ids, 1500);
  for (int i = 3000; i < 3300; ++i) ids.push_back(StoreCandidate(rng, i));
  ASSERT_EQ(index_->size(), ids.size());

  CandidateIndex rebuilt(interner_);
  ASSERT_TRUE(rebuilt.Rebuild(*stores_).ok());
  ASSERT_EQ(rebuilt.size(), ids.size());

  int nonempty = 0;
  for (int n = 0; n < 12; ++n) {
    CompiledVacancy vacancy = Compile(RandomVacancy(rng, n));
    for (int k : {1, 3, 10, 50}) {
      for (bool quota : {false, true}) {
        CandidateIndex::Query q;
        q.vacancy = &vacancy;
        q.world = &world_;
        q.k = k;
        q.include_quota_exhausted = quota;
        if (n == 5) q.nationalities = {PackCountry("CO"), PackCountry("MA")};
        if (n == 6) q.isco = ParseIsco("92");
        std::string what = absl::StrCat("vacancy ", n, " k ", k, " quota ", quota);
        CandidateIndex::Result want = BruteForce(q);
        absl::StatusOr<CandidateIndex::Result> got = index_->TopK(q, *evaluator_);
        ASSERT_TRUE(got.ok()) << got.status();
        ExpectSame(*got, want, what);
        absl::StatusOr<CandidateIndex::Result> again = rebuilt.TopK(q, *evaluator_);
        ASSERT_TRUE(again.ok()) << again.status();
        ExpectSame(*again, want, what + " (rebuilt)");
        if (!want.top.empty()) ++nonempty;
      }
    }
  }
  // Most random vacancies have someone eligible; otherwise the test proves little.
  EXPECT_GE(nonempty, 24);
}

// More distinct skills than hot slots: the first skills seen are rare ones,
// so the hot set changes when Rebuild (or ChooseHotSkills) picks the most
// frequent; results stay exact before, across and after the change,
// including for skills first seen after it.
TEST_F(CandidateIndexTest, MatchesBruteForceWhenHotSkillsChangeAcrossRebuild) {
  std::vector<std::string> all;
  for (const Skill& s : taxonomy_->skills()) all.push_back(s.id);
  ASSERT_GT(all.size(), static_cast<size_t>(kHotSkillSlots) + 8);
  // Phase 1: only the last 18 skills (the first seen fill the hot slots).
  std::vector<std::string> rare(all.end() - 18, all.end());
  // Phase 2: only the first 12, which become the most frequent.
  std::vector<std::string> common(all.begin(), all.begin() + 12);
  struct PoolReset {
    ~PoolReset() { g_skill_pool = nullptr; }
  } reset;
  std::mt19937 rng(20261124);
  std::vector<std::string> ids;
  g_skill_pool = &rare;
  for (int i = 0; i < 300; ++i) ids.push_back(StoreCandidate(rng, i));
  g_skill_pool = &common;
  for (int i = 300; i < 2000; ++i) ids.push_back(StoreCandidate(rng, i));

  g_skill_pool = &all;
  Churn(rng, *stores_, *index_, ids, 300);

  // The change: Rebuild picks the most frequent skills, and so does
  // ChooseHotSkills on the index kept current by Upsert and Remove.
  CandidateIndex rebuilt(interner_);
  ASSERT_TRUE(rebuilt.Rebuild(*stores_).ok());
  index_->ChooseHotSkills();

  // After it: upserts keep the hot set, and skills never seen before (the
  // middle of the taxonomy) are not hot.
  std::vector<std::string> fresh(all.begin() + 12, all.end() - 18);
  g_skill_pool = &fresh;
  for (int i = 2000; i < 2200; ++i) {
    std::string id = StoreCandidate(rng, i);  // also upserted into index_
    ids.push_back(id);
    absl::StatusOr<v1::Candidate> c = stores_->candidates.Get(id);
    ASSERT_TRUE(c.ok()) << c.status();
    rebuilt.Upsert(*c);
  }
  g_skill_pool = &all;
  for (int i = 0; i < 200; ++i) {
    const size_t at = rng() % ids.size();
    const std::string id = ids[at];
    if (rng() % 4 == 0) {
      ASSERT_TRUE(stores_->candidates.Delete(id).ok());
      index_->Remove(id);
      rebuilt.Remove(id);
      ids[at] = ids.back();
      ids.pop_back();
      continue;
    }
    v1::Candidate next = RandomCandidate(rng, id);
    absl::StatusOr<v1::Candidate> written =
        stores_->candidates.Mutate(id, "", [&next](v1::Candidate& c) {
          google::protobuf::Timestamp created = c.create_time();
          std::string etag = c.etag();
          c = next;
          *c.mutable_create_time() = created;
          c.set_etag(etag);
          return absl::OkStatus();
        });
    ASSERT_TRUE(written.ok()) << written.status();
    index_->Upsert(*written);
    rebuilt.Upsert(*written);
  }
  ASSERT_EQ(index_->size(), ids.size());
  ASSERT_EQ(rebuilt.size(), ids.size());

  int nonempty = 0;
  for (int n = 0; n < 16; ++n) {
    // Vacancies with must-have skills: common ones (hot after the change),
    // rare ones (hot before it) or fresh ones (never hot), and another skill.
    v1::Vacancy v = RandomVacancy(rng, n);
    v.clear_required_skills();
    v.clear_required_credentials();
    v.clear_required_languages();
    v.set_min_experience_years(0);
    const std::vector<std::string>& from = n % 3 == 0 ? common : n % 3 == 1 ? rare : fresh;
    for (int i = 0; i < 1 + n % 2; ++i) {
      v1::RequiredSkill* s = v.add_required_skills();
      s->set_skill_id(from[rng() % from.size()]);
      s->set_min_level(1 + static_cast<int>(rng() % 2));
      s->set_weight(1 + static_cast<int>(rng() % 100));
      s->set_must_have(true);
    }
    v1::RequiredSkill* other = v.add_required_skills();
    other->set_skill_id(all[rng() % all.size()]);
    other->set_min_level(1 + static_cast<int>(rng() % 3));
    other->set_weight(1 + static_cast<int>(rng() % 100));
    CompiledVacancy vacancy = Compile(v);
    for (int k : {1, 10, 50}) {
      CandidateIndex::Query q;
      q.vacancy = &vacancy;
      q.world = &world_;
      q.k = k;
      q.include_quota_exhausted = n % 2 == 1;
      std::string what = absl::StrCat("vacancy ", n, " k ", k);
      CandidateIndex::Result want = BruteForce(q);
      for (const CandidateIndex* index : {index_.get(), &rebuilt}) {
        absl::StatusOr<CandidateIndex::Result> got = index->TopK(q, *evaluator_);
        ASSERT_TRUE(got.ok()) << got.status();
        ExpectSame(*got, want, what);
      }
      if (!want.top.empty()) ++nonempty;
    }
  }
  EXPECT_GE(nonempty, 16);
}

// The screen decides most candidates from their summaries on a fast path (no
// placed candidate, at most one required language, availability and the
// must-have skills settled by its first pass) and the rest on the general
// one. Candidates listing more than three languages (whose summary cannot
// decide the language rule) and a world with placed candidates (checked by
// id) exercise the general path and the fast path's undecided case; results
// stay exact on both.
TEST_F(CandidateIndexTest, MatchesBruteForceWithLongLanguageListsAndPlacedCandidates) {
  std::mt19937 rng(20261201);
  std::vector<std::string> ids;
  for (int i = 0; i < 2000; ++i) {
    const std::string id = absl::StrCat("c-", i);
    v1::Candidate c = RandomCandidate(rng, id);
    if (i % 3 == 0) {
      // Four to six languages: Spanish, when listed, may come after the third.
      for (const char* code : {"de", "nl", "es"}) {
        v1::CandidateLanguage* l = c.add_languages();
        l->set_language_code(code);
        l->set_level(static_cast<v1::CefrLevel>(1 + rng() % 6));
        l->set_evidence(v1::EVIDENCE_SELF_DECLARED);
      }
    }
    absl::StatusOr<v1::Candidate> stored = stores_->candidates.Create(id, c);
    ASSERT_TRUE(stored.ok()) << stored.status();
    index_->Upsert(*stored);
    ids.push_back(id);
  }
  MatchWorld placed = world_;
  for (size_t i = 0; i < ids.size(); i += 7) placed.placed_candidates.insert(ids[i]);

  int nonempty = 0;
  for (int n = 0; n < 12; ++n) {
    const v1::Vacancy v = RandomVacancy(rng, n);
    for (const MatchWorld* world : {&world_, &placed}) {
      const CompiledVacancy vacancy = evaluator_->Compile(v, nullptr, *world);
      for (int k : {1, 10, 50}) {
        CandidateIndex::Query q;
        q.vacancy = &vacancy;
        q.world = world;
        q.k = k;
        q.include_quota_exhausted = n % 2 == 1;
        if (n == 6) q.isco = ParseIsco("61");
        const std::string what = absl::StrCat("vacancy ", n, " k ", k, " placed ",
                                              world == &placed);
        CandidateIndex::Result want = BruteForce(q);
        absl::StatusOr<CandidateIndex::Result> got = index_->TopK(q, *evaluator_);
        ASSERT_TRUE(got.ok()) << got.status();
        ExpectSame(*got, want, what);
        if (!want.top.empty()) ++nonempty;
      }
    }
  }
  EXPECT_GE(nonempty, 24);
}

// The index skips Evaluate when QuickScoreBoundMicros, then
// ScoreBoundMicros, then SkillScoreBoundMicros is below the k-th best score,
// and the screen drops candidates whose ScreenBoundMicros is: all must bound
// every eligible candidate's score, the quick one from above the full one,
// the full one from above the skill-list one, the screen's from above the
// full one. With no hot skill (every level from the signature) and with
// some (exact levels).
TEST_F(CandidateIndexTest, QuickBoundIsAtLeastScoreBoundIsAtLeastScore) {
  std::mt19937 rng(20260124);
  for (int i = 0; i < 1500; ++i) StoreCandidate(rng, i);
  std::vector<v1::Candidate> all = AllStored();
  // Some list more than three languages (the summary's margin is then 1).
  for (size_t i = 0; i < all.size(); i += 4) AddLanguages(rng, all[i]);
  HotSkills some_hot;
  for (const std::string& skill : DefaultSkillIds()) {
    if (some_hot.size == 6) break;
    some_hot.ids[some_hot.size++] = interner_.Intern(skill);
  }
  int checked = 0;
  for (int n = 0; n < 24; ++n) {
    CompiledVacancy vacancy = Compile(RandomVacancy(rng, n));
    const HotSkills hot = n % 2 == 0 ? HotSkills() : some_hot;
    for (const v1::Candidate& c : all) {
      OwnedCandidate owned(c, interner_);
      const CandidateView& v = owned.view();
      const CompiledVacancy::OriginTerms* terms = vacancy.FindOrigin(v.nationality);
      if (terms == nullptr) continue;
      const Verdict verdict = evaluator_->Evaluate(v, vacancy, world_);
      if ((verdict.failures & ~kQuotaBit) != 0) continue;
      const ScanPlan plan = evaluator_->PlanScan(vacancy, world_, terms, hot);
      CandidateScreen screen;
      CandidateSummary summary;
      SummarizeCandidate(v, hot, screen, summary);
      const int64_t bound = Evaluator::ScoreBoundMicros(screen, summary, plan);
      const int64_t skill_bound =
          evaluator_->SkillScoreBoundMicros(screen, summary, v.skills, plan);
      EXPECT_GE(skill_bound, verdict.score_micros) << v.id;
      EXPECT_GE(bound, skill_bound) << v.id;
      EXPECT_GE(Evaluator::QuickScoreBoundMicros(summary, plan), bound) << v.id;
      EXPECT_GE(Evaluator::ScreenBoundMicros(screen, summary, plan), bound) << v.id;
      ++checked;
    }
  }
  EXPECT_GE(checked, 100);
}

// Screens and summaries laid out as CandidateColumns, as the index keeps a
// posting list.
struct TestColumns {
  std::vector<Day> window_from, window_until;
  std::vector<uint64_t> skill_sig, hot_levels;
  std::vector<uint32_t> agency;
  std::array<std::vector<uint16_t>, 2> occ_isco;
  std::array<std::vector<uint8_t>, 2> occ_years;
  std::vector<uint8_t> occ_count, occ_max_years;
  std::array<std::vector<uint16_t>, 3> lang;
  std::array<std::vector<uint8_t>, 3> lang_level;
  std::vector<uint8_t> lang_count;
  std::vector<Country> pref_destination;
  std::vector<uint8_t> pref_destination_count, pref_isco_count, preferred_schemes, education,
      flags;

  void Add(const CandidateScreen& w, const CandidateSummary& s) {
    window_from.push_back(w.window_from);
    window_until.push_back(w.window_until);
    skill_sig.push_back(w.skill_sig);
    hot_levels.push_back(w.hot_levels);
    agency.push_back(s.agency);
    for (int k = 0; k < 2; ++k) {
      occ_isco[k].push_back(s.occ_isco[k]);
      occ_years[k].push_back(s.occ_years[k]);
    }
    occ_count.push_back(s.occ_count);
    occ_max_years.push_back(s.occ_max_years);
    for (int k = 0; k < 3; ++k) {
      lang[k].push_back(s.lang[k]);
      lang_level[k].push_back(s.lang_level[k]);
    }
    lang_count.push_back(s.lang_count);
    pref_destination.push_back(s.pref_destination);
    pref_destination_count.push_back(s.pref_destination_count);
    pref_isco_count.push_back(s.pref_isco_count);
    preferred_schemes.push_back(s.preferred_schemes);
    education.push_back(s.education);
    flags.push_back(s.flags);
  }

  CandidateColumns view() const {
    CandidateColumns c;
    c.window_from = window_from.data();
    c.window_until = window_until.data();
    c.skill_sig = skill_sig.data();
    c.hot_levels = hot_levels.data();
    c.agency = agency.data();
    for (int k = 0; k < 2; ++k) {
      c.occ_isco[k] = occ_isco[k].data();
      c.occ_years[k] = occ_years[k].data();
    }
    c.occ_count = occ_count.data();
    c.occ_max_years = occ_max_years.data();
    for (int k = 0; k < 3; ++k) {
      c.lang[k] = lang[k].data();
      c.lang_level[k] = lang_level[k].data();
    }
    c.lang_count = lang_count.data();
    c.pref_destination = pref_destination.data();
    c.pref_destination_count = pref_destination_count.data();
    c.pref_isco_count = pref_isco_count.data();
    c.preferred_schemes = preferred_schemes.data();
    c.education = education.data();
    c.flags = flags.data();
    return c;
  }
};

// ScreenBlock's contract, checked against Evaluate candidate by candidate:
// every eligible candidate is handed back or, only when its score cannot
// reach the threshold, counted; one handed back with no rule left open is
// eligible; one flagged below the threshold scores below it. The vector
// pass (where the processor has one) and the scalar pass give the same
// output. Lists of every origin, as they come and restricted so that the
// caller knows that everyone passes availability, or the agency rule (the
// screen then skips them); thresholds from none to above every score;
// worlds with and without placed candidates (the general pass).
TEST_F(CandidateIndexTest, ScreenBlockKeepsOrCountsEveryEligibleCandidateOnBothKernels) {
  std::mt19937 rng(20261202);
  for (int i = 0; i < 1500; ++i) StoreCandidate(rng, i);
  std::vector<std::unique_ptr<OwnedCandidate>> owned;
  for (v1::Candidate& c : AllStored()) {
    if (owned.size() % 5 == 0) AddLanguages(rng, c);
    owned.push_back(std::make_unique<OwnedCandidate>(c, interner_));
  }
  HotSkills hot;
  for (const std::string& skill : DefaultSkillIds()) {
    if (hot.size == 6) break;
    hot.ids[hot.size++] = interner_.Intern(skill);
  }
  MatchWorld placed = world_;
  for (size_t i = 0; i < owned.size(); i += 9) {
    placed.placed_candidates.insert(std::string(owned[i]->view().id));
  }
  int lists = 0, kept_decided = 0, counted_total = 0, skipped_rules = 0;
  for (int n = 0; n < 16; ++n) {
    const v1::Vacancy v = RandomVacancy(rng, n);
    const uint32_t allowed = n % 2 == 1 ? kQuotaBit : 0;
    const uint32_t stop_on = ~allowed;
    for (const MatchWorld* world : {&world_, &placed}) {
      const CompiledVacancy vacancy = evaluator_->Compile(v, nullptr, *world);
      for (const CompiledVacancy::OriginTerms& terms : vacancy.origins) {
        const ScanPlan plan = evaluator_->PlanScan(vacancy, *world, &terms, hot);
        for (int kind = 0; kind < 3; ++kind) {
          std::vector<const CandidateView*> members;
          for (const auto& o : owned) {
            const CandidateView& c = o->view();
            if (c.nationality != terms.origin) continue;
            const bool covers = c.available_from != kNoDay && c.available_until != kNoDay &&
                                c.available_from <= vacancy.start &&
                                vacancy.start <= c.available_until;
            const uint32_t agency[] = {c.agency};
            if (kind == 1 && !covers) continue;
            if (kind == 2 && !Evaluator::AgenciesValid(plan, agency)) continue;
            members.push_back(&c);
          }
          if (members.empty()) continue;
          TestColumns columns;
          Day from_min = INT32_MAX, from_max = INT32_MIN;
          Day until_min = INT32_MAX, until_max = INT32_MIN;
          std::vector<uint32_t> agencies;
          std::vector<bool> eligible;
          std::vector<int64_t> scores;
          for (const CandidateView* c : members) {
            CandidateScreen w;
            CandidateSummary s;
            SummarizeCandidate(*c, hot, w, s);
            columns.Add(w, s);
            from_min = std::min(from_min, w.window_from);
            from_max = std::max(from_max, w.window_from);
            until_min = std::min(until_min, w.window_until);
            until_max = std::max(until_max, w.window_until);
            agencies.push_back(s.agency);
            const Verdict verdict = evaluator_->Evaluate(*c, vacancy, *world);
            eligible.push_back((verdict.failures & stop_on) == 0);
            scores.push_back(verdict.score_micros);
          }
          std::sort(agencies.begin(), agencies.end());
          Evaluator::ListFacts facts;
          facts.windows_pass = Evaluator::WindowsInRange(plan, from_min, from_max, until_min,
                                                         until_max) ==
                               Evaluator::WindowsVerdict::kAllPass;
          facts.agencies_pass = Evaluator::AgenciesValid(plan, agencies);
          if (kind == 1) {
            EXPECT_TRUE(facts.windows_pass);
          }
          if (kind == 2) {
            EXPECT_TRUE(facts.agencies_pass);
          }
          skipped_rules += facts.windows_pass + facts.agencies_pass;
          std::vector<int64_t> sorted = scores;
          std::sort(sorted.begin(), sorted.end());
          const size_t size = members.size();
          auto id = [&members](size_t i) { return members[i]->id; };
          for (int64_t threshold : {INT64_MIN, sorted[size / 2], sorted[size * 9 / 10],
                                    sorted.back() + 1}) {
            for (bool below_mode : {false, true}) {
              const std::string what =
                  absl::StrCat("vacancy ", n, " origin ", UnpackCountry(terms.origin), " kind ",
                               kind, " placed ", world == &placed, " threshold ", threshold,
                               " below ", below_mode, " size ", size);
              std::vector<uint32_t> best(size), scalar(size);
              size_t best_below = 0, scalar_below = 0;
              const size_t best_n = Evaluator::ScreenBlock(
                  columns.view(), size, plan, facts, id, stop_on, threshold, best.data(),
                  below_mode ? &best_below : nullptr, Evaluator::ScreenKernel::kBest);
              const size_t scalar_n = Evaluator::ScreenBlock(
                  columns.view(), size, plan, facts, id, stop_on, threshold, scalar.data(),
                  below_mode ? &scalar_below : nullptr, Evaluator::ScreenKernel::kScalar);
              best.resize(best_n);
              scalar.resize(scalar_n);
              EXPECT_EQ(best, scalar) << what;
              EXPECT_EQ(best_below, scalar_below) << what;
              std::vector<bool> handed(size, false);
              size_t last = 0;
              for (size_t j = 0; j < best_n; ++j) {
                const uint32_t entry = best[j];
                const size_t i = entry & ~Evaluator::kScreenFlags;
                ASSERT_LT(i, size) << what;
                if (j > 0) {
                  EXPECT_GT(i, last) << what;
                }
                last = i;
                handed[i] = true;
                const bool open = (entry & (Evaluator::kScreenUndecided |
                                            Evaluator::kScreenColdSkills)) != 0;
                if (!open) {
                  EXPECT_TRUE(eligible[i]) << what << " position " << i;
                  ++kept_decided;
                }
                if ((entry & Evaluator::kScreenBelowThreshold) != 0 && eligible[i]) {
                  EXPECT_LT(scores[i], threshold) << what << " position " << i;
                }
              }
              size_t missing = 0;
              for (size_t i = 0; i < size; ++i) {
                if (!eligible[i] || handed[i]) continue;
                ++missing;
                EXPECT_TRUE(below_mode) << what << " position " << i;
                EXPECT_LT(scores[i], threshold) << what << " position " << i;
              }
              EXPECT_EQ(best_below, missing) << what;
              counted_total += static_cast<int>(missing);
              ++lists;
            }
          }
        }
      }
    }
  }
  // The test reached every case it is about.
  EXPECT_GE(lists, 300);
  EXPECT_GE(kept_decided, 1000);
  EXPECT_GE(counted_total, 1000);
  EXPECT_GE(skipped_rules, 100);
}

// Posting lists are split by availability: for a slice's bounds,
// WindowsInRange may say that every window fails or that every window passes
// only when each one does.
TEST_F(CandidateIndexTest, WindowsInRangeNeverContradictsAWindowInRange) {
  std::mt19937 rng(20261203);
  CompiledVacancy vacancy = Compile(ValidVacancy());
  const ScanPlan planned = evaluator_->PlanScan(vacancy, world_, nullptr, HotSkills());
  int fail = 0, pass = 0, some = 0;
  // A day, or the screen's encoding of an unset bound (kNoWindowFrom for
  // the first day, kNoDay for the last).
  auto day = [&rng](Day unset, Day first) -> Day {
    return rng() % 6 == 0 ? unset : first + static_cast<Day>(rng() % 120);
  };
  const Day first_day = ToDay(2026, 1, 1);
  for (int round = 0; round < 20000; ++round) {
    ScanPlan plan = planned;
    plan.start = rng() % 10 == 0 ? kNoDay : first_day + static_cast<Day>(rng() % 200);
    Day f1 = day(CandidateScreen::kNoWindowFrom, first_day);
    Day f2 = day(CandidateScreen::kNoWindowFrom, first_day);
    Day u1 = day(kNoDay, first_day + 80), u2 = day(kNoDay, first_day + 80);
    if (f1 > f2) std::swap(f1, f2);
    if (u1 > u2) std::swap(u1, u2);
    const Evaluator::WindowsVerdict verdict = Evaluator::WindowsInRange(plan, f1, f2, u1, u2);
    fail += verdict == Evaluator::WindowsVerdict::kAllFail;
    pass += verdict == Evaluator::WindowsVerdict::kAllPass;
    some += verdict == Evaluator::WindowsVerdict::kSome;
    // The corners and a few windows inside the range.
    std::vector<std::pair<Day, Day>> windows = {{f1, u1}, {f1, u2}, {f2, u1}, {f2, u2}};
    for (int k = 0; k < 4; ++k) {
      windows.emplace_back(static_cast<Day>(f1 + static_cast<int64_t>(rng() % (int64_t{f2} - f1 + 1))),
                           static_cast<Day>(u1 + static_cast<int64_t>(rng() % (int64_t{u2} - u1 + 1))));
    }
    for (const auto& [from, until] : windows) {
      CandidateView c;
      c.available_from = from == CandidateScreen::kNoWindowFrom ? kNoDay : from;
      c.available_until = until;
      CandidateScreen w;
      CandidateSummary s;
      SummarizeCandidate(c, HotSkills(), w, s);
      ASSERT_EQ(w.window_from, from);
      // As Evaluate decides the rule.
      const bool fails = c.available_from == kNoDay || c.available_until == kNoDay ||
                         plan.start < c.available_from || plan.start > c.available_until;
      if (verdict == Evaluator::WindowsVerdict::kAllFail) {
        EXPECT_TRUE(fails) << round;
      }
      if (verdict == Evaluator::WindowsVerdict::kAllPass) {
        EXPECT_FALSE(fails) << round;
      }
    }
  }
  EXPECT_GT(fail, 1000);
  EXPECT_GT(pass, 1000);
  EXPECT_GT(some, 1000);
}

// Availability slices (the posting lists' split) have day bounds: windows
// starting and ending on every day of several slices, some ending before
// they start and some unset, against vacancies starting on every one of
// those days; the counts and rankings stay the brute force's.
TEST_F(CandidateIndexTest, MatchesBruteForceForEveryStartDayAcrossAvailabilitySlices) {
  std::mt19937 rng(20261205);
  const Day first_day = ToDay(MakeDate(2026, 2, 20));
  auto date = [](Day d) {
    const absl::CivilDay civil = absl::CivilDay(1970, 1, 1) + d;
    return MakeDate(static_cast<int>(civil.year()), civil.month(), civil.day());
  };
  for (int i = 0; i < 900; ++i) {
    const std::string id = absl::StrCat("c-", i);
    v1::Candidate c = RandomCandidate(rng, id);
    c.set_nationality(i % 2 == 0 ? "CO" : "EC");
    c.set_agency("agencies/ag-co");
    const Day from = first_day + static_cast<Day>(rng() % 90);
    const Day until = from + static_cast<Day>(rng() % 70) - 5;  // some end before they start
    c.clear_availability();
    if (i % 15 != 0) {
      *c.mutable_availability()->mutable_start() = date(from);
      *c.mutable_availability()->mutable_end() = date(until);
    } else if (i % 30 == 0) {
      *c.mutable_availability()->mutable_start() = date(from);  // no end
    }
    absl::StatusOr<v1::Candidate> stored = stores_->candidates.Create(id, c);
    ASSERT_TRUE(stored.ok()) << stored.status();
    index_->Upsert(*stored);
  }
  int nonempty = 0;
  for (int d = 0; d < 100; ++d) {
    v1::Vacancy v = RandomVacancy(rng, d);
    v.set_destination("ES");
    v.clear_region();
    v.clear_eligible_origins();
    v.clear_required_credentials();
    *v.mutable_window()->mutable_start() = date(first_day + d);
    *v.mutable_window()->mutable_end() = date(first_day + d + 120);
    const CompiledVacancy vacancy = Compile(v);
    CandidateIndex::Query q;
    q.vacancy = &vacancy;
    q.world = &world_;
    q.k = d % 3 == 0 ? 1 : 20;
    const std::string what = absl::StrCat("start day ", d);
    CandidateIndex::Result want = BruteForce(q);
    absl::StatusOr<CandidateIndex::Result> got = index_->TopK(q, *evaluator_);
    ASSERT_TRUE(got.ok()) << got.status();
    ExpectSame(*got, want, what);
    if (!want.top.empty()) ++nonempty;
  }
  EXPECT_GE(nonempty, 60);
}

// Mostly one nationality, one availability window and one agency: a
// posting list of several thousand candidates (several blocks of the scan,
// the vector pass's tail at every block's end) where the screen skips
// availability and, while the agency is licensed, the agency rule. Results
// stay those of the brute force, also once that agency loses its licence
// (the same index, another world: its candidates are no longer eligible,
// while those of a nationality scanned first and another agency fill the
// top k), and
// after some candidates move to other windows.
TEST_F(CandidateIndexTest, MatchesBruteForceOnALongPostingListAndWhenItsAgencyLosesItsLicence) {
  std::mt19937 rng(20261204);
  std::vector<std::string> ids;
  for (int i = 0; i < 2600; ++i) {
    const std::string id = absl::StrCat("c-", i);
    v1::Candidate c = RandomCandidate(rng, id);
    // The long list is EC's, scanned after CO's (origin order), so its
    // candidates meet a top k already full and most are only counted.
    c.set_nationality(i % 4 == 3 ? "CO" : "EC");
    c.set_agency(i % 4 == 3 ? "agencies/ag-it" : "agencies/ag-co");
    *c.mutable_availability() = MakeRange(2026, 1, 1, 2026, 1, 20 + static_cast<int>(rng() % 2));
    if (i % 5 != 0) *c.mutable_availability() = MakeRange(2026, 1, 3, 2026, 12, 31);
    absl::StatusOr<v1::Candidate> stored = stores_->candidates.Create(id, c);
    ASSERT_TRUE(stored.ok()) << stored.status();
    index_->Upsert(*stored);
    ids.push_back(id);
  }
  MatchWorld revoked = world_;
  const std::optional<uint32_t> ag_co = interner_.Find("ag-co");
  ASSERT_TRUE(ag_co.has_value());
  ASSERT_TRUE(revoked.agency_licence_valid.contains(*ag_co));
  revoked.agency_licence_valid[*ag_co] = false;

  auto check = [&](const std::string& phase) {
    int nonempty = 0;
    int revoked_full = 0;  // top k filled without the revoked agency's candidates
    for (int n = 0; n < 8; ++n) {
      v1::Vacancy v = RandomVacancy(rng, n);
      v.set_destination("ES");
      v.clear_region();
      v.clear_eligible_origins();
      *v.mutable_window() = MakeRange(2026, 3 + n % 4, 1 + n, 2026, 9, 30);
      for (const MatchWorld* world : {&world_, &revoked}) {
        const CompiledVacancy vacancy = evaluator_->Compile(v, nullptr, *world);
        for (int k : {1, 50, 500}) {
          CandidateIndex::Query q;
          q.vacancy = &vacancy;
          q.world = world;
          q.k = k;
          q.include_quota_exhausted = n % 2 == 1;
          const std::string what = absl::StrCat(phase, " vacancy ", n, " k ", k, " revoked ",
                                                world == &revoked);
          CandidateIndex::Result want = BruteForce(q);
          absl::StatusOr<CandidateIndex::Result> got = index_->TopK(q, *evaluator_);
          ASSERT_TRUE(got.ok()) << got.status();
          ExpectSame(*got, want, what);
          for (const CandidateIndex::Hit& hit : got->top) {
            bool licensed = true;
            index_->WithView(hit.candidate_id, [&](const CandidateView& c) {
              licensed = c.agency != *ag_co;
            });
            if (world == &revoked) {
              EXPECT_TRUE(licensed) << what << " " << hit.candidate_id;
            }
          }
          if (!want.top.empty()) ++nonempty;
          if (world == &revoked && want.top.size() == static_cast<size_t>(k)) ++revoked_full;
        }
      }
    }
    EXPECT_GE(nonempty, 12) << phase;
    EXPECT_GE(revoked_full, 4) << phase;
  };
  check("one window");
  // Some move to other windows (other slices), some leave.
  for (int i = 0; i < 400; ++i) {
    const std::string& id = ids[rng() % ids.size()];
    absl::StatusOr<v1::Candidate> written =
        stores_->candidates.Mutate(id, "", [&rng](v1::Candidate& c) {
          const int month = 1 + static_cast<int>(rng() % 6);
          *c.mutable_availability() = MakeRange(2026, month, 1, 2026, month + 3, 28);
          return absl::OkStatus();
        });
    ASSERT_TRUE(written.ok()) << written.status();
    index_->Upsert(*written);
  }
  for (int i = 0; i < 300; ++i) {
    const size_t at = rng() % ids.size();
    ASSERT_TRUE(stores_->candidates.Delete(ids[at]).ok());
    index_->Remove(ids[at]);
    ids[at] = ids.back();
    ids.pop_back();
  }
  ASSERT_EQ(index_->size(), ids.size());
  check("moved");
}

TEST_F(CandidateIndexTest, ViewsEqualOwnedCandidatesAfterManyReplacements) {
  std::mt19937 rng(7);
  std::vector<std::string> ids;
  for (int i = 0; i < 500; ++i) ids.push_back(StoreCandidate(rng, i));
  // Enough replacements to compact every arena several times.
  Churn(rng, *stores_, *index_, ids, 20000);
  for (const v1::Candidate& c : AllStored()) {
    OwnedCandidate owned(c, interner_);
    const CandidateView& w = owned.view();
    bool found = index_->WithView(w.id, [&w](const CandidateView& v) {
      EXPECT_EQ(v.id, w.id);
      EXPECT_EQ(v.registered_micros, w.registered_micros);
      EXPECT_EQ(v.agency, w.agency);
      EXPECT_EQ(v.nationality, w.nationality);
      EXPECT_EQ(v.residence, w.residence);
      EXPECT_EQ(v.education, w.education);
      EXPECT_EQ(v.consent, w.consent);
      EXPECT_EQ(v.available_from, w.available_from);
      EXPECT_EQ(v.available_until, w.available_until);
      ASSERT_EQ(v.skills.size(), w.skills.size());
      for (size_t i = 0; i < v.skills.size(); ++i) {
        EXPECT_EQ(v.skills[i].skill, w.skills[i].skill);
        EXPECT_EQ(v.skills[i].level, w.skills[i].level);
      }
      ASSERT_EQ(v.occupations.size(), w.occupations.size());
      for (size_t i = 0; i < v.occupations.size(); ++i) {
        EXPECT_EQ(v.occupations[i].isco.code, w.occupations[i].isco.code);
        EXPECT_EQ(v.occupations[i].experience_years, w.occupations[i].experience_years);
      }
      EXPECT_EQ(v.languages.size(), w.languages.size());
      ASSERT_EQ(v.credentials.size(), w.credentials.size());
      for (size_t i = 0; i < v.credentials.size(); ++i) {
        EXPECT_EQ(v.credentials[i].kind, w.credentials[i].kind);
        EXPECT_EQ(v.credentials[i].verified, w.credentials[i].verified);
        EXPECT_EQ(std::vector<Country>(v.credentials[i].recognised_in.begin(),
                                       v.credentials[i].recognised_in.end()),
                  std::vector<Country>(w.credentials[i].recognised_in.begin(),
                                       w.credentials[i].recognised_in.end()));
      }
      EXPECT_EQ(v.licences.size(), w.licences.size());
      EXPECT_EQ(v.history.size(), w.history.size());
      EXPECT_EQ(v.preferred_destinations.size(), w.preferred_destinations.size());
      EXPECT_EQ(v.preferred_schemes, w.preferred_schemes);
      EXPECT_EQ(v.preferred_occupations.size(), w.preferred_occupations.size());
    });
    EXPECT_TRUE(found) << w.id;
  }
  EXPECT_EQ(index_->size(), ids.size());
}

TEST_F(CandidateIndexTest, UpsertOlderThanIndexedIsIgnored) {
  std::mt19937 rng(1);
  v1::Candidate newer = RandomCandidate(rng, "c-x");
  newer.set_nationality("CO");
  *newer.mutable_update_time() = At(1800000000);
  v1::Candidate older = newer;
  older.set_nationality("MA");
  *older.mutable_update_time() = At(1799999999);
  index_->Upsert(newer);
  index_->Upsert(older);
  Country seen = 0;
  ASSERT_TRUE(index_->WithView("c-x", [&seen](const CandidateView& v) { seen = v.nationality; }));
  EXPECT_EQ(seen, PackCountry("CO"));
  EXPECT_EQ(index_->size(), 1u);
}

TEST_F(CandidateIndexTest, RemovedCandidateIsNeverReturned) {
  // Eligible for the plain ES <- CO vacancy.
  v1::Candidate c = ::corridor::matcher::testing::ValidCandidate();
  c.set_name("candidates/c-gone");
  c.set_agency("agencies/ag-co");
  c.clear_consent();
  *c.mutable_consent()->mutable_given_time() = At(1700000000);
  *c.mutable_availability() = MakeRange(2026, 1, 1, 2026, 12, 31);
  c.clear_history();
  index_->Upsert(c);
  CompiledVacancy vacancy = Compile(ValidVacancy());
  CandidateIndex::Query q;
  q.vacancy = &vacancy;
  q.world = &world_;
  q.include_quota_exhausted = true;
  absl::StatusOr<CandidateIndex::Result> before = index_->TopK(q, *evaluator_);
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_EQ(before->top.size(), 1u) << "the fixture candidate should be eligible";
  index_->Remove("c-gone");
  index_->Remove("c-never-existed");
  absl::StatusOr<CandidateIndex::Result> after = index_->TopK(q, *evaluator_);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_TRUE(after->top.empty());
  EXPECT_EQ(after->eligible_count, 0);
  EXPECT_FALSE(index_->WithView("c-gone", [](const CandidateView&) {}));
  EXPECT_EQ(index_->size(), 0u);
}

TEST_F(CandidateIndexTest, QuotaExhaustedOnlyReturnedWhenIncluded) {
  std::mt19937 rng(11);
  for (int i = 0; i < 1500; ++i) StoreCandidate(rng, i);
  v1::Vacancy v = ValidVacancy();
  v.clear_eligible_origins();
  v.add_eligible_origins("MA");  // es-ma's only cell is full
  v.clear_required_credentials();
  v.clear_required_skills();
  v.set_min_experience_years(0);
  *v.mutable_window() = MakeRange(2026, 3, 1, 2026, 5, 1);
  CompiledVacancy vacancy = Compile(v);
  CandidateIndex::Query q;
  q.vacancy = &vacancy;
  q.world = &world_;
  q.k = 500;
  absl::StatusOr<CandidateIndex::Result> without = index_->TopK(q, *evaluator_);
  q.include_quota_exhausted = true;
  absl::StatusOr<CandidateIndex::Result> with = index_->TopK(q, *evaluator_);
  ASSERT_TRUE(without.ok() && with.ok());
  for (const CandidateIndex::Hit& h : without->top) EXPECT_EQ(h.verdict.failures, 0u);
  int flagged = 0;
  for (const CandidateIndex::Hit& h : with->top) {
    EXPECT_TRUE(h.verdict.failures == 0 || h.verdict.failures == kQuotaBit);
    if (h.verdict.failures == kQuotaBit) ++flagged;
  }
  EXPECT_GT(flagged, 0);
  EXPECT_EQ(with->eligible_count, without->eligible_count + flagged);
  ExpectSame(*with, BruteForce(q), "included");
}

TEST_F(CandidateIndexTest, DeadlineInThePastIsDeadlineExceeded) {
  std::mt19937 rng(5);
  for (int i = 0; i < 10; ++i) StoreCandidate(rng, i);
  CompiledVacancy vacancy = Compile(ValidVacancy());
  CandidateIndex::Query q;
  q.vacancy = &vacancy;
  q.world = &world_;
  q.deadline = absl::Now() - absl::Seconds(1);
  absl::StatusOr<CandidateIndex::Result> r = index_->TopK(q, *evaluator_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(CandidateIndexTest, KOutsideRangeIsInvalidArgument) {
  CompiledVacancy vacancy = Compile(ValidVacancy());
  CandidateIndex::Query q;
  q.vacancy = &vacancy;
  q.world = &world_;
  for (int k : {0, -1, 501}) {
    q.k = k;
    EXPECT_EQ(index_->TopK(q, *evaluator_).status().code(),
              absl::StatusCode::kInvalidArgument)
        << k;
  }
}

TEST_F(CandidateIndexTest, MemoryIsReportedAndBounded) {
  std::mt19937 rng(9);
  for (int i = 0; i < 2000; ++i) StoreCandidate(rng, i);
  EXPECT_GT(index_->MemoryBytes(), 2000u * 50);
  EXPECT_LT(index_->MemoryBytes(), 2000u * 1000);
}

}  // namespace
}  // namespace corridor::matcher
