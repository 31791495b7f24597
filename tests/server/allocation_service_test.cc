// AllocationService through gRPC (issue #6): a round's proposal respects the
// quota tree and explains itself, baselines run on the same instance, what-if
// rounds leave the ledger alone, and confirmation goes through the lifecycle
// and the ledger, skipping what became impossible.

#include <algorithm>
#include <atomic>
#include <thread>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "gtest/gtest.h"
#include "matcher/audit_replay.h"
#include "tests/server/fixtures.h"

namespace corridor::testing {
namespace {

constexpr char kLeaf[] = "agreements/es-co/quotaCells/es-2027-agri";
constexpr char kRoot[] = "agreements/es-co/quotaCells/es-2027";

class AllocationServiceTest : public ::testing::Test {
 protected:
  AllocationServiceTest() : server_("allocation-service") {}

  void SetUp() override {
    server_.Seed();
    // A leaf for crop growers under the ES 2027 root, cap 3: it binds.
    v1::CreateQuotaCellRequest cell;
    cell.set_parent("agreements/es-co");
    cell.set_quota_cell_id("es-2027-agri");
    *cell.mutable_quota_cell() = ValidRootCell(3);
    cell.mutable_quota_cell()->set_parent("es-2027");
    cell.mutable_quota_cell()->set_isco_prefix("6111");
    cell.mutable_quota_cell()->set_display_name("ES 2027 crop growers (synthetic cap)");
    v1::QuotaCell out;
    ASSERT_TRUE(server_.agreements->CreateQuotaCell(server_.As("operator").get(), cell, &out).ok());
    // Six more candidates of CO with 1..6 years of experience: different scores.
    for (int i = 1; i <= 6; ++i) {
      v1::CreateCandidateRequest req;
      *req.mutable_candidate() = ValidCandidate(i % 2 == 0 ? "ag-co" : "ag-co2");
      req.mutable_candidate()->mutable_occupations(0)->set_experience_years(i);
      req.set_candidate_id("c-" + std::to_string(i));
      v1::Candidate c;
      ASSERT_TRUE(server_.candidates->CreateCandidate(server_.As("operator").get(), req, &c).ok());
    }
  }

  v1::AllocationRound Round(v1::AllocationObjective objective) {
    v1::AllocationRound r;
    r.set_agreement("agreements/es-co");
    *r.mutable_period() = MakeDateRange(2027, 1, 1, 2027, 12, 31);
    r.set_objective(objective);
    return r;
  }

  grpc::Status Create(const v1::AllocationRound& round, v1::AllocationRound* out,
                      const std::string& principal = "operator",
                      const std::string& request_id = "") {
    v1::CreateAllocationRoundRequest req;
    *req.mutable_allocation_round() = round;
    req.set_request_id(request_id);
    return server_.allocation->CreateAllocationRound(server_.As(principal).get(), req, out);
  }

  grpc::Status Confirm(const std::string& name, v1::AllocationRound* out,
                       const std::string& request_id = "", const std::string& principal = "operator") {
    v1::ConfirmAllocationRoundRequest req;
    req.set_name(name);
    req.set_request_id(request_id);
    return server_.allocation->ConfirmAllocationRound(server_.As(principal).get(), req, out);
  }

  v1::QuotaCell Cell(const std::string& name) {
    v1::GetQuotaCellRequest req;
    req.set_name(name);
    v1::QuotaCell out;
    EXPECT_TRUE(server_.agreements->GetQuotaCell(server_.As("operator").get(), req, &out).ok());
    return out;
  }

  int ListedRounds() {
    v1::ListAllocationRoundsRequest req;
    v1::ListAllocationRoundsResponse resp;
    EXPECT_TRUE(server_.allocation->ListAllocationRounds(server_.As("operator").get(), req, &resp)
                    .ok());
    return resp.allocation_rounds_size();
  }

