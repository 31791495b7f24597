// RELIABILITY.md P1 and P2 against a real corridord over an in-process
// channel: a candidate holding canary personal data is created (idempotently,
// so a stored reply holds it too), replayed, updated (so an older version
// exists), placed in a table file, the WAL and the memtable, and then erased.
// After the purge no file under the data directory holds a byte of the
// canary, the candidate is NOT_FOUND everywhere, and the audit log (which the
// ledger wrote to meanwhile) still verifies, both on reopen and with the
// ministry's own verifier. Error messages, audit events and the server's log
// never carry the canary.
//
// The canary is random CJK ideographs rather than hex: RocksDB compresses
// table blocks with Snappy, whose copies may replace any 4+ byte run that
// occurred earlier in the same block. Hex runs can occur in etags; these
// 3-byte UTF-8 sequences occur nowhere else in the data, so the first copy of
// the canary in any block is always stored as a raw literal and a raw byte
// scan finds it (the test checks that the compression in use keeps literals
// raw, and that the scan does find the canary before the erasure).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/audit_verifier.h"
#include "clients/cli/connection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/options.h"
#include "storage/keys.h"
#include "tests/server/fixtures.h"

namespace corridor::testing {
namespace {

using ::testing::Contains;
using ::testing::Not;

constexpr char kCandidateId[] = "cand-erase";
constexpr char kCandidateName[] = "candidates/cand-erase";
constexpr char kOwner[] = "agency:ag-co";
constexpr char kRootCell[] = "agreements/es-co/quotaCells/es-2027";

// `n` random ideographs of U+4E00..U+9FA5 (3 bytes each in UTF-8).
std::string RandomCanary(int n) {
  std::random_device seed;
  std::mt19937 gen(seed());
  std::uniform_int_distribution<uint32_t> pick(0x4E00, 0x9FA5);
  std::string out;
  for (int i = 0; i < n; ++i) {
    uint32_t cp = pick(gen);
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return out;
}

// Occurrences of `needle` in each regular file under `dir` (recursively),
// only the files with at least one.
std::vector<std::pair<std::string, int>> FilesHolding(const std::string& dir,
                                                      const std::string& needle) {
  std::vector<std::pair<std::string, int>> hits;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    int count = 0;
    for (size_t at = bytes.find(needle); at != std::string::npos;
         at = bytes.find(needle, at + 1)) {
      ++count;
    }
    if (count > 0) hits.emplace_back(entry.path().filename().string(), count);
  }
  return hits;
}

bool AnyNameEndsWith(const std::vector<std::pair<std::string, int>>& hits,
                     absl::string_view suffix) {
  for (const auto& [name, count] : hits) {
    if (absl::EndsWith(name, suffix)) return true;
  }
  return false;
}

std::string Describe(const std::vector<std::pair<std::string, int>>& hits) {
  std::string out;
  for (const auto& [name, count] : hits) absl::StrAppend(&out, name, " x", count, "; ");
  return out;
}

// Compression that stores literals as raw bytes, so a raw scan sees them.
bool KeepsLiteralsRaw(rocksdb::CompressionType c) {
  return c == rocksdb::kNoCompression || c == rocksdb::kSnappyCompression ||
         c == rocksdb::kLZ4Compression;
}

class ErasureTest : public ::testing::Test {
 protected:
  ErasureTest()
      : s_(::testing::UnitTest::GetInstance()->current_test_info()->name()),
        canary_(RandomCanary(12)) {
    s_.Seed();
  }

  std::string DataDir() { return s_.server().database().path(); }

  // A valid candidate of ag-co whose free-text fields hold the canary.
  v1::Candidate CanaryCandidate() {
    v1::Candidate c = ValidCandidate("ag-co");
    c.set_display_name(absl::StrCat("Ana ", canary_));
    c.set_contact(absl::StrCat(canary_, " +57 300 000 0000"));
    c.set_origin_region(absl::StrCat("Vereda ", canary_));
    return c;
  }

  v1::CreateCandidateRequest CreateRequest() {
    v1::CreateCandidateRequest req;
    *req.mutable_candidate() = CanaryCandidate();
    req.set_candidate_id(kCandidateId);
    req.set_request_id("erase-create-1");
    return req;
  }

  grpc::Status GetCandidate(v1::Candidate* out) {
    v1::GetCandidateRequest req;
    req.set_name(kCandidateName);
    return s_.candidates->GetCandidate(s_.As("operator").get(), req, out);
  }

