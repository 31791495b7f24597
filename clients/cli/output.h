#ifndef CORRIDOR_CLIENTS_CLI_OUTPUT_H_
#define CORRIDOR_CLIENTS_CLI_OUTPUT_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "corridor/v1/types.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"

namespace corridor::cli {

enum class OutputFormat { kTable, kJson };

// Where a command writes: results to `out`, errors, progress and summaries
// to `err`.
struct Io {
  std::ostream* out;
  std::ostream* err;
  // Whether `err` is a terminal (progress bars are drawn only then).
  bool err_is_tty = false;
  OutputFormat format = OutputFormat::kTable;
};

// Exit codes of the corridor command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// A table printed with aligned columns; the header is upper case.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  size_t size() const { return rows_.size(); }
  // Columns are padded to the widest cell (counting UTF-8 characters), two
  // spaces apart; the last column is not padded.
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// Prints "error: CODE: message" to io.err and returns kExitFailure.
int ReportError(const Io& io, const absl::Status& status);

// "VALID" for LICENCE_STATUS_VALID: the value's name without the enum's
// prefix; "-" for the zero value.
std::string EnumLabel(const google::protobuf::EnumDescriptor* type, int value);
// "2027-03-01", or "-" when unset.
std::string DateLabel(const v1::Date& date);
// "2027-03-01..2027-10-31", or "-".
std::string RangeLabel(const v1::DateRange& range);
// "2026-03-01T08:00:00Z", or "-" when unset.
std::string TimeLabel(const google::protobuf::Timestamp& time, bool set);
// The id after the last '/'.
std::string ShortName(const std::string& name);

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_OUTPUT_H_
