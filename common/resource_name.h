#ifndef CORRIDOR_COMMON_RESOURCE_NAME_H_
#define CORRIDOR_COMMON_RESOURCE_NAME_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace corridor {

// A resource id: 1..63 characters of [a-z0-9-], starting with a letter, not
// ending with '-' (AIP-122).
bool IsValidResourceId(absl::string_view id);

// Parses "<collection>/<id>" and returns the id. `field` names the request
// field in the INVALID_ARGUMENT error.
absl::StatusOr<std::string> ParseResourceName(absl::string_view name,
                                              absl::string_view collection,
                                              absl::string_view field);

// Parses "agreements/<a>/quotaCells/<c>" into its two ids.
struct QuotaCellName {
  std::string agreement_id;
  std::string cell_id;
};
absl::StatusOr<QuotaCellName> ParseQuotaCellName(absl::string_view name,
                                                 absl::string_view field);

std::string AgencyName(absl::string_view id);
std::string EmployerName(absl::string_view id);
std::string CandidateName(absl::string_view id);
std::string VacancyName(absl::string_view id);
std::string AgreementName(absl::string_view id);
std::string QuotaCellResourceName(absl::string_view agreement_id,
                                  absl::string_view cell_id);
std::string ApplicationName(absl::string_view id);
std::string ReservationName(absl::string_view id);

// A request id: 1..64 characters of [A-Za-z0-9_-].
bool IsValidRequestId(absl::string_view id);

}  // namespace corridor

#endif  // CORRIDOR_COMMON_RESOURCE_NAME_H_
