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
  };
  std::vector<Skill> skills;     // in CompiledVacancy::skills order
  std::vector<Skill> must_skills;  // the must-have ones
  struct Language {
    uint32_t language = 0;
    uint8_t min_level = 0;
    std::array<double, 16> term{};  // LanguageTerm(min(level, 15), min_level)
  };
  std::vector<Language> languages;  // in CompiledVacancy::languages order
  // IscoCommonDigits(Isco{code, d}, vacancy isco) at kIscoTableOffset[d] + code
  // for d in 1..4 and code < 10^d.
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

  bool needs_credentials = false;
  bool needs_licence = false;
  Weights weights{};
};

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
  // SummaryFailures over a block of n candidates of one posting list: writes
  // to `out` the positions i (0..n-1) whose failures have no bit of
  // `stop_on`, with kScreenUndecided set when the summary left a rule
  // undecided, and with kScreenBelowThreshold set when threshold is not
  // INT64_MIN and QuickScoreBoundMicros is below it; returns how many.
  // `id(i)` is called only when the world has placed candidates. `out` needs
  // room for n entries (it is also the scratch of a first pass).
  static constexpr uint32_t kScreenUndecided = 1u << 31;
  static constexpr uint32_t kScreenBelowThreshold = 1u << 30;
  static size_t ScreenBlock(const CandidateScreen* screens, const CandidateSummary* summaries,
                            size_t n, const ScanPlan& plan,
                            absl::FunctionRef<absl::string_view(size_t)> id, uint32_t stop_on,
                            int64_t threshold, uint32_t* out);

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
