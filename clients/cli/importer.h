#ifndef CORRIDOR_CLIENTS_CLI_IMPORTER_H_
#define CORRIDOR_CLIENTS_CLI_IMPORTER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/cli/connection.h"
#include "clients/cli/progress.h"

namespace corridor::cli {

enum class ImportFormat { kJsonl, kCsv };

// What `corridor candidates import` and `corridor vacancies import` do.
struct ImportOptions {
  // The file to read; "-" reads standard input (then the validation pass's
  // copy must fit in cache_limit_bytes).
  std::string path;
  ImportFormat format = ImportFormat::kJsonl;
  // Rows per batch, 1..10,000. A batch is also cut before it would pass
  // 3.5 MiB serialized (the server refuses batches over 4 MiB).
  int batch_size = 1000;
  // Write the valid rows and report the invalid ones (one pass with
  // skip_invalid). Default: nothing is written unless every row is valid.
  bool skip_bad_rows = false;
  // Only check the file; write nothing.
  bool validate_only = false;
  // Prefix of every write batch's request_id ("<import_id>-<batch>"), 1..40
  // characters of [A-Za-z0-9_-]. Running an import again with the same id
  // and file replays the batches the server already holds instead of
  // writing them twice. Default: random.
  std::string import_id;
  // Threads turning rows into messages. Default: 2.
  int parse_threads = 2;
  // Parallel streams the batches are spread over, so the server can work on
  // several at once. Default: 2.
  int streams = 2;
  // Batches sent but not yet answered, per stream. Default: 4.
  int max_in_flight = 4;
  // The validation pass keeps the serialized batches for the write pass up
  // to this size; beyond it the write pass reads the file again.
  int64_t cache_limit_bytes = int64_t{768} << 20;
  // How many row errors to keep for the report (all are counted).
  int max_kept_errors = 10000;
  // Each import stream is half-closed and replaced by a new one after this
  // many seconds, so no stream outlives the server's maximum call duration
  // (corridord --max-call-seconds, 30 by default). Each stream's deadline is
  // this plus the timeout.
  double stream_seconds = 10;
};

// An error about one row, found locally (parsing) or by the server.
struct ImportRowError {
  int64_t row = 0;
  std::string field;
  std::string message;
};

struct ImportReport {
  std::string import_id;
  // Rows in the file (blank lines and the CSV header excluded).
  int64_t rows_read = 0;
  // Rows with at least one error (local or server).
  int64_t rows_invalid = 0;
  // Rows the server found valid in the last pass that checked them.
  int64_t rows_valid = 0;
  int64_t rows_written = 0;
  int64_t batches = 0;
  // The first max_kept_errors errors in row order, and how many there were.
  std::vector<ImportRowError> errors;
  int64_t error_count = 0;
  // Whether a write pass ran.
  bool write_pass = false;
  // Whether the write pass re-read the file (the cache was too small).
  bool reread = false;
  double validate_seconds = 0;
  double write_seconds = 0;
  double total_seconds = 0;
};

// Imports a file of candidates (or vacancies) through the ImportCandidates
// (ImportVacancies) stream. By default it runs two passes: the first with
// validate_only over the whole file collects every row error; only when there
// are none does the second pass write, each batch with request_id
// "<import_id>-<n>". With skip_bad_rows one pass writes with skip_invalid and
// reports the rows it skipped. Reading, parsing and the RPC overlap: a
// reader thread, `parse_threads` parsers and a sender with up to
// `max_in_flight` batches outstanding. Streams are replaced every
// `stream_seconds`; a stream that fails with UNAVAILABLE, or that the server
// ends with DEADLINE_EXCEEDED before the client's deadline, is reopened and
// its unanswered batches are sent again (up to 3 times in a row).
//
// Returns the report (row errors are part of it, not an error status).
// Errors: NOT_FOUND (no file), INVALID_ARGUMENT (bad options, a CSV header
// that does not match the layout), and the stream's gRPC status when it fails
// (DEADLINE_EXCEEDED when a batch is not answered within the timeout).
absl::StatusOr<ImportReport> ImportCandidates(const Connection& connection,
                                              const ImportOptions& options, Progress* progress);
absl::StatusOr<ImportReport> ImportVacancies(const Connection& connection,
                                             const ImportOptions& options, Progress* progress);

// A random import id: "imp-" and 12 hex digits.
std::string NewImportId();

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_IMPORTER_H_
