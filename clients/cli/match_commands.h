#ifndef CORRIDOR_CLIENTS_CLI_MATCH_COMMANDS_H_
#define CORRIDOR_CLIENTS_CLI_MATCH_COMMANDS_H_

#include <string>

#include "clients/cli/connection.h"
#include "clients/cli/output.h"

namespace corridor::cli {

struct ShortlistArgs {
  std::string vacancy;  // "vacancies/{id}" or "{id}"
  int k = 10;
  std::string filter;
  bool flag_quota_exhausted = false;
  // Print every score component under each candidate.
  bool explain = true;
};
// `corridor match shortlist`: ranked eligible candidates with their explained scores.
int RunShortlist(const Connection& connection, const Io& io, const ShortlistArgs& args);

struct RecommendArgs {
  std::string candidate;
  int k = 10;
};
// `corridor match recommend`: vacancies a candidate is eligible for, best first.
int RunRecommend(const Connection& connection, const Io& io, const RecommendArgs& args);

struct ExplainArgs {
  std::string candidate;
  std::string vacancy;
};
// `corridor match explain`: every component and every failed rule of one pair.
int RunExplain(const Connection& connection, const Io& io, const ExplainArgs& args);

struct DemoMatchesArgs {
  // Vacancies to show, each in a different destination.
  int vacancies = 3;
  int k = 5;
};
// The matching part of `corridor demo show`: for open vacancies in different
// destinations, the top candidates with their explained scores, then one
// candidate the first vacancy excludes, with every reason.
int RunDemoMatches(const Connection& connection, const Io& io, const DemoMatchesArgs& args);

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_MATCH_COMMANDS_H_