  // The eight candidates' scores at vac-1, best first (the shortlist's order).
  std::vector<double> ShortlistScores() {
    v1::ShortlistCandidatesRequest req;
    req.set_vacancy("vacancies/vac-1");
    req.set_k(50);
    req.set_flag_quota_exhausted(true);
    v1::ShortlistCandidatesResponse resp;
    EXPECT_TRUE(server_.match->ShortlistCandidates(server_.As("operator").get(), req, &resp).ok());
    std::vector<double> scores;
    for (const v1::Match& m : resp.matches()) scores.push_back(m.score());
    return scores;
  }

  TestServer server_;
};

TEST_F(AllocationServiceTest, WelfareRoundFillsTheBindingCellWithTheBestAndExplainsTheRest) {
  v1::AllocationRound round;
  grpc::Status s = Create(Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE), &round);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(round.state(), v1::ALLOCATION_ROUND_STATE_PROPOSED);
  EXPECT_EQ(round.method(), "FLOW_VACANCY_NESTED");
  EXPECT_TRUE(round.optimal());
  EXPECT_EQ(round.candidates_considered(), 8);
  // Each candidate is eligible for vac-1 and vac-2: 16 edges.
  EXPECT_EQ(round.edges_considered(), 16);
  ASSERT_EQ(round.placements(), 3);  // the leaf's cap
  ASSERT_EQ(round.assignments_size(), 3);

  // The three placed are the three best scores, and each draws from the leaf.
  std::vector<double> scores = ShortlistScores();
  ASSERT_EQ(scores.size(), 8u);
  std::vector<double> placed;
  std::set<std::string> placed_candidates;
  double total = 0;
  for (const v1::Assignment& a : round.assignments()) {
    EXPECT_EQ(a.quota_cell(), kLeaf);
    placed.push_back(a.score());
    total += a.score();
    placed_candidates.insert(a.candidate());
  }
  EXPECT_EQ(placed_candidates.size(), 3u);
  std::sort(placed.rbegin(), placed.rend());
  for (int i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(placed[i], scores[i]);
  EXPECT_NEAR(round.total_score(), total, 1e-9);

  // Every other candidate is explained by the binding leaf.
  ASSERT_EQ(round.unplaced_size(), 5);
  for (const v1::UnplacedCandidate& u : round.unplaced()) {
    EXPECT_EQ(placed_candidates.count(u.candidate()), 0u);
    EXPECT_EQ(u.reason_code(), "BINDING_CELL");
    EXPECT_EQ(u.quota_cell(), kLeaf);
  }
  // One more unit of the leaf places one more; of the root (room left), none.
  bool leaf_seen = false, root_seen = false;
  for (const v1::CellSensitivity& c : round.sensitivities()) {
    if (c.quota_cell() == kLeaf) {
      leaf_seen = true;
      EXPECT_EQ(c.extra_placements(), 1);
    }
    if (c.quota_cell() == kRoot) {
      root_seen = true;
      EXPECT_EQ(c.extra_placements(), 0);
    }
  }
  EXPECT_TRUE(leaf_seen && root_seen);
  // Fills: 3 on the leaf and on the root, all from CO, all 6111.
  std::map<std::string, int64_t> fills;
  for (const v1::AllocationFill& f : round.fills()) fills[f.dimension() + " " + f.key()] = f.placements();
  EXPECT_EQ(fills[std::string("quota_cell ") + kLeaf], 3);
  EXPECT_EQ(fills[std::string("quota_cell ") + kRoot], 3);
  EXPECT_EQ(fills["origin CO"], 3);
  EXPECT_EQ(fills["occupation 6111"], 3);
  // The baselines ran on the same instance: never more placements or score.
  ASSERT_EQ(round.baselines_size(), 3);
  for (const v1::AllocationBaseline& b : round.baselines()) {
    EXPECT_LE(b.placements(), round.placements());
    EXPECT_LE(b.total_score(), round.total_score() + 1e-9);
  }
  // A proposal touches no counter.
  EXPECT_EQ(Cell(kLeaf).reserved(), 0);
}

TEST_F(AllocationServiceTest, ALargerEdgeBudgetDoesNotChangeTheResult) {
  std::vector<std::pair<int64_t, double>> results;
  for (int k : {1, 2, 50}) {
    v1::AllocationRound in = Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE);
    in.set_edges_per_candidate(k);
    v1::AllocationRound out;
    ASSERT_TRUE(Create(in, &out).ok());
    EXPECT_EQ(out.edges_considered(), 8 * std::min(k, 2));
    results.emplace_back(out.placements(), out.total_score());
  }
  for (const auto& r : results) {
    EXPECT_EQ(r.first, results.back().first);
    EXPECT_NEAR(r.second, results.back().second, 1e-9);
  }
  // The default budget (20) leaves nothing out here and says so.
  v1::AllocationRound automatic;
  ASSERT_TRUE(Create(Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE), &automatic).ok());
  EXPECT_EQ(automatic.edges_per_candidate(), 20);
  EXPECT_EQ(automatic.edges_dropped(), 0);
  EXPECT_EQ(automatic.edges_considered(), 16);
}

