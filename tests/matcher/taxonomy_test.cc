#include "matcher/taxonomy.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace corridor::matcher {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kEscoDir[] = CORRIDOR_SHARED_DIR "/data/esco";

std::map<size_t, int> CountByLevel(const Taxonomy& t) {
  std::map<size_t, int> counts;
  for (const IscoGroup& g : t.IscoGroups()) ++counts[g.code.size()];
  return counts;
}

// ---------------------------------------------------------------- built-in

TEST(TaxonomyBuiltInTest, HasEveryMajorSubMajorAndMinorGroup) {
  std::unique_ptr<Taxonomy> t = Taxonomy::BuiltIn();
  std::map<size_t, int> counts = CountByLevel(*t);
  EXPECT_EQ(counts[1], 10);
  EXPECT_EQ(counts[2], 43);
  EXPECT_EQ(counts[3], 130);
}

TEST(TaxonomyBuiltInTest, HasTheUnitGroupsOfTheDemoCorridors) {
  std::unique_ptr<Taxonomy> t = Taxonomy::BuiltIn();
  for (const char* code :
       {"6111", "6112", "6121", "9211", "9212", "9214", "9215", "5120", "5131", "9412",
        "5151", "9112", "2221", "3221", "5321", "5322", "7112", "7115", "9313", "7212",
        "8160", "9329", "8322", "8332", "2512", "2513", "2514", "3512", "2144", "2146",
        "3115", "7411", "7126", "7231"}) {
    EXPECT_TRUE(t->IsIscoUnitGroup(code)) << code;
  }
  int units = CountByLevel(*t)[4];
  EXPECT_GE(units, 45);
  EXPECT_LE(units, 60);
}

TEST(TaxonomyBuiltInTest, EveryUnitGroupHasItsAncestors) {
  std::unique_ptr<Taxonomy> t = Taxonomy::BuiltIn();
  for (const IscoGroup& g : t->IscoGroups()) {
    EXPECT_FALSE(g.title.empty()) << g.code;
    for (size_t len = 1; len < g.code.size(); ++len) {
      EXPECT_TRUE(t->IsIscoGroup(g.code.substr(0, len))) << g.code;
    }
  }
}

TEST(TaxonomyBuiltInTest, GroupsAreSortedByCode) {
  std::vector<IscoGroup> groups = Taxonomy::BuiltIn()->IscoGroups();
  for (size_t i = 1; i < groups.size(); ++i) EXPECT_LT(groups[i - 1].code, groups[i].code);
}

TEST(TaxonomyBuiltInTest, TitlesAndLevels) {
  std::unique_ptr<Taxonomy> t = Taxonomy::BuiltIn();
  EXPECT_EQ(t->IscoTitle("6"), "Skilled agricultural, forestry and fishery workers");
  EXPECT_EQ(t->IscoTitle("2221"), "Nursing professionals");
  EXPECT_EQ(t->IscoTitle("9999"), "");
  EXPECT_TRUE(t->IsIscoGroup("61"));
  EXPECT_TRUE(t->IsIscoGroup("611"));
  EXPECT_FALSE(t->IsIscoUnitGroup("611"));
  EXPECT_FALSE(t->IsIscoUnitGroup("61111"));
  EXPECT_FALSE(t->IsIscoUnitGroup(""));
  EXPECT_FALSE(t->IsIscoGroup(""));
  EXPECT_FALSE(t->IsIscoGroup("9999"));
}

TEST(TaxonomyBuiltInTest, SkillsFormAClosedTreeOfEscoGroups) {
  std::unique_ptr<Taxonomy> t = Taxonomy::BuiltIn();
  EXPECT_GE(t->skills().size(), 35u);
  EXPECT_LE(t->skills().size(), 60u);
  for (const Skill& s : t->skills()) {
    EXPECT_FALSE(s.label.empty()) << s.id;
    if (!s.parent.empty()) {
      EXPECT_TRUE(t->IsSkill(s.parent)) << s.id << " -> " << s.parent;
    }
  }
  const Skill* harvest = t->FindSkill("S6.4.3");
  ASSERT_NE(harvest, nullptr);
  EXPECT_EQ(harvest->parent, "S6.4");
  EXPECT_TRUE(t->IsSkill("S8.2.1"));
  EXPECT_TRUE(t->IsSkill("S3.6.2"));
  EXPECT_FALSE(t->IsSkill("S99"));
  for (size_t i = 1; i < t->skills().size(); ++i) {
    EXPECT_LT(t->skills()[i - 1].id, t->skills()[i].id);
  }
}

