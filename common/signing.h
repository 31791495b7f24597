#ifndef CORRIDOR_COMMON_SIGNING_H_
#define CORRIDOR_COMMON_SIGNING_H_

// Ed25519 keys (libsodium) that sign the audit log's tree heads, and the
// exact bytes that are signed, shared by the server and the verifier.
//
// Key file: one line of 64 lowercase hex digits, the 32-byte seed of the key
// pair, created with mode 0600 by CreateSigningKeyFile. Public keys are
// handed to ministries as 64 hex digits.

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace corridor {

inline constexpr size_t kPublicKeyBytes = 32;
inline constexpr size_t kSignatureBytes = 64;

// The message a tree head's signature covers: "corridor-sth-v1" 0x00
// (16 bytes), tree_size (8 bytes big-endian), root_hash (32 bytes), time in
// microseconds since the Unix epoch (8 bytes big-endian): 64 bytes.
// `root_hash` must be 32 bytes (else the message is empty).
std::string TreeHeadMessage(uint64_t tree_size, absl::string_view root_hash,
                            int64_t time_micros);

// A key pair. Copyable; the secret never leaves the object except through
// Sign.
class SigningKey {
 public:
  // Reads a key file. NOT_FOUND (no file), INVALID_ARGUMENT naming the path
  // when it is not 64 hex digits, INTERNAL (libsodium).
  static absl::StatusOr<SigningKey> FromFile(const std::string& path);
  // From a 32-byte seed. INVALID_ARGUMENT for another length.
  static absl::StatusOr<SigningKey> FromSeed(absl::string_view seed);

  // 32 bytes.
  std::string public_key() const;
  // 64 lowercase hex digits.
  std::string public_key_hex() const;
  // A 64-byte detached signature.
  std::string Sign(absl::string_view message) const;

 private:
  SigningKey() = default;
  std::array<unsigned char, 32> public_key_{};
  std::array<unsigned char, 64> secret_key_{};
};

// Writes a new random key file (mode 0600). ALREADY_EXISTS when `path`
// exists; INTERNAL on I/O errors.
absl::Status CreateSigningKeyFile(const std::string& path);

// Parses 64 hex digits into a 32-byte public key. INVALID_ARGUMENT.
absl::StatusOr<std::string> ParsePublicKeyHex(absl::string_view hex);

// OK when `signature` is `public_key`'s signature of `message`, else
// FAILED_PRECONDITION (INVALID_ARGUMENT for wrong lengths).
absl::Status VerifySignature(absl::string_view public_key, absl::string_view message,
                             absl::string_view signature);

}  // namespace corridor

#endif  // CORRIDOR_COMMON_SIGNING_H_