TEST_F(AllocationServiceTest, FirstComeFirstServedPlacesByRegistrationAndSaysSo) {
  v1::AllocationRound round;
  ASSERT_TRUE(Create(Round(v1::ALLOCATION_OBJECTIVE_FIRST_COME_FIRST_SERVED), &round).ok());
  EXPECT_EQ(round.method(), "FIRST_COME_FIRST_SERVED");
  ASSERT_EQ(round.placements(), 3);
  // The first three registered: cand-1, cand-2 (seeded first), then c-1.
  std::set<std::string> placed;
  for (const v1::Assignment& a : round.assignments()) placed.insert(a.candidate());
  EXPECT_EQ(placed, (std::set<std::string>{"candidates/cand-1", "candidates/cand-2",
                                           "candidates/c-1"}));
  // Its baselines are greedy and the lottery: greedy scores at least as much.
  ASSERT_EQ(round.baselines_size(), 2);
  EXPECT_EQ(round.baselines(0).objective(), v1::ALLOCATION_OBJECTIVE_GREEDY);
  EXPECT_GE(round.baselines(0).total_score(), round.total_score() - 1e-9);
  EXPECT_EQ(round.baselines(1).objective(), v1::ALLOCATION_OBJECTIVE_LOTTERY);
}

// The draws below were computed apart, with Python's hashlib: the eight
// candidates' ids sorted by sha256(seed + b"\\x00" + id).digest(). The leaf
// (cap 3) binds, so the first three of the draw are placed.
TEST_F(AllocationServiceTest, ALotteryPlacesInTheOrderOfItsPublicDraw) {
  const auto placed = [](const v1::AllocationRound& round) {
    std::set<std::string> out;
    for (const v1::Assignment& a : round.assignments()) out.insert(a.candidate());
    return out;
  };
  v1::AllocationRound by_default;
  ASSERT_TRUE(Create(Round(v1::ALLOCATION_OBJECTIVE_LOTTERY), &by_default).ok());
  EXPECT_EQ(by_default.method(), "LOTTERY");
  // Fixed by the round's scope before it runs.
  EXPECT_EQ(by_default.lottery_seed(), "agreements/es-co/2027-01-01/2027-12-31");
  // Draw: c-6, c-5, c-4, cand-2, c-3, c-1, cand-1, c-2.
  EXPECT_EQ(placed(by_default), (std::set<std::string>{"candidates/c-6", "candidates/c-5",
                                                       "candidates/c-4"}));
  v1::AllocationRound in = Round(v1::ALLOCATION_OBJECTIVE_LOTTERY);
  in.set_lottery_seed("harvest-2027-draw");
  v1::AllocationRound seeded;
  ASSERT_TRUE(Create(in, &seeded).ok());
  EXPECT_EQ(seeded.lottery_seed(), "harvest-2027-draw");
  // Draw: cand-1, c-6, c-2, c-3, c-4, c-5, c-1, cand-2.
  EXPECT_EQ(placed(seeded), (std::set<std::string>{"candidates/cand-1", "candidates/c-6",
                                                   "candidates/c-2"}));
  // The same seed draws the same again.
  v1::AllocationRound again;
  ASSERT_TRUE(Create(in, &again).ok());
  EXPECT_EQ(placed(again), placed(seeded));
  // Beside it, first come first served and greedy; and the lottery is a
  // baseline of a welfare round with the same seed, placing as many.
  ASSERT_EQ(seeded.baselines_size(), 2);
  EXPECT_EQ(seeded.baselines(0).objective(), v1::ALLOCATION_OBJECTIVE_FIRST_COME_FIRST_SERVED);
  EXPECT_EQ(seeded.baselines(1).objective(), v1::ALLOCATION_OBJECTIVE_GREEDY);
  v1::AllocationRound welfare_in = Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE);
  welfare_in.set_lottery_seed("harvest-2027-draw");
  v1::AllocationRound welfare;
  ASSERT_TRUE(Create(welfare_in, &welfare).ok());
  ASSERT_EQ(welfare.baselines_size(), 3);
  EXPECT_EQ(welfare.baselines(2).objective(), v1::ALLOCATION_OBJECTIVE_LOTTERY);
  EXPECT_EQ(welfare.baselines(2).placements(), seeded.placements());
  EXPECT_NEAR(welfare.baselines(2).total_score(), seeded.total_score(), 1e-9);
  // Unplaced candidates of a lottery were reached after the positions went.
  ASSERT_EQ(seeded.unplaced_size(), 5);
  for (const v1::UnplacedCandidate& u : seeded.unplaced()) {
    EXPECT_TRUE(u.reason_code() == "BINDING_CELL" || u.reason_code() == "FILLED_EARLIER")
        << u.candidate() << " " << u.reason_code();
  }
}

