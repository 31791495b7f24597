#include "matcher/match_engine.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "matcher/filter.h"
#include "matcher/match_world.h"
#include "storage/page_token.h"

namespace corridor::matcher {
namespace {

constexpr int kDefaultK = 50;
constexpr int kMaxK = 500;

absl::StatusOr<int> CheckK(int k) {
  if (k == 0) return kDefaultK;
  if (k < 0 || k > kMaxK) return absl::InvalidArgumentError("k: must be 1..500 (0 means 50)");
  return k;
}

Day Today(const Clock& clock) {
  absl::CivilDay day = absl::ToCivilDay(clock.Now(), absl::UTCTimeZone());
  return ToDay(static_cast<int>(day.year()), day.month(), day.day());
}

void AddComponents(const Explanation& e, v1::Match& match) {
  for (const ComponentScore& c : e.components) {
    v1::ScoreComponent* out = match.add_components();
    out->set_component(std::string(ComponentName(c.component)));
    out->set_raw(c.raw);
    out->set_weight(c.weight);
    out->set_contribution(c.contribution);
    out->set_detail(c.detail);
  }
}

// As above, moving the sentences (Recommend's explanations are not read after).
void AddComponents(Explanation&& e, v1::Match& match) {
  match.mutable_components()->Reserve(static_cast<int>(e.components.size()));
  for (ComponentScore& c : e.components) {
    v1::ScoreComponent* out = match.add_components();
    out->set_component(std::string(ComponentName(c.component)));
    out->set_raw(c.raw);
    out->set_weight(c.weight);
    out->set_contribution(c.contribution);
    out->set_detail(std::move(c.detail));
  }
}

// A vacancy Recommend may evaluate: its score bound and its position in the
// snapshot's vacancies (id order).
struct RecommendPending {
  int64_t bound;  // Evaluator::GateScoreBoundMicros
  uint32_t vacancy;
};

void AddFailures(const Explanation& e, google::protobuf::RepeatedPtrField<v1::FailedRule>* out) {
  for (const RuleFailure& f : e.failures) {
    v1::FailedRule* rule = out->Add();
    rule->set_code(std::string(ReasonName(f.reason)));
    rule->set_message(f.message);
  }
}

}  // namespace

struct MatchEngine::Snapshot {
  MatchWorld world;
  // Open vacancies compiled in `world`, by id order (Recommend breaks score
  // ties by position).
  std::vector<CompiledVacancy> vacancies;
  // Recommend's prefilter, built once with the snapshot: by origin, a gate
  // for each vacancy the origin's candidates may be eligible for
  // (Evaluator::VacancyGates), sorted by start day, then position. A
  // recommendation evaluates only the gates of the candidate's nationality
  // whose start lies in the candidate's availability and whose needs the
  // candidate holds (every other vacancy would fail Evaluate), best score
  // bound first (Evaluator::GateScoreBoundMicros), until the best bound left
  // is below the k-th score found.
  struct Gate {
    Day start = kNoDay;
    uint32_t vacancy = 0;  // position in `vacancies`
    GateBits needs{};
  };
  // Parallel arrays in gate order, so a scan reads them front to back.
  struct OriginGates {
    std::vector<Gate> scan;
    std::vector<GateScoreFacts> score;  // scan[i]'s at score[i]
    // Evaluator::GateSkills of scan[i]'s vacancy at
    // skills[skill_begin[i] .. skill_begin[i + 1]).
    std::vector<uint32_t> skill_begin;
    std::vector<GateSkill> skills;

    absl::Span<const GateSkill> SkillsOf(uint32_t i) const {
      return absl::MakeConstSpan(skills).subspan(skill_begin[i],
                                                 skill_begin[i + 1] - skill_begin[i]);
    }
  };
  absl::flat_hash_map<Country, OriginGates> gates;

