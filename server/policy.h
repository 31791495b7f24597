#ifndef CORRIDOR_SERVER_POLICY_H_
#define CORRIDOR_SERVER_POLICY_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace corridor::server {

// How a role may use one RPC (DOMAIN.md section 10). Operators may use every
// RPC unless its row says otherwise; the other roles follow their Grant.
enum class Rule {
  // Never allowed.
  kNever,
  // Always allowed (the core still answers NOT_FOUND for a missing target).
  kAlways,
  // The caller owns the resource named by `field`: an agency its own record,
  // its candidates and their applications; an employer its own record, its
  // vacancies and their applications.
  kOwner,
  // A ministry whose country is the resource's: an agency's or employer's
  // country, a vacancy's destination, an application's candidate nationality
  // or vacancy destination.
  kCountry,
  // A ministry party (destination or origin) to the agreement named by
  // `field` (an agreement or one of its quota cells).
  kParty,
  // A ministry that is a destination party of that agreement.
  kDestinationParty,
  // The request's `field` (a string, or a repeated string with some element)
  // equals the caller's tenant: used where the target is in the payload, e.g.
  // the country of an agency being created.
  kTenantInField,
};

// One role's access to one RPC. `field` is the dotted path of the request
// field naming the target ("name", "parent", "agency.name", "vacancy");
// empty for rules that need none. For List methods, an allowed rule also
// confines the listing to what the rule allows (ListConfinement).
struct Grant {
  Rule rule = Rule::kNever;
  absl::string_view field;
};

// The policy of one RPC, by full method name
// ("/corridor.v1.CandidateService/GetCandidate").
struct MethodPolicy {
  absl::string_view method;
  Grant agency;
  Grant employer;
  Grant ministry;
  // Operators administer the service and may call every RPC but those few
  // the domain reserves to a ministry.
  bool operator_allowed = true;
};

// The whole policy table: one row per RPC of the v1 API. tests/server checks
// the running server against an independent table of expected outcomes.
const std::vector<MethodPolicy>& PolicyTable();

// The row for `method`, or null when the method is not in the table (which
// the server treats as denied for every role but operator).
const MethodPolicy* FindPolicy(absl::string_view method);

}  // namespace corridor::server

#endif  // CORRIDOR_SERVER_POLICY_H_