  std::vector<std::string> Shortlist() {
    v1::ShortlistCandidatesRequest req;
    req.set_vacancy("vacancies/vac-1");
    req.set_k(50);
    v1::ShortlistCandidatesResponse resp;
    grpc::Status st = s_.match->ShortlistCandidates(s_.As("employer:em-es").get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    std::vector<std::string> names;
    for (const auto& m : resp.matches()) names.push_back(m.candidate());
    return names;
  }

  // Audited ledger writes: two new holds, one of them committed.
  void LedgerWrites() {
    std::vector<v1::Reservation> held;
    for (int i = 0; i < 2; ++i) {
      v1::ReserveUnitRequest req;
      req.set_quota_cell(kRootCell);
      req.set_request_id(absl::StrCat("erase-r", ++reservations_));
      req.set_hold_seconds(3600);
      v1::Reservation r;
      grpc::Status st = s_.ledger->ReserveUnit(s_.As("ministry:ES").get(), req, &r);
      ASSERT_TRUE(st.ok()) << st.error_message();
      held.push_back(r);
    }
    v1::CommitUnitRequest commit;
    commit.set_name(held[0].name());
    v1::Reservation committed;
    grpc::Status st = s_.ledger->CommitUnit(s_.As("ministry:ES").get(), commit, &committed);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  std::vector<v1::AuditEvent> AuditEvents() {
    std::vector<v1::AuditEvent> out;
    v1::ListAuditEventsRequest req;
    req.set_page_size(1000);
    do {
      v1::ListAuditEventsResponse resp;
      grpc::Status st = s_.audit->ListAuditEvents(s_.As("ministry:ES").get(), req, &resp);
      EXPECT_TRUE(st.ok()) << st.error_message();
      if (!st.ok()) break;
      for (const v1::AuditEvent& e : resp.events()) out.push_back(e);
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    return out;
  }

  // The ministry's verifier (clients/cli/audit_verifier.h) over the API.
  void ExpectAuditLogVerifies() {
    cli::ClientOptions options;
    options.token = "test-token-for-ministry:ES";
    cli::Connection connection(s_.channel(), options);
    std::unique_ptr<cli::AuditSource> source = cli::NewGrpcAuditSource(connection);
    cli::VerifyOptions verify;
    verify.public_key = s_.server().audit_log().public_key();
    verify.seed = 1;
    absl::StatusOr<cli::VerifyReport> report = cli::VerifyAuditLog(*source, verify);
    ASSERT_TRUE(report.ok()) << report.status();
    const cli::VerifyStep* failed = report->first_failure();
    EXPECT_EQ(failed, nullptr) << failed->name << ": " << failed->detail;
    EXPECT_GT(report->events_checked, 0);
  }

  TestServer s_;
  const std::string canary_;
  int reservations_ = 0;
};

TEST_F(ErasureTest, ErasedCandidateLeavesNoCanaryByteAndTheAuditLogStillVerifies) {
  ::testing::internal::CaptureStderr();

  // The raw scan can only see literals stored raw.
  storage::Database& db = s_.server().database();
  for (storage::Family f : {storage::Family::kCandidates, storage::Family::kIdempotency,
                            storage::Family::kIndexes}) {
    rocksdb::Options options = db.db()->GetOptions(db.family(f));
    ASSERT_TRUE(KeepsLiteralsRaw(options.compression)) << static_cast<int>(options.compression);
    ASSERT_TRUE(options.bottommost_compression == rocksdb::kDisableCompressionOption ||
                KeepsLiteralsRaw(options.bottommost_compression));
  }
  ASSERT_EQ(db.db()->GetDBOptions().wal_compression, rocksdb::kNoCompression);

  LedgerWrites();

  // Created idempotently (the stored reply holds the canary) and replayed.
  v1::Candidate created;
  grpc::Status st = s_.candidates->CreateCandidate(s_.As(kOwner).get(), CreateRequest(), &created);
  ASSERT_TRUE(st.ok()) << st.error_message();
  v1::Candidate replayed;
  st = s_.candidates->CreateCandidate(s_.As(kOwner).get(), CreateRequest(), &replayed);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(replayed.etag(), created.etag());
  EXPECT_THAT(Shortlist(), Contains(kCandidateName));

  // Into a table file, then a newer version into the WAL and the memtable.
  // (UNAVAILABLE only says an old file lingers a little longer: fine here.)
  absl::Status compacted = db.CompactAll();
  ASSERT_TRUE(compacted.ok() || absl::IsUnavailable(compacted)) << compacted;
  v1::UpdateCandidateRequest update;
  *update.mutable_candidate() = CanaryCandidate();
  update.mutable_candidate()->set_name(kCandidateName);
  update.mutable_candidate()->set_display_name(absl::StrCat("Ana Maria ", canary_));
  update.mutable_candidate()->set_etag(created.etag());
  update.mutable_update_mask()->add_paths("display_name");
  v1::Candidate updated;
  st = s_.candidates->UpdateCandidate(s_.As(kOwner).get(), update, &updated);
  ASSERT_TRUE(st.ok()) << st.error_message();
  LedgerWrites();  // more audited writes after the candidate's

  // P2: rejected requests carrying the canary do not echo it.
  v1::UpdateCandidateRequest bad_update = update;
  bad_update.mutable_candidate()->set_etag(updated.etag());
  bad_update.mutable_candidate()->set_birth_year(1800);
  bad_update.mutable_update_mask()->add_paths("birth_year");
  v1::Candidate ignored;
  st = s_.candidates->UpdateCandidate(s_.As(kOwner).get(), bad_update, &ignored);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(absl::StrContains(st.error_message(), canary_)) << st.error_message();
  v1::CreateCandidateRequest too_long = CreateRequest();
  too_long.set_request_id("erase-create-2");
  too_long.set_candidate_id("cand-erase-2");
  std::string long_contact;
  while (long_contact.size() <= 256) long_contact += canary_;
  too_long.mutable_candidate()->set_contact(long_contact);
  st = s_.candidates->CreateCandidate(s_.As(kOwner).get(), too_long, &ignored);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(absl::StrContains(st.error_message(), canary_)) << st.error_message();

  // The scan sees the canary before the erasure, in a table file and a WAL.
  const std::vector<std::pair<std::string, int>> before = FilesHolding(DataDir(), canary_);
  EXPECT_TRUE(AnyNameEndsWith(before, ".sst")) << Describe(before);
  EXPECT_TRUE(AnyNameEndsWith(before, ".log")) << Describe(before);
  const int64_t audit_size = s_.server().audit_log().size();

  v1::DeleteCandidateRequest del;
  del.set_name(kCandidateName);
  v1::DeleteCandidateResponse deleted;
  st = s_.candidates->DeleteCandidate(s_.As(kOwner).get(), del, &deleted);
  ASSERT_TRUE(st.ok()) << st.error_message();

  // Gone at once from reads, the shortlist, and idempotent replays (which
  // must not bring the person's data back either).
  st = GetCandidate(&ignored);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND) << st.error_message();
  EXPECT_THAT(Shortlist(), Not(Contains(kCandidateName)));
  v1::Candidate replay_after;
  st = s_.candidates->CreateCandidate(s_.As(kOwner).get(), CreateRequest(), &replay_after);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  EXPECT_FALSE(absl::StrContains(replay_after.SerializeAsString(), canary_));
  EXPECT_EQ(GetCandidate(&ignored).error_code(), grpc::StatusCode::NOT_FOUND);

  absl::Status purged = db.PurgeNow();
  ASSERT_TRUE(purged.ok()) << purged;

  const std::vector<std::pair<std::string, int>> after = FilesHolding(DataDir(), canary_);
  EXPECT_TRUE(after.empty()) << "canary bytes left in: " << Describe(after);

  // The audit log keeps every event (an erasure may add id-only ones), holds
  // no canary, and verifies on reopen (AuditLog::Open recomputes the tree)
  // and with the ministry's verifier.
  const int64_t erased_size = s_.server().audit_log().size();
  EXPECT_GE(erased_size, audit_size);
  s_.Restart();
  EXPECT_EQ(s_.server().audit_log().size(), erased_size);
  const std::vector<v1::AuditEvent> events = AuditEvents();
  EXPECT_EQ(static_cast<int64_t>(events.size()), erased_size);
  for (const v1::AuditEvent& e : events) {
    EXPECT_FALSE(absl::StrContains(e.SerializeAsString(), canary_)) << e.ShortDebugString();
  }
  ExpectAuditLogVerifies();
  EXPECT_EQ(GetCandidate(&ignored).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(Shortlist(), Not(Contains(kCandidateName)));
  EXPECT_TRUE(FilesHolding(DataDir(), canary_).empty());

  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_FALSE(absl::StrContains(log, canary_)) << log;
}

// Observers hear of writes after the commit, outside the record's lock, so
// a write that committed before a delete can be reported after it. Such a
// late report must not put the erased candidate back into the index that
// shortlists read; a real re-creation afterwards is indexed again.
TEST_F(ErasureTest, ALateWriteReportCannotPutAnErasedCandidateBackIntoShortlists) {
  v1::Candidate created;
  grpc::Status st = s_.candidates->CreateCandidate(s_.As(kOwner).get(), CreateRequest(), &created);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_THAT(Shortlist(), Contains(kCandidateName));
  v1::DeleteCandidateRequest del;
  del.set_name(kCandidateName);
  v1::DeleteCandidateResponse deleted;
  st = s_.candidates->DeleteCandidate(s_.As(kOwner).get(), del, &deleted);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_THAT(Shortlist(), Not(Contains(kCandidateName)));

  s_.server().registry().candidates().Written(created);  // the late report
  EXPECT_THAT(Shortlist(), Not(Contains(kCandidateName)));

  v1::CreateCandidateRequest again = CreateRequest();
  again.set_request_id("erase-create-again");
  st = s_.candidates->CreateCandidate(s_.As(kOwner).get(), again, &created);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_THAT(Shortlist(), Contains(kCandidateName));
}

}  // namespace
}  // namespace corridor::testing
