#ifndef CORRIDOR_CLIENTS_CLI_FLAT_CSV_H_
#define CORRIDOR_CLIENTS_CLI_FLAT_CSV_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "corridor/v1/candidate_service.pb.h"
#include "corridor/v1/vacancy_service.pb.h"

namespace corridor::cli {

// The flat CSV layouts of candidates and vacancies for bulk import. The
// whole layout (every column, list syntax and default) is documented in
// docs/cli.md; the column lists below are its source of truth.
//
// Lists inside a field are separated by ';' and the parts of an entry by
// ':', e.g. skills "S6.4.1:3;S1.8.1:2:ASSESSED". Enums are written as the
// suffix of the proto enum name ("UPPER_SECONDARY" for
// ISCED_LEVEL_UPPER_SECONDARY), case-insensitively; the full name is also
// accepted. Dates are YYYY-MM-DD, instants RFC 3339. Only the syntax is
// checked here; the server validates the content.

// Columns in their canonical order; only "id" is required in a file.
const std::vector<std::string>& CandidateCsvColumns();
const std::vector<std::string>& VacancyCsvColumns();

// An error about one field of one row.
struct FieldError {
  // The CSV column, with the list index when it is about one entry
  // ("skills[2]").
  std::string field;
  std::string message;
};

// The header of a file: which column holds which field.
class CsvHeader {
 public:
  // Maps `header` against `columns`. INVALID_ARGUMENT for an unknown or
  // repeated column name or a missing "id" column.
  static absl::StatusOr<CsvHeader> Parse(const std::vector<std::string>& header,
                                         const std::vector<std::string>& columns);

  // The value of column `c` (an index into the layout's column list) in
  // `fields`, or "" when the file has no such column or the row is short.
  absl::string_view Get(const std::vector<std::string>& fields, size_t c) const {
    const int i = index_[c];
    if (i < 0 || static_cast<size_t>(i) >= fields.size()) return {};
    return fields[static_cast<size_t>(i)];
  }

  // Number of columns the file has.
  size_t width() const { return width_; }

 private:
  std::vector<int> index_;  // layout column -> file column, -1 when absent
  size_t width_ = 0;
};

// Converts one row. Returns false and fills *error on the first bad field.
// A row whose field count differs from the header's is an error too.
bool CandidateFromCsv(const CsvHeader& header, const std::vector<std::string>& fields,
                      std::string* id, v1::Candidate* candidate, FieldError* error);
bool VacancyFromCsv(const CsvHeader& header, const std::vector<std::string>& fields,
                    std::string* id, v1::Vacancy* vacancy, FieldError* error);

// The row for a resource, in CandidateCsvColumns() / VacancyCsvColumns()
// order. Output-only fields are not written. Round-trips through *FromCsv.
std::vector<std::string> CandidateToCsv(absl::string_view id, const v1::Candidate& candidate);
std::vector<std::string> VacancyToCsv(absl::string_view id, const v1::Vacancy& vacancy);

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_FLAT_CSV_H_
