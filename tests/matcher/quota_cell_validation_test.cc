// Table-driven tests of Validator::ValidateQuotaCell: the cell's own fields,
// its place in the agreement, its parent and its siblings.
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/validation.h"
#include "tests/matcher/validation_test_util.h"

namespace corridor::matcher {
namespace {

using ::testing::HasSubstr;
using testing::IsInvalidAt;
using testing::MakeDate;
using testing::MakeRange;
using testing::TestValidator;

constexpr char kRootName[] = "agreements/es-co/quotaCells/y2026";
constexpr char kCellName[] = "agreements/es-co/quotaCells/y2026-co-farm";
constexpr char kSiblingName[] = "agreements/es-co/quotaCells/y2026-sibling";

// Everything ValidateQuotaCell looks at. The base case is a valid child cell
// (2026, Spain, Colombia, ISCO 61, seasonal) under a root cell for all of
// 2026 in Spain, with no siblings.
struct CellCase {
  v1::Agreement agreement;
  v1::QuotaCell cell;
  std::optional<v1::QuotaCell> parent;
  std::vector<v1::QuotaCell> siblings;
};

v1::QuotaCell RootCell() {
  v1::QuotaCell root;
  root.set_name(kRootName);
  root.set_display_name("Spain 2026, every origin (synthetic)");
  *root.mutable_period() = MakeRange(2026, 1, 1, 2026, 12, 31);
  root.set_destination("ES");
  root.set_cap(5000);
  root.set_synthetic(true);
  return root;
}

CellCase BaseCase() {
  CellCase c;
  c.agreement = testing::ValidAgreement();
  c.parent = RootCell();
  v1::QuotaCell& cell = c.cell;
  cell.set_name(kCellName);
  cell.set_display_name("Colombian farm workers 2026 (synthetic)");
  cell.set_parent("y2026");
  *cell.mutable_period() = MakeRange(2026, 1, 1, 2026, 12, 31);
  cell.set_destination("ES");
  cell.set_origin("CO");
  cell.set_isco_prefix("61");
  cell.set_scheme(v1::SCHEME_SEASONAL);
  cell.set_cap(1200);
  cell.set_overflow_cell("y2026-pool");
  cell.set_synthetic(true);
  return c;
}

// Turns the case's cell into a root cell (no parent).
void MakeRoot(CellCase& c) {
  c.cell.clear_parent();
  c.parent.reset();
}

// A sibling equal to the case's cell under another name.
v1::QuotaCell& AddSibling(CellCase& c) {
  c.siblings.push_back(c.cell);
  c.siblings.back().set_name(kSiblingName);
  c.siblings.back().clear_overflow_cell();
  return c.siblings.back();
}

absl::Status Validate(const CellCase& c) {
  return TestValidator().ValidateQuotaCell(c.cell, c.agreement,
                                           c.parent ? &*c.parent : nullptr, c.siblings);
}

struct CellRow {
  std::string name;
  std::string path;  // Expected start of the error; unused for accepted rows.
  std::function<void(CellCase&)> mutate;
};

void PrintTo(const CellRow& row, std::ostream* os) { *os << row.name; }

std::string CellRowName(const ::testing::TestParamInfo<CellRow>& info) {
  return info.param.name;
}

TEST(QuotaCellValidationTest, ValidChildCellPasses) {
  absl::Status status = Validate(BaseCase());
  EXPECT_TRUE(status.ok()) << status;
}

TEST(QuotaCellValidationTest, ValidRootCellPasses) {
  CellCase c = BaseCase();
  c.cell = RootCell();
  c.parent.reset();
  absl::Status status = Validate(c);
  EXPECT_TRUE(status.ok()) << status;
}

TEST(QuotaCellValidationTest, OverlapErrorNamesQuotaCellAndTheSibling) {
  CellCase c = BaseCase();
  AddSibling(c);
  absl::Status status = Validate(c);
  EXPECT_TRUE(IsInvalidAt(status, "quota_cell"));
  EXPECT_THAT(std::string(status.message()), ::testing::StartsWith("quota_cell: "));
  EXPECT_THAT(std::string(status.message()), HasSubstr(kSiblingName));
}

TEST(QuotaCellValidationTest, OutputOnlyCountersAreNotChecked) {
  CellCase c = BaseCase();
  c.cell.set_reserved(-7);
  c.cell.set_committed(std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(Validate(c).ok());
}

// ---------------------------------------------------------------- rejected

class QuotaCellRejectTableTest : public ::testing::TestWithParam<CellRow> {};

TEST_P(QuotaCellRejectTableTest, RejectsAtFieldPath) {
  CellCase c = BaseCase();
  GetParam().mutate(c);
  EXPECT_TRUE(IsInvalidAt(Validate(c), GetParam().path));
}

INSTANTIATE_TEST_SUITE_P(
    BadInputs, QuotaCellRejectTableTest,
    ::testing::ValuesIn(std::vector<CellRow>{
        // The cell's own fields.
        {"LongDisplayName", "quota_cell.display_name",
         [](CellCase& c) { c.cell.set_display_name(std::string(257, 'q')); }},
        {"RloDisplayName", "quota_cell.display_name",
         [](CellCase& c) { c.cell.set_display_name("cap\xE2\x80\xAE"); }},
        {"InvalidUtf8DisplayName", "quota_cell.display_name",
         [](CellCase& c) { c.cell.set_display_name("\xFF"); }},
        {"MalformedParentId", "quota_cell.parent", [](CellCase& c) { c.cell.set_parent("Y2026"); }},
        {"ParentIsItself", "quota_cell.parent",
         [](CellCase& c) { c.cell.set_parent("y2026-co-farm"); }},
        {"MissingPeriod", "quota_cell.period", [](CellCase& c) { c.cell.clear_period(); }},
        {"PeriodEndsBeforeStart", "quota_cell.period.end",
         [](CellCase& c) { *c.cell.mutable_period() = MakeRange(2026, 12, 31, 2026, 1, 1); }},
        {"PeriodEndsFeb29NonLeap", "quota_cell.period.end.day",
         [](CellCase& c) { *c.cell.mutable_period()->mutable_end() = MakeDate(2026, 2, 29); }},
        {"PeriodYearZero", "quota_cell.period.start.year",
         [](CellCase& c) { *c.cell.mutable_period()->mutable_start() = MakeDate(0, 1, 1); }},
        {"MissingDestination", "quota_cell.destination",
         [](CellCase& c) { c.cell.clear_destination(); }},
        {"PoolUnderADestinationParent", "quota_cell.destination",
         [](CellCase& c) {
           c.agreement.add_destinations("PT");
           c.cell.clear_destination();
         }},
        {"LowercaseDestination", "quota_cell.destination",
         [](CellCase& c) { c.cell.set_destination("es"); }},
        {"Alpha3Destination", "quota_cell.destination",
         [](CellCase& c) { c.cell.set_destination("ESP"); }},
        {"DestinationNotAParty", "quota_cell.destination",
         [](CellCase& c) { c.cell.set_destination("FR"); }},
        {"LowercaseOrigin", "quota_cell.origin", [](CellCase& c) { c.cell.set_origin("co"); }},
        {"UkOrigin", "quota_cell.origin", [](CellCase& c) { c.cell.set_origin("UK"); }},
        {"ZzOrigin", "quota_cell.origin", [](CellCase& c) { c.cell.set_origin("ZZ"); }},
        {"OriginNotAParty", "quota_cell.origin", [](CellCase& c) { c.cell.set_origin("GH"); }},
        {"OriginEqualsDestination", "quota_cell.origin",
         [](CellCase& c) { c.cell.set_origin("ES"); }},
        {"FiveDigitIsco", "quota_cell.isco_prefix",
         [](CellCase& c) { c.cell.set_isco_prefix("61111"); }},
        {"UnknownIsco", "quota_cell.isco_prefix",
         [](CellCase& c) { c.cell.set_isco_prefix("9999"); }},
        {"LettersInIsco", "quota_cell.isco_prefix",
         [](CellCase& c) { c.cell.set_isco_prefix("6x"); }},
        {"IscoOutsideAgreementScope", "quota_cell.isco_prefix",
         [](CellCase& c) { c.cell.set_isco_prefix("71"); }},
        {"IscoWiderThanAgreementScope", "quota_cell.isco_prefix",
         [](CellCase& c) { c.cell.set_isco_prefix("2"); }},
        {"UnknownScheme", "quota_cell.scheme",
         [](CellCase& c) { c.cell.set_scheme(static_cast<v1::Scheme>(99)); }},
        {"SchemeNotCovered", "quota_cell.scheme",
         [](CellCase& c) { c.cell.set_scheme(v1::SCHEME_PERMANENT); }},
        {"NegativeCap", "quota_cell.cap", [](CellCase& c) { c.cell.set_cap(-1); }},
        {"CapOverTenMillion", "quota_cell.cap", [](CellCase& c) { c.cell.set_cap(10'000'001); }},
        {"Int64MaxCap", "quota_cell.cap",
         [](CellCase& c) { c.cell.set_cap(std::numeric_limits<int64_t>::max()); }},
        {"Int64MinCap", "quota_cell.cap",
         [](CellCase& c) { c.cell.set_cap(std::numeric_limits<int64_t>::min()); }},
        {"MalformedOverflow", "quota_cell.overflow_cell",
         [](CellCase& c) { c.cell.set_overflow_cell("pool!"); }},
        {"OverflowIntoItself", "quota_cell.overflow_cell",
         [](CellCase& c) { c.cell.set_overflow_cell("y2026-co-farm"); }},
        // Against the agreement's dates.
        {"PeriodEndsBeforeInForce", "quota_cell.period.end",
         [](CellCase& c) {
           MakeRoot(c);
           *c.cell.mutable_period() = MakeRange(2018, 1, 1, 2018, 12, 31);
         }},
        {"PeriodStartsAfterExpiry", "quota_cell.period.start",
         [](CellCase& c) {
           MakeRoot(c);
           *c.cell.mutable_period() = MakeRange(2030, 1, 1, 2030, 12, 31);
         }},
        // Against the parent: the child may not be wider or elsewhere.
        {"ParentNotFound", "quota_cell.parent", [](CellCase& c) { c.parent.reset(); }},
        {"ParentIsAnotherCell", "quota_cell.parent",
         [](CellCase& c) { c.cell.set_parent("y2026-other"); }},
        {"PeriodWiderThanParent", "quota_cell.period",
         [](CellCase& c) { *c.cell.mutable_period() = MakeRange(2026, 1, 1, 2027, 1, 31); }},
        {"PeriodOutsideParent", "quota_cell.period",
         [](CellCase& c) { *c.cell.mutable_period() = MakeRange(2027, 1, 1, 2027, 12, 31); }},
        {"DestinationOtherThanParent", "quota_cell.destination",
         [](CellCase& c) {
           c.agreement.add_destinations("PT");
           c.cell.set_destination("PT");
         }},
        {"AnyOriginUnderOriginParent", "quota_cell.origin",
         [](CellCase& c) {
           c.parent->set_origin("CO");
           c.cell.clear_origin();
         }},
        {"OtherOriginThanParent", "quota_cell.origin",
         [](CellCase& c) {
           c.parent->set_origin("EC");
         }},
        {"IscoWiderThanParent", "quota_cell.isco_prefix",
         [](CellCase& c) {
           c.parent->set_isco_prefix("611");
         }},
        {"AnyIscoUnderIscoParent", "quota_cell.isco_prefix",
         [](CellCase& c) {
           c.parent->set_isco_prefix("61");
           c.cell.clear_isco_prefix();
         }},
        {"IscoBesideParent", "quota_cell.isco_prefix",
         [](CellCase& c) {
           c.parent->set_isco_prefix("92");
         }},
        {"AnySchemeUnderSchemeParent", "quota_cell.scheme",
         [](CellCase& c) {
           c.parent->set_scheme(v1::SCHEME_SEASONAL);
           c.cell.clear_scheme();
         }},
        {"OtherSchemeThanParent", "quota_cell.scheme",
         [](CellCase& c) {
           c.parent->set_scheme(v1::SCHEME_CIRCULAR);
         }},
        // Against the siblings.
        {"SiblingWithSameSlice", "quota_cell", [](CellCase& c) { AddSibling(c); }},
        {"SiblingForAnyOrigin", "quota_cell",
         [](CellCase& c) { AddSibling(c).clear_origin(); }},
        {"CellForAnyOriginBesideSpecificSibling", "quota_cell",
         [](CellCase& c) {
           AddSibling(c);
           c.cell.clear_origin();
         }},
        {"SiblingIsco611UnderCellIsco61", "quota_cell",
         [](CellCase& c) { AddSibling(c).set_isco_prefix("611"); }},
        {"CellIsco6111BesideSiblingIsco61", "quota_cell",
         [](CellCase& c) {
           AddSibling(c);
           c.cell.set_isco_prefix("6111");
         }},
        {"SiblingForAnyOccupation", "quota_cell",
         [](CellCase& c) { AddSibling(c).clear_isco_prefix(); }},
        {"SiblingForAnyScheme", "quota_cell",
         [](CellCase& c) { AddSibling(c).clear_scheme(); }},
        {"SiblingPeriodSharesOneDay", "quota_cell",
         [](CellCase& c) {
           *AddSibling(c).mutable_period() = MakeRange(2025, 1, 1, 2026, 1, 1);
         }},
        {"OverlapFoundAmongDisjointSiblings", "quota_cell",
         [](CellCase& c) {
           AddSibling(c).set_origin("EC");
           v1::QuotaCell& overlapping = AddSibling(c);
           overlapping.set_name("agreements/es-co/quotaCells/y2026-any");
           overlapping.clear_origin();
           overlapping.clear_isco_prefix();
           overlapping.clear_scheme();
         }},
    }),
    CellRowName);

// ---------------------------------------------------------------- accepted

class QuotaCellAcceptTableTest : public ::testing::TestWithParam<CellRow> {};

TEST_P(QuotaCellAcceptTableTest, Accepts) {
  CellCase c = BaseCase();
  GetParam().mutate(c);
  absl::Status status = Validate(c);
  EXPECT_TRUE(status.ok()) << status;
}

INSTANTIATE_TEST_SUITE_P(
    GoodInputs, QuotaCellAcceptTableTest,
    ::testing::ValuesIn(std::vector<CellRow>{
        {"CapZero", "", [](CellCase& c) { c.cell.set_cap(0); }},
        {"CapTenMillion", "", [](CellCase& c) { c.cell.set_cap(10'000'000); }},
        {"NoOverflow", "", [](CellCase& c) { c.cell.clear_overflow_cell(); }},
        {"UnitGroupInsideScope", "", [](CellCase& c) { c.cell.set_isco_prefix("6111"); }},
        {"AnyOccupationInScopedAgreement", "",
         [](CellCase& c) { c.cell.clear_isco_prefix(); }},
        {"AnyScheme", "", [](CellCase& c) { c.cell.clear_scheme(); }},
        {"AnyOrigin", "", [](CellCase& c) { c.cell.clear_origin(); }},
        // A pooled offer: one root for every destination of the agreement,
        // with a child for one of them.
        {"PooledRootAcrossDestinations", "",
         [](CellCase& c) {
           c.agreement.add_destinations("PT");
           MakeRoot(c);
           c.cell.clear_destination();
         }},
        {"OneDestinationUnderAPool", "",
         [](CellCase& c) {
           c.agreement.add_destinations("PT");
           c.parent->clear_destination();
           c.cell.set_destination("PT");
         }},
        {"AgreementWithoutScopeTakesAnyGroup",
         "",
         [](CellCase& c) {
           c.agreement.clear_occupation_scope();
           c.cell.set_isco_prefix("7");
         }},
        {"CalendarYearOfAMidYearEntryIntoForce", "",
         [](CellCase& c) {
           MakeRoot(c);
           *c.cell.mutable_period() = MakeRange(2019, 1, 1, 2019, 12, 31);
         }},
        {"PeriodSpansTheWholeAgreement", "",
         [](CellCase& c) {
           MakeRoot(c);
           *c.cell.mutable_period() = MakeRange(2019, 7, 1, 2029, 12, 31);
         }},
        {"OpenEndedAgreement", "",
         [](CellCase& c) {
           MakeRoot(c);
           c.agreement.clear_expiry_date();
           *c.cell.mutable_period() = MakeRange(2150, 1, 1, 2150, 12, 31);
         }},
        {"ChildAsNarrowAsParent", "",
         [](CellCase& c) {
           c.parent->set_origin("CO");
           c.parent->set_isco_prefix("61");
           c.parent->set_scheme(v1::SCHEME_SEASONAL);
         }},
        {"ChildNarrowerThanParent", "",
         [](CellCase& c) {
           c.parent->set_isco_prefix("6");
           c.cell.set_isco_prefix("611");
           *c.cell.mutable_period() = MakeRange(2026, 3, 1, 2026, 6, 30);
         }},
        {"UnnamedCellBesideDisjointSibling", "",
         [](CellCase& c) {
           c.cell.clear_name();  // A cell being created; the server names it later.
           AddSibling(c).set_origin("EC");
         }},
        // Disjoint siblings.
        {"SiblingForAnotherOrigin", "", [](CellCase& c) { AddSibling(c).set_origin("EC"); }},
        {"SiblingForAnotherOccupation", "",
         [](CellCase& c) { AddSibling(c).set_isco_prefix("92"); }},
        {"SiblingForNeighbouringMinorGroup", "",
         [](CellCase& c) {
           c.cell.set_isco_prefix("611");
           AddSibling(c).set_isco_prefix("612");
         }},
        {"SiblingForAnotherScheme", "",
         [](CellCase& c) { AddSibling(c).set_scheme(v1::SCHEME_CIRCULAR); }},
        {"SiblingForAnotherDestination", "",
         [](CellCase& c) {
           MakeRoot(c);
           c.agreement.add_destinations("PT");
           AddSibling(c).set_destination("PT");
         }},
        {"SiblingForAnotherYear", "",
         [](CellCase& c) {
           MakeRoot(c);
           *AddSibling(c).mutable_period() = MakeRange(2027, 1, 1, 2027, 12, 31);
         }},
        // Dates carry no time zone: 31 December and 1 January never meet.
        {"SiblingEndingTheDayBefore", "",
         [](CellCase& c) {
           MakeRoot(c);
           *AddSibling(c).mutable_period() = MakeRange(2025, 1, 1, 2025, 12, 31);
         }},
        {"SiblingHalvesOfTheYear", "",
         [](CellCase& c) {
           *c.cell.mutable_period() = MakeRange(2026, 1, 1, 2026, 6, 30);
           *AddSibling(c).mutable_period() = MakeRange(2026, 7, 1, 2026, 12, 31);
         }},
        {"ItselfAmongSiblingsOnUpdate", "",
         [](CellCase& c) {
           c.siblings.push_back(c.cell);
           AddSibling(c).set_origin("EC");
         }},
    }),
    CellRowName);

}  // namespace
}  // namespace corridor::matcher
