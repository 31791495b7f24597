#ifndef CORRIDOR_COMMON_CSV_H_
#define CORRIDOR_COMMON_CSV_H_

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace corridor {

// One record of a CSV text.
struct CsvRecord {
  std::vector<std::string> fields;
  // 1-based record number, counting the header and blank lines: the row
  // number a spreadsheet shows.
  int64_t number = 0;
  // 1-based line on which the record starts (differs from `number` once a
  // quoted field has spanned lines).
  int64_t line = 0;
  // Non-empty when the record is malformed: text after a closing quote, a
  // quote inside an unquoted field, or a quoted field still open at the end
  // of the input. Only the first problem of a record is kept; `fields` then
  // holds what was read (stray characters included).
  std::string error;
  // When `error` is set: the 1-based line of the problem. For a quoted field
  // left open it is the line where the field opened.
  int64_t error_line = 0;
};

// Streaming RFC 4180 reader. Fields are separated by `separator`, records
// by LF, CRLF or CR alone. A field in double quotes may hold separators,
// line breaks (kept as they are) and quotes (doubled: "" is one '"'). On top
// of the RFC: a UTF-8 byte-order mark at the start is skipped; blank lines
// are skipped (they still count in record numbers and lines); the last
// record may lack its line break. A malformed record is still returned, with
// `error` set, and reading goes on with the next record (after a quoted field
// left open there is none). Reads through a 1 MiB buffer; the stream must
// outlive the reader. Not thread-safe.
class CsvReader {
 public:
  explicit CsvReader(std::istream* in, char separator = ',');

  // Reads the next non-blank record into `record` (replacing its contents).
  // Returns false at the end of the input.
  bool Next(CsvRecord* record);

  // Bytes consumed from the stream so far.
  int64_t bytes_read() const { return consumed_; }

 private:
  // Returns the next byte, or -1 at the end of the input.
  int Get() {
    if (pos_ == len_ && !Refill()) return -1;
    ++consumed_;
    return static_cast<unsigned char>(buf_[pos_++]);
  }
  int Peek() {
    if (pos_ == len_ && !Refill()) return -1;
    return static_cast<unsigned char>(buf_[pos_]);
  }
  bool Refill();
  void SkipByteOrderMark();
  // Consumes a line break whose first byte `c` was just taken.
  void EndLine(int c);
  // Reads a quoted field whose opening quote was just taken. Returns false
  // when the input ends before the closing quote.
  bool ReadQuoted(CsvRecord* record, std::string* field);
  // Reads to the end of the current field (the separator, a line break or
  // the end of the input, none of them consumed), flagging any quote.
  void ReadUnquoted(CsvRecord* record, std::string* field);
  void SetError(CsvRecord* record, int64_t line, std::string problem);

  std::istream* in_;
  // The separator as Get() returns it (0..255).
  const int separator_;
  std::vector<char> buf_;
  size_t pos_ = 0;
  size_t len_ = 0;
  int64_t consumed_ = 0;
  int64_t line_ = 1;
  int64_t number_ = 0;
  bool started_ = false;
};

// Appends `value` to `out` as one CSV field, quoted only when it holds the
// separator, a quote, CR or LF, or starts or ends with a space.
void AppendCsvField(absl::string_view value, std::string* out, char separator = ',');

// Appends a whole record and a LF.
void AppendCsvRecord(const std::vector<std::string>& fields, std::string* out,
                     char separator = ',');

}  // namespace corridor

#endif  // CORRIDOR_COMMON_CSV_H_
