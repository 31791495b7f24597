#include "common/resource_name.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace corridor {
namespace {

absl::Status BadName(absl::string_view field, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": expected a resource name of the form ", expected));
}

}  // namespace

bool IsValidResourceId(absl::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  if (id.front() < 'a' || id.front() > 'z') return false;
  if (id.back() == '-') return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsValidRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<std::string> ParseResourceName(absl::string_view name,
                                              absl::string_view collection,
                                              absl::string_view field) {
  std::string expected = absl::StrCat("\"", collection, "/{id}\"");
  if (name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != collection) {
    return BadName(field, expected);
  }
  if (!IsValidResourceId(parts[1])) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": id must be 1..63 characters of [a-z0-9-] starting with a letter"));
  }
  return std::string(parts[1]);
}

absl::StatusOr<QuotaCellName> ParseQuotaCellName(absl::string_view name,
                                                 absl::string_view field) {
  constexpr absl::string_view kExpected =
      "\"agreements/{agreement}/quotaCells/{cell}\"";
  if (name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "agreements" || parts[2] != "quotaCells") {
    return BadName(field, kExpected);
  }
  if (!IsValidResourceId(parts[1]) || !IsValidResourceId(parts[3])) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ids must be 1..63 characters of [a-z0-9-] starting with a letter"));
  }
  return QuotaCellName{std::string(parts[1]), std::string(parts[3])};
}

std::string AgencyName(absl::string_view id) { return absl::StrCat("agencies/", id); }
std::string EmployerName(absl::string_view id) { return absl::StrCat("employers/", id); }
std::string CandidateName(absl::string_view id) { return absl::StrCat("candidates/", id); }
std::string VacancyName(absl::string_view id) { return absl::StrCat("vacancies/", id); }
std::string AgreementName(absl::string_view id) { return absl::StrCat("agreements/", id); }
std::string QuotaCellResourceName(absl::string_view agreement_id,
                                  absl::string_view cell_id) {
  return absl::StrCat("agreements/", agreement_id, "/quotaCells/", cell_id);
}
std::string ApplicationName(absl::string_view id) {
  return absl::StrCat("applications/", id);
}

std::string ReservationName(absl::string_view id) { return absl::StrCat("reservations/", id); }

}  // namespace corridor
