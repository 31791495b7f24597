#include <filesystem>
#include <fstream>

#include "common/iso_codes.h"
#include "common/principal.h"
#include "common/resource_name.h"
#include "common/token_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace corridor {
namespace {

using ::testing::HasSubstr;

TEST(PrincipalTest, ParsesEveryRoleAndPrintsItBack) {
  for (const char* text : {"agency:ph-poea", "employer:coop-huelva", "ministry:ES", "operator"}) {
    absl::StatusOr<Principal> p = Principal::Parse(text);
    ASSERT_TRUE(p.ok()) << text;
    EXPECT_EQ(p->ToString(), text);
  }
}

TEST(PrincipalTest, RejectsMalformedPrincipals) {
  for (const char* text : {"", "agency", "agency:", "agency:Bad_Id", "ministry:es", "ministry:ESP",
                           "root:x", "operator:x", "employer:-x"}) {
    EXPECT_FALSE(Principal::Parse(text).ok()) << text;
  }
}

TEST(ResourceNameTest, ParsesIdsAndNamesTheFieldOnError) {
  EXPECT_EQ(*ParseResourceName("candidates/c-1", "candidates", "name"), "c-1");
  absl::StatusOr<std::string> bad = ParseResourceName("vacancies/c-1", "candidates", "name");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), ::testing::StartsWith("name:"));
  for (const char* name : {"", "candidates/", "candidates/C1", "candidates/1c", "candidates/a/b",
                           "candidates/a-", "candidates/a\xd0\xb0"}) {
    EXPECT_FALSE(ParseResourceName(name, "candidates", "name").ok()) << name;
  }
  absl::StatusOr<QuotaCellName> cell =
      ParseQuotaCellName("agreements/es-co/quotaCells/es-2027", "name");
  ASSERT_TRUE(cell.ok());
  EXPECT_EQ(cell->agreement_id, "es-co");
  EXPECT_EQ(cell->cell_id, "es-2027");
  EXPECT_FALSE(ParseQuotaCellName("agreements/es-co/cells/es-2027", "name").ok());
}

TEST(ResourceNameTest, RequestIdsAreShortAndAscii) {
  EXPECT_TRUE(IsValidRequestId("import-1_batch-2"));
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId(std::string(65, 'a')));
  EXPECT_FALSE(IsValidRequestId("a b"));
  EXPECT_FALSE(IsValidRequestId(std::string("a\0b", 3)));
}

TEST(TokenFileTest, IssuedTokenMapsToItsPrincipalAndIsNotStored) {
  std::string path = ::testing::TempDir() + "/tokens-" + std::to_string(getpid());
  std::filesystem::remove(path);
  absl::StatusOr<std::string> token =
      IssueToken(path, *Principal::Parse("agency:ph-poea"), "portal");
  ASSERT_TRUE(token.ok());
  absl::StatusOr<std::string> other = IssueToken(path, *Principal::Parse("operator"), "");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*token, *other);
  auto tokens = LoadTokenFile(path);
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_EQ(tokens->at(HashToken(*token)).ToString(), "agency:ph-poea");
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content.find(*token), std::string::npos);
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
}

TEST(TokenFileTest, MalformedLinesAreRejectedWithTheirNumber) {
  std::string path = ::testing::TempDir() + "/bad-tokens-" + std::to_string(getpid());
  std::ofstream(path) << "# comment\n\n" << std::string(64, 'a') << " operator\nnot-a-hash operator\n";
  auto tokens = LoadTokenFile(path);
  ASSERT_FALSE(tokens.ok());
  EXPECT_THAT(std::string(tokens.status().message()), HasSubstr(":4:"));
  std::ofstream(path) << std::string(64, 'a') << " operator\n" << std::string(64, 'a') << " operator\n";
  EXPECT_FALSE(LoadTokenFile(path).ok());
  EXPECT_EQ(LoadTokenFile(path + ".missing").status().code(), absl::StatusCode::kNotFound);
}

TEST(IsoCodesTest, KnowsDebianCountriesLanguagesAndCurrencies) {
  auto iso = IsoCodes::Load();
  ASSERT_TRUE(iso.ok()) << iso.status();
  EXPECT_TRUE((*iso)->IsCountry("GB"));
  EXPECT_FALSE((*iso)->IsCountry("UK"));
  EXPECT_FALSE((*iso)->IsCountry("gb"));
  EXPECT_FALSE((*iso)->IsCountry("GBR"));
  EXPECT_FALSE((*iso)->IsCountry("ZZ"));
  EXPECT_EQ((*iso)->CountryName("CO"), "Colombia");
  EXPECT_TRUE((*iso)->IsLanguage("es"));
  EXPECT_TRUE((*iso)->IsLanguage("kea"));
  EXPECT_FALSE((*iso)->IsLanguage("ES"));
  EXPECT_TRUE((*iso)->IsCurrency("EUR"));
  EXPECT_FALSE((*iso)->IsCurrency("EURO"));
  EXPECT_GT((*iso)->country_count(), 240u);
}

TEST(IsoCodesTest, MissingDirectoryIsNotFound) {
  EXPECT_EQ(IsoCodes::Load("/nonexistent").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace corridor
