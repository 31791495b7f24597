#ifndef CORRIDOR_SERVER_AUTH_H_
#define CORRIDOR_SERVER_AUTH_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/principal.h"
#include "grpcpp/server_context.h"

namespace corridor::server {

// Maximum size of the authorization metadata value.
inline constexpr size_t kMaxAuthorizationBytes = 1024;

// Maps bearer tokens to principals. The token file holds only SHA-256 hashes
// of tokens (common/token_file.h). Immutable after construction; thread-safe.
class Authenticator {
 public:
  // Errors: those of LoadTokenFile.
  static absl::StatusOr<std::unique_ptr<Authenticator>> FromTokenFile(const std::string& path);
  explicit Authenticator(absl::flat_hash_map<std::string, Principal> by_hash)
      : by_hash_(std::move(by_hash)) {}

  // The caller's principal from exactly one "authorization: Bearer <token>"
  // metadata entry. UNAUTHENTICATED when it is missing, repeated, oversized,
  // malformed or unknown (one message for all, so tokens cannot be probed).
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContext& context) const;

 private:
  absl::flat_hash_map<std::string, Principal> by_hash_;
};

}  // namespace corridor::server

#endif  // CORRIDOR_SERVER_AUTH_H_
