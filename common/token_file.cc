#include "common/token_file.h"

#include <sodium.h>
#include <sys/stat.h>

#include <fstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace corridor {
namespace {

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string HashToken(absl::string_view token) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
  return std::string(hex, crypto_hash_sha256_BYTES * 2);
}

absl::StatusOr<std::string> IssueToken(const std::string& path,
                                       const Principal& principal,
                                       absl::string_view label) {
  if (label.find('\n') != absl::string_view::npos ||
      label.find('\r') != absl::string_view::npos) {
    return absl::InvalidArgumentError("label: must be a single line");
  }
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  unsigned char raw[32];
  randombytes_buf(raw, sizeof(raw));
  char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  std::string token = absl::StrCat("crd_", b64);
  mode_t old_mask = umask(077);
  std::ofstream out(path, std::ios::app);
  umask(old_mask);
  if (!out) return absl::InternalError(absl::StrCat("cannot write token file ", path));
  out << HashToken(token) << ' ' << principal.ToString();
  if (!label.empty()) out << ' ' << label;
  out << '\n';
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write token file ", path));
  return token;
}

absl::StatusOr<absl::flat_hash_map<std::string, Principal>> LoadTokenFile(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read token file ", path));
  absl::flat_hash_map<std::string, Principal> tokens;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text.front() == '#') continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(text, absl::MaxSplits(' ', 2), absl::SkipEmpty());
    if (fields.size() < 2 || fields[0].size() != 64 || !IsLowerHex(fields[0])) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", number, ": expected \"<sha256 hex> <principal> [label]\""));
    }
    absl::StatusOr<Principal> principal = Principal::Parse(fields[1]);
    if (!principal.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": ", principal.status().message()));
    }
    if (!tokens.emplace(std::string(fields[0]), *principal).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": duplicate token hash"));
    }
  }
  return tokens;
}

}  // namespace corridor
