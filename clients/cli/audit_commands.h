#ifndef CORRIDOR_CLIENTS_CLI_AUDIT_COMMANDS_H_
#define CORRIDOR_CLIENTS_CLI_AUDIT_COMMANDS_H_

// `corridor audit ...`: signing keys, the audit log's head and events, usage
// reports (table or CSV) and the verifier (audit_verifier.h). Each returns
// the exit code: 0, or 1 when the server refused, a file could not be read
// or written, or (verify, head) a check failed.

#include <cstdint>
#include <string>

#include "clients/cli/audit_verifier.h"
#include "clients/cli/connection.h"
#include "clients/cli/output.h"
#include "corridor/v1/audit_service.pb.h"

namespace corridor::cli {

// `keygen --out FILE`: a new Ed25519 key file (mode 0600, refused when FILE
// exists); prints its public key in hex.
int RunKeygen(const Io& io, const std::string& out_file);
// `public-key --key-file FILE`: the hex public key of a key file.
int RunPublicKey(const Io& io, const std::string& key_file);

struct HeadArgs {
  // 64 hex digits or a file holding them; empty: the signature is shown but
  // not checked.
  std::string public_key;
};
// `head`: size, root, time and signature of the latest signed tree head;
// exit 1 when a given key does not verify it.
int RunHead(const Connection& connection, const Io& io, const HeadArgs& args);

struct EventsArgs {
  // First leaf index.
  int64_t start = 0;
  // Fields kind, subject: 'kind = "RELEASE"'.
  std::string filter;
  // Most events printed; 0 for all. Default: 100.
  int64_t limit = 100;
};
int RunEvents(const Connection& connection, const Io& io, const EventsArgs& args);

struct ReportArgs {
  // "agreements/{a}" or the bare id.
  std::string agreement;
  // RFC 3339; empty: now.
  std::string as_of;
  // cell (default), origin, destination, occupation, scheme, gender, age_band.
  std::string dimension;
  // Also write the CSV to this file.
  std::string csv_file;
  // "table" (default) or "csv" (CSV on standard output).
  std::string format = "table";
};
int RunReport(const Connection& connection, const Io& io, const ReportArgs& args);

// The report as CSV (common/csv.h): a header "key,cap,reserved,committed,
// released,expired,corrected,selected,released_by_reason" and one record
// per row, released_by_reason as "REASON=n;..." in reason order.
std::string UsageReportCsv(const v1::QuotaUsageReport& report);

struct VerifyArgs {
  // 64 hex digits or a file holding them. Required.
  std::string public_key;
  // Keeps the last verified head (size and root) between runs.
  std::string state_file;
  int samples = 32;
  uint64_t seed = 0;
};
// `verify`: runs VerifyAuditLog on `connection` and prints one line per step
// and a verdict; exit 0 only when every step passed (the state file is
// written only then).
int RunVerify(const Connection& connection, const Io& io, const VerifyArgs& args);
// The same against any source (tests).
int RunVerifyWith(AuditSource& source, const Io& io, const VerifyArgs& args);

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_AUDIT_COMMANDS_H_
