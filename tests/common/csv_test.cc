#include "common/csv.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace corridor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<CsvRecord> ReadAll(const std::string& text, char separator = ',') {
  std::istringstream in(text);
  CsvReader reader(&in, separator);
  std::vector<CsvRecord> out;
  CsvRecord r;
  while (reader.Next(&r)) out.push_back(r);
  return out;
}

std::vector<std::vector<std::string>> Fields(const std::vector<CsvRecord>& records) {
  std::vector<std::vector<std::string>> out;
  for (const CsvRecord& r : records) out.push_back(r.fields);
  return out;
}

TEST(CsvReaderTest, SplitsPlainFields) {
  auto records = ReadAll("a,b,c\n1,2,3\n");
  EXPECT_THAT(Fields(records), ElementsAre(ElementsAre("a", "b", "c"), ElementsAre("1", "2", "3")));
  EXPECT_EQ(records[1].number, 2);
  EXPECT_THAT(records[1].error, IsEmpty());
}

TEST(CsvReaderTest, QuotedFieldKeepsCommas) {
  auto records = ReadAll("x,\"one, two\",y\n");
  EXPECT_THAT(Fields(records), ElementsAre(ElementsAre("x", "one, two", "y")));
}

TEST(CsvReaderTest, DoubledQuotesStandForOneQuote) {
  auto records = ReadAll("\"say \"\"hi\"\"\",\"\"\"\",\"\"\n");
  EXPECT_THAT(Fields(records), ElementsAre(ElementsAre("say \"hi\"", "\"", "")));
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

TEST(CsvReaderTest, QuotedFieldSpansLinesAndLineNumbersFollow) {
  auto records = ReadAll("h1,h2\n\"first\nsecond\nthird\",x\nlast,y\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[1].fields, ElementsAre("first\nsecond\nthird", "x"));
  EXPECT_EQ(records[0].line, 1);
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[2].line, 5);
}

TEST(CsvReaderTest, CrlfEndsRecordsAndIsKeptInsideQuotes) {
  auto records = ReadAll("a,b\r\n\"x\r\ny\",z\r\n");
  EXPECT_THAT(Fields(records), ElementsAre(ElementsAre("a", "b"), ElementsAre("x\r\ny", "z")));
  EXPECT_EQ(records[1].line, 2);
}

TEST(CsvReaderTest, LoneCrEndsRecord) {
  auto records = ReadAll("a,b\rc,d");
  EXPECT_THAT(Fields(records), ElementsAre(ElementsAre("a", "b"), ElementsAre("c", "d")));
  EXPECT_EQ(records[1].line, 2);
}

TEST(CsvReaderTest, LoneCrInsideQuotesIsKeptAndCountsAsALine) {
  auto records = ReadAll("\"x\ry\"\rz\r\r\nw\n");
  EXPECT_THAT(Fields(records),
              ElementsAre(ElementsAre("x\ry"), ElementsAre("z"), ElementsAre("w")));
  EXPECT_EQ(records[1].line, 3);
  EXPECT_EQ(records[2].line, 5);
  EXPECT_EQ(records[2].number, 4);
}

TEST(CsvReaderTest, EmptyFieldsAndTrailingCommaAtEndOfText) {
  auto records = ReadAll(",,\na,");
  EXPECT_THAT(Fields(records), ElementsAre(ElementsAre("", "", ""), ElementsAre("a", "")));
}

TEST(CsvReaderTest, LastRecordWithoutLineBreak) {
  auto records = ReadAll("a,b\n\"c\",d");
  EXPECT_THAT(Fields(records), ElementsAre(ElementsAre("a", "b"), ElementsAre("c", "d")));
}

TEST(CsvReaderTest, HandlesCrlfBomEmptyFieldsAndNoFinalNewline) {
  auto records = ReadAll("\xEF\xBB\xBFid,a\r\nx,\r\ny,\"\"");
  EXPECT_THAT(Fields(records),
              ElementsAre(ElementsAre("id", "a"), ElementsAre("x", ""), ElementsAre("y", "")));
}

TEST(CsvReaderTest, SkipsByteOrderMarkAndEmptyLines) {
  auto records = ReadAll("\xEF\xBB\xBFh\n\n\r\nv\n\n");
  EXPECT_THAT(Fields(records), ElementsAre(ElementsAre("h"), ElementsAre("v")));
  EXPECT_EQ(records[1].line, 4);
}

TEST(CsvReaderTest, KeepsBytesThatOnlyStartLikeAByteOrderMark) {
  auto records = ReadAll("\xEF\xBBx,y\n");
  EXPECT_THAT(Fields(records), ElementsAre(ElementsAre("\xEF\xBBx", "y")));
}

TEST(CsvReaderTest, SkipsBlankLinesButCountsThem) {
  auto records = ReadAll("h\n\na\n\r\nb\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].number, 3);
  EXPECT_EQ(records[2].number, 5);
}

TEST(CsvReaderTest, KeepsUtf8Bytes) {
  auto records = ReadAll(
      "\"Andaluc\xC3\xAD"
      "a, Espa\xC3\xB1"
      "a\"\n");
  EXPECT_THAT(Fields(records), ElementsAre(ElementsAre("Andaluc\xC3\xAD"
                                                       "a, Espa\xC3\xB1"
                                                       "a")));
}

TEST(CsvReaderTest, UsesTheGivenSeparator) {
  auto records = ReadAll("a;\"b;c\",d\n", ';');
  EXPECT_THAT(Fields(records), ElementsAre(ElementsAre("a", "b;c,d")));
}

TEST(CsvReaderTest, TextAfterClosingQuoteIsARecordError) {
  auto records = ReadAll("\"ab\"c,d\nok,1\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_FALSE(records[0].error.empty());
  EXPECT_EQ(records[0].error_line, 1);
  EXPECT_EQ(records[0].fields[0], "abc");
  EXPECT_THAT(records[1].error, IsEmpty());
  EXPECT_THAT(records[1].fields, ElementsAre("ok", "1"));
}

TEST(CsvReaderTest, TextAfterClosingQuoteNamesTheLineOfTheQuote) {
  auto records = ReadAll("h\n\"a\nb\"c\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_FALSE(records[1].error.empty());
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[1].error_line, 3);
}

TEST(CsvReaderTest, QuoteInsideUnquotedFieldIsARecordError) {
  auto records = ReadAll("h\nab\"c,d\nok\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_FALSE(records[1].error.empty());
  EXPECT_EQ(records[1].error_line, 2);
  EXPECT_THAT(records[1].fields, ElementsAre("ab\"c", "d"));
  EXPECT_THAT(records[2].error, IsEmpty());
}

TEST(CsvReaderTest, UnclosedQuoteIsAnErrorAtTheEnd) {
  auto records = ReadAll("a,b\n1,\"never closed\n2,3\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[1].error, HasSubstr("not closed"));
  EXPECT_THAT(records[1].fields, ElementsAre("1", "never closed\n2,3\n"));
}

TEST(CsvReaderTest, UnterminatedQuoteNamesTheLineWhereItOpened) {
  auto records = ReadAll("h1,h2\nok,1\nbad,\"never closed\nstill open\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[2].error, HasSubstr("unterminated"));
  EXPECT_EQ(records[2].error_line, 3);
}

TEST(CsvReaderTest, UnterminatedQuoteOpenedAfterTheRecordStartNamesItsOwnLine) {
  auto records = ReadAll("h1,h2\n\"x\ny\",\"open\nstill open\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[1].error_line, 3);
}

TEST(CsvReaderTest, ReadsAcrossItsBufferBoundary) {
  std::string text = "id,v\n";
  for (int i = 0; i < 200000; ++i) text += "row" + std::to_string(i) + ",\"a,b\nc\"\n";
  auto records = ReadAll(text);
  ASSERT_EQ(records.size(), 200001u);
  EXPECT_EQ(records.back().fields[0], "row199999");
  EXPECT_EQ(records.back().fields[1], "a,b\nc");
  EXPECT_EQ(records.back().line, 400000);
}

TEST(CsvReaderTest, CountsBytesReadIncludingTheByteOrderMark) {
  const std::string text = "\xEF\xBB\xBFh\nv\n";
  std::istringstream in(text);
  CsvReader reader(&in);
  CsvRecord r;
  while (reader.Next(&r)) {
  }
  EXPECT_EQ(reader.bytes_read(), static_cast<int64_t>(text.size()));
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
}  // namespace corridor
