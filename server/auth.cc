#include "server/auth.h"

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "common/token_file.h"

namespace corridor::server {
namespace {

absl::Status Unauthenticated() {
  return absl::UnauthenticatedError(
      "authorization: send exactly one \"authorization: Bearer <token>\" entry with a valid token");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::FromTokenFile(
    const std::string& path) {
  absl::StatusOr<absl::flat_hash_map<std::string, Principal>> tokens = LoadTokenFile(path);
  if (!tokens.ok()) return tokens.status();
  return std::make_unique<Authenticator>(*std::move(tokens));
}

absl::StatusOr<Principal> Authenticator::Authenticate(const grpc::ServerContext& context) const {
  const auto& metadata = context.client_metadata();
  auto range = metadata.equal_range("authorization");
  if (range.first == range.second || std::next(range.first) != range.second) {
    return Unauthenticated();
  }
  absl::string_view value(range.first->second.data(), range.first->second.size());
  if (value.size() > kMaxAuthorizationBytes || !absl::StartsWith(value, "Bearer ")) {
    return Unauthenticated();
  }
  auto it = by_hash_.find(HashToken(value.substr(7)));
  if (it == by_hash_.end()) return Unauthenticated();
  return it->second;
}

}  // namespace corridor::server
