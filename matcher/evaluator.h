#ifndef CORRIDOR_MATCHER_EVALUATOR_H_
#define CORRIDOR_MATCHER_EVALUATOR_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "matcher/match_model.h"
#include "matcher/taxonomy.h"

namespace corridor::matcher {

// One failed eligibility rule and its sentence.
struct RuleFailure {
  Reason reason;
  std::string message;
};

// One score component: raw in 0..1, contribution = raw * weight.
struct ComponentScore {
  Component component;
  double raw = 0;
  double weight = 0;
  double contribution = 0;
  std::string detail;
};

// The full account of one (candidate, vacancy) pair.
struct Explanation {
  bool eligible = false;
  // Every failed rule, in Reason order.
  std::vector<RuleFailure> failures;
  // All components, in Component order; their contributions add up to score.
  std::vector<ComponentScore> components;
  double score = 0;
  // The quota cell a placement would draw from ("" when none applies).
  std::string quota_cell;
  // The agreement that covers the placement ("" when none), and the most
  // specific cell matching it before any overflow ("" when none).
  std::string agreement;
  std::string leaf_cell;
};

// The hot-path result: no strings.
struct Verdict {
  // Bit i set: Reason(i) failed.
  uint32_t failures = 0;
  // The score in millionths, rounded: rankings compare these integers, so
  // equal inputs always rank equally.
  int64_t score_micros = 0;
};

// The signature bit of (skill, level threshold t), t in 1..4.
inline uint64_t SkillLevelBit(uint32_t skill, int t) {
  return uint64_t{1} << (((skill * 4u + static_cast<uint32_t>(t)) * 0x9E3779B1u) >> 26);
}

// Packs what the hot path reads of a candidate (see CandidateSummary).
void SummarizeCandidate(const CandidateView& candidate, const HotSkills& hot,
                        CandidateScreen& screen, CandidateSummary& summary);

// One vacancy and one origin prepared for scanning summaries: made by
// Evaluator::PlanScan, read by Evaluator::SummaryFailures and
// Evaluator::ScoreBoundMicros. Valid while the vacancy, world and terms are.
struct ScanPlan {
  const CompiledVacancy* vacancy = nullptr;
  const MatchWorld* world = nullptr;
  const CompiledVacancy::OriginTerms* terms = nullptr;
  uint32_t origin_failures = 0;
  Day start = kNoDay;
  std::vector<uint8_t> agency_ok;  // by interned agency id
  bool not_returned_ineligible = false;
  bool check_placed = false;
  struct Skill {
    int hot = -1;                // HotSkills slot, or -1
    uint32_t skill = 0;          // interned id
    uint8_t min_level = 1;
    bool must_have = false;
    double weight = 1;
    std::array<uint64_t, 5> bits{};  // bits[t]: SkillLevelBit(skill, t), t = 1..4
    uint64_t sibling_bits = 0;   // SkillLevelBit(sibling, 1) of every sibling
    uint64_t level_mask = 0;     // bits[1..min(min_level, 4)]
    std::array<double, 16> credit{};  // credit[level] before sibling credit
    // This skill's share of ScreenBoundMicros' skill coverage term, by
    // level bound * 2 + 1 when a sibling's signature bit is set.
    std::array<double, 32> screen_term{};
  };
  std::vector<Skill> skills;     // in CompiledVacancy::skills order
  std::vector<Skill> must_skills;  // the must-have ones
  // The must-have skills as ScreenBlock's first pass tests them all at once,
  // deciding MISSING_REQUIRED_SKILL as SummaryFailures does. Hot ones: with
  // e = hot_levels & 0x0F0F...0F and o = (hot_levels >> 4) & 0x0F0F...0F
  // (one level per byte), bit 4 of every byte of e + must_hot_add[0] and of
  // o + must_hot_add[1] is set exactly when every hot must-have skill is held
  // at its minimum (a byte adds 16 - minimum, or 16 for a slot nobody
  // requires). Others: some is surely missing when a bit of must_cold_mask
  // (the union of their level_mask) is clear in skill_sig; when none is, the
  // candidate's list decides (ColdMustHaveMissing). must_never: some
  // must-have skill is surely missing for every candidate (a minimum above
  // what the screen can hold).
  bool must_hot = false;
  std::array<uint64_t, 2> must_hot_add{};
  bool must_cold = false;
  uint64_t must_cold_mask = 0;
  bool must_never = false;
  struct Language {
    uint32_t language = 0;
    uint8_t min_level = 0;
    std::array<double, 16> term{};  // LanguageTerm(min(level, 15), min_level)
  };
  std::vector<Language> languages;  // in CompiledVacancy::languages order
  // The required languages with a minimum above 0, as SummaryFailures checks
  // them against the inline languages: language is 0 when the interned id
  // does not fit in 16 bits (then no inline language can match it).
  struct LanguageCheck {
    uint16_t language = 0;
    uint8_t min_level = 0;
  };
  std::vector<LanguageCheck> language_checks;
  // By CandidateSummary::flags: the failures those flags decide (consent,
  // not returned, credential and licence when required), and whether the
  // credential or licence rule then needs the candidate's lists.
  std::array<uint32_t, 256> flag_failures{};
  std::array<uint8_t, 256> flag_undecided{};
  // IscoCommonDigits(IscoFromIndex(i), vacancy isco) at every IscoIndex i
  // (0 at kIscoIndexNone).
  std::vector<uint8_t> occ_common;
  // QuickScoreBoundMicros' weighted terms: skill coverage and language
  // margin at their best (quick_const), the others by the summary fact they
  // depend on. quick_ok is false when the weights are not finite.
  bool quick_ok = false;
  uint8_t scheme_bit = 0;  // 1 << vacancy scheme, 0 when above 7
  double quick_const = 0;
  std::array<double, 5> quick_occupation{};   // by common ISCO digits
  std::array<double, 256> quick_experience{};  // by years of the best occupation
  std::array<double, 256> quick_education{};   // by education
  std::array<double, 256> quick_flags{};       // credential and re-entry terms, by flags
  std::array<double, 16> quick_preference{};   // by lists * 4 + satisfied
  // By common ISCO digits * 256 + years (the best occupation's): the quick
  // bound with the education, flags and preference terms at their largest.
  std::array<int64_t, 5 * 256> quick_by_occupation{};
  // quick_by_occupation[c * 256 + y] never falls as y grows (for every c),
  // so the years reaching a threshold are the ones from some minimum on.
  bool quick_years_monotone = false;
  // With exactly one required language: ScreenBoundMicros' language margin
  // term by inline level, [16] when not every language is inline.
  std::array<double, 17> screen_language{};

