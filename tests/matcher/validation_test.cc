// Table-driven tests of matcher::Validator for agencies, employers,
// candidates, vacancies and agreements. Each table row mutates a valid
// message and names the field path the error must start with. Quota cells
// are in quota_cell_validation_test.cc.
#include <ctime>
#include <cstdint>
#include <functional>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "matcher/validation.h"
#include "tests/matcher/validation_test_util.h"

namespace corridor::matcher {
namespace {

using testing::IsInvalidAt;
using testing::MakeDate;
using testing::MakeRange;
using testing::OneMebibyte;
using testing::Repeat;
using testing::TestValidator;

// Bad strings (RELIABILITY.md "Bad inputs to try").
const std::string kNul("ab\0cd", 5);
constexpr char kInvalidUtf8[] = "abc\xC3\x28";
constexpr char kTruncatedUtf8[] = "abc\xE2\x82";
constexpr char kOverlongSlash[] = "\xC0\xAF";
constexpr char kOverlong3Byte[] = "\xE0\x80\xAF";
constexpr char kSurrogate[] = "\xED\xA0\x80";
constexpr char kAboveUnicode[] = "\xF4\x90\x80\x80";
constexpr char kStrayContinuation[] = "a\x80";
constexpr char kRightToLeftOverride[] = "invoice\xE2\x80\xAEtxt.exe";  // U+202E
constexpr char kLeftToRightEmbedding[] = "\xE2\x80\xAAx";           // U+202A
constexpr char kFirstStrongIsolate[] = "x\xE2\x81\xA8y";            // U+2068
constexpr char kPopDirectionalIsolate[] = "x\xE2\x81\xA9";          // U+2069
// Look-alikes of ASCII codes written with Cyrillic letters.
constexpr char kCyrillicES[] = "\xD0\x95S";                 // "ЕS", Cyrillic Ie.
constexpr char kCyrillicSkill[] = "\xD0\x85" "6.4.1";       // "Ѕ6.4.1", Cyrillic Dze.
constexpr char kCyrillicKind[] = "nursing_diplom\xD0\xB0";  // Cyrillic a.

template <typename M>
struct Row {
  std::string name;
  std::string path;  // Expected start of the error message.
  std::function<void(M&)> mutate;
};

template <typename M>
void PrintTo(const Row<M>& row, std::ostream* os) {
  *os << row.name;
}

template <typename M>
std::string RowName(const ::testing::TestParamInfo<Row<M>>& info) {
  return info.param.name;
}

// ================================================================ CheckText

struct TextRow {
  std::string name;
  std::string value;
  size_t max_bytes;
  bool required;
  bool valid;
};

void PrintTo(const TextRow& row, std::ostream* os) { *os << row.name; }

class CheckTextTest : public ::testing::TestWithParam<TextRow> {};

TEST_P(CheckTextTest, AcceptsOrRejectsWithFieldName) {
  const TextRow& row = GetParam();
  absl::Status status =
      Validator::CheckText(row.value, "thing.text", row.max_bytes, row.required);
  if (row.valid) {
    EXPECT_TRUE(status.ok()) << status;
  } else {
    EXPECT_TRUE(IsInvalidAt(status, "thing.text"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Strings, CheckTextTest,
    ::testing::ValuesIn(std::vector<TextRow>{
        {"PlainAscii", "hello", 256, true, true},
        {"EmptyOptional", "", 256, false, true},
        {"EmptyRequired", "", 256, true, false},
        {"ExactlyMax", std::string(256, 'x'), 256, true, true},
        {"OneOverMax", std::string(257, 'x'), 256, true, false},
        {"OneMebibyte", OneMebibyte(), 256, true, false},
        {"TwoByteLetters", "Andaluc\xC3\xAD" "a", 256, true, true},
        {"ThreeByteLetters", "\xE4\xB8\xAD\xE6\x96\x87", 256, true, true},
        {"FourByteEmoji", "\xF0\x9F\x8C\xBE", 256, true, true},
        {"LargestCodePoint", "\xF4\x8F\xBF\xBF", 256, true, true},
        {"ArabicLettersAreFine", "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7", 256, true, true},
        {"LeftToRightMarkIsFine", "a\xE2\x80\x8E" "b", 256, true, true},
        {"EmbeddedNul", kNul, 256, true, false},
        {"InvalidUtf8", kInvalidUtf8, 256, true, false},
        {"TruncatedSequence", kTruncatedUtf8, 256, true, false},
        {"OverlongTwoByte", kOverlongSlash, 256, true, false},
        {"OverlongThreeByte", kOverlong3Byte, 256, true, false},
        {"Surrogate", kSurrogate, 256, true, false},
        {"AboveU10FFFF", kAboveUnicode, 256, true, false},
        {"FiveByteLead", "\xF8\x88\x80\x80\x80", 256, true, false},
        {"StrayContinuation", kStrayContinuation, 256, true, false},
        {"RightToLeftOverride", kRightToLeftOverride, 256, true, false},
        {"LeftToRightEmbedding", kLeftToRightEmbedding, 256, true, false},
        {"FirstStrongIsolate", kFirstStrongIsolate, 256, true, false},
        {"PopDirectionalIsolate", kPopDirectionalIsolate, 256, true, false},
    }),
    [](const ::testing::TestParamInfo<TextRow>& info) { return info.param.name; });

// ================================================================ Agency

using AgencyRow = Row<v1::Agency>;
class AgencyValidationTableTest : public ::testing::TestWithParam<AgencyRow> {};

TEST(AgencyValidationTest, ValidAgencyPasses) {
  absl::Status status = TestValidator().ValidateAgency(testing::ValidAgency());
  EXPECT_TRUE(status.ok()) << status;
}

TEST(AgencyValidationTest, LicenceExpiringOnALeapDayPasses) {
  v1::Agency a = testing::ValidAgency();
  *a.mutable_licence_expiry() = MakeDate(2028, 2, 29);
  EXPECT_TRUE(TestValidator().ValidateAgency(a).ok());
  *a.mutable_licence_expiry() = MakeDate(2000, 2, 29);
  EXPECT_TRUE(TestValidator().ValidateAgency(a).ok());
}

TEST(AgencyValidationTest, OutputOnlyFieldsAreNotChecked) {
  v1::Agency a = testing::ValidAgency();
  a.set_name("not a resource name \xE2\x80\xAE");
  a.set_etag(kNul);
  a.mutable_create_time()->set_seconds(-1);
  EXPECT_TRUE(TestValidator().ValidateAgency(a).ok());
}

TEST_P(AgencyValidationTableTest, RejectsAtFieldPath) {
  v1::Agency a = testing::ValidAgency();
  GetParam().mutate(a);
  EXPECT_TRUE(IsInvalidAt(TestValidator().ValidateAgency(a), GetParam().path));
}

INSTANTIATE_TEST_SUITE_P(
    BadInputs, AgencyValidationTableTest,
    ::testing::ValuesIn(std::vector<AgencyRow>{
        {"EmptyDisplayName", "agency.display_name", [](v1::Agency& m) { m.clear_display_name(); }},
        {"LongDisplayName", "agency.display_name",
         [](v1::Agency& m) { m.set_display_name(std::string(257, 'x')); }},
        {"MebibyteDisplayName", "agency.display_name",
         [](v1::Agency& m) { m.set_display_name(OneMebibyte()); }},
        {"NulInDisplayName", "agency.display_name", [](v1::Agency& m) { m.set_display_name(kNul); }},
        {"InvalidUtf8DisplayName", "agency.display_name",
         [](v1::Agency& m) { m.set_display_name(kInvalidUtf8); }},
        {"RloDisplayName", "agency.display_name",
         [](v1::Agency& m) { m.set_display_name(kRightToLeftOverride); }},
        {"MissingCountry", "agency.country", [](v1::Agency& m) { m.clear_country(); }},
        {"LowercaseCountry", "agency.country", [](v1::Agency& m) { m.set_country("co"); }},
        {"Alpha3Country", "agency.country", [](v1::Agency& m) { m.set_country("COL"); }},
        {"UkIsNotACode", "agency.country", [](v1::Agency& m) { m.set_country("UK"); }},
        {"UnassignedCountry", "agency.country", [](v1::Agency& m) { m.set_country("ZZ"); }},
        {"CyrillicCountry", "agency.country", [](v1::Agency& m) { m.set_country(kCyrillicES); }},
        {"EmptyLicenceNumber", "agency.licence_number",
         [](v1::Agency& m) { m.clear_licence_number(); }},
        {"LongLicenceNumber", "agency.licence_number",
         [](v1::Agency& m) { m.set_licence_number(std::string(65, '7')); }},
        {"NulInLicenceNumber", "agency.licence_number",
         [](v1::Agency& m) { m.set_licence_number(kNul); }},
        {"UnsetLicenceStatus", "agency.licence_status",
         [](v1::Agency& m) { m.set_licence_status(v1::LICENCE_STATUS_UNSPECIFIED); }},
        {"UnknownLicenceStatus", "agency.licence_status",
         [](v1::Agency& m) { m.set_licence_status(static_cast<v1::LicenceStatus>(42)); }},
        {"NegativeLicenceStatus", "agency.licence_status",
         [](v1::Agency& m) { m.set_licence_status(static_cast<v1::LicenceStatus>(-1)); }},
        {"MissingExpiry", "agency.licence_expiry", [](v1::Agency& m) { m.clear_licence_expiry(); }},
        {"Feb29NonLeapYear", "agency.licence_expiry.day",
         [](v1::Agency& m) { *m.mutable_licence_expiry() = MakeDate(2027, 2, 29); }},
        {"Feb29Of1900", "agency.licence_expiry.day",
         [](v1::Agency& m) { *m.mutable_licence_expiry() = MakeDate(1900, 2, 29); }},
        {"YearZero", "agency.licence_expiry.year",
         [](v1::Agency& m) { *m.mutable_licence_expiry() = MakeDate(0, 3, 1); }},
        {"Year1899", "agency.licence_expiry.year",
         [](v1::Agency& m) { *m.mutable_licence_expiry() = MakeDate(1899, 12, 31); }},
        {"Year2201", "agency.licence_expiry.year",
         [](v1::Agency& m) { *m.mutable_licence_expiry() = MakeDate(2201, 1, 1); }},
        {"Month13", "agency.licence_expiry.month",
         [](v1::Agency& m) { *m.mutable_licence_expiry() = MakeDate(2027, 13, 1); }},
        {"MonthZero", "agency.licence_expiry.month",
         [](v1::Agency& m) { *m.mutable_licence_expiry() = MakeDate(2027, 0, 1); }},
        {"April31", "agency.licence_expiry.day",
         [](v1::Agency& m) { *m.mutable_licence_expiry() = MakeDate(2027, 4, 31); }},
        {"DayZero", "agency.licence_expiry.day",
         [](v1::Agency& m) { *m.mutable_licence_expiry() = MakeDate(2027, 4, 0); }},
        {"NegativeDay", "agency.licence_expiry.day",
         [](v1::Agency& m) { *m.mutable_licence_expiry() = MakeDate(2027, 4, -1); }},
    }),
    RowName<v1::Agency>);

// ================================================================ Employer

using EmployerRow = Row<v1::Employer>;
class EmployerValidationTableTest : public ::testing::TestWithParam<EmployerRow> {};

TEST(EmployerValidationTest, ValidEmployerPasses) {
  absl::Status status = TestValidator().ValidateEmployer(testing::ValidEmployer());
  EXPECT_TRUE(status.ok()) << status;
}

TEST(EmployerValidationTest, RegionIsOptional) {
  v1::Employer e = testing::ValidEmployer();
  e.clear_region();
  EXPECT_TRUE(TestValidator().ValidateEmployer(e).ok());
}

TEST_P(EmployerValidationTableTest, RejectsAtFieldPath) {
  v1::Employer e = testing::ValidEmployer();
  GetParam().mutate(e);
  EXPECT_TRUE(IsInvalidAt(TestValidator().ValidateEmployer(e), GetParam().path));
}

INSTANTIATE_TEST_SUITE_P(
    BadInputs, EmployerValidationTableTest,
    ::testing::ValuesIn(std::vector<EmployerRow>{
        {"EmptyDisplayName", "employer.display_name",
         [](v1::Employer& m) { m.clear_display_name(); }},
        {"MebibyteDisplayName", "employer.display_name",
         [](v1::Employer& m) { m.set_display_name(OneMebibyte()); }},
        {"OverlongUtf8DisplayName", "employer.display_name",
         [](v1::Employer& m) { m.set_display_name(kOverlongSlash); }},
        {"LowercaseCountry", "employer.country", [](v1::Employer& m) { m.set_country("de"); }},
        {"Alpha3Country", "employer.country", [](v1::Employer& m) { m.set_country("DEU"); }},
        {"UkIsNotACode", "employer.country", [](v1::Employer& m) { m.set_country("UK"); }},
        {"ZzIsNotACode", "employer.country", [](v1::Employer& m) { m.set_country("ZZ"); }},
        {"MissingCountry", "employer.country", [](v1::Employer& m) { m.clear_country(); }},
        {"LongRegion", "employer.region",
         [](v1::Employer& m) { m.set_region(std::string(129, 'r')); }},
        {"RloRegion", "employer.region",
         [](v1::Employer& m) { m.set_region(kRightToLeftOverride); }},
        {"EmptySector", "employer.sector", [](v1::Employer& m) { m.clear_sector(); }},
        {"LongSector", "employer.sector",
         [](v1::Employer& m) { m.set_sector(std::string(129, 's')); }},
        {"SurrogateInSector", "employer.sector", [](v1::Employer& m) { m.set_sector(kSurrogate); }},
        {"UnsetStanding", "employer.standing",
         [](v1::Employer& m) { m.set_standing(v1::EMPLOYER_STANDING_UNSPECIFIED); }},
        {"UnknownStanding", "employer.standing",
         [](v1::Employer& m) { m.set_standing(static_cast<v1::EmployerStanding>(3)); }},
    }),
    RowName<v1::Employer>);

// ================================================================ Candidate

using CandidateRow = Row<v1::Candidate>;
class CandidateValidationTableTest : public ::testing::TestWithParam<CandidateRow> {};

TEST(CandidateValidationTest, ValidCandidatePasses) {
  absl::Status status = TestValidator().ValidateCandidate(testing::ValidCandidate());
  EXPECT_TRUE(status.ok()) << status;
}

TEST(CandidateValidationTest, MinimalCandidatePasses) {
  v1::Candidate c = testing::ValidCandidate();
  c.clear_agency();  // Filled in by the server for agency callers.
  c.clear_contact();
  c.clear_origin_region();
  c.clear_gender();
  c.mutable_occupations()->DeleteSubrange(1, 1);
  c.clear_skills();
  c.clear_languages();
  c.clear_credentials();
  c.clear_licences();
  c.clear_preferences();
  c.clear_consent();
  c.clear_history();
  absl::Status status = TestValidator().ValidateCandidate(c);
  EXPECT_TRUE(status.ok()) << status;
}

TEST(CandidateValidationTest, AgeBoundsAreInclusive) {
  v1::Candidate c = testing::ValidCandidate();
  c.set_birth_year(testing::kTestYear - 18);
  EXPECT_TRUE(TestValidator().ValidateCandidate(c).ok());
  c.set_birth_year(testing::kTestYear - 75);
  EXPECT_TRUE(TestValidator().ValidateCandidate(c).ok());
}

TEST(CandidateValidationTest, ResidenceMayDifferFromNationality) {
  v1::Candidate c = testing::ValidCandidate();
  c.set_residence_country("EC");
  c.mutable_languages(0)->set_language_code("fil");  // An ISO 639-3 code.
  EXPECT_TRUE(TestValidator().ValidateCandidate(c).ok());
}

TEST(CandidateValidationTest, ConsentWithdrawnAfterGivenPasses) {
  v1::Candidate c = testing::ValidCandidate();
  c.mutable_consent()->mutable_withdrawn_time()->set_seconds(1736500001);
  EXPECT_TRUE(TestValidator().ValidateCandidate(c).ok());
}

// CPU time of the calling thread: other processes on a shared machine cannot
// inflate it (wall-clock bounds failed under load). Reading a million items
// costs tens of milliseconds of it; rejecting them unread, microseconds.
absl::Duration ThreadCpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return absl::DurationFromTimespec(ts);
}

TEST(CandidateValidationTest, MillionSkillsAreRejectedBeforeBeingRead) {
  v1::Candidate c = testing::ValidCandidate();
  c.mutable_skills()->Reserve(1'000'000);
  for (int i = 0; i < 1'000'000; ++i) c.add_skills();
  const Validator& validator = TestValidator();  // built outside the timing
  const absl::Duration start = ThreadCpu();
  absl::Status status = validator.ValidateCandidate(c);
  const absl::Duration took = ThreadCpu() - start;
  EXPECT_TRUE(IsInvalidAt(status, "candidate.skills"));
  EXPECT_LT(took, absl::Milliseconds(20));
}

TEST_P(CandidateValidationTableTest, RejectsAtFieldPath) {
  v1::Candidate c = testing::ValidCandidate();
  GetParam().mutate(c);
  EXPECT_TRUE(IsInvalidAt(TestValidator().ValidateCandidate(c), GetParam().path));
}

INSTANTIATE_TEST_SUITE_P(
    BadInputs, CandidateValidationTableTest,
    ::testing::ValuesIn(std::vector<CandidateRow>{
        // Owning agency.
        {"MalformedAgency", "candidate.agency",
         [](v1::Candidate& m) { m.set_agency("agency/sena"); }},
        {"AgencyWithUppercaseId", "candidate.agency",
         [](v1::Candidate& m) { m.set_agency("agencies/SENA"); }},
        // Free text.
        {"EmptyDisplayName", "candidate.display_name",
         [](v1::Candidate& m) { m.clear_display_name(); }},
        {"MebibyteDisplayName", "candidate.display_name",
         [](v1::Candidate& m) { m.set_display_name(OneMebibyte()); }},
        {"NulDisplayName", "candidate.display_name",
         [](v1::Candidate& m) { m.set_display_name(kNul); }},
        {"InvalidUtf8DisplayName", "candidate.display_name",
         [](v1::Candidate& m) { m.set_display_name(kTruncatedUtf8); }},
        {"RloDisplayName", "candidate.display_name",
         [](v1::Candidate& m) { m.set_display_name(kRightToLeftOverride); }},
        {"IsolateInDisplayName", "candidate.display_name",
         [](v1::Candidate& m) { m.set_display_name(kFirstStrongIsolate); }},
        {"LongContact", "candidate.contact",
         [](v1::Candidate& m) { m.set_contact(std::string(257, 'c')); }},
        {"AboveUnicodeContact", "candidate.contact",
         [](v1::Candidate& m) { m.set_contact(kAboveUnicode); }},
        {"LongOriginRegion", "candidate.origin_region",
         [](v1::Candidate& m) { m.set_origin_region(std::string(129, 'o')); }},
        // Countries.
        {"MissingNationality", "candidate.nationality",
         [](v1::Candidate& m) { m.clear_nationality(); }},
        {"LowercaseNationality", "candidate.nationality",
         [](v1::Candidate& m) { m.set_nationality("co"); }},
        {"Alpha3Nationality", "candidate.nationality",
         [](v1::Candidate& m) { m.set_nationality("COL"); }},
        {"UkNationality", "candidate.nationality", [](v1::Candidate& m) { m.set_nationality("UK"); }},
        {"ZzNationality", "candidate.nationality", [](v1::Candidate& m) { m.set_nationality("ZZ"); }},
        {"MissingResidence", "candidate.residence_country",
         [](v1::Candidate& m) { m.clear_residence_country(); }},
        {"LowercaseResidence", "candidate.residence_country",
         [](v1::Candidate& m) { m.set_residence_country("es"); }},
        // Age.
        {"MissingBirthYear", "candidate.birth_year", [](v1::Candidate& m) { m.clear_birth_year(); }},
        {"BornInTheFuture", "candidate.birth_year",
         [](v1::Candidate& m) { m.set_birth_year(testing::kTestYear + 1); }},
        {"Under18", "candidate.birth_year",
         [](v1::Candidate& m) { m.set_birth_year(testing::kTestYear - 17); }},
        {"Over75", "candidate.birth_year",
         [](v1::Candidate& m) { m.set_birth_year(testing::kTestYear - 76); }},
        {"BirthYearIntMin", "candidate.birth_year",
         [](v1::Candidate& m) { m.set_birth_year(std::numeric_limits<int32_t>::min()); }},
        {"BirthYearIntMax", "candidate.birth_year",
         [](v1::Candidate& m) { m.set_birth_year(std::numeric_limits<int32_t>::max()); }},
        {"NegativeBirthYear", "candidate.birth_year",
         [](v1::Candidate& m) { m.set_birth_year(-1); }},
        {"UnknownGender", "candidate.gender",
         [](v1::Candidate& m) { m.set_gender(static_cast<v1::Gender>(9)); }},
        // Occupations.
        {"NoOccupations", "candidate.occupations", [](v1::Candidate& m) { m.clear_occupations(); }},
        {"TwentyOneOccupations", "candidate.occupations",
         [](v1::Candidate& m) {
           m.clear_occupations();
           for (int i = 0; i < 21; ++i) m.add_occupations()->set_isco_code("6111");
         }},
        {"EmptyIscoCode", "candidate.occupations[0].isco_code",
         [](v1::Candidate& m) { m.mutable_occupations(0)->clear_isco_code(); }},
        {"ThreeDigitIscoCode", "candidate.occupations[0].isco_code",
         [](v1::Candidate& m) { m.mutable_occupations(0)->set_isco_code("611"); }},
        {"FiveDigitIscoCode", "candidate.occupations[1].isco_code",
         [](v1::Candidate& m) { m.mutable_occupations(1)->set_isco_code("61111"); }},
        {"UnknownIscoCode", "candidate.occupations[0].isco_code",
         [](v1::Candidate& m) { m.mutable_occupations(0)->set_isco_code("6119"); }},
        {"LetterInIscoCode", "candidate.occupations[0].isco_code",
         [](v1::Candidate& m) { m.mutable_occupations(0)->set_isco_code("61a1"); }},
        {"ArabicIndicDigitsIscoCode", "candidate.occupations[0].isco_code",
         [](v1::Candidate& m) {
           m.mutable_occupations(0)->set_isco_code("\xD9\xA6\xD9\xA1\xD9\xA1\xD9\xA1");
         }},
        {"EscoOccupationTooLong", "candidate.occupations[1].esco_occupation",
         [](v1::Candidate& m) { m.mutable_occupations(1)->set_esco_occupation(std::string(65, 'a')); }},
        {"EscoOccupationHomoglyph", "candidate.occupations[1].esco_occupation",
         [](v1::Candidate& m) {
           m.mutable_occupations(1)->set_esco_occupation("0a1b2c3d-\xD0\xB0");
         }},
        {"NegativeExperience", "candidate.occupations[0].experience_years",
         [](v1::Candidate& m) { m.mutable_occupations(0)->set_experience_years(-1); }},
        {"SixtyOneYearsExperience", "candidate.occupations[0].experience_years",
         [](v1::Candidate& m) { m.mutable_occupations(0)->set_experience_years(61); }},
        {"DuplicateOccupation", "candidate.occupations[1]",
         [](v1::Candidate& m) { *m.mutable_occupations(1) = m.occupations(0); }},
        // Skills.
        {"TwoHundredOneSkills", "candidate.skills",
         [](v1::Candidate& m) {
           for (int i = 0; i < 199; ++i) m.add_skills();
         }},
        {"SkillListedTwice", "candidate.skills[1].skill_id",
         [](v1::Candidate& m) { m.mutable_skills(1)->set_skill_id("S6.4.3"); }},
        {"EmptySkillId", "candidate.skills[0].skill_id",
         [](v1::Candidate& m) { m.mutable_skills(0)->clear_skill_id(); }},
        {"LongSkillId", "candidate.skills[0].skill_id",
         [](v1::Candidate& m) { m.mutable_skills(0)->set_skill_id(std::string(65, 'S')); }},
        {"HomoglyphSkillId", "candidate.skills[0].skill_id",
         [](v1::Candidate& m) { m.mutable_skills(0)->set_skill_id(kCyrillicSkill); }},
        {"SpaceInSkillId", "candidate.skills[0].skill_id",
         [](v1::Candidate& m) { m.mutable_skills(0)->set_skill_id("S6 4"); }},
        {"SkillLevelZero", "candidate.skills[0].level",
         [](v1::Candidate& m) { m.mutable_skills(0)->set_level(0); }},
        {"SkillLevelFive", "candidate.skills[1].level",
         [](v1::Candidate& m) { m.mutable_skills(1)->set_level(5); }},
        {"SkillWithoutEvidence", "candidate.skills[0].evidence",
         [](v1::Candidate& m) { m.mutable_skills(0)->clear_evidence(); }},
        {"SkillUnknownEvidence", "candidate.skills[0].evidence",
         [](v1::Candidate& m) { m.mutable_skills(0)->set_evidence(static_cast<v1::Evidence>(4)); }},
        // Languages.
        {"TwentyOneLanguages", "candidate.languages",
         [](v1::Candidate& m) {
           for (int i = 0; i < 19; ++i) m.add_languages();
         }},
        {"LanguageListedTwice", "candidate.languages[1].language_code",
         [](v1::Candidate& m) { m.mutable_languages(1)->set_language_code("es"); }},
        {"UppercaseLanguage", "candidate.languages[0].language_code",
         [](v1::Candidate& m) { m.mutable_languages(0)->set_language_code("ES"); }},
        {"UnknownLanguage", "candidate.languages[0].language_code",
         [](v1::Candidate& m) { m.mutable_languages(0)->set_language_code("qqq"); }},
        {"EmptyLanguage", "candidate.languages[0].language_code",
         [](v1::Candidate& m) { m.mutable_languages(0)->clear_language_code(); }},
        {"LanguageWithoutLevel", "candidate.languages[1].level",
         [](v1::Candidate& m) { m.mutable_languages(1)->clear_level(); }},
        {"LanguageLevelOutOfRange", "candidate.languages[1].level",
         [](v1::Candidate& m) { m.mutable_languages(1)->set_level(static_cast<v1::CefrLevel>(7)); }},
        {"LanguageWithoutEvidence", "candidate.languages[0].evidence",
         [](v1::Candidate& m) { m.mutable_languages(0)->clear_evidence(); }},
        // Education.
        {"MissingEducation", "candidate.education", [](v1::Candidate& m) { m.clear_education(); }},
        {"UnknownEducation", "candidate.education",
         [](v1::Candidate& m) { m.set_education(static_cast<v1::IscedLevel>(10)); }},
        // Credentials.
        {"TwentyOneCredentials", "candidate.credentials",
         [](v1::Candidate& m) {
           for (int i = 0; i < 20; ++i) *m.add_credentials() = m.credentials(0);
         }},
        {"EmptyCredentialKind", "candidate.credentials[0].kind",
         [](v1::Candidate& m) { m.mutable_credentials(0)->clear_kind(); }},
        {"UppercaseCredentialKind", "candidate.credentials[0].kind",
         [](v1::Candidate& m) { m.mutable_credentials(0)->set_kind("Nursing_Diploma"); }},
        {"HomoglyphCredentialKind", "candidate.credentials[0].kind",
         [](v1::Candidate& m) { m.mutable_credentials(0)->set_kind(kCyrillicKind); }},
        {"LongCredentialKind", "candidate.credentials[0].kind",
         [](v1::Candidate& m) { m.mutable_credentials(0)->set_kind(std::string(65, 'k')); }},
        {"CredentialIssuerUk", "candidate.credentials[0].issuing_country",
         [](v1::Candidate& m) { m.mutable_credentials(0)->set_issuing_country("UK"); }},
        {"CredentialWithoutIssuer", "candidate.credentials[0].issuing_country",
         [](v1::Candidate& m) { m.mutable_credentials(0)->clear_issuing_country(); }},
        {"RecognisedInTwice", "candidate.credentials[0].recognised_in[1]",
         [](v1::Candidate& m) { m.mutable_credentials(0)->add_recognised_in("ES"); }},
        {"RecognisedInLowercase", "candidate.credentials[0].recognised_in[0]",
         [](v1::Candidate& m) { m.mutable_credentials(0)->set_recognised_in(0, "es"); }},
        {"RecognisedInFiftyOne", "candidate.credentials[0].recognised_in",
         [](v1::Candidate& m) {
           for (int i = 0; i < 50; ++i) m.mutable_credentials(0)->add_recognised_in("FR");
         }},
        // Licences.
        {"LicenceProfessionWithSpace", "candidate.licences[0].profession",
         [](v1::Candidate& m) { m.mutable_licences(0)->set_profession("registered nurse"); }},
        {"LicenceWithoutProfession", "candidate.licences[0].profession",
         [](v1::Candidate& m) { m.mutable_licences(0)->clear_profession(); }},
        {"LicenceIssuerAlpha3", "candidate.licences[0].issuing_country",
         [](v1::Candidate& m) { m.mutable_licences(0)->set_issuing_country("COL"); }},
        {"LicenceValidUntilFeb29", "candidate.licences[0].valid_until.day",
         [](v1::Candidate& m) { *m.mutable_licences(0)->mutable_valid_until() = MakeDate(2027, 2, 29); }},
        {"LicenceValidUntilYearZero", "candidate.licences[0].valid_until.year",
         [](v1::Candidate& m) { *m.mutable_licences(0)->mutable_valid_until() = MakeDate(0, 1, 31); }},
        {"TwentyOneLicences", "candidate.licences",
         [](v1::Candidate& m) {
           for (int i = 0; i < 20; ++i) *m.add_licences() = m.licences(0);
         }},
        // Availability.
        {"MissingAvailability", "candidate.availability",
         [](v1::Candidate& m) { m.clear_availability(); }},
        {"AvailabilityEndsBeforeStart", "candidate.availability.end",
         [](v1::Candidate& m) { *m.mutable_availability() = MakeRange(2026, 6, 30, 2025, 9, 1); }},
        {"AvailabilityWithoutEnd", "candidate.availability.end",
         [](v1::Candidate& m) { m.mutable_availability()->clear_end(); }},
        {"AvailabilityStartsFeb29NonLeap", "candidate.availability.start.day",
         [](v1::Candidate& m) { *m.mutable_availability()->mutable_start() = MakeDate(2026, 2, 29); }},
        {"AvailabilityStartYearZero", "candidate.availability.start.year",
         [](v1::Candidate& m) { *m.mutable_availability()->mutable_start() = MakeDate(0, 9, 1); }},
        // Preferences.
        {"PreferredDestinationUk", "candidate.preferences.destinations[0]",
         [](v1::Candidate& m) { m.mutable_preferences()->set_destinations(0, "UK"); }},
        {"PreferredDestinationTwice", "candidate.preferences.destinations[1]",
         [](v1::Candidate& m) { m.mutable_preferences()->add_destinations("ES"); }},
        {"FiftyOnePreferredDestinations", "candidate.preferences.destinations",
         [](v1::Candidate& m) {
           for (int i = 0; i < 50; ++i) m.mutable_preferences()->add_destinations("IT");
         }},
        {"PreferredSchemeUnspecified", "candidate.preferences.schemes[2]",
         [](v1::Candidate& m) { m.mutable_preferences()->add_schemes(v1::SCHEME_UNSPECIFIED); }},
        {"PreferredSchemeOutOfRange", "candidate.preferences.schemes[2]",
         [](v1::Candidate& m) { m.mutable_preferences()->add_schemes(static_cast<v1::Scheme>(99)); }},
        {"PreferredSchemeTwice", "candidate.preferences.schemes[2]",
         [](v1::Candidate& m) { m.mutable_preferences()->add_schemes(v1::SCHEME_SEASONAL); }},
        {"SevenPreferredSchemes", "candidate.preferences.schemes",
         [](v1::Candidate& m) {
           for (int i = 0; i < 5; ++i) m.mutable_preferences()->add_schemes(v1::SCHEME_TRAINEE);
         }},
        {"PreferredIscoEmpty", "candidate.preferences.isco_codes[2]",
         [](v1::Candidate& m) { m.mutable_preferences()->add_isco_codes(""); }},
        {"PreferredIscoFiveDigits", "candidate.preferences.isco_codes[0]",
         [](v1::Candidate& m) { m.mutable_preferences()->set_isco_codes(0, "61111"); }},
        {"PreferredIscoUnknown", "candidate.preferences.isco_codes[0]",
         [](v1::Candidate& m) { m.mutable_preferences()->set_isco_codes(0, "9999"); }},
        {"PreferredIscoTwice", "candidate.preferences.isco_codes[2]",
         [](v1::Candidate& m) { m.mutable_preferences()->add_isco_codes("61"); }},
        // Consent.
        {"WithdrawnBeforeGiven", "candidate.consent.withdrawn_time",
         [](v1::Candidate& m) { m.mutable_consent()->mutable_withdrawn_time()->set_seconds(1); }},
        {"WithdrawnWithoutGiven", "candidate.consent.withdrawn_time",
         [](v1::Candidate& m) {
           m.mutable_consent()->clear_given_time();
           m.mutable_consent()->mutable_withdrawn_time()->set_seconds(1736500000);
         }},
        {"GivenTimeNegativeNanos", "candidate.consent.given_time",
         [](v1::Candidate& m) { m.mutable_consent()->mutable_given_time()->set_nanos(-1); }},
        {"GivenTimeBeyondYear9999", "candidate.consent.given_time",
         [](v1::Candidate& m) {
           m.mutable_consent()->mutable_given_time()->set_seconds(std::numeric_limits<int64_t>::max());
         }},
        // History.
        {"HistoryMalformedAgreement", "candidate.history[0].agreement",
         [](v1::Candidate& m) { m.mutable_history(0)->set_agreement("es-co"); }},
        {"HistoryWithoutScheme", "candidate.history[0].scheme",
         [](v1::Candidate& m) { m.mutable_history(0)->clear_scheme(); }},
        {"HistoryWithoutDestination", "candidate.history[0].destination",
         [](v1::Candidate& m) { m.mutable_history(0)->clear_destination(); }},
        {"HistoryStayEndsBeforeStart", "candidate.history[0].stay.end",
         [](v1::Candidate& m) { *m.mutable_history(0)->mutable_stay() = MakeRange(2023, 6, 30, 2023, 2, 1); }},
        {"HistoryWithoutReturnOutcome", "candidate.history[0].return_outcome",
         [](v1::Candidate& m) { m.mutable_history(0)->clear_return_outcome(); }},
        {"FiftyOneStays", "candidate.history",
         [](v1::Candidate& m) {
           for (int i = 0; i < 50; ++i) *m.add_history() = m.history(0);
         }},
    }),
    RowName<v1::Candidate>);

// ================================================================ Vacancy

using VacancyRow = Row<v1::Vacancy>;
class VacancyValidationTableTest : public ::testing::TestWithParam<VacancyRow> {};

TEST(VacancyValidationTest, ValidVacancyPasses) {
  absl::Status status = TestValidator().ValidateVacancy(testing::ValidVacancy());
  EXPECT_TRUE(status.ok()) << status;
}

TEST(VacancyValidationTest, FreeHousingAndBoundsPass) {
  v1::Vacancy v = testing::ValidVacancy();
  v.mutable_housing()->clear_monthly_cost();
  v.set_positions(100'000);
  v.mutable_wage()->mutable_amount()->set_amount_minor(1'000'000'000'000);
  v.clear_eligible_origins();  // Any origin an agreement covers.
  v.clear_employer();
  v.clear_destination();
  v.clear_state();
  *v.mutable_window() = MakeRange(2026, 2, 1, 2026, 2, 1);
  absl::Status status = TestValidator().ValidateVacancy(v);
  EXPECT_TRUE(status.ok()) << status;
}

TEST(VacancyValidationTest, MillionEligibleOriginsAreRejectedBeforeBeingRead) {
  v1::Vacancy v = testing::ValidVacancy();
  v.mutable_eligible_origins()->Reserve(1'000'000);
  for (int i = 0; i < 1'000'000; ++i) v.add_eligible_origins("MA");
  const Validator& validator = TestValidator();  // built outside the timing
  const absl::Duration start = ThreadCpu();
  absl::Status status = validator.ValidateVacancy(v);
  const absl::Duration took = ThreadCpu() - start;
  EXPECT_TRUE(IsInvalidAt(status, "vacancy.eligible_origins"));
  EXPECT_LT(took, absl::Milliseconds(20));
}

TEST_P(VacancyValidationTableTest, RejectsAtFieldPath) {
  v1::Vacancy v = testing::ValidVacancy();
  GetParam().mutate(v);
  EXPECT_TRUE(IsInvalidAt(TestValidator().ValidateVacancy(v), GetParam().path));
}

INSTANTIATE_TEST_SUITE_P(
    BadInputs, VacancyValidationTableTest,
    ::testing::ValuesIn(std::vector<VacancyRow>{
        {"MalformedEmployer", "vacancy.employer",
         [](v1::Vacancy& m) { m.set_employer("employers/"); }},
        {"EmptyTitle", "vacancy.title", [](v1::Vacancy& m) { m.clear_title(); }},
        {"MebibyteTitle", "vacancy.title", [](v1::Vacancy& m) { m.set_title(OneMebibyte()); }},
        {"NulTitle", "vacancy.title", [](v1::Vacancy& m) { m.set_title(kNul); }},
        {"RloTitle", "vacancy.title", [](v1::Vacancy& m) { m.set_title(kRightToLeftOverride); }},
        {"InvalidUtf8Title", "vacancy.title", [](v1::Vacancy& m) { m.set_title(kInvalidUtf8); }},
        {"LowercaseDestination", "vacancy.destination",
         [](v1::Vacancy& m) { m.set_destination("es"); }},
        {"Alpha3Destination", "vacancy.destination",
         [](v1::Vacancy& m) { m.set_destination("ESP"); }},
        {"LongRegion", "vacancy.region", [](v1::Vacancy& m) { m.set_region(std::string(129, 'h')); }},
        // Occupation.
        {"EmptyIsco", "vacancy.isco_code", [](v1::Vacancy& m) { m.clear_isco_code(); }},
        {"ShortIsco", "vacancy.isco_code", [](v1::Vacancy& m) { m.set_isco_code("921"); }},
        {"LongIsco", "vacancy.isco_code", [](v1::Vacancy& m) { m.set_isco_code("92111"); }},
        {"UnknownIsco", "vacancy.isco_code", [](v1::Vacancy& m) { m.set_isco_code("9999"); }},
        {"ZeroIsco", "vacancy.isco_code", [](v1::Vacancy& m) { m.set_isco_code("0000"); }},
        {"NonDigitIsco", "vacancy.isco_code", [](v1::Vacancy& m) { m.set_isco_code("92-1"); }},
        {"EscoOccupationHomoglyph", "vacancy.esco_occupation",
         [](v1::Vacancy& m) { m.set_esco_occupation("\xD0\xB0" "bc"); }},
        {"UnsetScheme", "vacancy.scheme", [](v1::Vacancy& m) { m.clear_scheme(); }},
        {"UnknownScheme", "vacancy.scheme",
         [](v1::Vacancy& m) { m.set_scheme(static_cast<v1::Scheme>(7)); }},
        // Counts.
        {"ZeroPositions", "vacancy.positions", [](v1::Vacancy& m) { m.set_positions(0); }},
        {"NegativePositions", "vacancy.positions", [](v1::Vacancy& m) { m.set_positions(-1); }},
        {"TooManyPositions", "vacancy.positions", [](v1::Vacancy& m) { m.set_positions(100'001); }},
        {"IntMaxPositions", "vacancy.positions",
         [](v1::Vacancy& m) { m.set_positions(std::numeric_limits<int32_t>::max()); }},
        // Window.
        {"MissingWindow", "vacancy.window", [](v1::Vacancy& m) { m.clear_window(); }},
        {"WindowEndsBeforeStart", "vacancy.window.end",
         [](v1::Vacancy& m) { *m.mutable_window() = MakeRange(2026, 6, 15, 2026, 2, 1); }},
        {"WindowStartsFeb29NonLeap", "vacancy.window.start.day",
         [](v1::Vacancy& m) { *m.mutable_window()->mutable_start() = MakeDate(2026, 2, 29); }},
        {"WindowYearZero", "vacancy.window.end.year",
         [](v1::Vacancy& m) { *m.mutable_window()->mutable_end() = MakeDate(0, 6, 15); }},
        // Required skills.
        {"HundredOneRequiredSkills", "vacancy.required_skills",
         [](v1::Vacancy& m) {
           for (int i = 0; i < 99; ++i) m.add_required_skills();
         }},
        {"RequiredSkillTwice", "vacancy.required_skills[1].skill_id",
         [](v1::Vacancy& m) { m.mutable_required_skills(1)->set_skill_id("S6.4.3"); }},
        {"RequiredSkillHomoglyph", "vacancy.required_skills[0].skill_id",
         [](v1::Vacancy& m) { m.mutable_required_skills(0)->set_skill_id(kCyrillicSkill); }},
        {"RequiredSkillLevelZero", "vacancy.required_skills[0].min_level",
         [](v1::Vacancy& m) { m.mutable_required_skills(0)->set_min_level(0); }},
        {"RequiredSkillLevelFive", "vacancy.required_skills[0].min_level",
         [](v1::Vacancy& m) { m.mutable_required_skills(0)->set_min_level(5); }},
        {"RequiredSkillWeightZero", "vacancy.required_skills[1].weight",
         [](v1::Vacancy& m) { m.mutable_required_skills(1)->set_weight(0); }},
        {"RequiredSkillWeight101", "vacancy.required_skills[1].weight",
         [](v1::Vacancy& m) { m.mutable_required_skills(1)->set_weight(101); }},
        // Required languages.
        {"ElevenRequiredLanguages", "vacancy.required_languages",
         [](v1::Vacancy& m) {
           for (int i = 0; i < 10; ++i) m.add_required_languages();
         }},
        {"RequiredLanguageTwice", "vacancy.required_languages[1].language_code",
         [](v1::Vacancy& m) { *m.add_required_languages() = m.required_languages(0); }},
        {"RequiredLanguageUppercase", "vacancy.required_languages[0].language_code",
         [](v1::Vacancy& m) { m.mutable_required_languages(0)->set_language_code("EN"); }},
        {"RequiredLanguageWithoutLevel", "vacancy.required_languages[0].min_level",
         [](v1::Vacancy& m) { m.mutable_required_languages(0)->clear_min_level(); }},
        // Experience, education, credentials, licence.
        {"NegativeMinExperience", "vacancy.min_experience_years",
         [](v1::Vacancy& m) { m.set_min_experience_years(-1); }},
        {"MinExperience41", "vacancy.min_experience_years",
         [](v1::Vacancy& m) { m.set_min_experience_years(41); }},
        {"UnknownMinEducation", "vacancy.min_education",
         [](v1::Vacancy& m) { m.set_min_education(static_cast<v1::IscedLevel>(-3)); }},
        {"ElevenRequiredCredentials", "vacancy.required_credentials",
         [](v1::Vacancy& m) {
           for (int i = 0; i < 10; ++i) m.add_required_credentials(absl::StrCat("kind_", i));
         }},
        {"RequiredCredentialTwice", "vacancy.required_credentials[1]",
         [](v1::Vacancy& m) { m.add_required_credentials("phytosanitary_handling"); }},
        {"RequiredCredentialHomoglyph", "vacancy.required_credentials[0]",
         [](v1::Vacancy& m) { m.set_required_credentials(0, kCyrillicKind); }},
        {"RequiredLicenceUppercase", "vacancy.required_licence",
         [](v1::Vacancy& m) { m.set_required_licence("Nurse"); }},
        // Origins.
        {"EligibleOriginUk", "vacancy.eligible_origins[0]",
         [](v1::Vacancy& m) { m.set_eligible_origins(0, "UK"); }},
        {"EligibleOriginZz", "vacancy.eligible_origins[1]",
         [](v1::Vacancy& m) { m.set_eligible_origins(1, "ZZ"); }},
        {"EligibleOriginTwice", "vacancy.eligible_origins[2]",
         [](v1::Vacancy& m) { m.add_eligible_origins("MA"); }},
        {"OriginEqualsDestination", "vacancy.eligible_origins[2]",
         [](v1::Vacancy& m) { m.add_eligible_origins("ES"); }},
        {"FiftyOneEligibleOrigins", "vacancy.eligible_origins",
         [](v1::Vacancy& m) {
           for (int i = 0; i < 49; ++i) m.add_eligible_origins("SN");
         }},
        // Score weights.
        {"VacancyNegativeWeight", "vacancy.score_weights.language_margin",
         [](v1::Vacancy& m) { m.mutable_score_weights()->set_language_margin(-1); }},
        {"VacancyWeight101", "vacancy.score_weights.skill_coverage",
         [](v1::Vacancy& m) { m.mutable_score_weights()->set_skill_coverage(101); }},
        // Decent-work terms.
        {"MissingWage", "vacancy.wage", [](v1::Vacancy& m) { m.clear_wage(); }},
        {"MissingWageAmount", "vacancy.wage.amount",
         [](v1::Vacancy& m) { m.mutable_wage()->clear_amount(); }},
        {"LowercaseCurrency", "vacancy.wage.amount.currency_code",
         [](v1::Vacancy& m) { m.mutable_wage()->mutable_amount()->set_currency_code("eur"); }},
        {"UnknownCurrency", "vacancy.wage.amount.currency_code",
         [](v1::Vacancy& m) { m.mutable_wage()->mutable_amount()->set_currency_code("XYZ"); }},
        {"EmptyCurrency", "vacancy.wage.amount.currency_code",
         [](v1::Vacancy& m) { m.mutable_wage()->mutable_amount()->clear_currency_code(); }},
        {"ZeroWage", "vacancy.wage.amount.amount_minor",
         [](v1::Vacancy& m) { m.mutable_wage()->mutable_amount()->set_amount_minor(0); }},
        {"NegativeWage", "vacancy.wage.amount.amount_minor",
         [](v1::Vacancy& m) { m.mutable_wage()->mutable_amount()->set_amount_minor(-1); }},
        {"WageOverTenToTheTwelve", "vacancy.wage.amount.amount_minor",
         [](v1::Vacancy& m) {
           m.mutable_wage()->mutable_amount()->set_amount_minor(1'000'000'000'001);
         }},
        {"Int64MaxWage", "vacancy.wage.amount.amount_minor",
         [](v1::Vacancy& m) {
           m.mutable_wage()->mutable_amount()->set_amount_minor(std::numeric_limits<int64_t>::max());
         }},
        {"WageWithoutPeriod", "vacancy.wage.period",
         [](v1::Vacancy& m) { m.mutable_wage()->clear_period(); }},
        {"WageUnknownPeriod", "vacancy.wage.period",
         [](v1::Vacancy& m) { m.mutable_wage()->set_period(static_cast<v1::WagePeriod>(4)); }},
        {"MissingHousing", "vacancy.housing", [](v1::Vacancy& m) { m.clear_housing(); }},
        {"HousingWithoutDescription", "vacancy.housing.description",
         [](v1::Vacancy& m) { m.mutable_housing()->clear_description(); }},
        {"HousingDescription513Bytes", "vacancy.housing.description",
         [](v1::Vacancy& m) { m.mutable_housing()->set_description(std::string(513, 'd')); }},
        {"HousingDescriptionNul", "vacancy.housing.description",
         [](v1::Vacancy& m) { m.mutable_housing()->set_description(kNul); }},
        {"HousingInAnotherCurrency", "vacancy.housing.monthly_cost.currency_code",
         [](v1::Vacancy& m) { m.mutable_housing()->mutable_monthly_cost()->set_currency_code("USD"); }},
        {"HousingCostWithoutCurrency", "vacancy.housing.monthly_cost.currency_code",
         [](v1::Vacancy& m) { m.mutable_housing()->mutable_monthly_cost()->clear_currency_code(); }},
        {"NegativeHousingCost", "vacancy.housing.monthly_cost.amount_minor",
         [](v1::Vacancy& m) { m.mutable_housing()->mutable_monthly_cost()->set_amount_minor(-1); }},
        // Labour-market test and state.
        {"UnsetLabourMarketTest", "vacancy.labour_market_test",
         [](v1::Vacancy& m) { m.clear_labour_market_test(); }},
        {"UnknownLabourMarketTest", "vacancy.labour_market_test",
         [](v1::Vacancy& m) { m.set_labour_market_test(static_cast<v1::LabourMarketTest>(8)); }},
        {"UnknownState", "vacancy.state",
         [](v1::Vacancy& m) { m.set_state(static_cast<v1::VacancyState>(4)); }},
    }),
    RowName<v1::Vacancy>);

// ================================================================ Agreement

using AgreementRow = Row<v1::Agreement>;
class AgreementValidationTableTest : public ::testing::TestWithParam<AgreementRow> {};

TEST(AgreementValidationTest, ValidAgreementPasses) {
  absl::Status status = TestValidator().ValidateAgreement(testing::ValidAgreement());
  EXPECT_TRUE(status.ok()) << status;
}

TEST(AgreementValidationTest, MinimalAgreementPasses) {
  v1::Agreement a = testing::ValidAgreement();
  a.clear_expiry_date();
  a.clear_occupation_scope();  // All occupations.
  a.clear_protected_occupations();
  a.clear_reentry_policy();
  a.clear_origin_tiers();
  a.clear_score_weights();
  *a.mutable_in_force_from() = a.signed_date();
  absl::Status status = TestValidator().ValidateAgreement(a);
  EXPECT_TRUE(status.ok()) << status;
}

TEST(AgreementValidationTest, PooledOfferWithThirtyDestinationsPasses) {
  v1::Agreement a = testing::ValidAgreement();
  a.clear_destinations();
  for (const char* c : {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR",
                        "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
                        "PL", "PT", "RO", "SK", "SI", "ES", "SE", "NO", "IS", "CH"}) {
    a.add_destinations(c);
  }
  absl::Status status = TestValidator().ValidateAgreement(a);
  EXPECT_TRUE(status.ok()) << status;
}

TEST(AgreementValidationTest, MillionOriginsAreRejectedBeforeBeingRead) {
  v1::Agreement a = testing::ValidAgreement();
  a.mutable_origins()->Reserve(1'000'000);
  for (int i = 0; i < 1'000'000; ++i) a.add_origins("GH");
  const Validator& validator = TestValidator();  // built outside the timing
  const absl::Duration start = ThreadCpu();
  absl::Status status = validator.ValidateAgreement(a);
  const absl::Duration took = ThreadCpu() - start;
  EXPECT_TRUE(IsInvalidAt(status, "agreement.origins"));
  EXPECT_LT(took, absl::Milliseconds(20));
}

TEST_P(AgreementValidationTableTest, RejectsAtFieldPath) {
  v1::Agreement a = testing::ValidAgreement();
  GetParam().mutate(a);
  EXPECT_TRUE(IsInvalidAt(TestValidator().ValidateAgreement(a), GetParam().path));
}

INSTANTIATE_TEST_SUITE_P(
    BadInputs, AgreementValidationTableTest,
    ::testing::ValuesIn(std::vector<AgreementRow>{
        {"EmptyDisplayName", "agreement.display_name",
         [](v1::Agreement& m) { m.clear_display_name(); }},
        {"MebibyteDisplayName", "agreement.display_name",
         [](v1::Agreement& m) { m.set_display_name(OneMebibyte()); }},
        {"RloDisplayName", "agreement.display_name",
         [](v1::Agreement& m) { m.set_display_name(kRightToLeftOverride); }},
        {"UnsetKind", "agreement.kind", [](v1::Agreement& m) { m.clear_kind(); }},
        {"UnknownKind", "agreement.kind",
         [](v1::Agreement& m) { m.set_kind(static_cast<v1::AgreementKind>(4)); }},
        // Parties.
        {"NoDestinations", "agreement.destinations",
         [](v1::Agreement& m) { m.clear_destinations(); }},
        {"ThirtyOneDestinations", "agreement.destinations",
         [](v1::Agreement& m) {
           for (int i = 0; i < 30; ++i) m.add_destinations("IT");
         }},
        {"LowercaseDestination", "agreement.destinations[0]",
         [](v1::Agreement& m) { m.set_destinations(0, "es"); }},
        {"DestinationTwice", "agreement.destinations[1]",
         [](v1::Agreement& m) { m.add_destinations("ES"); }},
        {"NoOrigins", "agreement.origins", [](v1::Agreement& m) { m.clear_origins(); }},
        {"HundredOneOrigins", "agreement.origins",
         [](v1::Agreement& m) {
           for (int i = 0; i < 99; ++i) m.add_origins("GH");
         }},
        {"OriginUk", "agreement.origins[1]", [](v1::Agreement& m) { m.set_origins(1, "UK"); }},
        {"OriginZz", "agreement.origins[0]", [](v1::Agreement& m) { m.set_origins(0, "ZZ"); }},
        {"OriginAlpha3", "agreement.origins[0]", [](v1::Agreement& m) { m.set_origins(0, "COL"); }},
        {"OriginHomoglyph", "agreement.origins[2]",
         [](v1::Agreement& m) { m.add_origins(kCyrillicES); }},
        {"SameOriginTwice", "agreement.origins[2]", [](v1::Agreement& m) { m.add_origins("CO"); }},
        {"OriginEqualsDestination", "agreement.origins[2]",
         [](v1::Agreement& m) { m.add_origins("ES"); }},
        // Dates.
        {"MissingSignedDate", "agreement.signed_date",
         [](v1::Agreement& m) { m.clear_signed_date(); }},
        {"SignedFeb29NonLeap", "agreement.signed_date.day",
         [](v1::Agreement& m) { *m.mutable_signed_date() = MakeDate(2019, 2, 29); }},
        {"SignedYearZero", "agreement.signed_date.year",
         [](v1::Agreement& m) { *m.mutable_signed_date() = MakeDate(0, 5, 10); }},
        {"MissingInForceFrom", "agreement.in_force_from",
         [](v1::Agreement& m) { m.clear_in_force_from(); }},
        {"InForceBeforeSigned", "agreement.in_force_from",
         [](v1::Agreement& m) { *m.mutable_in_force_from() = MakeDate(2019, 5, 9); }},
        {"ExpiryEqualsInForceFrom", "agreement.expiry_date",
         [](v1::Agreement& m) { *m.mutable_expiry_date() = m.in_force_from(); }},
        {"ExpiryBeforeInForceFrom", "agreement.expiry_date",
         [](v1::Agreement& m) { *m.mutable_expiry_date() = MakeDate(2018, 1, 1); }},
        {"ExpiryFeb31", "agreement.expiry_date.day",
         [](v1::Agreement& m) { *m.mutable_expiry_date() = MakeDate(2029, 2, 31); }},
        {"ExpiryYear2201", "agreement.expiry_date.year",
         [](v1::Agreement& m) { *m.mutable_expiry_date() = MakeDate(2201, 1, 1); }},
        // Schemes.
        {"NoSchemes", "agreement.schemes", [](v1::Agreement& m) { m.clear_schemes(); }},
        {"SevenSchemes", "agreement.schemes",
         [](v1::Agreement& m) {
           for (int i = 0; i < 4; ++i) m.add_schemes(v1::SCHEME_PERMANENT);
         }},
        {"SchemeTwice", "agreement.schemes[3]",
         [](v1::Agreement& m) { m.add_schemes(v1::SCHEME_CIRCULAR); }},
        {"SchemeUnspecified", "agreement.schemes[3]",
         [](v1::Agreement& m) { m.add_schemes(v1::SCHEME_UNSPECIFIED); }},
        {"SchemeOutOfRange", "agreement.schemes[0]",
         [](v1::Agreement& m) { m.set_schemes(0, static_cast<v1::Scheme>(-5)); }},
        // Occupation scope.
        {"EmptyScopePrefix", "agreement.occupation_scope[4]",
         [](v1::Agreement& m) { m.add_occupation_scope(""); }},
        {"FiveDigitScopePrefix", "agreement.occupation_scope[0]",
         [](v1::Agreement& m) { m.set_occupation_scope(0, "61111"); }},
        {"UnknownScopePrefix", "agreement.occupation_scope[0]",
         [](v1::Agreement& m) { m.set_occupation_scope(0, "9999"); }},
        {"LetterInScopePrefix", "agreement.occupation_scope[0]",
         [](v1::Agreement& m) { m.set_occupation_scope(0, "6a"); }},
        {"ScopePrefixTwice", "agreement.occupation_scope[4]",
         [](v1::Agreement& m) { m.add_occupation_scope("92"); }},
        {"MillionScopePrefixes", "agreement.occupation_scope",
         [](v1::Agreement& m) {
           m.mutable_occupation_scope()->Reserve(1'000'000);
           for (int i = 0; i < 1'000'000; ++i) m.add_occupation_scope("6");
         }},
        // Protected occupations.
        {"ProtectedOriginNotAParty", "agreement.protected_occupations[0].origin",
         [](v1::Agreement& m) { m.mutable_protected_occupations(0)->set_origin("PH"); }},
        {"ProtectedOriginIsDestination", "agreement.protected_occupations[0].origin",
         [](v1::Agreement& m) { m.mutable_protected_occupations(0)->set_origin("ES"); }},
        {"ProtectedOriginLowercase", "agreement.protected_occupations[1].origin",
         [](v1::Agreement& m) { m.mutable_protected_occupations(1)->set_origin("co"); }},
        {"ProtectedWithoutIsco", "agreement.protected_occupations[0].isco_prefix",
         [](v1::Agreement& m) { m.mutable_protected_occupations(0)->clear_isco_prefix(); }},
        {"ProtectedUnknownIsco", "agreement.protected_occupations[0].isco_prefix",
         [](v1::Agreement& m) { m.mutable_protected_occupations(0)->set_isco_prefix("2229"); }},
        {"ProtectedWithoutMode", "agreement.protected_occupations[1].mode",
         [](v1::Agreement& m) { m.mutable_protected_occupations(1)->clear_mode(); }},
        {"ProtectedUnknownMode", "agreement.protected_occupations[1].mode",
         [](v1::Agreement& m) {
           m.mutable_protected_occupations(1)->set_mode(static_cast<v1::ProtectionMode>(4));
         }},
        {"SeparateCapWithoutCell", "agreement.protected_occupations[0].separate_cap_cell",
         [](v1::Agreement& m) { m.mutable_protected_occupations(0)->clear_separate_cap_cell(); }},
        {"CellWithoutSeparateCap", "agreement.protected_occupations[1].separate_cap_cell",
         [](v1::Agreement& m) { m.mutable_protected_occupations(1)->set_separate_cap_cell("x"); }},
        {"SeparateCapCellMalformed", "agreement.protected_occupations[0].separate_cap_cell",
         [](v1::Agreement& m) { m.mutable_protected_occupations(0)->set_separate_cap_cell("EC_Nurses"); }},
        {"ProtectedTwice", "agreement.protected_occupations[2]",
         [](v1::Agreement& m) { *m.add_protected_occupations() = m.protected_occupations(1); }},
        {"HundredOneProtected", "agreement.protected_occupations",
         [](v1::Agreement& m) {
           for (int i = 0; i < 99; ++i) m.add_protected_occupations();
         }},
        {"UnknownReentryPolicy", "agreement.reentry_policy",
         [](v1::Agreement& m) { m.set_reentry_policy(static_cast<v1::ReentryPolicy>(4)); }},
        // Origin tiers.
        {"TierZero", "agreement.origin_tiers[0].tier",
         [](v1::Agreement& m) { m.mutable_origin_tiers(0)->set_tier(0); }},
        {"TierEleven", "agreement.origin_tiers[1].tier",
         [](v1::Agreement& m) { m.mutable_origin_tiers(1)->set_tier(11); }},
        {"TierTwice", "agreement.origin_tiers[1].tier",
         [](v1::Agreement& m) { m.mutable_origin_tiers(1)->set_tier(1); }},
        {"TierWithoutOrigins", "agreement.origin_tiers[1].origins",
         [](v1::Agreement& m) { m.mutable_origin_tiers(1)->clear_origins(); }},
        {"TierOriginNotAParty", "agreement.origin_tiers[1].origins[0]",
         [](v1::Agreement& m) { m.mutable_origin_tiers(1)->set_origins(0, "GH"); }},
        {"TierOriginUk", "agreement.origin_tiers[0].origins[0]",
         [](v1::Agreement& m) { m.mutable_origin_tiers(0)->set_origins(0, "UK"); }},
        {"OriginInTwoTiers", "agreement.origin_tiers[1].origins[1]",
         [](v1::Agreement& m) { m.mutable_origin_tiers(1)->add_origins("CO"); }},
        {"ElevenTiers", "agreement.origin_tiers",
         [](v1::Agreement& m) {
           for (int i = 0; i < 9; ++i) m.add_origin_tiers()->set_tier(3 + i);
         }},
        // Score weights.
        {"NegativeWeight", "agreement.score_weights.experience",
         [](v1::Agreement& m) { m.mutable_score_weights()->set_experience(-1); }},
        {"Weight101", "agreement.score_weights.preference_fit",
         [](v1::Agreement& m) { m.mutable_score_weights()->set_preference_fit(101); }},
        {"WeightIntMax", "agreement.score_weights.skill_coverage",
         [](v1::Agreement& m) {
           m.mutable_score_weights()->set_skill_coverage(std::numeric_limits<int32_t>::max());
         }},
    }),
    RowName<v1::Agreement>);

}  // namespace
}  // namespace corridor::matcher
