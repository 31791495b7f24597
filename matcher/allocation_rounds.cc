#include "matcher/allocation_rounds.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "matcher/allocation/proposal.h"
#include "matcher/allocation/solver.h"
#include "matcher/filter.h"
#include "storage/keys.h"

namespace corridor::matcher {
namespace {

namespace alloc = allocation;

constexpr int kDefaultEdgesPerCandidate = 20;
constexpr int kMaxEdgesPerCandidate = 500;
// Candidates considered per vacancy: the index's largest k.
constexpr int kCandidatesPerVacancy = 500;
constexpr int64_t kMaxCap = 10'000'000;
constexpr size_t kMaxLotterySeedBytes = 256;
// A crossing round's CBC stages get this long each before the best found is kept.
constexpr double kMipSecondsPerStage = 20;
// Edge::preference = preference fit (0..1) * kPreferenceStep + score: the fit
// decides, the score breaks its ties (scores stay below the step).
constexpr double kPreferenceStep = 100'000;

bool ValidDate(const v1::Date& d) {
  if (d.year() < 1900 || d.year() > 2200 || d.month() < 1 || d.month() > 12 || d.day() < 1) {
    return false;
  }
  const absl::CivilDay day(d.year(), d.month(), d.day());
  return day.month() == d.month() && day.day() == d.day();
}

// YYYY-MM-DD, of a date ValidDate accepted.
std::string FormatDate(const v1::Date& d) {
  return absl::FormatCivilTime(absl::CivilDay(d.year(), d.month(), d.day()));
}

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

alloc::Objective ToObjective(v1::AllocationObjective o) {
  switch (o) {
    case v1::ALLOCATION_OBJECTIVE_STABLE:
      return alloc::Objective::kStable;
    case v1::ALLOCATION_OBJECTIVE_FIRST_COME_FIRST_SERVED:
    case v1::ALLOCATION_OBJECTIVE_LOTTERY:  // on DrawLots' copy
      return alloc::Objective::kFirstComeFirstServed;
    case v1::ALLOCATION_OBJECTIVE_GREEDY:
      return alloc::Objective::kGreedy;
    default:
      return alloc::Objective::kMaxWelfare;
  }
}

const char* MethodName(alloc::Method m) {
  switch (m) {
    case alloc::Method::kGreedy:
      return "GREEDY";
    case alloc::Method::kFirstComeFirstServed:
      return "FIRST_COME_FIRST_SERVED";
    case alloc::Method::kFlowVacancyNested:
      return "FLOW_VACANCY_NESTED";
    case alloc::Method::kFlowCandidateNested:
      return "FLOW_CANDIDATE_NESTED";
    case alloc::Method::kMip:
      return "MIP";
    case alloc::Method::kDeferredAcceptance:
      return "DEFERRED_ACCEPTANCE";
    case alloc::Method::kLagrangian:
      return "LAGRANGIAN";
  }
  return "";
}

// How many cells' sensitivities may be found by re-solving the round with
// that cell's cap raised (the flow answers every cell at once, without
// re-solving): a few seconds' worth at most, the rest are left out.
int64_t ResolveBudget(const alloc::Instance& inst, alloc::Method method) {
  const size_t edges = inst.edges.size();
  switch (method) {
    case alloc::Method::kFlowVacancyNested:
    case alloc::Method::kFlowCandidateNested:
      return alloc::kDefaultMaxResolves;
    case alloc::Method::kMip:
      return edges <= 2'000 ? 50 : 0;
    case alloc::Method::kLagrangian:
      return 0;  // each re-solve is a full bundle run of seconds
    default:
      return edges <= 100'000 ? 100 : 0;
  }
}

// The round's instance, with what maps its indices back to resources.
struct RoundInstance {
  alloc::Instance instance;
  std::string agreement_id;
  std::vector<std::string> nationality;  // by candidate index
  std::vector<std::string> isco_code;    // by vacancy index
};

// Placements by cell (with ancestors), origin and occupation.
void AddFills(const RoundInstance& r, const alloc::Result& result,
              google::protobuf::RepeatedPtrField<v1::AllocationFill>& out) {
  for (size_t c = 0; c < r.instance.cells.size(); ++c) {
    if (result.cell_use[c] == 0) continue;
    v1::AllocationFill* f = out.Add();
    f->set_dimension("quota_cell");
    f->set_key(QuotaCellResourceName(r.agreement_id, r.instance.cells[c].id));
    f->set_placements(result.cell_use[c]);
  }
  std::map<std::string, int64_t> origin, occupation;
  for (const alloc::Assignment& a : result.assignments) {
    const alloc::Edge& e = r.instance.edges[a.edge];
    ++origin[r.nationality[e.candidate]];
    ++occupation[r.isco_code[e.vacancy]];
  }
  for (const auto& [dimension, table] :
       {std::pair<const char*, const std::map<std::string, int64_t>*>{"origin", &origin},
        {"occupation", &occupation}}) {
    for (const auto& [key, n] : *table) {
      v1::AllocationFill* f = out.Add();
      f->set_dimension(dimension);
      f->set_key(key);
      f->set_placements(n);
    }
  }
}

}  // namespace

AllocationRounds::AllocationRounds(storage::Stores& stores, Registry& registry,
                                   const QuotaLedger& ledger, MatchEngine& engine,
                                   ApplicationLifecycle& lifecycle, const Clock& clock)
    : stores_(stores), registry_(registry), ledger_(ledger), engine_(engine),
      lifecycle_(lifecycle), clock_(clock) {}

absl::StatusOr<v1::AllocationRound> AllocationRounds::Create(
    const CallContext& call, const v1::CreateAllocationRoundRequest& request,
    absl::Time deadline) {
  // ---- Validation: every field, before anything is computed.
  storage::Idempotency idem;
  const storage::Idempotency* idem_ptr = nullptr;
  if (!request.request_id().empty()) {
    if (!IsValidRequestId(request.request_id())) {
      return Invalid("request_id", "must be 1..64 characters of [A-Za-z0-9_-]");
    }
    idem.key = storage::IdempotencyKey(call.principal, call.method, request.request_id());
    idem.request_hash = storage::RequestFingerprint(request);
    idem_ptr = &idem;
  }
  const v1::AllocationRound& in = request.allocation_round();
  if (in.agreement().empty()) return Invalid("allocation_round.agreement", "required");
  CORRIDOR_ASSIGN_OR_RETURN(
      std::string agreement_id,
      ParseResourceName(in.agreement(), "agreements", "allocation_round.agreement"));
  if (!in.has_period()) return Invalid("allocation_round.period", "required");
  if (!ValidDate(in.period().start())) {
    return Invalid("allocation_round.period.start", "a valid date is required");
  }
  if (!ValidDate(in.period().end())) {
    return Invalid("allocation_round.period.end", "a valid date is required");
  }
  const Day period_start = ToDay(in.period().start());
  const Day period_end = ToDay(in.period().end());
  if (period_end < period_start) {
    return Invalid("allocation_round.period.end", "must be on or after period.start");
  }
  if (in.objective() == v1::ALLOCATION_OBJECTIVE_UNSPECIFIED ||
      !v1::AllocationObjective_IsValid(in.objective())) {
    return Invalid("allocation_round.objective", "required");
  }
  if (in.lottery_seed().size() > kMaxLotterySeedBytes) {
    return Invalid("allocation_round.lottery_seed", "at most 256 bytes");
  }
  const std::string lottery_seed =
      !in.lottery_seed().empty()
          ? in.lottery_seed()
          : absl::StrCat(in.agreement(), "/", FormatDate(in.period().start()), "/",
                         FormatDate(in.period().end()));
  if (in.edges_per_candidate() < 0 || in.edges_per_candidate() > kMaxEdgesPerCandidate) {
    return Invalid("allocation_round.edges_per_candidate", "must be 0..500 (0 means 20)");
  }
  int edges_per_candidate =
      in.edges_per_candidate() == 0 ? kDefaultEdgesPerCandidate : in.edges_per_candidate();
  absl::StatusOr<v1::Agreement> agreement = registry_.agreements().Get(agreement_id);
  if (!agreement.ok()) return agreement.status();
  auto is_destination = [&](absl::string_view country) {
    return std::find(agreement->destinations().begin(), agreement->destinations().end(),
                     country) != agreement->destinations().end();
  };

  // The agreement's cells and their live use.
  std::vector<v1::QuotaCell> cells;
  {
    storage::ListQuery q;
    q.scope = "allocation-round-cells";
    q.id_prefix = absl::StrCat(agreement_id, "/");
    q.page_size = storage::kMaxPageSize;
    for (;;) {
      CORRIDOR_ASSIGN_OR_RETURN(storage::Page<v1::QuotaCell> page,
                                registry_.quota_cells().store().List(q));
      for (v1::QuotaCell& c : page.items) {
        ledger_.FillUsage(c);
        cells.push_back(std::move(c));
      }
      if (page.next_page_token.empty()) break;
      q.page_token = page.next_page_token;
    }
  }
  absl::flat_hash_map<std::string, int32_t> cell_index;  // by cell id
  for (size_t i = 0; i < cells.size(); ++i) {
    CORRIDOR_ASSIGN_OR_RETURN(QuotaCellName n, ParseQuotaCellName(cells[i].name(), "cell"));
    cell_index[n.cell_id] = static_cast<int32_t>(i);
  }
  absl::flat_hash_map<int32_t, int64_t> overrides;
  for (int i = 0; i < in.cap_overrides_size(); ++i) {
    const v1::CapOverride& o = in.cap_overrides(i);
    const std::string field = absl::StrCat("allocation_round.cap_overrides[", i, "]");
    CORRIDOR_ASSIGN_OR_RETURN(QuotaCellName n,
                              ParseQuotaCellName(o.quota_cell(), field + ".quota_cell"));
    if (n.agreement_id != agreement_id) {
      return Invalid(field + ".quota_cell", "must be a cell of the round's agreement");
    }
    auto it = cell_index.find(n.cell_id);
    if (it == cell_index.end()) {
      return absl::NotFoundError(absl::StrCat(field, ".quota_cell: ", o.quota_cell(),
                                              " not found"));
    }
    if (o.cap() < 0 || o.cap() > kMaxCap) return Invalid(field + ".cap", "must be 0..10000000");
    if (!overrides.emplace(it->second, o.cap()).second) {
      return Invalid(field + ".quota_cell", "named twice");
    }
  }
  if (!overrides.empty() && !in.what_if()) {
    return Invalid("allocation_round.cap_overrides", "only a what_if round may override caps");
  }

  // The vacancies in scope.
  std::vector<v1::Vacancy> vacancies;
  if (in.vacancies_size() > 0) {
    absl::flat_hash_set<std::string> seen;
    for (int i = 0; i < in.vacancies_size(); ++i) {
      const std::string field = absl::StrCat("allocation_round.vacancies[", i, "]");
      CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                ParseResourceName(in.vacancies(i), "vacancies", field));
      if (!seen.insert(id).second) return Invalid(field, "named twice");
      absl::StatusOr<v1::Vacancy> v = registry_.vacancies().Get(id);
      if (!v.ok()) return v.status();
      if (v->state() != v1::VACANCY_STATE_OPEN) return Invalid(field, "the vacancy is not open");
      if (!is_destination(v->destination())) {
        return Invalid(field, "the vacancy's destination is not one of the agreement's");
      }
      vacancies.push_back(*std::move(v));
    }
  } else {
    storage::ListQuery q;
    q.scope = "allocation-round-vacancies";
    q.page_size = storage::kMaxPageSize;
    q.predicate = [&](const google::protobuf::Message& m) {
      const auto& v = static_cast<const v1::Vacancy&>(m);
      const Day start = ToDay(v.window().start());
      return v.state() == v1::VACANCY_STATE_OPEN && is_destination(v.destination()) &&
             start >= period_start && start <= period_end;
    };
    for (;;) {
      CORRIDOR_ASSIGN_OR_RETURN(storage::Page<v1::Vacancy> page, stores_.vacancies.List(q));
      for (v1::Vacancy& v : page.items) vacancies.push_back(std::move(v));
      if (page.next_page_token.empty()) break;
      q.page_token = page.next_page_token;
    }
  }