  void BuildGates();
};

void MatchEngine::Snapshot::BuildGates() {
  // Listed in key order, which is id order; made sure of, as positions stand
  // for ids below and in Recommend.
  auto by_id = [](const CompiledVacancy& a, const CompiledVacancy& b) { return a.id < b.id; };
  if (!std::is_sorted(vacancies.begin(), vacancies.end(), by_id)) {
    std::sort(vacancies.begin(), vacancies.end(), by_id);
  }
  absl::flat_hash_map<Country, std::vector<std::pair<uint32_t, VacancyGate>>> by_origin;
  for (size_t i = 0; i < vacancies.size(); ++i) {
    for (VacancyGate& g : Evaluator::VacancyGates(vacancies[i])) {
      by_origin[g.origin].emplace_back(static_cast<uint32_t>(i), std::move(g));
    }
  }
  std::vector<std::vector<GateSkill>> skills(vacancies.size());
  for (size_t i = 0; i < vacancies.size(); ++i) skills[i] = Evaluator::GateSkills(vacancies[i]);
  gates.clear();
  for (auto& [origin, list] : by_origin) {
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
      return a.second.start != b.second.start ? a.second.start < b.second.start : a.first < b.first;
    });
    OriginGates& out = gates[origin];
    out.scan.reserve(list.size());
    out.score.reserve(list.size());
    out.skill_begin.reserve(list.size() + 1);
    out.skill_begin.push_back(0);
    for (const auto& [position, g] : list) {
      out.scan.push_back(Gate{g.start, position, g.needs});
      out.score.push_back(g.score);
      out.skills.insert(out.skills.end(), skills[position].begin(), skills[position].end());
      out.skill_begin.push_back(static_cast<uint32_t>(out.skills.size()));
    }
  }
}

MatchEngine::MatchEngine(storage::Stores& stores, const Taxonomy& taxonomy, const Clock& clock,
                         const QuotaLedger* ledger)
    : stores_(stores),
      taxonomy_(taxonomy),
      clock_(clock),
      ledger_(ledger),
      evaluator_(taxonomy, interner_),
      index_(std::make_unique<CandidateIndex>(interner_)) {}

absl::StatusOr<std::unique_ptr<MatchEngine>> MatchEngine::Start(storage::Stores& stores,
                                                                const Taxonomy& taxonomy,
                                                                const Clock& clock,
                                                                const QuotaLedger* ledger) {
  std::unique_ptr<MatchEngine> engine(new MatchEngine(stores, taxonomy, clock, ledger));
  CORRIDOR_RETURN_IF_ERROR(engine->index_->Rebuild(stores));
  return engine;
}

void MatchEngine::CandidateWritten(const v1::Candidate& candidate) { index_->Upsert(candidate); }

void MatchEngine::CandidateDeleted(absl::string_view candidate_id) {
  index_->Remove(candidate_id);
}

void MatchEngine::WorldChanged() {
  absl::MutexLock lock(&world_mu_);
  world_stale_ = true;
}

absl::StatusOr<CompiledVacancy> MatchEngine::CompileVacancy(const v1::Vacancy& vacancy,
                                                            const MatchWorld& world) const {
  absl::StatusOr<std::string> employer_id =
      ParseResourceName(vacancy.employer(), "employers", "vacancy.employer");
  std::optional<v1::Employer> employer;
  if (employer_id.ok()) {
    absl::StatusOr<v1::Employer> e = stores_.employers.Get(*employer_id);
    if (e.ok()) employer = *std::move(e);
  }
  return evaluator_.Compile(vacancy, employer ? &*employer : nullptr, world);
}

absl::StatusOr<std::shared_ptr<const MatchEngine::Snapshot>> MatchEngine::Current() {
  Day today = Today(clock_);
  absl::MutexLock lock(&world_mu_);
  if (snapshot_ != nullptr && !world_stale_ && world_day_ == today) return snapshot_;
  // Mark fresh before loading: a write landing during the load marks it
  // stale again, so it is never missed.
  world_stale_ = false;
  auto snapshot = std::make_shared<Snapshot>();
  CORRIDOR_ASSIGN_OR_RETURN(snapshot->world, LoadMatchWorld(stores_, interner_, today, [this](v1::QuotaCell& cell) {
                              if (ledger_ != nullptr) ledger_->FillUsage(cell);
                            }));
  storage::ListQuery query;
  query.scope = "match-engine-vacancies";
  query.page_size = storage::kMaxPageSize;
  query.predicate = [](const google::protobuf::Message& m) {
    return static_cast<const v1::Vacancy&>(m).state() == v1::VACANCY_STATE_OPEN;
  };
  do {
    CORRIDOR_ASSIGN_OR_RETURN(storage::Page<v1::Vacancy> page, stores_.vacancies.List(query));
    for (const v1::Vacancy& v : page.items) {
      CORRIDOR_ASSIGN_OR_RETURN(CompiledVacancy compiled, CompileVacancy(v, snapshot->world));
      snapshot->vacancies.push_back(std::move(compiled));
    }
    query.page_token = page.next_page_token;
  } while (!query.page_token.empty());
  snapshot->BuildGates();
  snapshot_ = std::move(snapshot);
  world_day_ = today;
  return snapshot_;
}