// Proposing, running a what-if and confirming are audit events of their own
// (ALLOCATION_ROUND, ids only, no counters), besides each placement's; the
// whole log still replays to the live counters.
TEST_F(AllocationServiceTest, RoundsAreAuditedByIdAndTheLogStillReplays) {
  v1::AllocationRound round;
  ASSERT_TRUE(Create(Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE), &round, "ministry:ES").ok());
  v1::AllocationRound what_if_in = Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE);
  what_if_in.set_what_if(true);
  v1::AllocationRound what_if;
  ASSERT_TRUE(Create(what_if_in, &what_if).ok());
  v1::AllocationRound confirmed;
  ASSERT_TRUE(Confirm(round.name(), &confirmed, "", "ministry:ES").ok());
  ASSERT_EQ(Cell(kLeaf).reserved(), 3);

  v1::ListAuditEventsRequest req;
  req.set_page_size(1000);
  v1::ListAuditEventsResponse events;
  grpc::Status s = server_.audit->ListAuditEvents(server_.As("operator").get(), req, &events);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_FALSE(events.next_page_token().empty() && events.events().empty());
  std::vector<std::string> rounds;
  matcher::AuditReplay replay;
  for (const v1::AuditEvent& e : events.events()) {
    ASSERT_TRUE(replay.Apply(e).ok()) << e.index() << " " << e.kind();
    if (e.kind() != "ALLOCATION_ROUND") continue;
    EXPECT_EQ(e.effects_size(), 0);
    ASSERT_EQ(e.subjects_size(), 2);
    EXPECT_EQ(e.subjects(1), "agreements/es-co");
    rounds.push_back(absl::StrCat(e.subjects(0) == round.name() ? "round" : "what-if", " ",
                                  e.reason_code(), " ", e.actor()));
  }
  ASSERT_TRUE(events.next_page_token().empty());
  EXPECT_EQ(rounds, (std::vector<std::string>{"round PROPOSED ministry:ES",
                                              "what-if WHAT_IF operator",
                                              "round CONFIRMED ministry:ES"}));
  // Replayed from the log alone, the leaf holds the three units the
  // confirmation reserved.
  const auto it = replay.cells().find(kLeaf);
  ASSERT_NE(it, replay.cells().end());
  EXPECT_EQ(it->second.reserved, 3);
}

