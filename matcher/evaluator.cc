#include "matcher/evaluator.h"

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace corridor::matcher {
namespace {

constexpr uint8_t kCefrC2 = v1::CEFR_LEVEL_C2;
// Longest parent chain followed in the quota tree (guards against a cycle
// in stored data; validation rejects cycles).
constexpr int kMaxCellDepth = 64;

constexpr uint32_t Bit(Reason r) { return 1u << static_cast<int>(r); }

absl::string_view LastSegment(absl::string_view name) {
  const size_t slash = name.rfind('/');
  return slash == absl::string_view::npos ? name : name.substr(slash + 1);
}

template <typename T>
bool Contains(const std::vector<T>& list, T value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool Contains(absl::Span<const Country> list, Country value) {
  for (Country c : list) {
    if (c == value) return true;
  }
  return false;
}

std::string SchemeLabel(uint8_t scheme) {
  if (scheme == 0) return "any scheme";
  std::string name = v1::Scheme_Name(static_cast<v1::Scheme>(scheme));
  absl::string_view v = name;
  if (absl::StartsWith(v, "SCHEME_")) v.remove_prefix(7);
  std::string out = absl::AsciiStrToLower(v);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

std::string Cefr(uint8_t level) {
  static const char* const kNames[] = {"none", "A1", "A2", "B1", "B2", "C1", "C2"};
  return level <= 6 ? kNames[level] : absl::StrCat(level);
}

std::string IscedLabel(uint8_t level) {
  std::string name = v1::IscedLevel_Name(static_cast<v1::IscedLevel>(level));
  absl::string_view v = name;
  if (absl::StartsWith(v, "ISCED_LEVEL_")) v.remove_prefix(12);
  std::string out = absl::AsciiStrToLower(v);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out.empty() ? absl::StrCat(level) : out;
}

std::string Fmt(double v) { return absl::StrFormat("%.2f", v); }

// The explained path's sink: sentences, by Reason and by Component.
struct Sink {
  std::array<std::string, kReasonCount> failures;
  std::array<std::string, kComponentCount> details;
};

// ---- quota tree

class CellTree {
 public:
  explicit CellTree(const std::vector<CompiledCell>* cells) {
    if (cells == nullptr) return;
    for (const CompiledCell& c : *cells) by_id_.emplace(c.id, &c);
    cells_ = cells;
  }

  const CompiledCell* Find(absl::string_view id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
  }

  int Depth(const CompiledCell& cell) const {
    int depth = 0;
    const CompiledCell* c = &cell;
    while (!c->parent.empty() && depth < kMaxCellDepth) {
      c = Find(c->parent);
      if (c == nullptr) break;
      ++depth;
    }
    return depth;
  }

  // The first full cell on the path leaf -> root, or null when every cell on
  // it has used < cap.
  const CompiledCell* FirstFull(const CompiledCell& leaf) const {
    const CompiledCell* c = &leaf;
    for (int depth = 0; c != nullptr && depth <= kMaxCellDepth; ++depth) {
      if (c->used >= c->cap) return c;
      if (c->parent.empty()) return nullptr;
      c = Find(c->parent);
    }
    return nullptr;
  }

  // The most specific matching cell: deepest, ties by lowest id.
  const CompiledCell* Leaf(Day start, Country destination, Country origin, Isco isco,
                           uint8_t scheme) const {
    if (cells_ == nullptr) return nullptr;
    const CompiledCell* best = nullptr;
    int best_depth = -1;
    for (const CompiledCell& c : *cells_) {
      if (c.from != kNoDay && start < c.from) continue;
      if (c.until != kNoDay && start > c.until) continue;
      if (c.destination != 0 && c.destination != destination) continue;
      if (c.origin != 0 && c.origin != origin) continue;
      if (c.prefix.digits != 0 && !IscoHasPrefix(isco, c.prefix)) continue;
      if (c.scheme != 0 && c.scheme != scheme) continue;
      const int depth = Depth(c);
      if (depth > best_depth || (depth == best_depth && c.id < best->id)) {
        best = &c;
        best_depth = depth;
      }
    }
    return best;
  }

 private:
  const std::vector<CompiledCell>* cells_ = nullptr;
  absl::flat_hash_map<absl::string_view, const CompiledCell*> by_id_;
};

std::string FullCellSentence(const CompiledCell& full) {
  return absl::StrCat("cell ", full.id, " has used ", full.used, " of its cap ", full.cap);
}

// ---- candidate lookups

uint8_t HeldLevel(absl::Span<const SkillEntry> skills, uint32_t skill) {
  auto it = std::lower_bound(skills.begin(), skills.end(), skill,
                             [](const SkillEntry& e, uint32_t id) { return e.skill < id; });
  return it != skills.end() && it->skill == skill ? it->level : 0;
}

uint8_t LanguageLevel(absl::Span<const LanguageEntry> languages, uint32_t language) {
  uint8_t best = 0;
  for (const LanguageEntry& l : languages) {
    if (l.language == language && l.level > best) best = l.level;
  }
  return best;
}

// NOT_AVAILABLE_IN_WINDOW: no window, or one not covering the start date.
inline bool AvailabilityFails(Day from, Day until, Day start) {
  return (from == kNoDay) | (until == kNoDay) | (start < from) | (start > until);
}

// The language margin term of one requirement (DOMAIN.md section 6).
double LanguageTerm(uint8_t level, uint8_t min_level) {
  if (min_level >= kCefrC2) return level >= kCefrC2 ? 1.0 : 0.0;
  double term = (static_cast<double>(level) - min_level) / (kCefrC2 - min_level);
  return std::clamp(term, 0.0, 1.0);
}

// The experience component from the years of the best occupation.
double ExperienceRaw(double years, int min_experience_years) {
  const double denom = std::max(2.0 * min_experience_years, 4.0);
  return std::min(1.0, years / denom);
}

// The education component.
double EducationRaw(uint8_t education, uint8_t min_education) {
  if (min_education == 0) return education > 0 ? 1.0 : 0.0;
  if (education >= min_education) return 1.0;
  return static_cast<double>(education) / min_education;
}

bool RecognisedIn(const CredentialEntry& c, Country destination) {
  return c.verified && Contains(c.recognised_in, destination);
}

// ---- the one evaluation both paths run

struct Result {
  uint32_t failures = 0;
  std::array<double, kComponentCount> raw{};
  std::array<double, kComponentCount> contribution{};
  Weights weights{};
  double score = 0;
};

double SkillCoverage(const CandidateView& cand, const CompiledVacancy& v, Interner& interner,
                     uint32_t& failures, Sink* sink) {
  if (v.skills.empty()) {
    if (sink) sink->details[0] = "no skills required";
    return 1.0;
  }
  double num = 0, den = 0;
  std::vector<std::string> notes;
  std::vector<std::string> missing;
  for (const CompiledVacancy::Requirement& req : v.skills) {
    const uint8_t level = HeldLevel(cand.skills, req.skill);
    double credit = 0;
    if (level >= req.min_level) {
      credit = 1.0;
    } else if (level > 0) {
      credit = static_cast<double>(level) / req.min_level;
      if (sink) {
        notes.push_back(absl::StrCat(req.skill_id, " held at level ", level, " of ",
                                     req.min_level, ": ", Fmt(credit)));
      }
    } else {
      double best = 0;
      uint32_t best_rank = UINT32_MAX;
      uint32_t best_skill = 0;
      // Both lists are sorted by interned id: one merge finds every held
      // sibling (the best is the same in any order of discovery).
      auto sib = req.siblings.begin();
      for (const SkillEntry& s : cand.skills) {
        while (sib != req.siblings.end() && sib->first < s.skill) ++sib;
        if (sib == req.siblings.end()) break;
        if (sib->first != s.skill) continue;
        const double c =
            s.level >= req.min_level ? 1.0 : static_cast<double>(s.level) / req.min_level;
        if (c > best || (c == best && sib->second < best_rank)) {
          best = c;
          best_rank = sib->second;
          best_skill = s.skill;
        }
      }
      credit = 0.5 * best;
      if (sink) {
        if (best_skill != 0) {
          notes.push_back(absl::StrCat(req.skill_id,
                                       ": partial credit: holds sibling skill ",
                                       interner.Name(best_skill), " (", Fmt(credit), ")"));
        } else {
          notes.push_back(absl::StrCat(req.skill_id, ": not held"));
        }
      }
    }
    if (req.must_have && level < req.min_level) {
      failures |= Bit(Reason::kMissingRequiredSkill);
      if (sink) {
        missing.push_back(level == 0 ? absl::StrCat(req.skill_id, " at level ", req.min_level,
                                                    " (not held)")
                                     : absl::StrCat(req.skill_id, " at level ", req.min_level,
                                                    " (held at ", level, ")"));
      }
    }
    num += req.weight * credit;
    den += req.weight;
  }
  const double raw = num / den;
  if (sink) {
    std::string d = absl::StrCat("weighted coverage ", Fmt(raw), " of ", v.skills.size(),
                                 " required skills");
    if (notes.empty()) {
      absl::StrAppend(&d, ", all held at their minimum level");
    } else {
      absl::StrAppend(&d, "; ", absl::StrJoin(notes, "; "));
    }
    sink->details[0] = std::move(d);
    if (!missing.empty()) {
      sink->failures[static_cast<int>(Reason::kMissingRequiredSkill)] =
          absl::StrCat("Lacks must-have skill", missing.size() > 1 ? "s " : " ",
                       absl::StrJoin(missing, ", "), ".");
    }
  }
  return raw;
}

// Index of the best-fitting occupation (most shared ISCO digits, then most
// years), or -1 when the candidate lists none.
int BestOccupation(const CandidateView& cand, Isco isco, int& common) {
  int best = -1;
  common = 0;
  for (size_t i = 0; i < cand.occupations.size(); ++i) {
    const OccupationEntry& o = cand.occupations[i];
    const int c = IscoCommonDigits(o.isco, isco);
    if (best < 0 || c > common ||
        (c == common && o.experience_years > cand.occupations[best].experience_years)) {
      best = static_cast<int>(i);
      common = c;
    }
  }
  return best;
}

void Run(const CandidateView& cand, const CompiledVacancy& v, const MatchWorld& world,
         Interner& interner, Result& r, Sink* sink) {
  const CompiledVacancy::OriginTerms* terms = v.FindOrigin(cand.nationality);
  if (terms != nullptr) {
    r.failures = terms->failures;
    r.weights = terms->weights;
  } else {
    r.failures = v.vacancy_failures | Bit(Reason::kNoAgreement);
    if (!v.eligible_origins.empty() && !Contains(v.eligible_origins, cand.nationality)) {
      r.failures |= Bit(Reason::kOriginNotEligible);
    }
    r.weights = v.weights;
  }

  // ---- rules on the candidate

  // Languages (also the language margin).
  double margin_sum = 0;
  std::vector<std::string> lang_notes, lang_missing;
  for (const CompiledVacancy::LanguageRequirement& req : v.languages) {
    const uint8_t level = LanguageLevel(cand.languages, req.language);
    if (level < req.min_level) {
      r.failures |= Bit(Reason::kLanguageBelowMinimum);
      if (sink) {
        lang_missing.push_back(absl::StrCat(req.code, " at ", Cefr(req.min_level), " (has ",
                                            Cefr(level), ")"));
      }
    }
    const double term = LanguageTerm(level, req.min_level);
    margin_sum += term;
    if (sink) {
      lang_notes.push_back(absl::StrCat(Cefr(level), " ", req.code, " against ",
                                        Cefr(req.min_level), " required: margin ", Fmt(term)));
    }
  }

  // Credentials.
  std::vector<std::string> cred_missing;
  for (uint32_t kind : v.required_credentials) {
    bool ok = false;
    for (const CredentialEntry& c : cand.credentials) {
      if (c.kind == kind && RecognisedIn(c, v.destination)) {
        ok = true;
        break;
      }
    }
    if (!ok) {
      r.failures |= Bit(Reason::kCredentialNotRecognised);
      if (sink) cred_missing.push_back(interner.Name(kind));
    }
  }

  // Licence.
  if (v.required_licence.has_value()) {
    bool ok = false;
    for (const LicenceEntry& l : cand.licences) {
      if (l.profession == *v.required_licence && l.issuing_country == v.destination &&
          (l.valid_until == kNoDay || l.valid_until >= v.start)) {
        ok = true;
        break;
      }
    }
    if (!ok) {
      r.failures |= Bit(Reason::kLicenceRequired);
      if (sink) {
        sink->failures[static_cast<int>(Reason::kLicenceRequired)] = absl::StrCat(
            "Needs a ", interner.Name(*v.required_licence), " licence issued by ",
            UnpackCountry(v.destination), " and valid on ", FormatDay(v.start), ".");
      }
    }
  }

  // Availability.
  if (AvailabilityFails(cand.available_from, cand.available_until, v.start)) {
    r.failures |= Bit(Reason::kNotAvailableInWindow);
    if (sink) {
      sink->failures[static_cast<int>(Reason::kNotAvailableInWindow)] = absl::StrCat(
          "Available ", FormatDay(cand.available_from), " to ", FormatDay(cand.available_until),
          ", but the vacancy starts on ", FormatDay(v.start), ".");
    }
  }

  // Consent.
  if (!cand.consent) {
    r.failures |= Bit(Reason::kConsentMissing);
    if (sink) {
      sink->failures[static_cast<int>(Reason::kConsentMissing)] =
          "The candidate has not given consent, or has withdrawn it.";
    }
  }

  // Agency licence.
  {
    auto it = world.agency_licence_valid.find(cand.agency);
    if (cand.agency == 0 || it == world.agency_licence_valid.end() || !it->second) {
      r.failures |= Bit(Reason::kAgencyLicenceInvalid);
      if (sink) {
        sink->failures[static_cast<int>(Reason::kAgencyLicenceInvalid)] = absl::StrCat(
            "The candidate's agency ", cand.agency == 0 ? "(none)" : interner.Name(cand.agency),
            " has no licence valid on ", FormatDay(world.today), ".");
      }
    }
  }

  // Return rule.
  if (terms != nullptr && terms->not_returned_ineligible) {
    for (const HistoryEntry& h : cand.history) {
      if (h.outcome == v1::RETURN_OUTCOME_NOT_RETURNED) {
        r.failures |= Bit(Reason::kNotReturnedFromPreviousStay);
        if (sink) {
          sink->failures[static_cast<int>(Reason::kNotReturnedFromPreviousStay)] = absl::StrCat(
              "Did not return from an earlier stay", h.agreement != 0 ? " under " : "",
              h.agreement != 0 ? interner.Name(h.agreement) : "", ", and agreement ",
              interner.Name(terms->agreement_interned), " makes that ineligible.");
        }
        break;
      }
    }
  }

  // Open placement.
  if (!world.placed_candidates.empty() && world.placed_candidates.contains(cand.id)) {
    r.failures |= Bit(Reason::kAlreadyPlaced);
    if (sink) {
      sink->failures[static_cast<int>(Reason::kAlreadyPlaced)] =
          "Already holds a placement in progress (selected to deployed).";
    }
  }

  // ---- components

  r.raw[0] = SkillCoverage(cand, v, interner, r.failures, sink);

  // Occupation fit and experience.
  int common = 0;
  const int best = BestOccupation(cand, v.isco, common);
  r.raw[1] = common / 4.0;
  double years = 0;
  if (best >= 0 && common > 0) years = cand.occupations[best].experience_years;
  const double denom = std::max(2.0 * v.min_experience_years, 4.0);
  r.raw[2] = ExperienceRaw(years, v.min_experience_years);

  // Language margin.
  r.raw[3] = v.languages.empty() ? 0.0 : margin_sum / v.languages.size();

  // Education.
  r.raw[4] = EducationRaw(cand.education, v.min_education);

  // Verified credentials.
  size_t recognised = 0;
  for (const CredentialEntry& c : cand.credentials) {
    if (RecognisedIn(c, v.destination)) ++recognised;
  }
  r.raw[5] = cand.credentials.empty()
                 ? 0.0
                 : static_cast<double>(recognised) / cand.credentials.size();

  // Re-entry credit.
  double reentry = 0;
  if (terms != nullptr && terms->reentry_bonus) {
    for (const HistoryEntry& h : cand.history) {
      if (h.agreement != terms->agreement_interned) continue;
      if (h.outcome == v1::RETURN_OUTCOME_ON_TIME) reentry = std::max(reentry, 1.0);
      if (h.outcome == v1::RETURN_OUTCOME_LATE) reentry = std::max(reentry, 0.5);
    }
  }
  r.raw[6] = reentry;

  // Preference fit.
  int lists = 0, satisfied = 0;
  if (!cand.preferred_destinations.empty()) {
    ++lists;
    if (Contains(cand.preferred_destinations, v.destination)) ++satisfied;
  }
  if (cand.preferred_schemes != 0) {
    ++lists;
    if (v.scheme < 8 && (cand.preferred_schemes & (1u << v.scheme)) != 0) ++satisfied;
  }
  bool occupation_ok = false;
  if (!cand.preferred_occupations.empty()) {
    ++lists;
    for (Isco p : cand.preferred_occupations) {
      if (IscoHasPrefix(v.isco, p)) {
        occupation_ok = true;
        break;
      }
    }
    if (occupation_ok) ++satisfied;
  }
  r.raw[7] = lists == 0 ? 0.0 : static_cast<double>(satisfied) / lists;

  // The score: contributions added in Component order.
  double score = 0;
  for (int i = 0; i < kComponentCount; ++i) {
    r.contribution[i] = r.raw[i] * r.weights[i];
    score += r.contribution[i];
  }
  r.score = score;

  if (sink == nullptr) return;

  // ---- sentences (explained path only)

  if (!lang_missing.empty()) {
    sink->failures[static_cast<int>(Reason::kLanguageBelowMinimum)] =
        absl::StrCat("Below the required level in ", absl::StrJoin(lang_missing, ", "), ".");
  }
  if (!cred_missing.empty()) {
    sink->failures[static_cast<int>(Reason::kCredentialNotRecognised)] =
        absl::StrCat("Holds no verified ", absl::StrJoin(cred_missing, ", "),
                     " recognised in ", UnpackCountry(v.destination), ".");
  }
  if (terms != nullptr) {
    for (const auto& [reason, message] : terms->messages) {
      sink->failures[static_cast<int>(reason)] = message;
    }
  } else {
    const std::string origin = UnpackCountry(cand.nationality);
    sink->failures[static_cast<int>(Reason::kNoAgreement)] = absl::StrCat(
        "No agreement covers nationals of ", origin.empty() ? "(unknown)" : origin, " for ",
        SchemeLabel(v.scheme), " work in ", UnpackCountry(v.destination), " in ISCO ",
        FormatIsco(v.isco), ".");
    sink->failures[static_cast<int>(Reason::kOriginNotEligible)] = absl::StrCat(
        "The vacancy is open only to nationals of ",
        absl::StrJoin(v.eligible_origins, ", ",
                      [](std::string* out, Country c) { out->append(UnpackCountry(c)); }),
        "; the candidate is a national of ", origin.empty() ? "(unknown)" : origin, ".");
    sink->failures[static_cast<int>(Reason::kEmployerSuspended)] =
        "The employer is suspended and gets no matches.";
  }

  std::string* d = sink->details.data();
  if (best < 0) {
    d[1] = "no occupation listed";
  } else {
    const std::string held = FormatIsco(cand.occupations[best].isco);
    const std::string want = FormatIsco(v.isco);
    static const char* const kLevel[] = {"", "major group", "sub-major group", "minor group",
                                         "unit group"};
    if (common == 0) {
      d[1] = absl::StrCat("no occupation in the major group of ", want);
    } else if (common == 4) {
      d[1] = absl::StrCat("holds ", held, ", the vacancy's unit group: ", Fmt(r.raw[1]));
    } else {
      d[1] = absl::StrCat(held, " shares the ", kLevel[common], " ", want.substr(0, common),
                          " with ", want, ": ", Fmt(r.raw[1]));
    }
  }
  if (best < 0 || common == 0) {
    d[2] = "no experience in a related occupation";
  } else {
    d[2] = absl::StrCat(years, " years in ", FormatIsco(cand.occupations[best].isco),
                        " against ", v.min_experience_years, " required: ", Fmt(years), "/",
                        Fmt(denom), ", capped at 1: ", Fmt(r.raw[2]));
  }
  d[3] = v.languages.empty() ? "no language required" : absl::StrJoin(lang_notes, "; ");
  if (v.min_education == 0) {
    d[4] = cand.education > 0 ? "no minimum education; level stated"
                              : "no minimum education; none stated";
  } else {
    d[4] = absl::StrCat("education ", IscedLabel(cand.education), " against ",
                        IscedLabel(v.min_education), " required: ", Fmt(r.raw[4]));
  }
  d[5] = cand.credentials.empty()
             ? "no credentials"
             : absl::StrCat(recognised, " of ", cand.credentials.size(),
                            " credentials verified and recognised in ",
                            UnpackCountry(v.destination));
  if (terms == nullptr || !terms->reentry_bonus) {
    d[6] = "the agreement gives no re-entry bonus";
  } else if (reentry == 1.0) {
    d[6] = absl::StrCat("returned on time from an earlier stay under ",
                        interner.Name(terms->agreement_interned));
  } else if (reentry == 0.5) {
    d[6] = absl::StrCat("returned late from an earlier stay under ",
                        interner.Name(terms->agreement_interned));
  } else {
    d[6] = absl::StrCat("no earlier stay under ", interner.Name(terms->agreement_interned),
                        " with a return");
  }
  d[7] = lists == 0 ? "no preferences stated"
                    : absl::StrCat(satisfied, " of ", lists, " preference lists satisfied");
}

std::string ProtectionSentence(const CompiledAgreement& a, const CompiledAgreement::Protection& p,
                               Country origin, absl::string_view rest) {
  return absl::StrCat(UnpackCountry(p.origin != 0 ? p.origin : origin),
                      " protects occupation group ", FormatIsco(p.prefix), " under agreement ",
                      a.id, ": ", rest, ".");
}

}  // namespace

Evaluator::Evaluator(const Taxonomy& taxonomy, Interner& interner)
    : taxonomy_(taxonomy), interner_(interner) {
  for (const Skill& s : taxonomy_.skills()) {
    if (!s.parent.empty()) skill_children_[s.parent].push_back(s.id);
  }
  for (auto& [parent, children] : skill_children_) std::sort(children.begin(), children.end());
}

CompiledVacancy Evaluator::Compile(const v1::Vacancy& vacancy, const v1::Employer* employer,
                                   const MatchWorld& world) const {
  CompiledVacancy v;
  v.id = std::string(LastSegment(vacancy.name()));
  v.destination = PackCountry(vacancy.destination());
  v.isco = ParseIsco(vacancy.isco_code());
  v.scheme = static_cast<uint8_t>(vacancy.scheme());
  if (vacancy.has_window()) {
    v.start = ToDay(vacancy.window().start());
    v.end = ToDay(vacancy.window().end());
  }
  for (const v1::RequiredSkill& s : vacancy.required_skills()) {
    CompiledVacancy::Requirement req;
    req.skill = interner_.Intern(s.skill_id());
    req.skill_id = s.skill_id();
    req.min_level = static_cast<uint8_t>(std::clamp(s.min_level(), 1, 4));
    req.weight = std::max(1, s.weight());
    req.must_have = s.must_have();
    const Skill* skill = taxonomy_.FindSkill(s.skill_id());
    if (skill != nullptr && !skill->parent.empty()) {
      auto it = skill_children_.find(skill->parent);
      if (it != skill_children_.end()) {
        for (size_t rank = 0; rank < it->second.size(); ++rank) {
          if (it->second[rank] == s.skill_id()) continue;
          req.siblings.emplace_back(interner_.Intern(it->second[rank]),
                                    static_cast<uint32_t>(rank));
        }
        std::sort(req.siblings.begin(), req.siblings.end());
      }
    }
    v.skills.push_back(std::move(req));
  }
  for (const v1::RequiredLanguage& l : vacancy.required_languages()) {
    v.languages.push_back(CompiledVacancy::LanguageRequirement{
        interner_.Intern(l.language_code()), l.language_code(),
        static_cast<uint8_t>(std::clamp<int>(l.min_level(), 0, kCefrC2))});
  }
  v.min_experience_years = std::max(0, vacancy.min_experience_years());
  v.min_education = static_cast<uint8_t>(std::max<int>(0, vacancy.min_education()));
  for (const std::string& kind : vacancy.required_credentials()) {
    v.required_credentials.push_back(interner_.Intern(kind));
  }
  if (!vacancy.required_licence().empty()) {
    v.required_licence = interner_.Intern(vacancy.required_licence());
  }
  for (const std::string& o : vacancy.eligible_origins()) {
    v.eligible_origins.push_back(PackCountry(o));
  }
  v.employer_suspended =
      employer != nullptr && employer->standing() == v1::EMPLOYER_STANDING_SUSPENDED;
  v.labour_market_test = vacancy.labour_market_test();
  v.weights = ResolveWeights(vacancy.score_weights(), nullptr);
  if (v.employer_suspended) v.vacancy_failures |= Bit(Reason::kEmployerSuspended);

  // Agreements covering destination, scheme and occupation, whatever the origin.
  std::vector<const CompiledAgreement*> covering;
  for (const CompiledAgreement& a : world.agreements) {
    if (!Contains(a.destinations, v.destination)) continue;
    if (v.scheme >= 8 || (a.schemes & (1u << v.scheme)) == 0) continue;
    if (!a.occupation_scope.empty()) {
      bool in_scope = false;
      for (Isco p : a.occupation_scope) in_scope = in_scope || IscoHasPrefix(v.isco, p);
      if (!in_scope) continue;
    }
    covering.push_back(&a);
  }
  std::vector<Country> origins;
  for (const CompiledAgreement* a : covering) {
    origins.insert(origins.end(), a->origins.begin(), a->origins.end());
  }
  std::sort(origins.begin(), origins.end());
  origins.erase(std::unique(origins.begin(), origins.end()), origins.end());

  for (Country origin : origins) {
    CompiledVacancy::OriginTerms t;
    t.origin = origin;
    t.failures = v.vacancy_failures;
    t.weights = v.weights;
    std::array<std::string, kReasonCount> msg;
    const std::string origin_name = UnpackCountry(origin);

    const CompiledAgreement* applied = nullptr;
    std::vector<std::string> not_in_force;
    for (const CompiledAgreement* a : covering) {
      if (!Contains(a->origins, origin)) continue;
      const bool in_force = (a->in_force_from == kNoDay || a->in_force_from <= v.start) &&
                            (a->expiry == kNoDay || v.start <= a->expiry);
      if (!in_force) {
        not_in_force.push_back(absl::StrCat(a->id, " (in force ", FormatDay(a->in_force_from),
                                            " to ",
                                            a->expiry == kNoDay ? "open" : FormatDay(a->expiry),
                                            ")"));
      } else if (applied == nullptr || a->id < applied->id) {
        applied = a;
      }
    }

    if (applied == nullptr) {
      t.failures |= Bit(Reason::kAgreementNotInForce);
      msg[static_cast<int>(Reason::kAgreementNotInForce)] =
          absl::StrCat("No agreement covering this corridor is in force on ",
                       FormatDay(v.start), ": ", absl::StrJoin(not_in_force, ", "), ".");
    } else {
      const CompiledAgreement& a = *applied;
      t.agreement = static_cast<int32_t>(applied - world.agreements.data());
      t.agreement_interned = a.interned;
      t.reentry_bonus = a.reentry_policy == v1::REENTRY_POLICY_SCORE_BONUS;
      t.not_returned_ineligible = a.not_returned_ineligible;
      t.weights = ResolveWeights(vacancy.score_weights(), a.has_weights ? &a.weights : nullptr);

      auto cells_it = world.cells.find(a.id);
      const CellTree tree(cells_it == world.cells.end() ? nullptr : &cells_it->second);

      // Protected occupations (ORIGIN_CONSENT is a lifecycle step, not a rule).
      std::vector<std::string> protections;
      for (const CompiledAgreement::Protection& p : a.protected_occupations) {
        if (p.origin != 0 && p.origin != origin) continue;
        if (!IscoHasPrefix(v.isco, p.prefix)) continue;
        if (p.mode == v1::PROTECTION_MODE_BLOCK) {
          protections.push_back(ProtectionSentence(a, p, origin, "no placements"));
        } else if (p.mode == v1::PROTECTION_MODE_SEPARATE_CAP) {
          const CompiledCell* cap = tree.Find(p.separate_cap_cell);
          if (cap == nullptr) {
            protections.push_back(ProtectionSentence(
                a, p, origin,
                absl::StrCat("its separate cap cell ", p.separate_cap_cell, " does not exist")));
          } else if (const CompiledCell* full = tree.FirstFull(*cap)) {
            protections.push_back(ProtectionSentence(
                a, p, origin,
                absl::StrCat("its separate cap cell ", cap->id, " is full (",
                             FullCellSentence(*full), ")")));
          }
        }
      }
      if (!protections.empty()) {
        t.failures |= Bit(Reason::kProtectedOccupation);
        msg[static_cast<int>(Reason::kProtectedOccupation)] = absl::StrJoin(protections, " ");
      }

      if (a.labour_market_test_required &&
          (v.labour_market_test == v1::LABOUR_MARKET_TEST_PENDING ||
           v.labour_market_test == v1::LABOUR_MARKET_TEST_UNSPECIFIED)) {
        t.failures |= Bit(Reason::kLabourMarketTestPending);
        msg[static_cast<int>(Reason::kLabourMarketTestPending)] = absl::StrCat(
            "Agreement ", a.id,
            " requires a labour-market test, and this vacancy's test is not done or exempt.");
      }

      // Quota: the leaf, then its overflow.
      const CompiledCell* leaf = tree.Leaf(v.start, v.destination, origin, v.isco, v.scheme);
      if (leaf != nullptr) {
        t.leaf_cell = leaf->id;
        const CompiledCell* full = tree.FirstFull(*leaf);
        if (full == nullptr) {
          t.quota_cell = leaf->id;
        } else {
          const CompiledCell* overflow =
              leaf->overflow.empty() ? nullptr : tree.Find(leaf->overflow);
          const CompiledCell* overflow_full =
              overflow == nullptr ? nullptr : tree.FirstFull(*overflow);
          if (overflow != nullptr && overflow_full == nullptr) {
            t.quota_cell = overflow->id;
          } else {
            t.quota_cell = leaf->id;
            t.failures |= Bit(Reason::kQuotaExhausted);
            std::string m = absl::StrCat("Quota cell ", leaf->id, " of agreement ", a.id,
                                         " is exhausted: ", FullCellSentence(*full));
            if (overflow != nullptr) {
              absl::StrAppend(&m, "; its overflow ", overflow->id, " is exhausted too: ",
                              FullCellSentence(*overflow_full));
            } else if (!leaf->overflow.empty()) {
              absl::StrAppend(&m, "; its overflow cell ", leaf->overflow, " does not exist");
            }
            msg[static_cast<int>(Reason::kQuotaExhausted)] = absl::StrCat(m, ".");
          }
        }
      }
    }

    if (!v.eligible_origins.empty() && !Contains(v.eligible_origins, origin)) {
      t.failures |= Bit(Reason::kOriginNotEligible);
      msg[static_cast<int>(Reason::kOriginNotEligible)] = absl::StrCat(
          "The vacancy is open only to nationals of ",
          absl::StrJoin(v.eligible_origins, ", ",
                        [](std::string* out, Country c) { out->append(UnpackCountry(c)); }),
          "; the candidate is a national of ", origin_name, ".");
    }
    if (v.employer_suspended) {
      msg[static_cast<int>(Reason::kEmployerSuspended)] =
          "The employer is suspended and gets no matches.";
    }
    for (int i = 0; i < kReasonCount; ++i) {
      if ((t.failures & (1u << i)) != 0) {
        t.messages.emplace_back(static_cast<Reason>(i), std::move(msg[i]));
      }
    }
    v.origins.push_back(std::move(t));
  }
  return v;
}

Verdict Evaluator::Evaluate(const CandidateView& candidate, const CompiledVacancy& vacancy,
                            const MatchWorld& world) const {
  Result r;
  Run(candidate, vacancy, world, interner_, r, nullptr);
  Verdict verdict;
  verdict.failures = r.failures;
  verdict.score_micros = std::llround(r.score * 1e6);
  return verdict;
}

Explanation Evaluator::Explain(const CandidateView& candidate, const CompiledVacancy& vacancy,
                               const MatchWorld& world) const {
  Result r;
  Sink sink;
  Run(candidate, vacancy, world, interner_, r, &sink);
  Explanation ex;
  ex.eligible = r.failures == 0;
  for (int i = 0; i < kReasonCount; ++i) {
    if ((r.failures & (1u << i)) == 0) continue;
    std::string message = std::move(sink.failures[i]);
    if (message.empty()) message = absl::StrCat("Rule ", ReasonName(static_cast<Reason>(i)), " failed.");
    ex.failures.push_back(RuleFailure{static_cast<Reason>(i), std::move(message)});
  }
  for (int i = 0; i < kComponentCount; ++i) {
    ex.components.push_back(ComponentScore{static_cast<Component>(i), r.raw[i], r.weights[i],
                                           r.contribution[i], std::move(sink.details[i])});
  }
  ex.score = r.score;
  const CompiledVacancy::OriginTerms* terms = vacancy.FindOrigin(candidate.nationality);
  if (terms != nullptr) {
    ex.quota_cell = terms->quota_cell;
    ex.leaf_cell = terms->leaf_cell;
    if (terms->agreement >= 0) ex.agreement = world.agreements[terms->agreement].id;
  }
  return ex;
}

uint32_t Evaluator::CandidateFailures(const CandidateView& candidate,
                                      const CompiledVacancy& vacancy,
                                      const MatchWorld& world) const {
  Result r;
  Run(candidate, vacancy, world, interner_, r, nullptr);
  return r.failures;
}

void SummarizeCandidate(const CandidateView& c, const HotSkills& hot, CandidateScreen& w,
                        CandidateSummary& s) {
  w = CandidateScreen();
  s = CandidateSummary();
  for (const SkillEntry& e : c.skills) {
    for (int t = 1; t <= e.level && t <= 4; ++t) w.skill_sig |= SkillLevelBit(e.skill, t);
    const int slot = hot.Find(e.skill);
    // The first entry of a skill is the one HeldLevel finds.
    if (slot >= 0 && ((w.hot_levels >> (4 * slot)) & 0xF) == 0) {
      const uint64_t level = std::min<uint8_t>(e.level, 15);
      w.hot_levels |= level << (4 * slot);
    }
  }
  w.window_from =
      c.available_from == kNoDay ? CandidateScreen::kNoWindowFrom : c.available_from;
  w.window_until = c.available_until;
  s.agency = c.agency;
  s.occ_count = static_cast<uint8_t>(std::min<size_t>(c.occupations.size(), 255));
  for (size_t i = 0; i < c.occupations.size(); ++i) {
    const OccupationEntry& o = c.occupations[i];
    if (i < 2) {
      const std::optional<uint16_t> index = IscoIndex(o.isco);
      if (index.has_value()) {
        s.occ_isco[i] = *index;
        s.occ_years[i] = o.experience_years;
      } else {
        s.occ_count = 255;
      }
    }
    s.occ_max_years = std::max(s.occ_max_years, o.experience_years);
  }
  if (s.occ_count > 2) {
    s.occ_isco[0] = s.occ_isco[1] = kIscoIndexNone;
    s.occ_years[0] = s.occ_years[1] = 0;
  }
  bool inline_languages = c.languages.size() <= 3;
  s.lang_count = static_cast<uint8_t>(std::min<size_t>(c.languages.size(), 255));
  for (size_t i = 0; i < c.languages.size() && i < 3; ++i) {
    if (c.languages[i].language > UINT16_MAX) {
      inline_languages = false;
      continue;
    }
    s.lang[i] = static_cast<uint16_t>(c.languages[i].language);
    s.lang_level[i] = c.languages[i].level;
  }
  if (!c.preferred_destinations.empty()) s.pref_destination = c.preferred_destinations[0];
  s.pref_destination_count =
      static_cast<uint8_t>(std::min<size_t>(c.preferred_destinations.size(), 255));
  s.pref_isco_count = static_cast<uint8_t>(std::min<size_t>(c.preferred_occupations.size(), 255));
  s.preferred_schemes = c.preferred_schemes;
  s.education = c.education;
  uint8_t f = 0;
  if (c.consent) f |= CandidateSummary::kConsent;
  for (const HistoryEntry& h : c.history) {
    if (h.outcome == v1::RETURN_OUTCOME_NOT_RETURNED) f |= CandidateSummary::kNotReturned;
    if (h.outcome == v1::RETURN_OUTCOME_ON_TIME) f |= CandidateSummary::kReturnedOnTime;
    if (h.outcome == v1::RETURN_OUTCOME_LATE) f |= CandidateSummary::kReturnedLate;
  }
  if (!c.credentials.empty()) f |= CandidateSummary::kCredentials;
  for (const CredentialEntry& e : c.credentials) {
    if (e.verified) f |= CandidateSummary::kVerifiedCredential;
  }
  if (!c.licences.empty()) f |= CandidateSummary::kLicences;
  if (inline_languages) f |= CandidateSummary::kLanguagesInline;
  s.flags = f;
}

namespace {

constexpr uint32_t kPow10[5] = {1, 10, 100, 1000, 10000};
static_assert(kCefrC2 <= 15, "language levels above 15 share level 15's term");

// QuickScoreBoundMicros from the sum of its weighted terms.
inline int64_t QuickMicros(double score) {
  // Summed in another order than ScoreBoundImpl: the margin of 2 micros
  // (plus a relative 1e-12) covers the truncation and the rounding
  // differences (a few ulps).
  const double micros = score * 1e6;
  if (!(micros < 1e18 && micros > -1e18)) return INT64_MAX;
  return static_cast<int64_t>(micros + std::abs(micros) * 1e-12) + 2;
}

}  // namespace

ScanPlan Evaluator::PlanScan(const CompiledVacancy& v, const MatchWorld& world,
                             const CompiledVacancy::OriginTerms* terms,
                             const HotSkills& hot) const {
  ScanPlan p;
  p.vacancy = &v;
  p.world = &world;
  p.terms = terms;
  // As Run: an origin no agreement covers fails NO_AGREEMENT (and maybe
  // ORIGIN_NOT_ELIGIBLE, which depends on the nationality: such plans are
  // only used for origins listed in vacancy.origins).
  p.origin_failures = terms != nullptr ? terms->failures
                                       : v.vacancy_failures | Bit(Reason::kNoAgreement);
  p.weights = terms != nullptr ? terms->weights : v.weights;
  p.start = v.start;
  // Entry 0 (no agency) stays false, and the table is never empty.
  p.agency_ok.assign(1, 0);
  for (const auto& [agency, valid] : world.agency_licence_valid) {
    if (agency == 0 || !valid) continue;
    if (p.agency_ok.size() <= agency) p.agency_ok.resize(agency + 1, 0);
    p.agency_ok[agency] = 1;
  }
  p.not_returned_ineligible = terms != nullptr && terms->not_returned_ineligible;
  p.check_placed = !world.placed_candidates.empty();
  for (const CompiledVacancy::Requirement& req : v.skills) {
    ScanPlan::Skill k;
    k.hot = hot.Find(req.skill);
    k.skill = req.skill;
    k.min_level = req.min_level;
    k.must_have = req.must_have;
    k.weight = req.weight;
    for (int t = 1; t <= 4; ++t) k.bits[t] = SkillLevelBit(req.skill, t);
    for (int t = 1; t <= std::min<int>(k.min_level, 4); ++t) k.level_mask |= k.bits[t];
    for (const auto& [sibling, rank] : req.siblings) k.sibling_bits |= SkillLevelBit(sibling, 1);
    for (int level = 0; level < 16; ++level) {
      // As ScoreBoundMicros' credit for a held level.
      double credit = 0;
      if (level >= k.min_level) {
        credit = 1.0;
      } else if (level > 0) {
        credit = static_cast<double>(level) / k.min_level;
      }
      k.credit[level] = credit;
    }
    p.skills.push_back(k);
    if (k.must_have) p.must_skills.push_back(k);
  }
  // The must-have skills as ScreenBlock's first pass tests them, deciding
  // as SummaryFailures' LevelBound does: a hot skill's level is exact (at
  // most 15), a cold one is missing when a bit of thresholds 1..minimum is
  // clear (always when the minimum is above 4).
  static_assert(kHotSkillSlots == 16, "hot_levels holds 16 nibbles, two per byte lane");
  std::array<int, kHotSkillSlots> hot_min{};  // 0: no minimum
  for (const ScanPlan::Skill& k : p.must_skills) {
    if (k.hot >= 0) {
      p.must_hot = true;
      if (k.min_level > 16) p.must_never = true;
      hot_min[k.hot] = std::max<int>(hot_min[k.hot], std::min<int>(k.min_level, 16));
    } else {
      p.must_cold = true;
      if (k.min_level > 4) p.must_never = true;
      p.must_cold_mask |= k.level_mask;
    }
  }
  for (int slot = 0; slot < kHotSkillSlots; ++slot) {
    // A level byte (0..15) plus 16 - minimum reaches bit 4 exactly when the
    // level is at least the minimum; plus 16 always.
    const uint64_t add = hot_min[slot] == 0 ? 16 : 16 - hot_min[slot];
    p.must_hot_add[slot & 1] |= add << (8 * (slot >> 1));
  }
  for (const CompiledVacancy::LanguageRequirement& l : v.languages) {
    ScanPlan::Language lang{l.language, l.min_level, {}};
    for (int level = 0; level < 16; ++level) {
      lang.term[level] = LanguageTerm(static_cast<uint8_t>(level), l.min_level);
    }
    p.languages.push_back(lang);
    if (l.min_level > 0) {
      p.language_checks.push_back(ScanPlan::LanguageCheck{
          static_cast<uint16_t>(l.language <= UINT16_MAX ? l.language : 0), l.min_level});
    }
  }
  // IscoCommonDigits against the vacancy's code for every code of 1..4
  // digits: the codes of d digits sharing the first c digits of the
  // vacancy's form one range.
  p.occ_common.assign(kIscoIndexCount, 0);  // kIscoIndexNone: 0
  const int vd = v.isco.digits;
  if (vd >= 1 && vd <= 4 && v.isco.code < kPow10[vd]) {
    for (int d = 1; d <= 4; ++d) {
      for (int c = 1; c <= std::min(d, vd); ++c) {
        const uint32_t prefix = v.isco.code / kPow10[vd - c];
        const uint32_t lo = prefix * kPow10[d - c], hi = (prefix + 1) * kPow10[d - c];
        for (uint32_t code = lo; code < hi && code < kPow10[d]; ++code) {
          p.occ_common[kIscoIndexOffset[d] + code] = static_cast<uint8_t>(c);
        }
      }
    }
  } else {
    for (int d = 1; d <= 4; ++d) {
      for (uint32_t code = 0; code < kPow10[d]; ++code) {
        p.occ_common[kIscoIndexOffset[d] + code] =
            static_cast<uint8_t>(IscoCommonDigits(Isco{static_cast<uint16_t>(code),
                                                       static_cast<uint8_t>(d)}, v.isco));
      }
    }
  }
  p.needs_credentials = !v.required_credentials.empty();
  p.needs_licence = v.required_licence.has_value();
  for (int flags = 0; flags < 256; ++flags) {
    // The rules the summary's flags decide, as Run applies them: only
    // verified credentials can be recognised, and a licence must be held.
    uint32_t f = 0;
    bool undecided = false;
    if ((flags & CandidateSummary::kConsent) == 0) f |= Bit(Reason::kConsentMissing);
    if (p.not_returned_ineligible && (flags & CandidateSummary::kNotReturned) != 0) {
      f |= Bit(Reason::kNotReturnedFromPreviousStay);
    }
    if (p.needs_credentials) {
      if ((flags & CandidateSummary::kVerifiedCredential) == 0) {
        f |= Bit(Reason::kCredentialNotRecognised);
      } else {
        undecided = true;
      }
    }
    if (p.needs_licence) {
      if ((flags & CandidateSummary::kLicences) == 0) {
        f |= Bit(Reason::kLicenceRequired);
      } else {
        undecided = true;
      }
    }
    p.flag_failures[flags] = f;
    p.flag_undecided[flags] = undecided ? 1 : 0;
  }
  // The quick bound's terms: the same component values ScoreBoundMicros
  // computes, weighted; skill coverage and language margin lie in 0..1.
  const Weights& wt = p.weights;
  p.scheme_bit = v.scheme < 8 ? static_cast<uint8_t>(1u << v.scheme) : 0;
  p.quick_ok = true;
  for (double x : wt) p.quick_ok = p.quick_ok && std::isfinite(x);
  p.quick_const = std::max(wt[0], 0.0) + (p.languages.empty() ? 0.0 : std::max(wt[3], 0.0));
  for (int c = 0; c <= 4; ++c) p.quick_occupation[c] = (c / 4.0) * wt[1];
  for (int i = 0; i < 256; ++i) {
    p.quick_experience[i] = ExperienceRaw(i, v.min_experience_years) * wt[2];
    p.quick_education[i] = EducationRaw(static_cast<uint8_t>(i), v.min_education) * wt[4];
    const double credential = (i & CandidateSummary::kVerifiedCredential) != 0 ? 1.0 : 0.0;
    double reentry = 0;
    if (p.terms != nullptr && p.terms->reentry_bonus) {
      reentry = (i & CandidateSummary::kReturnedOnTime) != 0 ? 1.0
                : (i & CandidateSummary::kReturnedLate) != 0 ? 0.5
                                                              : 0.0;
    }
    p.quick_flags[i] = credential * wt[5] + reentry * wt[6];
  }
  for (int lists = 0; lists <= 3; ++lists) {
    for (int satisfied = 0; satisfied <= lists; ++satisfied) {
      p.quick_preference[lists * 4 + satisfied] =
          (lists == 0 ? 0.0 : static_cast<double>(satisfied) / lists) * wt[7];
    }
  }
  // ScreenBoundImpl's terms: each skill's weighted share of the skill
  // coverage by (level bound, sibling bit), as ScoreBoundMicros credits it;
  // one language's weighted margin by inline level (16: not all inline). A
  // raw value in 0..1 times a negative weight is at most 0.
  {
    double den = 0;
    for (const ScanPlan::Skill& k : p.skills) den += k.weight;
    const bool shares = den > 0 && std::isfinite(den);
    for (ScanPlan::Skill& k : p.skills) {
      for (int index = 0; index < 32; ++index) {
        const int level = index / 2;
        const bool sibling = (index & 1) != 0 && (level == 0 || k.hot < 0);
        const double credit = sibling ? std::max(k.credit[level], 0.5) : k.credit[level];
        k.screen_term[index] =
            wt[0] <= 0 ? 0.0 : shares ? k.weight * credit / den * wt[0] : wt[0];
      }
    }
    if (p.languages.size() == 1) {
      for (int level = 0; level < 16; ++level) {
        p.screen_language[level] = std::max(p.languages[0].term[level] * wt[3], 0.0);
      }
      p.screen_language[16] = std::max(wt[3], 0.0);
    }
  }
  // The quick bound by OccupationKey with the other terms at their largest,
  // summed in QuickBoundFromKey's order (so never below it).
  const double best_education =
      *std::max_element(p.quick_education.begin(), p.quick_education.end());
  const double best_flags = *std::max_element(p.quick_flags.begin(), p.quick_flags.end());
  const double best_preference =
      *std::max_element(p.quick_preference.begin(), p.quick_preference.end());
  for (int key = 0; key < static_cast<int>(p.quick_by_occupation.size()); ++key) {
    const int common = key >> 8;
    const int years = common > 0 ? (key & 0xFF) : 0;
    p.quick_by_occupation[key] =
        p.quick_ok ? QuickMicros(p.quick_const + p.quick_occupation[common] +
                                 p.quick_experience[years] + best_education + best_flags +
                                 best_preference)
                   : INT64_MAX;
  }
  p.quick_years_monotone = true;
  for (int key = 0; key < static_cast<int>(p.quick_by_occupation.size()); ++key) {
    if ((key & 0xFF) != 0 && p.quick_by_occupation[key] < p.quick_by_occupation[key - 1]) {
      p.quick_years_monotone = false;
    }
  }
  return p;
}

ScanPlan Evaluator::PlanScanLike(const ScanPlan& other, const CompiledVacancy& v,
                                 const MatchWorld& world,
                                 const CompiledVacancy::OriginTerms* terms,
                                 const HotSkills& hot) const {
  const CompiledVacancy::OriginTerms* a = other.terms;
  const bool same = other.vacancy == &v && other.world == &world && a != nullptr &&
                    terms != nullptr && a->weights == terms->weights &&
                    a->reentry_bonus == terms->reentry_bonus &&
                    a->not_returned_ineligible == terms->not_returned_ineligible;
  if (!same) return PlanScan(v, world, terms, hot);
  ScanPlan p = other;
  p.terms = terms;
  p.origin_failures = terms->failures;
  return p;
}

namespace {

// The best level the summary allows for a skill: exact for a hot skill, else
// the highest t whose bits 1..t are all set (the held level is at most that).
inline int LevelBound(const CandidateScreen& s, const ScanPlan::Skill& k, bool& exact) {
  if (k.hot >= 0) {
    exact = true;
    return static_cast<int>((s.hot_levels >> (4 * k.hot)) & 0xF);
  }
  exact = false;
  // The bits of thresholds 1..t all set, without branches.
  const int b1 = (s.skill_sig & k.bits[1]) != 0;
  const int b2 = b1 & ((s.skill_sig & k.bits[2]) != 0);
  const int b3 = b2 & ((s.skill_sig & k.bits[3]) != 0);
  const int b4 = b3 & ((s.skill_sig & k.bits[4]) != 0);
  return b1 + b2 + b3 + b4;
}

// The level of `language` among the inline languages (the max, as LanguageLevel).
// Without branches: slots past lang_count hold language 0, which is never
// an interned id.
inline uint8_t InlineLanguageLevel(const CandidateSummary& s, uint32_t language) {
  const uint32_t l0 = s.lang_level[0] & (0u - (s.lang[0] == language));
  const uint32_t l1 = s.lang_level[1] & (0u - (s.lang[1] == language));
  const uint32_t l2 = s.lang_level[2] & (0u - (s.lang[2] == language));
  return static_cast<uint8_t>(std::max(std::max(l0, l1), l2));
}

}  // namespace

namespace {

// AvailabilityFails(available_from, available_until, start) from the screen,
// with one comparison per bound (start is a day or kNoDay, never
// kNoWindowFrom).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool WindowFails(const CandidateScreen& w, Day start) {
  return (start < w.window_from) | (start > w.window_until);
}

// True when the best inline level of l.language is below l.min_level.
// Slots past lang_count hold language 0 at level 0, as do languages whose id
// does not fit (then kLanguagesInline is clear). Without branches.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool InlineLanguageBelow(const CandidateSummary& s,
                                                             const ScanPlan::LanguageCheck& l) {
  const uint8_t level = std::max(std::max(s.lang[0] == l.language ? s.lang_level[0] : 0,
                                          s.lang[1] == l.language ? s.lang_level[1] : 0),
                                 s.lang[2] == l.language ? s.lang_level[2] : 0);
  return level < l.min_level;
}

// The body of Evaluator::SummaryFailures, inlined into ScreenBlock: the
// rules decided by the flags come from the plan's table, the language
// levels from the three inline languages without branches.
// `available` is true when the caller has checked availability already.
template <typename IdFn>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline uint32_t SummaryFailuresImpl(
    const CandidateScreen& w, const CandidateSummary& s, const ScanPlan& p, const IdFn& id,
    uint32_t stop_on, bool& undecided, bool available = false) {
  uint32_t f = p.origin_failures;
  undecided = false;
  if ((f & stop_on) != 0) return f;
  if (!available && WindowFails(w, p.start)) {
    f |= Bit(Reason::kNotAvailableInWindow);
    if ((f & stop_on) != 0) return f;
  }
  for (const ScanPlan::Skill& k : p.must_skills) {
    bool exact;
    const int level = LevelBound(w, k, exact);
    if (level < k.min_level) {
      f |= Bit(Reason::kMissingRequiredSkill);
      if ((f & stop_on) != 0) return f;
    } else if (!exact) {
      undecided = true;  // the signature bits may come from other skills
    }
  }
  f |= p.flag_failures[s.flags];
  bool flags_undecided = p.flag_undecided[s.flags] != 0;
  const bool agency_ok = s.agency < p.agency_ok.size() && p.agency_ok[s.agency] != 0;
  f |= agency_ok ? 0 : Bit(Reason::kAgencyLicenceInvalid);
  const bool all_inline = (s.flags & CandidateSummary::kLanguagesInline) != 0;
  for (const ScanPlan::LanguageCheck& l : p.language_checks) {
    const bool below = InlineLanguageBelow(s, l);
    f |= (below && all_inline) ? Bit(Reason::kLanguageBelowMinimum) : 0;
    flags_undecided |= below && !all_inline;
  }
  undecided |= flags_undecided;
  if ((f & stop_on) != 0) return f;
  if (p.check_placed && p.world->placed_candidates.contains(id())) {
    f |= Bit(Reason::kAlreadyPlaced);
  }
  return f;
}



}  // namespace

namespace {

// common * 256 + years of the best-fitting of the first two occupations, as
// ScoreBoundImpl finds it (the largest key), or the best case (common 4, the
// most years) when they are not all. Without branches.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline int OccupationKey(const CandidateSummary& s,
                                                      const ScanPlan& p) {
  // A slot past occ_count holds kIscoIndexNone (common 0) and 0 years.
  const int key0 = p.occ_common[s.occ_isco[0]] * 256 + s.occ_years[0];
  const int key1 = p.occ_common[s.occ_isco[1]] * 256 + s.occ_years[1];
  return s.occ_count > 2 ? 4 * 256 + s.occ_max_years : std::max(key0, key1);
}


// QuickScoreBoundMicros given OccupationKey(s, p).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline int64_t QuickBoundFromKey(const CandidateSummary& s,
                                                              const ScanPlan& p, int key) {
  if (!p.quick_ok) return INT64_MAX;
  const int common = key >> 8;
  const int years = common > 0 ? (key & 0xFF) : 0;
  const CompiledVacancy& v = *p.vacancy;
  const int has_dest = s.pref_destination_count > 0;
  const int dest_ok = s.pref_destination_count > 1 || s.pref_destination == v.destination;
  const int has_scheme = s.preferred_schemes != 0;
  const int scheme_ok = (p.scheme_bit & s.preferred_schemes) != 0;
  const int has_isco = s.pref_isco_count > 0;
  const int lists = has_dest + has_scheme + has_isco;
  const int satisfied = (has_dest & dest_ok) + (has_scheme & scheme_ok) + has_isco;
  // The order of summation is the one PlanScan's quick_by_occupation uses.
  return QuickMicros(p.quick_const + p.quick_occupation[common] + p.quick_experience[years] +
                     p.quick_education[s.education] + p.quick_flags[s.flags] +
                     p.quick_preference[lists * 4 + satisfied]);
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline int64_t QuickBoundImpl(const CandidateSummary& s,
                                                           const ScanPlan& p) {
  return QuickBoundFromKey(s, p, OccupationKey(s, p));
}

}  // namespace

