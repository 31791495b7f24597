#include "matcher/validation.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/resource_name.h"
#include "common/status_macros.h"

namespace corridor::matcher {
namespace {

using google::protobuf::RepeatedPtrField;

// Limits stated in the proto comments. Strings default to 256 bytes.
constexpr size_t kMaxTextBytes = 256;
constexpr size_t kMaxRegionBytes = 128;
constexpr size_t kMaxSectorBytes = 128;
constexpr size_t kMaxLicenceNumberBytes = 64;
constexpr size_t kMaxHousingDescriptionBytes = 512;
constexpr size_t kMaxCodeBytes = 64;  // kind, profession, skill and ESCO ids.

constexpr int kMinYear = 1900;
constexpr int kMaxYear = 2200;
constexpr int kMinAge = 18;
constexpr int kMaxAge = 75;
constexpr int64_t kMaxAmountMinor = 1'000'000'000'000;  // 10^12.
constexpr int64_t kMaxCap = 10'000'000;

// Candidate.
constexpr int kMinOccupations = 1;
constexpr int kMaxOccupations = 20;
constexpr int kMaxCandidateSkills = 200;
constexpr int kMaxCandidateLanguages = 20;
constexpr int kMaxCredentials = 20;
constexpr int kMaxLicences = 20;
constexpr int kMaxRecognisedIn = 50;
constexpr int kMaxPreferredDestinations = 50;
constexpr int kMaxPreferredSchemes = 6;
constexpr int kMaxPreferredIscoCodes = 50;
constexpr int kMaxHistory = 50;
constexpr int kMaxExperienceYears = 60;
constexpr int kMinSkillLevel = 1;
constexpr int kMaxSkillLevel = 4;

// Vacancy.
constexpr int kMinPositions = 1;
constexpr int kMaxPositions = 100'000;
constexpr int kMaxRequiredSkills = 100;
constexpr int kMaxRequiredLanguages = 10;
constexpr int kMaxRequiredCredentials = 10;
constexpr int kMaxEligibleOrigins = 50;
constexpr int kMaxMinExperienceYears = 40;
constexpr int kMinSkillWeight = 1;
constexpr int kMaxSkillWeight = 100;

// Agreement.
constexpr int kMinDestinations = 1;
constexpr int kMaxDestinations = 30;
constexpr int kMinOrigins = 1;
constexpr int kMaxOrigins = 100;
constexpr int kMinSchemes = 1;
constexpr int kMaxSchemes = 6;
// The proto states no limit; ISCO-08 has 619 groups and repeats are
// rejected, so a longer list cannot be valid.
constexpr int kMaxOccupationScope = 619;
constexpr int kMaxProtectedOccupations = 100;
constexpr int kMaxOriginTiers = 10;
constexpr int kMinTier = 1;
constexpr int kMaxTier = 10;
constexpr int kMaxScoreWeight = 100;

// google.protobuf.Timestamp range: 0001-01-01T00:00:00Z..9999-12-31T23:59:59Z.
constexpr int64_t kMinTimestampSeconds = -62'135'596'800;
constexpr int64_t kMaxTimestampSeconds = 253'402'300'799;

absl::Status Invalid(absl::string_view path, absl::string_view sentence) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", sentence));
}

std::string Field(absl::string_view path, absl::string_view name) {
  return absl::StrCat(path, ".", name);
}

std::string Item(absl::string_view path, int index) {
  return absl::StrCat(path, "[", index, "]");
}

// ---------------------------------------------------------------- text

enum class TextProblem { kNone, kInvalidUtf8, kNul, kBidiControl };

// Scans UTF-8 strictly (RFC 3629): no overlong forms, no surrogates, nothing
// above U+10FFFF. Also flags NUL and the bidirectional embedding, override
// and isolate controls U+202A..U+202E and U+2066..U+2069, which can make
// displayed text read differently from what is stored.
TextProblem ScanText(absl::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const unsigned char lead = static_cast<unsigned char>(s[i]);
    if (lead < 0x80) {
      if (lead == 0) return TextProblem::kNul;
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (lead >= 0xC2 && lead <= 0xDF) {
      len = 2;
      cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      len = 3;
      cp = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      len = 4;
      cp = lead & 0x07;
    } else {
      // A stray continuation byte, an overlong 2-byte lead (C0, C1) or a
      // lead for more than 4 bytes or beyond U+10FFFF (F5..FF).
      return TextProblem::kInvalidUtf8;
    }
    if (n - i < len) return TextProblem::kInvalidUtf8;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return TextProblem::kInvalidUtf8;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (len == 3 && cp < 0x800) return TextProblem::kInvalidUtf8;
    if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return TextProblem::kInvalidUtf8;
    if (cp >= 0xD800 && cp <= 0xDFFF) return TextProblem::kInvalidUtf8;
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
      return TextProblem::kBidiControl;
    }
    i += len;
  }
  return TextProblem::kNone;
}

// ASCII character sets of code-like fields. Restricting them to ASCII keeps
// look-alike letters of other scripts (Cyrillic "а" for Latin "a") out of
// identifiers that are compared byte for byte.
enum class Charset {
  kLowerSnake,   // [a-z0-9_]: credential kinds, professions.
  kTaxonomyId,   // [A-Za-z0-9._:-]: skill ids.
  kAlnumHyphen,  // [A-Za-z0-9-]: ESCO occupation ids (UUIDs).
};

bool InCharset(char c, Charset charset) {
  switch (charset) {
    case Charset::kLowerSnake:
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    case Charset::kTaxonomyId:
      return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
    case Charset::kAlnumHyphen:
      return absl::ascii_isalnum(c) || c == '-';
  }
  return false;
}

absl::string_view CharsetName(Charset charset) {
  switch (charset) {
    case Charset::kLowerSnake:
      return "[a-z0-9_]";
    case Charset::kTaxonomyId:
      return "[A-Za-z0-9._:-]";
    case Charset::kAlnumHyphen:
      return "[A-Za-z0-9-]";
  }
  return "";
}

