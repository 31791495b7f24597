// matcher/application_feed.h (cursors, filter, reading the audit log) and
// AuditLog::WaitForSize, over a fresh database with an audit log.
#include "matcher/application_feed.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"
#include "storage/audit_log.h"
#include "tests/matcher/ledger_test_util.h"
#include "tests/storage/storage_test_util.h"

namespace corridor::matcher {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

v1::AuditEvent Transition(const std::string& app, const std::string& candidate,
                          const std::string& vacancy, const std::string& from,
                          const std::string& to) {
  v1::AuditEvent e;
  e.set_kind("APPLICATION_TRANSITION");
  e.set_actor("agency:ag-1");
  e.add_subjects(absl::StrCat("applications/", app));
  if (!candidate.empty()) e.add_subjects(absl::StrCat("candidates/", candidate));
  if (!vacancy.empty()) e.add_subjects(absl::StrCat("vacancies/", vacancy));
  e.set_from_state(from);
  e.set_to_state(to);
  e.set_reason_code("R");
  return e;
}

v1::AuditEvent OtherKind() {
  v1::AuditEvent e;
  e.set_kind("AGREEMENT_CHANGE");
  e.set_actor("ministry:ES");
  e.add_subjects("agreements/a");
  return e;
}

class ApplicationFeedTest : public ::testing::Test {
 protected:
  ApplicationFeedTest() {
    absl::StatusOr<std::unique_ptr<storage::AuditLog>> log =
        storage::AuditLog::Open(db_.db(), testing_util::TestSigningKey());
    EXPECT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }

  void Append(std::vector<v1::AuditEvent> events) {
    std::unique_ptr<storage::AuditLog::Writer> writer = log_->Lock();
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(writer->Stage(batch, events).ok());
    ASSERT_TRUE(db_.db().db()->GetRootDB()->Write(db_.db().write_options(), &batch).ok());
    writer->Committed();
  }

