#ifndef CORRIDOR_CLIENTS_CLI_IMPORT_COMMAND_H_
#define CORRIDOR_CLIENTS_CLI_IMPORT_COMMAND_H_

#include <string>

#include "clients/cli/connection.h"
#include "clients/cli/importer.h"
#include "clients/cli/output.h"

namespace corridor::cli {

enum class ImportTarget { kCandidates, kVacancies };

// `corridor candidates import` / `corridor vacancies import`: runs the
// import with a progress bar on a terminal and reports it (ReportImport).
int RunImport(ImportTarget target, const Connection& connection, const Io& io,
              const ImportOptions& options);

// Prints an import's row errors (the first 50 in row order, then how many
// more) and a summary line with the rate to io.err, and the counts to
// io.out (a table row or a JSON object). Returns the exit code: 1 when a row
// was invalid and the import was not asked to skip bad rows, else 0.
int ReportImport(const Io& io, const std::string& what, const ImportOptions& options,
                 const ImportReport& report);

// The format for `path` when none is given: csv for *.csv, else jsonl.
ImportFormat FormatForPath(const std::string& path);

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_IMPORT_COMMAND_H_
