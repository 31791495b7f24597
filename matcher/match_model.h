#ifndef CORRIDOR_MATCHER_MATCH_MODEL_H_
#define CORRIDOR_MATCHER_MATCH_MODEL_H_

// The compact model matching works on (DOMAIN.md sections 5 and 6).
//
// Candidates are reduced to the facts the rules and the score read, with
// strings interned to small integers, so one evaluator serves both the hot
// path (CandidateIndex scanning packed columns) and the explained path
// (ExplainMatch over a candidate read from storage). The two can never
// disagree because they run the same code on the same view.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "corridor/v1/agency_service.pb.h"
#include "corridor/v1/agreement_service.pb.h"
#include "corridor/v1/candidate_service.pb.h"
#include "corridor/v1/employer_service.pb.h"
#include "corridor/v1/vacancy_service.pb.h"
#include "matcher/taxonomy.h"

namespace corridor::matcher {

// A calendar day: days since 1970-01-01 (proleptic Gregorian). kNoDay when unset.
using Day = int32_t;
inline constexpr Day kNoDay = INT32_MIN;
Day ToDay(const v1::Date& date);
Day ToDay(int year, int month, int day);
// "2026-03-01"; "(unset)" for kNoDay.
std::string FormatDay(Day day);

// An ISO 3166-1 alpha-2 code packed in 16 bits ("ES" -> ('E'<<8)|'S'); 0 when empty.
using Country = uint16_t;
Country PackCountry(absl::string_view alpha2);
std::string UnpackCountry(Country c);

// An ISCO-08 code as its digits and its length: "6111" -> {6111, 4}, "61" -> {61, 2}.
struct Isco {
  uint16_t code = 0;
  uint8_t digits = 0;  // 0: none
};
Isco ParseIsco(absl::string_view code);
// True when `prefix` (fewer or equal digits) is a prefix of `code`.
bool IscoHasPrefix(Isco code, Isco prefix);
// "6111" for {6111, 4}; "" for none.
std::string FormatIsco(Isco isco);
// How many leading digits a and b share, 0..4 (the ISCO-tree distance).
int IscoCommonDigits(Isco a, Isco b);
// An ISCO code as one number below kIscoIndexCount, so per-vacancy tables can
// be indexed by it: the codes of d digits (d = 1..4) from kIscoIndexOffset[d]
// on, and no code (0 digits, code 0) at kIscoIndexNone.
inline constexpr uint16_t kIscoIndexOffset[5] = {11110, 0, 10, 110, 1110};
inline constexpr uint16_t kIscoIndexNone = 11110;
inline constexpr size_t kIscoIndexCount = 11111;
// The index of `isco`; nullopt when it has more than 4 digits or its code
// more digits than `digits` (ParseIsco never makes such a code).
std::optional<uint16_t> IscoIndex(Isco isco);
// The code at `index` (below kIscoIndexCount).
Isco IscoFromIndex(uint16_t index);

// Interns strings (skill ids, credential kinds, professions, languages,
// agency and agreement ids) to dense ids. Ids are never reused. Thread-safe.
// Ids start at 1: 0 is never an id, so views use it for "none". Agency and
// agreement ids are interned as their bare {id} segment ("ag-1", not
// "agencies/ag-1").
class Interner {
 public:
  // The id of `s`, adding it when new.
  uint32_t Intern(absl::string_view s);
  // The id of `s`, or nullopt when it was never interned (so no candidate has it).
  std::optional<uint32_t> Find(absl::string_view s) const;
  std::string Name(uint32_t id) const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, uint32_t> ids_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> names_ ABSL_GUARDED_BY(mu_);
};

// The reason codes of DOMAIN.md section 5, in a fixed order (bit i of a
// failure mask is Reason(i)).
enum class Reason : uint8_t {
  kNoAgreement = 0,
  kAgreementNotInForce,
  kOriginNotEligible,
  kLanguageBelowMinimum,
  kMissingRequiredSkill,
  kCredentialNotRecognised,
  kLicenceRequired,
  kNotAvailableInWindow,
  kProtectedOccupation,
  kConsentMissing,
  kAgencyLicenceInvalid,
  kEmployerSuspended,
  kLabourMarketTestPending,
  kQuotaExhausted,
  kNotReturnedFromPreviousStay,
  kAlreadyPlaced,
};
inline constexpr int kReasonCount = 16;
// "NO_AGREEMENT", "AGREEMENT_NOT_IN_FORCE", ... as in DOMAIN.md.
absl::string_view ReasonName(Reason r);

// The score components of DOMAIN.md section 6, in a fixed order.
enum class Component : uint8_t {
  kSkillCoverage = 0,
  kOccupationFit,
  kExperience,
  kLanguageMargin,
  kEducation,
  kVerifiedCredentials,
  kReentryCredit,
  kPreferenceFit,
};
inline constexpr int kComponentCount = 8;
// "skill_coverage", "occupation_fit", ... as in match_service.proto.
absl::string_view ComponentName(Component c);

// Weights, one per component, 0..100. Defaults documented in types.proto.
using Weights = std::array<double, kComponentCount>;
Weights DefaultWeights();
// The vacancy's weights when set, else the agreement's when set, else defaults.
Weights ResolveWeights(const v1::ScoreWeights& vacancy, const v1::ScoreWeights* agreement);

// ---- Candidates ----

struct OccupationEntry {
  Isco isco;
  uint8_t experience_years = 0;
};
struct SkillEntry {
  uint32_t skill = 0;  // interned skill id
  uint8_t level = 0;   // 1..4
  uint8_t evidence = 0;
};
struct LanguageEntry {
  uint32_t language = 0;  // interned ISO 639 code
  uint8_t level = 0;      // CefrLevel 1..6
};
struct CredentialEntry {
  uint32_t kind = 0;  // interned
  bool verified = false;
  // Countries where it is recognised; a span into the owner's storage.
  absl::Span<const Country> recognised_in;
};
struct LicenceEntry {
  uint32_t profession = 0;  // interned
  Country issuing_country = 0;
  Day valid_until = kNoDay;
};
struct HistoryEntry {
  uint32_t agreement = 0;  // interned agreement id
  uint8_t scheme = 0;
  Country destination = 0;
  uint8_t outcome = 0;  // ReturnOutcome
};

// What matching reads of one candidate. All spans point into storage owned
// by whoever made the view (OwnedCandidate or CandidateIndex) and are valid
// while it is unchanged.
struct CandidateView {
  absl::string_view id;         // the {candidate} id
  int64_t registered_micros = 0;  // create_time: the first tie-break
  uint32_t agency = 0;          // interned agency id
  Country nationality = 0;
  Country residence = 0;
  uint8_t education = 0;        // IscedLevel
  bool consent = false;         // given and not withdrawn
  Day available_from = kNoDay;
  Day available_until = kNoDay;
  absl::Span<const OccupationEntry> occupations;
  absl::Span<const SkillEntry> skills;          // sorted by skill id
  absl::Span<const LanguageEntry> languages;
  absl::Span<const CredentialEntry> credentials;
  absl::Span<const LicenceEntry> licences;
  absl::Span<const HistoryEntry> history;
  absl::Span<const Country> preferred_destinations;
  uint8_t preferred_schemes = 0;                 // bit s set: Scheme s preferred
  absl::Span<const Isco> preferred_occupations;
};

// A candidate with its own storage, built from the stored proto.
class OwnedCandidate {
 public:
  OwnedCandidate(const v1::Candidate& candidate, Interner& interner);
  OwnedCandidate(const OwnedCandidate&) = delete;
  OwnedCandidate& operator=(const OwnedCandidate&) = delete;
  const CandidateView& view() const { return view_; }

