#include "matcher/match_model.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/time/civil_time.h"

namespace corridor::matcher {
namespace {

const absl::CivilDay kEpoch(1970, 1, 1);

// The {id} segment of "<collection>/{id}", or `name` when it has no slash.
absl::string_view LastSegment(absl::string_view name) {
  const size_t slash = name.rfind('/');
  return slash == absl::string_view::npos ? name : name.substr(slash + 1);
}

uint8_t ClampU8(int64_t v) {
  return static_cast<uint8_t>(std::clamp<int64_t>(v, 0, 255));
}

bool WeightsSet(const v1::ScoreWeights& w) {
  return w.skill_coverage() != 0 || w.occupation_fit() != 0 || w.experience() != 0 ||
         w.language_margin() != 0 || w.education() != 0 || w.verified_credentials() != 0 ||
         w.reentry_credit() != 0 || w.preference_fit() != 0;
}

Weights FromProto(const v1::ScoreWeights& w) {
  return Weights{static_cast<double>(w.skill_coverage()),
                 static_cast<double>(w.occupation_fit()),
                 static_cast<double>(w.experience()),
                 static_cast<double>(w.language_margin()),
                 static_cast<double>(w.education()),
                 static_cast<double>(w.verified_credentials()),
                 static_cast<double>(w.reentry_credit()),
                 static_cast<double>(w.preference_fit())};
}

}  // namespace

// ---------------------------------------------------------------- dates

Day ToDay(int year, int month, int day) {
  if (year == 0) return kNoDay;
  return static_cast<Day>(absl::CivilDay(year, month, day) - kEpoch);
}

Day ToDay(const v1::Date& date) { return ToDay(date.year(), date.month(), date.day()); }

std::string FormatDay(Day day) {
  if (day == kNoDay) return "(unset)";
  return absl::FormatCivilTime(kEpoch + day);
}

// ---------------------------------------------------------------- countries

Country PackCountry(absl::string_view alpha2) {
  if (alpha2.size() != 2) return 0;
  return static_cast<Country>((static_cast<uint8_t>(alpha2[0]) << 8) |
                              static_cast<uint8_t>(alpha2[1]));
}

std::string UnpackCountry(Country c) {
  if (c == 0) return "";
  std::string out(2, ' ');
  out[0] = static_cast<char>(c >> 8);
  out[1] = static_cast<char>(c & 0xff);
  return out;
}

// ---------------------------------------------------------------- ISCO

Isco ParseIsco(absl::string_view code) {
  if (code.empty() || code.size() > 4) return Isco{};
  uint16_t value = 0;
  for (char ch : code) {
    if (ch < '0' || ch > '9') return Isco{};
    value = static_cast<uint16_t>(value * 10 + (ch - '0'));
  }
  return Isco{value, static_cast<uint8_t>(code.size())};
}

bool IscoHasPrefix(Isco code, Isco prefix) {
  if (prefix.digits == 0 || code.digits == 0 || prefix.digits > code.digits) return false;
  uint16_t c = code.code;
  for (int i = prefix.digits; i < code.digits; ++i) c /= 10;
  return c == prefix.code;
}

std::string FormatIsco(Isco isco) {
  if (isco.digits == 0) return "";
  std::string out(isco.digits, '0');
  uint16_t c = isco.code;
  for (int i = isco.digits - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + c % 10);
    c /= 10;
  }
  return out;
}

int IscoCommonDigits(Isco a, Isco b) {
  const int n = std::min(a.digits, b.digits);
  for (int k = n; k > 0; --k) {
    uint16_t x = a.code, y = b.code;
    for (int i = k; i < a.digits; ++i) x /= 10;
    for (int i = k; i < b.digits; ++i) y /= 10;
    if (x == y) return k;
  }
  return 0;
}

std::optional<uint16_t> IscoIndex(Isco isco) {
  static constexpr uint32_t kPow10[5] = {1, 10, 100, 1000, 10000};
  if (isco.digits > 4 || isco.code >= kPow10[isco.digits]) return std::nullopt;
  return static_cast<uint16_t>(kIscoIndexOffset[isco.digits] + isco.code);
}

