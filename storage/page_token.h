#ifndef CORRIDOR_STORAGE_PAGE_TOKEN_H_
#define CORRIDOR_STORAGE_PAGE_TOKEN_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace corridor::storage {

// Page tokens are opaque to clients: base64url(last_key || MAC), where the
// MAC (HMAC-SHA-256, libsodium) covers the scope and the last key. The scope
// names the collection, the caller and the canonical filter, so a token
// cannot be replayed under another filter or by another tenant, and cannot
// be forged or truncated without detection.

// Returns a token that resumes listing after `last_key` in `scope`.
std::string EncodePageToken(absl::string_view secret, absl::string_view scope,
                            absl::string_view last_key);

// Returns the last key carried by `token`. INVALID_ARGUMENT naming the
// page_token field when it is malformed, truncated, forged, or from another
// scope.
absl::StatusOr<std::string> DecodePageToken(absl::string_view secret,
                                            absl::string_view scope,
                                            absl::string_view token);

}  // namespace corridor::storage

#endif  // CORRIDOR_STORAGE_PAGE_TOKEN_H_
