#ifndef CORRIDOR_COMMON_TOKEN_FILE_H_
#define CORRIDOR_COMMON_TOKEN_FILE_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/principal.h"

namespace corridor {

// Bearer tokens and the file that maps them to principals.
//
// A token is "crd_" followed by 43 base64url characters (32 random bytes).
// The file never holds tokens, only their SHA-256 hashes:
//
//   # comment
//   <64 hex chars of SHA-256(token)> <principal> [free-text label]
//
// e.g. "9f86...0a08 agency:ph-poea Philippine agency portal". The file is
// created with mode 0600.

// Hex SHA-256 of a token.
std::string HashToken(absl::string_view token);

// Generates a token for `principal`, appends its hash line to `path`
// (creating the file) and returns the token, which is shown once and never
// stored. Errors: INVALID_ARGUMENT (label with a newline), INTERNAL (I/O).
absl::StatusOr<std::string> IssueToken(const std::string& path,
                                       const Principal& principal,
                                       absl::string_view label);

// Reads a token file into hash -> principal. Errors: NOT_FOUND (no file),
// INVALID_ARGUMENT naming the line of a malformed entry or a duplicate hash.
absl::StatusOr<absl::flat_hash_map<std::string, Principal>> LoadTokenFile(
    const std::string& path);

}  // namespace corridor

#endif  // CORRIDOR_COMMON_TOKEN_FILE_H_