  bool needs_credentials = false;
  bool needs_licence = false;
  Weights weights{};
};

// ---- Recommendation gates (MatchEngine::Recommend)
//
// Necessary conditions of eligibility that one candidate can test against
// many vacancies at a time, so a recommendation evaluates only the vacancies
// that pass them. For every candidate c and vacancy v compiled in world w,
// Evaluate(c, v, w).failures == 0 implies all of:
//   1. Evaluator::VacancyGates(v) has a gate g with g.origin == c.nationality:
//      an origin an agreement covers, with no origin-wide failure
//      (AGREEMENT_NOT_IN_FORCE, ORIGIN_NOT_ELIGIBLE, PROTECTED_OCCUPATION,
//      EMPLOYER_SUSPENDED, LABOUR_MARKET_TEST_PENDING, QUOTA_EXHAUSTED);
//      an origin without one fails NO_AGREEMENT;
//   2. for h = Evaluator::CandidateGateOf(c, w): h.open (CONSENT_MISSING,
//      AGENCY_LICENCE_INVALID, ALREADY_PLACED and an unset availability
//      bound fail whatever the vacancy);
//   3. h.first_start <= g.start <= h.last_start (NOT_AVAILABLE_IN_WINDOW);
//   4. GateAdmits(g.needs, h.holds): the needs are bits of a Bloom-like
//      signature of must-have skills at their minimum level
//      (MISSING_REQUIRED_SKILL), required languages at their minimum
//      (LANGUAGE_BELOW_MINIMUM), required credential kinds recognised in the
//      destination (CREDENTIAL_NOT_RECOGNISED), the required licence issued
//      by the destination (LICENCE_REQUIRED) and, when the agreement makes a
//      non-return ineligible, no stay without a return
//      (NOT_RETURNED_FROM_PREVIOUS_STAY); the holds are the same bits for
//      what the candidate has.
// The converse does not hold (bits collide, licence validity is not
// encoded): a vacancy that passes is still evaluated. Each gate also carries
// what Evaluator::GateScoreBoundMicros reads, so a recommendation can skip
// the vacancies whose score cannot reach its top k.
inline constexpr int kGateWords = 2;
using GateBits = std::array<uint64_t, kGateWords>;

// The facts of one vacancy and origin that every score component but skill
// coverage reads (see Run in evaluator.cc), for GateScoreBoundMicros.
struct GateScoreFacts {
  // The origin's weights, each rounded up to a float.
  std::array<float, kComponentCount> weights{};
  int32_t min_experience_years = 0;
  uint32_t agreement = 0;  // interned id of the applied agreement (re-entry credit)
  // The first two required languages; language_count is how many there are.
  std::array<uint32_t, 2> languages{};
  std::array<uint8_t, 2> language_min{};
  uint8_t language_count = 0;
  Isco isco;
  uint8_t scheme = 0;
  Country destination = 0;
  uint8_t min_education = 0;
  bool reentry_bonus = false;
  bool bounded = false;  // false: a weight is negative or not finite (no bound)
};

// A required skill as GateScoreBoundMicros reads it (origin-independent).
struct GateSkill {
  double weight = 1;
  uint32_t skill = 0;  // interned id
  uint8_t min_level = 1;
};

// What a vacancy asks of the candidates of one origin.
struct VacancyGate {
  Country origin = 0;
  Day start = kNoDay;  // the vacancy's start
  GateBits needs{};
  GateScoreFacts score;
};

// What one candidate offers.
struct CandidateGate {
  bool open = false;  // false: some rule fails whatever the vacancy
  // The vacancy starts the candidate's availability covers (inclusive).
  Day first_start = kNoDay;
  Day last_start = kNoDay;
  GateBits holds{};
};

// True when every bit of `needs` is in `holds`.
inline bool GateAdmits(const GateBits& needs, const GateBits& holds) {
  uint64_t missing = 0;
  for (int i = 0; i < kGateWords; ++i) missing |= needs[i] & ~holds[i];
  return missing == 0;
}

// Applies the eligibility rules of DOMAIN.md section 5 and the score of
// section 6. Evaluate and Explain run the same code, so their verdicts
// always agree (Explain adds the sentences). Ranking order: score_micros
// descending, then earlier registration, then candidate id ascending.
// Thread-safe; the references must outlive this object.
class Evaluator {
 public:
  Evaluator(const Taxonomy& taxonomy, Interner& interner);

