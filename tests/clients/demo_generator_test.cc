#include "clients/cli/demo_generator.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/proto_json.h"
#include "common/iso_codes.h"
#include "common/resource_name.h"
#include "gtest/gtest.h"

namespace corridor::cli {
namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

template <class M>
std::vector<M> ReadJsonl(const std::filesystem::path& p) {
  std::vector<M> out;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    M m;
    absl::Status s = JsonToMessage(line, &m);
    EXPECT_TRUE(s.ok()) << s << "\n" << line;
    out.push_back(std::move(m));
  }
  return out;
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

class DemoGeneratorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto taxonomy = DemoTaxonomy::LoadEsco(std::string(CORRIDOR_SHARED_DIR) + "/data/esco");
    ASSERT_TRUE(taxonomy.ok()) << taxonomy.status();
    taxonomy_ = new DemoTaxonomy(*std::move(taxonomy));
    root_ = std::filesystem::temp_directory_path() /
            absl::StrCat("corridor_demo_generator_test_", ::getpid());
    std::filesystem::remove_all(root_);
    DemoOptions options;
    options.out_dir = (root_ / "main").string();
    options.candidates = 20000;
    options.seed = 42;
    auto counts = GenerateDemo(options, *taxonomy_);
    ASSERT_TRUE(counts.ok()) << counts.status();
    auto iso = IsoCodes::Load();
    ASSERT_TRUE(iso.ok()) << iso.status();
    iso_ = iso->release();
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(root_); }

  static std::filesystem::path Generate(const std::string& name, uint64_t seed, int threads) {
    DemoOptions options;
    options.out_dir = (root_ / name).string();
    options.candidates = 3000;
    options.seed = seed;
    options.threads = threads;
    options.csv = true;
    auto counts = GenerateDemo(options, *taxonomy_);
    EXPECT_TRUE(counts.ok()) << counts.status();
    return root_ / name;
  }

  static std::filesystem::path Main() { return root_ / "main"; }

  static DemoTaxonomy* taxonomy_;
  static IsoCodes* iso_;
  static std::filesystem::path root_;
};
DemoTaxonomy* DemoGeneratorTest::taxonomy_ = nullptr;
IsoCodes* DemoGeneratorTest::iso_ = nullptr;
std::filesystem::path DemoGeneratorTest::root_;

const char* kFiles[] = {"agencies.jsonl",  "employers.jsonl", "agreements.jsonl",
                        "quota_cells.jsonl", "candidates.jsonl", "vacancies.jsonl",
                        "candidates.csv",  "vacancies.csv",   "manifest.json",
                        "README.txt"};

TEST_F(DemoGeneratorTest, SameSeedGivesTheSameBytesWhateverTheThreads) {
  const auto a = Generate("a", 7, 1);
  const auto b = Generate("b", 7, 3);
  for (const char* f : kFiles) {
    const std::string x = ReadFile(a / f);
    EXPECT_FALSE(x.empty()) << f;
    EXPECT_TRUE(x == ReadFile(b / f)) << f << " differs";
  }
}

TEST_F(DemoGeneratorTest, DifferentSeedGivesDifferentData) {
  const auto a = Generate("c", 7, 2);
  const auto b = Generate("d", 8, 2);
  EXPECT_NE(ReadFile(a / "candidates.jsonl"), ReadFile(b / "candidates.jsonl"));
  EXPECT_NE(ReadFile(a / "vacancies.jsonl"), ReadFile(b / "vacancies.jsonl"));
}