absl::StatusOr<v1::ShortlistCandidatesResponse> MatchEngine::Shortlist(
    const CallContext& call, const v1::ShortlistCandidatesRequest& request,
    absl::Time deadline) {
  CORRIDOR_ASSIGN_OR_RETURN(int k, CheckK(request.k()));
  CORRIDOR_ASSIGN_OR_RETURN(std::string vacancy_id,
                            ParseResourceName(request.vacancy(), "vacancies", "vacancy"));
  CORRIDOR_ASSIGN_OR_RETURN(std::vector<FilterTerm> terms,
                            ParseFilter(request.filter(), {"nationality", "isco_code"}));
  int page_size = request.page_size() == 0 ? k : request.page_size();
  if (page_size < 0 || page_size > kMaxK) {
    return absl::InvalidArgumentError("page_size: must be 0..500 (0 means k)");
  }
  CandidateIndex::Query query;
  for (const FilterTerm& t : terms) {
    if (t.field == "nationality") {
      query.nationalities.push_back(PackCountry(t.value));
    } else {
      query.isco = ParseIsco(t.value);
      if (query.isco.digits == 0) {
        return absl::InvalidArgumentError("filter: isco_code takes 1..4 digits");
      }
    }
  }
  std::string scope = absl::StrCat("shortlist\n", call.principal, "\n", vacancy_id, "\n", k, "\n",
                                   CanonicalFilter(terms), "\n", request.flag_quota_exhausted(),
                                   "\n", page_size);
  int offset = 0;
  if (!request.page_token().empty()) {
    CORRIDOR_ASSIGN_OR_RETURN(
        std::string last,
        storage::DecodePageToken(stores_.candidates.database().page_token_secret(), scope,
                                 request.page_token()));
    if (!absl::SimpleAtoi(last, &offset) || offset < 0 || offset > kMaxK) {
      return absl::InvalidArgumentError("page_token: invalid");
    }
  }

  absl::StatusOr<v1::Vacancy> vacancy = stores_.vacancies.Get(vacancy_id);
  if (absl::IsNotFound(vacancy.status())) {
    return absl::NotFoundError(absl::StrCat("vacancies/", vacancy_id, " not found"));
  }
  if (!vacancy.ok()) return vacancy.status();
  CORRIDOR_ASSIGN_OR_RETURN(std::shared_ptr<const Snapshot> snapshot, Current());
  CORRIDOR_ASSIGN_OR_RETURN(CompiledVacancy compiled, CompileVacancy(*vacancy, snapshot->world));

  query.vacancy = &compiled;
  query.world = &snapshot->world;
  query.k = k;
  query.include_quota_exhausted = request.flag_quota_exhausted();
  query.deadline = deadline;
  CORRIDOR_ASSIGN_OR_RETURN(CandidateIndex::Result result, index_->TopK(query, evaluator_));

  v1::ShortlistCandidatesResponse response;
  response.set_eligible_count(result.eligible_count);
  int end = std::min<int>(offset + page_size, static_cast<int>(result.top.size()));
  for (int i = offset; i < end; ++i) {
    const CandidateIndex::Hit& hit = result.top[i];
    Explanation explanation;
    bool found = index_->WithView(hit.candidate_id, [&](const CandidateView& view) {
      explanation = evaluator_.Explain(view, compiled, snapshot->world);
    });
    if (!found) continue;  // Deleted since the scan.
    v1::Match* match = response.add_matches();
    match->set_candidate(CandidateName(hit.candidate_id));
    match->set_vacancy(VacancyName(vacancy_id));
    match->set_score(explanation.score);
    match->set_rank(i + 1);
    AddComponents(explanation, *match);
    if (!explanation.eligible) AddFailures(explanation, match->mutable_flags());
  }
  if (end < static_cast<int>(result.top.size())) {
    response.set_next_page_token(storage::EncodePageToken(
        stores_.candidates.database().page_token_secret(), scope, absl::StrCat(end)));
  }
  return response;
}