bool Evaluator::ColdMustHaveMissing(absl::Span<const SkillEntry> skills, const ScanPlan& p) {
  for (const ScanPlan::Skill& k : p.must_skills) {
    if (k.hot < 0 && HeldLevel(skills, k.skill) < k.min_level) return true;
  }
  return false;
}

int64_t Evaluator::QuickScoreBoundMicros(const CandidateSummary& s, const ScanPlan& p) {
  return QuickBoundImpl(s, p);
}

uint32_t Evaluator::SummaryFailures(const CandidateScreen& w, const CandidateSummary& s,
                                    const ScanPlan& p,
                                    absl::FunctionRef<absl::string_view()> id,
                                    uint32_t stop_on, bool& undecided) {
  return SummaryFailuresImpl(w, s, p, id, stop_on, undecided);
}

namespace {

// ScoreBoundMicros' skill coverage: each credit at its best case, summed as
// SkillCoverage does. Without branches on the candidate's data.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline double SkillCoverageBound(uint64_t skill_sig,
                                                              uint64_t hot_levels,
                                                              const ScanPlan& p) {
  if (p.skills.empty()) return 1.0;
  CandidateScreen w;
  w.skill_sig = skill_sig;
  w.hot_levels = hot_levels;
  double num = 0, den = 0;
  for (const ScanPlan::Skill& k : p.skills) {
    bool exact;
    const int level = LevelBound(w, k, exact);
    const double credit = k.credit[level];
    // Sibling credit (at most half) applies when the skill may be unheld.
    const bool sibling = ((level == 0) | !exact) & ((skill_sig & k.sibling_bits) != 0);
    num += k.weight * (sibling ? std::max(credit, 0.5) : credit);
    den += k.weight;
  }
  return num / den;
}

