#ifndef CORRIDOR_MATCHER_FILTER_H_
#define CORRIDOR_MATCHER_FILTER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace corridor::matcher {

// One equality of a list filter: field = value.
struct FilterTerm {
  std::string field;
  std::string value;
  friend bool operator==(const FilterTerm& a, const FilterTerm& b) {
    return a.field == b.field && a.value == b.value;
  }
};

// Parses the AIP-160 subset the API accepts: a conjunction of equalities,
//   field = "value" AND other_field = value
// with values quoted (backslash escapes \" and \\) or bare ([A-Za-z0-9_.-]).
// `allowed` lists the field names this collection filters on. The result is
// sorted by field then value, so equal filters give equal canonical forms.
// Errors: INVALID_ARGUMENT naming "filter" and the position of the problem.
// Filters longer than 2,048 bytes or with more than 16 terms are rejected.
absl::StatusOr<std::vector<FilterTerm>> ParseFilter(
    absl::string_view filter, const std::vector<std::string>& allowed);

// The canonical text of parsed terms, used to bind page tokens.
std::string CanonicalFilter(const std::vector<FilterTerm>& terms);

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_FILTER_H_
