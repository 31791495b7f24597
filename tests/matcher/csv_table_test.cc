#include "matcher/csv_table.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace corridor::matcher {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The grammar is tested with CsvReader in tests/common/csv_test.cc; these
// tests cover what CsvTable adds: DATA_LOSS "<source>:<line>: " errors, the
// field-count rule and column lookup.

TEST(CsvTableTest, UnterminatedQuoteIsDataLossNamingTheOpeningLine) {
  auto table = CsvTable::Parse("h1,h2\nok,1\nbad,\"never closed\nstill open\n", "f.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(table.status().message()), StartsWith("f.csv:3: "));
  EXPECT_THAT(std::string(table.status().message()), HasSubstr("unterminated"));
}

TEST(CsvTableTest, TextAfterClosingQuoteIsDataLoss) {
  auto table = CsvTable::Parse("h\n\"a\"b\n", "f.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(table.status().message()), StartsWith("f.csv:2: "));
}

TEST(CsvTableTest, QuoteInsideUnquotedFieldIsDataLoss) {
  auto table = CsvTable::Parse("h\nab\"c\n", "f.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(table.status().message()), StartsWith("f.csv:2: "));
}

TEST(CsvTableTest, MalformedHeaderIsDataLoss) {
  auto table = CsvTable::Parse("a,\"b\nc\"d\n1,2\n", "f.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(table.status().message()), StartsWith("f.csv:2: "));
}

TEST(CsvTableTest, RejectsRecordWithWrongFieldCount) {
  auto table = CsvTable::Parse("a,b\n1,2\n\"x\ny\",2,3\n", "f.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(table.status().message()), StartsWith("f.csv:3: "));
}

TEST(CsvTableTest, TableWithoutHeaderIsDataLoss) {
  auto table = CsvTable::Parse("", "empty.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(table.status().message()), StartsWith("empty.csv:"));
}

TEST(CsvTableTest, KeepsHeaderAndRecordsWithTheirLines) {
  auto table = CsvTable::Parse(
      "\xEF\xBB\xBF"
      "code,label\r\n\r\n1,\"a\r\nb\"\r\n2,c",
      "t.csv");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_THAT(table->header(), ElementsAre("code", "label"));
  ASSERT_EQ(table->records().size(), 2u);
  EXPECT_THAT(table->records()[0].fields, ElementsAre("1", "a\r\nb"));
  EXPECT_EQ(table->records()[0].line, 3);
  EXPECT_THAT(table->records()[1].fields, ElementsAre("2", "c"));
  EXPECT_EQ(table->records()[1].line, 5);
}

TEST(CsvTableTest, FindsColumnsAndReportsMissingOnes) {
  auto table = CsvTable::Parse("code,preferredLabel\n11,\"Chief executives, senior\"\n",
                               "ISCOGroups_en.csv");
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ(table->records().size(), 1u);
  auto label = table->Column("preferredLabel");
  ASSERT_TRUE(label.ok());
  EXPECT_EQ(table->records()[0].fields[*label], "Chief executives, senior");
  auto missing = table->Column("description");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(missing.status().message()), StartsWith("ISCOGroups_en.csv:1: "));
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("description"));
}

}  // namespace
}  // namespace corridor::matcher