// ScoreBoundMicros' language margin: exact when every language is inline,
// else each term 1.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline double LanguageMarginBound(const CandidateSummary& s,
                                                               const ScanPlan& p) {
  if (p.languages.empty()) return 0.0;
  double margin_sum = 0;
  const bool all = (s.flags & CandidateSummary::kLanguagesInline) != 0;
  for (const ScanPlan::Language& l : p.languages) {
    margin_sum += all ? l.term[std::min<uint8_t>(InlineLanguageLevel(s, l.language), 15)] : 1.0;
  }
  return margin_sum / p.languages.size();
}

// The body of ScoreBoundMicros (skill credits, language terms and ISCO
// common digits from the plan's tables: the same values as computed directly).
// `coverage`, when not null, is the skill coverage computed exactly.
inline int64_t ScoreBoundImpl(const CandidateScreen& w, const CandidateSummary& s,
                              const ScanPlan& p, const double* coverage = nullptr) {
  const CompiledVacancy& v = *p.vacancy;
  std::array<double, kComponentCount> raw{};
  raw[0] = coverage != nullptr ? *coverage : SkillCoverageBound(w.skill_sig, w.hot_levels, p);
  // Occupation fit and experience: exact when the first two are all.
  int common = 0;
  double years = 0;
  if (s.occ_count > 2) {
    common = 4;
    years = s.occ_max_years;
  } else {
    int best = -1;
    for (int i = 0; i < s.occ_count; ++i) {
      const int c = p.occ_common[s.occ_isco[i]];
      if (best < 0 || c > common || (c == common && s.occ_years[i] > s.occ_years[best])) {
        best = i;
        common = c;
      }
    }
    if (best >= 0 && common > 0) years = s.occ_years[best];
  }
  raw[1] = common / 4.0;
  raw[2] = ExperienceRaw(years, v.min_experience_years);
  raw[3] = LanguageMarginBound(s, p);
  raw[4] = EducationRaw(s.education, v.min_education);
  raw[5] = (s.flags & CandidateSummary::kVerifiedCredential) != 0 ? 1.0 : 0.0;
  if (p.terms != nullptr && p.terms->reentry_bonus) {
    raw[6] = (s.flags & CandidateSummary::kReturnedOnTime) != 0 ? 1.0
             : (s.flags & CandidateSummary::kReturnedLate) != 0 ? 0.5
                                                                 : 0.0;
  }
  // Preference fit: exact but for lists longer than their inline part.
  int lists = 0, satisfied = 0;
  if (s.pref_destination_count > 0) {
    ++lists;
    if (s.pref_destination_count > 1 || s.pref_destination == v.destination) ++satisfied;
  }
  if (s.preferred_schemes != 0) {
    ++lists;
    if (v.scheme < 8 && (s.preferred_schemes & (1u << v.scheme)) != 0) ++satisfied;
  }
  if (s.pref_isco_count > 0) {
    ++lists;
    ++satisfied;
  }
  raw[7] = lists == 0 ? 0.0 : static_cast<double>(satisfied) / lists;
  double score = 0;
  for (int i = 0; i < kComponentCount; ++i) score += raw[i] * p.weights[i];
  return std::llround(score * 1e6);
}