absl::Status CheckCode(absl::string_view value, absl::string_view path, bool required,
                       Charset charset) {
  if (value.empty()) {
    return required ? Invalid(path, "required") : absl::OkStatus();
  }
  bool ok = value.size() <= kMaxCodeBytes;
  for (size_t i = 0; ok && i < value.size(); ++i) ok = InCharset(value[i], charset);
  if (!ok) {
    return Invalid(path, absl::StrCat("must be 1..", kMaxCodeBytes, " characters of ",
                                      CharsetName(charset)));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------- numbers

absl::Status CheckRange(int64_t value, absl::string_view path, int64_t min, int64_t max) {
  if (value < min || value > max) {
    return Invalid(path, absl::StrCat("must be ", min, "..", max));
  }
  return absl::OkStatus();
}

// Checks the size of a repeated field before anything iterates over it.
absl::Status CheckCount(int size, absl::string_view path, int min, int max) {
  if (size < min) {
    return Invalid(path, min == 1 ? std::string("at least one entry is required")
                                  : absl::StrCat("at least ", min, " entries are required"));
  }
  if (size > max) return Invalid(path, absl::StrCat("at most ", max, " entries are allowed"));
  return absl::OkStatus();
}

// An enum field: `required` rejects the _UNSPECIFIED value 0; values the
// proto does not define are always rejected.
absl::Status CheckEnum(int value, bool (*is_valid)(int), absl::string_view path,
                       bool required) {
  if (value == 0) return required ? Invalid(path, "required") : absl::OkStatus();
  if (!is_valid(value)) return Invalid(path, "unknown value");
  return absl::OkStatus();
}

absl::Status CheckTimestamp(const google::protobuf::Timestamp& t, absl::string_view path) {
  if (t.seconds() < kMinTimestampSeconds || t.seconds() > kMaxTimestampSeconds ||
      t.nanos() < 0 || t.nanos() > 999'999'999) {
    return Invalid(path, "must be a valid timestamp between years 1 and 9999");
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------- dates

bool IsLeapYear(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

bool IsSet(const v1::Date& d) { return d.year() != 0 || d.month() != 0 || d.day() != 0; }

int CompareDates(const v1::Date& a, const v1::Date& b) {
  if (a.year() != b.year()) return a.year() < b.year() ? -1 : 1;
  if (a.month() != b.month()) return a.month() < b.month() ? -1 : 1;
  if (a.day() != b.day()) return a.day() < b.day() ? -1 : 1;
  return 0;
}

// An all-zero Date is "not set". A set Date must be a real day of the
// proleptic Gregorian calendar in 1900..2200.
absl::Status CheckDate(const v1::Date& d, absl::string_view path, bool required) {
  if (!IsSet(d)) return required ? Invalid(path, "required") : absl::OkStatus();
  if (d.year() < kMinYear || d.year() > kMaxYear) {
    return Invalid(Field(path, "year"), absl::StrCat("must be ", kMinYear, "..", kMaxYear));
  }
  if (d.month() < 1 || d.month() > 12) return Invalid(Field(path, "month"), "must be 1..12");
  if (d.day() < 1 || d.day() > DaysInMonth(d.year(), d.month())) {
    return Invalid(Field(path, "day"),
                   d.month() == 2 && d.day() == 29
                       ? "29 February exists only in leap years"
                       : "must be a day of the given month");
  }
  return absl::OkStatus();
}

// A required inclusive range: both ends real days, end on or after start.
absl::Status CheckDateRange(const v1::DateRange& r, absl::string_view path) {
  if (!IsSet(r.start()) && !IsSet(r.end())) return Invalid(path, "required");
  CORRIDOR_RETURN_IF_ERROR(CheckDate(r.start(), Field(path, "start"), true));
  CORRIDOR_RETURN_IF_ERROR(CheckDate(r.end(), Field(path, "end"), true));
  if (CompareDates(r.end(), r.start()) < 0) {
    return Invalid(Field(path, "end"), "must be on or after start");
  }
  return absl::OkStatus();
}

// True when [inner] lies within [outer] (both valid ranges).
bool RangeWithin(const v1::DateRange& inner, const v1::DateRange& outer) {
  return CompareDates(inner.start(), outer.start()) >= 0 &&
         CompareDates(inner.end(), outer.end()) <= 0;
}

bool RangesIntersect(const v1::DateRange& a, const v1::DateRange& b) {
  return CompareDates(a.start(), b.end()) <= 0 && CompareDates(b.start(), a.end()) <= 0;
}

// ---------------------------------------------------------------- codes

absl::Status CheckCountry(const IsoCodes& iso, absl::string_view value,
                          absl::string_view path, bool required) {
  if (value.empty()) return required ? Invalid(path, "required") : absl::OkStatus();
  if (iso.IsCountry(value)) return absl::OkStatus();
  if (value == "UK") {
    return Invalid(path, "UK is not an ISO 3166-1 code; the United Kingdom is GB");
  }
  return Invalid(path, "must be an upper-case ISO 3166-1 alpha-2 country code");
}

// A list of distinct countries, `min`..`max` entries.
absl::Status CheckCountryList(const IsoCodes& iso, const RepeatedPtrField<std::string>& list,
                              absl::string_view path, int min, int max) {
  CORRIDOR_RETURN_IF_ERROR(CheckCount(list.size(), path, min, max));
  absl::flat_hash_set<absl::string_view> seen;
  for (int i = 0; i < list.size(); ++i) {
    std::string item = Item(path, i);
    CORRIDOR_RETURN_IF_ERROR(CheckCountry(iso, list[i], item, true));
    if (!seen.insert(list[i]).second) return Invalid(item, "listed twice");
  }
  return absl::OkStatus();
}

absl::Status CheckLanguage(const IsoCodes& iso, absl::string_view value,
                           absl::string_view path) {
  if (value.empty()) return Invalid(path, "required");
  if (!iso.IsLanguage(value)) {
    return Invalid(path, "must be a lower-case ISO 639-1 or ISO 639-3 language code");
  }
  return absl::OkStatus();
}

absl::Status CheckCurrency(const IsoCodes& iso, absl::string_view value,
                           absl::string_view path) {
  if (value.empty()) return Invalid(path, "required");
  if (!iso.IsCurrency(value)) {
    return Invalid(path, "must be an upper-case ISO 4217 currency code");
  }
  return absl::OkStatus();
}

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A 4-digit ISCO-08 unit group known to the taxonomy.
absl::Status CheckIscoUnit(const Taxonomy& taxonomy, absl::string_view value,
                           absl::string_view path) {
  if (value.empty()) return Invalid(path, "required");
  if (value.size() != 4 || !AllDigits(value)) {
    return Invalid(path, "must be an ISCO-08 unit group of exactly 4 digits");
  }
  if (!taxonomy.IsIscoUnitGroup(value)) return Invalid(path, "unknown ISCO-08 unit group");
  return absl::OkStatus();
}

// An ISCO-08 group of any level (1..4 digits) known to the taxonomy.
absl::Status CheckIscoPrefix(const Taxonomy& taxonomy, absl::string_view value,
                             absl::string_view path, bool required) {
  if (value.empty()) return required ? Invalid(path, "required") : absl::OkStatus();
  if (value.size() > 4 || !AllDigits(value)) {
    return Invalid(path, "must be an ISCO-08 code of 1..4 digits");
  }
  if (!taxonomy.IsIscoGroup(value)) return Invalid(path, "unknown ISCO-08 group");
  return absl::OkStatus();
}

// An optional ESCO occupation id; when the taxonomy knows it, it must belong
// to `isco_code`.
absl::Status CheckEscoOccupation(const Taxonomy& taxonomy, absl::string_view value,
                                 absl::string_view isco_code, absl::string_view path) {
  CORRIDOR_RETURN_IF_ERROR(CheckCode(value, path, false, Charset::kAlnumHyphen));
  if (value.empty()) return absl::OkStatus();
  const EscoOccupation* occupation = taxonomy.FindEscoOccupation(value);
  if (occupation != nullptr && occupation->isco_code != isco_code) {
    return Invalid(path, "this ESCO occupation belongs to another ISCO-08 unit group");
  }
  return absl::OkStatus();
}

absl::Status CheckResourceName(absl::string_view value, absl::string_view collection,
                               absl::string_view path) {
  absl::StatusOr<std::string> id = ParseResourceName(value, collection, path);
  return id.status();
}

absl::Status CheckCellId(absl::string_view value, absl::string_view path) {
  if (!IsValidResourceId(value)) {
    return Invalid(path,
                   "must be a cell id of 1..63 characters of [a-z0-9-] starting with a letter");
  }
  return absl::OkStatus();
}

bool Contains(const RepeatedPtrField<std::string>& list, absl::string_view value) {
  for (const std::string& s : list) {
    if (s == value) return true;
  }
  return false;
}

// The {cell} of a cell's name, or "" when the name is empty or malformed.
std::string CellId(const v1::QuotaCell& cell) {
  absl::StatusOr<QuotaCellName> name = ParseQuotaCellName(cell.name(), "name");
  return name.ok() ? name->cell_id : std::string();
}

// Two values of one cell dimension overlap when either is "any" (empty) or
// they are equal.
bool DimensionOverlaps(absl::string_view a, absl::string_view b) {
  return a.empty() || b.empty() || a == b;
}

// Two ISCO prefixes overlap when either is "any" or one starts with the other.
bool IscoOverlaps(absl::string_view a, absl::string_view b) {
  return a.empty() || b.empty() || absl::StartsWith(a, b) || absl::StartsWith(b, a);
}

bool CellsOverlap(const v1::QuotaCell& a, const v1::QuotaCell& b) {
  return RangesIntersect(a.period(), b.period()) &&
         DimensionOverlaps(a.destination(), b.destination()) &&
         DimensionOverlaps(a.origin(), b.origin()) &&
         IscoOverlaps(a.isco_prefix(), b.isco_prefix()) &&
         (a.scheme() == v1::SCHEME_UNSPECIFIED || b.scheme() == v1::SCHEME_UNSPECIFIED ||
          a.scheme() == b.scheme());
}

// A list of schemes: count within [min, max], each set and known, no repeats.
absl::Status CheckSchemeList(const google::protobuf::RepeatedField<int>& list,
                             const std::string& path, int min, int max) {
  CORRIDOR_RETURN_IF_ERROR(CheckCount(list.size(), path, min, max));
  absl::flat_hash_set<int> seen;
  for (int i = 0; i < list.size(); ++i) {
    const std::string item = Item(path, i);
    CORRIDOR_RETURN_IF_ERROR(CheckEnum(list.Get(i), v1::Scheme_IsValid, item, true));
    if (!seen.insert(list.Get(i)).second) return Invalid(item, "listed twice");
  }
  return absl::OkStatus();
}

// A list of ISCO-08 prefixes: count within [min, max], each known, no repeats.
absl::Status CheckIscoPrefixList(const Taxonomy& taxonomy,
                                 const RepeatedPtrField<std::string>& list,
                                 const std::string& path, int min, int max) {
  CORRIDOR_RETURN_IF_ERROR(CheckCount(list.size(), path, min, max));
  absl::flat_hash_set<absl::string_view> seen;
  for (int i = 0; i < list.size(); ++i) {
    const std::string item = Item(path, i);
    CORRIDOR_RETURN_IF_ERROR(CheckIscoPrefix(taxonomy, list.Get(i), item, true));
    if (!seen.insert(list.Get(i)).second) return Invalid(item, "listed twice");
  }
  return absl::OkStatus();
}

// Each score weight 0..100 (all zero means "not set").
absl::Status CheckScoreWeights(const v1::ScoreWeights& w, absl::string_view path) {
  const std::pair<const char*, int32_t> weights[] = {
      {"skill_coverage", w.skill_coverage()},
      {"occupation_fit", w.occupation_fit()},
      {"experience", w.experience()},
      {"language_margin", w.language_margin()},
      {"education", w.education()},
      {"verified_credentials", w.verified_credentials()},
      {"reentry_credit", w.reentry_credit()},
      {"preference_fit", w.preference_fit()},
  };
  for (const auto& [name, value] : weights) {
    CORRIDOR_RETURN_IF_ERROR(CheckRange(value, Field(path, name), 0, kMaxScoreWeight));
  }
  return absl::OkStatus();
}

}  // namespace

Validator::Validator(const IsoCodes& iso, const Taxonomy& taxonomy, const Clock& clock)
    : iso_(iso), taxonomy_(taxonomy), clock_(clock) {}

absl::Status Validator::CheckText(const std::string& value, const std::string& field,
                                  size_t max_bytes, bool required) {
  // The size first, so a huge value is rejected without being scanned.
  if (value.size() > max_bytes) {
    return Invalid(field, absl::StrCat("must be at most ", max_bytes, " bytes"));
  }
  if (value.empty()) return required ? Invalid(field, "required") : absl::OkStatus();
  switch (ScanText(value)) {
    case TextProblem::kNone:
      return absl::OkStatus();
    case TextProblem::kInvalidUtf8:
      return Invalid(field, "must be valid UTF-8");
    case TextProblem::kNul:
      return Invalid(field, "must not contain NUL characters");
    case TextProblem::kBidiControl:
      return Invalid(field, "must not contain bidirectional control characters");
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------- agency

absl::Status Validator::ValidateAgency(const v1::Agency& agency) const {
  const std::string p = "agency";
  CORRIDOR_RETURN_IF_ERROR(
      CheckText(agency.display_name(), Field(p, "display_name"), kMaxTextBytes, true));
  CORRIDOR_RETURN_IF_ERROR(CheckCountry(iso_, agency.country(), Field(p, "country"), true));
  CORRIDOR_RETURN_IF_ERROR(CheckText(agency.licence_number(), Field(p, "licence_number"),
                                     kMaxLicenceNumberBytes, true));
  CORRIDOR_RETURN_IF_ERROR(CheckEnum(agency.licence_status(), v1::LicenceStatus_IsValid,
                                     Field(p, "licence_status"), true));
  CORRIDOR_RETURN_IF_ERROR(
      CheckDate(agency.licence_expiry(), Field(p, "licence_expiry"), true));
  return absl::OkStatus();
}

// ---------------------------------------------------------------- employer

absl::Status Validator::ValidateEmployer(const v1::Employer& employer) const {
  const std::string p = "employer";
  CORRIDOR_RETURN_IF_ERROR(
      CheckText(employer.display_name(), Field(p, "display_name"), kMaxTextBytes, true));
  CORRIDOR_RETURN_IF_ERROR(CheckCountry(iso_, employer.country(), Field(p, "country"), true));
  CORRIDOR_RETURN_IF_ERROR(
      CheckText(employer.region(), Field(p, "region"), kMaxRegionBytes, false));
  CORRIDOR_RETURN_IF_ERROR(
      CheckText(employer.sector(), Field(p, "sector"), kMaxSectorBytes, true));
  CORRIDOR_RETURN_IF_ERROR(CheckEnum(employer.standing(), v1::EmployerStanding_IsValid,
                                     Field(p, "standing"), true));
  return absl::OkStatus();
}

// ---------------------------------------------------------------- candidate

absl::Status Validator::ValidateCandidate(const v1::Candidate& c) const {
  const std::string p = "candidate";
  // The owning agency is filled in by the server for agency callers.
  if (!c.agency().empty()) {
    CORRIDOR_RETURN_IF_ERROR(CheckResourceName(c.agency(), "agencies", Field(p, "agency")));
  }
  CORRIDOR_RETURN_IF_ERROR(
      CheckText(c.display_name(), Field(p, "display_name"), kMaxTextBytes, true));
  CORRIDOR_RETURN_IF_ERROR(CheckText(c.contact(), Field(p, "contact"), kMaxTextBytes, false));
  CORRIDOR_RETURN_IF_ERROR(
      CheckCountry(iso_, c.nationality(), Field(p, "nationality"), true));
  CORRIDOR_RETURN_IF_ERROR(
      CheckCountry(iso_, c.residence_country(), Field(p, "residence_country"), true));
  CORRIDOR_RETURN_IF_ERROR(
      CheckText(c.origin_region(), Field(p, "origin_region"), kMaxRegionBytes, false));

  // Age is counted in whole calendar years, in UTC, as of the clock's year.
  {
    const std::string path = Field(p, "birth_year");
    if (c.birth_year() == 0) return Invalid(path, "required");
    const int64_t this_year =
        absl::ToCivilYear(clock_.Now(), absl::UTCTimeZone()).year();
    const int64_t age = this_year - static_cast<int64_t>(c.birth_year());
    if (age < 0) return Invalid(path, "is in the future");
    if (age < kMinAge) {
      return Invalid(path, absl::StrCat("the candidate must be at least ", kMinAge,
                                        " years old this year"));
    }
    if (age > kMaxAge) {
      return Invalid(path, absl::StrCat("the candidate must be at most ", kMaxAge,
                                        " years old this year"));
    }
  }
  CORRIDOR_RETURN_IF_ERROR(
      CheckEnum(c.gender(), v1::Gender_IsValid, Field(p, "gender"), false));

  {
    const std::string path = Field(p, "occupations");
    CORRIDOR_RETURN_IF_ERROR(
        CheckCount(c.occupations_size(), path, kMinOccupations, kMaxOccupations));
    absl::flat_hash_set<std::pair<absl::string_view, absl::string_view>> seen;
    for (int i = 0; i < c.occupations_size(); ++i) {
      const v1::CandidateOccupation& o = c.occupations(i);
      const std::string item = Item(path, i);
      CORRIDOR_RETURN_IF_ERROR(CheckIscoUnit(taxonomy_, o.isco_code(), Field(item, "isco_code")));
      CORRIDOR_RETURN_IF_ERROR(CheckEscoOccupation(taxonomy_, o.esco_occupation(), o.isco_code(),
                                                   Field(item, "esco_occupation")));
      CORRIDOR_RETURN_IF_ERROR(CheckRange(o.experience_years(), Field(item, "experience_years"),
                                          0, kMaxExperienceYears));
      if (!seen.emplace(o.isco_code(), o.esco_occupation()).second) {
        return Invalid(item, "the same occupation is listed twice");
      }
    }
  }

  {
    const std::string path = Field(p, "skills");
    CORRIDOR_RETURN_IF_ERROR(CheckCount(c.skills_size(), path, 0, kMaxCandidateSkills));
    absl::flat_hash_set<absl::string_view> seen;
    for (int i = 0; i < c.skills_size(); ++i) {
      const v1::CandidateSkill& s = c.skills(i);
      const std::string item = Item(path, i);
      CORRIDOR_RETURN_IF_ERROR(
          CheckCode(s.skill_id(), Field(item, "skill_id"), true, Charset::kTaxonomyId));
      if (!seen.insert(s.skill_id()).second) {
        return Invalid(Field(item, "skill_id"), "this skill is listed twice");
      }
      CORRIDOR_RETURN_IF_ERROR(
          CheckRange(s.level(), Field(item, "level"), kMinSkillLevel, kMaxSkillLevel));
      CORRIDOR_RETURN_IF_ERROR(
          CheckEnum(s.evidence(), v1::Evidence_IsValid, Field(item, "evidence"), true));
    }
  }

  {
    const std::string path = Field(p, "languages");
    CORRIDOR_RETURN_IF_ERROR(CheckCount(c.languages_size(), path, 0, kMaxCandidateLanguages));
    absl::flat_hash_set<absl::string_view> seen;
    for (int i = 0; i < c.languages_size(); ++i) {
      const v1::CandidateLanguage& l = c.languages(i);
      const std::string item = Item(path, i);
      CORRIDOR_RETURN_IF_ERROR(
          CheckLanguage(iso_, l.language_code(), Field(item, "language_code")));
      if (!seen.insert(l.language_code()).second) {
        return Invalid(Field(item, "language_code"), "this language is listed twice");
      }
      CORRIDOR_RETURN_IF_ERROR(
          CheckEnum(l.level(), v1::CefrLevel_IsValid, Field(item, "level"), true));
      CORRIDOR_RETURN_IF_ERROR(
          CheckEnum(l.evidence(), v1::Evidence_IsValid, Field(item, "evidence"), true));
    }
  }

  CORRIDOR_RETURN_IF_ERROR(
      CheckEnum(c.education(), v1::IscedLevel_IsValid, Field(p, "education"), true));

  {
    const std::string path = Field(p, "credentials");
    CORRIDOR_RETURN_IF_ERROR(CheckCount(c.credentials_size(), path, 0, kMaxCredentials));
    for (int i = 0; i < c.credentials_size(); ++i) {
      const v1::Credential& cred = c.credentials(i);
      const std::string item = Item(path, i);
      CORRIDOR_RETURN_IF_ERROR(
          CheckCode(cred.kind(), Field(item, "kind"), true, Charset::kLowerSnake));
      CORRIDOR_RETURN_IF_ERROR(
          CheckCountry(iso_, cred.issuing_country(), Field(item, "issuing_country"), true));
      CORRIDOR_RETURN_IF_ERROR(CheckCountryList(iso_, cred.recognised_in(),
                                                Field(item, "recognised_in"), 0,
                                                kMaxRecognisedIn));
    }
  }

  {
    const std::string path = Field(p, "licences");
    CORRIDOR_RETURN_IF_ERROR(CheckCount(c.licences_size(), path, 0, kMaxLicences));
    for (int i = 0; i < c.licences_size(); ++i) {
      const v1::ProfessionalLicence& lic = c.licences(i);
      const std::string item = Item(path, i);
      CORRIDOR_RETURN_IF_ERROR(
          CheckCode(lic.profession(), Field(item, "profession"), true, Charset::kLowerSnake));
      CORRIDOR_RETURN_IF_ERROR(
          CheckCountry(iso_, lic.issuing_country(), Field(item, "issuing_country"), true));
      CORRIDOR_RETURN_IF_ERROR(
          CheckDate(lic.valid_until(), Field(item, "valid_until"), false));
    }
  }

  CORRIDOR_RETURN_IF_ERROR(CheckDateRange(c.availability(), Field(p, "availability")));

  {
    const std::string path = Field(p, "preferences");
    const v1::CandidatePreferences& pref = c.preferences();
    CORRIDOR_RETURN_IF_ERROR(CheckCountryList(iso_, pref.destinations(),
                                              Field(path, "destinations"), 0,
                                              kMaxPreferredDestinations));
    CORRIDOR_RETURN_IF_ERROR(
        CheckSchemeList(pref.schemes(), Field(path, "schemes"), 0, kMaxPreferredSchemes));
    CORRIDOR_RETURN_IF_ERROR(CheckIscoPrefixList(taxonomy_, pref.isco_codes(),
                                                 Field(path, "isco_codes"), 0,
                                                 kMaxPreferredIscoCodes));
  }

  {
    const std::string path = Field(p, "consent");
    const v1::Consent& consent = c.consent();
    if (consent.has_given_time()) {
      CORRIDOR_RETURN_IF_ERROR(CheckTimestamp(consent.given_time(), Field(path, "given_time")));
    }
    if (consent.has_withdrawn_time()) {
      const std::string withdrawn = Field(path, "withdrawn_time");
      CORRIDOR_RETURN_IF_ERROR(CheckTimestamp(consent.withdrawn_time(), withdrawn));
      if (!consent.has_given_time()) {
        return Invalid(withdrawn, "set although consent was never given");
      }
      const auto& g = consent.given_time();
      const auto& w = consent.withdrawn_time();
      if (w.seconds() < g.seconds() || (w.seconds() == g.seconds() && w.nanos() < g.nanos())) {
        return Invalid(withdrawn, "must not precede given_time");
      }
    }
  }

  {
    const std::string path = Field(p, "history");
    CORRIDOR_RETURN_IF_ERROR(CheckCount(c.history_size(), path, 0, kMaxHistory));
    for (int i = 0; i < c.history_size(); ++i) {
      const v1::PastPlacement& h = c.history(i);
      const std::string item = Item(path, i);
      if (!h.agreement().empty()) {
        CORRIDOR_RETURN_IF_ERROR(
            CheckResourceName(h.agreement(), "agreements", Field(item, "agreement")));
      }
      CORRIDOR_RETURN_IF_ERROR(
          CheckEnum(h.scheme(), v1::Scheme_IsValid, Field(item, "scheme"), true));
      CORRIDOR_RETURN_IF_ERROR(
          CheckCountry(iso_, h.destination(), Field(item, "destination"), true));
      CORRIDOR_RETURN_IF_ERROR(CheckDateRange(h.stay(), Field(item, "stay")));
      CORRIDOR_RETURN_IF_ERROR(CheckEnum(h.return_outcome(), v1::ReturnOutcome_IsValid,
                                         Field(item, "return_outcome"), true));
    }
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------- vacancy

absl::Status Validator::ValidateVacancy(const v1::Vacancy& v) const {
  const std::string p = "vacancy";
  // employer and destination are copied from the caller's employer by the
  // server for employer callers; they are checked when present.
  if (!v.employer().empty()) {
    CORRIDOR_RETURN_IF_ERROR(CheckResourceName(v.employer(), "employers", Field(p, "employer")));
  }
  CORRIDOR_RETURN_IF_ERROR(CheckText(v.title(), Field(p, "title"), kMaxTextBytes, true));
  CORRIDOR_RETURN_IF_ERROR(
      CheckCountry(iso_, v.destination(), Field(p, "destination"), false));
  CORRIDOR_RETURN_IF_ERROR(CheckText(v.region(), Field(p, "region"), kMaxRegionBytes, false));
  CORRIDOR_RETURN_IF_ERROR(CheckIscoUnit(taxonomy_, v.isco_code(), Field(p, "isco_code")));
  CORRIDOR_RETURN_IF_ERROR(CheckEscoOccupation(taxonomy_, v.esco_occupation(), v.isco_code(),
                                               Field(p, "esco_occupation")));
  CORRIDOR_RETURN_IF_ERROR(CheckEnum(v.scheme(), v1::Scheme_IsValid, Field(p, "scheme"), true));
  CORRIDOR_RETURN_IF_ERROR(
      CheckRange(v.positions(), Field(p, "positions"), kMinPositions, kMaxPositions));
  CORRIDOR_RETURN_IF_ERROR(CheckDateRange(v.window(), Field(p, "window")));

  {
    const std::string path = Field(p, "required_skills");
    CORRIDOR_RETURN_IF_ERROR(CheckCount(v.required_skills_size(), path, 0, kMaxRequiredSkills));
    absl::flat_hash_set<absl::string_view> seen;
    for (int i = 0; i < v.required_skills_size(); ++i) {
      const v1::RequiredSkill& s = v.required_skills(i);
      const std::string item = Item(path, i);
      CORRIDOR_RETURN_IF_ERROR(
          CheckCode(s.skill_id(), Field(item, "skill_id"), true, Charset::kTaxonomyId));
      if (!seen.insert(s.skill_id()).second) {
        return Invalid(Field(item, "skill_id"), "this skill is listed twice");
      }
      CORRIDOR_RETURN_IF_ERROR(
          CheckRange(s.min_level(), Field(item, "min_level"), kMinSkillLevel, kMaxSkillLevel));
      CORRIDOR_RETURN_IF_ERROR(
          CheckRange(s.weight(), Field(item, "weight"), kMinSkillWeight, kMaxSkillWeight));
    }
  }

  {
    const std::string path = Field(p, "required_languages");
    CORRIDOR_RETURN_IF_ERROR(
        CheckCount(v.required_languages_size(), path, 0, kMaxRequiredLanguages));
    absl::flat_hash_set<absl::string_view> seen;
    for (int i = 0; i < v.required_languages_size(); ++i) {
      const v1::RequiredLanguage& l = v.required_languages(i);
      const std::string item = Item(path, i);
      CORRIDOR_RETURN_IF_ERROR(
          CheckLanguage(iso_, l.language_code(), Field(item, "language_code")));
      if (!seen.insert(l.language_code()).second) {
        return Invalid(Field(item, "language_code"), "this language is listed twice");
      }
      CORRIDOR_RETURN_IF_ERROR(
          CheckEnum(l.min_level(), v1::CefrLevel_IsValid, Field(item, "min_level"), true));
    }
  }

  CORRIDOR_RETURN_IF_ERROR(CheckRange(v.min_experience_years(), Field(p, "min_experience_years"),
                                      0, kMaxMinExperienceYears));
  CORRIDOR_RETURN_IF_ERROR(
      CheckEnum(v.min_education(), v1::IscedLevel_IsValid, Field(p, "min_education"), false));

  {
    const std::string path = Field(p, "required_credentials");
    CORRIDOR_RETURN_IF_ERROR(
        CheckCount(v.required_credentials_size(), path, 0, kMaxRequiredCredentials));
    absl::flat_hash_set<absl::string_view> seen;
    for (int i = 0; i < v.required_credentials_size(); ++i) {
      const std::string item = Item(path, i);
      CORRIDOR_RETURN_IF_ERROR(
          CheckCode(v.required_credentials(i), item, true, Charset::kLowerSnake));
      if (!seen.insert(v.required_credentials(i)).second) return Invalid(item, "listed twice");
    }
  }
  CORRIDOR_RETURN_IF_ERROR(CheckCode(v.required_licence(), Field(p, "required_licence"), false,
                                     Charset::kLowerSnake));

  {
    const std::string path = Field(p, "eligible_origins");
    CORRIDOR_RETURN_IF_ERROR(
        CheckCountryList(iso_, v.eligible_origins(), path, 0, kMaxEligibleOrigins));
    for (int i = 0; i < v.eligible_origins_size(); ++i) {
      if (!v.destination().empty() && v.eligible_origins(i) == v.destination()) {
        return Invalid(Item(path, i), "an origin cannot be the vacancy's destination");
      }
    }
  }

  // Decent-work terms: a vacancy without a wage and housing terms cannot open.
  const std::string wage = Field(p, "wage");
  if (!v.has_wage()) return Invalid(wage, "required");
  {
    const std::string amount = Field(wage, "amount");
    if (!v.wage().has_amount()) return Invalid(amount, "required");
    CORRIDOR_RETURN_IF_ERROR(CheckCurrency(iso_, v.wage().amount().currency_code(),
                                           Field(amount, "currency_code")));
    CORRIDOR_RETURN_IF_ERROR(CheckRange(v.wage().amount().amount_minor(),
                                        Field(amount, "amount_minor"), 1, kMaxAmountMinor));
    CORRIDOR_RETURN_IF_ERROR(
        CheckEnum(v.wage().period(), v1::WagePeriod_IsValid, Field(wage, "period"), true));
  }
  const std::string housing = Field(p, "housing");
  if (!v.has_housing()) return Invalid(housing, "required");
  {
    const v1::Housing& h = v.housing();
    const std::string cost = Field(housing, "monthly_cost");
    // An absent or all-zero cost means free housing; a stated cost is in
    // the wage currency.
    if (!h.monthly_cost().currency_code().empty() || h.monthly_cost().amount_minor() != 0) {
      CORRIDOR_RETURN_IF_ERROR(
          CheckCurrency(iso_, h.monthly_cost().currency_code(), Field(cost, "currency_code")));
      if (h.monthly_cost().currency_code() != v.wage().amount().currency_code()) {
        return Invalid(Field(cost, "currency_code"), "must be the wage currency");
      }
      CORRIDOR_RETURN_IF_ERROR(CheckRange(h.monthly_cost().amount_minor(),
                                          Field(cost, "amount_minor"), 0, kMaxAmountMinor));
    }
    CORRIDOR_RETURN_IF_ERROR(CheckText(h.description(), Field(housing, "description"),
                                       kMaxHousingDescriptionBytes, true));
  }

  CORRIDOR_RETURN_IF_ERROR(CheckEnum(v.labour_market_test(), v1::LabourMarketTest_IsValid,
                                     Field(p, "labour_market_test"), true));
  CORRIDOR_RETURN_IF_ERROR(
      CheckEnum(v.state(), v1::VacancyState_IsValid, Field(p, "state"), false));
  CORRIDOR_RETURN_IF_ERROR(CheckScoreWeights(v.score_weights(), Field(p, "score_weights")));
  return absl::OkStatus();
}

// ---------------------------------------------------------------- agreement

absl::Status Validator::ValidateAgreement(const v1::Agreement& a) const {
  const std::string p = "agreement";
  CORRIDOR_RETURN_IF_ERROR(
      CheckText(a.display_name(), Field(p, "display_name"), kMaxTextBytes, true));
  CORRIDOR_RETURN_IF_ERROR(
      CheckEnum(a.kind(), v1::AgreementKind_IsValid, Field(p, "kind"), true));
  CORRIDOR_RETURN_IF_ERROR(CheckCountryList(iso_, a.destinations(), Field(p, "destinations"),
                                            kMinDestinations, kMaxDestinations));
  {
    const std::string path = Field(p, "origins");
    CORRIDOR_RETURN_IF_ERROR(CheckCountryList(iso_, a.origins(), path, kMinOrigins, kMaxOrigins));
    for (int i = 0; i < a.origins_size(); ++i) {
      if (Contains(a.destinations(), a.origins(i))) {
        return Invalid(Item(path, i), "is also a destination of the agreement");
      }
    }
  }

  CORRIDOR_RETURN_IF_ERROR(CheckDate(a.signed_date(), Field(p, "signed_date"), true));
  CORRIDOR_RETURN_IF_ERROR(CheckDate(a.in_force_from(), Field(p, "in_force_from"), true));
  if (CompareDates(a.in_force_from(), a.signed_date()) < 0) {
    return Invalid(Field(p, "in_force_from"), "must be on or after signed_date");
  }
  CORRIDOR_RETURN_IF_ERROR(CheckDate(a.expiry_date(), Field(p, "expiry_date"), false));
  if (IsSet(a.expiry_date()) && CompareDates(a.expiry_date(), a.in_force_from()) <= 0) {
    return Invalid(Field(p, "expiry_date"), "must be after in_force_from");
  }

  {
    CORRIDOR_RETURN_IF_ERROR(
        CheckSchemeList(a.schemes(), Field(p, "schemes"), kMinSchemes, kMaxSchemes));
    CORRIDOR_RETURN_IF_ERROR(CheckIscoPrefixList(taxonomy_, a.occupation_scope(),
                                                 Field(p, "occupation_scope"), 0,
                                                 kMaxOccupationScope));
  }

  {
    const std::string path = Field(p, "protected_occupations");
    CORRIDOR_RETURN_IF_ERROR(
        CheckCount(a.protected_occupations_size(), path, 0, kMaxProtectedOccupations));
    absl::flat_hash_set<std::pair<absl::string_view, absl::string_view>> seen;
    for (int i = 0; i < a.protected_occupations_size(); ++i) {
      const v1::ProtectedOccupation& po = a.protected_occupations(i);
      const std::string item = Item(path, i);
      const std::string origin = Field(item, "origin");
      CORRIDOR_RETURN_IF_ERROR(CheckCountry(iso_, po.origin(), origin, true));
      if (!Contains(a.origins(), po.origin())) {
        return Invalid(origin, "must be one of the agreement's origins");
      }
      CORRIDOR_RETURN_IF_ERROR(
          CheckIscoPrefix(taxonomy_, po.isco_prefix(), Field(item, "isco_prefix"), true));
      if (!seen.emplace(po.origin(), po.isco_prefix()).second) {
        return Invalid(item, "the same origin and occupation are protected twice");
      }
      CORRIDOR_RETURN_IF_ERROR(
          CheckEnum(po.mode(), v1::ProtectionMode_IsValid, Field(item, "mode"), true));
      const std::string cell = Field(item, "separate_cap_cell");
      if (po.mode() == v1::PROTECTION_MODE_SEPARATE_CAP) {
        if (po.separate_cap_cell().empty()) {
          return Invalid(cell, "required for PROTECTION_MODE_SEPARATE_CAP");
        }
        CORRIDOR_RETURN_IF_ERROR(CheckCellId(po.separate_cap_cell(), cell));
      } else if (!po.separate_cap_cell().empty()) {
        return Invalid(cell, "only allowed with PROTECTION_MODE_SEPARATE_CAP");
      }
    }
  }

  CORRIDOR_RETURN_IF_ERROR(CheckEnum(a.reentry_policy(), v1::ReentryPolicy_IsValid,
                                     Field(p, "reentry_policy"), false));

  {
    const std::string path = Field(p, "origin_tiers");
    CORRIDOR_RETURN_IF_ERROR(CheckCount(a.origin_tiers_size(), path, 0, kMaxOriginTiers));
    absl::flat_hash_set<int> seen_tiers;
    absl::flat_hash_set<absl::string_view> tiered;
    for (int i = 0; i < a.origin_tiers_size(); ++i) {
      const v1::OriginTier& t = a.origin_tiers(i);
      const std::string item = Item(path, i);
      const std::string tier = Field(item, "tier");
      CORRIDOR_RETURN_IF_ERROR(CheckRange(t.tier(), tier, kMinTier, kMaxTier));
      if (!seen_tiers.insert(t.tier()).second) return Invalid(tier, "listed twice");
      const std::string origins = Field(item, "origins");
      // Every entry must be one of the agreement's origins, so a tier can
      // never be longer than their list.
      CORRIDOR_RETURN_IF_ERROR(CheckCount(t.origins_size(), origins, 1, kMaxOrigins));
      for (int j = 0; j < t.origins_size(); ++j) {
        const std::string origin = Item(origins, j);
        CORRIDOR_RETURN_IF_ERROR(CheckCountry(iso_, t.origins(j), origin, true));
        if (!Contains(a.origins(), t.origins(j))) {
          return Invalid(origin, "must be one of the agreement's origins");
        }
        if (!tiered.insert(t.origins(j)).second) {
          return Invalid(origin, "is already in a tier");
        }
      }
    }
  }

  CORRIDOR_RETURN_IF_ERROR(CheckScoreWeights(a.score_weights(), Field(p, "score_weights")));
  return absl::OkStatus();
}

// ---------------------------------------------------------------- quota cell

absl::Status Validator::ValidateQuotaCell(const v1::QuotaCell& cell,
                                          const v1::Agreement& agreement,
                                          const v1::QuotaCell* parent,
                                          const std::vector<v1::QuotaCell>& siblings) const {
  const std::string p = "quota_cell";
  const std::string cell_id = CellId(cell);

  // The cell's own fields.
  CORRIDOR_RETURN_IF_ERROR(
      CheckText(cell.display_name(), Field(p, "display_name"), kMaxTextBytes, false));
  if (!cell.parent().empty()) {
    CORRIDOR_RETURN_IF_ERROR(CheckCellId(cell.parent(), Field(p, "parent")));
    if (cell.parent() == cell_id) {
      return Invalid(Field(p, "parent"), "a cell cannot be its own parent");
    }
  }
  const std::string period = Field(p, "period");
  CORRIDOR_RETURN_IF_ERROR(CheckDateRange(cell.period(), period));
  const std::string destination = Field(p, "destination");
  // Empty: a pool shared by every destination of the agreement (only
  // meaningful, so only allowed, when there are several).
  if (cell.destination().empty() && agreement.destinations_size() < 2) {
    return Invalid(destination,
                   "required (an empty destination pools the agreement's destinations, and "
                   "this agreement has only one)");
  }
  CORRIDOR_RETURN_IF_ERROR(CheckCountry(iso_, cell.destination(), destination, false));
  const std::string origin = Field(p, "origin");
  CORRIDOR_RETURN_IF_ERROR(CheckCountry(iso_, cell.origin(), origin, false));
  const std::string isco = Field(p, "isco_prefix");
  CORRIDOR_RETURN_IF_ERROR(CheckIscoPrefix(taxonomy_, cell.isco_prefix(), isco, false));
  const std::string scheme = Field(p, "scheme");
  CORRIDOR_RETURN_IF_ERROR(CheckEnum(cell.scheme(), v1::Scheme_IsValid, scheme, false));
  CORRIDOR_RETURN_IF_ERROR(CheckRange(cell.cap(), Field(p, "cap"), 0, kMaxCap));
  if (!cell.overflow_cell().empty()) {
    const std::string overflow = Field(p, "overflow_cell");
    CORRIDOR_RETURN_IF_ERROR(CheckCellId(cell.overflow_cell(), overflow));
    if (cell.overflow_cell() == cell_id) {
      return Invalid(overflow, "a cell cannot overflow into itself");
    }
  }

  // Against the agreement. Periods are calendar dates of the destination's
  // legal calendar, without a time zone: a period is the same set of days
  // wherever it is read, so "the year 2025" never straddles a new year.
  // A cell's period overlaps the agreement's time in force; a calendar-year
  // cell under an agreement that enters into force mid-year is normal.
  if (IsSet(agreement.in_force_from()) &&
      CompareDates(cell.period().end(), agreement.in_force_from()) < 0) {
    return Invalid(Field(period, "end"),
                   "the period ends before the agreement's in_force_from");
  }
  if (IsSet(agreement.expiry_date()) &&
      CompareDates(cell.period().start(), agreement.expiry_date()) > 0) {
    return Invalid(Field(period, "start"),
                   "the period starts after the agreement's expiry_date");
  }
  if (!cell.destination().empty() && !Contains(agreement.destinations(), cell.destination())) {
    return Invalid(destination, "must be one of the agreement's destinations");
  }
  if (!cell.origin().empty() && !Contains(agreement.origins(), cell.origin())) {
    return Invalid(origin, "must be one of the agreement's origins");
  }
  if (!cell.isco_prefix().empty() && agreement.occupation_scope_size() > 0) {
    bool in_scope = false;
    for (const std::string& scope : agreement.occupation_scope()) {
      if (absl::StartsWith(cell.isco_prefix(), scope)) {
        in_scope = true;
        break;
      }
    }
    if (!in_scope) return Invalid(isco, "outside the agreement's occupation_scope");
  }
  if (cell.scheme() != v1::SCHEME_UNSPECIFIED) {
    bool covered = false;
    for (int s : agreement.schemes()) covered = covered || s == cell.scheme();
    if (!covered) return Invalid(scheme, "not a scheme the agreement covers");
  }

  // Against the parent: the child's slice lies inside the parent's, each
  // dimension at least as specific and consistent with it.
  if (!cell.parent().empty() && parent == nullptr) {
    return Invalid(Field(p, "parent"), "no such cell in this agreement");
  }
  if (parent != nullptr) {
    const std::string parent_id = CellId(*parent);
    if (!parent_id.empty() && parent_id != cell.parent()) {
      return Invalid(Field(p, "parent"), "does not name the given parent cell");
    }
    if (!RangeWithin(cell.period(), parent->period())) {
      return Invalid(period, "must lie within the parent cell's period");
    }
    if (!parent->destination().empty() && cell.destination() != parent->destination()) {
      return Invalid(destination, "must equal the parent cell's destination");
    }
    if (!parent->origin().empty() && cell.origin() != parent->origin()) {
      return Invalid(origin, cell.origin().empty()
                                 ? "must name the parent cell's origin, not any origin"
                                 : "must equal the parent cell's origin");
    }
    if (!absl::StartsWith(cell.isco_prefix(), parent->isco_prefix())) {
      return Invalid(isco, "must start with the parent cell's isco_prefix");
    }
    if (parent->scheme() != v1::SCHEME_UNSPECIFIED && cell.scheme() != parent->scheme()) {
      return Invalid(scheme, "must equal the parent cell's scheme");
    }
  }

  // Against the siblings: no two siblings may claim the same placement.
  for (const v1::QuotaCell& sibling : siblings) {
    if (!cell.name().empty() && sibling.name() == cell.name()) continue;  // Itself.
    if (CellsOverlap(cell, sibling)) {
      return Invalid(p, absl::StrCat("overlaps its sibling cell ",
                                     sibling.name().empty() ? "(unnamed)" : sibling.name(),
                                     ": their periods intersect and on destination, origin,"
                                     " occupation and scheme each is any, equal or nested"));
    }
  }
  return absl::OkStatus();
}

}  // namespace corridor::matcher