TEST(TaxonomyBuiltInTest, HasNoEscoOccupations) {
  std::unique_ptr<Taxonomy> t = Taxonomy::BuiltIn();
  EXPECT_TRUE(t->esco_occupations().empty());
  EXPECT_EQ(t->FindEscoOccupation("00030d09-2b3a-4efd-87cc-c4ea39d27c34"), nullptr);
}

// ---------------------------------------------------------------- ESCO export

class TaxonomyEscoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = Taxonomy::LoadEsco(kEscoDir);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    taxonomy_ = loaded->release();
  }
  static void TearDownTestSuite() {
    delete taxonomy_;
    taxonomy_ = nullptr;
  }
  static const Taxonomy* taxonomy_;
};

const Taxonomy* TaxonomyEscoTest::taxonomy_ = nullptr;

TEST_F(TaxonomyEscoTest, LoadsEveryOccupationAndIscoGroup) {
  ASSERT_NE(taxonomy_, nullptr);
  EXPECT_EQ(taxonomy_->esco_occupations().size(), 2942u);
  EXPECT_EQ(taxonomy_->isco_group_count(), 619u);
  std::map<size_t, int> counts = CountByLevel(*taxonomy_);
  EXPECT_EQ(counts[1], 10);
  EXPECT_EQ(counts[2], 43);
  EXPECT_EQ(counts[3], 130);
  EXPECT_EQ(counts[4], 436);
}

TEST_F(TaxonomyEscoTest, EveryOccupationBelongsToAKnownUnitGroup) {
  ASSERT_NE(taxonomy_, nullptr);
  for (const EscoOccupation& o : taxonomy_->esco_occupations()) {
    EXPECT_TRUE(taxonomy_->IsIscoUnitGroup(o.isco_code)) << o.id << " " << o.isco_code;
    EXPECT_FALSE(o.label.empty()) << o.id;
  }
}

TEST_F(TaxonomyEscoTest, FindsOccupationsByUuid) {
  ASSERT_NE(taxonomy_, nullptr);
  const EscoOccupation* o = taxonomy_->FindEscoOccupation("00030d09-2b3a-4efd-87cc-c4ea39d27c34");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->isco_code, "2166");
  EXPECT_EQ(o->label, "technical director");
  EXPECT_FALSE(o->regulated);
  EXPECT_TRUE(taxonomy_->IsEscoOccupation(o->id));
  EXPECT_FALSE(taxonomy_->IsEscoOccupation("not-an-occupation"));
  const auto& all = taxonomy_->esco_occupations();
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].id, all[i].id);
}

TEST_F(TaxonomyEscoTest, MarksRegulatedProfessions) {
  ASSERT_NE(taxonomy_, nullptr);
  int regulated = 0;
  for (const EscoOccupation& o : taxonomy_->esco_occupations()) regulated += o.regulated;
  // The export marks 15 occupations with a note other than ".../unregulated".
  EXPECT_EQ(regulated, 15);
}

TEST_F(TaxonomyEscoTest, ReadsSkillHierarchyGroupsAndCollections) {
  ASSERT_NE(taxonomy_, nullptr);
  const Skill* s641 = taxonomy_->FindSkill("S6.4.1");
  ASSERT_NE(s641, nullptr);
  EXPECT_EQ(s641->label, "cultivating land and crops");
  EXPECT_EQ(s641->parent, "S6.4");
  const Skill* s6 = taxonomy_->FindSkill("S6");
  ASSERT_NE(s6, nullptr);
  EXPECT_EQ(s6->parent, "S");
  // An ISCED-F knowledge group from the hierarchy.
  const Skill* ict = taxonomy_->FindSkill("0613");
  ASSERT_NE(ict, nullptr);
  EXPECT_EQ(ict->parent, "061");
  // A skill of the ICT collection: its parent is its first broader concept.
  const Skill* solve = taxonomy_->FindSkill("14832d87-2f2f-4895-b290-e4760ebae42a");
  ASSERT_NE(solve, nullptr);
  EXPECT_EQ(solve->label, "solve technical problems");
  EXPECT_EQ(solve->parent, "S5.2.3");
  // A language skill.
  const Skill* hungarian = taxonomy_->FindSkill("01f10952-cb59-4347-9aee-d4fbc51c870a");
  ASSERT_NE(hungarian, nullptr);
  EXPECT_EQ(hungarian->label, "write Hungarian");
  EXPECT_FALSE(hungarian->parent.empty());
  EXPECT_GT(taxonomy_->skills().size(), 1000u);
}