// Between QuickScoreBoundMicros and ScoreBoundMicros (never below the
// latter): ScoreBoundMicros' components, each weighted, from the plan's
// tables (ScanPlan::Skill::screen_term for each skill's share of the skill
// coverage, ScanPlan::screen_language for one required language, the quick
// tables for the others), summed in another order (QuickMicros' margin
// covers the order, and each skill's share divided by the total weight on
// its own). OccupationKey(s, p) is `key`.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline int64_t ScreenBoundImpl(uint64_t skill_sig,
                                                            uint64_t hot_levels,
                                                            const CandidateSummary& s,
                                                            const ScanPlan& p, int key) {
  if (!p.quick_ok) return INT64_MAX;
  const int common = key >> 8;
  const int years = common > 0 ? (key & 0xFF) : 0;
  const CompiledVacancy& v = *p.vacancy;
  const int has_dest = s.pref_destination_count > 0;
  const int dest_ok = s.pref_destination_count > 1 || s.pref_destination == v.destination;
  const int has_scheme = s.preferred_schemes != 0;
  const int scheme_ok = (p.scheme_bit & s.preferred_schemes) != 0;
  const int has_isco = s.pref_isco_count > 0;
  const int lists = has_dest + has_scheme + has_isco;
  const int satisfied = (has_dest & dest_ok) + (has_scheme & scheme_ok) + has_isco;
  double sum = p.skills.empty() ? std::max(p.weights[0], 0.0) : 0.0;
  for (const ScanPlan::Skill& k : p.skills) {
    CandidateScreen w;
    w.skill_sig = skill_sig;
    w.hot_levels = hot_levels;
    bool exact;
    const int level = LevelBound(w, k, exact);
    sum += k.screen_term[level * 2 + ((skill_sig & k.sibling_bits) != 0)];
  }
  if (p.languages.size() == 1) {
    const bool all = (s.flags & CandidateSummary::kLanguagesInline) != 0;
    sum += p.screen_language[all ? std::min<uint8_t>(InlineLanguageLevel(
                                                         s, p.languages[0].language),
                                                     15)
                                 : 16];
  } else if (!p.languages.empty()) {
    sum += std::max(LanguageMarginBound(s, p) * p.weights[3], 0.0);
  }
  return QuickMicros(sum + p.quick_occupation[common] + p.quick_experience[years] +
                     p.quick_education[s.education] + p.quick_flags[s.flags] +
                     p.quick_preference[lists * 4 + satisfied]);
}

}  // namespace

