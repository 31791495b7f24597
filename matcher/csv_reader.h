#ifndef CORRIDOR_MATCHER_CSV_READER_H_
#define CORRIDOR_MATCHER_CSV_READER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace corridor::matcher {

// One record of a CSV text.
struct CsvRecord {
  // 1-based line of the text on which the record starts (a quoted field may
  // carry the record over several lines).
  int line = 0;
  std::vector<std::string> fields;
};

// A CSV text read whole: its header record and the records after it.
//
// The grammar is RFC 4180: fields are separated by commas; a field may be
// quoted with '"', and then holds commas, line breaks (LF, CRLF or CR, kept
// as they are) and doubled quotes ("" stands for one '"'). Records end with
// LF, CRLF or CR. On top of the RFC: a UTF-8 byte-order mark at the start is
// skipped, lines that are completely empty are skipped, and the last record
// may lack its line break. Every record must have as many fields as the
// header.
//
// Errors are DATA_LOSS with a message "<source>:<line>: <problem>": an
// unterminated quoted field (naming the line where it opened), text after a
// closing quote, a quote inside an unquoted field, a record with the wrong
// number of fields, or a text with no header at all. Immutable; thread-safe.
class CsvTable {
 public:
  // Parses `text`; `source` names it in errors (usually the file name).
  static absl::StatusOr<CsvTable> Parse(absl::string_view text,
                                        absl::string_view source);

  const std::vector<std::string>& header() const { return header_; }
  // The records after the header, in order.
  const std::vector<CsvRecord>& records() const { return records_; }

  // Index of the header column called `name`; DATA_LOSS
  // "<source>:<header line>: missing column <name>" when there is none.
  absl::StatusOr<size_t> Column(absl::string_view name) const;

 private:
  CsvTable() = default;

  std::string source_;
  int header_line_ = 1;
  std::vector<std::string> header_;
  std::vector<CsvRecord> records_;
};

// Parses every record of `text`, the header included, with the grammar of
// CsvTable but without the field-count rule. Same errors.
absl::StatusOr<std::vector<CsvRecord>> ParseCsvRecords(absl::string_view text,
                                                       absl::string_view source);

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_CSV_READER_H_
