// The quota ledger (DOMAIN.md section 4) and RELIABILITY.md C1, C3, I1, I2,
// I5 and A5 at the ledger's own interface.
#include "matcher/quota_ledger.h"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "absl/synchronization/barrier.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/audit_replay.h"
#include "tests/matcher/ledger_test_util.h"

namespace corridor::matcher {
namespace {

using testing_util::LedgerFixture;

// es-2027 (cap 10) <- farm (cap 5) <- co-share (cap 2, overflow farm).
void BuildTree(LedgerFixture& f) {
  f.AddAgreement("es-co");
  f.AddCell("es-co", "es-2027", 10);
  f.AddCell("es-co", "farm", 5, "es-2027");
  f.AddCell("es-co", "co-share", 2, "farm", "farm");
}

TEST(QuotaLedgerTest, ReserveCountsOneUnitOnEveryCellOfThePath) {
  LedgerFixture f;
  ASSERT_TRUE(f.open_status().ok()) << f.open_status();
  BuildTree(f);
  absl::StatusOr<v1::Reservation> r = f.Reserve("es-co", "co-share", "r1");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->state(), v1::RESERVATION_STATE_HELD);
  EXPECT_EQ(r->quota_cell(), "agreements/es-co/quotaCells/co-share");
  EXPECT_THAT(r->path(), testing::ElementsAre("agreements/es-co/quotaCells/co-share",
                                              "agreements/es-co/quotaCells/farm",
                                              "agreements/es-co/quotaCells/es-2027"));
  EXPECT_EQ(f.Usage("es-co", "co-share").reserved, 1);
  EXPECT_EQ(f.Usage("es-co", "farm").reserved, 1);
  EXPECT_EQ(f.Usage("es-co", "es-2027").reserved, 1);
  EXPECT_FALSE(r->etag().empty());
}

TEST(QuotaLedgerTest, ReserveFailsWhenParentCellIsFull) {
  LedgerFixture f;
  f.AddAgreement("es-co");
  f.AddCell("es-co", "root", 1);
  f.AddCell("es-co", "leaf", 5, "root");
  ASSERT_TRUE(f.Reserve("es-co", "leaf", "a").ok());
  absl::StatusOr<v1::Reservation> second = f.Reserve("es-co", "leaf", "b");
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(second.status().message()), testing::HasSubstr("quotaCells/root"));
  EXPECT_EQ(f.Usage("es-co", "leaf").reserved, 1);
  EXPECT_EQ(f.log().size(), 4u);  // agreement, 2 cells, 1 reservation: nothing for the failure
}

TEST(QuotaLedgerTest, FullLeafOverflowsIntoItsOverflowCell) {
  LedgerFixture f;
  BuildTree(f);
  ASSERT_TRUE(f.Reserve("es-co", "co-share", "1").ok());
  ASSERT_TRUE(f.Reserve("es-co", "co-share", "2").ok());
  absl::StatusOr<v1::Reservation> third = f.Reserve("es-co", "co-share", "3");
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->quota_cell(), "agreements/es-co/quotaCells/farm");
  EXPECT_EQ(third->requested_cell(), "agreements/es-co/quotaCells/co-share");
  EXPECT_EQ(f.Usage("es-co", "co-share").reserved, 2);
  EXPECT_EQ(f.Usage("es-co", "farm").reserved, 3);
  // farm is full after two more; then neither path has room.
  ASSERT_TRUE(f.Reserve("es-co", "co-share", "4").ok());
  ASSERT_TRUE(f.Reserve("es-co", "co-share", "5").ok());
  EXPECT_EQ(f.Reserve("es-co", "co-share", "6").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(f.Usage("es-co", "es-2027").reserved, 5);
}

