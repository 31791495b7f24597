#include "matcher/csv_reader.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace corridor::matcher {
namespace {

constexpr absl::string_view kUtf8Bom = "\xEF\xBB\xBF";

absl::Status Malformed(absl::string_view source, int line, absl::string_view problem) {
  return absl::DataLossError(absl::StrCat(source, ":", line, ": ", problem));
}

// A cursor over the text that keeps the current line number.
class Scanner {
 public:
  explicit Scanner(absl::string_view text) : text_(text) {}

  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  int line() const { return line_; }

  // Consumes one character, counting line breaks (CRLF counts once).
  char Take() {
    char c = text_[pos_++];
    if (c == '\n' || (c == '\r' && (done() || peek() != '\n'))) ++line_;
    return c;
  }

  // Consumes a record terminator (LF, CRLF or CR) at the cursor.
  void TakeLineBreak() {
    if (Take() == '\r' && !done() && peek() == '\n') Take();
  }

 private:
  absl::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
};

bool IsLineBreak(char c) { return c == '\n' || c == '\r'; }

// Reads one field at the cursor, stopping before the ',' or line break that
// ends it.
absl::StatusOr<std::string> ReadField(Scanner& in, absl::string_view source) {
  std::string field;
  if (in.done() || in.peek() != '"') {
    while (!in.done() && in.peek() != ',' && !IsLineBreak(in.peek())) {
      if (in.peek() == '"') {
        return Malformed(source, in.line(), "quote inside an unquoted field");
      }
      field.push_back(in.Take());
    }
    return field;
  }
  const int opened_on = in.line();
  in.Take();  // The opening quote.
  while (true) {
    if (in.done()) {
      return Malformed(source, opened_on, "unterminated quoted field");
    }
    char c = in.Take();
    if (c != '"') {
      field.push_back(c);
      continue;
    }
    if (!in.done() && in.peek() == '"') {
      in.Take();
      field.push_back('"');
      continue;
    }
    break;  // The closing quote.
  }
  if (!in.done() && in.peek() != ',' && !IsLineBreak(in.peek())) {
    return Malformed(source, in.line(), "text after a closing quote");
  }
  return field;
}

}  // namespace

absl::StatusOr<std::vector<CsvRecord>> ParseCsvRecords(absl::string_view text,
                                                       absl::string_view source) {
  if (absl::StartsWith(text, kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  std::vector<CsvRecord> records;
  Scanner in(text);
  while (!in.done()) {
    if (IsLineBreak(in.peek())) {  // An empty line.
      in.TakeLineBreak();
      continue;
    }
    CsvRecord record;
    record.line = in.line();
    while (true) {
      absl::StatusOr<std::string> field = ReadField(in, source);
      if (!field.ok()) return field.status();
      record.fields.push_back(*std::move(field));
      if (in.done()) break;
      if (in.peek() == ',') {
        in.Take();
        continue;
      }
      in.TakeLineBreak();
      break;
    }
    records.push_back(std::move(record));
  }
  return records;
}

absl::StatusOr<CsvTable> CsvTable::Parse(absl::string_view text,
                                         absl::string_view source) {
  absl::StatusOr<std::vector<CsvRecord>> records = ParseCsvRecords(text, source);
  if (!records.ok()) return records.status();
  if (records->empty()) {
    return Malformed(source, 1, "no header line");
  }
  CsvTable table;
  table.source_ = std::string(source);
  table.header_line_ = records->front().line;
  table.header_ = std::move(records->front().fields);
  table.records_.reserve(records->size() - 1);
  for (size_t i = 1; i < records->size(); ++i) {
    CsvRecord& record = (*records)[i];
    if (record.fields.size() != table.header_.size()) {
      return Malformed(source, record.line,
                       absl::StrCat("expected ", table.header_.size(),
                                    " fields as in the header, found ",
                                    record.fields.size()));
    }
    table.records_.push_back(std::move(record));
  }
  return table;
}

absl::StatusOr<size_t> CsvTable::Column(absl::string_view name) const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return i;
  }
  return Malformed(source_, header_line_, absl::StrCat("missing column ", name));
}

}  // namespace corridor::matcher
