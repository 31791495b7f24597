#ifndef CORRIDOR_TESTS_MATCHER_VALIDATION_TEST_UTIL_H_
#define CORRIDOR_TESTS_MATCHER_VALIDATION_TEST_UTIL_H_

#include <string>

#include "common/dates.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "matcher/validation.h"

namespace corridor::matcher::testing {

// The year the test clock is in: candidates born in 2007 are 18.
inline constexpr int kTestYear = 2025;

// A Validator over Debian's iso-codes, the built-in taxonomy and a fake clock
// fixed at 2025-06-15T12:00:00Z. Built once; never destroyed.
const Validator& TestValidator();

using ::corridor::MakeDate;
inline v1::DateRange MakeRange(int y1, int m1, int d1, int y2, int m2, int d2) {
  return MakeDateRange(y1, m1, d1, y2, m2, d2);
}

// Valid messages of each kind, for tests to mutate.
v1::Agency ValidAgency();
v1::Employer ValidEmployer();
v1::Candidate ValidCandidate();
v1::Vacancy ValidVacancy();
// Spain <- Colombia and Ecuador; in force 2019-07-01..2029-12-31; seasonal,
// temporary and circular; scope "61", "92", "51", "2221".
v1::Agreement ValidAgreement();

// Success when `status` is INVALID_ARGUMENT and its message starts with
// `path` followed by ':', '.' or '[' (the path of a field inside it).
::testing::AssertionResult IsInvalidAt(const absl::Status& status, absl::string_view path);

// Strings for bad-input tables.
std::string OneMebibyte();
std::string Repeat(absl::string_view s, size_t times);

}  // namespace corridor::matcher::testing

#endif  // CORRIDOR_TESTS_MATCHER_VALIDATION_TEST_UTIL_H_