  storage::testing_util::TestDatabase db_;
  std::unique_ptr<storage::AuditLog> log_;
};

TEST(FeedCursorTest, RoundTripsEveryPositionUpToTheLogSize) {
  for (uint64_t position : {uint64_t{0}, uint64_t{1}, uint64_t{17}, uint64_t{1000000}, kMax}) {
    const std::string cursor = EncodeFeedCursor(position);
    absl::StatusOr<uint64_t> parsed = ParseFeedCursor(cursor, kMax, "resume_cursor");
    ASSERT_TRUE(parsed.ok()) << cursor << ": " << parsed.status();
    EXPECT_EQ(*parsed, position);
  }
  EXPECT_EQ(EncodeFeedCursor(42), "c42");
}

TEST(FeedCursorTest, RejectsAnythingEncodeDoesNotMakeNamingTheField) {
  const std::vector<std::string> cursors = {"",
                                            "c",
                                            "x1",
                                            "C1",
                                            "1",
                                            "c-1",
                                            "c+1",
                                            " c1",
                                            "c1 ",
                                            "c 1",
                                            "c01",
                                            "c00",
                                            "c1.5",
                                            "c1e3",
                                            "c0x10",
                                            std::string("c1\0", 3),
                                            "c18446744073709551616",
                                            "c99999999999999999999",
                                            "c123456789012345678901"};
  for (const std::string& cursor : cursors) {
    absl::StatusOr<uint64_t> parsed = ParseFeedCursor(cursor, kMax, "resume_cursor");
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << "'" << cursor << "'";
    EXPECT_TRUE(absl::StartsWith(parsed.status().message(), "resume_cursor: ")) << parsed.status();
  }
}

TEST(FeedCursorTest, PastTheLogsEndIsOutOfRange) {
  EXPECT_EQ(*ParseFeedCursor("c10", 10, "resume_cursor"), 10u);
  absl::StatusOr<uint64_t> past = ParseFeedCursor("c11", 10, "resume_cursor");
  EXPECT_EQ(past.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_TRUE(absl::StartsWith(past.status().message(), "resume_cursor: ")) << past.status();
}

TEST(FeedFilterTest, MatchesIdsAndFullNamesOfEachField) {
  ApplicationFeedEvent e;
  e.application = "applications/a-1";
  e.candidate = "candidates/c-1";
  e.vacancy = "vacancies/v-1";
  for (const std::string filter :
       {"", "application = a-1", "application = \"applications/a-1\"", "candidate = c-1",
        "vacancy = \"vacancies/v-1\" AND candidate = c-1"}) {
    absl::StatusOr<ApplicationFeedFilter> f = ApplicationFeedFilter::Parse(filter);
    ASSERT_TRUE(f.ok()) << filter << ": " << f.status();
    EXPECT_TRUE(f->Matches(e)) << filter;
  }
  for (const std::string filter :
       {"application = a-2", "candidate = c-1 AND vacancy = v-2", "vacancy = \"vacancies/v-11\""}) {
    absl::StatusOr<ApplicationFeedFilter> f = ApplicationFeedFilter::Parse(filter);
    ASSERT_TRUE(f.ok()) << filter << ": " << f.status();
    EXPECT_FALSE(f->Matches(e)) << filter;
  }
}

TEST(FeedFilterTest, RejectsOtherFieldsAndNamesNamingFilter) {
  for (const std::string filter :
       {"state = SELECTED", "application = \"candidates/c-1\"", "vacancy = \"vacancies/\"",
        "candidate = C_1", "application =", "application = \"applications/a/b\""}) {
    absl::StatusOr<ApplicationFeedFilter> f = ApplicationFeedFilter::Parse(filter);
    EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument) << filter;
    EXPECT_TRUE(absl::StartsWith(f.status().message(), "filter")) << f.status();
  }
}

TEST_F(ApplicationFeedTest, ReadsOnlyApplicationTransitionsInOrderAndStepsOverTheRest) {
  Append({OtherKind(), Transition("a-1", "c-1", "v-1", "", "APPLICATION_STATE_SHORTLISTED"),
          OtherKind()});
  Append({Transition("a-1", "c-1", "v-1", "APPLICATION_STATE_SHORTLISTED",
                     "APPLICATION_STATE_SUBMITTED"),
          Transition("a-2", "c-2", "v-1", "", "APPLICATION_STATE_FUTURE_STATE")});
  ApplicationFeed feed(*log_);
  EXPECT_EQ(feed.end(), 5u);
  absl::StatusOr<ApplicationFeedPage> page = feed.Read(0, 100, nullptr);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->next, 5u);
  EXPECT_EQ(page->scanned, 5u);
  ASSERT_EQ(page->events.size(), 3u);
  EXPECT_EQ(page->events[0].index, 1u);
  EXPECT_EQ(page->events[0].application, "applications/a-1");
  EXPECT_EQ(page->events[0].candidate, "candidates/c-1");
  EXPECT_EQ(page->events[0].vacancy, "vacancies/v-1");
  EXPECT_EQ(page->events[0].event.from_state(), v1::APPLICATION_STATE_UNSPECIFIED);
  EXPECT_EQ(page->events[0].event.to_state(), v1::APPLICATION_STATE_SHORTLISTED);
  EXPECT_EQ(page->events[0].event.actor(), "agency:ag-1");
  EXPECT_EQ(page->events[0].event.reason_code(), "R");
  EXPECT_TRUE(page->events[0].event.has_time());
  EXPECT_EQ(page->events[1].index, 3u);
  EXPECT_EQ(page->events[1].event.from_state(), v1::APPLICATION_STATE_SHORTLISTED);
  EXPECT_EQ(page->events[1].event.to_state(), v1::APPLICATION_STATE_SUBMITTED);
  // A state this build does not know reads as unspecified, and still flows.
  EXPECT_EQ(page->events[2].event.to_state(), v1::APPLICATION_STATE_UNSPECIFIED);
}

