#ifndef CORRIDOR_CLIENTS_CLI_CSV_H_
#define CORRIDOR_CLIENTS_CLI_CSV_H_

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace corridor::cli {

// One record of a CSV file.
struct CsvRecord {
  std::vector<std::string> fields;
  // 1-based record number, counting the header and blank lines: the row
  // number a spreadsheet shows.
  int64_t number = 0;
  // 1-based line on which the record starts (differs from `number` once a
  // quoted field has spanned lines).
  int64_t line = 0;
  // Non-empty when the record is malformed (a character after a closing
  // quote, or a quoted field still open at the end of the file). `fields`
  // then holds what was read.
  std::string error;
};

// Streaming RFC 4180 reader: fields separated by commas, records by LF or
// CRLF; a field in double quotes may hold separators, quotes (doubled) and
// line breaks. A UTF-8 byte-order mark at the start is skipped; blank lines
// are skipped (they still count in record numbers). Reads through a 1 MiB
// buffer; the stream must outlive the reader. Not thread-safe.
class CsvReader {
 public:
  explicit CsvReader(std::istream* in, char separator = ',');

  // Reads the next non-blank record. Returns false at the end of the input.
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

  std::istream* in_;
  const char separator_;
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

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_CSV_H_