namespace {

constexpr uint64_t kLowNibbles = 0x0F0F0F0F0F0F0F0FULL;
constexpr uint64_t kByteBit4 = 0x1010101010101010ULL;

// What ScreenBlock's first pass tests.
enum : int {
  kFirstWindow = 1,  // availability (from the two window columns)
  kFirstHot = 2,     // the hot must-have skills (hot_levels)
  kFirstCold = 4,    // the signature of the other must-have skills (skill_sig)
};

// True when every hot must-have skill is held at its minimum, for all of
// them at once (ScanPlan::must_hot_add).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool HotMustHeld(uint64_t hot_levels, const ScanPlan& p) {
  const uint64_t even = (hot_levels & kLowNibbles) + p.must_hot_add[0];
  const uint64_t odd = ((hot_levels >> 4) & kLowNibbles) + p.must_hot_add[1];
  return ((even & odd) & kByteBit4) == kByteBit4;
}

// ScreenBlock's first pass over a block whose vacancy requires must-have
// skills, without branches: writes to out the positions 0..n-1 that pass
// what kMode tests (each failure there sets a bit of stop_on); returns how
// many. Reads only the columns kMode names.
template <int kMode>
size_t FirstPass(const CandidateColumns& w, size_t n, const ScanPlan& p, uint32_t* out) {
  const Day start = p.start;
  const uint64_t cold = p.must_cold_mask;
  size_t m = 0;
  for (size_t i = 0; i < n; ++i) {
    bool ok = true;
    if ((kMode & kFirstWindow) != 0) {
      ok = (start >= w.window_from[i]) & (start <= w.window_until[i]);  // !WindowFails
    }
    if ((kMode & kFirstHot) != 0) ok &= HotMustHeld(w.hot_levels[i], p);
    if ((kMode & kFirstCold) != 0) ok &= (w.skill_sig[i] & cold) == cold;
    out[m] = static_cast<uint32_t>(i);
    m += ok;
  }
  return m;
}

