#ifndef CORRIDOR_CLIENTS_CLI_APPLICATION_COMMANDS_H_
#define CORRIDOR_CLIENTS_CLI_APPLICATION_COMMANDS_H_

// `corridor applications ...`: ApplicationService (application_service.proto).
// create, transition, consent and return change an application and always
// send a request id (a fresh one unless --request-id gives it, so a retry of
// the same command line is safe only with --request-id); each prints the
// application (a table, or proto JSON with --output json). watch streams the
// application feed, one line per event. Each returns the exit code: 0; 1 when
// the server refused (code and message on stderr); 2 for a bad argument,
// detected before anything is sent.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "clients/cli/connection.h"
#include "clients/cli/output.h"
#include "corridor/v1/application_service.pb.h"

namespace corridor::cli {

struct CreateApplicationArgs {
  // "candidates/{id}" or "{id}".
  std::string candidate;
  // "vacancies/{id}" or "{id}".
  std::string vacancy;
  // "shortlisted" or "submitted"; empty lets the server choose.
  std::string state;
  // The new application's id; empty lets the server choose.
  std::string id;
  std::string request_id;
};
int RunCreateApplication(const Connection& connection, const Io& io,
                         const CreateApplicationArgs& args);

int RunGetApplication(const Connection& connection, const Io& io, const std::string& name);

struct ListApplicationsArgs {
  // Fields candidate, vacancy, state, e.g. 'state = "APPLICATION_STATE_SELECTED"'.
  std::string filter;
  // 0 lets the server choose (50).
  int page_size = 0;
  std::string page_token;
  // Follow next_page_token to the end.
  bool all = false;
};
int RunListApplications(const Connection& connection, const Io& io,
                        const ListApplicationsArgs& args);

struct TransitionArgs {
  // "applications/{id}" or "{id}".
  std::string name;
  // A state (see ParseApplicationState).
  std::string to;
  std::string reason;
  std::string etag;
  std::string request_id;
};
int RunTransitionApplication(const Connection& connection, const Io& io,
                             const TransitionArgs& args);

struct ConsentArgs {
  std::string name;
  // Exactly one of the two.
  bool grant = false;
  bool refuse = false;
  // Required when refusing.
  std::string reason;
  std::string request_id;
};
int RunRecordOriginConsent(const Connection& connection, const Io& io, const ConsentArgs& args);

struct ReturnArgs {
  std::string name;
  // "on-time", "late" or "not-returned".
  std::string outcome;
  // YYYY-MM-DD; not with not-returned.
  std::string date;
  std::string request_id;
};
int RunRecordReturn(const Connection& connection, const Io& io, const ReturnArgs& args);

struct WatchArgs {
  // Resume from a cursor a previous watch printed; empty starts now.
  std::string cursor;
  // With no cursor: start at the first event of the log.
  bool from_beginning = false;
  // Fields application, candidate, vacancy.
  std::string filter;
  // Stop after this many events; 0: no limit.
  int64_t max_events = 0;
  // Stop after this many seconds; 0: no limit.
  double timeout_seconds = 0;
};
// Streams events until --max-events or --timeout (exit 0), or an error (exit
// 1). The server ends each stream after its maximum call duration; watch
// then reconnects from the last cursor, so no event is lost or repeated. The
// cursor to resume from goes to stderr at the end.
int RunWatchApplications(const Connection& connection, const Io& io, const WatchArgs& args);

// "submitted", "health-cleared", "HEALTH_CLEARED" or
// "APPLICATION_STATE_HEALTH_CLEARED" -> the state. INVALID_ARGUMENT naming
// `flag` otherwise (and for the unspecified state).
absl::StatusOr<v1::ApplicationState> ParseApplicationState(const std::string& text,
                                                           const std::string& flag);

// A fresh request id, "cli-" and 24 hex digits.
std::string NewRequestId();

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_APPLICATION_COMMANDS_H_
