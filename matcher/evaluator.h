#ifndef CORRIDOR_MATCHER_EVALUATOR_H_
#define CORRIDOR_MATCHER_EVALUATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
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