TEST_F(AllocationServiceTest, StableRoundIsDeferredAcceptanceWithItsGuarantee) {
  v1::AllocationRound round;
  ASSERT_TRUE(Create(Round(v1::ALLOCATION_OBJECTIVE_STABLE), &round).ok());
  EXPECT_EQ(round.method(), "DEFERRED_ACCEPTANCE");
  EXPECT_TRUE(round.stable_guaranteed());
  EXPECT_EQ(round.blocking_pairs(), 0);
  EXPECT_EQ(round.placements(), 3);
}

TEST_F(AllocationServiceTest, WhatIfUsesOtherCapsAndLeavesTheLedgerAlone) {
  v1::AllocationRound in = Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE);
  in.set_what_if(true);
  v1::CapOverride* o = in.add_cap_overrides();
  o->set_quota_cell(kLeaf);
  o->set_cap(5);
  v1::AllocationRound round;
  grpc::Status s = Create(in, &round);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(round.placements(), 5);
  EXPECT_EQ(Cell(kLeaf).cap(), 3);
  EXPECT_EQ(Cell(kLeaf).reserved(), 0);
  v1::AllocationRound confirmed;
  EXPECT_EQ(Confirm(round.name(), &confirmed).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Cell(kLeaf).reserved(), 0);
}

TEST_F(AllocationServiceTest, ConfirmationReservesThroughTheLifecycleAndSkipsWhatBecameImpossible) {
  v1::AllocationRound round;
  ASSERT_TRUE(Create(Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE), &round).ok());
  ASSERT_EQ(round.placements(), 3);
  // The ministry lowers the leaf's cap to 2 after the proposal.
  {
    v1::UpdateQuotaCellRequest req;
    *req.mutable_quota_cell() = Cell(kLeaf);
    req.mutable_quota_cell()->set_cap(2);
    req.mutable_update_mask()->add_paths("cap");
    v1::QuotaCell out;
    grpc::Status s = server_.agreements->UpdateQuotaCell(server_.As("operator").get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  v1::AllocationRound confirmed;
  grpc::Status s = Confirm(round.name(), &confirmed, "confirm-1", "ministry:ES");
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(confirmed.state(), v1::ALLOCATION_ROUND_STATE_CONFIRMED);
  ASSERT_EQ(confirmed.confirmations_size(), 3);
  int created = 0, skipped = 0;
  for (const v1::AllocationConfirmation& c : confirmed.confirmations()) {
    if (c.outcome() == "CONFIRMED") {
      ++created;
      v1::GetApplicationRequest req;
      req.set_name(c.application());
      v1::Application app;
      ASSERT_TRUE(server_.applications->GetApplication(server_.As("operator").get(), req, &app).ok());
      EXPECT_EQ(app.state(), v1::APPLICATION_STATE_SELECTED);
      EXPECT_EQ(app.candidate(), c.candidate());
      EXPECT_FALSE(app.reservation().empty());
    } else {
      ++skipped;
      EXPECT_EQ(c.outcome(), "SKIPPED");
      EXPECT_TRUE(c.application().empty());
      EXPECT_FALSE(c.reason().empty());
    }
  }
  EXPECT_EQ(created, 2);
  EXPECT_EQ(skipped, 1);
  // The cap holds on the leaf and the root counts the same units.
  EXPECT_EQ(Cell(kLeaf).reserved(), 2);
  EXPECT_EQ(Cell(kRoot).reserved(), 2);

  // A replay returns the confirmed round; another confirmation is refused.
  v1::AllocationRound again;
  ASSERT_TRUE(Confirm(round.name(), &again, "confirm-1", "ministry:ES").ok());
  EXPECT_EQ(again.confirmations_size(), 3);
  EXPECT_EQ(Confirm(round.name(), &again, "confirm-2", "ministry:ES").error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Cell(kLeaf).reserved(), 2);

  // A new round sees the leaf full and places nobody.
  v1::AllocationRound next;
  ASSERT_TRUE(Create(Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE), &next).ok());
  EXPECT_EQ(next.placements(), 0);

  // Rounds survive a restart.
  server_.Restart();
  v1::GetAllocationRoundRequest get;
  get.set_name(round.name());
  v1::AllocationRound stored;
  ASSERT_TRUE(server_.allocation->GetAllocationRound(server_.As("operator").get(), get, &stored).ok());
  EXPECT_EQ(stored.state(), v1::ALLOCATION_ROUND_STATE_CONFIRMED);
  EXPECT_EQ(stored.confirmations_size(), 3);
}

