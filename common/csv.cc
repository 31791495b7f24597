#include "common/csv.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace corridor {
namespace {

constexpr size_t kBufferSize = 1 << 20;
constexpr char kUtf8Bom[] = "\xEF\xBB\xBF";
constexpr size_t kUtf8BomSize = sizeof(kUtf8Bom) - 1;

}  // namespace

CsvReader::CsvReader(std::istream* in, char separator)
    : in_(in), separator_(static_cast<unsigned char>(separator)), buf_(kBufferSize) {}

bool CsvReader::Refill() {
  if (!in_->good()) return false;
  in_->read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  len_ = static_cast<size_t>(in_->gcount());
  pos_ = 0;
  return len_ > 0;
}

void CsvReader::SkipByteOrderMark() {
  // The first read fills the buffer unless the input is shorter, so a whole
  // mark is in the buffer if the input starts with one.
  if (Peek() < 0 || len_ - pos_ < kUtf8BomSize) return;
  if (std::memcmp(buf_.data() + pos_, kUtf8Bom, kUtf8BomSize) != 0) return;
  pos_ += kUtf8BomSize;
  consumed_ += kUtf8BomSize;
}

void CsvReader::EndLine(int c) {
  if (c == '\r' && Peek() == '\n') Get();
  ++line_;
}

void CsvReader::SetError(CsvRecord* record, int64_t line, std::string problem) {
  if (!record->error.empty()) return;
  record->error = std::move(problem);
  record->error_line = line;
}

bool CsvReader::ReadQuoted(CsvRecord* record, std::string* field) {
  const int64_t opened_on = line_;
  for (;;) {
    int c = Get();
    if (c < 0) {
      SetError(record, opened_on,
               absl::StrCat("unterminated quoted field ", record->fields.size() + 1,
                            ": not closed before the end of the input"));
      return false;
    }
    if (c == '"') {
      if (Peek() != '"') return true;  // The closing quote.
      Get();                           // "" stands for one quote.
    } else if (c == '\n' || (c == '\r' && Peek() != '\n')) {
      ++line_;
    }
    field->push_back(static_cast<char>(c));
  }
}

void CsvReader::ReadUnquoted(CsvRecord* record, std::string* field) {
  int c;
  while ((c = Peek()) >= 0 && c != separator_ && c != '\n' && c != '\r') {
    if (c == '"') {
      SetError(record, line_,
               absl::StrCat("quote inside unquoted field ", record->fields.size() + 1));
    }
    field->push_back(static_cast<char>(Get()));
  }
}

bool CsvReader::Next(CsvRecord* record) {
  if (!started_) {
    started_ = true;
    SkipByteOrderMark();
  }
  record->fields.clear();
  record->error.clear();
  record->error_line = 0;
  // A blank line (a line break alone) is no record, but counts as a row.
  for (;;) {
    int c = Peek();
    if (c < 0) return false;
    ++number_;
    if (c != '\n' && c != '\r') break;
    EndLine(Get());
  }
  record->number = number_;
  record->line = line_;
  std::string field;
  for (;;) {
    field.clear();
    if (Peek() == '"') {
      Get();
      if (!ReadQuoted(record, &field)) {
        record->fields.push_back(std::move(field));
        return true;
      }
      int c = Peek();
      if (c >= 0 && c != separator_ && c != '\n' && c != '\r') {
        SetError(record, line_,
                 absl::StrCat("text after the closing quote of field ", record->fields.size() + 1));
      }
    }
    // The whole field when unquoted; stray text after a closing quote, kept
    // in the field, when quoted.
    ReadUnquoted(record, &field);
    record->fields.push_back(std::move(field));
    int c = Get();
    if (c == separator_) continue;
    if (c >= 0) EndLine(c);
    return true;
  }
}

void AppendCsvField(absl::string_view value, std::string* out, char separator) {
  bool quote = !value.empty() && (value.front() == ' ' || value.back() == ' ');
  for (char c : value) {
    if (c == separator || c == '"' || c == '\n' || c == '\r') {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out->append(value.data(), value.size());
    return;
  }
  out->push_back('"');
  for (char c : value) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendCsvRecord(const std::vector<std::string>& fields, std::string* out, char separator) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out->push_back(separator);
    AppendCsvField(fields[i], out, separator);
  }
  out->push_back('\n');
}

}  // namespace corridor