absl::StatusOr<v1::RecommendVacanciesResponse> MatchEngine::Recommend(
    const v1::RecommendVacanciesRequest& request, absl::Time deadline) {
  CORRIDOR_ASSIGN_OR_RETURN(int k, CheckK(request.k()));
  CORRIDOR_ASSIGN_OR_RETURN(std::string candidate_id,
                            ParseResourceName(request.candidate(), "candidates", "candidate"));
  CORRIDOR_ASSIGN_OR_RETURN(std::shared_ptr<const Snapshot> snapshot, Current());
  struct Ranked {
    const CompiledVacancy* vacancy;
    Verdict verdict;
  };
  // True when a ranks before b: score descending, then vacancy id (unique,
  // so the order is total and the top k is the same however it is found).
  auto ranks_before = [](const Ranked& a, const Ranked& b) {
    if (a.verdict.score_micros != b.verdict.score_micros) {
      return a.verdict.score_micros > b.verdict.score_micros;
    }
    return a.vacancy->id < b.vacancy->id;
  };
  // The best k so far, a heap whose front ranks last.
  std::vector<Ranked> ranked;
  bool found = index_->WithView(candidate_id, [&](const CandidateView& view) {
    // Only the vacancies that pass the gates can be eligible (evaluator.h).
    const CandidateGate gate = Evaluator::CandidateGateOf(view, snapshot->world);
    if (!gate.open) return;
    auto it = snapshot->gates.find(view.nationality);
    if (it == snapshot->gates.end()) return;
    const Snapshot::OriginGates& gates = it->second;
    using Pending = RecommendPending;
    // Reused by the calls on this thread: allocating a large buffer per call
    // costs more than filling it (glibc consolidates its free lists first).
    static thread_local std::vector<Pending> pending;
    pending.clear();
    auto g = std::lower_bound(gates.scan.begin(), gates.scan.end(), gate.first_start,
                              [](const Snapshot::Gate& a, Day day) { return a.start < day; });
    for (; g != gates.scan.end() && g->start <= gate.last_start; ++g) {
      if (!GateAdmits(g->needs, gate.holds)) continue;
      const auto i = static_cast<uint32_t>(g - gates.scan.begin());
      pending.push_back(
          {Evaluator::GateScoreBoundMicros(view, gates.score[i], gates.SkillsOf(i)), g->vacancy});
    }
    // Best case first: bound descending, then id ascending. Once the best
    // case left (its bound as its score) ranks after the k-th found, no
    // vacancy left can enter the top k.
    auto by_bound = [](const Pending& a, const Pending& b) {
      return a.bound != b.bound ? a.bound < b.bound : a.vacancy > b.vacancy;
    };
    std::make_heap(pending.begin(), pending.end(), by_bound);
    while (!pending.empty()) {
      std::pop_heap(pending.begin(), pending.end(), by_bound);
      const Pending p = pending.back();
      pending.pop_back();
      if (static_cast<int>(ranked.size()) == k) {
        const Ranked& last = ranked.front();
        if (p.bound < last.verdict.score_micros ||
            (p.bound == last.verdict.score_micros &&
             p.vacancy > static_cast<uint32_t>(last.vacancy - snapshot->vacancies.data()))) {
          break;
        }
      }
      const CompiledVacancy& v = snapshot->vacancies[p.vacancy];
      const Verdict verdict = evaluator_.Evaluate(view, v, snapshot->world);
      if (verdict.failures != 0) continue;
      const Ranked r{&v, verdict};
      if (static_cast<int>(ranked.size()) < k) {
        ranked.push_back(r);
        std::push_heap(ranked.begin(), ranked.end(), ranks_before);
      } else if (ranks_before(r, ranked.front())) {
        std::pop_heap(ranked.begin(), ranked.end(), ranks_before);
        ranked.back() = r;
        std::push_heap(ranked.begin(), ranked.end(), ranks_before);
      }
    }
  });
  if (!found) return absl::NotFoundError(absl::StrCat("candidates/", candidate_id, " not found"));
  if (absl::Now() > deadline) return absl::DeadlineExceededError("recommendation ran too long");
  std::sort(ranked.begin(), ranked.end(), ranks_before);
  v1::RecommendVacanciesResponse response;
  response.mutable_matches()->Reserve(static_cast<int>(ranked.size()));
  index_->WithView(candidate_id, [&](const CandidateView& view) {
    int rank = 0;
    for (const Ranked& r : ranked) {
      Explanation e = evaluator_.Explain(view, *r.vacancy, snapshot->world);
      v1::Match* match = response.add_matches();
      match->set_candidate(CandidateName(candidate_id));
      match->set_vacancy(VacancyName(r.vacancy->id));
      match->set_score(e.score);
      match->set_rank(++rank);
      AddComponents(std::move(e), *match);
    }
  });
  return response;
}