TEST_F(AllocationServiceTest, AConfirmationInterruptedHalfWayIsCompletedWithoutDoubleUnits) {
  v1::AllocationRound round;
  ASSERT_TRUE(Create(Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE), &round).ok());
  ASSERT_EQ(round.placements(), 3);
  // As if a confirmation had crashed after its first placement: that
  // placement, made with the request id the confirmation derives for it.
  matcher::CallContext call{"operator", "/corridor.v1.AllocationService/ConfirmAllocationRound"};
  matcher::ApplicationLifecycle::RoundPlacement first;
  first.candidate_id = round.assignments(0).candidate().substr(std::string("candidates/").size());
  first.vacancy_id = round.assignments(0).vacancy().substr(std::string("vacancies/").size());
  first.cell_id = "es-2027-agri";
  first.round = round.name();
  first.request_id = "round-" + round.name().substr(std::string("allocationRounds/").size()) + "-0";
  absl::StatusOr<v1::Application> made = server_.server().lifecycle().PlaceFromRound(call, first);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(Cell(kLeaf).reserved(), 1);

  v1::AllocationRound confirmed;
  ASSERT_TRUE(Confirm(round.name(), &confirmed, "after-crash").ok());
  ASSERT_EQ(confirmed.confirmations_size(), 3);
  for (const v1::AllocationConfirmation& c : confirmed.confirmations()) {
    EXPECT_EQ(c.outcome(), "CONFIRMED") << c.reason();
  }
  // The first is the application made before the "crash", not a second one.
  EXPECT_EQ(confirmed.confirmations(0).application(), made->name());
  EXPECT_EQ(Cell(kLeaf).reserved(), 3);
  EXPECT_EQ(Cell(kRoot).reserved(), 3);
}

TEST_F(AllocationServiceTest, ConcurrentConfirmationsPlaceEachAssignmentOnce) {
  v1::AllocationRound round;
  ASSERT_TRUE(Create(Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE), &round).ok());
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      v1::AllocationRound out;
      grpc::Status s = Confirm(round.name(), &out, "confirm-" + std::to_string(t),
                               t % 2 == 0 ? "operator" : "ministry:ES");
      if (s.ok()) {
        ++ok;
      } else if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
        ++refused;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(refused.load(), 3);
  EXPECT_EQ(Cell(kLeaf).reserved(), 3);
  v1::ListApplicationsRequest list;
  v1::ListApplicationsResponse apps;
  ASSERT_TRUE(server_.applications->ListApplications(server_.As("operator").get(), list, &apps).ok());
  EXPECT_EQ(apps.applications_size(), 3);
}