// The rules of ScreenBlock's fast second pass, hoisted from the plan and
// stop_on, and the threshold in the form the pass tests it.
struct FastRules {
  // The flags' rules (ScanPlan::flag_failures) that stop, as masks: a
  // candidate passes them when its flags hold every bit of must_set and
  // none of must_clear.
  uint8_t must_set = 0;
  uint8_t must_clear = 0;
  // PlanScan makes agency_ok non-empty with entry 0 false: out-of-range
  // agencies read entry 0 (no licence known). When the rule does not stop,
  // a one-entry table that admits every agency.
  const uint8_t* agency_ok = nullptr;
  uint32_t agency_count = 0;
  bool check_agency = false;  // false: agency_ok admits every agency
  // The required language (at most one) and its minimum; 0 when none is
  // required or the rule does not stop (then no level is below it).
  uint16_t language = 0;
  uint8_t language_min = 0;
  // Entry flags every candidate passing gets: kScreenColdSkills when the
  // first pass left the cold must-have skills to the lists, and
  // kScreenUndecided when a required credential or licence does (a
  // candidate passing the flags holds one; its lists say whether it
  // counts).
  uint32_t base_flags = 0;
  // The threshold, when set (not INT64_MIN): the bound of the occupation's
  // terms (ScanPlan::quick_by_occupation[key], the others at their best)
  // reaches it exactly when the years of the key are at least
  // min_years[common digits] (256: never), as the table rises with the
  // years (ScanPlan::quick_years_monotone; else the table is read).
  bool threshold_set = false;
  int64_t threshold = INT64_MIN;
  bool use_min_years = false;
  std::array<int16_t, 5> min_years{};
  const uint8_t* occ_common = nullptr;
  const int64_t* by_occupation = nullptr;
};

FastRules FastRulesFor(const ScanPlan& p, uint32_t stop_on, int64_t threshold, bool cold,
                       bool agencies_pass) {
  static constexpr uint8_t kAnyAgency[1] = {1};
  FastRules r;
  auto stops = [stop_on](Reason reason) { return (Bit(reason) & stop_on) != 0; };
  if (stops(Reason::kConsentMissing)) r.must_set |= CandidateSummary::kConsent;
  if (p.not_returned_ineligible && stops(Reason::kNotReturnedFromPreviousStay)) {
    r.must_clear |= CandidateSummary::kNotReturned;
  }
  if (p.needs_credentials && stops(Reason::kCredentialNotRecognised)) {
    r.must_set |= CandidateSummary::kVerifiedCredential;
  }
  if (p.needs_licence && stops(Reason::kLicenceRequired)) {
    r.must_set |= CandidateSummary::kLicences;
  }
  const bool agency_stops = stops(Reason::kAgencyLicenceInvalid) && !agencies_pass;
  r.check_agency = agency_stops;
  r.agency_ok = agency_stops ? p.agency_ok.data() : kAnyAgency;
  r.agency_count = agency_stops ? static_cast<uint32_t>(p.agency_ok.size()) : 1;
  if (!p.language_checks.empty() && stops(Reason::kLanguageBelowMinimum)) {
    r.language = p.language_checks[0].language;
    r.language_min = p.language_checks[0].min_level;
  }
  r.base_flags = (cold ? Evaluator::kScreenColdSkills : 0) |
                 (p.needs_credentials || p.needs_licence ? Evaluator::kScreenUndecided : 0);
  r.threshold_set = threshold != INT64_MIN;
  r.threshold = threshold;
  r.occ_common = p.occ_common.data();
  r.by_occupation = p.quick_by_occupation.data();
  r.use_min_years = p.quick_years_monotone;
  if (r.threshold_set && r.use_min_years) {
    for (int c = 0; c <= 4; ++c) {
      const int64_t* row = r.by_occupation + c * 256;
      r.min_years[c] = static_cast<int16_t>(std::lower_bound(row, row + 256, threshold) - row);
    }
  }
  return r;
}

// OccupationKey without a branch on occ_count.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline int OccupationKeyAt(const CandidateColumns& c, size_t i,
                                                        const uint8_t* occ_common) {
  const int key0 = occ_common[c.occ_isco[0][i]] * 256 + c.occ_years[0][i];
  const int key1 = occ_common[c.occ_isco[1][i]] * 256 + c.occ_years[1][i];
  const int many = 4 * 256 + c.occ_max_years[i];
  return c.occ_count[i] > 2 ? many : std::max(key0, key1);
}

// The fast second pass on one candidate: bit 0 passes the rules, bit 1 left
// a rule to its lists (the language, not all inline), bit 2 the occupation's
// bound reaches the threshold (always when none is set).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline uint32_t FastOne(const CandidateColumns& c, size_t i,
                                                     const FastRules& r, bool window,
                                                     Day start) {
  const uint8_t f = c.flags[i];
  const uint32_t agency = c.agency[i] < r.agency_count ? c.agency[i] : 0;
  bool pass = ((f & r.must_set) == r.must_set) & ((f & r.must_clear) == 0) &
              (r.agency_ok[agency] != 0);
  if (window) pass &= (start >= c.window_from[i]) & (start <= c.window_until[i]);
  // The best inline level (InlineLanguageBelow), with masks.
  const uint32_t l0 = c.lang_level[0][i] & (0u - (c.lang[0][i] == r.language));
  const uint32_t l1 = c.lang_level[1][i] & (0u - (c.lang[1][i] == r.language));
  const uint32_t l2 = c.lang_level[2][i] & (0u - (c.lang[2][i] == r.language));
  const bool below_min = std::max(std::max(l0, l1), l2) < r.language_min;
  const bool all_inline = (f & CandidateSummary::kLanguagesInline) != 0;
  pass &= !(below_min & all_inline);
  const bool open = below_min & !all_inline;
  bool maybe = true;
  if (r.threshold_set) {
    const int key = OccupationKeyAt(c, i, r.occ_common);
    maybe = r.use_min_years ? (key & 0xFF) >= r.min_years[key >> 8]
                            : r.by_occupation[key] >= r.threshold;
  }
  return static_cast<uint32_t>(pass) | (static_cast<uint32_t>(open) << 1) |
         (static_cast<uint32_t>(maybe) << 2);
}

// Appends the entry of position i, given FastOne's bits, as ScreenBlock
// writes it: counts it in *counted instead when `below` mode is on, it
// passes with every rule decided and its bound is below the threshold.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline size_t FastKeep(uint32_t bits, uint32_t i,
                                                    const FastRules& r, bool below_mode,
                                                    uint32_t* out, size_t m, size_t& counted) {
  const bool pass = (bits & 1) != 0;
  const bool open = (bits & 2) != 0 || r.base_flags != 0;
  const bool maybe = (bits & 4) != 0;
  const uint32_t entry = i | r.base_flags | ((bits & 2) != 0 ? Evaluator::kScreenUndecided : 0) |
                         (maybe ? 0 : Evaluator::kScreenBelowThreshold);
  bool keep = pass;
  if (below_mode) {
    counted += pass & !maybe & !open;
    keep = pass & (maybe | open);
  }
  out[m] = entry;
  return m + keep;
}

// Scalar pass over the positions out[0..n) (a first pass kept them).
size_t FastSparse(const CandidateColumns& c, const FastRules& r, bool below_mode, uint32_t* out,
                  size_t n, size_t& counted) {
  size_t m = 0;
  for (size_t j = 0; j < n; ++j) {
    const uint32_t i = out[j];
    m = FastKeep(FastOne(c, i, r, false, 0), i, r, below_mode, out, m, counted);
  }
  return m;
}

// Scalar pass over positions first..n-1, testing availability when `window`.
size_t FastDense(const CandidateColumns& c, size_t first, size_t n, const FastRules& r,
                 bool window, Day start, bool below_mode, uint32_t* out, size_t m,
                 size_t& counted) {
  for (size_t i = first; i < n; ++i) {
    m = FastKeep(FastOne(c, i, r, window, start), static_cast<uint32_t>(i), r, below_mode, out,
                 m, counted);
  }
  return m;
}

#if defined(__SSE2__)
// The number of bits set in each byte value.
constexpr std::array<uint8_t, 256> ByteBits() {
  std::array<uint8_t, 256> bits{};
  for (int v = 0; v < 256; ++v) bits[v] = static_cast<uint8_t>((v & 1) + bits[v >> 1]);
  return bits;
}
constexpr std::array<uint8_t, 256> kByteBits = ByteBits();

// Eight 16-bit lanes from eight bytes.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline __m128i Bytes8(const uint8_t* p) {
  return _mm_unpacklo_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)),
                           _mm_setzero_si128());
}
ABSL_ATTRIBUTE_ALWAYS_INLINE inline __m128i Words8(const uint16_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
// One bit per 16-bit lane (all ones or all zeros).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline uint32_t LaneBits(__m128i lanes) {
  return static_cast<uint32_t>(_mm_movemask_epi8(_mm_packs_epi16(lanes, _mm_setzero_si128())));
}
// table[index[k]] in lane k.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline __m128i Gather8(const uint8_t* table, const uint16_t* index) {
  __m128i v = _mm_cvtsi32_si128(table[index[0]]);
  v = _mm_insert_epi16(v, table[index[1]], 1);
  v = _mm_insert_epi16(v, table[index[2]], 2);
  v = _mm_insert_epi16(v, table[index[3]], 3);
  v = _mm_insert_epi16(v, table[index[4]], 4);
  v = _mm_insert_epi16(v, table[index[5]], 5);
  v = _mm_insert_epi16(v, table[index[6]], 6);
  v = _mm_insert_epi16(v, table[index[7]], 7);
  return v;
}

