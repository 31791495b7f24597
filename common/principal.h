#ifndef CORRIDOR_COMMON_PRINCIPAL_H_
#define CORRIDOR_COMMON_PRINCIPAL_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace corridor {

// The role a caller acts in (DOMAIN.md section 10).
enum class Role { kAgency, kEmployer, kMinistry, kOperator };

// An authenticated caller: a role and the tenant it acts for. The tenant is
// an agency id, an employer id, an ISO 3166-1 alpha-2 country (ministries),
// or empty (operators). Principals come only from verified credentials.
struct Principal {
  Role role = Role::kOperator;
  std::string tenant;

  // "agency:<id>", "employer:<id>", "ministry:<country>" or "operator".
  std::string ToString() const;
  // Parses the form ToString() produces. INVALID_ARGUMENT on anything else.
  static absl::StatusOr<Principal> Parse(absl::string_view text);

  friend bool operator==(const Principal& a, const Principal& b) {
    return a.role == b.role && a.tenant == b.tenant;
  }
};

absl::string_view RoleName(Role role);

}  // namespace corridor

#endif  // CORRIDOR_COMMON_PRINCIPAL_H_
