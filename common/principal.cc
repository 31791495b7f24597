#include "common/principal.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/resource_name.h"

namespace corridor {

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAgency:
      return "agency";
    case Role::kEmployer:
      return "employer";
    case Role::kMinistry:
      return "ministry";
    case Role::kOperator:
      return "operator";
  }
  return "unknown";
}

std::string Principal::ToString() const {
  if (role == Role::kOperator) return "operator";
  return absl::StrCat(RoleName(role), ":", tenant);
}

absl::StatusOr<Principal> Principal::Parse(absl::string_view text) {
  if (text == "operator") return Principal{Role::kOperator, ""};
  size_t colon = text.find(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        "principal: expected agency:<id>, employer:<id>, ministry:<country> or operator");
  }
  absl::string_view kind = text.substr(0, colon);
  absl::string_view tenant = text.substr(colon + 1);
  Principal p;
  if (kind == "agency") {
    p.role = Role::kAgency;
  } else if (kind == "employer") {
    p.role = Role::kEmployer;
  } else if (kind == "ministry") {
    p.role = Role::kMinistry;
    if (tenant.size() != 2 || tenant[0] < 'A' || tenant[0] > 'Z' ||
        tenant[1] < 'A' || tenant[1] > 'Z') {
      return absl::InvalidArgumentError(
          "principal: a ministry's tenant is an upper-case ISO 3166-1 alpha-2 code");
    }
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("principal: unknown role \"", kind, "\""));
  }
  if (p.role != Role::kMinistry && !IsValidResourceId(tenant)) {
    return absl::InvalidArgumentError(
        "principal: tenant id must be 1..63 characters of [a-z0-9-] starting with a letter");
  }
  p.tenant = std::string(tenant);
  return p;
}

}  // namespace corridor