 private:
  std::string id_;
  std::vector<OccupationEntry> occupations_;
  std::vector<SkillEntry> skills_;
  std::vector<LanguageEntry> languages_;
  std::vector<std::vector<Country>> recognised_;
  std::vector<CredentialEntry> credentials_;
  std::vector<LicenceEntry> licences_;
  std::vector<HistoryEntry> history_;
  std::vector<Country> destinations_;
  std::vector<Isco> preferred_isco_;
  CandidateView view_;
};

// ---- Packed candidate summaries (the hot path of CandidateIndex)

// Up to this many skills get an exact level in CandidateSummary::hot_levels.
inline constexpr int kHotSkillSlots = 16;

// The skills whose levels a summary carries exactly, one 4-bit level each.
// The index that owns the summaries chooses them (a skill is added only
// before any summary holds it, or the whole set is replaced and every summary
// remade, so every summary stays exact) and passes them
// to SummarizeCandidate and Evaluator::PlanScan.
struct HotSkills {
  std::array<uint32_t, kHotSkillSlots> ids{};
  int size = 0;
  // The slot of `skill`, or -1.
  int Find(uint32_t skill) const {
    for (int i = 0; i < size; ++i) {
      if (ids[i] == skill) return i;
    }
    return -1;
  }
};

// The facts of one candidate that the eligibility rules and a score upper
// bound need most often, packed so a scan reads one small record per
// candidate instead of its lists. Made by SummarizeCandidate (evaluator.h);
// read only by Evaluator::SummaryFailures and Evaluator::ScoreBoundMicros,
// which say when the summary cannot decide and the full view is needed.
// The first part, what a scan's first pass reads; CandidateSummary holds the
// rest. CandidateIndex keeps both as CandidateColumns.
struct CandidateScreen {
  // Bit SkillLevelBit(skill, t) (evaluator.h) for every held skill and every
  // t in 1..level: a must-have (skill, min) is surely missing when its bit for
  // some t <= min is clear.
  uint64_t skill_sig = 0;
  // Nibble i: the level of HotSkills::ids[i] (0: not held). Exact.
  uint64_t hot_levels = 0;
  // The availability window, stored so that a start day (or kNoDay) fails
  // NOT_AVAILABLE_IN_WINDOW exactly when start < window_from or start >
  // window_until: available_from, or kNoWindowFrom (after every day) when
  // unset; available_until (kNoDay, before every day, when unset).
  static constexpr Day kNoWindowFrom = INT32_MAX;
  Day window_from = kNoWindowFrom;
  Day window_until = kNoDay;
  Day available_from() const { return window_from == kNoWindowFrom ? kNoDay : window_from; }
  Day available_until() const { return window_until; }
};
struct CandidateSummary {
  uint32_t agency = 0;
  // The first two occupations as IscoIndex (kIscoIndexNone past the list's
  // end, with 0 years); occ_count is the list's length (capped at 255), or
  // 255 when one of the first two has no IscoIndex (then the summary holds
  // neither and readers use the list or the best case, as for longer lists).
  uint16_t occ_isco[2] = {kIscoIndexNone, kIscoIndexNone};
  uint8_t occ_years[2] = {0, 0};
  uint8_t occ_count = 0;
  uint8_t occ_max_years = 0;  // over every occupation
  // The first three languages (id 0 when the interned id exceeds 16 bits).
  uint16_t lang[3] = {0, 0, 0};
  uint8_t lang_level[3] = {0, 0, 0};
  uint8_t lang_count = 0;  // the list's length (capped at 255)
  Country pref_destination = 0;      // the first preferred destination
  uint8_t pref_destination_count = 0;
  uint8_t pref_isco_count = 0;
  uint8_t preferred_schemes = 0;
  uint8_t education = 0;
  uint8_t flags = 0;  // kSummary* bits