TEST_F(TaxonomyEscoTest, KeepsEveryBuiltInEntry) {
  ASSERT_NE(taxonomy_, nullptr);
  std::unique_ptr<Taxonomy> built_in = Taxonomy::BuiltIn();
  for (const IscoGroup& g : built_in->IscoGroups()) {
    EXPECT_TRUE(taxonomy_->IsIscoGroup(g.code)) << g.code;
  }
  for (const Skill& s : built_in->skills()) EXPECT_TRUE(taxonomy_->IsSkill(s.id)) << s.id;
}

// ---------------------------------------------------------------- bad exports

// A temporary directory holding a small, synthetic ESCO-shaped export.
class FakeExport {
 public:
  FakeExport() {
    std::string tmpl = ::testing::TempDir() + "/esco_XXXXXX";
    char* made = mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr);
    dir_ = tmpl;
    Write("ISCOGroups_en.csv",
          "conceptType,conceptUri,code,preferredLabel\n"
          "ISCOGroup,http://example.org/isco/C6,6,\"Skilled agricultural, forestry and "
          "fishery workers\"\n"
          "ISCOGroup,http://example.org/isco/C6111,6111,\"Field crop and\nvegetable "
          "growers\"\n");
    Write("occupations_en.csv",
          "conceptUri,iscoGroup,preferredLabel,regulatedProfessionNote\n"
          "http://example.org/occupation/occ-1,6111,\"grower, \"\"field\"\"\","
          "http://example.org/regulated-professions/unregulated\n"
          "http://example.org/occupation/occ-2,2221,nurse,"
          "http://example.org/regulated-professions/regulated\n");
    Write("skillsHierarchy_en.csv",
          "Level 0 URI,Level 0 preferred term,Level 1 URI,Level 1 preferred term,"
          "Level 2 URI,Level 2 preferred term,Level 3 URI,Level 3 preferred term\n"
          "http://example.org/skill/S,skills,http://example.org/skill/S6,handling,"
          "http://example.org/skill/S6.4,crops,http://example.org/skill/S6.4.1,cultivate\n");
  }
  ~FakeExport() {
    for (const std::string& f : written_) std::remove((dir_ + "/" + f).c_str());
    ::rmdir(dir_.c_str());
  }
  void Write(const std::string& file, const std::string& text) {
    std::ofstream out(dir_ + "/" + file, std::ios::binary | std::ios::trunc);
    out << text;
    written_.push_back(file);
  }
  void Remove(const std::string& file) { std::remove((dir_ + "/" + file).c_str()); }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::vector<std::string> written_;
};

TEST(TaxonomyLoadEscoTest, ReadsASmallExportMergedOverBuiltIn) {
  FakeExport fake;
  auto t = Taxonomy::LoadEsco(fake.dir());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->IscoTitle("6111"), "Field crop and\nvegetable growers");
  EXPECT_TRUE((*t)->IsIscoGroup("61"));  // From the built-in table.
  ASSERT_EQ((*t)->esco_occupations().size(), 2u);
  const EscoOccupation* grower = (*t)->FindEscoOccupation("occ-1");
  ASSERT_NE(grower, nullptr);
  EXPECT_EQ(grower->label, "grower, \"field\"");
  EXPECT_FALSE(grower->regulated);
  EXPECT_TRUE((*t)->FindEscoOccupation("occ-2")->regulated);
  const Skill* cultivate = (*t)->FindSkill("S6.4.1");
  ASSERT_NE(cultivate, nullptr);
  EXPECT_EQ(cultivate->label, "cultivate");
  EXPECT_EQ(cultivate->parent, "S6.4");
  EXPECT_TRUE((*t)->IsSkill("S8.2.1"));  // Built-in, not in this export.
}

