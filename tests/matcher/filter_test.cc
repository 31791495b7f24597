#include "matcher/filter.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace corridor::matcher {
namespace {

using ::testing::ElementsAre;
using ::testing::StartsWith;

const std::vector<std::string> kFields = {"nationality", "isco_code", "agency"};

TEST(FilterTest, EmptyFilterHasNoTerms) {
  EXPECT_TRUE(ParseFilter("", kFields)->empty());
  EXPECT_TRUE(ParseFilter("   ", kFields)->empty());
}

TEST(FilterTest, ParsesAConjunctionOfQuotedAndBareValuesInCanonicalOrder) {
  auto terms = ParseFilter("nationality = \"CO\" AND isco_code=6111", kFields);
  ASSERT_TRUE(terms.ok()) << terms.status();
  EXPECT_THAT(*terms, ElementsAre(FilterTerm{"isco_code", "6111"}, FilterTerm{"nationality", "CO"}));
  auto same = ParseFilter("isco_code = \"6111\" AND nationality = CO", kFields);
  EXPECT_EQ(CanonicalFilter(*terms), CanonicalFilter(*same));
}

TEST(FilterTest, QuotedValuesKeepEscapes) {
  auto terms = ParseFilter(R"(agency = "a\"b\\c")", kFields);
  ASSERT_TRUE(terms.ok());
  EXPECT_EQ((*terms)[0].value, "a\"b\\c");
}

TEST(FilterTest, CanonicalFormsOfDifferentFiltersDiffer) {
  auto a = ParseFilter("agency = \"x;y\"", kFields);
  auto b = ParseFilter("agency = x AND nationality = y", kFields);
  EXPECT_NE(CanonicalFilter(*a), CanonicalFilter(*b));
}

TEST(FilterTest, RejectsMalformedFiltersNamingTheFilter) {
  for (const char* bad : {"nationality", "nationality =", "= CO", "colour = red",
                          "nationality = CO OR isco_code = 1", "nationality = \"CO",
                          "nationality = \"C\\O\"", "nationality = CO AND", "nationality == CO",
                          "nationality = C O"}) {
    auto terms = ParseFilter(bad, kFields);
    ASSERT_FALSE(terms.ok()) << bad;
    EXPECT_EQ(terms.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(terms.status().message()), StartsWith("filter:")) << bad;
  }
}

TEST(FilterTest, RejectsOversizedFilters) {
  EXPECT_FALSE(ParseFilter(std::string(3000, ' '), kFields).ok());
  std::string many;
  for (int i = 0; i < 17; ++i) many += (i ? " AND " : "") + std::string("agency = a") + std::to_string(i);
  EXPECT_FALSE(ParseFilter(many, kFields).ok());
}

}  // namespace
}  // namespace corridor::matcher
