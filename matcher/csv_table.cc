#include "matcher/csv_table.h"

#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace corridor::matcher {
namespace {

absl::Status Malformed(absl::string_view source, int64_t line, absl::string_view problem) {
  return absl::DataLossError(absl::StrCat(source, ":", line, ": ", problem));
}

}  // namespace

absl::StatusOr<CsvTable> CsvTable::Parse(absl::string_view text, absl::string_view source) {
  std::istringstream in{std::string(text)};
  CsvReader reader(&in);
  CsvTable table;
  table.source_ = std::string(source);
  CsvRecord record;
  if (!reader.Next(&record)) return Malformed(source, 1, "no header line");
  if (!record.error.empty()) return Malformed(source, record.error_line, record.error);
  table.header_line_ = record.line;
  table.header_ = std::move(record.fields);
  while (reader.Next(&record)) {
    if (!record.error.empty()) return Malformed(source, record.error_line, record.error);
    if (record.fields.size() != table.header_.size()) {
      return Malformed(source, record.line,
                       absl::StrCat("expected ", table.header_.size(),
                                    " fields as in the header, found ", record.fields.size()));
    }
    table.records_.push_back(std::move(record));
    record = CsvRecord();
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