TEST(TaxonomyLoadEscoTest, MissingDirectoryIsNotFound) {
  auto t = Taxonomy::LoadEsco(::testing::TempDir() + "/no/such/esco/dir");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
}

TEST(TaxonomyLoadEscoTest, MissingRequiredFileIsNotFound) {
  for (const char* file : {"ISCOGroups_en.csv", "occupations_en.csv", "skillsHierarchy_en.csv"}) {
    FakeExport fake;
    fake.Remove(file);
    auto t = Taxonomy::LoadEsco(fake.dir());
    ASSERT_FALSE(t.ok()) << file;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound) << file;
    EXPECT_THAT(std::string(t.status().message()), HasSubstr(file));
  }
}

TEST(TaxonomyLoadEscoTest, UnterminatedQuoteIsDataLossNamingFileAndLine) {
  FakeExport fake;
  fake.Write("occupations_en.csv",
             "conceptUri,iscoGroup,preferredLabel,regulatedProfessionNote\n"
             "http://example.org/occupation/occ-1,6111,grower,x/unregulated\n"
             "http://example.org/occupation/occ-2,6111,\"never closed,x/unregulated\n");
  auto t = Taxonomy::LoadEsco(fake.dir());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(t.status().message()), StartsWith("occupations_en.csv:3: "));
}

TEST(TaxonomyLoadEscoTest, MissingHeaderColumnIsDataLoss) {
  FakeExport fake;
  fake.Write("ISCOGroups_en.csv", "conceptType,conceptUri,preferredLabel\nISCOGroup,x,y\n");
  auto t = Taxonomy::LoadEsco(fake.dir());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(t.status().message()), StartsWith("ISCOGroups_en.csv:1: "));
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("code"));
}

TEST(TaxonomyLoadEscoTest, OccupationWithUnknownUnitGroupIsDataLoss) {
  FakeExport fake;
  fake.Write("occupations_en.csv",
             "conceptUri,iscoGroup,preferredLabel,regulatedProfessionNote\n"
             "http://example.org/occupation/occ-1,6119,grower,x/unregulated\n");
  auto t = Taxonomy::LoadEsco(fake.dir());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(t.status().message()), StartsWith("occupations_en.csv:2: "));
}

TEST(TaxonomyLoadEscoTest, MalformedIscoCodeIsDataLoss) {
  FakeExport fake;
  fake.Write("ISCOGroups_en.csv", "code,preferredLabel\n61a,bad\n");
  auto t = Taxonomy::LoadEsco(fake.dir());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(t.status().message()), StartsWith("ISCOGroups_en.csv:2: "));
}

TEST(TaxonomyLoadEscoTest, MalformedOptionalCollectionIsDataLoss) {
  FakeExport fake;
  fake.Write("ictSkillsCollection_en.csv",
             "conceptUri,preferredLabel,broaderConceptUri\n"
             "http://example.org/skill/k-1,\"fix\"x,http://example.org/skill/S5\n");
  auto t = Taxonomy::LoadEsco(fake.dir());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(t.status().message()), StartsWith("ictSkillsCollection_en.csv:2: "));
}

TEST(TaxonomyLoadEscoTest, CollectionParentIsTheFirstBroaderConcept) {
  FakeExport fake;
  fake.Write("ictSkillsCollection_en.csv",
             "conceptUri,preferredLabel,broaderConceptUri\n"
             "http://example.org/skill/k-1,fix printers,"
             "http://example.org/skill/S5.2.3 | http://example.org/skill/k-9\n"
             "http://example.org/skill/k-2,orphan,\n");
  auto t = Taxonomy::LoadEsco(fake.dir());
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_NE((*t)->FindSkill("k-1"), nullptr);
  EXPECT_EQ((*t)->FindSkill("k-1")->parent, "S5.2.3");
  ASSERT_NE((*t)->FindSkill("k-2"), nullptr);
  EXPECT_EQ((*t)->FindSkill("k-2")->parent, "");
}

}  // namespace
}  // namespace corridor::matcher
