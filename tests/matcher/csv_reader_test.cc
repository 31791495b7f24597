#include "matcher/csv_reader.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace corridor::matcher {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::vector<std::vector<std::string>> Fields(const std::vector<CsvRecord>& records) {
  std::vector<std::vector<std::string>> out;
  for (const CsvRecord& r : records) out.push_back(r.fields);
  return out;
}

TEST(CsvReaderTest, ParsesPlainRecords) {
  auto records = ParseCsvRecords("a,b,c\n1,2,3\n", "t.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(Fields(*records), ElementsAre(ElementsAre("a", "b", "c"),
                                            ElementsAre("1", "2", "3")));
}

TEST(CsvReaderTest, QuotedFieldKeepsCommas) {
  auto records = ParseCsvRecords("x,\"one, two\",y\n", "t.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(Fields(*records), ElementsAre(ElementsAre("x", "one, two", "y")));
}

TEST(CsvReaderTest, DoubledQuotesStandForOneQuote) {
  auto records = ParseCsvRecords("\"say \"\"hi\"\"\",\"\"\"\",\"\"\n", "t.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(Fields(*records), ElementsAre(ElementsAre("say \"hi\"", "\"", "")));
}

TEST(CsvReaderTest, QuotedFieldSpansLinesAndLineNumbersFollow) {
  auto records = ParseCsvRecords("h1,h2\n\"first\nsecond\nthird\",x\nlast,y\n", "t.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 3u);
  EXPECT_THAT((*records)[1].fields, ElementsAre("first\nsecond\nthird", "x"));
  EXPECT_EQ((*records)[0].line, 1);
  EXPECT_EQ((*records)[1].line, 2);
  EXPECT_EQ((*records)[2].line, 5);
}

TEST(CsvReaderTest, CrlfEndsRecordsAndIsKeptInsideQuotes) {
  auto records = ParseCsvRecords("a,b\r\n\"x\r\ny\",z\r\n", "t.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(Fields(*records),
              ElementsAre(ElementsAre("a", "b"), ElementsAre("x\r\ny", "z")));
  EXPECT_EQ((*records)[1].line, 2);
}

TEST(CsvReaderTest, LoneCrEndsRecord) {
  auto records = ParseCsvRecords("a,b\rc,d", "t.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(Fields(*records), ElementsAre(ElementsAre("a", "b"), ElementsAre("c", "d")));
  EXPECT_EQ((*records)[1].line, 2);
}

TEST(CsvReaderTest, EmptyFieldsAndTrailingCommaAtEndOfText) {
  auto records = ParseCsvRecords(",,\na,", "t.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(Fields(*records), ElementsAre(ElementsAre("", "", ""), ElementsAre("a", "")));
}

TEST(CsvReaderTest, LastRecordWithoutLineBreak) {
  auto records = ParseCsvRecords("a,b\n\"c\",d", "t.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(Fields(*records), ElementsAre(ElementsAre("a", "b"), ElementsAre("c", "d")));
}

TEST(CsvReaderTest, SkipsByteOrderMarkAndEmptyLines) {
  auto records = ParseCsvRecords("\xEF\xBB\xBFh\n\n\r\nv\n\n", "t.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(Fields(*records), ElementsAre(ElementsAre("h"), ElementsAre("v")));
  EXPECT_EQ((*records)[1].line, 4);
}

TEST(CsvReaderTest, KeepsUtf8Bytes) {
  auto records = ParseCsvRecords("\"Andaluc\xC3\xAD" "a, Espa\xC3\xB1" "a\"\n", "t.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(Fields(*records), ElementsAre(ElementsAre("Andaluc\xC3\xAD" "a, Espa\xC3\xB1" "a")));
}

TEST(CsvReaderTest, UnterminatedQuoteIsDataLossNamingTheOpeningLine) {
  auto records = ParseCsvRecords("h1,h2\nok,1\nbad,\"never closed\nstill open\n", "f.csv");
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(records.status().message()), StartsWith("f.csv:3: "));
  EXPECT_THAT(std::string(records.status().message()), HasSubstr("unterminated"));
}

TEST(CsvReaderTest, TextAfterClosingQuoteIsDataLoss) {
  auto records = ParseCsvRecords("h\n\"a\"b\n", "f.csv");
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(records.status().message()), StartsWith("f.csv:2: "));
}

TEST(CsvReaderTest, QuoteInsideUnquotedFieldIsDataLoss) {
  auto records = ParseCsvRecords("h\nab\"c\n", "f.csv");
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(records.status().message()), StartsWith("f.csv:2: "));
}

TEST(CsvReaderTest, TableRejectsRecordWithWrongFieldCount) {
  auto table = CsvTable::Parse("a,b\n1,2\n\"x\ny\",2,3\n", "f.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(table.status().message()), StartsWith("f.csv:3: "));
}

TEST(CsvReaderTest, TableWithoutHeaderIsDataLoss) {
  auto table = CsvTable::Parse("", "empty.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(table.status().message()), StartsWith("empty.csv:"));
}

TEST(CsvReaderTest, TableFindsColumnsAndReportsMissingOnes) {
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
