#include "clients/cli/flat_csv.h"

#include <charconv>
#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/cli/proto_json.h"
#include "google/protobuf/descriptor.h"

namespace corridor::cli {
namespace {

// Candidate columns, in canonical order (CandidateCsvColumns()).
enum CandidateColumn : size_t {
  kCId,
  kCAgency,
  kCDisplayName,
  kCContact,
  kCNationality,
  kCResidenceCountry,
  kCOriginRegion,
  kCBirthYear,
  kCGender,
  kCIscoCode,
  kCEscoOccupation,
  kCExperienceYears,
  kCOtherOccupations,
  kCSkills,
  kCLanguages,
  kCEducation,
  kCCredentials,
  kCLicences,
  kCAvailabilityStart,
  kCAvailabilityEnd,
  kCPreferredDestinations,
  kCPreferredSchemes,
  kCPreferredIscoCodes,
  kCConsentGiven,
  kCConsentWithdrawn,
  kCHistory,
};

enum VacancyColumn : size_t {
  kVId,
  kVEmployer,
  kVTitle,
  kVDestination,
  kVRegion,
  kVIscoCode,
  kVEscoOccupation,
  kVScheme,
  kVPositions,
  kVWindowStart,
  kVWindowEnd,
  kVRequiredSkills,
  kVRequiredLanguages,
  kVMinExperienceYears,
  kVMinEducation,
  kVRequiredCredentials,
  kVRequiredLicence,
  kVEligibleOrigins,
  kVWageAmountMinor,
  kVWageCurrency,
  kVWagePeriod,
  kVHousingProvided,
  kVHousingMonthlyCostMinor,
  kVHousingDescription,
  kVLabourMarketTest,
  kVState,
};

using google::protobuf::EnumDescriptor;

bool Fail(FieldError* error, std::string field, std::string message) {
  error->field = std::move(field);
  error->message = std::move(message);
  return false;
}

std::string Indexed(absl::string_view column, size_t i) {
  return absl::StrCat(column, "[", i, "]");
}

// Entries of a ';' list, trimmed, empty ones dropped.
std::vector<absl::string_view> SplitList(absl::string_view s) {
  std::vector<absl::string_view> out;
  for (absl::string_view part : absl::StrSplit(s, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

std::vector<absl::string_view> SplitParts(absl::string_view s) {
  std::vector<absl::string_view> out;
  for (absl::string_view part : absl::StrSplit(s, ':')) {
    out.push_back(absl::StripAsciiWhitespace(part));
  }
  return out;
}

bool ParseInt(absl::string_view s, int64_t* out) {
  s = absl::StripAsciiWhitespace(s);
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// An int32 column; empty leaves the field at 0.
bool ParseInt32Field(absl::string_view s, absl::string_view column, int32_t* out,
                     FieldError* error) {
  s = absl::StripAsciiWhitespace(s);
  if (s.empty()) return true;
  int64_t v;
  if (!ParseInt(s, &v) || v < INT32_MIN || v > INT32_MAX) {
    return Fail(error, std::string(column), absl::StrCat("not an integer: \"", s, "\""));
  }
  *out = static_cast<int32_t>(v);
  return true;
}

bool ParseInt64Field(absl::string_view s, absl::string_view column, int64_t* out,
                     FieldError* error) {
  s = absl::StripAsciiWhitespace(s);
  if (s.empty()) return true;
  if (!ParseInt(s, out)) {
    return Fail(error, std::string(column), absl::StrCat("not an integer: \"", s, "\""));
  }
  return true;
}

// YYYY-MM-DD. Only the shape is checked; the server checks the calendar.
bool ParseDate(absl::string_view s, v1::Date* date) {
  s = absl::StripAsciiWhitespace(s);
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int64_t y, m, d;
  if (!ParseInt(s.substr(0, 4), &y) || !ParseInt(s.substr(5, 2), &m) ||
      !ParseInt(s.substr(8, 2), &d)) {
    return false;
  }
  date->set_year(static_cast<int32_t>(y));
  date->set_month(static_cast<int32_t>(m));
  date->set_day(static_cast<int32_t>(d));
  return true;
}

bool ParseDateField(absl::string_view s, std::string field, v1::Date* date, FieldError* error) {
  if (!ParseDate(s, date)) {
    return Fail(error, std::move(field), absl::StrCat("not a YYYY-MM-DD date: \"", s, "\""));
  }
  return true;
}

std::string FormatDate(const v1::Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", d.year(), d.month(), d.day());
  return buf;
}

bool ParseTimeField(absl::string_view s, absl::string_view column,
                    google::protobuf::Timestamp* ts, FieldError* error) {
  int64_t seconds;
  int32_t nanos;
  if (!ParseRfc3339(absl::StripAsciiWhitespace(s), &seconds, &nanos)) {
    return Fail(error, std::string(column),
                absl::StrCat("not an RFC 3339 time (2026-03-01T08:00:00Z): \"", s, "\""));
  }
  ts->set_seconds(seconds);
  ts->set_nanos(nanos);
  return true;
}

std::string FormatTime(const google::protobuf::Timestamp& ts) {
  std::string out;
  AppendRfc3339(ts.seconds(), ts.nanos(), &out);
  return out;
}

// Enum names written as the suffix after `prefix` ("UPPER_SECONDARY" for
// ISCED_LEVEL_UPPER_SECONDARY) or in full, in any case. The 0 value
// (..._UNSPECIFIED) is not accepted by name: an empty cell means it.
class EnumNames {
 public:
  EnumNames(const EnumDescriptor* d, absl::string_view prefix) : prefix_(prefix) {
    for (int i = 0; i < d->value_count(); ++i) {
      const auto* v = d->value(i);
      if (v->number() == 0) continue;
      by_name_[v->name()] = v->number();
      if (absl::StartsWith(v->name(), prefix)) {
        const std::string suffix = v->name().substr(prefix.size());
        by_name_[suffix] = v->number();
        suffixes_.push_back(suffix);
        to_suffix_[v->number()] = suffix;
      }
    }
  }

  bool Parse(absl::string_view s, int* out) const {
    auto it = by_name_.find(absl::AsciiStrToUpper(absl::StripAsciiWhitespace(s)));
    if (it == by_name_.end()) return false;
    *out = it->second;
    return true;
  }

  // The suffix of a value, or "" for 0 / unknown numbers.
  std::string Format(int v) const {
    auto it = to_suffix_.find(v);
    return it == to_suffix_.end() ? std::string() : it->second;
  }

  std::string Allowed() const { return absl::StrJoin(suffixes_, ", "); }

 private:
  std::string prefix_;
  absl::flat_hash_map<std::string, int> by_name_;
  absl::flat_hash_map<int, std::string> to_suffix_;
  std::vector<std::string> suffixes_;
};

const EnumNames& GenderNames() {
  static const EnumNames* n = new EnumNames(v1::Gender_descriptor(), "GENDER_");
  return *n;
}
const EnumNames& IscedNames() {
  static const EnumNames* n = new EnumNames(v1::IscedLevel_descriptor(), "ISCED_LEVEL_");
  return *n;
}
const EnumNames& CefrNames() {
  static const EnumNames* n = new EnumNames(v1::CefrLevel_descriptor(), "CEFR_LEVEL_");
  return *n;
}
const EnumNames& EvidenceNames() {
  static const EnumNames* n = new EnumNames(v1::Evidence_descriptor(), "EVIDENCE_");
  return *n;
}
const EnumNames& SchemeNames() {
  static const EnumNames* n = new EnumNames(v1::Scheme_descriptor(), "SCHEME_");
  return *n;
}
const EnumNames& ReturnNames() {
  static const EnumNames* n = new EnumNames(v1::ReturnOutcome_descriptor(), "RETURN_OUTCOME_");
  return *n;
}
const EnumNames& WagePeriodNames() {
  static const EnumNames* n = new EnumNames(v1::WagePeriod_descriptor(), "WAGE_PERIOD_");
  return *n;
}
const EnumNames& LabourMarketTestNames() {
  static const EnumNames* n =
      new EnumNames(v1::LabourMarketTest_descriptor(), "LABOUR_MARKET_TEST_");
  return *n;
}
const EnumNames& VacancyStateNames() {
  static const EnumNames* n = new EnumNames(v1::VacancyState_descriptor(), "VACANCY_STATE_");
  return *n;
}

// An optional enum cell: empty leaves *out at 0.
bool ParseEnumField(const EnumNames& names, absl::string_view s, std::string field, int* out,
                    FieldError* error) {
  if (absl::StripAsciiWhitespace(s).empty()) return true;
  if (!names.Parse(s, out)) {
    return Fail(error, std::move(field),
                absl::StrCat("unknown value \"", s, "\"; expected one of ", names.Allowed()));
  }
  return true;
}

bool ParseBool(absl::string_view s, bool* out) {
  const std::string v = absl::AsciiStrToLower(absl::StripAsciiWhitespace(s));
  if (v == "yes" || v == "true" || v == "1" || v == "y") {
    *out = true;
    return true;
  }
  if (v == "no" || v == "false" || v == "0" || v == "n" || v.empty()) {
    *out = false;
    return true;
  }
  return false;
}

// "agencies/x" or "x" -> "agencies/x".
std::string WithCollection(absl::string_view collection, absl::string_view value) {
  value = absl::StripAsciiWhitespace(value);
  if (value.empty()) return std::string();
  if (absl::StartsWith(value, collection) && value.size() > collection.size() &&
      value[collection.size()] == '/') {
    return std::string(value);
  }
  return absl::StrCat(collection, "/", value);
}

absl::string_view WithoutCollection(absl::string_view collection, absl::string_view name) {
  if (absl::StartsWith(name, collection) && name.size() > collection.size() &&
      name[collection.size()] == '/') {
    name.remove_prefix(collection.size() + 1);
  }
  return name;
}

template <typename Repeated>
std::string JoinCodes(const Repeated& codes) {
  return absl::StrJoin(codes, ";");
}

bool CheckWidth(const CsvHeader& header, const std::vector<std::string>& fields,
                FieldError* error) {
  if (fields.size() != header.width()) {
    return Fail(error, "",
                absl::StrCat("row has ", fields.size(), " fields; the header has ",
                             header.width()));
  }
  return true;
}

bool ParseId(absl::string_view value, std::string* id, FieldError* error) {
  *id = std::string(absl::StripAsciiWhitespace(value));
  if (id->empty()) return Fail(error, "id", "required: imports are upserts by id");
  return true;
}

}  // namespace

const std::vector<std::string>& CandidateCsvColumns() {
  static const auto* columns = new std::vector<std::string>{
      "id",
      "agency",
      "display_name",
      "contact",
      "nationality",
      "residence_country",
      "origin_region",
      "birth_year",
      "gender",
      "isco_code",
      "esco_occupation",
      "experience_years",
      "other_occupations",
      "skills",
      "languages",
      "education",
      "credentials",
      "licences",
      "availability_start",
      "availability_end",
      "preferred_destinations",
      "preferred_schemes",
      "preferred_isco_codes",
      "consent_given",
      "consent_withdrawn",
      "history",
  };
  return *columns;
}

const std::vector<std::string>& VacancyCsvColumns() {
  static const auto* columns = new std::vector<std::string>{
      "id",
      "employer",
      "title",
      "destination",
      "region",
      "isco_code",
      "esco_occupation",
      "scheme",
      "positions",
      "window_start",
      "window_end",
      "required_skills",
      "required_languages",
      "min_experience_years",
      "min_education",
      "required_credentials",
      "required_licence",
      "eligible_origins",
      "wage_amount_minor",
      "wage_currency",
      "wage_period",
      "housing_provided",
      "housing_monthly_cost_minor",
      "housing_description",
      "labour_market_test",
      "state",
  };
  return *columns;
}

absl::StatusOr<CsvHeader> CsvHeader::Parse(const std::vector<std::string>& header,
                                           const std::vector<std::string>& columns) {
  CsvHeader h;
  h.index_.assign(columns.size(), -1);
  h.width_ = header.size();
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(header[i]));
    size_t c = 0;
    while (c < columns.size() && columns[c] != name) ++c;
    if (c == columns.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("header: unknown column \"", header[i], "\" (column ", i + 1,
                       "); the columns are: ", absl::StrJoin(columns, ",")));
    }
    if (h.index_[c] >= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("header: column \"", name, "\" appears twice"));
    }
    h.index_[c] = static_cast<int>(i);
  }
  if (h.index_[0] < 0) {
    return absl::InvalidArgumentError("header: the \"id\" column is required");
  }
  return h;
}

bool CandidateFromCsv(const CsvHeader& h, const std::vector<std::string>& f, std::string* id,
                      v1::Candidate* c, FieldError* error) {
  if (!CheckWidth(h, f, error)) return false;
  if (!ParseId(h.Get(f, kCId), id, error)) return false;
  c->set_agency(WithCollection("agencies", h.Get(f, kCAgency)));
  c->set_display_name(std::string(h.Get(f, kCDisplayName)));
  c->set_contact(std::string(h.Get(f, kCContact)));
  c->set_nationality(std::string(absl::StripAsciiWhitespace(h.Get(f, kCNationality))));
  c->set_residence_country(
      std::string(absl::StripAsciiWhitespace(h.Get(f, kCResidenceCountry))));
  c->set_origin_region(std::string(h.Get(f, kCOriginRegion)));
  int32_t i32 = 0;
  if (!ParseInt32Field(h.Get(f, kCBirthYear), "birth_year", &i32, error)) return false;
  c->set_birth_year(i32);
  int e = 0;
  if (!ParseEnumField(GenderNames(), h.Get(f, kCGender), "gender", &e, error)) return false;
  c->set_gender(static_cast<v1::Gender>(e));

  // The primary occupation, then "isco[:years[:esco]]" entries.
  const absl::string_view isco = absl::StripAsciiWhitespace(h.Get(f, kCIscoCode));
  if (!isco.empty()) {
    auto* occ = c->add_occupations();
    occ->set_isco_code(std::string(isco));
    occ->set_esco_occupation(std::string(absl::StripAsciiWhitespace(h.Get(f, kCEscoOccupation))));
    i32 = 0;
    if (!ParseInt32Field(h.Get(f, kCExperienceYears), "experience_years", &i32, error)) {
      return false;
    }
    occ->set_experience_years(i32);
  }
  auto entries = SplitList(h.Get(f, kCOtherOccupations));
  for (size_t i = 0; i < entries.size(); ++i) {
    auto parts = SplitParts(entries[i]);
    if (parts.size() > 3 || parts[0].empty()) {
      return Fail(error, Indexed("other_occupations", i), "expected isco[:years[:esco_id]]");
    }
    auto* occ = c->add_occupations();
    occ->set_isco_code(std::string(parts[0]));
    i32 = 0;
    if (parts.size() > 1 &&
        !ParseInt32Field(parts[1], Indexed("other_occupations", i), &i32, error)) {
      return false;
    }
    occ->set_experience_years(i32);
    if (parts.size() > 2) occ->set_esco_occupation(std::string(parts[2]));
  }

  entries = SplitList(h.Get(f, kCSkills));
  for (size_t i = 0; i < entries.size(); ++i) {
    auto parts = SplitParts(entries[i]);
    if (parts.size() < 2 || parts.size() > 3 || parts[0].empty()) {
      return Fail(error, Indexed("skills", i), "expected skill_id:level[:evidence]");
    }
    auto* s = c->add_skills();
    s->set_skill_id(std::string(parts[0]));
    i32 = 0;
    if (!ParseInt32Field(parts[1], Indexed("skills", i), &i32, error)) return false;
    s->set_level(i32);
    e = v1::EVIDENCE_SELF_DECLARED;
    if (parts.size() > 2 &&
        !ParseEnumField(EvidenceNames(), parts[2], Indexed("skills", i), &e, error)) {
      return false;
    }
    s->set_evidence(static_cast<v1::Evidence>(e));
  }

  entries = SplitList(h.Get(f, kCLanguages));
  for (size_t i = 0; i < entries.size(); ++i) {
    auto parts = SplitParts(entries[i]);
    if (parts.size() < 2 || parts.size() > 3 || parts[0].empty()) {
      return Fail(error, Indexed("languages", i), "expected code:CEFR level[:evidence]");
    }
    auto* l = c->add_languages();
    l->set_language_code(std::string(parts[0]));
    e = 0;
    if (!ParseEnumField(CefrNames(), parts[1], Indexed("languages", i), &e, error)) {
      return false;
    }
    l->set_level(static_cast<v1::CefrLevel>(e));
    e = v1::EVIDENCE_SELF_DECLARED;
    if (parts.size() > 2 &&
        !ParseEnumField(EvidenceNames(), parts[2], Indexed("languages", i), &e, error)) {
      return false;
    }
    l->set_evidence(static_cast<v1::Evidence>(e));
  }

  e = 0;
  if (!ParseEnumField(IscedNames(), h.Get(f, kCEducation), "education", &e, error)) {
    return false;
  }
  c->set_education(static_cast<v1::IscedLevel>(e));

  entries = SplitList(h.Get(f, kCCredentials));
  for (size_t i = 0; i < entries.size(); ++i) {
    auto parts = SplitParts(entries[i]);
    bool verified = false;
    if (parts.size() < 2 || parts.size() > 4 || parts[0].empty() ||
        (parts.size() > 2 && !ParseBool(parts[2], &verified))) {
      return Fail(error, Indexed("credentials", i),
                  "expected kind:issuing_country[:verified yes|no[:recognised CC|CC]]");
    }
    auto* cr = c->add_credentials();
    cr->set_kind(std::string(parts[0]));
    cr->set_issuing_country(std::string(parts[1]));
    cr->set_verified(verified);
    if (parts.size() > 3) {
      for (absl::string_view cc : absl::StrSplit(parts[3], '|', absl::SkipEmpty())) {
        cr->add_recognised_in(std::string(absl::StripAsciiWhitespace(cc)));
      }
    }
  }

  entries = SplitList(h.Get(f, kCLicences));
  for (size_t i = 0; i < entries.size(); ++i) {
    auto parts = SplitParts(entries[i]);
    if (parts.size() < 2 || parts.size() > 3 || parts[0].empty()) {
      return Fail(error, Indexed("licences", i),
                  "expected profession:issuing_country[:valid_until YYYY-MM-DD]");
    }
    auto* li = c->add_licences();
    li->set_profession(std::string(parts[0]));
    li->set_issuing_country(std::string(parts[1]));
    if (parts.size() > 2 && !parts[2].empty() &&
        !ParseDateField(parts[2], Indexed("licences", i), li->mutable_valid_until(), error)) {
      return false;
    }
  }

  const absl::string_view start = h.Get(f, kCAvailabilityStart);
  const absl::string_view end = h.Get(f, kCAvailabilityEnd);
  if (!absl::StripAsciiWhitespace(start).empty() &&
      !ParseDateField(start, "availability_start", c->mutable_availability()->mutable_start(),
                      error)) {
    return false;
  }
  if (!absl::StripAsciiWhitespace(end).empty() &&
      !ParseDateField(end, "availability_end", c->mutable_availability()->mutable_end(),
                      error)) {
    return false;
  }

  for (absl::string_view cc : SplitList(h.Get(f, kCPreferredDestinations))) {
    c->mutable_preferences()->add_destinations(std::string(cc));
  }
  entries = SplitList(h.Get(f, kCPreferredSchemes));
  for (size_t i = 0; i < entries.size(); ++i) {
    e = 0;
    if (!ParseEnumField(SchemeNames(), entries[i], Indexed("preferred_schemes", i), &e,
                        error)) {
      return false;
    }
    c->mutable_preferences()->add_schemes(static_cast<v1::Scheme>(e));
  }
  for (absl::string_view code : SplitList(h.Get(f, kCPreferredIscoCodes))) {
    c->mutable_preferences()->add_isco_codes(std::string(code));
  }

  const absl::string_view given = absl::StripAsciiWhitespace(h.Get(f, kCConsentGiven));
  if (!given.empty() &&
      !ParseTimeField(given, "consent_given", c->mutable_consent()->mutable_given_time(),
                      error)) {
    return false;
  }
  const absl::string_view withdrawn = absl::StripAsciiWhitespace(h.Get(f, kCConsentWithdrawn));
  if (!withdrawn.empty() &&
      !ParseTimeField(withdrawn, "consent_withdrawn",
                      c->mutable_consent()->mutable_withdrawn_time(), error)) {
    return false;
  }

  entries = SplitList(h.Get(f, kCHistory));
  for (size_t i = 0; i < entries.size(); ++i) {
    auto parts = SplitParts(entries[i]);
    if (parts.size() != 6) {
      return Fail(error, Indexed("history", i),
                  "expected agreement:scheme:destination:start:end:outcome");
    }
    auto* p = c->add_history();
    p->set_agreement(WithCollection("agreements", parts[0]));
    e = 0;
    if (!ParseEnumField(SchemeNames(), parts[1], Indexed("history", i), &e, error)) return false;
    p->set_scheme(static_cast<v1::Scheme>(e));
    p->set_destination(std::string(parts[2]));
    if (!ParseDateField(parts[3], Indexed("history", i), p->mutable_stay()->mutable_start(),
                        error) ||
        !ParseDateField(parts[4], Indexed("history", i), p->mutable_stay()->mutable_end(),
                        error)) {
      return false;
    }
    e = 0;
    if (!ParseEnumField(ReturnNames(), parts[5], Indexed("history", i), &e, error)) return false;
    p->set_return_outcome(static_cast<v1::ReturnOutcome>(e));
  }
  return true;
}

std::vector<std::string> CandidateToCsv(absl::string_view id, const v1::Candidate& c) {
  std::vector<std::string> row(CandidateCsvColumns().size());
  row[kCId] = std::string(id);
  row[kCAgency] = std::string(WithoutCollection("agencies", c.agency()));
  row[kCDisplayName] = c.display_name();
  row[kCContact] = c.contact();
  row[kCNationality] = c.nationality();
  row[kCResidenceCountry] = c.residence_country();
  row[kCOriginRegion] = c.origin_region();
  if (c.birth_year() != 0) row[kCBirthYear] = std::to_string(c.birth_year());
  row[kCGender] = GenderNames().Format(c.gender());
  std::vector<std::string> list;
  for (int i = 0; i < c.occupations_size(); ++i) {
    const auto& o = c.occupations(i);
    if (i == 0) {
      row[kCIscoCode] = o.isco_code();
      row[kCEscoOccupation] = o.esco_occupation();
      row[kCExperienceYears] = std::to_string(o.experience_years());
    } else {
      std::string entry = absl::StrCat(o.isco_code(), ":", o.experience_years());
      if (!o.esco_occupation().empty()) absl::StrAppend(&entry, ":", o.esco_occupation());
      list.push_back(entry);
    }
  }
  row[kCOtherOccupations] = absl::StrJoin(list, ";");
  list.clear();
  for (const auto& s : c.skills()) {
    list.push_back(
        absl::StrCat(s.skill_id(), ":", s.level(), ":", EvidenceNames().Format(s.evidence())));
  }
  row[kCSkills] = absl::StrJoin(list, ";");
  list.clear();
  for (const auto& l : c.languages()) {
    list.push_back(absl::StrCat(l.language_code(), ":", CefrNames().Format(l.level()), ":",
                                EvidenceNames().Format(l.evidence())));
  }
  row[kCLanguages] = absl::StrJoin(list, ";");
  row[kCEducation] = IscedNames().Format(c.education());
  list.clear();
  for (const auto& cr : c.credentials()) {
    list.push_back(absl::StrCat(cr.kind(), ":", cr.issuing_country(), ":",
                                cr.verified() ? "yes" : "no", ":",
                                absl::StrJoin(cr.recognised_in(), "|")));
  }
  row[kCCredentials] = absl::StrJoin(list, ";");
  list.clear();
  for (const auto& li : c.licences()) {
    std::string entry = absl::StrCat(li.profession(), ":", li.issuing_country());
    if (li.has_valid_until() && li.valid_until().year() != 0) {
      absl::StrAppend(&entry, ":", FormatDate(li.valid_until()));
    }
    list.push_back(entry);
  }
  row[kCLicences] = absl::StrJoin(list, ";");
  if (c.availability().has_start()) row[kCAvailabilityStart] = FormatDate(c.availability().start());
  if (c.availability().has_end()) row[kCAvailabilityEnd] = FormatDate(c.availability().end());
  row[kCPreferredDestinations] = JoinCodes(c.preferences().destinations());
  list.clear();
  for (int s : c.preferences().schemes()) list.push_back(SchemeNames().Format(s));
  row[kCPreferredSchemes] = absl::StrJoin(list, ";");
  row[kCPreferredIscoCodes] = JoinCodes(c.preferences().isco_codes());
  if (c.consent().has_given_time()) row[kCConsentGiven] = FormatTime(c.consent().given_time());
  if (c.consent().has_withdrawn_time()) {
    row[kCConsentWithdrawn] = FormatTime(c.consent().withdrawn_time());
  }
  list.clear();
  for (const auto& p : c.history()) {
    list.push_back(absl::StrCat(WithoutCollection("agreements", p.agreement()), ":",
                                SchemeNames().Format(p.scheme()), ":", p.destination(), ":",
                                FormatDate(p.stay().start()), ":", FormatDate(p.stay().end()),
                                ":", ReturnNames().Format(p.return_outcome())));
  }
  row[kCHistory] = absl::StrJoin(list, ";");
  return row;
}

bool VacancyFromCsv(const CsvHeader& h, const std::vector<std::string>& f, std::string* id,
                    v1::Vacancy* v, FieldError* error) {
  if (!CheckWidth(h, f, error)) return false;
  if (!ParseId(h.Get(f, kVId), id, error)) return false;
  v->set_employer(WithCollection("employers", h.Get(f, kVEmployer)));
  v->set_title(std::string(h.Get(f, kVTitle)));
  v->set_destination(std::string(absl::StripAsciiWhitespace(h.Get(f, kVDestination))));
  v->set_region(std::string(h.Get(f, kVRegion)));
  v->set_isco_code(std::string(absl::StripAsciiWhitespace(h.Get(f, kVIscoCode))));
  v->set_esco_occupation(std::string(absl::StripAsciiWhitespace(h.Get(f, kVEscoOccupation))));
  int e = 0;
  if (!ParseEnumField(SchemeNames(), h.Get(f, kVScheme), "scheme", &e, error)) return false;
  v->set_scheme(static_cast<v1::Scheme>(e));
  int32_t i32 = 0;
  if (!ParseInt32Field(h.Get(f, kVPositions), "positions", &i32, error)) return false;
  v->set_positions(i32);
  const absl::string_view start = h.Get(f, kVWindowStart);
  const absl::string_view end = h.Get(f, kVWindowEnd);
  if (!absl::StripAsciiWhitespace(start).empty() &&
      !ParseDateField(start, "window_start", v->mutable_window()->mutable_start(), error)) {
    return false;
  }
  if (!absl::StripAsciiWhitespace(end).empty() &&
      !ParseDateField(end, "window_end", v->mutable_window()->mutable_end(), error)) {
    return false;
  }
  auto entries = SplitList(h.Get(f, kVRequiredSkills));
  for (size_t i = 0; i < entries.size(); ++i) {
    auto parts = SplitParts(entries[i]);
    if (parts.size() < 2 || parts.size() > 4 || parts[0].empty()) {
      return Fail(error, Indexed("required_skills", i),
                  "expected skill_id:min_level[:weight[:must|nice]]");
    }
    auto* s = v->add_required_skills();
    s->set_skill_id(std::string(parts[0]));
    i32 = 0;
    if (!ParseInt32Field(parts[1], Indexed("required_skills", i), &i32, error)) return false;
    s->set_min_level(i32);
    i32 = 1;
    if (parts.size() > 2 &&
        !ParseInt32Field(parts[2], Indexed("required_skills", i), &i32, error)) {
      return false;
    }
    s->set_weight(i32);
    if (parts.size() > 3) {
      const std::string kind = absl::AsciiStrToLower(parts[3]);
      if (kind != "must" && kind != "nice" && !kind.empty()) {
        return Fail(error, Indexed("required_skills", i), "the last part is must or nice");
      }
      s->set_must_have(kind == "must");
    }
  }
  entries = SplitList(h.Get(f, kVRequiredLanguages));
  for (size_t i = 0; i < entries.size(); ++i) {
    auto parts = SplitParts(entries[i]);
    if (parts.size() != 2 || parts[0].empty()) {
      return Fail(error, Indexed("required_languages", i), "expected code:min CEFR level");
    }
    auto* l = v->add_required_languages();
    l->set_language_code(std::string(parts[0]));
    e = 0;
    if (!ParseEnumField(CefrNames(), parts[1], Indexed("required_languages", i), &e, error)) {
      return false;
    }
    l->set_min_level(static_cast<v1::CefrLevel>(e));
  }
  i32 = 0;
  if (!ParseInt32Field(h.Get(f, kVMinExperienceYears), "min_experience_years", &i32, error)) {
    return false;
  }
  v->set_min_experience_years(i32);
  e = 0;
  if (!ParseEnumField(IscedNames(), h.Get(f, kVMinEducation), "min_education", &e, error)) {
    return false;
  }
  v->set_min_education(static_cast<v1::IscedLevel>(e));
  for (absl::string_view kind : SplitList(h.Get(f, kVRequiredCredentials))) {
    v->add_required_credentials(std::string(kind));
  }
  v->set_required_licence(std::string(absl::StripAsciiWhitespace(h.Get(f, kVRequiredLicence))));
  for (absl::string_view cc : SplitList(h.Get(f, kVEligibleOrigins))) {
    v->add_eligible_origins(std::string(cc));
  }

  const absl::string_view amount = h.Get(f, kVWageAmountMinor);
  const absl::string_view currency = absl::StripAsciiWhitespace(h.Get(f, kVWageCurrency));
  const absl::string_view period = h.Get(f, kVWagePeriod);
  if (!absl::StripAsciiWhitespace(amount).empty() || !currency.empty() ||
      !absl::StripAsciiWhitespace(period).empty()) {
    auto* wage = v->mutable_wage();
    int64_t minor = 0;
    if (!ParseInt64Field(amount, "wage_amount_minor", &minor, error)) return false;
    wage->mutable_amount()->set_amount_minor(minor);
    wage->mutable_amount()->set_currency_code(std::string(currency));
    e = 0;
    if (!ParseEnumField(WagePeriodNames(), period, "wage_period", &e, error)) return false;
    wage->set_period(static_cast<v1::WagePeriod>(e));
  }
  const absl::string_view provided = h.Get(f, kVHousingProvided);
  const absl::string_view cost = h.Get(f, kVHousingMonthlyCostMinor);
  const absl::string_view description = h.Get(f, kVHousingDescription);
  if (!absl::StripAsciiWhitespace(provided).empty() ||
      !absl::StripAsciiWhitespace(cost).empty() || !description.empty()) {
    auto* housing = v->mutable_housing();
    bool b = false;
    if (!ParseBool(provided, &b)) {
      return Fail(error, "housing_provided", absl::StrCat("expected yes or no: \"", provided, "\""));
    }
    housing->set_provided(b);
    int64_t minor = 0;
    if (!ParseInt64Field(cost, "housing_monthly_cost_minor", &minor, error)) return false;
    if (!absl::StripAsciiWhitespace(cost).empty()) {
      housing->mutable_monthly_cost()->set_amount_minor(minor);
      housing->mutable_monthly_cost()->set_currency_code(std::string(currency));
    }
    housing->set_description(std::string(description));
  }
  e = 0;
  if (!ParseEnumField(LabourMarketTestNames(), h.Get(f, kVLabourMarketTest), "labour_market_test",
                      &e, error)) {
    return false;
  }
  v->set_labour_market_test(static_cast<v1::LabourMarketTest>(e));
  e = 0;
  if (!ParseEnumField(VacancyStateNames(), h.Get(f, kVState), "state", &e, error)) return false;
  v->set_state(static_cast<v1::VacancyState>(e));
  return true;
}

std::vector<std::string> VacancyToCsv(absl::string_view id, const v1::Vacancy& v) {
  std::vector<std::string> row(VacancyCsvColumns().size());
  row[kVId] = std::string(id);
  row[kVEmployer] = std::string(WithoutCollection("employers", v.employer()));
  row[kVTitle] = v.title();
  row[kVDestination] = v.destination();
  row[kVRegion] = v.region();
  row[kVIscoCode] = v.isco_code();
  row[kVEscoOccupation] = v.esco_occupation();
  row[kVScheme] = SchemeNames().Format(v.scheme());
  if (v.positions() != 0) row[kVPositions] = std::to_string(v.positions());
  if (v.window().has_start()) row[kVWindowStart] = FormatDate(v.window().start());
  if (v.window().has_end()) row[kVWindowEnd] = FormatDate(v.window().end());
  std::vector<std::string> list;
  for (const auto& s : v.required_skills()) {
    list.push_back(absl::StrCat(s.skill_id(), ":", s.min_level(), ":", s.weight(), ":",
                                s.must_have() ? "must" : "nice"));
  }
  row[kVRequiredSkills] = absl::StrJoin(list, ";");
  list.clear();
  for (const auto& l : v.required_languages()) {
    list.push_back(absl::StrCat(l.language_code(), ":", CefrNames().Format(l.min_level())));
  }
  row[kVRequiredLanguages] = absl::StrJoin(list, ";");
  if (v.min_experience_years() != 0) {
    row[kVMinExperienceYears] = std::to_string(v.min_experience_years());
  }
  row[kVMinEducation] = IscedNames().Format(v.min_education());
  row[kVRequiredCredentials] = JoinCodes(v.required_credentials());
  row[kVRequiredLicence] = v.required_licence();
  row[kVEligibleOrigins] = JoinCodes(v.eligible_origins());
  if (v.has_wage()) {
    row[kVWageAmountMinor] = std::to_string(v.wage().amount().amount_minor());
    row[kVWageCurrency] = v.wage().amount().currency_code();
    row[kVWagePeriod] = WagePeriodNames().Format(v.wage().period());
  }
  if (v.has_housing()) {
    row[kVHousingProvided] = v.housing().provided() ? "yes" : "no";
    if (v.housing().has_monthly_cost()) {
      row[kVHousingMonthlyCostMinor] = std::to_string(v.housing().monthly_cost().amount_minor());
      if (row[kVWageCurrency].empty()) {
        row[kVWageCurrency] = v.housing().monthly_cost().currency_code();
      }
    }
    row[kVHousingDescription] = v.housing().description();
  }
  row[kVLabourMarketTest] = LabourMarketTestNames().Format(v.labour_market_test());
  row[kVState] = VacancyStateNames().Format(v.state());
  return row;
}

}  // namespace corridor::cli
