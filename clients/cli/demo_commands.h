#ifndef CORRIDOR_CLIENTS_CLI_DEMO_COMMANDS_H_
#define CORRIDOR_CLIENTS_CLI_DEMO_COMMANDS_H_

#include <string>

#include "clients/cli/connection.h"
#include "clients/cli/output.h"

namespace corridor::cli {

struct DemoLoadArgs {
  // A folder written by `corridor demo generate`.
  std::string dir;
  bool skip_bad_rows = false;
  int batch_size = 1000;
  int parse_threads = 2;
  // Load agencies, employers, agreements and cells only.
  bool reference_only = false;
};

// `corridor demo load`: creates the agencies, employers, agreements and
// quota cells with unary calls (each with a request id derived from the
// data set, ALREADY_EXISTS counting as present, so a rerun is safe), then
// imports candidates.jsonl and vacancies.jsonl through the import streams
// (import ids derived from the manifest, so a rerun replays), and prints a
// summary. Needs an operator token. Returns the exit code.
int RunDemoLoad(const Connection& connection, const Io& io, const DemoLoadArgs& args);

struct DemoShowArgs {
  // Do not page through candidates and vacancies to count them.
  bool skip_counts = false;
  // Do not show shortlists (they need the matching service).
  bool skip_matches = false;
};

// `corridor demo show`: every agreement with its quota-cell tree (cap,
// reserved, committed, indented by depth), the number of agencies,
// employers, candidates and vacancies, then (RunDemoMatches) explained
// shortlists of a few vacancies and one excluded candidate. Returns the exit
// code.
int RunDemoShow(const Connection& connection, const Io& io, const DemoShowArgs& args);

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_DEMO_COMMANDS_H_