  // ---- The instance.
  // Vacancies and cells first; the edges are added per budget below.
  RoundInstance r;
  r.agreement_id = agreement_id;
  absl::flat_hash_map<std::string, int32_t> vacancy_index;
  std::vector<std::string> vacancy_ids;
  for (const v1::Vacancy& v : vacancies) {
    CORRIDOR_ASSIGN_OR_RETURN(std::string id, ParseResourceName(v.name(), "vacancies", "name"));
    CORRIDOR_ASSIGN_OR_RETURN(int32_t filled, lifecycle_.PositionsFilled(id));
    vacancy_index[id] = static_cast<int32_t>(r.instance.vacancies.size());
    r.instance.vacancies.push_back(alloc::Vacancy{id, std::max<int64_t>(v.positions() - filled, 0)});
    r.isco_code.push_back(v.isco_code());
    vacancy_ids.push_back(id);
  }
  std::sort(vacancy_ids.begin(), vacancy_ids.end());
  for (size_t i = 0; i < cells.size(); ++i) {
    const v1::QuotaCell& c = cells[i];
    const int64_t cap = overrides.contains(static_cast<int32_t>(i))
                            ? overrides[static_cast<int32_t>(i)]
                            : c.cap();
    alloc::Cell cell;
    cell.id = std::string(absl::StripPrefix(
        c.name(), absl::StrCat("agreements/", agreement_id, "/quotaCells/")));
    cell.cap_remaining = cap - c.reserved() - c.committed();
    auto parent = cell_index.find(c.parent());
    cell.parent = c.parent().empty() || parent == cell_index.end() ? -1 : parent->second;
    auto overflow = cell_index.find(c.overflow_cell());
    cell.overflow = c.overflow_cell().empty() || overflow == cell_index.end() ||
                            overflow->second == static_cast<int32_t>(i)
                        ? -1
                        : overflow->second;
    r.instance.cells.push_back(std::move(cell));
  }
  CORRIDOR_ASSIGN_OR_RETURN(std::vector<RoundEdge> found,
                            engine_.RoundEdges(vacancy_ids, kCandidatesPerVacancy, deadline));
  // This agreement's placements only, each candidate's best first (score,
  // then vacancy id).
  found.erase(std::remove_if(found.begin(), found.end(),
                             [&](const RoundEdge& e) { return e.agreement != agreement_id; }),
              found.end());
  std::stable_sort(found.begin(), found.end(), [](const RoundEdge& a, const RoundEdge& b) {
    if (a.candidate_id != b.candidate_id) return a.candidate_id < b.candidate_id;
    if (a.score != b.score) return a.score > b.score;
    return a.vacancy_id < b.vacancy_id;
  });
  // The instance with each candidate's best k edges; *dropped counts the rest.
  const RoundInstance base = r;
  auto with_edges = [&](int k, int64_t* dropped) {
    RoundInstance out = base;
    *dropped = 0;
    absl::flat_hash_map<std::string, int32_t> candidate_index;
    for (size_t i = 0; i < found.size();) {
      size_t end = i;
      while (end < found.size() && found[end].candidate_id == found[i].candidate_id) ++end;
      for (size_t j = i; j < end; ++j) {
        const RoundEdge& e = found[j];
        if (static_cast<int>(j - i) >= k) {
          ++*dropped;
          continue;
        }
        auto [it, added] = candidate_index.emplace(
            e.candidate_id, static_cast<int32_t>(out.instance.candidates.size()));
        if (added) {
          out.instance.candidates.push_back(alloc::Candidate{e.candidate_id, e.registered_micros});
          out.nationality.push_back(e.nationality);
        }
        alloc::Edge edge;
        edge.candidate = it->second;
        edge.vacancy = vacancy_index.at(e.vacancy_id);
        edge.score = e.score;
        // The candidate's order for the stable objective: first the share of
        // its stated preferences the vacancy meets, then its score there.
        edge.preference = std::clamp(e.preference_fit, 0.0, 1.0) * kPreferenceStep +
                          std::clamp(e.score, 0.0, kPreferenceStep - 1);
        auto leaf = cell_index.find(e.leaf_cell);
        edge.leaf = e.leaf_cell.empty() || leaf == cell_index.end() ? -1 : leaf->second;
        out.instance.edges.push_back(edge);
      }
      i = end;
    }
    return out;
  };