  static constexpr uint8_t kConsent = 1;
  static constexpr uint8_t kNotReturned = 2;        // a stay with outcome NOT_RETURNED
  static constexpr uint8_t kReturnedOnTime = 4;     // a stay returned on time (any agreement)
  static constexpr uint8_t kReturnedLate = 8;       // a stay returned late (any agreement)
  static constexpr uint8_t kCredentials = 16;       // any credential
  static constexpr uint8_t kVerifiedCredential = 32;
  static constexpr uint8_t kLicences = 64;          // any licence
  static constexpr uint8_t kLanguagesInline = 128;  // every language is in lang[]
};

// The screens and summaries of one posting list as parallel columns, one
// per field, entry i for its i-th candidate (CandidateIndex stores them so):
// a pass reads only the fields its vacancy needs, and several candidates'
// values of one field with one load (Evaluator::ScreenBlock's vector pass).
struct CandidateColumns {
  // CandidateScreen.
  const Day* window_from = nullptr;
  const Day* window_until = nullptr;
  const uint64_t* skill_sig = nullptr;
  const uint64_t* hot_levels = nullptr;
  // CandidateSummary.
  const uint32_t* agency = nullptr;
  std::array<const uint16_t*, 2> occ_isco{};
  std::array<const uint8_t*, 2> occ_years{};
  const uint8_t* occ_count = nullptr;
  const uint8_t* occ_max_years = nullptr;
  std::array<const uint16_t*, 3> lang{};
  std::array<const uint8_t*, 3> lang_level{};
  const uint8_t* lang_count = nullptr;
  const Country* pref_destination = nullptr;
  const uint8_t* pref_destination_count = nullptr;
  const uint8_t* pref_isco_count = nullptr;
  const uint8_t* preferred_schemes = nullptr;
  const uint8_t* education = nullptr;
  const uint8_t* flags = nullptr;

