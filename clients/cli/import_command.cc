#include "clients/cli/import_command.h"

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace corridor::cli {
namespace {

constexpr size_t kListedErrors = 50;

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", static_cast<int>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

}  // namespace

ImportFormat FormatForPath(const std::string& path) {
  return absl::EndsWith(absl::AsciiStrToLower(path), ".csv") ? ImportFormat::kCsv
                                                             : ImportFormat::kJsonl;
}

int ReportImport(const Io& io, const std::string& what, const ImportOptions& options,
                 const ImportReport& r) {
  const size_t listed = std::min(kListedErrors, r.errors.size());
  for (size_t i = 0; i < listed; ++i) {
    const ImportRowError& e = r.errors[i];
    *io.err << what << ": row " << e.row;
    if (!e.field.empty()) *io.err << ", " << e.field;
    *io.err << ": " << e.message << '\n';
  }
  if (r.error_count > static_cast<int64_t>(listed)) {
    *io.err << what << ": ... and " << WithThousands(r.error_count - static_cast<int64_t>(listed))
            << " more errors\n";
  }
  const double rate =
      r.total_seconds > 0 ? static_cast<double>(r.rows_read) / r.total_seconds : 0;
  std::string summary =
      absl::StrCat(what, ": ", WithThousands(r.rows_read), " rows, ", WithThousands(r.rows_invalid),
                   " invalid, ", WithThousands(r.rows_written), " written");
  if (r.write_pass && !options.skip_bad_rows) {
    absl::StrAppend(&summary, absl::StrFormat(" (validated in %.2f s, written in %.2f s%s)",
                                              r.validate_seconds, r.write_seconds,
                                              r.reread ? ", file read twice" : ""));
  }
  absl::StrAppend(&summary, absl::StrFormat(" in %.2f s: %s rows/s; import id %s",
                                            r.total_seconds,
                                            WithThousands(static_cast<int64_t>(rate)),
                                            r.import_id));
  *io.err << summary << '\n';
  bool failed = false;
  if (r.rows_invalid > 0 && !options.skip_bad_rows) {
    failed = true;
    if (!options.validate_only && r.rows_written == 0) {
      *io.err << what << ": nothing was written; fix the rows above or pass --skip-bad-rows\n";
    }
  }
  if (io.format == OutputFormat::kJson) {
    *io.out << absl::StrFormat(
        "{\"importId\": \"%s\", \"rowsRead\": %d, \"rowsInvalid\": %d, \"rowsValid\": %d, "
        "\"rowsWritten\": %d, \"errorCount\": %d, \"batches\": %d, \"seconds\": %.3f, "
        "\"rowsPerSecond\": %.0f, \"errors\": [",
        JsonEscape(r.import_id), r.rows_read, r.rows_invalid, r.rows_valid, r.rows_written,
        r.error_count, r.batches, r.total_seconds, rate);
    for (size_t i = 0; i < listed; ++i) {
      const ImportRowError& e = r.errors[i];
      *io.out << (i > 0 ? ", " : "")
              << absl::StrFormat("{\"row\": %d, \"field\": \"%s\", \"message\": \"%s\"}", e.row,
                                 JsonEscape(e.field), JsonEscape(e.message));
    }
    *io.out << "]}\n";
  } else {
    Table table({"IMPORT", "ROWS", "INVALID", "WRITTEN", "SECONDS", "ROWS/S"});
    table.AddRow({r.import_id, std::to_string(r.rows_read), std::to_string(r.rows_invalid),
                  std::to_string(r.rows_written), absl::StrFormat("%.2f", r.total_seconds),
                  std::to_string(static_cast<int64_t>(rate))});
    table.Print(*io.out);
  }
  return failed ? kExitFailure : kExitOk;
}

int RunImport(ImportTarget target, const Connection& connection, const Io& io,
              const ImportOptions& options) {
  Progress progress(io.err, io.err_is_tty);
  absl::StatusOr<ImportReport> report =
      target == ImportTarget::kCandidates ? ImportCandidates(connection, options, &progress)
                                          : ImportVacancies(connection, options, &progress);
  progress.End();
  if (!report.ok()) return ReportError(io, report.status());
  return ReportImport(io, options.path, options, *report);
}

}  // namespace corridor::cli