  // ---- Solve, explain, compare.
  alloc::SolveOptions options;
  options.objective = ToObjective(in.objective());
  options.mip_time_limit_seconds = kMipSecondsPerStage;
  // A lottery is first come first served on the draw's order.
  const bool lottery = in.objective() == v1::ALLOCATION_OBJECTIVE_LOTTERY;
  const auto solve = [&](const alloc::Instance& instance, const alloc::SolveOptions& o) {
    return lottery ? alloc::Solve(alloc::DrawLots(instance, lottery_seed), o)
                   : alloc::Solve(instance, o);
  };
  int64_t edges_dropped = 0;
  r = with_edges(edges_per_candidate, &edges_dropped);
  CORRIDOR_ASSIGN_OR_RETURN(alloc::Result result, solve(r.instance, options));
  // With the default budget, a round that left pairs out is solved again
  // with twice the budget until that changes neither the placements nor the
  // total score (or nothing is left out): the proposal then does not depend
  // on the budget.
  while (in.edges_per_candidate() == 0 && edges_dropped > 0 &&
         edges_per_candidate < kMaxEdgesPerCandidate) {
    const int wider = std::min(2 * edges_per_candidate, kMaxEdgesPerCandidate);
    int64_t wider_dropped = 0;
    RoundInstance wide = with_edges(wider, &wider_dropped);
    CORRIDOR_ASSIGN_OR_RETURN(alloc::Result wide_result, solve(wide.instance, options));
    const bool same = wide_result.placements == result.placements &&
                      wide_result.total_score_micros == result.total_score_micros;
    if (same) break;
    r = std::move(wide);
    result = std::move(wide_result);
    edges_per_candidate = wider;
    edges_dropped = wider_dropped;
  }
  const alloc::Instance& inst = r.instance;
  const int64_t edges_considered = static_cast<int64_t>(inst.edges.size());
  // ---- Solve, explain, compare.
  // The lottery's explanations read its turns from the draw.
  const alloc::Instance drawn = lottery ? alloc::DrawLots(inst, lottery_seed) : alloc::Instance();
  CORRIDOR_ASSIGN_OR_RETURN(
      alloc::Proposal proposal,
      alloc::ExplainProposal(lottery ? drawn : inst, result, options,
                             ResolveBudget(inst, result.method)));