  CandidateScreen Screen(size_t i) const {
    CandidateScreen w;
    w.skill_sig = skill_sig[i];
    w.hot_levels = hot_levels[i];
    w.window_from = window_from[i];
    w.window_until = window_until[i];
    return w;
  }
  CandidateSummary Summary(size_t i) const {
    CandidateSummary s;
    s.agency = agency[i];
    for (int k = 0; k < 2; ++k) {
      s.occ_isco[k] = occ_isco[k][i];
      s.occ_years[k] = occ_years[k][i];
    }
    s.occ_count = occ_count[i];
    s.occ_max_years = occ_max_years[i];
    for (int k = 0; k < 3; ++k) {
      s.lang[k] = lang[k][i];
      s.lang_level[k] = lang_level[k][i];
    }
    s.lang_count = lang_count[i];
    s.pref_destination = pref_destination[i];
    s.pref_destination_count = pref_destination_count[i];
    s.pref_isco_count = pref_isco_count[i];
    s.preferred_schemes = preferred_schemes[i];
    s.education = education[i];
    s.flags = flags[i];
    return s;
  }
  // The columns from entry `first` on.
  CandidateColumns From(size_t first) const {
    CandidateColumns c = *this;
    c.window_from += first;
    c.window_until += first;
    c.skill_sig += first;
    c.hot_levels += first;
    c.agency += first;
    for (int k = 0; k < 2; ++k) {
      c.occ_isco[k] += first;
      c.occ_years[k] += first;
    }
    c.occ_count += first;
    c.occ_max_years += first;
    for (int k = 0; k < 3; ++k) {
      c.lang[k] += first;
      c.lang_level[k] += first;
    }
    c.lang_count += first;
    c.pref_destination += first;
    c.pref_destination_count += first;
    c.pref_isco_count += first;
    c.preferred_schemes += first;
    c.education += first;
    c.flags += first;
    return c;
  }
};

// ---- Vacancies and the world they are matched in ----

// An agreement as the rules read it.
struct CompiledAgreement {
  std::string id;
  uint32_t interned = 0;
  std::vector<Country> destinations;
  std::vector<Country> origins;
  uint8_t schemes = 0;                 // bit mask of Scheme values
  std::vector<Isco> occupation_scope;  // empty: every occupation
  Day in_force_from = kNoDay;
  Day expiry = kNoDay;                 // kNoDay: open-ended
  struct Protection {
    Country origin = 0;
    Isco prefix;
    v1::ProtectionMode mode = v1::PROTECTION_MODE_UNSPECIFIED;
    std::string separate_cap_cell;
  };
  std::vector<Protection> protected_occupations;
  v1::ReentryPolicy reentry_policy = v1::REENTRY_POLICY_NONE;
  bool not_returned_ineligible = false;
  bool labour_market_test_required = false;
  v1::ScoreWeights weights;
  bool has_weights = false;
};

// A quota cell and its remaining room, as the rules read it.
struct CompiledCell {
  std::string id;              // {cell}
  std::string agreement_id;
  std::string parent;          // {cell} or ""
  std::string overflow;        // {cell} or ""
  Day from = kNoDay, until = kNoDay;
  Country destination = 0;
  Country origin = 0;          // 0: any
  Isco prefix;                 // digits 0: any
  uint8_t scheme = 0;          // 0: any
  int64_t cap = 0, used = 0;   // used = reserved + committed
};

// Everything besides the candidate and the vacancy that eligibility reads:
// agreements, quota cells with their use, agencies' licences, employers'
// standing, and candidates holding an open placement. Built from storage by
// LoadMatchWorld (match_world.h) and kept current by the index's writers. Immutable once
// built (a new snapshot replaces it), so readers need no lock.
struct MatchWorld {
  std::vector<CompiledAgreement> agreements;
  // Cells by agreement id.
  absl::flat_hash_map<std::string, std::vector<CompiledCell>> cells;
  // Interned agency id -> licence valid on `today`.
  absl::flat_hash_map<uint32_t, bool> agency_licence_valid;
  // Candidates with an application holding or having committed a unit and not
  // yet completed (selected .. deployed).
  absl::flat_hash_set<std::string> placed_candidates;
  // The evaluation date (licence expiry is checked against it).
  Day today = kNoDay;
};

// A vacancy as the rules read it, with its resolved weights.
struct CompiledVacancy {
  std::string id;
  Country destination = 0;
  Isco isco;
  uint8_t scheme = 0;
  Day start = kNoDay, end = kNoDay;
  struct Requirement {
    uint32_t skill = 0;
    std::string skill_id;  // for explanations
    uint8_t min_level = 1;
    double weight = 1;
    bool must_have = false;
    // The skill's siblings in the taxonomy (same parent), as (interned id,
    // rank in skill-id string order), sorted by interned id. The rank makes
    // the choice between equally good siblings independent of intern order.
    std::vector<std::pair<uint32_t, uint32_t>> siblings;
  };
  std::vector<Requirement> skills;
  struct LanguageRequirement {
    uint32_t language = 0;
    std::string code;
    uint8_t min_level = 0;
  };
  std::vector<LanguageRequirement> languages;
  int min_experience_years = 0;
  uint8_t min_education = 0;
  std::vector<uint32_t> required_credentials;
  std::optional<uint32_t> required_licence;
  std::vector<Country> eligible_origins;  // empty: any origin an agreement covers
  bool employer_suspended = false;
  v1::LabourMarketTest labour_market_test = v1::LABOUR_MARKET_TEST_UNSPECIFIED;
  // The vacancy's own weights, else the defaults: the weights of origins that
  // no agreement in force covers. OriginTerms::weights may differ.
  Weights weights = DefaultWeights();

