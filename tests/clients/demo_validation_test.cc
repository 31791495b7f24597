// Every record `corridor demo generate` writes must pass the server's own
// validation (matcher::Validator), with the ESCO taxonomy and with the
// built-in one corridord uses when it is started without --esco-dir.
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "clients/cli/demo_generator.h"
#include "common/clock.h"
#include "common/iso_codes.h"
#include "gtest/gtest.h"
#include "matcher/taxonomy.h"
#include "matcher/validation.h"

namespace corridor::cli {
namespace {

std::string EscoDir() { return std::string(CORRIDOR_SHARED_DIR) + "/data/esco"; }

struct Params {
  const char* name;
  bool builtin_taxonomy;
  int year, month, day;  // the server's "today"
};

void PrintTo(const Params& p, std::ostream* os) { *os << p.name; }

class DemoValidationTest : public ::testing::TestWithParam<Params> {
 protected:
  static void SetUpTestSuite() {
    auto taxonomy = DemoTaxonomy::LoadEsco(EscoDir());
    ASSERT_TRUE(taxonomy.ok()) << taxonomy.status();
    demo_taxonomy_ = new DemoTaxonomy(*std::move(taxonomy));
    auto world = DemoWorld::Create(*demo_taxonomy_, 11, 3000);
    ASSERT_TRUE(world.ok()) << world.status();
    world_ = world->release();
    auto iso = IsoCodes::Load();
    ASSERT_TRUE(iso.ok()) << iso.status();
    iso_ = iso->release();
    auto esco = matcher::Taxonomy::LoadEsco(EscoDir());
    ASSERT_TRUE(esco.ok()) << esco.status();
    esco_ = esco->release();
    builtin_ = matcher::Taxonomy::BuiltIn().release();
  }

  void SetUp() override {
    const Params& p = GetParam();
    clock_ = std::make_unique<FakeClock>(
        absl::FromCivil(absl::CivilDay(p.year, p.month, p.day), absl::UTCTimeZone()));
    validator_ = std::make_unique<matcher::Validator>(
        *iso_, p.builtin_taxonomy ? *builtin_ : *esco_, *clock_);
  }

  static DemoTaxonomy* demo_taxonomy_;
  static DemoWorld* world_;
  static IsoCodes* iso_;
  static matcher::Taxonomy* esco_;
  static matcher::Taxonomy* builtin_;
  std::unique_ptr<FakeClock> clock_;
  std::unique_ptr<matcher::Validator> validator_;
};
DemoTaxonomy* DemoValidationTest::demo_taxonomy_ = nullptr;
DemoWorld* DemoValidationTest::world_ = nullptr;
IsoCodes* DemoValidationTest::iso_ = nullptr;
matcher::Taxonomy* DemoValidationTest::esco_ = nullptr;
matcher::Taxonomy* DemoValidationTest::builtin_ = nullptr;

TEST_P(DemoValidationTest, ReferenceDataPasses) {
  for (const auto& a : world_->agencies()) {
    EXPECT_TRUE(validator_->ValidateAgency(a).ok()) << a.name() << ": "
                                                    << validator_->ValidateAgency(a);
  }
  for (const auto& e : world_->employers()) {
    EXPECT_TRUE(validator_->ValidateEmployer(e).ok()) << e.name() << ": "
                                                      << validator_->ValidateEmployer(e);
  }
  std::map<std::string, v1::Agreement> agreements;
  for (const auto& a : world_->agreements()) {
    EXPECT_TRUE(validator_->ValidateAgreement(a).ok()) << a.name() << ": "
                                                       << validator_->ValidateAgreement(a);
    agreements[a.name()] = a;
  }
  // Cells in file order, each checked against its parent and the siblings
  // created before it, as the server does on CreateQuotaCell.
  std::map<std::string, v1::QuotaCell> created;  // "<agreement>/<cell id>"
  for (const DemoCell& c : world_->cells()) {
    v1::QuotaCell cell = c.cell;
    cell.set_name(absl::StrCat(c.agreement, "/quotaCells/", c.cell_id));
    const v1::QuotaCell* parent = nullptr;
    if (!cell.parent().empty()) {
      auto it = created.find(c.agreement + "/" + cell.parent());
      ASSERT_NE(it, created.end()) << cell.name();
      parent = &it->second;
    }
    std::vector<v1::QuotaCell> siblings;
    for (const auto& [key, other] : created) {
      if (key.rfind(c.agreement + "/", 0) == 0 && other.parent() == cell.parent()) {
        siblings.push_back(other);
      }
    }
    absl::Status s =
        validator_->ValidateQuotaCell(cell, agreements.at(c.agreement), parent, siblings);
    EXPECT_TRUE(s.ok()) << cell.name() << ": " << s;
    created[c.agreement + "/" + c.cell_id] = cell;
  }
}

TEST_P(DemoValidationTest, CandidatesPass) {
  v1::Candidate c;
  for (int64_t i = 0; i < 20000; ++i) {
    world_->MakeCandidate(i, &c);
    absl::Status s = validator_->ValidateCandidate(c);
    ASSERT_TRUE(s.ok()) << c.name() << ": " << s << "\n" << c.ShortDebugString();
  }
}

TEST_P(DemoValidationTest, VacanciesPass) {
  v1::Vacancy v;
  for (int64_t i = 0; i < 3000; ++i) {
    world_->MakeVacancy(i, &v);
    absl::Status s = validator_->ValidateVacancy(v);
    ASSERT_TRUE(s.ok()) << v.name() << ": " << s << "\n" << v.ShortDebugString();
  }
}

TEST(DemoBuiltInTaxonomyTest, GeneratedRecordsPassWithoutEsco) {
  auto iso = IsoCodes::Load();
  ASSERT_TRUE(iso.ok()) << iso.status();
  std::unique_ptr<matcher::Taxonomy> builtin = matcher::Taxonomy::BuiltIn();
  DemoTaxonomy taxonomy = DemoTaxonomy::FromTaxonomy(*builtin, "built-in taxonomy");
  auto world = DemoWorld::Create(taxonomy, 5, 500);
  ASSERT_TRUE(world.ok()) << world.status();
  FakeClock clock(absl::FromCivil(absl::CivilDay(2026, 12, 1), absl::UTCTimeZone()));
  matcher::Validator validator(**iso, *builtin, clock);
  for (const auto& a : (*world)->agreements()) {
    EXPECT_TRUE(validator.ValidateAgreement(a).ok()) << validator.ValidateAgreement(a);
  }
  v1::Candidate c;
  for (int64_t i = 0; i < 5000; ++i) {
    (*world)->MakeCandidate(i, &c);
    ASSERT_TRUE(c.skills_size() > 0) << c.name();
    absl::Status s = validator.ValidateCandidate(c);
    ASSERT_TRUE(s.ok()) << c.name() << ": " << s;
  }
  v1::Vacancy v;
  for (int64_t i = 0; i < 500; ++i) {
    (*world)->MakeVacancy(i, &v);
    absl::Status s = validator.ValidateVacancy(v);
    ASSERT_TRUE(s.ok()) << v.name() << ": " << s;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Taxonomies, DemoValidationTest,
    ::testing::Values(Params{"EscoLate2026", false, 2026, 12, 1},
                      Params{"BuiltInLate2026", true, 2026, 12, 1},
                      Params{"EscoMid2027", false, 2027, 6, 1}),
    [](const ::testing::TestParamInfo<Params>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace corridor::cli