TEST_F(DemoGeneratorTest, EveryCandidateComesFromAnAgreementOrigin) {
  const auto agreements = ReadJsonl<v1::Agreement>(Main() / "agreements.jsonl");
  std::set<std::string> origins;
  std::map<std::string, std::vector<std::string>> scope_by_origin;
  for (const auto& a : agreements) {
    for (const auto& o : a.origins()) {
      origins.insert(o);
      for (const auto& p : a.occupation_scope()) scope_by_origin[o].push_back(p);
    }
  }
  const auto candidates = ReadJsonl<v1::Candidate>(Main() / "candidates.jsonl");
  ASSERT_EQ(candidates.size(), 20000u);
  for (const auto& c : candidates) {
    ASSERT_EQ(origins.count(c.nationality()), 1u) << c.name();
    ASSERT_GE(c.occupations_size(), 1);
    for (const auto& o : c.occupations()) {
      ASSERT_EQ(o.isco_code().size(), 4u) << c.name();
      ASSERT_TRUE(std::all_of(o.isco_code().begin(), o.isco_code().end(), ::isdigit));
      const auto& scope = scope_by_origin[c.nationality()];
      EXPECT_TRUE(std::any_of(scope.begin(), scope.end(),
                              [&](const std::string& p) { return StartsWith(o.isco_code(), p); }))
          << c.name() << " " << o.isco_code();
    }
  }
}

TEST_F(DemoGeneratorTest, RecordsSaySynthetic) {
  EXPECT_NE(ReadFile(Main() / "README.txt").find("SYNTHETIC"), std::string::npos);
  for (const auto& a : ReadJsonl<v1::Agreement>(Main() / "agreements.jsonl")) {
    EXPECT_NE(a.display_name().find("synthetic"), std::string::npos) << a.name();
  }
  std::ifstream in(Main() / "quota_cells.jsonl");
  std::string line;
  int cells = 0;
  while (std::getline(in, line)) {
    ++cells;
    EXPECT_NE(line.find("\"synthetic\":true"), std::string::npos) << line;
    EXPECT_NE(line.find("(synthetic cap)"), std::string::npos) << line;
  }
  EXPECT_GT(cells, 9);
  for (const auto& a : ReadJsonl<v1::Agency>(Main() / "agencies.jsonl")) {
    EXPECT_NE(a.display_name().find("ynthetic"), std::string::npos) << a.name();
  }
  for (const auto& e : ReadJsonl<v1::Employer>(Main() / "employers.jsonl")) {
    EXPECT_TRUE(StartsWith(e.display_name(), "Synthetic ")) << e.name();
  }
  for (const auto& c : ReadJsonl<v1::Candidate>(Main() / "candidates.jsonl")) {
    ASSERT_TRUE(StartsWith(c.display_name(), "Synthetic Candidate ")) << c.name();
    ASSERT_TRUE(absl::EndsWith(c.contact(), "@example.invalid")) << c.name();
  }
}

TEST_F(DemoGeneratorTest, OccupationFrequenciesAreSkewed) {
  std::map<std::string, int> by_occupation;
  std::map<std::string, int> by_skill;
  for (const auto& c : ReadJsonl<v1::Candidate>(Main() / "candidates.jsonl")) {
    const auto& o = c.occupations(0);
    ++by_occupation[o.esco_occupation().empty() ? o.isco_code() : o.esco_occupation()];
    for (const auto& s : c.skills()) ++by_skill[s.skill_id()];
  }
  for (const auto* counts : {&by_occupation, &by_skill}) {
    std::vector<int> n;
    for (const auto& [k, v] : *counts) n.push_back(v);
    std::sort(n.begin(), n.end());
    ASSERT_GT(n.size(), 20u);
    const int median = n[n.size() / 2];
    EXPECT_GT(n.back(), 10 * median) << "most common " << n.back() << ", median " << median;
  }
}