TEST(QuotaLedgerTest, CommitMovesTheUnitFromReservedToCommitted) {
  LedgerFixture f;
  BuildTree(f);
  v1::Reservation r = f.Reserve("es-co", "farm", "r").value();
  absl::StatusOr<v1::Reservation> c = f.Commit(r.name());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->state(), v1::RESERVATION_STATE_COMMITTED);
  EXPECT_NE(c->etag(), r.etag());
  EXPECT_EQ(f.Usage("es-co", "farm").reserved, 0);
  EXPECT_EQ(f.Usage("es-co", "farm").committed, 1);
  EXPECT_EQ(f.Usage("es-co", "es-2027").committed, 1);
  // A committed unit is not released; it comes back only by correction.
  EXPECT_EQ(f.Release(r.name()).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(f.Commit(r.name()).status().code(), absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<v1::Reservation> corrected = f.Correct(r.name(), "fix-1");
  ASSERT_TRUE(corrected.ok()) << corrected.status();
  EXPECT_EQ(corrected->state(), v1::RESERVATION_STATE_CORRECTED);
  EXPECT_EQ(corrected->correction_reason(), "visa revoked on appeal");
  EXPECT_EQ(f.Usage("es-co", "farm").committed, 0);
}

TEST(QuotaLedgerTest, ReleaseFreesTheUnitAndRecordsTheReason) {
  LedgerFixture f;
  BuildTree(f);
  v1::Reservation r = f.Reserve("es-co", "farm", "r").value();
  absl::StatusOr<v1::Reservation> released = f.Release(r.name(), "CANDIDATE_WITHDREW");
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_EQ(released->state(), v1::RESERVATION_STATE_RELEASED);
  EXPECT_EQ(released->reason_code(), "CANDIDATE_WITHDREW");
  EXPECT_EQ(f.Usage("es-co", "farm").reserved, 0);
  EXPECT_EQ(f.Release(r.name()).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(f.Correct(r.name(), "c").status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(QuotaLedgerTest, HoldsPastTheirDeadlineExpireAndFreeTheirUnits) {
  LedgerFixture f;
  BuildTree(f);
  v1::Reservation r = f.Reserve("es-co", "farm", "r").value();
  EXPECT_EQ(f.ledger().ExpireDue().value(), 0);
  f.clock().Advance(absl::Seconds(3601));
  EXPECT_EQ(f.Commit(r.name()).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(f.ledger().ExpireDue().value(), 1);
  EXPECT_EQ(f.Usage("es-co", "farm").reserved, 0);
  v1::Reservation stored = f.stores().reservations.Get(r.name().substr(13)).value();
  EXPECT_EQ(stored.state(), v1::RESERVATION_STATE_EXPIRED);
  EXPECT_EQ(stored.reason_code(), "HOLD_EXPIRED");
  std::vector<v1::AuditEvent> events = f.log().Read(0, 100).value();
  EXPECT_EQ(events.back().kind(), "EXPIRE");
  EXPECT_EQ(events.back().actor(), "system:expiry");
}

TEST(QuotaLedgerTest, BadRequestsNameTheFieldAndChangeNothing) {
  LedgerFixture f;
  BuildTree(f);
  const uint64_t before = f.log().size();
  v1::ReserveUnitRequest r;
  r.set_quota_cell("agreements/es-co/quotaCells/farm");
  EXPECT_THAT(std::string(f.ledger().Reserve(LedgerFixture::Call("ministry:ES", "ReserveUnit"), r)
                              .status().message()),
              testing::HasSubstr("request_id"));
  r.set_request_id("x");
  r.set_hold_seconds(59);
  EXPECT_THAT(std::string(f.ledger().Reserve(LedgerFixture::Call("ministry:ES", "ReserveUnit"), r)
                              .status().message()),
              testing::HasSubstr("hold_seconds"));
  r.set_hold_seconds(0);
  r.set_quota_cell("agreements/es-co/cells/farm");
  EXPECT_THAT(std::string(f.ledger().Reserve(LedgerFixture::Call("ministry:ES", "ReserveUnit"), r)
                              .status().message()),
              testing::HasSubstr("quota_cell"));
  EXPECT_EQ(f.Reserve("es-co", "nope", "y").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(f.Release("reservations/rmissing").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(f.Release("reservations/rmissing", "lower case").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(f.log().size(), before);
  EXPECT_EQ(f.Usage("es-co", "farm").reserved, 0);
}

// RELIABILITY.md C1.
TEST(QuotaLedgerConcurrencyTest, SixtyFourThreadsRaceForOneCellAndExactlyTheCapSucceeds) {
  LedgerFixture f;
  f.AddAgreement("es-co");
  f.AddCell("es-co", "hot", 1000);
  constexpr int kThreads = 64;
  constexpr int kAttempts = 5000;
  std::atomic<int> next{0};
  std::atomic<int> ok{0};
  std::atomic<int> full{0};
  std::atomic<int> other{0};
  absl::Barrier* start = new absl::Barrier(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      if (start->Block()) delete start;
      for (int i = next.fetch_add(1); i < kAttempts; i = next.fetch_add(1)) {
        absl::StatusOr<v1::Reservation> r = f.Reserve("es-co", "hot", absl::StrCat("c1-", i));
        if (r.ok()) {
          ++ok;
        } else if (absl::IsFailedPrecondition(r.status())) {
          ++full;
        } else {
          ++other;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1000);
  EXPECT_EQ(full.load(), kAttempts - 1000);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(f.Usage("es-co", "hot").reserved, 1000);
  EXPECT_TRUE(f.ledger().CheckConsistency().ok()) << f.ledger().CheckConsistency();
}

// RELIABILITY.md C3: reservations, releases and a cap lowered below use, at
// once. The replay (CheckConsistency) fails if any reservation was granted
// while use >= cap at its place in the log; counters never go negative.
TEST(QuotaLedgerConcurrencyTest, CapLoweredBelowUseBlocksNewReservationsAndTouchesNoneHeld) {
  LedgerFixture f;
  f.AddAgreement("es-co");
  f.AddCell("es-co", "pool", 200);
  std::atomic<bool> lowered{false};
  std::atomic<int> granted_after_lowering{0};
  std::atomic<int> negative{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const bool was_lowered = lowered.load();
        absl::StatusOr<v1::Reservation> r =
            f.Reserve("es-co", "pool", absl::StrCat("c3-", t, "-", i));
        if (r.ok() && was_lowered) ++granted_after_lowering;
        if (r.ok() && i % 2 == 0) (void)f.Release(r->name());
        CellUsage u = f.Usage("es-co", "pool");
        if (u.reserved < 0 || u.committed < 0) ++negative;
      }
    });
  }
  threads.emplace_back([&] {
    absl::SleepFor(absl::Milliseconds(20));
    ASSERT_TRUE(f.SetCap("es-co", "pool", 10).ok());
    lowered = true;
  });
  for (std::thread& t : threads) t.join();
  CellUsage u = f.Usage("es-co", "pool");
  EXPECT_EQ(u.cap, 10);
  EXPECT_EQ(negative.load(), 0);
  // Use was at or above 10 when the cap was lowered only if so many were
  // held; either way nothing was granted once use >= cap (checked below).
  EXPECT_TRUE(f.ledger().CheckConsistency().ok()) << f.ledger().CheckConsistency();
  if (u.reserved >= 10) {
    EXPECT_EQ(granted_after_lowering.load(), 0);
  }
}

// RELIABILITY.md I1: one effect, identical replies, one audit event.
TEST(QuotaLedgerIdempotencyTest, SameRequestIdSequentiallyAndAtOnceHasExactlyOneEffect) {
  LedgerFixture f;
  f.AddAgreement("es-co");
  f.AddCell("es-co", "pool", 100);
  for (int repeats : {1, 2, 10}) {
    const std::string id = absl::StrCat("seq-", repeats);
    std::set<std::string> replies;
    for (int i = 0; i < repeats; ++i) {
      absl::StatusOr<v1::Reservation> r = f.Reserve("es-co", "pool", id);
      ASSERT_TRUE(r.ok()) << r.status();
      replies.insert(r->SerializeAsString());
    }
    EXPECT_EQ(replies.size(), 1u);
  }
  EXPECT_EQ(f.Usage("es-co", "pool").reserved, 3);

  std::vector<std::string> replies(50);
  std::vector<std::thread> threads;
  for (int t = 0; t < 50; ++t) {
    threads.emplace_back([&, t] {
      absl::StatusOr<v1::Reservation> r = f.Reserve("es-co", "pool", "at-once");
      replies[t] = r.ok() ? r->SerializeAsString() : std::string(r.status().message());
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(std::set<std::string>(replies.begin(), replies.end()).size(), 1u);
  EXPECT_EQ(f.Usage("es-co", "pool").reserved, 4);
  int reserve_events = 0;
  std::vector<v1::AuditEvent> events = f.log().Read(0, 1000).value();
  for (const v1::AuditEvent& e : events) {
    reserve_events += e.kind() == "RESERVE";
  }
  EXPECT_EQ(reserve_events, 4);
}

// RELIABILITY.md I2.
TEST(QuotaLedgerIdempotencyTest, SameRequestIdWithAnotherPayloadIsRefusedWithoutEffect) {
  LedgerFixture f;
  BuildTree(f);
  ASSERT_TRUE(f.Reserve("es-co", "farm", "same").ok());
  absl::StatusOr<v1::Reservation> other = f.Reserve("es-co", "es-2027", "same");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(other.status().message()), testing::HasSubstr("request_id"));
  EXPECT_EQ(f.Usage("es-co", "es-2027").reserved, 1);  // only the first, through farm
}

// RELIABILITY.md I5.
TEST(QuotaLedgerIdempotencyTest, AnotherTenantsRequestIdIsANewRequest) {
  LedgerFixture f;
  BuildTree(f);
  v1::Reservation mine = f.Reserve("es-co", "farm", "shared-id", "ministry:ES").value();
  v1::Reservation theirs = f.Reserve("es-co", "farm", "shared-id", "operator:ops").value();
  EXPECT_NE(mine.name(), theirs.name());
  EXPECT_EQ(f.Usage("es-co", "farm").reserved, 2);
}

TEST(QuotaLedgerRestartTest, CountersAndHoldsSurviveARestartAndStillExpire) {
  LedgerFixture f;
  BuildTree(f);
  v1::Reservation held = f.Reserve("es-co", "farm", "h").value();
  v1::Reservation committed = f.Reserve("es-co", "farm", "c").value();
  ASSERT_TRUE(f.Commit(committed.name()).ok());
  f.Restart();
  ASSERT_TRUE(f.open_status().ok()) << f.open_status();
  EXPECT_EQ(f.Usage("es-co", "farm").reserved, 1);
  EXPECT_EQ(f.Usage("es-co", "farm").committed, 1);
  // The idempotent reply survives too.
  EXPECT_EQ(f.Reserve("es-co", "farm", "h").value().name(), held.name());
  f.clock().Advance(absl::Hours(2));
  EXPECT_EQ(f.ledger().ExpireDue().value(), 1);
  EXPECT_EQ(f.Usage("es-co", "farm").reserved, 0);
}

TEST(QuotaLedgerRestartTest, CountersThatDisagreeWithTheRecordsRefuseToStart) {
  LedgerFixture f;
  BuildTree(f);
  ASSERT_TRUE(f.Reserve("es-co", "farm", "h").ok());
  f.Close();
  // Forge a counter: one more unit than the records hold.
  ASSERT_TRUE(f.db()
                  .db()
                  ->Put(rocksdb::WriteOptions(), f.db().family(storage::Family::kLedger),
                        storage::QuotaCellKey("es-co", "farm"), storage::EncodeCellCounters(2, 0))
                  .ok());
  f.Open();
  EXPECT_EQ(f.open_status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(f.open_status().message()), testing::HasSubstr("farm"));
}

TEST(QuotaLedgerRestartTest, CellsWrittenBeforeTheAuditLogExistedAreAdoptedIntoIt) {
  LedgerFixture f;
  f.Close();
  {
    // Cells stored without any log, as by a server older than the ledger.
    storage::Stores raw(f.db());
    v1::QuotaCell c;
    c.set_name("agreements/old/quotaCells/root");
    c.set_destination("ES");
    c.set_cap(40);
    ASSERT_TRUE(raw.quota_cells.Create(storage::QuotaCellKey("old", "root"), c).ok());
  }
  f.Open();
  ASSERT_TRUE(f.open_status().ok()) << f.open_status();
  ASSERT_EQ(f.log().size(), 1u);
  std::vector<v1::AuditEvent> events = f.log().Read(0, 10).value();
  EXPECT_EQ(events[0].reason_code(), "ADOPTED");
  EXPECT_EQ(events[0].effects(0).cap(), 40);
  ASSERT_TRUE(f.Reserve("old", "root", "after").ok());
  f.Restart();
  EXPECT_TRUE(f.open_status().ok()) << f.open_status();
}

TEST(QuotaLedgerAuditTest, CellInUseCannotBeDeletedAndCapChangesAreLogged) {
  LedgerFixture f;
  BuildTree(f);
  ASSERT_TRUE(f.Reserve("es-co", "co-share", "r").ok());
  absl::Status deleted = f.stores().quota_cells.Delete(storage::QuotaCellKey("es-co", "co-share"));
  EXPECT_EQ(deleted.code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(f.SetCap("es-co", "farm", 0).ok());
  std::vector<v1::AuditEvent> events = f.log().Read(0, 100).value();
  ASSERT_FALSE(events.empty());
  const v1::AuditEvent& last = events.back();
  EXPECT_EQ(last.kind(), "CAP_CHANGE");
  ASSERT_EQ(last.effects_size(), 1);
  EXPECT_EQ(last.effects(0).cap(), 0);
  // Use (1) is now above farm's cap (0): allowed, and blocks new reservations.
  EXPECT_EQ(f.Reserve("es-co", "farm", "blocked").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(f.ledger().CheckConsistency().ok());
}

// RELIABILITY.md A5: replaying the log gives the live counters, and at no
// prefix does use exceed a cap (AuditReplay::Apply checks every event).
TEST(QuotaLedgerAuditTest, ReplayOfARandomHistoryEqualsTheLiveCounters) {
  LedgerFixture f;
  BuildTree(f);
  f.AddCell("es-co", "care", 3, "es-2027");
  std::vector<std::string> held;
  std::vector<std::string> committed;
  uint32_t seed = 12345;
  auto next = [&seed] { return seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff; };
  for (int i = 0; i < 400; ++i) {
    switch (next() % 6) {
      case 0:
      case 1: {
        const char* cells[] = {"co-share", "farm", "care", "es-2027"};
        absl::StatusOr<v1::Reservation> r =
            f.Reserve("es-co", cells[next() % 4], absl::StrCat("a5-", i));
        if (r.ok()) held.push_back(r->name());
        break;
      }
      case 2:
        if (!held.empty()) {
          std::string n = held.back();
          held.pop_back();
          if (f.Commit(n).ok()) committed.push_back(n);
        }
        break;
      case 3:
        if (!held.empty()) {
          ASSERT_TRUE(f.Release(held.front()).ok());
          held.erase(held.begin());
        }
        break;
      case 4:
        if (!committed.empty() && next() % 4 == 0) {
          ASSERT_TRUE(f.Correct(committed.back(), absl::StrCat("fix-", i)).ok());
          committed.pop_back();
        }
        break;
      case 5:
        ASSERT_TRUE(f.SetCap("es-co", "farm", 2 + next() % 5).ok());
        break;
    }
  }
  AuditReplay replay;
  std::vector<v1::AuditEvent> events = f.log().Read(0, 100000).value();
  for (const v1::AuditEvent& e : events) {
    ASSERT_TRUE(replay.Apply(e).ok()) << replay.Apply(e);
  }
  for (const char* cell : {"co-share", "farm", "care", "es-2027"}) {
    const AuditReplay::Cell& c =
        replay.cells().at(absl::StrCat("agreements/es-co/quotaCells/", cell));
    CellUsage live = f.Usage("es-co", cell);
    EXPECT_EQ(c.cap, live.cap) << cell;
    EXPECT_EQ(c.reserved, live.reserved) << cell;
    EXPECT_EQ(c.committed, live.committed) << cell;
  }
  EXPECT_TRUE(f.ledger().CheckConsistency().ok()) << f.ledger().CheckConsistency();
}

}  // namespace
}  // namespace corridor::matcher
