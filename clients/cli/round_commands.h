#ifndef CORRIDOR_CLIENTS_CLI_ROUND_COMMANDS_H_
#define CORRIDOR_CLIENTS_CLI_ROUND_COMMANDS_H_

// `corridor rounds ...`: AllocationService (allocation_service.proto).
// create computes a proposal (what-if with --what-if and --cap); confirm
// places it through the lifecycle. Both always send a request id. Each prints
// the round: its totals beside the baselines' (first come first served,
// greedy), the assignments, why the others were not placed, the cells'
// sensitivities and the fills (or proto JSON with --output json). Exit codes
// as the other commands: 0; 1 when the server refused; 2 for a bad argument.

#include <string>
#include <vector>

#include "clients/cli/connection.h"
#include "clients/cli/output.h"

namespace corridor::cli {

struct CreateRoundArgs {
  // "agreements/{id}" or "{id}".
  std::string agreement;
  // YYYY-MM-DD, both required.
  std::string from;
  std::string to;
  // "welfare", "stable", "fcfs", "greedy" or "lottery".
  std::string objective = "welfare";
  // The lottery's seed; empty: the server's default.
  std::string lottery_seed;
  // "vacancies/{id}" or "{id}"; empty: every open vacancy in scope.
  std::vector<std::string> vacancies;
  bool what_if = false;
  // "{cell}=N" or "agreements/{a}/quotaCells/{cell}=N"; only with what_if.
  std::vector<std::string> caps;
  int edges_per_candidate = 0;
  // How many rows of assignments and unplaced candidates to print (0: all).
  int rows = 20;
  std::string request_id;
};
int RunCreateRound(const Connection& connection, const Io& io, const CreateRoundArgs& args);

int RunGetRound(const Connection& connection, const Io& io, const std::string& name, int rows);

// Fills of two rounds side by side (by cell, origin and occupation), with
// the difference: how a what-if round's caps or objective change the result.
int RunCompareRounds(const Connection& connection, const Io& io, const std::string& first,
                     const std::string& second);

int RunListRounds(const Connection& connection, const Io& io, const std::string& filter);

struct ConfirmRoundArgs {
  std::string name;
  std::string etag;
  std::string request_id;
};
int RunConfirmRound(const Connection& connection, const Io& io, const ConfirmRoundArgs& args);

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_ROUND_COMMANDS_H_
