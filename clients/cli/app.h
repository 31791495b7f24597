#ifndef CORRIDOR_CLIENTS_CLI_APP_H_
#define CORRIDOR_CLIENTS_CLI_APP_H_

#include <functional>
#include <memory>
#include <ostream>

#include "absl/status/statusor.h"
#include "clients/cli/connection.h"

namespace corridor::cli {

// What RunCli needs from its surroundings; tests replace each part.
struct CliEnv {
  std::ostream* out;
  std::ostream* err;
  // Whether `err` is a terminal (progress bars).
  bool err_is_tty = false;
  // Opens the connection for commands that talk to a server. Default:
  // Connection::Open.
  std::function<absl::StatusOr<std::unique_ptr<Connection>>(const ClientOptions&)> connect;
};

// Parses the command line and runs the command. Returns the process exit
// code: 0 success, 1 failure (RPC error, invalid rows, I/O), 2 usage error.
int RunCli(int argc, const char* const* argv, const CliEnv& env);

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_APP_H_