  v1::AllocationRound round = in;
  round.clear_name();
  round.set_state(v1::ALLOCATION_ROUND_STATE_PROPOSED);
  round.clear_assignments();
  round.clear_unplaced();
  round.clear_sensitivities();
  round.clear_fills();
  round.clear_baselines();
  round.clear_confirmations();
  round.clear_confirm_time();
  round.clear_confirm_request_id();
  round.set_edges_per_candidate(edges_per_candidate);
  round.set_placements(result.placements);
  round.set_total_score(result.total_score);
  round.set_method(lottery ? "LOTTERY" : MethodName(result.method));
  round.set_lottery_seed(lottery_seed);
  round.set_optimal(result.optimal);
  round.set_stable_guaranteed(result.stable_guaranteed);
  round.set_blocking_pairs(0);
  if (options.objective == alloc::Objective::kStable && !result.stable_guaranteed) {
    round.set_blocking_pairs(
        static_cast<int64_t>(alloc::FindBlockingPairs(inst, result.assignments).size()));
  }
  round.set_lp_gap(0);
  const bool bounded =
      result.method == alloc::Method::kMip || result.method == alloc::Method::kLagrangian;
  if (bounded && result.score_bound_micros > 0 &&
      static_cast<double>(result.placements) >= result.placements_bound - 1e-6) {
    round.set_lp_gap(std::max(
        0.0, 1.0 - static_cast<double>(result.total_score_micros) / result.score_bound_micros));
  }
  round.set_candidates_considered(static_cast<int64_t>(inst.candidates.size()));
  round.set_edges_considered(edges_considered);
  round.set_edges_dropped(edges_dropped);
  for (const alloc::Assignment& a : result.assignments) {
    const alloc::Edge& e = inst.edges[a.edge];
    v1::Assignment* out = round.add_assignments();
    out->set_candidate(CandidateName(inst.candidates[e.candidate].id));
    out->set_vacancy(VacancyName(inst.vacancies[e.vacancy].id));
    const int32_t drawn = alloc::DrawnCell(inst, e, a.route);
    if (drawn >= 0) out->set_quota_cell(QuotaCellResourceName(agreement_id, inst.cells[drawn].id));
    out->set_score(e.score);
  }
  for (const alloc::Unplaced& u : proposal.unplaced) {
    v1::UnplacedCandidate* out = round.add_unplaced();
    out->set_candidate(CandidateName(inst.candidates[u.candidate].id));
    switch (u.reason) {
      case alloc::UnplacedReason::kBindingCell:
        out->set_reason_code("BINDING_CELL");
        out->set_quota_cell(QuotaCellResourceName(agreement_id, inst.cells[u.binding_cell].id));
        break;
      case alloc::UnplacedReason::kBelowCutoff:
      case alloc::UnplacedReason::kFilledEarlier:
        if (!std::isfinite(u.cutoff_score)) {
          out->set_reason_code("NO_OPEN_POSITION");
          break;
        }
        out->set_reason_code(u.reason == alloc::UnplacedReason::kBelowCutoff ? "BELOW_CUTOFF"
                                                                             : "FILLED_EARLIER");
        out->set_cutoff_score(u.cutoff_score);
        if (u.cutoff_vacancy >= 0) {
          out->set_vacancy(VacancyName(inst.vacancies[u.cutoff_vacancy].id));
        }
        break;
      case alloc::UnplacedReason::kNotBlocked:
        out->set_reason_code("ROOM_LEFT");
        break;
      case alloc::UnplacedReason::kNoEdge:
        out->set_reason_code("NO_ELIGIBLE_VACANCY");
        break;
    }
  }
  for (const alloc::CellSensitivity& s : proposal.sensitivities) {
    if (!s.computed) continue;
    v1::CellSensitivity* out = round.add_sensitivities();
    out->set_quota_cell(QuotaCellResourceName(agreement_id, inst.cells[s.cell].id));
    out->set_extra_placements(s.extra_placements);
  }
  AddFills(r, result, *round.mutable_fills());
  for (v1::AllocationObjective baseline :
       {v1::ALLOCATION_OBJECTIVE_FIRST_COME_FIRST_SERVED, v1::ALLOCATION_OBJECTIVE_GREEDY,
        v1::ALLOCATION_OBJECTIVE_LOTTERY}) {
    if (baseline == in.objective()) continue;
    alloc::SolveOptions b;
    b.objective = ToObjective(baseline);
    CORRIDOR_ASSIGN_OR_RETURN(
        alloc::Result br, alloc::Solve(baseline == v1::ALLOCATION_OBJECTIVE_LOTTERY
                                           ? alloc::DrawLots(inst, lottery_seed)
                                           : inst,
                                       b));
    v1::AllocationBaseline* out = round.add_baselines();
    out->set_objective(baseline);
    out->set_placements(br.placements);
    out->set_total_score(br.total_score);
    AddFills(r, br, *out->mutable_fills());
  }