TEST_F(DemoGeneratorTest, CodesIdsAndRangesAreValid) {
  auto country = [&](const std::string& c) { return iso_->IsCountry(c); };
  for (const auto& a : ReadJsonl<v1::Agency>(Main() / "agencies.jsonl")) {
    EXPECT_TRUE(IsValidResourceId(a.name().substr(9))) << a.name();
    EXPECT_TRUE(country(a.country()));
  }
  for (const auto& c : ReadJsonl<v1::Candidate>(Main() / "candidates.jsonl")) {
    ASSERT_TRUE(IsValidResourceId(c.name().substr(11))) << c.name();
    ASSERT_TRUE(country(c.nationality()) && country(c.residence_country())) << c.name();
    const int age = 2027 - c.birth_year();
    ASSERT_TRUE(age >= 19 && age <= 60) << c.name();
    ASSERT_GE(2026 - c.birth_year(), 18);
    ASSERT_LE(c.skills_size(), 200);
    std::set<std::string> skills, languages;
    for (const auto& s : c.skills()) {
      ASSERT_TRUE(skills.insert(s.skill_id()).second) << c.name();
      ASSERT_TRUE(s.level() >= 1 && s.level() <= 4);
      ASSERT_NE(s.evidence(), v1::EVIDENCE_UNSPECIFIED);
    }
    for (const auto& l : c.languages()) {
      ASSERT_TRUE(languages.insert(l.language_code()).second) << c.name();
      ASSERT_TRUE(iso_->IsLanguage(l.language_code())) << l.language_code();
      ASSERT_NE(l.level(), v1::CEFR_LEVEL_UNSPECIFIED);
    }
    ASSERT_NE(c.education(), v1::ISCED_LEVEL_UNSPECIFIED);
    ASSERT_EQ(c.availability().start().year(), 2027);
    for (const auto& p : c.history()) {
      ASSERT_LE(p.stay().end().year(), 2026);
      ASSERT_NE(p.return_outcome(), v1::RETURN_OUTCOME_UNSPECIFIED);
    }
    if (c.consent().has_withdrawn_time()) {
      ASSERT_GE(c.consent().withdrawn_time().seconds(), c.consent().given_time().seconds());
    }
  }
}

TEST_F(DemoGeneratorTest, PopulationLooksLikeTheCorridors) {
  int returning = 0, withdrawn = 0, no_consent = 0, total = 0;
  std::map<std::string, int> outcomes;
  for (const auto& c : ReadJsonl<v1::Candidate>(Main() / "candidates.jsonl")) {
    ++total;
    if (c.history_size() > 0) ++returning;
    for (const auto& p : c.history()) ++outcomes[v1::ReturnOutcome_Name(p.return_outcome())];
    if (c.consent().has_withdrawn_time()) ++withdrawn;
    if (!c.consent().has_given_time()) ++no_consent;
  }
  EXPECT_GT(returning, total / 5);
  EXPECT_GT(outcomes["RETURN_OUTCOME_ON_TIME"], 5 * outcomes["RETURN_OUTCOME_LATE"]);
  EXPECT_GT(outcomes["RETURN_OUTCOME_NOT_RETURNED"], 0);
  EXPECT_GT(withdrawn, 0);
  EXPECT_GT(no_consent, 0);
  EXPECT_LT(withdrawn + no_consent, total / 5);
}