  // Compiles a vacancy for matching in `world`. `employer` may be null when
  // unknown (then EMPLOYER_SUSPENDED cannot fail). Precomputes the rules
  // that depend only on the origin (CompiledVacancy::origins); the result is
  // valid only with this same `world`. Interns the vacancy's strings.
  CompiledVacancy Compile(const v1::Vacancy& vacancy, const v1::Employer* employer,
                          const MatchWorld& world) const;

  Verdict Evaluate(const CandidateView& candidate, const CompiledVacancy& vacancy,
                   const MatchWorld& world) const;
  Explanation Explain(const CandidateView& candidate, const CompiledVacancy& vacancy,
                      const MatchWorld& world) const;

  // The hot path, shared with CandidateIndex so the index holds no rule of
  // its own. CandidateFailures: the failure bits Evaluate returns (the same
  // code). PlanScan prepares `terms` (one entry of vacancy.origins, or null
  // for an origin no agreement covers) for the summary functions below.
  uint32_t CandidateFailures(const CandidateView& candidate, const CompiledVacancy& vacancy,
                             const MatchWorld& world) const;
  ScanPlan PlanScan(const CompiledVacancy& vacancy, const MatchWorld& world,
                    const CompiledVacancy::OriginTerms* terms, const HotSkills& hot) const;
  // The same as PlanScan(vacancy, world, terms, hot), given `other`, a plan
  // made by PlanScan for another origin of the same vacancy, world and hot
  // set: when the two origins' terms agree on what a plan reads of them
  // besides their failures (weights, re-entry bonus, return rule), a copy
  // of `other` for this origin (most of a plan depends on the vacancy
  // alone, and several origins usually share one agreement).
  ScanPlan PlanScanLike(const ScanPlan& other, const CompiledVacancy& vacancy,
                        const MatchWorld& world, const CompiledVacancy::OriginTerms* terms,
                        const HotSkills& hot) const;
  // The failures decided from the summary alone (Evaluate would return at
  // least these). `undecided` is set when some rule needs the candidate's
  // lists: then only CandidateFailures gives the exact set. Returns as soon
  // as a bit of `stop_on` is set (the caller's verdict is then known; the
  // mask may be partial). `id` is called only when the world has placed
  // candidates.
  static uint32_t SummaryFailures(const CandidateScreen& screen, const CandidateSummary& summary,
                                  const ScanPlan& plan,
                                  absl::FunctionRef<absl::string_view()> id, uint32_t stop_on,
                                  bool& undecided);
  // An upper bound of Evaluate(...).score_micros for this candidate, computed
  // with the same arithmetic on best-case components, so it is never below it.
  static int64_t ScoreBoundMicros(const CandidateScreen& screen, const CandidateSummary& summary,
                                  const ScanPlan& plan);
  // ScoreBoundMicros with the skill coverage computed exactly, as Evaluate
  // computes it, from `skills` (the candidate's sorted list): never above
  // ScoreBoundMicros, never below the score. Reads the list but no other
  // (one or two cache misses where Evaluate takes a dozen), so the index
  // calls it between ScoreBoundMicros and Evaluate.
  int64_t SkillScoreBoundMicros(const CandidateScreen& screen, const CandidateSummary& summary,
                                absl::Span<const SkillEntry> skills, const ScanPlan& plan) const;
  // True when some must-have skill that is not hot is held below its
  // minimum (or not held) in `skills` (the candidate's sorted list, read as
  // Evaluate reads it): then Evaluate sets MISSING_REQUIRED_SKILL. A cheap
  // exact check for candidates SummaryFailures left undecided, before
  // CandidateFailures.
  static bool ColdMustHaveMissing(absl::Span<const SkillEntry> skills, const ScanPlan& plan);
  // A cheaper upper bound of ScoreBoundMicros (never below it): skill
  // coverage and language margin at their best, the other components from
  // ScanPlan's per-vacancy tables, plus a margin of 2 micros for the
  // different order of summation. INT64_MAX when the weights are not finite.
  static int64_t QuickScoreBoundMicros(const CandidateSummary& summary, const ScanPlan& plan);
  // An upper bound of ScoreBoundMicros, usually much closer to it than
  // QuickScoreBoundMicros: ScoreBoundMicros' skill coverage and language
  // margin with the quick bound's other terms, from per-vacancy tables, plus
  // QuickScoreBoundMicros' margin. What ScreenBlock compares with its
  // threshold before handing a candidate back.
  static int64_t ScreenBoundMicros(const CandidateScreen& screen, const CandidateSummary& summary,
                                   const ScanPlan& plan);
  // The same for entry i of `candidates`, reading only the columns it needs.
  static int64_t ScreenBoundMicros(const CandidateColumns& candidates, size_t i,
                                   const ScanPlan& plan);
  // SummaryFailures over a block of n candidates of one posting list: writes
  // to `out` the positions i (0..n-1) whose failures have no bit of
  // `stop_on`, with kScreenUndecided set when the summary left a rule
  // undecided, and with kScreenBelowThreshold set when threshold is not
  // INT64_MIN and QuickScoreBoundMicros is below it; returns how many.
  // `id(i)` is called only when the world has placed candidates. `out` needs
  // room for n entries (it is also the scratch of a first pass).
  // When `below` is not null, the positions that pass with every rule
  // decided and a quick bound below `threshold` are not written but counted
  // in *below (so a scan whose threshold is high reads back only the few
  // candidates that may still enter the top k).
  // How: a branch-free first pass over the screens (availability and the
  // first must-have skill), then the summaries of its survivors: in the
  // common case (nobody placed, at most one required language, no must-have
  // skill the first pass left open) the flags' rules from ScanPlan's table,
  // the agency and the language without loops; else SummaryFailures. The
  // quick bound is computed only when ScanPlan::quick_by_occupation (the
  // occupation's terms, the others at their best) is not below threshold.
  static constexpr uint32_t kScreenUndecided = 1u << 31;
  static constexpr uint32_t kScreenBelowThreshold = 1u << 30;
  // Set (with or without kScreenUndecided) when the must-have skills outside
  // the hot set need the candidate's list: ColdMustHaveMissing decides them.
  // Without kScreenUndecided every other rule is decided.
  static constexpr uint32_t kScreenColdSkills = 1u << 29;
  static constexpr uint32_t kScreenFlags =
      kScreenUndecided | kScreenBelowThreshold | kScreenColdSkills;
  // What the caller knows of every one of the n candidates (from their
  // posting list): then the screen skips the rule (and the columns only it
  // reads).
  struct ListFacts {
    // They pass NOT_AVAILABLE_IN_WINDOW (WindowsInRange said kAllPass).
    bool windows_pass = false;
    // They pass AGENCY_LICENCE_INVALID (AgenciesValid said so of every
    // agency they name).
    bool agencies_pass = false;
  };
  // `kernel`: kScalar never uses the vector pass (for tests: both must give
  // the same output).
  enum class ScreenKernel { kBest, kScalar };
  static size_t ScreenBlock(const CandidateColumns& candidates, size_t n, const ScanPlan& plan,
                            const ListFacts& facts,
                            absl::FunctionRef<absl::string_view(size_t)> id, uint32_t stop_on,
                            int64_t threshold, uint32_t* out, size_t* below = nullptr,
                            ScreenKernel kernel = ScreenKernel::kBest);
  // True when every agency in `agencies` holds a licence valid on the
  // plan's world's day (then AGENCY_LICENCE_INVALID fails for no candidate
  // of theirs). Lets an index that knows which agencies a posting list
  // names skip the rule for all of it.
  static bool AgenciesValid(const ScanPlan& plan, absl::Span<const uint32_t> agencies);