  CORRIDOR_ASSIGN_OR_RETURN(std::string id, ChooseResourceId("", 'r', "allocation_round_id"));
  round.set_name(absl::StrCat("allocationRounds/", id));
  return stores_.allocation_rounds.Create(id, std::move(round), idem_ptr);
}

absl::StatusOr<v1::AllocationRound> AllocationRounds::Get(absl::string_view name) const {
  CORRIDOR_ASSIGN_OR_RETURN(std::string id, ParseResourceName(name, "allocationRounds", "name"));
  absl::StatusOr<v1::AllocationRound> round = stores_.allocation_rounds.Get(id);
  if (absl::IsNotFound(round.status())) {
    return absl::NotFoundError(absl::StrCat("allocationRounds/", id, " not found"));
  }
  return round;
}

absl::StatusOr<v1::ListAllocationRoundsResponse> AllocationRounds::List(
    const CallContext& call, const v1::ListAllocationRoundsRequest& request,
    const std::function<bool(const v1::AllocationRound&)>& visible) const {
  if (request.page_size() < 0 || request.page_size() > storage::kMaxPageSize) {
    return Invalid("page_size", absl::StrCat("must be 0..", storage::kMaxPageSize));
  }
  CORRIDOR_ASSIGN_OR_RETURN(std::vector<FilterTerm> terms,
                            ParseFilter(request.filter(), {"agreement", "state"}));
  storage::ListQuery q;
  q.scope = absl::StrCat("allocation-rounds\n", call.principal, "\n", CanonicalFilter(terms));
  q.page_size = request.page_size() == 0 ? 50 : request.page_size();
  q.page_token = request.page_token();
  q.predicate = [&](const google::protobuf::Message& m) {
    const auto& round = static_cast<const v1::AllocationRound&>(m);
    for (const FilterTerm& t : terms) {
      if (t.field == "agreement" && round.agreement() != t.value) return false;
      if (t.field == "state" &&
          v1::AllocationRoundState_Name(round.state()) != t.value &&
          absl::StrCat("ALLOCATION_ROUND_STATE_", t.value) !=
              v1::AllocationRoundState_Name(round.state())) {
        return false;
      }
    }
    return visible(round);
  };
  CORRIDOR_ASSIGN_OR_RETURN(storage::Page<v1::AllocationRound> page,
                            stores_.allocation_rounds.List(q));
  v1::ListAllocationRoundsResponse response;
  for (v1::AllocationRound& r : page.items) *response.add_allocation_rounds() = std::move(r);
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<v1::AllocationRound> AllocationRounds::Confirm(
    const CallContext& call, const v1::ConfirmAllocationRoundRequest& request) {
  if (!request.request_id().empty() && !IsValidRequestId(request.request_id())) {
    return Invalid("request_id", "must be 1..64 characters of [A-Za-z0-9_-]");
  }
  CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                            ParseResourceName(request.name(), "allocationRounds", "name"));
  absl::MutexLock lock(&confirm_mu_);
  CORRIDOR_ASSIGN_OR_RETURN(v1::AllocationRound round, Get(request.name()));
  if (round.state() == v1::ALLOCATION_ROUND_STATE_CONFIRMED) {
    if (!request.request_id().empty() && request.request_id() == round.confirm_request_id()) {
      return round;  // a replay
    }
    return absl::FailedPreconditionError(absl::StrCat(request.name(), " is already confirmed"));
  }
  if (round.what_if()) {
    return absl::FailedPreconditionError(
        absl::StrCat(request.name(), " is a what-if round; it cannot be confirmed"));
  }
  if (!request.etag().empty() && request.etag() != round.etag()) {
    return absl::AbortedError(absl::StrCat("etag: ", request.name(), " changed since it was read"));
  }

  std::vector<v1::AllocationConfirmation> outcomes;
  for (int i = 0; i < round.assignments_size(); ++i) {
    const v1::Assignment& a = round.assignments(i);
    ApplicationLifecycle::RoundPlacement p;
    CORRIDOR_ASSIGN_OR_RETURN(p.candidate_id,
                              ParseResourceName(a.candidate(), "candidates", "candidate"));
    CORRIDOR_ASSIGN_OR_RETURN(p.vacancy_id, ParseResourceName(a.vacancy(), "vacancies", "vacancy"));
    if (!a.quota_cell().empty()) {
      CORRIDOR_ASSIGN_OR_RETURN(QuotaCellName cell, ParseQuotaCellName(a.quota_cell(), "cell"));
      p.cell_id = cell.cell_id;
    }
    p.round = round.name();
    // One id per placement of this round, whoever confirms: a second run
    // (after a crash mid-way) replays the placements already made.
    p.request_id = absl::StrCat("round-", id, "-", i);
    v1::AllocationConfirmation out;
    out.set_candidate(a.candidate());
    out.set_vacancy(a.vacancy());
    absl::StatusOr<v1::Application> placed = lifecycle_.PlaceFromRound(call, p);
    if (placed.ok()) {
      out.set_outcome("CONFIRMED");
      out.set_application(placed->name());
    } else if (absl::IsFailedPrecondition(placed.status()) ||
               absl::IsAlreadyExists(placed.status()) || absl::IsNotFound(placed.status()) ||
               absl::IsPermissionDenied(placed.status())) {
      out.set_outcome("SKIPPED");
      out.set_reason(std::string(placed.status().message()));
    } else {
      return placed.status();  // nothing about this placement is decided: retry the call
    }
    outcomes.push_back(std::move(out));
  }
  const std::string confirm_request_id = request.request_id();
  return stores_.allocation_rounds.Mutate(
      id, "", [&](v1::AllocationRound& stored) -> absl::Status {
        stored.set_state(v1::ALLOCATION_ROUND_STATE_CONFIRMED);
        stored.clear_confirmations();
        for (const v1::AllocationConfirmation& o : outcomes) *stored.add_confirmations() = o;
        const int64_t micros = absl::ToUnixMicros(clock_.Now());
        stored.mutable_confirm_time()->set_seconds(micros / 1000000);
        stored.mutable_confirm_time()->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
        stored.set_confirm_request_id(confirm_request_id);
        return absl::OkStatus();
      });
}

}  // namespace corridor::matcher