TEST_F(ApplicationFeedTest, ReadsInBatchesFromAnyPositionAndAdvancesPastInvisibleEvents) {
  Append({Transition("a-1", "c-1", "v-1", "", "APPLICATION_STATE_SHORTLISTED"),
          Transition("a-2", "c-2", "v-2", "", "APPLICATION_STATE_SHORTLISTED"),
          Transition("a-3", "c-2", "v-2", "", "APPLICATION_STATE_SHORTLISTED"),
          Transition("a-4", "c-1", "v-2", "", "APPLICATION_STATE_SHORTLISTED")});
  ApplicationFeed feed(*log_);
  auto only_c1 = [](const ApplicationFeedEvent& e) { return e.candidate == "candidates/c-1"; };
  absl::StatusOr<ApplicationFeedPage> first = feed.Read(0, 3, only_c1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->scanned, 3u);
  EXPECT_EQ(first->next, 3u);
  ASSERT_EQ(first->events.size(), 1u);
  EXPECT_EQ(first->events[0].application, "applications/a-1");
  absl::StatusOr<ApplicationFeedPage> second = feed.Read(first->next, 3, only_c1);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->scanned, 1u);
  EXPECT_EQ(second->next, 4u);
  ASSERT_EQ(second->events.size(), 1u);
  EXPECT_EQ(second->events[0].application, "applications/a-4");
  absl::StatusOr<ApplicationFeedPage> at_end = feed.Read(4, 3, only_c1);
  ASSERT_TRUE(at_end.ok());
  EXPECT_EQ(at_end->scanned, 0u);
  EXPECT_EQ(at_end->next, 4u);
  EXPECT_TRUE(at_end->events.empty());
}

TEST_F(ApplicationFeedTest, StepsOverATransitionThatNamesNoApplication) {
  v1::AuditEvent odd = Transition("a-1", "c-1", "v-1", "", "APPLICATION_STATE_SHORTLISTED");
  odd.set_subjects(0, "reservations/r-1");
  Append({odd, Transition("a-2", "", "", "", "APPLICATION_STATE_SHORTLISTED")});
  absl::StatusOr<ApplicationFeedPage> page = ApplicationFeed(*log_).Read(0, 10, nullptr);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->next, 2u);
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].application, "applications/a-2");
  EXPECT_EQ(page->events[0].candidate, "");
  EXPECT_EQ(page->events[0].vacancy, "");
}

TEST_F(ApplicationFeedTest, WaitForSizeTimesOutWhenTheLogDoesNotGrow) {
  Append({OtherKind()});
  const absl::Time start = absl::Now();
  EXPECT_FALSE(log_->WaitForSize(1, start + absl::Milliseconds(200)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(190));
  // Already larger: no wait at all.
  EXPECT_TRUE(log_->WaitForSize(0, absl::InfinitePast()));
}

TEST_F(ApplicationFeedTest, WaitForSizeWakesWhenAnotherThreadCommits) {
  ApplicationFeed feed(*log_);
  absl::Time woke;
  bool grew = false;
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    grew = feed.WaitForEntry(0, absl::Now() + absl::Seconds(20));
    woke = absl::Now();
    done = true;
  });
  // A staged but abandoned write does not wake it.
  {
    std::unique_ptr<storage::AuditLog::Writer> writer = log_->Lock();
    rocksdb::WriteBatch batch;
    std::vector<v1::AuditEvent> events = {OtherKind()};
    ASSERT_TRUE(writer->Stage(batch, events).ok());
  }
  EXPECT_EQ(log_->size(), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(done.load());
  const absl::Time committed = absl::Now();
  Append({Transition("a-1", "c-1", "v-1", "", "APPLICATION_STATE_SHORTLISTED")});
  waiter.join();
  EXPECT_TRUE(grew);
  EXPECT_GE(woke, committed);
  EXPECT_LT(woke - committed, absl::Seconds(2));
  // What woke it is readable.
  absl::StatusOr<ApplicationFeedPage> page = feed.Read(0, 10, nullptr);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->events.size(), 1u);
}

}  // namespace
}  // namespace corridor::matcher