// FastDense eight positions at a time (FastOne's rules in 16-bit lanes,
// SSE2), the tail with FastDense. kWindow: test availability; kLanguage: a
// language is required; kMinYears: the threshold is set and
// FastRules::min_years applies (other thresholds go to FastDense).
template <bool kWindow, bool kLanguage, bool kMinYears>
size_t FastVector(const CandidateColumns& c, size_t n, const FastRules& r, Day start,
                  bool below_mode, uint32_t* out, size_t& counted) {
  const __m128i zero = _mm_setzero_si128();
  const __m128i must_set = _mm_set1_epi16(r.must_set);
  const __m128i must_clear = _mm_set1_epi16(r.must_clear);
  const __m128i inline_bit = _mm_set1_epi16(CandidateSummary::kLanguagesInline);
  const __m128i language = _mm_set1_epi16(static_cast<int16_t>(r.language));
  const __m128i language_min = _mm_set1_epi16(r.language_min);
  const __m128i start4 = _mm_set1_epi32(start);
  const __m128i two = _mm_set1_epi16(2);
  const __m128i byte_mask = _mm_set1_epi16(0xFF);
  const __m128i many_common = _mm_set1_epi16(4 << 8);
  // min_years - 1 by common digits: years above it reach the minimum.
  __m128i min_years_less[5];
  for (int k = 0; k <= 4; ++k) {
    min_years_less[k] = _mm_set1_epi16(static_cast<int16_t>(r.min_years[k] - 1));
  }
  const uint32_t undecided = Evaluator::kScreenUndecided;
  size_t m = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i flags = Bytes8(c.flags + i);
    __m128i pass = _mm_and_si128(
        _mm_cmpeq_epi16(_mm_and_si128(flags, must_set), must_set),
        _mm_cmpeq_epi16(_mm_and_si128(flags, must_clear), zero));
    if (kWindow) {
      const __m128i* from = reinterpret_cast<const __m128i*>(c.window_from + i);
      const __m128i* until = reinterpret_cast<const __m128i*>(c.window_until + i);
      const __m128i fail0 = _mm_or_si128(_mm_cmpgt_epi32(_mm_loadu_si128(from), start4),
                                         _mm_cmpgt_epi32(start4, _mm_loadu_si128(until)));
      const __m128i fail1 = _mm_or_si128(_mm_cmpgt_epi32(_mm_loadu_si128(from + 1), start4),
                                         _mm_cmpgt_epi32(start4, _mm_loadu_si128(until + 1)));
      pass = _mm_andnot_si128(_mm_packs_epi32(fail0, fail1), pass);
    }
    __m128i open = zero;
    if (kLanguage) {
      __m128i best = _mm_and_si128(_mm_cmpeq_epi16(Words8(c.lang[0] + i), language),
                                   Bytes8(c.lang_level[0] + i));
      best = _mm_max_epi16(best, _mm_and_si128(_mm_cmpeq_epi16(Words8(c.lang[1] + i), language),
                                               Bytes8(c.lang_level[1] + i)));
      best = _mm_max_epi16(best, _mm_and_si128(_mm_cmpeq_epi16(Words8(c.lang[2] + i), language),
                                               Bytes8(c.lang_level[2] + i)));
      const __m128i below_min = _mm_cmpgt_epi16(language_min, best);
      const __m128i all_inline = _mm_cmpeq_epi16(_mm_and_si128(flags, inline_bit), inline_bit);
      pass = _mm_andnot_si128(_mm_and_si128(below_min, all_inline), pass);
      open = _mm_andnot_si128(all_inline, below_min);
    }
    __m128i maybe = _mm_cmpeq_epi16(zero, zero);
    if (kMinYears) {
      const __m128i key0 = _mm_or_si128(_mm_slli_epi16(Gather8(r.occ_common, c.occ_isco[0] + i), 8),
                                        Bytes8(c.occ_years[0] + i));
      const __m128i key1 = _mm_or_si128(_mm_slli_epi16(Gather8(r.occ_common, c.occ_isco[1] + i), 8),
                                        Bytes8(c.occ_years[1] + i));
      const __m128i many = _mm_cmpgt_epi16(Bytes8(c.occ_count + i), two);
      const __m128i key = _mm_or_si128(
          _mm_and_si128(many, _mm_or_si128(many_common, Bytes8(c.occ_max_years + i))),
          _mm_andnot_si128(many, _mm_max_epi16(key0, key1)));
      const __m128i common = _mm_srli_epi16(key, 8);
      __m128i least = min_years_less[0];
      for (int k = 1; k <= 4; ++k) {
        const __m128i is = _mm_cmpeq_epi16(common, _mm_set1_epi16(static_cast<int16_t>(k)));
        least = _mm_or_si128(_mm_and_si128(is, min_years_less[k]), _mm_andnot_si128(is, least));
      }
      maybe = _mm_cmpgt_epi16(_mm_and_si128(key, byte_mask), least);
    }
    uint32_t pass_bits = LaneBits(pass);
    if (r.check_agency) {
      // The agency, one table read per candidate.
      uint32_t agency_bits = 0;
      for (int k = 0; k < 8; ++k) {
        const uint32_t a = c.agency[i + k] < r.agency_count ? c.agency[i + k] : 0;
        agency_bits |= static_cast<uint32_t>(r.agency_ok[a] != 0) << k;
      }
      pass_bits &= agency_bits;
    }
    const uint32_t open_bits = LaneBits(open);
    const uint32_t maybe_bits = LaneBits(maybe);
    uint32_t keep_bits = pass_bits;
    if (below_mode) {
      const uint32_t decided = r.base_flags != 0 ? 0 : (~open_bits & 0xFF);
      counted += kByteBits[pass_bits & ~maybe_bits & decided];
      keep_bits = pass_bits & (maybe_bits | ~decided);
    }
    while (keep_bits != 0) {
      const int k = __builtin_ctz(keep_bits);
      keep_bits &= keep_bits - 1;
      if (kMinYears) {
        // ScreenBoundPass reads these next; the pass so far has not (eight
        // entries per cache line, most of them below the threshold).
        _mm_prefetch(reinterpret_cast<const char*>(c.skill_sig + i + k), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(c.hot_levels + i + k), _MM_HINT_T0);
      }
      out[m++] = static_cast<uint32_t>(i + k) | r.base_flags |
                 (((open_bits >> k) & 1) != 0 ? undecided : 0) |
                 (((maybe_bits >> k) & 1) != 0 ? 0 : Evaluator::kScreenBelowThreshold);
    }
  }
  return FastDense(c, i, n, r, kWindow, start, below_mode, out, m, counted);
}
#endif  // __SSE2__

// The fields of entry i that QuickBoundFromKey and, when `languages`,
// LanguageMarginBound read (the others left at their defaults).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline CandidateSummary BoundFieldsAt(const CandidateColumns& c,
                                                                   size_t i, bool languages) {
  CandidateSummary s;
  s.education = c.education[i];
  s.flags = c.flags[i];
  s.pref_destination = c.pref_destination[i];
  s.pref_destination_count = c.pref_destination_count[i];
  s.pref_isco_count = c.pref_isco_count[i];
  s.preferred_schemes = c.preferred_schemes[i];
  if (languages) {
    for (int k = 0; k < 3; ++k) {
      s.lang[k] = c.lang[k][i];
      s.lang_level[k] = c.lang_level[k][i];
    }
    s.lang_count = c.lang_count[i];
  }
  return s;
}

// The second pass's last step, on the entries the fast pass kept whose
// occupation's bound reaches the threshold: the bound with the skill
// coverage and language margin (ScreenBoundImpl). Compacts out[0..n) in
// place; returns how many it kept.
size_t ScreenBoundPass(const CandidateColumns& c, const ScanPlan& p, int64_t threshold,
                       bool below_mode, uint32_t* out, size_t n, size_t& counted) {
  constexpr uint32_t kOpen = Evaluator::kScreenUndecided | Evaluator::kScreenColdSkills;
  const bool languages = !p.languages.empty();
  size_t kept = 0;
  for (size_t j = 0; j < n; ++j) {
    uint32_t entry = out[j];
    const uint32_t i = entry & ~Evaluator::kScreenFlags;
    bool above = false;
    if ((entry & Evaluator::kScreenBelowThreshold) == 0) {
      above = ScreenBoundImpl(c.skill_sig[i], c.hot_levels[i], BoundFieldsAt(c, i, languages), p,
                              OccupationKeyAt(c, i, p.occ_common.data())) >= threshold;
    }
    entry |= above ? 0 : Evaluator::kScreenBelowThreshold;
    bool keep = true;
    if (below_mode) {
      const bool decided = (entry & kOpen) == 0;
      counted += !above & decided;
      keep = above | !decided;
    }
    out[kept] = entry;
    kept += keep;
  }
  return kept;
}

// ScreenBlock's second pass in every other case: SummaryFailures (but for
// availability, decided by the first pass or not stopping) on each position
// the first pass kept. Compacts out[0..n) in place; returns how many it kept.
size_t GeneralRest(const CandidateColumns& c, const ScanPlan& p,
                   absl::FunctionRef<absl::string_view(size_t)> id, uint32_t stop_on,
                   int64_t threshold, uint32_t* out, size_t n, size_t* below) {
  size_t m = 0;
  for (size_t j = 0; j < n; ++j) {
    const size_t i = out[j];
    const CandidateSummary s = c.Summary(i);
    bool undecided = false;
    const uint32_t f = SummaryFailuresImpl(c.Screen(i), s, p, [&id, i] { return id(i); },
                                           stop_on, undecided, /*available=*/true);
    if ((f & stop_on) != 0) continue;
    // The summary does not say which rule is open: the cold skills' check
    // first (cheap), then every rule.
    uint32_t entry = static_cast<uint32_t>(i) |
                     (undecided ? Evaluator::kScreenUndecided | Evaluator::kScreenColdSkills : 0);
    if (threshold != INT64_MIN) {
      const int key = OccupationKey(s, p);
      if (p.quick_by_occupation[key] >= threshold &&
          ScreenBoundImpl(c.skill_sig[i], c.hot_levels[i], s, p, key) >= threshold) {
        out[m++] = entry;
        continue;
      }
      if (below != nullptr && !undecided) {
        ++*below;
        continue;
      }
      entry |= Evaluator::kScreenBelowThreshold;
    }
    out[m++] = entry;
  }
  return m;
}

}  // namespace

Evaluator::WindowsVerdict Evaluator::WindowsInRange(const ScanPlan& p, Day from_min,
                                                    Day from_max, Day until_min, Day until_max) {
  // WindowFails: start < window_from or start > window_until.
  if (p.start < from_min || p.start > until_max) return WindowsVerdict::kAllFail;
  if (p.start >= from_max && p.start <= until_min) return WindowsVerdict::kAllPass;
  return WindowsVerdict::kSome;
}

bool Evaluator::AgenciesValid(const ScanPlan& p, absl::Span<const uint32_t> agencies) {
  for (const uint32_t agency : agencies) {
    // As the screen reads agency_ok (entry 0, none, is never valid).
    if (agency >= p.agency_ok.size() || p.agency_ok[agency] == 0) return false;
  }
  return true;
}

size_t Evaluator::ScreenBlock(const CandidateColumns& c, size_t n, const ScanPlan& p,
                              const ListFacts& facts,
                              absl::FunctionRef<absl::string_view(size_t)> id, uint32_t stop_on,
                              int64_t threshold, uint32_t* out, size_t* below,
                              ScreenKernel kernel) {
  const bool windows_pass = facts.windows_pass;
  if ((p.origin_failures & stop_on) != 0) return 0;
  const bool skills_stop = (Bit(Reason::kMissingRequiredSkill) & stop_on) != 0;
  if (skills_stop && p.must_never) return 0;
  const bool window = (Bit(Reason::kNotAvailableInWindow) & stop_on) != 0 && !windows_pass;
  const int skills = (skills_stop && p.must_hot ? kFirstHot : 0) |
                     (skills_stop && p.must_cold ? kFirstCold : 0);
  const bool cold = (skills & kFirstCold) != 0;
  const bool fast = !p.check_placed && p.language_checks.size() <= 1;
  const bool below_mode = below != nullptr && threshold != INT64_MIN;
  size_t counted = 0;
  size_t kept = 0;
  if (fast && skills == 0) {
    // Nothing for a first pass but availability: one pass over every
    // position, eight at a time where the processor allows.
    const FastRules r = FastRulesFor(p, stop_on, threshold, cold, facts.agencies_pass);
#if defined(__SSE2__)
    if (kernel == ScreenKernel::kBest && (!r.threshold_set || r.use_min_years)) {
      const bool language = r.language_min != 0;
      const bool years = r.threshold_set;
      if (window) {
        kept = language ? (years ? FastVector<true, true, true>(c, n, r, p.start, below_mode, out, counted)
                                 : FastVector<true, true, false>(c, n, r, p.start, below_mode, out, counted))
                        : (years ? FastVector<true, false, true>(c, n, r, p.start, below_mode, out, counted)
                                 : FastVector<true, false, false>(c, n, r, p.start, below_mode, out, counted));
      } else {
        kept = language ? (years ? FastVector<false, true, true>(c, n, r, p.start, below_mode, out, counted)
                                 : FastVector<false, true, false>(c, n, r, p.start, below_mode, out, counted))
                        : (years ? FastVector<false, false, true>(c, n, r, p.start, below_mode, out, counted)
                                 : FastVector<false, false, false>(c, n, r, p.start, below_mode, out, counted));
      }
    } else {
      kept = FastDense(c, 0, n, r, window, p.start, below_mode, out, 0, counted);
    }
#else
    (void)kernel;
    kept = FastDense(c, 0, n, r, window, p.start, below_mode, out, 0, counted);
#endif
  } else {
    // First pass: availability (unless known to pass, or not stopping) and
    // every must-have skill (when that rule stops), over the screen columns.
    const int mode = (window ? kFirstWindow : 0) | skills;
    switch (mode) {
      case 0:
        for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint32_t>(i);
        kept = n;
        break;
      case kFirstWindow:
        kept = FirstPass<kFirstWindow>(c, n, p, out);
        break;
      case kFirstHot:
        kept = FirstPass<kFirstHot>(c, n, p, out);
        break;
      case kFirstCold:
        kept = FirstPass<kFirstCold>(c, n, p, out);
        break;
      case kFirstWindow | kFirstHot:
        kept = FirstPass<kFirstWindow | kFirstHot>(c, n, p, out);
        break;
      case kFirstWindow | kFirstCold:
        kept = FirstPass<kFirstWindow | kFirstCold>(c, n, p, out);
        break;
      case kFirstHot | kFirstCold:
        kept = FirstPass<kFirstHot | kFirstCold>(c, n, p, out);
        break;
      default:
        kept = FirstPass<kFirstWindow | kFirstHot | kFirstCold>(c, n, p, out);
        break;
    }
    if (!fast) return GeneralRest(c, p, id, stop_on, threshold, out, kept, below);
    // Second pass, over the columns of the positions kept.
    kept = FastSparse(c, FastRulesFor(p, stop_on, threshold, cold, facts.agencies_pass),
                      below_mode, out, kept, counted);
  }
  if (threshold != INT64_MIN) kept = ScreenBoundPass(c, p, threshold, below_mode, out, kept, counted);
  if (below_mode) *below += counted;
  return kept;
}