TEST_F(AllocationServiceTest, CreateIsIdempotentByRequestId) {
  v1::AllocationRound a, b;
  ASSERT_TRUE(Create(Round(v1::ALLOCATION_OBJECTIVE_GREEDY), &a, "operator", "round-1").ok());
  ASSERT_TRUE(Create(Round(v1::ALLOCATION_OBJECTIVE_GREEDY), &b, "operator", "round-1").ok());
  EXPECT_EQ(a.name(), b.name());
  EXPECT_EQ(ListedRounds(), 1);
  v1::AllocationRound c;
  EXPECT_EQ(Create(Round(v1::ALLOCATION_OBJECTIVE_STABLE), &c, "operator", "round-1").error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(AllocationServiceTest, BadInputNamesTheFieldAndStoresNothing) {
  struct Case {
    const char* field;
    std::function<void(v1::AllocationRound&)> spoil;
  };
  const std::vector<Case> cases = {
      {"allocation_round.agreement", [](v1::AllocationRound& r) { r.clear_agreement(); }},
      {"allocation_round.agreement", [](v1::AllocationRound& r) { r.set_agreement("es-co"); }},
      {"allocation_round.period", [](v1::AllocationRound& r) { r.clear_period(); }},
      {"allocation_round.period.end",
       [](v1::AllocationRound& r) { *r.mutable_period() = MakeDateRange(2027, 6, 1, 2027, 1, 1); }},
      {"allocation_round.period.start",
       [](v1::AllocationRound& r) { r.mutable_period()->mutable_start()->set_month(13); }},
      {"allocation_round.objective",
       [](v1::AllocationRound& r) { r.set_objective(v1::ALLOCATION_OBJECTIVE_UNSPECIFIED); }},
      {"allocation_round.edges_per_candidate",
       [](v1::AllocationRound& r) { r.set_edges_per_candidate(501); }},
      {"allocation_round.lottery_seed",
       [](v1::AllocationRound& r) { r.set_lottery_seed(std::string(257, 's')); }},
      {"allocation_round.vacancies[0]", [](v1::AllocationRound& r) { r.add_vacancies("vac-1"); }},
      {"allocation_round.vacancies[1]",
       [](v1::AllocationRound& r) {
         r.add_vacancies("vacancies/vac-1");
         r.add_vacancies("vacancies/vac-1");
       }},
      {"allocation_round.cap_overrides",
       [](v1::AllocationRound& r) {
         r.add_cap_overrides()->set_quota_cell(kLeaf);  // not a what-if round
       }},
      {"allocation_round.cap_overrides[0].cap",
       [](v1::AllocationRound& r) {
         r.set_what_if(true);
         auto* o = r.add_cap_overrides();
         o->set_quota_cell(kLeaf);
         o->set_cap(-1);
       }},
      {"allocation_round.cap_overrides[0].quota_cell",
       [](v1::AllocationRound& r) {
         r.set_what_if(true);
         r.add_cap_overrides()->set_quota_cell("agreements/fr-ma/quotaCells/fr-2027");
       }},
  };
  for (const Case& c : cases) {
    v1::AllocationRound in = Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE);
    c.spoil(in);
    v1::AllocationRound out;
    grpc::Status s = Create(in, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_NE(s.error_message().find(c.field), std::string::npos)
        << c.field << " not in: " << s.error_message();
  }
  {
    v1::AllocationRound in = Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE);
    in.set_agreement("agreements/nope");
    v1::AllocationRound out;
    EXPECT_EQ(Create(in, &out).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_EQ(ListedRounds(), 0);
  EXPECT_EQ(Cell(kLeaf).reserved(), 0);
}

TEST_F(AllocationServiceTest, OnlyTheDestinationMinistryAndOperatorsRunAndSeeRounds) {
  v1::AllocationRound out;
  EXPECT_EQ(Create(Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE), &out, "employer:em-es").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Create(Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE), &out, "ministry:CO").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Create(Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE), &out, "agency:ag-co").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::AllocationRound round;
  ASSERT_TRUE(Create(Round(v1::ALLOCATION_OBJECTIVE_MAX_WELFARE), &round, "ministry:ES").ok());

  v1::GetAllocationRoundRequest get;
  get.set_name(round.name());
  v1::AllocationRound seen;
  EXPECT_TRUE(server_.allocation->GetAllocationRound(server_.As("ministry:ES").get(), get, &seen).ok());
  EXPECT_EQ(server_.allocation->GetAllocationRound(server_.As("ministry:FR").get(), get, &seen)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Confirm(round.name(), &seen, "", "ministry:FR").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::ListAllocationRoundsRequest list;
  v1::ListAllocationRoundsResponse es, fr;
  ASSERT_TRUE(server_.allocation->ListAllocationRounds(server_.As("ministry:ES").get(), list, &es).ok());
  ASSERT_TRUE(server_.allocation->ListAllocationRounds(server_.As("ministry:FR").get(), list, &fr).ok());
  EXPECT_EQ(es.allocation_rounds_size(), 1);
  EXPECT_EQ(fr.allocation_rounds_size(), 0);
  EXPECT_EQ(Cell(kLeaf).reserved(), 0);
}

}  // namespace
}  // namespace corridor::testing
