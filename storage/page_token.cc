#include "storage/page_token.h"

#include <sodium.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace corridor::storage {
namespace {

constexpr size_t kMacBytes = crypto_auth_hmacsha256_BYTES;
// Keys are short (ids of at most a few hundred bytes); anything much longer
// is not a token we issued and is rejected before decoding.
constexpr size_t kMaxTokenChars = 4096;
constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

absl::Status InvalidToken() {
  return absl::InvalidArgumentError(
      "page_token: invalid or expired; it must come from a previous response to the "
      "same request");
}

void EnsureSodium() {
  static const bool initialised = sodium_init() >= 0;
  (void)initialised;
}

// HMAC-SHA-256(secret, scope || 0x00 || last_key).
std::string Mac(absl::string_view secret, absl::string_view scope,
                absl::string_view last_key) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(scope.data()),
                                scope.size());
  const unsigned char separator = 0;
  crypto_auth_hmacsha256_update(&state, &separator, 1);
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(last_key.data()), last_key.size());
  std::string mac(kMacBytes, '\0');
  crypto_auth_hmacsha256_final(&state, reinterpret_cast<unsigned char*>(mac.data()));
  sodium_memzero(&state, sizeof(state));
  return mac;
}

}  // namespace

std::string EncodePageToken(absl::string_view secret, absl::string_view scope,
                            absl::string_view last_key) {
  EnsureSodium();
  std::string raw(last_key.data(), last_key.size());
  raw += Mac(secret, scope, last_key);
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), kVariant);
  out.resize(out.size() - 1);  // drop the terminating NUL
  return out;
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view secret,
                                            absl::string_view scope,
                                            absl::string_view token) {
  EnsureSodium();
  if (token.empty() || token.size() > kMaxTokenChars) return InvalidToken();
  std::string raw(token.size() * 3 / 4 + 1, '\0');
  size_t raw_len = 0;
  // b64_end is null, so any character outside the alphabet fails the decode.
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(),
                        token.data(), token.size(), /*ignore=*/nullptr, &raw_len,
                        /*b64_end=*/nullptr, kVariant) != 0) {
    return InvalidToken();
  }
  if (raw_len < kMacBytes) return InvalidToken();
  raw.resize(raw_len);
  absl::string_view last_key = absl::string_view(raw).substr(0, raw_len - kMacBytes);
  std::string expected = Mac(secret, scope, last_key);
  if (sodium_memcmp(expected.data(), raw.data() + last_key.size(), kMacBytes) != 0) {
    return InvalidToken();
  }
  return std::string(last_key);
}

}  // namespace corridor::storage