int64_t Evaluator::ScoreBoundMicros(const CandidateScreen& w, const CandidateSummary& s,
                                    const ScanPlan& p) {
  return ScoreBoundImpl(w, s, p);
}

int64_t Evaluator::ScreenBoundMicros(const CandidateScreen& w, const CandidateSummary& s,
                                     const ScanPlan& p) {
  return ScreenBoundImpl(w.skill_sig, w.hot_levels, s, p, OccupationKey(s, p));
}

int64_t Evaluator::ScreenBoundMicros(const CandidateColumns& c, size_t i, const ScanPlan& p) {
  return ScreenBoundImpl(c.skill_sig[i], c.hot_levels[i], BoundFieldsAt(c, i, !p.languages.empty()),
                         p, OccupationKeyAt(c, i, p.occ_common.data()));
}

int64_t Evaluator::SkillScoreBoundMicros(const CandidateScreen& w, const CandidateSummary& s,
                                         absl::Span<const SkillEntry> skills,
                                         const ScanPlan& p) const {
  CandidateView view;
  view.skills = skills;
  uint32_t failures = 0;  // not read: the bound is about the score
  const double coverage = SkillCoverage(view, *p.vacancy, interner_, failures, nullptr);
  return ScoreBoundImpl(w, s, p, &coverage);
}

// ---- recommendation gates

namespace {

// What a gate bit stands for.
enum class GateToken : uint64_t {
  kSkill = 1,       // (skill, level t): held at t or above
  kLanguage = 2,    // (language, level t): held at t or above
  kCredential = 3,  // (kind, country): a verified credential recognised there
  kLicence = 4,     // (profession, issuing country): a licence, whatever its validity
  kReturned = 5,    // (0, 0): no stay ended without a return
};

// The signature bit of a token (a, b): one of kGateWords * 64.
inline void SetGateBit(GateBits& bits, GateToken token, uint32_t a, uint32_t b) {
  // splitmix64's finaliser over the packed token.
  uint64_t x = (static_cast<uint64_t>(token) << 56) ^ (uint64_t{a} << 24) ^ b;
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  const uint64_t bit = x % (kGateWords * 64);
  bits[bit / 64] |= uint64_t{1} << (bit % 64);
}

}  // namespace

std::vector<VacancyGate> Evaluator::VacancyGates(const CompiledVacancy& v) {
  // The needs every origin shares, read as Run reads the requirements.
  GateBits needs{};
  for (const CompiledVacancy::Requirement& req : v.skills) {
    if (!req.must_have) continue;
    // SkillCoverage: fails when the held level is below min_level (1..4).
    for (int t = 1; t <= req.min_level; ++t) {
      SetGateBit(needs, GateToken::kSkill, req.skill, static_cast<uint32_t>(t));
    }
  }
  for (const CompiledVacancy::LanguageRequirement& req : v.languages) {
    // Run: fails when the best listed level is below min_level (0..6).
    for (int t = 1; t <= req.min_level; ++t) {
      SetGateBit(needs, GateToken::kLanguage, req.language, static_cast<uint32_t>(t));
    }
  }
  for (uint32_t kind : v.required_credentials) {
    SetGateBit(needs, GateToken::kCredential, kind, v.destination);
  }
  if (v.required_licence.has_value()) {
    SetGateBit(needs, GateToken::kLicence, *v.required_licence, v.destination);
  }
  GateScoreFacts facts;
  facts.min_experience_years = v.min_experience_years;
  facts.language_count = static_cast<uint8_t>(std::min<size_t>(v.languages.size(), 255));
  for (size_t i = 0; i < v.languages.size() && i < 2; ++i) {
    facts.languages[i] = v.languages[i].language;
    facts.language_min[i] = v.languages[i].min_level;
  }
  facts.isco = v.isco;
  facts.scheme = v.scheme;
  facts.destination = v.destination;
  facts.min_education = v.min_education;
  std::vector<VacancyGate> gates;
  for (const CompiledVacancy::OriginTerms& t : v.origins) {
    // The origin-wide failures (they include the vacancy's own).
    if (t.failures != 0) continue;
    VacancyGate g;
    g.origin = t.origin;
    g.start = v.start;
    g.needs = needs;
    if (t.not_returned_ineligible) SetGateBit(g.needs, GateToken::kReturned, 0, 0);
    g.score = facts;
    g.score.agreement = t.agreement_interned;
    g.score.reentry_bonus = t.reentry_bonus;
    g.score.bounded = true;
    for (int i = 0; i < kComponentCount; ++i) {
      const double w = t.weights[i];
      if (!(w >= 0) || !std::isfinite(w)) {
        g.score.bounded = false;
        break;
      }
      // Rounded up, so raw * weight is never below Run's contribution.
      float f = static_cast<float>(w);
      if (static_cast<double>(f) < w) f = std::nextafter(f, std::numeric_limits<float>::infinity());
      g.score.weights[i] = f;
    }
    gates.push_back(g);
  }
  return gates;
}

CandidateGate Evaluator::CandidateGateOf(const CandidateView& c, const MatchWorld& world) {
  CandidateGate g;
  // The rules of Run that do not read the vacancy.
  auto agency = world.agency_licence_valid.find(c.agency);
  const bool agency_ok =
      c.agency != 0 && agency != world.agency_licence_valid.end() && agency->second;
  const bool placed = !world.placed_candidates.empty() && world.placed_candidates.contains(c.id);
  // AvailabilityFails: an unset bound fails every start.
  const bool available = c.available_from != kNoDay && c.available_until != kNoDay;
  g.open = c.consent && agency_ok && !placed && available;
  g.first_start = c.available_from;
  g.last_start = c.available_until;
  for (const SkillEntry& s : c.skills) {
    for (int t = 1; t <= s.level && t <= 4; ++t) {
      SetGateBit(g.holds, GateToken::kSkill, s.skill, static_cast<uint32_t>(t));
    }
  }
  for (const LanguageEntry& l : c.languages) {
    for (int t = 1; t <= l.level && t <= kCefrC2; ++t) {
      SetGateBit(g.holds, GateToken::kLanguage, l.language, static_cast<uint32_t>(t));
    }
  }
  for (const CredentialEntry& cr : c.credentials) {
    if (!cr.verified) continue;
    for (Country country : cr.recognised_in) {
      SetGateBit(g.holds, GateToken::kCredential, cr.kind, country);
    }
  }
  for (const LicenceEntry& l : c.licences) {
    SetGateBit(g.holds, GateToken::kLicence, l.profession, l.issuing_country);
  }
  bool returned = true;
  for (const HistoryEntry& h : c.history) {
    if (h.outcome == v1::RETURN_OUTCOME_NOT_RETURNED) returned = false;
  }
  if (returned) SetGateBit(g.holds, GateToken::kReturned, 0, 0);
  return g;
}

std::vector<GateSkill> Evaluator::GateSkills(const CompiledVacancy& v) {
  std::vector<GateSkill> skills;
  skills.reserve(v.skills.size());
  for (const CompiledVacancy::Requirement& req : v.skills) {
    skills.push_back(GateSkill{req.weight, req.skill, req.min_level});
  }
  return skills;
}

int64_t Evaluator::GateScoreBoundMicros(const CandidateView& cand, const GateScoreFacts& f,
                                        absl::Span<const GateSkill> skills) {
  if (!f.bounded) return INT64_MAX;
  // Each raw value as Run computes it (the same helpers, the same order),
  // but where noted.
  std::array<double, kComponentCount> raw{};
  if (skills.empty()) {
    raw[0] = 1.0;  // no skills required
  } else {
    // As SkillCoverage, but a skill not held gets 1/2, the most a sibling gives.
    double num = 0, den = 0;
    for (const GateSkill& req : skills) {
      const uint8_t level = HeldLevel(cand.skills, req.skill);
      double credit = 0.5;
      if (level >= req.min_level) {
        credit = 1.0;
      } else if (level > 0) {
        credit = static_cast<double>(level) / req.min_level;
      }
      num += req.weight * credit;
      den += req.weight;
    }
    raw[0] = num / den;
  }
  int common = 0;
  const int best = BestOccupation(cand, f.isco, common);
  raw[1] = common / 4.0;
  double years = 0;
  if (best >= 0 && common > 0) years = cand.occupations[best].experience_years;
  raw[2] = ExperienceRaw(years, f.min_experience_years);
  if (f.language_count > 2) {
    raw[3] = 1.0;  // each term is at most 1, so is their mean
  } else if (f.language_count > 0) {
    double margin_sum = 0;
    for (int i = 0; i < f.language_count; ++i) {
      margin_sum += LanguageTerm(LanguageLevel(cand.languages, f.languages[i]), f.language_min[i]);
    }
    raw[3] = margin_sum / f.language_count;
  }
  raw[4] = EducationRaw(cand.education, f.min_education);
  size_t recognised = 0;
  for (const CredentialEntry& c : cand.credentials) {
    if (RecognisedIn(c, f.destination)) ++recognised;
  }
  raw[5] =
      cand.credentials.empty() ? 0.0 : static_cast<double>(recognised) / cand.credentials.size();
  double reentry = 0;
  if (f.reentry_bonus) {
    for (const HistoryEntry& h : cand.history) {
      if (h.agreement != f.agreement) continue;
      if (h.outcome == v1::RETURN_OUTCOME_ON_TIME) reentry = std::max(reentry, 1.0);
      if (h.outcome == v1::RETURN_OUTCOME_LATE) reentry = std::max(reentry, 0.5);
    }
  }
  raw[6] = reentry;
  int lists = 0, satisfied = 0;
  if (!cand.preferred_destinations.empty()) {
    ++lists;
    if (Contains(cand.preferred_destinations, f.destination)) ++satisfied;
  }
  if (cand.preferred_schemes != 0) {
    ++lists;
    if (f.scheme < 8 && (cand.preferred_schemes & (1u << f.scheme)) != 0) ++satisfied;
  }
  if (!cand.preferred_occupations.empty()) {
    ++lists;
    for (Isco p : cand.preferred_occupations) {
      if (IscoHasPrefix(f.isco, p)) {
        ++satisfied;
        break;
      }
    }
  }
  raw[7] = lists == 0 ? 0.0 : static_cast<double>(satisfied) / lists;
  // Every raw value and weight is >= Run's and none is negative, and IEEE
  // products, sums and llround are monotonic: the result is never below.
  double score = 0;
  for (int i = 0; i < kComponentCount; ++i) score += raw[i] * static_cast<double>(f.weights[i]);
  const double micros = score * 1e6;
  if (!(micros < 9e18)) return INT64_MAX;
  return std::llround(micros);
}

}  // namespace corridor::matcher
