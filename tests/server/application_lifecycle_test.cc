// The placement lifecycle through the real server (issue #5): every
// (state, transition, role) triple, the ledger and the lifecycle agreeing
// under concurrency and expiry, re-entry after a return, protected
// occupations.
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "gtest/gtest.h"
#include "matcher/application_lifecycle.h"
#include "tests/server/fixtures.h"

namespace corridor::testing {
namespace {

using v1::ApplicationState;

constexpr ApplicationState kAllStates[] = {
    v1::APPLICATION_STATE_SHORTLISTED,     v1::APPLICATION_STATE_SUBMITTED,
    v1::APPLICATION_STATE_PRESELECTED,     v1::APPLICATION_STATE_SELECTED,
    v1::APPLICATION_STATE_HEALTH_CLEARED,  v1::APPLICATION_STATE_CONTRACT_SIGNED,
    v1::APPLICATION_STATE_VISA_ISSUED,     v1::APPLICATION_STATE_PRE_DEPARTURE_DONE,
    v1::APPLICATION_STATE_DEPLOYED,        v1::APPLICATION_STATE_COMPLETED,
    v1::APPLICATION_STATE_REJECTED,        v1::APPLICATION_STATE_WITHDRAWN,
    v1::APPLICATION_STATE_EXPIRED,
};

// The forward path, in order.
constexpr ApplicationState kPath[] = {
    v1::APPLICATION_STATE_SUBMITTED,      v1::APPLICATION_STATE_PRESELECTED,
    v1::APPLICATION_STATE_SELECTED,       v1::APPLICATION_STATE_HEALTH_CLEARED,
    v1::APPLICATION_STATE_CONTRACT_SIGNED, v1::APPLICATION_STATE_VISA_ISSUED,
    v1::APPLICATION_STATE_PRE_DEPARTURE_DONE, v1::APPLICATION_STATE_DEPLOYED,
};

struct Actor {
  std::string principal;
  uint8_t roles;  // matcher::LifecycleRole bits towards cand (ag-co) / vac (em-es)
};

const std::vector<Actor>& Actors() {
  static const std::vector<Actor>* actors = new std::vector<Actor>{
      {"agency:ag-co", matcher::kRoleAgency},
      {"agency:ag-co2", 0},
      {"employer:em-es", matcher::kRoleEmployer},
      {"employer:em-es2", 0},
      {"ministry:CO", matcher::kRoleOriginMinistry},
      {"ministry:ES", matcher::kRoleDestinationMinistry},
      {"ministry:FR", 0},
      {"operator", matcher::kRoleOperator},
  };
  return *actors;
}

class LifecycleTest : public ::testing::Test {
 protected:
  LifecycleTest()
      : clock_(absl::FromCivil(absl::CivilSecond(2027, 1, 15, 9, 0, 0), absl::UTCTimeZone())),
        server_("lifecycle", &clock_) {
    server_.Seed();
    // A vacancy with room for every application these tests make.
    v1::CreateVacancyRequest req;
    *req.mutable_vacancy() = ValidVacancy();
    req.mutable_vacancy()->set_employer("employers/em-es");
    req.mutable_vacancy()->set_positions(100000);
    req.set_vacancy_id("vac-big");
    v1::Vacancy out;
    grpc::Status s = server_.vacancies->CreateVacancy(server_.As("operator").get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  // A fresh eligible candidate of ag-co.
  std::string NewCandidate() {
    v1::CreateCandidateRequest req;
    *req.mutable_candidate() = ValidCandidate("ag-co");
    req.set_candidate_id(absl::StrCat("c-", next_.fetch_add(1)));
    v1::Candidate out;
    grpc::Status s = server_.candidates->CreateCandidate(server_.As("operator").get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.name();
  }

  grpc::Status Create(const std::string& who, const std::string& candidate,
                      const std::string& vacancy, v1::Application* out,
                      ApplicationState state = v1::APPLICATION_STATE_UNSPECIFIED) {
    v1::CreateApplicationRequest req;
    req.mutable_application()->set_candidate(candidate);
    req.mutable_application()->set_vacancy(vacancy);
    req.mutable_application()->set_state(state);
    req.set_request_id(absl::StrCat("create-", next_.fetch_add(1)));
    return server_.applications->CreateApplication(server_.As(who).get(), req, out);
  }

  grpc::Status Move(const std::string& who, const std::string& name, ApplicationState to,
                    v1::Application* out, const std::string& reason = "") {
    if (to == v1::APPLICATION_STATE_COMPLETED) {
      v1::RecordReturnRequest req;
      req.set_name(name);
      req.set_outcome(v1::RETURN_OUTCOME_ON_TIME);
      const absl::CivilDay today = absl::ToCivilDay(clock_.Now(), absl::UTCTimeZone());
      req.mutable_return_date()->set_year(static_cast<int32_t>(today.year()));
      req.mutable_return_date()->set_month(today.month());
      req.mutable_return_date()->set_day(today.day());
      req.set_request_id(absl::StrCat("ret-", next_.fetch_add(1)));
      return server_.applications->RecordReturn(server_.As(who).get(), req, out);
    }
    v1::TransitionApplicationRequest req;
    req.set_name(name);
    req.set_to_state(to);
    req.set_reason_code(to == v1::APPLICATION_STATE_REJECTED && reason.empty() ? "NOT_SUITABLE"
                                                                                : reason);
    req.set_request_id(absl::StrCat("mv-", next_.fetch_add(1)));
    return server_.applications->TransitionApplication(server_.As(who).get(), req, out);
  }

  // A fresh application of a fresh candidate for vac-big, driven to `state`
  // by the operator.
  v1::Application InState(ApplicationState state) {
    v1::Application app;
    const std::string candidate = NewCandidate();
    if (state == v1::APPLICATION_STATE_SHORTLISTED) {
      EXPECT_TRUE(Create("employer:em-es", candidate, "vacancies/vac-big", &app).ok());
      EXPECT_EQ(app.state(), v1::APPLICATION_STATE_SHORTLISTED);
      return app;
    }
    grpc::Status s = Create("operator", candidate, "vacancies/vac-big", &app);
    EXPECT_TRUE(s.ok()) << s.error_message();
    ApplicationState target = state;
    if (state == v1::APPLICATION_STATE_COMPLETED) target = v1::APPLICATION_STATE_DEPLOYED;
    if (state == v1::APPLICATION_STATE_EXPIRED) target = v1::APPLICATION_STATE_SELECTED;
    if (state == v1::APPLICATION_STATE_REJECTED || state == v1::APPLICATION_STATE_WITHDRAWN) {
      target = v1::APPLICATION_STATE_SUBMITTED;
    }
    for (ApplicationState next : kPath) {
      if (app.state() == target) break;
      if (next <= app.state()) continue;
      s = Move("operator", app.name(), next, &app);
      EXPECT_TRUE(s.ok()) << "to " << v1::ApplicationState_Name(next) << ": " << s.error_message();
    }
    if (state == v1::APPLICATION_STATE_COMPLETED ||
        state == v1::APPLICATION_STATE_REJECTED || state == v1::APPLICATION_STATE_WITHDRAWN) {
      s = Move("operator", app.name(), state, &app);
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    if (state == v1::APPLICATION_STATE_EXPIRED) {
      clock_.Advance(absl::Hours(24 * 15));
      absl::StatusOr<int> expired = server_.server().ledger().ExpireDue();
      EXPECT_TRUE(expired.ok() && *expired >= 1);
      app = Get(app.name());
    }
    EXPECT_EQ(app.state(), state) << app.name();
    return app;
  }

  v1::Application Get(const std::string& name) {
    v1::GetApplicationRequest req;
    req.set_name(name);
    v1::Application out;
    grpc::Status s = server_.applications->GetApplication(server_.As("operator").get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  matcher::CellUsage Root() {
    return server_.server().ledger().Usage("es-co", "es-2027").value_or(matcher::CellUsage{});
  }

  FakeClock clock_;
  TestServer server_;
  std::atomic<int> next_{0};
};

// Every (state, target, role): allowed ones work with their ledger effect;
// the rest fail and change nothing (the record, the counters, the log).
TEST_F(LifecycleTest, EveryStateTransitionAndRole) {
  int allowed_checked = 0;
  int refused_checked = 0;
  for (ApplicationState from : kAllStates) {
    v1::Application probe = InState(from);
    for (ApplicationState to : kAllStates) {
      for (const Actor& actor : Actors()) {
        const matcher::TransitionRule* rule = matcher::FindTransitionRule(from, to);
        const bool allowed = to != v1::APPLICATION_STATE_EXPIRED && rule != nullptr &&
                             (rule->roles & actor.roles) != 0;
        SCOPED_TRACE(absl::StrCat(v1::ApplicationState_Name(from), " -> ",
                                  v1::ApplicationState_Name(to), " by ", actor.principal));
        if (allowed) {
          v1::Application app = InState(from);
          const matcher::CellUsage before = Root();
          v1::Application out;
          grpc::Status s = Move(actor.principal, app.name(), to, &out);
          ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
          EXPECT_EQ(out.state(), to);
          ASSERT_GE(out.history_size(), 1);
          EXPECT_EQ(out.history(out.history_size() - 1).actor(), actor.principal);
          const matcher::CellUsage after = Root();
          const bool held = from >= v1::APPLICATION_STATE_SELECTED &&
                            from <= v1::APPLICATION_STATE_CONTRACT_SIGNED;
          int64_t dr = 0, dc = 0;
          if (to == v1::APPLICATION_STATE_SELECTED) dr = 1;
          if (to == v1::APPLICATION_STATE_VISA_ISSUED) dr = -1, dc = 1;
          if ((to == v1::APPLICATION_STATE_REJECTED || to == v1::APPLICATION_STATE_WITHDRAWN) &&
              held) {
            dr = -1;
          }
          EXPECT_EQ(after.reserved - before.reserved, dr);
          EXPECT_EQ(after.committed - before.committed, dc);
          if (to == v1::APPLICATION_STATE_SELECTED) {
            EXPECT_FALSE(out.reservation().empty());
            EXPECT_EQ(out.quota_cell(), "agreements/es-co/quotaCells/es-2027");
          }
          ++allowed_checked;
          continue;
        }
        const matcher::CellUsage before = Root();
        v1::GetTreeHeadRequest head_req;
        v1::SignedTreeHead head_before;
        ASSERT_TRUE(server_.audit->GetTreeHead(server_.As("operator").get(), head_req, &head_before)
                        .ok());
        v1::Application out;
        grpc::Status s = Move(actor.principal, probe.name(), to, &out);
        ASSERT_FALSE(s.ok()) << "an illegal transition was accepted";
        if (to == v1::APPLICATION_STATE_EXPIRED) {
          // Only the ledger expires (other tenants are refused at the gate).
          EXPECT_EQ(s.error_code(), actor.roles != 0 ? grpc::StatusCode::INVALID_ARGUMENT
                                                     : grpc::StatusCode::PERMISSION_DENIED);
        } else if (rule != nullptr) {
          EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
        } else {
          EXPECT_TRUE(s.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
                      s.error_code() == grpc::StatusCode::PERMISSION_DENIED)
              << s.error_code() << " " << s.error_message();
          if (actor.roles != 0 && to != v1::APPLICATION_STATE_COMPLETED) {
            EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
          }
        }
        const v1::Application now = Get(probe.name());
        EXPECT_EQ(now.etag(), probe.etag());
        EXPECT_EQ(now.state(), from);
        const matcher::CellUsage after = Root();
        EXPECT_EQ(after.reserved, before.reserved);
        EXPECT_EQ(after.committed, before.committed);
        v1::SignedTreeHead head_after;
        ASSERT_TRUE(server_.audit->GetTreeHead(server_.As("operator").get(), head_req, &head_after)
                        .ok());
        EXPECT_EQ(head_after.tree_size(), head_before.tree_size());
        ++refused_checked;
      }
    }
  }
  EXPECT_GE(allowed_checked, 40);
  EXPECT_GE(refused_checked, 1000);
  EXPECT_TRUE(server_.server().ledger().CheckConsistency().ok());
}

// Each transition is one audit event naming the application, its actor, the
// states and the reason; the unit's own event is in the same write.
TEST_F(LifecycleTest, TransitionsAreAuditedWithTheirLedgerEffect) {
  v1::Application app = InState(v1::APPLICATION_STATE_PRESELECTED);
  v1::Application out;
  ASSERT_TRUE(Move("employer:em-es", app.name(), v1::APPLICATION_STATE_SELECTED, &out).ok());
  ASSERT_TRUE(
      Move("employer:em-es", app.name(), v1::APPLICATION_STATE_REJECTED, &out, "FAILED_INTERVIEW")
          .ok());
  v1::ListAuditEventsRequest req;
  req.set_page_size(1000);
  req.set_filter(absl::StrCat("subject = \"", app.name(), "\""));
  v1::ListAuditEventsResponse events;
  grpc::Status s = server_.audit->ListAuditEvents(server_.As("ministry:ES").get(), req, &events);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::vector<std::string> seen;
  for (const v1::AuditEvent& e : events.events()) {
    seen.push_back(absl::StrCat(e.kind(), ":", e.from_state(), ">", e.to_state(), ":",
                                e.reason_code(), ":", e.actor()));
  }
  const std::vector<std::string> want = {
      "APPLICATION_TRANSITION:>APPLICATION_STATE_SUBMITTED::operator",
      "APPLICATION_TRANSITION:APPLICATION_STATE_SUBMITTED>APPLICATION_STATE_PRESELECTED::operator",
      "RESERVE:>::employer:em-es",
      "APPLICATION_TRANSITION:APPLICATION_STATE_PRESELECTED>APPLICATION_STATE_SELECTED::employer:"
      "em-es",
      "RELEASE:>:FAILED_INTERVIEW:employer:em-es",
      "APPLICATION_TRANSITION:APPLICATION_STATE_SELECTED>APPLICATION_STATE_REJECTED:"
      "FAILED_INTERVIEW:employer:em-es",
  };
  ASSERT_EQ(seen.size(), want.size()) << absl::StrJoin(seen, "\n");
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(seen[i], want[i]) << i;
  }
  // The reservation, the candidate and the vacancy are named: ids only.
  bool names_all = false;
  for (const v1::AuditEvent& e : events.events()) {
    if (e.kind() != "APPLICATION_TRANSITION" || e.to_state() != "APPLICATION_STATE_SELECTED") {
      continue;
    }
    std::set<std::string> subjects(e.subjects().begin(), e.subjects().end());
    names_all = subjects.count(app.name()) && subjects.count(app.candidate()) &&
                subjects.count("vacancies/vac-big") && subjects.count(out.reservation());
  }
  EXPECT_TRUE(names_all);
}

// A hold past its deadline expires the application with it, in one write.
TEST_F(LifecycleTest, ExpiryExpiresTheApplicationAndSurvivesRestart) {
  v1::Application app = InState(v1::APPLICATION_STATE_HEALTH_CLEARED);
  EXPECT_EQ(Root().reserved, 1);
  clock_.Advance(absl::Hours(24 * 15));
  v1::Application out;
  // The unit cannot be committed once the deadline passed.
  grpc::Status s = Move("operator", app.name(), v1::APPLICATION_STATE_CONTRACT_SIGNED, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  s = Move("ministry:ES", app.name(), v1::APPLICATION_STATE_VISA_ISSUED, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  server_.Restart();
  ASSERT_EQ(*server_.server().ledger().ExpireDue(), 1);
  v1::Application expired = Get(app.name());
  EXPECT_EQ(expired.state(), v1::APPLICATION_STATE_EXPIRED);
  EXPECT_EQ(expired.history(expired.history_size() - 1).reason_code(), "HOLD_EXPIRED");
  EXPECT_EQ(expired.history(expired.history_size() - 1).actor(), "system:expiry");
  EXPECT_EQ(Root().reserved, 0);
  EXPECT_TRUE(server_.server().ledger().CheckConsistency().ok());
}

// Many applications move concurrently along random paths while holds expire;
// at the end each cell's counters equal the applications holding or having
// committed its units.
TEST_F(LifecycleTest, LedgerAndLifecycleAgreeUnderConcurrency) {
  // A leaf for CO farm work with a small cap: selections compete for it.
  {
    v1::CreateQuotaCellRequest cell;
    cell.set_parent("agreements/es-co");
    *cell.mutable_quota_cell() = ValidRootCell(15);
    cell.mutable_quota_cell()->set_parent("es-2027");
    cell.mutable_quota_cell()->set_origin("CO");
    cell.mutable_quota_cell()->set_isco_prefix("61");
    cell.set_quota_cell_id("co-farm");
    v1::QuotaCell out;
    grpc::Status s = server_.agreements->CreateQuotaCell(server_.As("operator").get(), cell, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const int kThreads = 6;
  const int kPerThread = std::getenv("CORRIDOR_CI") != nullptr ? 8 : 20;
  std::vector<std::string> candidates;
  for (int i = 0; i < kThreads * kPerThread; ++i) candidates.push_back(NewCandidate());
  std::atomic<int> quota_refusals{0};
  std::atomic<bool> stop_expiry{false};
  std::thread expirer([&] {
    while (!stop_expiry.load()) {
      clock_.Advance(absl::Hours(24 * 3));
      (void)server_.server().ledger().ExpireDue();
      absl::SleepFor(absl::Milliseconds(15));
    }
  });
  std::vector<std::thread> threads;
  absl::Mutex names_mu;
  std::vector<std::string> names;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(1234 + t);
      for (int i = 0; i < kPerThread; ++i) {
        v1::Application app;
        if (!Create("agency:ag-co", candidates[t * kPerThread + i], "vacancies/vac-big", &app)
                 .ok()) {
          ADD_FAILURE() << "create";
          continue;
        }
        {
          absl::MutexLock lock(&names_mu);
          names.push_back(app.name());
        }
        for (ApplicationState next : kPath) {
          if (next <= app.state()) continue;
          const int roll = static_cast<int>(rng() % 100);
          if (roll < 8) {
            (void)Move("agency:ag-co", app.name(), v1::APPLICATION_STATE_WITHDRAWN, &app);
            break;
          }
          if (roll < 14) {
            (void)Move("employer:em-es", app.name(), v1::APPLICATION_STATE_REJECTED, &app);
            break;
          }
          const std::string who = next == v1::APPLICATION_STATE_VISA_ISSUED ? "ministry:ES"
                                  : (next == v1::APPLICATION_STATE_HEALTH_CLEARED ||
                                     next == v1::APPLICATION_STATE_PRE_DEPARTURE_DONE ||
                                     next == v1::APPLICATION_STATE_SUBMITTED)
                                      ? "agency:ag-co"
                                      : "employer:em-es";
          v1::Application moved;
          grpc::Status s = Move(who, app.name(), next, &moved);
          if (!s.ok()) {
            if (next == v1::APPLICATION_STATE_SELECTED &&
                s.error_message().find("full") != std::string::npos) {
              ++quota_refusals;
            }
            break;  // quota full, or the hold expired meanwhile
          }
          app = moved;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  stop_expiry = true;
  expirer.join();

  // Count from the applications alone.
  int64_t holding = 0, committed = 0;
  for (const std::string& name : names) {
    const v1::Application a = Get(name);
    const bool visa = std::any_of(a.history().begin(), a.history().end(),
                                  [](const v1::ApplicationEvent& e) {
                                    return e.to_state() == v1::APPLICATION_STATE_VISA_ISSUED;
                                  });
    if (a.state() >= v1::APPLICATION_STATE_SELECTED &&
        a.state() <= v1::APPLICATION_STATE_CONTRACT_SIGNED) {
      ++holding;
      EXPECT_FALSE(a.reservation().empty());
    } else if (visa && !a.reservation().empty()) {
      ++committed;
    }
  }
  for (const char* cell : {"co-farm", "es-2027"}) {
    std::optional<matcher::CellUsage> u = server_.server().ledger().Usage("es-co", cell);
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(u->reserved, holding) << cell;
    EXPECT_EQ(u->committed, committed) << cell;
    EXPECT_LE(u->reserved + u->committed, u->cap) << cell;
  }
  EXPECT_GT(holding + committed, 0);
  EXPECT_GT(quota_refusals.load(), 0) << "the cap never bound: the test would not see a race";
  EXPECT_TRUE(server_.server().ledger().CheckConsistency().ok());
  server_.Restart();  // start-up checks counters against records and the log
  EXPECT_TRUE(server_.server().ledger().CheckConsistency().ok());
}

// Re-entry: a worker who came back on time ranks above an otherwise equal
// first-time candidate (SCORE_BONUS); one who did not return is ineligible
// when the agreement says so.
TEST_F(LifecycleTest, ReturnsFeedLaterMatching) {
  // Two identical candidates; the returning one registered later (so the
  // published tie-break alone would rank it second).
  const std::string first_timer = NewCandidate();
  clock_.Advance(absl::Minutes(1));
  const std::string returning = NewCandidate();
  v1::Application app;
  ASSERT_TRUE(Create("agency:ag-co", returning, "vacancies/vac-big", &app).ok());
  for (ApplicationState next : kPath) {
    if (next <= app.state()) continue;
    grpc::Status s = Move("operator", app.name(), next, &app);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_TRUE(Move("agency:ag-co", app.name(), v1::APPLICATION_STATE_COMPLETED, &app).ok());
  EXPECT_EQ(app.return_outcome(), v1::RETURN_OUTCOME_ON_TIME);

  // The stay is in the candidate's history.
  v1::GetCandidateRequest get;
  get.set_name(returning);
  v1::Candidate c;
  ASSERT_TRUE(server_.candidates->GetCandidate(server_.As("agency:ag-co").get(), get, &c).ok());
  ASSERT_EQ(c.history_size(), 1);
  EXPECT_EQ(c.history(0).application(), app.name());
  EXPECT_EQ(c.history(0).agreement(), "agreements/es-co");

  v1::ShortlistCandidatesRequest req;
  req.set_vacancy("vacancies/vac-1");
  req.set_k(100);
  v1::ShortlistCandidatesResponse shortlist;
  grpc::Status s =
      server_.match->ShortlistCandidates(server_.As("employer:em-es").get(), req, &shortlist);
  ASSERT_TRUE(s.ok()) << s.error_message();
  int rank_returning = -1, rank_first = -1;
  double credit = 0;
  for (const v1::Match& m : shortlist.matches()) {
    if (m.candidate() == returning) {
      rank_returning = m.rank();
      for (const v1::ScoreComponent& comp : m.components()) {
        if (comp.component() == "reentry_credit") credit = comp.contribution();
      }
    }
    if (m.candidate() == first_timer) rank_first = m.rank();
  }
  ASSERT_GT(rank_returning, 0);
  ASSERT_GT(rank_first, 0);
  EXPECT_LT(rank_returning, rank_first);
  EXPECT_GT(credit, 0);

  // Not returned, under an agreement that makes it a bar.
  v1::UpdateAgreementRequest update;
  update.mutable_agreement()->set_name("agreements/es-co");
  update.mutable_agreement()->set_not_returned_ineligible(true);
  update.mutable_update_mask()->add_paths("not_returned_ineligible");
  v1::Agreement updated;
  s = server_.agreements->UpdateAgreement(server_.As("ministry:ES").get(), update, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string gone = NewCandidate();
  ASSERT_TRUE(Create("agency:ag-co", gone, "vacancies/vac-big", &app).ok());
  for (ApplicationState next : kPath) {
    if (next <= app.state()) continue;
    ASSERT_TRUE(Move("operator", app.name(), next, &app).ok());
  }
  v1::RecordReturnRequest ret;
  ret.set_name(app.name());
  ret.set_outcome(v1::RETURN_OUTCOME_NOT_RETURNED);
  ret.set_request_id("not-returned");
  ASSERT_TRUE(server_.applications->RecordReturn(server_.As("employer:em-es").get(), ret, &app).ok());
  v1::Application again;
  s = Create("agency:ag-co", gone, "vacancies/vac-1", &again);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("NOT_RETURNED_FROM_PREVIOUS_STAY"), std::string::npos)
      << s.error_message();
}

// Matching sees placements as they change, also those that move no counter:
// a deployed worker is ALREADY_PLACED for other vacancies, and eligible again
// once the stay is completed (DEPLOYED -> COMPLETED changes no counter).
TEST_F(LifecycleTest, ShortlistsFollowPlacementsWithoutCounterChanges) {
  const std::string candidate = NewCandidate();
  auto shortlisted = [&]() {
    v1::ShortlistCandidatesRequest req;
    req.set_vacancy("vacancies/vac-1");
    req.set_k(500);
    v1::ShortlistCandidatesResponse resp;
    grpc::Status s =
        server_.match->ShortlistCandidates(server_.As("employer:em-es").get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    for (const v1::Match& m : resp.matches()) {
      if (m.candidate() == candidate) return true;
    }
    return false;
  };
  ASSERT_TRUE(shortlisted());
  v1::Application app;
  ASSERT_TRUE(Create("agency:ag-co", candidate, "vacancies/vac-big", &app).ok());
  for (ApplicationState next : kPath) {
    if (next <= app.state()) continue;
    ASSERT_TRUE(Move("operator", app.name(), next, &app).ok());
    if (next == v1::APPLICATION_STATE_SELECTED) {
      EXPECT_FALSE(shortlisted());
    }
  }
  ASSERT_EQ(app.state(), v1::APPLICATION_STATE_DEPLOYED);
  EXPECT_FALSE(shortlisted()) << "a deployed worker is placed";
  const matcher::CellUsage before = Root();
  ASSERT_TRUE(Move("agency:ag-co", app.name(), v1::APPLICATION_STATE_COMPLETED, &app).ok());
  EXPECT_EQ(Root().committed, before.committed);
  EXPECT_EQ(Root().reserved, before.reserved);
  EXPECT_TRUE(shortlisted()) << "a completed stay frees the worker for the next one";
}

// Protected occupations: the origin ministry's consent step, and a separate cap.
TEST_F(LifecycleTest, ProtectedOccupations) {
  v1::CreateQuotaCellRequest cell;
  cell.set_parent("agreements/es-co");
  *cell.mutable_quota_cell() = ValidRootCell(1);
  cell.mutable_quota_cell()->set_parent("es-2027");
  cell.mutable_quota_cell()->set_origin("MA");
  cell.mutable_quota_cell()->set_isco_prefix("61");
  cell.set_quota_cell_id("ma-farm-protected");
  v1::QuotaCell cell_out;
  ASSERT_TRUE(
      server_.agreements->CreateQuotaCell(server_.As("operator").get(), cell, &cell_out).ok());
  v1::UpdateAgreementRequest update;
  update.mutable_agreement()->set_name("agreements/es-co");
  auto* consent = update.mutable_agreement()->add_protected_occupations();
  consent->set_origin("CO");
  consent->set_isco_prefix("61");
  consent->set_mode(v1::PROTECTION_MODE_ORIGIN_CONSENT);
  auto* cap = update.mutable_agreement()->add_protected_occupations();
  cap->set_origin("MA");
  cap->set_isco_prefix("61");
  cap->set_mode(v1::PROTECTION_MODE_SEPARATE_CAP);
  cap->set_separate_cap_cell("ma-farm-protected");
  update.mutable_update_mask()->add_paths("protected_occupations");
  v1::Agreement updated;
  grpc::Status s =
      server_.agreements->UpdateAgreement(server_.As("ministry:ES").get(), update, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();

  // CO: consent pending; selection waits; only the origin ministry decides.
  v1::Application app;
  ASSERT_TRUE(Create("agency:ag-co", NewCandidate(), "vacancies/vac-big", &app).ok());
  EXPECT_EQ(app.origin_consent(), v1::ORIGIN_CONSENT_PENDING);
  ASSERT_TRUE(Move("employer:em-es", app.name(), v1::APPLICATION_STATE_PRESELECTED, &app).ok());
  v1::Application out;
  s = Move("employer:em-es", app.name(), v1::APPLICATION_STATE_SELECTED, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Root().reserved, 0);
  v1::RecordOriginConsentRequest grant;
  grant.set_name(app.name());
  grant.set_granted(true);
  grant.set_request_id("grant-1");
  s = server_.applications->RecordOriginConsent(server_.As("ministry:ES").get(), grant, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  s = server_.applications->RecordOriginConsent(server_.As("ministry:CO").get(), grant, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.origin_consent(), v1::ORIGIN_CONSENT_GRANTED);
  s = Move("employer:em-es", app.name(), v1::APPLICATION_STATE_SELECTED, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Root().reserved, 1);

  // MA: the unit comes from the separate cap, and a second one is refused.
  std::vector<std::string> ma;
  for (int i = 0; i < 2; ++i) {
    v1::CreateCandidateRequest req;
    *req.mutable_candidate() = ValidCandidate("ag-co", "MA");
    req.mutable_candidate()->mutable_languages(0)->set_language_code("es");
    req.set_candidate_id(absl::StrCat("ma-", i));
    v1::Candidate c;
    s = server_.candidates->CreateCandidate(server_.As("operator").get(), req, &c);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ma.push_back(c.name());
  }
  ASSERT_TRUE(Create("operator", ma[0], "vacancies/vac-big", &app).ok());
  EXPECT_EQ(app.origin_consent(), v1::ORIGIN_CONSENT_NOT_REQUIRED);
  ASSERT_TRUE(Move("operator", app.name(), v1::APPLICATION_STATE_PRESELECTED, &app).ok());
  s = Move("operator", app.name(), v1::APPLICATION_STATE_SELECTED, &app);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(app.quota_cell(), "agreements/es-co/quotaCells/ma-farm-protected");
  v1::Application second;
  s = Create("operator", ma[1], "vacancies/vac-big", &second);
  // Full separate cap: PROTECTED_OCCUPATION at submission.
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("PROTECTED_OCCUPATION"), std::string::npos) << s.error_message();
}

// Bad input names the field and changes nothing.
TEST_F(LifecycleTest, BadInputNamesTheField) {
  v1::Application app = InState(v1::APPLICATION_STATE_SUBMITTED);
  struct Case {
    std::string name;
    ApplicationState to;
    std::string reason;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {app.name(), v1::APPLICATION_STATE_UNSPECIFIED, "", "to_state"},
           {app.name(), v1::APPLICATION_STATE_EXPIRED, "", "to_state"},
           {app.name(), v1::APPLICATION_STATE_REJECTED, "lower case", "reason_code"},
           {"applications/", v1::APPLICATION_STATE_PRESELECTED, "", "name"},
           {"vacancies/vac-1", v1::APPLICATION_STATE_PRESELECTED, "", "name"},
       }) {
    v1::TransitionApplicationRequest req;
    req.set_name(c.name);
    req.set_to_state(c.to);
    req.set_reason_code(c.reason);
    v1::Application out;
    grpc::Status s =
        server_.applications->TransitionApplication(server_.As("operator").get(), req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_NE(s.error_message().find(c.field), std::string::npos) << s.error_message();
  }
  v1::TransitionApplicationRequest reject;
  reject.set_name(app.name());
  reject.set_to_state(v1::APPLICATION_STATE_REJECTED);
  v1::Application out;
  grpc::Status s =
      server_.applications->TransitionApplication(server_.As("employer:em-es").get(), reject, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("reason_code"), std::string::npos);
  EXPECT_EQ(Get(app.name()).etag(), app.etag());
  // A second open application for the same pair.
  v1::Application dup;
  s = Create("agency:ag-co", app.candidate(), "vacancies/vac-big", &dup);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << s.error_message();
  // The same request id replays the first answer.
  v1::CreateApplicationRequest req;
  req.mutable_application()->set_candidate(NewCandidate());
  req.mutable_application()->set_vacancy("vacancies/vac-big");
  req.set_request_id("same-id");
  v1::Application a1, a2;
  ASSERT_TRUE(
      server_.applications->CreateApplication(server_.As("agency:ag-co").get(), req, &a1).ok());
  ASSERT_TRUE(
      server_.applications->CreateApplication(server_.As("agency:ag-co").get(), req, &a2).ok());
  EXPECT_EQ(a1.name(), a2.name());
  EXPECT_EQ(a1.etag(), a2.etag());
}

}  // namespace
}  // namespace corridor::testing
