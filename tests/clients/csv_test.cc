#include "clients/cli/csv.h"

#include <sstream>

#include "gtest/gtest.h"

namespace corridor::cli {
namespace {

std::vector<CsvRecord> ReadAll(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(&in);
  std::vector<CsvRecord> out;
  CsvRecord r;
  while (reader.Next(&r)) out.push_back(r);
  return out;
}

TEST(CsvReaderTest, SplitsPlainFields) {
  auto records = ReadAll("a,b,c\n1,2,3\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(records[1].number, 2);
  EXPECT_TRUE(records[1].error.empty());
}

TEST(CsvReaderTest, QuotedFieldHoldsCommasQuotesAndNewlines) {
  auto records = ReadAll("id,note\nc1,\"one, \"\"two\"\"\nthree\"\nc2,x\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].fields[1], "one, \"two\"\nthree");
  // The record after a multi-line field: third record, starting on line 4.
  EXPECT_EQ(records[2].number, 3);
  EXPECT_EQ(records[2].line, 4);
  EXPECT_EQ(records[2].fields[0], "c2");
}

TEST(CsvReaderTest, HandlesCrlfBomEmptyFieldsAndNoFinalNewline) {
  auto records = ReadAll("\xEF\xBB\xBFid,a\r\nx,\r\ny,\"\"");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields[0], "id");
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"x", ""}));
  EXPECT_EQ(records[2].fields, (std::vector<std::string>{"y", ""}));
}

TEST(CsvReaderTest, SkipsBlankLinesButCountsThem) {
  auto records = ReadAll("h\n\na\n\r\nb\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].number, 3);
  EXPECT_EQ(records[2].number, 5);
}

TEST(CsvReaderTest, TextAfterClosingQuoteIsARecordError) {
  auto records = ReadAll("\"ab\"c,d\nok,1\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_FALSE(records[0].error.empty());
  EXPECT_EQ(records[0].fields[0], "abc");
  EXPECT_TRUE(records[1].error.empty());
}

TEST(CsvReaderTest, UnclosedQuoteIsAnErrorAtTheEnd) {
  auto records = ReadAll("a,b\n1,\"never closed\n2,3\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_NE(records[1].error.find("not closed"), std::string::npos);
}

TEST(CsvReaderTest, ReadsAcrossItsBufferBoundary) {
  std::string text = "id,v\n";
  for (int i = 0; i < 200000; ++i) text += "row" + std::to_string(i) + ",\"a,b\nc\"\n";
  auto records = ReadAll(text);
  ASSERT_EQ(records.size(), 200001u);
  EXPECT_EQ(records.back().fields[0], "row199999");
  EXPECT_EQ(records.back().fields[1], "a,b\nc");
}

TEST(CsvWriterTest, QuotesOnlyWhenNeededAndRoundTrips) {
  std::string out;
  AppendCsvRecord({"plain", "a,b", "say \"hi\"", "two\nlines", " padded", ""}, &out);
  EXPECT_EQ(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" padded\",\n");
  auto records = ReadAll(out);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields,
            (std::vector<std::string>{"plain", "a,b", "say \"hi\"", "two\nlines", " padded", ""}));
}

}  // namespace
}  // namespace corridor::cli
