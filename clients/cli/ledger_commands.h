#ifndef CORRIDOR_CLIENTS_CLI_LEDGER_COMMANDS_H_
#define CORRIDOR_CLIENTS_CLI_LEDGER_COMMANDS_H_

// `corridor ledger ...`: the quota ledger's LedgerService (reserve, commit,
// release, correct, get, list reservations). Each prints the reservation (a
// table, or proto JSON with --output json) and returns the exit code: 0, or
// 1 when the server refused (the code and message go to stderr).

#include <cstdint>
#include <string>

#include "clients/cli/connection.h"
#include "clients/cli/output.h"

namespace corridor::cli {

struct ReserveArgs {
  // "agreements/{a}/quotaCells/{c}", or a bare cell id with `agreement`.
  std::string cell;
  std::string agreement;
  // Hold length; 0 lets the server choose (14 days).
  int64_t hold_seconds = 0;
  std::string request_id;
};
int RunReserve(const Connection& connection, const Io& io, const ReserveArgs& args);

// Commit, release and correct. `name` is "reservations/{id}" or the bare id.
struct ReservationChangeArgs {
  std::string name;
  // Release: the reason code ([A-Z0-9_]); correct: the ministry's reason.
  std::string reason;
  std::string request_id;
};
int RunCommit(const Connection& connection, const Io& io, const ReservationChangeArgs& args);
int RunRelease(const Connection& connection, const Io& io, const ReservationChangeArgs& args);
int RunCorrect(const Connection& connection, const Io& io, const ReservationChangeArgs& args);

int RunGetReservation(const Connection& connection, const Io& io, const std::string& name);

struct ListReservationsArgs {
  // Fields quota_cell, state, application, e.g.
  // 'state = "RESERVATION_STATE_HELD"'.
  std::string filter;
  // 0 lets the server choose (50).
  int page_size = 0;
  std::string page_token;
  // Follow next_page_token to the end.
  bool all = false;
};
int RunListReservations(const Connection& connection, const Io& io,
                        const ListReservationsArgs& args);

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_LEDGER_COMMANDS_H_