absl::StatusOr<std::vector<RoundEdge>> MatchEngine::RoundEdges(
    const std::vector<std::string>& vacancy_ids, int per_vacancy, absl::Time deadline) {
  CORRIDOR_ASSIGN_OR_RETURN(int k, CheckK(per_vacancy));
  CORRIDOR_ASSIGN_OR_RETURN(std::shared_ptr<const Snapshot> snapshot, Current());
  std::vector<RoundEdge> edges;
  for (const std::string& vacancy_id : vacancy_ids) {
    // Open vacancies are in id order.
    auto it = std::lower_bound(
        snapshot->vacancies.begin(), snapshot->vacancies.end(), vacancy_id,
        [](const CompiledVacancy& v, const std::string& id) { return v.id < id; });
    if (it == snapshot->vacancies.end() || it->id != vacancy_id) continue;
    const CompiledVacancy& compiled = *it;
    CandidateIndex::Query query;
    query.vacancy = &compiled;
    query.world = &snapshot->world;
    query.k = k;
    query.include_quota_exhausted = true;
    query.deadline = deadline;
    CORRIDOR_ASSIGN_OR_RETURN(CandidateIndex::Result result, index_->TopK(query, evaluator_));
    for (const CandidateIndex::Hit& hit : result.top) {
      RoundEdge edge;
      bool found = index_->WithView(hit.candidate_id, [&](const CandidateView& view) {
        const Explanation e = evaluator_.Explain(view, compiled, snapshot->world);
        edge.score = e.score;
        for (const ComponentScore& c : e.components) {
          if (c.component == Component::kPreferenceFit) edge.preference_fit = c.raw;
        }
        edge.agreement = e.agreement;
        edge.leaf_cell = e.leaf_cell;
        edge.nationality = UnpackCountry(view.nationality);
      });
      if (!found) continue;  // Deleted since the scan.
      edge.candidate_id = hit.candidate_id;
      edge.registered_micros = hit.registered_micros;
      edge.vacancy_id = vacancy_id;
      edges.push_back(std::move(edge));
    }
  }
  return edges;
}

absl::StatusOr<Explanation> MatchEngine::ExplainPair(absl::string_view candidate_id,
                                                     const v1::Vacancy& vacancy) {
  CORRIDOR_ASSIGN_OR_RETURN(std::shared_ptr<const Snapshot> snapshot, Current());
  CORRIDOR_ASSIGN_OR_RETURN(CompiledVacancy compiled, CompileVacancy(vacancy, snapshot->world));
  Explanation explanation;
  bool found = index_->WithView(candidate_id, [&](const CandidateView& view) {
    explanation = evaluator_.Explain(view, compiled, snapshot->world);
  });
  if (!found) return absl::NotFoundError(absl::StrCat("candidates/", candidate_id, " not found"));
  return explanation;
}

absl::StatusOr<v1::ExplainMatchResponse> MatchEngine::Explain(
    const v1::ExplainMatchRequest& request) {
  CORRIDOR_ASSIGN_OR_RETURN(std::string candidate_id,
                            ParseResourceName(request.candidate(), "candidates", "candidate"));
  CORRIDOR_ASSIGN_OR_RETURN(std::string vacancy_id,
                            ParseResourceName(request.vacancy(), "vacancies", "vacancy"));
  absl::StatusOr<v1::Vacancy> vacancy = stores_.vacancies.Get(vacancy_id);
  if (absl::IsNotFound(vacancy.status())) {
    return absl::NotFoundError(absl::StrCat("vacancies/", vacancy_id, " not found"));
  }
  if (!vacancy.ok()) return vacancy.status();
  CORRIDOR_ASSIGN_OR_RETURN(Explanation explanation, ExplainPair(candidate_id, *vacancy));
  v1::ExplainMatchResponse response;
  response.set_eligible(explanation.eligible);
  AddFailures(explanation, response.mutable_failed_rules());
  v1::Match* match = response.mutable_match();
  match->set_candidate(CandidateName(candidate_id));
  match->set_vacancy(VacancyName(vacancy_id));
  match->set_score(explanation.score);
  AddComponents(explanation, *match);
  return response;
}

}  // namespace corridor::matcher
