#include "common/signing.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace corridor {
namespace {

constexpr absl::string_view kTreeHeadDomain("corridor-sth-v1\0", 16);

absl::Status InitSodium() {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  return absl::OkStatus();
}

void AppendBigEndian64(uint64_t v, std::string& out) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::string ToHex(const unsigned char* data, size_t n) {
  std::string hex(n * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), data, n);
  hex.resize(n * 2);
  return hex;
}

// 32 bytes from exactly 64 hex digits, or nullopt-like empty string.
std::string FromHex32(absl::string_view hex) {
  if (hex.size() != 64) return "";
  for (char c : hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return "";
  }
  std::string out(32, '\0');
  size_t len = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(),
                     hex.size(), nullptr, &len, nullptr) != 0 ||
      len != 32) {
    return "";
  }
  return out;
}

}  // namespace

std::string TreeHeadMessage(uint64_t tree_size, absl::string_view root_hash,
                            int64_t time_micros) {
  if (root_hash.size() != 32) return "";
  std::string m(kTreeHeadDomain);
  AppendBigEndian64(tree_size, m);
  m.append(root_hash.data(), root_hash.size());
  AppendBigEndian64(static_cast<uint64_t>(time_micros), m);
  return m;
}

absl::StatusOr<SigningKey> SigningKey::FromSeed(absl::string_view seed) {
  if (absl::Status s = InitSodium(); !s.ok()) return s;
  if (seed.size() != crypto_sign_SEEDBYTES) {
    return absl::InvalidArgumentError(
        absl::StrCat("signing key seed: must be 32 bytes, got ", seed.size()));
  }
  SigningKey key;
  crypto_sign_seed_keypair(key.public_key_.data(), key.secret_key_.data(),
                           reinterpret_cast<const unsigned char*>(seed.data()));
  return key;
}

absl::StatusOr<SigningKey> SigningKey::FromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("signing key file ", path, ": cannot read"));
  std::stringstream text;
  text << in.rdbuf();
  std::string seed = FromHex32(absl::StripAsciiWhitespace(text.str()));
  if (seed.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("signing key file ", path, ": must hold 64 hex digits (a 32-byte seed)"));
  }
  absl::StatusOr<SigningKey> key = FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

std::string SigningKey::public_key() const {
  return std::string(reinterpret_cast<const char*>(public_key_.data()), public_key_.size());
}

std::string SigningKey::public_key_hex() const {
  return ToHex(public_key_.data(), public_key_.size());
}

std::string SigningKey::Sign(absl::string_view message) const {
  std::string signature(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_key_.data());
  return signature;
}

absl::Status CreateSigningKeyFile(const std::string& path) {
  if (absl::Status s = InitSodium(); !s.ok()) return s;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(absl::StrCat("signing key file ", path, " already exists"));
    }
    return absl::InternalError(
        absl::StrCat("create signing key file ", path, ": ", std::strerror(errno)));
  }
  unsigned char seed[crypto_sign_SEEDBYTES];
  randombytes_buf(seed, sizeof(seed));
  std::string line = absl::StrCat(ToHex(seed, sizeof(seed)), "\n");
  sodium_memzero(seed, sizeof(seed));
  ssize_t written = ::write(fd, line.data(), line.size());
  int sync_result = ::fsync(fd);
  ::close(fd);
  sodium_memzero(line.data(), line.size());
  if (written != static_cast<ssize_t>(64 + 1) || sync_result != 0) {
    return absl::InternalError(absl::StrCat("write signing key file ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ParsePublicKeyHex(absl::string_view hex) {
  std::string key = FromHex32(absl::StripAsciiWhitespace(hex));
  if (key.empty()) return absl::InvalidArgumentError("public key: must be 64 hex digits");
  return key;
}

absl::Status VerifySignature(absl::string_view public_key, absl::string_view message,
                             absl::string_view signature) {
  if (absl::Status s = InitSodium(); !s.ok()) return s;
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES) {
    return absl::InvalidArgumentError("public key: must be 32 bytes");
  }
  if (signature.size() != crypto_sign_BYTES) {
    return absl::InvalidArgumentError(
        absl::StrCat("signature: must be 64 bytes, got ", signature.size()));
  }
  if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                  reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size(),
                                  reinterpret_cast<const unsigned char*>(public_key.data())) !=
      0) {
    return absl::FailedPreconditionError("signature does not verify with the public key");
  }
  return absl::OkStatus();
}

}  // namespace corridor
