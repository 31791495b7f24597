#ifndef CORRIDOR_MATCHER_CSV_TABLE_H_
#define CORRIDOR_MATCHER_CSV_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/csv.h"

namespace corridor::matcher {

// A CSV text read whole with corridor::CsvReader (common/csv.h, which holds
// the grammar): its header record and the records after it. Every record
// must have as many fields as the header.
//
// Errors are DATA_LOSS with a message "<source>:<line>: <problem>", for the
// first problem in the text: a malformed record (CsvRecord::error, at
// CsvRecord::error_line: an unterminated quoted field names the line where
// it opened), a record with the wrong number of fields, or a text with no
// header at all. Immutable; thread-safe.
class CsvTable {
 public:
  // Parses `text`; `source` names it in errors (usually the file name).
  static absl::StatusOr<CsvTable> Parse(absl::string_view text, absl::string_view source);

  const std::vector<std::string>& header() const { return header_; }
  // The records after the header, in order; each has header().size() fields
  // and an empty `error`.
  const std::vector<CsvRecord>& records() const { return records_; }

  // Index of the header column called `name`; DATA_LOSS
  // "<source>:<header line>: missing column <name>" when there is none.
  absl::StatusOr<size_t> Column(absl::string_view name) const;

 private:
  CsvTable() = default;

  std::string source_;
  int64_t header_line_ = 1;
  std::vector<std::string> header_;
  std::vector<CsvRecord> records_;
};

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_CSV_TABLE_H_