  // Rules that depend only on (origin, vacancy, world), precomputed by
  // Evaluator::Compile for every origin of an agreement that covers the
  // vacancy's destination, scheme and occupation.
  struct OriginTerms {
    Country origin = 0;
    // Bits of Reason that fail for every candidate of this origin.
    uint32_t failures = 0;
    // Index in MatchWorld::agreements of the agreement applied (in force,
    // lowest id), or -1.
    int32_t agreement = -1;
    uint32_t agreement_interned = 0;  // its interned id, 0 when none
    bool reentry_bonus = false;       // reentry_policy is SCORE_BONUS
    bool not_returned_ineligible = false;
    // Vacancy weights, else the agreement's, else the defaults.
    Weights weights = DefaultWeights();
    // The quota cell a placement would draw from ("" when none applies).
    std::string quota_cell;
    // The leaf cell matching the placement (before any overflow), "" when none.
    std::string leaf_cell;
    // A sentence for each bit of `failures`, in Reason order.
    std::vector<std::pair<Reason, std::string>> messages;
  };
  std::vector<OriginTerms> origins;  // sorted by origin
  // Bits of Reason failing for every candidate (EMPLOYER_SUSPENDED).
  uint32_t vacancy_failures = 0;

  // The terms of `origin`, or null when no agreement covers it.
  const OriginTerms* FindOrigin(Country origin) const {
    size_t lo = 0, hi = origins.size();
    while (lo < hi) {
      const size_t mid = (lo + hi) / 2;
      if (origins[mid].origin < origin) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo < origins.size() && origins[lo].origin == origin ? &origins[lo] : nullptr;
  }
};

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_MATCH_MODEL_H_
