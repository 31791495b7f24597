#include "storage/page_token.h"

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace corridor::storage {
namespace {

const std::string kSecret(32, 's');

void ExpectRejected(const absl::StatusOr<std::string>& r) {
  ASSERT_FALSE(r.ok()) << "decoded to " << *r;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("page_token"), absl::string_view::npos);
}

TEST(PageTokenTest, DecodeReturnsTheEncodedLastKey) {
  std::string token = EncodePageToken(kSecret, "scope-a", "agr-1/cell-9");
  absl::StatusOr<std::string> key = DecodePageToken(kSecret, "scope-a", token);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, "agr-1/cell-9");
}

TEST(PageTokenTest, TokenUsesUrlSafeAlphabetWithoutPadding) {
  for (int n = 0; n < 40; ++n) {
    std::string token = EncodePageToken(kSecret, "scope", std::string(n, '\xff'));
    EXPECT_EQ(token.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos)
        << token;
  }
}

TEST(PageTokenTest, TokenFromAnotherScopeIsRejected) {
  std::string token = EncodePageToken(kSecret, "candidates|agency:ag-1|", "cand-5");
  ExpectRejected(DecodePageToken(kSecret, "candidates|agency:ag-2|", "cand-5"));
  ExpectRejected(DecodePageToken(kSecret, "candidates|agency:ag-2|", token));
}

TEST(PageTokenTest, ScopeAndKeyBoundaryCannotBeShifted) {
  // scope "ab" + key "c" must not validate as scope "a" + key "bc".
  std::string token = EncodePageToken(kSecret, "ab", "c");
  ExpectRejected(DecodePageToken(kSecret, "a", token));
}

TEST(PageTokenTest, TokenUnderAnotherSecretIsRejected) {
  std::string token = EncodePageToken(kSecret, "scope", "key");
  ExpectRejected(DecodePageToken(std::string(32, 't'), "scope", token));
}

TEST(PageTokenTest, TruncatedTokensAreRejected) {
  std::string token = EncodePageToken(kSecret, "scope", "cand-123");
  for (size_t n = 0; n < token.size(); ++n) {
    ExpectRejected(DecodePageToken(kSecret, "scope", token.substr(0, n)));
  }
}

TEST(PageTokenTest, TokenWithAnyFlippedCharacterIsRejected) {
  std::string token = EncodePageToken(kSecret, "scope", "cand-123");
  for (size_t i = 0; i < token.size(); ++i) {
    std::string forged = token;
    forged[i] = forged[i] == 'A' ? 'B' : 'A';
    ExpectRejected(DecodePageToken(kSecret, "scope", forged));
  }
}

TEST(PageTokenTest, RandomAndMalformedTokensAreRejected) {
  ExpectRejected(DecodePageToken(kSecret, "scope", ""));
  ExpectRejected(DecodePageToken(kSecret, "scope", "not a token!"));
  ExpectRejected(DecodePageToken(kSecret, "scope", "Zm9vYmFy"));
  ExpectRejected(DecodePageToken(
      kSecret, "scope", "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJCrze8SNFZ4kA"));
  ExpectRejected(DecodePageToken(kSecret, "scope", std::string(100000, 'A')));
  std::string token = EncodePageToken(kSecret, "scope", "k");
  ExpectRejected(DecodePageToken(kSecret, "scope", token + "="));
}

}  // namespace
}  // namespace corridor::storage