TEST_F(DemoGeneratorTest, QuotaCellsFormTreesWithoutOverlappingSiblings) {
  struct Cell {
    std::string agreement, id;
    v1::QuotaCell cell;
  };
  std::vector<Cell> cells;
  std::ifstream in(Main() / "quota_cells.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    // {"agreement":"...","cellId":"...","cell":{...}}
    const size_t a = line.find("\"agreement\":\"") + 13;
    const size_t id = line.find("\"cellId\":\"") + 10;
    const size_t body = line.find("\"cell\":") + 7;
    Cell c;
    c.agreement = line.substr(a, line.find('"', a) - a);
    c.id = line.substr(id, line.find('"', id) - id);
    ASSERT_TRUE(JsonToMessage(line.substr(body, line.size() - body - 1), &c.cell).ok()) << line;
    cells.push_back(c);
  }
  std::map<std::string, const Cell*> seen;
  auto covers = [](const std::string& any_or_value, const std::string& other) {
    return any_or_value.empty() || StartsWith(other, any_or_value);
  };
  for (const Cell& c : cells) {
    const std::string key = c.agreement + "/" + c.id;
    ASSERT_TRUE(IsValidResourceId(c.id)) << c.id;
    ASSERT_EQ(seen.count(key), 0u) << key;
    if (!c.cell.parent().empty()) {
      auto parent = seen.find(c.agreement + "/" + c.cell.parent());
      ASSERT_NE(parent, seen.end()) << key << ": parent must come first";
      const v1::QuotaCell& p = parent->second->cell;
      EXPECT_TRUE(covers(p.origin(), c.cell.origin())) << key;
      EXPECT_TRUE(covers(p.isco_prefix(), c.cell.isco_prefix())) << key;
      EXPECT_TRUE(p.scheme() == 0 || p.scheme() == c.cell.scheme()) << key;
    }
    if (!c.cell.overflow_cell().empty()) {
      // The overflow (general pool) is an ancestor: the only cells that can
      // take the same applications in a tree without overlapping siblings.
      std::string up = c.cell.parent();
      bool ancestor = false;
      while (!up.empty()) {
        if (up == c.cell.overflow_cell()) ancestor = true;
        up = seen.at(c.agreement + "/" + up)->cell.parent();
      }
      EXPECT_TRUE(ancestor) << key;
    }
    for (const auto& [other_key, other] : seen) {
      if (other->agreement != c.agreement || other->cell.parent() != c.cell.parent()) continue;
      const v1::QuotaCell& x = other->cell;
      const v1::QuotaCell& y = c.cell;
      const bool overlap =
          (covers(x.origin(), y.origin()) || covers(y.origin(), x.origin())) &&
          (covers(x.isco_prefix(), y.isco_prefix()) || covers(y.isco_prefix(), x.isco_prefix())) &&
          (x.scheme() == 0 || y.scheme() == 0 || x.scheme() == y.scheme());
      EXPECT_FALSE(overlap) << key << " overlaps " << other_key;
    }
    EXPECT_TRUE(c.cell.synthetic());
    EXPECT_EQ(c.cell.period().start().year(), 2027);
    seen[key] = &c;
  }
}

TEST_F(DemoGeneratorTest, VacanciesBelongToEmployersAndAgreements) {
  std::map<std::string, v1::Employer> employers;
  for (const auto& e : ReadJsonl<v1::Employer>(Main() / "employers.jsonl")) employers[e.name()] = e;
  const auto vacancies = ReadJsonl<v1::Vacancy>(Main() / "vacancies.jsonl");
  ASSERT_EQ(vacancies.size(), 2000u);
  int64_t mauritius = 0;
  std::set<std::string> destinations;
  for (const auto& v : vacancies) {
    ASSERT_EQ(employers.count(v.employer()), 1u) << v.name();
    EXPECT_EQ(employers[v.employer()].country(), v.destination());
    destinations.insert(v.destination());
    EXPECT_EQ(v.isco_code().size(), 4u);
    EXPECT_TRUE(v.positions() >= 1 && v.positions() <= 100000);
    EXPECT_GT(v.wage().amount().amount_minor(), 0);
    EXPECT_TRUE(iso_->IsCurrency(v.wage().amount().currency_code()));
    EXPECT_FALSE(v.housing().description().empty());
    EXPECT_NE(v.labour_market_test(), v1::LABOUR_MARKET_TEST_UNSPECIFIED);
    for (const auto& o : v.eligible_origins()) EXPECT_TRUE(iso_->IsCountry(o));
    if (StartsWith(v.employer(), "employers/ca-mu-project-")) mauritius += v.positions();
  }
  EXPECT_EQ(mauritius, 285);
  EXPECT_EQ(destinations, (std::set<std::string>{"CA", "DK", "ES", "FR", "IT", "NL"}));
}

}  // namespace
}  // namespace corridor::cli