Isco IscoFromIndex(uint16_t index) {
  for (uint8_t d = 1; d <= 4; ++d) {
    const uint16_t end = d < 4 ? kIscoIndexOffset[d + 1] : kIscoIndexNone;
    if (index < end) return Isco{static_cast<uint16_t>(index - kIscoIndexOffset[d]), d};
  }
  return Isco{};
}

// ---------------------------------------------------------------- interner

uint32_t Interner::Intern(absl::string_view s) {
  absl::MutexLock lock(&mu_);
  auto it = ids_.find(s);
  if (it != ids_.end()) return it->second;
  names_.emplace_back(s);
  const uint32_t id = static_cast<uint32_t>(names_.size());  // ids start at 1
  ids_.emplace(std::string(s), id);
  return id;
}

std::optional<uint32_t> Interner::Find(absl::string_view s) const {
  absl::MutexLock lock(&mu_);
  auto it = ids_.find(s);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::string Interner::Name(uint32_t id) const {
  absl::MutexLock lock(&mu_);
  if (id == 0 || id > names_.size()) return "";
  return names_[id - 1];
}

// ---------------------------------------------------------------- names

absl::string_view ReasonName(Reason r) {
  switch (r) {
    case Reason::kNoAgreement: return "NO_AGREEMENT";
    case Reason::kAgreementNotInForce: return "AGREEMENT_NOT_IN_FORCE";
    case Reason::kOriginNotEligible: return "ORIGIN_NOT_ELIGIBLE";
    case Reason::kLanguageBelowMinimum: return "LANGUAGE_BELOW_MINIMUM";
    case Reason::kMissingRequiredSkill: return "MISSING_REQUIRED_SKILL";
    case Reason::kCredentialNotRecognised: return "CREDENTIAL_NOT_RECOGNISED";
    case Reason::kLicenceRequired: return "LICENCE_REQUIRED";
    case Reason::kNotAvailableInWindow: return "NOT_AVAILABLE_IN_WINDOW";
    case Reason::kProtectedOccupation: return "PROTECTED_OCCUPATION";
    case Reason::kConsentMissing: return "CONSENT_MISSING";
    case Reason::kAgencyLicenceInvalid: return "AGENCY_LICENCE_INVALID";
    case Reason::kEmployerSuspended: return "EMPLOYER_SUSPENDED";
    case Reason::kLabourMarketTestPending: return "LABOUR_MARKET_TEST_PENDING";
    case Reason::kQuotaExhausted: return "QUOTA_EXHAUSTED";
    case Reason::kNotReturnedFromPreviousStay: return "NOT_RETURNED_FROM_PREVIOUS_STAY";
    case Reason::kAlreadyPlaced: return "ALREADY_PLACED";
  }
  return "UNKNOWN";
}

absl::string_view ComponentName(Component c) {
  switch (c) {
    case Component::kSkillCoverage: return "skill_coverage";
    case Component::kOccupationFit: return "occupation_fit";
    case Component::kExperience: return "experience";
    case Component::kLanguageMargin: return "language_margin";
    case Component::kEducation: return "education";
    case Component::kVerifiedCredentials: return "verified_credentials";
    case Component::kReentryCredit: return "reentry_credit";
    case Component::kPreferenceFit: return "preference_fit";
  }
  return "unknown";
}

// ---------------------------------------------------------------- weights

Weights DefaultWeights() { return Weights{35, 20, 15, 10, 5, 5, 5, 5}; }

Weights ResolveWeights(const v1::ScoreWeights& vacancy, const v1::ScoreWeights* agreement) {
  if (WeightsSet(vacancy)) return FromProto(vacancy);
  if (agreement != nullptr && WeightsSet(*agreement)) return FromProto(*agreement);
  return DefaultWeights();
}

// ---------------------------------------------------------------- candidates

OwnedCandidate::OwnedCandidate(const v1::Candidate& c, Interner& interner)
    : id_(LastSegment(c.name())) {
  view_.id = id_;
  view_.registered_micros =
      c.create_time().seconds() * 1000000 + c.create_time().nanos() / 1000;
  view_.agency = c.agency().empty() ? 0 : interner.Intern(LastSegment(c.agency()));
  view_.nationality = PackCountry(c.nationality());
  view_.residence = PackCountry(c.residence_country());
  view_.education = ClampU8(c.education());
  view_.consent = c.consent().has_given_time() && !c.consent().has_withdrawn_time();
  if (c.has_availability()) {
    view_.available_from = ToDay(c.availability().start());
    view_.available_until = ToDay(c.availability().end());
  }

  occupations_.reserve(c.occupations_size());
  for (const v1::CandidateOccupation& o : c.occupations()) {
    occupations_.push_back(OccupationEntry{ParseIsco(o.isco_code()), ClampU8(o.experience_years())});
  }

  skills_.reserve(c.skills_size());
  for (const v1::CandidateSkill& s : c.skills()) {
    skills_.push_back(SkillEntry{interner.Intern(s.skill_id()), ClampU8(s.level()),
                                 ClampU8(s.evidence())});
  }
  // Sorted by skill id; a skill listed twice keeps its highest level.
  std::sort(skills_.begin(), skills_.end(), [](const SkillEntry& a, const SkillEntry& b) {
    if (a.skill != b.skill) return a.skill < b.skill;
    return a.level > b.level;
  });
  skills_.erase(std::unique(skills_.begin(), skills_.end(),
                            [](const SkillEntry& a, const SkillEntry& b) {
                              return a.skill == b.skill;
                            }),
                skills_.end());

  languages_.reserve(c.languages_size());
  for (const v1::CandidateLanguage& l : c.languages()) {
    languages_.push_back(LanguageEntry{interner.Intern(l.language_code()), ClampU8(l.level())});
  }

  // recognised_ is filled completely before spans into it are taken.
  recognised_.resize(c.credentials_size());
  for (int i = 0; i < c.credentials_size(); ++i) {
    for (const std::string& country : c.credentials(i).recognised_in()) {
      recognised_[i].push_back(PackCountry(country));
    }
  }
  credentials_.reserve(c.credentials_size());
  for (int i = 0; i < c.credentials_size(); ++i) {
    const v1::Credential& cr = c.credentials(i);
    credentials_.push_back(CredentialEntry{interner.Intern(cr.kind()), cr.verified(),
                                           absl::MakeConstSpan(recognised_[i])});
  }

  licences_.reserve(c.licences_size());
  for (const v1::ProfessionalLicence& l : c.licences()) {
    licences_.push_back(LicenceEntry{interner.Intern(l.profession()),
                                     PackCountry(l.issuing_country()),
                                     l.has_valid_until() ? ToDay(l.valid_until()) : kNoDay});
  }

  history_.reserve(c.history_size());
  for (const v1::PastPlacement& h : c.history()) {
    history_.push_back(HistoryEntry{
        h.agreement().empty() ? 0 : interner.Intern(LastSegment(h.agreement())),
        ClampU8(h.scheme()), PackCountry(h.destination()), ClampU8(h.return_outcome())});
  }

  for (const std::string& d : c.preferences().destinations()) {
    destinations_.push_back(PackCountry(d));
  }
  for (int s : c.preferences().schemes()) {
    if (s > 0 && s < 8) view_.preferred_schemes |= static_cast<uint8_t>(1u << s);
  }
  for (const std::string& code : c.preferences().isco_codes()) {
    preferred_isco_.push_back(ParseIsco(code));
  }

  view_.occupations = occupations_;
  view_.skills = skills_;
  view_.languages = languages_;
  view_.credentials = credentials_;
  view_.licences = licences_;
  view_.history = history_;
  view_.preferred_destinations = destinations_;
  view_.preferred_occupations = preferred_isco_;
}

}  // namespace corridor::matcher