  // What NOT_AVAILABLE_IN_WINDOW says for plan's vacancy of every candidate
  // whose screen has from_min <= window_from <= from_max and until_min <=
  // window_until <= until_max (CandidateScreen's encoding, unset bounds
  // included): all fail, all pass, or it depends on the candidate. Lets an
  // index that groups candidates by their availability skip the groups
  // where nobody can be eligible, and skip the rule where everybody passes.
  enum class WindowsVerdict { kAllFail, kAllPass, kSome };
  static WindowsVerdict WindowsInRange(const ScanPlan& plan, Day from_min, Day from_max,
                                       Day until_min, Day until_max);

  // The recommendation gates (see VacancyGate): one per origin of
  // vacancy.origins without an origin-wide failure, in origin order. A
  // candidate of any other origin is never eligible for `vacancy`.
  static std::vector<VacancyGate> VacancyGates(const CompiledVacancy& vacancy);
  // The candidate's side of the gates, for vacancies compiled in `world`.
  static CandidateGate CandidateGateOf(const CandidateView& candidate, const MatchWorld& world);
  // The vacancy's required skills in CompiledVacancy::skills order, for
  // GateScoreBoundMicros.
  static std::vector<GateSkill> GateSkills(const CompiledVacancy& vacancy);
  // An upper bound of Evaluate(candidate, v, world).score_micros for the
  // vacancy v and origin candidate.nationality whose gate carries `facts`,
  // with `skills` = GateSkills(v). Skill coverage is computed as Evaluate
  // computes it but for a skill not held, whose credit (at most half, from a
  // sibling) is taken at 1/2; language margin is taken at 1 when more than
  // two languages are required; every other component is computed as
  // Evaluate computes it, and the contributions are added in the same order,
  // so the bound is never below the score (and often equal to it).
  // INT64_MAX when !facts.bounded.
  static int64_t GateScoreBoundMicros(const CandidateView& candidate, const GateScoreFacts& facts,
                                      absl::Span<const GateSkill> skills);

 private:
  const Taxonomy& taxonomy_;
  Interner& interner_;
  // Skill group id -> ids of its child skills, sorted (for sibling credit).
  absl::flat_hash_map<std::string, std::vector<std::string>> skill_children_;
};

// True when a ranks before b (see Evaluator).
inline bool RanksBefore(int64_t score_a, int64_t registered_a, absl::string_view id_a,
                        int64_t score_b, int64_t registered_b, absl::string_view id_b) {
  if (score_a != score_b) return score_a > score_b;
  if (registered_a != registered_b) return registered_a < registered_b;
  return id_a < id_b;
}

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_EVALUATOR_H_
