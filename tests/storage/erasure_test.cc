// Erasure at the storage level (docs/privacy.md): deleting a record of a kind
// with a reply index erases the idempotency replies stored with it and marks
// it for a purge; Database::PurgeNow then leaves no byte of its old values in
// any file of the data directory. tests/server/erasure_test.cc is the
// end-to-end check (RELIABILITY.md P1).
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "storage/keys.h"
#include "storage/record_store.h"
#include "tests/storage/storage_samples.h"
#include "tests/storage/storage_test_util.h"
#include "storage/stores.h"

namespace corridor::storage {
namespace {

using testing_util::AllKeys;
using testing_util::SampleCandidate;
using testing_util::ScopedTempDir;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kCreateCandidate[] = "/corridor.v1.CandidateService/CreateCandidate";
constexpr char kImportCandidates[] = "/corridor.v1.CandidateService/ImportCandidates";
constexpr char kCreateVacancy[] = "/corridor.v1.VacancyService/CreateVacancy";

// Random CJK ideographs: no other stored byte sequence shares a 4-byte run
// with them, so Snappy stores the first copy in any table block as a raw
// literal and a raw scan finds it (see tests/server/erasure_test.cc).
std::string RandomCanary() {
  std::random_device seed;
  std::mt19937 gen(seed());
  std::uniform_int_distribution<uint32_t> pick(0x4E00, 0x9FA5);
  std::string out;
  for (int i = 0; i < 12; ++i) {
    uint32_t cp = pick(gen);
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return out;
}

// Names of the files under `dir` (recursively) holding `needle`.
std::vector<std::string> FilesHolding(const std::string& dir, const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) hits.push_back(entry.path().filename());
  }
  return hits;
}

std::unique_ptr<Database> OpenDb(const std::string& path, absl::Duration purge_delay) {
  DatabaseOptions options;
  options.path = path;
  options.sync = false;
  options.purge_delay = purge_delay;
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
  EXPECT_TRUE(db.ok()) << db.status();
  return db.ok() ? *std::move(db) : nullptr;
}

Idempotency Idem(const std::string& method, const std::string& request_id,
                 const google::protobuf::Message& request) {
  return Idempotency{IdempotencyKey("agency:ag-1", method, request_id),
                     RequestFingerprint(request)};
}

std::string Stored(Database& db, Family family, const std::string& key) {
  std::string value;
  rocksdb::Status s = db.db()->Get(rocksdb::ReadOptions(), db.family(family), key, &value);
  return s.ok() ? value : "<" + s.ToString() + ">";
}

bool PurgePending(Database& db, const std::string& candidate_id) {
  std::string value;
  return db.db()
      ->Get(rocksdb::ReadOptions(), db.family(Family::kMeta),
            PurgePendingKey(Family::kCandidates, candidate_id), &value)
      .ok();
}

// Waits up to 30 s for the background purge to clear `candidate_id`'s marker.
bool WaitForPurge(Database& db, const std::string& candidate_id) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (PurgePending(db, candidate_id)) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

class StorageErasureTest : public ::testing::Test {
 protected:
  StorageErasureTest() : canary_(RandomCanary()) { Open(absl::InfiniteDuration()); }

  void Open(absl::Duration purge_delay) {
    stores_.reset();
    db_.reset();
    db_ = OpenDb(dir_.Sub("db"), purge_delay);
    ASSERT_NE(db_, nullptr);
    stores_ = std::make_unique<Stores>(*db_);
  }

  // A candidate whose free-text fields hold the canary.
  v1::Candidate Canary(const std::string& id) {
    v1::Candidate c = SampleCandidate(id, "ag-1", "CO");
    c.set_display_name(absl::StrCat("Ana ", canary_));
    c.set_contact(absl::StrCat(canary_, "@example.invalid"));
    c.set_origin_region(canary_);
    return c;
  }

  // Creates `id` idempotently, puts it in a table file, then writes a newer
  // version (WAL and memtable), so every kind of copy exists.
  void CreateEverywhere(const std::string& id) {
    v1::CreateCandidateRequest request;
    *request.mutable_candidate() = Canary(id);
    request.set_request_id("req-" + id);
    const Idempotency idem = Idem(kCreateCandidate, request.request_id(), request);
    ASSERT_TRUE(stores_->candidates.Create(id, request.candidate(), &idem).ok());
    ASSERT_TRUE(db_->CompactAll().ok());
    absl::StatusOr<v1::Candidate> updated =
        stores_->candidates.Mutate(id, "", [this](v1::Candidate& c) {
          c.set_display_name(absl::StrCat("Ana Maria ", canary_));
          return absl::OkStatus();
        });
    ASSERT_TRUE(updated.ok()) << updated.status();
  }

  ScopedTempDir dir_;
  const std::string canary_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Stores> stores_;
};

TEST_F(StorageErasureTest, DeleteErasesTheCreateReplyAndAReplayIsRefused) {
  v1::CreateCandidateRequest request;
  *request.mutable_candidate() = Canary("cand-1");
  request.set_request_id("req-1");
  const Idempotency idem = Idem(kCreateCandidate, "req-1", request);
  ASSERT_TRUE(stores_->candidates.Create("cand-1", request.candidate(), &idem).ok());
  v1::CreateCandidateRequest other = request;
  *other.mutable_candidate() = SampleCandidate("cand-2", "ag-1", "CO");
  other.set_request_id("req-2");
  const Idempotency idem2 = Idem(kCreateCandidate, "req-2", other);
  ASSERT_TRUE(stores_->candidates.Create("cand-2", other.candidate(), &idem2).ok());
  ASSERT_TRUE(absl::StrContains(Stored(*db_, Family::kIdempotency, idem.key), canary_));

  ASSERT_TRUE(stores_->candidates.Delete("cand-1").ok());
  EXPECT_EQ(Stored(*db_, Family::kIdempotency, idem.key), kErasedIdempotencyRecord);
  EXPECT_TRUE(PurgePending(*db_, "cand-1"));

  // A replay neither answers with the erased data nor re-creates the record.
  absl::StatusOr<v1::Candidate> replay =
      stores_->candidates.Create("cand-1", request.candidate(), &idem);
  EXPECT_EQ(replay.status().code(), absl::StatusCode::kFailedPrecondition) << replay.status();
  EXPECT_TRUE(absl::StrContains(replay.status().message(), "request_id"));
  EXPECT_FALSE(absl::StrContains(replay.status().message(), canary_));
  EXPECT_EQ(stores_->candidates.Get("cand-1").status().code(), absl::StatusCode::kNotFound);

  // The other candidate's reply is untouched and still replays.
  absl::StatusOr<v1::Candidate> replay2 =
      stores_->candidates.Create("cand-2", other.candidate(), &idem2);
  ASSERT_TRUE(replay2.ok()) << replay2.status();
  EXPECT_EQ(replay2->name(), "candidates/cand-2");
  EXPECT_FALSE(PurgePending(*db_, "cand-2"));
}

TEST_F(StorageErasureTest, ReplyLinksLeaveWithTheirRecord) {
  for (const char* id : {"cand-1", "cand-2"}) {
    v1::CreateCandidateRequest request;
    *request.mutable_candidate() = SampleCandidate(id, "ag-1", "CO");
    request.set_request_id(absl::StrCat("req-", id));
    const Idempotency idem = Idem(kCreateCandidate, request.request_id(), request);
    ASSERT_TRUE(stores_->candidates.Create(id, request.candidate(), &idem).ok());
  }
  auto links_of = [this](const std::string& id) {
    std::vector<std::string> out;
    const std::string prefix = ReplyLinkPrefix(kIndexCandidateReply, id);
    for (const std::string& key : AllKeys(*db_, Family::kIndexes)) {
      if (absl::StartsWith(key, prefix)) out.push_back(key.substr(prefix.size()));
    }
    return out;
  };
  ASSERT_THAT(links_of("cand-1"),
              ElementsAre(IdempotencyKey("agency:ag-1", kCreateCandidate, "req-cand-1")));
  ASSERT_TRUE(stores_->candidates.Delete("cand-1").ok());
  EXPECT_THAT(links_of("cand-1"), IsEmpty());
  EXPECT_EQ(links_of("cand-2").size(), 1u);
}

TEST_F(StorageErasureTest, DeletingAnyRecordOfABatchErasesTheBatchReply) {
  std::vector<std::pair<std::string, v1::Candidate>> batch;
  batch.emplace_back("cand-1", SampleCandidate("cand-1", "ag-1", "CO"));
  batch.emplace_back("cand-2", Canary("cand-2"));
  v1::ImportCandidatesRequest request;
  request.set_request_id("imp-1");
  const Idempotency idem = Idem(kImportCandidates, "imp-1", request);
  absl::StatusOr<std::string> reply = stores_->candidates.UpsertBatch(batch, &idem, "reply");
  ASSERT_TRUE(reply.ok()) << reply.status();

  ASSERT_TRUE(stores_->candidates.Delete("cand-2").ok());
  EXPECT_EQ(Stored(*db_, Family::kIdempotency, idem.key), kErasedIdempotencyRecord);
  // The replay is refused, and writes nothing (cand-2 stays erased).
  reply = stores_->candidates.UpsertBatch(batch, &idem, "reply");
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kFailedPrecondition) << reply.status();
  EXPECT_EQ(stores_->candidates.Get("cand-2").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(stores_->candidates.Get("cand-1").ok());
  // Deleting the other record of the batch later finds the reply already erased.
  ASSERT_TRUE(stores_->candidates.Delete("cand-1").ok());
  EXPECT_EQ(Stored(*db_, Family::kIdempotency, idem.key), kErasedIdempotencyRecord);
}

TEST_F(StorageErasureTest, KindsWithoutAReplyIndexKeepTheirReplies) {
  v1::CreateVacancyRequest request;
  *request.mutable_vacancy() = testing_util::SampleVacancy("vac-1", "emp-1", "ES");
  request.set_request_id("req-v");
  const Idempotency idem = Idem(kCreateVacancy, "req-v", request);
  ASSERT_TRUE(stores_->vacancies.Create("vac-1", request.vacancy(), &idem).ok());
  ASSERT_TRUE(stores_->vacancies.Delete("vac-1").ok());
  absl::StatusOr<v1::Vacancy> replay = stores_->vacancies.Create("vac-1", request.vacancy(), &idem);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->name(), "vacancies/vac-1");
  std::vector<std::string> markers;
  for (const std::string& key : AllKeys(*db_, Family::kMeta)) {
    if (absl::StartsWith(key, kMetaPurgePendingPrefix)) markers.push_back(key);
  }
  EXPECT_THAT(markers, IsEmpty());
}

// The control: deleting alone leaves the old values on disk, and the scan
// below finds them (so the purge tests can fail).
TEST_F(StorageErasureTest, DeletedValuesStayOnDiskUntilPurged) {
  CreateEverywhere("cand-1");
  EXPECT_FALSE(FilesHolding(dir_.Sub("db"), canary_).empty());
  ASSERT_TRUE(stores_->candidates.Delete("cand-1").ok());
  const std::vector<std::string> hits = FilesHolding(dir_.Sub("db"), canary_);
  EXPECT_TRUE(std::any_of(hits.begin(), hits.end(),
                          [](const std::string& f) { return absl::EndsWith(f, ".sst"); }));
  EXPECT_TRUE(std::any_of(hits.begin(), hits.end(),
                          [](const std::string& f) { return absl::EndsWith(f, ".log"); }));
}

TEST_F(StorageErasureTest, PurgeNowLeavesNoCopyInAnyFileAndKeepsEverythingElse) {
  ASSERT_TRUE(
      stores_->agencies.Create("ag-1", testing_util::SampleAgency("ag-1")).ok());
  CreateEverywhere("cand-1");
  ASSERT_TRUE(stores_->candidates.Create("cand-2", SampleCandidate("cand-2", "ag-1", "CO")).ok());
  ASSERT_TRUE(stores_->candidates.Delete("cand-1").ok());

  ASSERT_TRUE(db_->PurgeNow().ok());
  EXPECT_THAT(FilesHolding(dir_.Sub("db"), canary_), IsEmpty());
  EXPECT_FALSE(PurgePending(*db_, "cand-1"));
  EXPECT_EQ(stores_->candidates.Get("cand-1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(stores_->candidates.Get("cand-2").ok());
  EXPECT_TRUE(stores_->agencies.Get("ag-1").ok());
  EXPECT_EQ(testing_util::IndexKeysOf(*db_, "cand-2").size(), 4u);
  EXPECT_THAT(testing_util::IndexKeysOf(*db_, "cand-1"), IsEmpty());
  // Nothing pending: a no-op.
  EXPECT_TRUE(db_->PurgeNow().ok());

  // Still clean, and still consistent, after a reopen.
  Open(absl::InfiniteDuration());
  EXPECT_THAT(FilesHolding(dir_.Sub("db"), canary_), IsEmpty());
  EXPECT_TRUE(stores_->candidates.Get("cand-2").ok());
}

TEST_F(StorageErasureTest, PurgeIsUnavailableWhileAnOlderSnapshotIsHeld) {
  CreateEverywhere("cand-1");
  const rocksdb::Snapshot* snapshot = db_->db()->GetSnapshot();
  ASSERT_TRUE(stores_->candidates.Delete("cand-1").ok());

  absl::Status s = db_->PurgeNow();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_TRUE(PurgePending(*db_, "cand-1"));
  EXPECT_FALSE(FilesHolding(dir_.Sub("db"), canary_).empty());  // what the snapshot kept

  db_->db()->ReleaseSnapshot(snapshot);
  s = db_->PurgeNow();
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_THAT(FilesHolding(dir_.Sub("db"), canary_), IsEmpty());
  EXPECT_FALSE(PurgePending(*db_, "cand-1"));
}

TEST_F(StorageErasureTest, PurgeIsUnavailableWhileAnIteratorPinsAnObsoleteFile) {
  CreateEverywhere("cand-1");
  ASSERT_TRUE(db_->CompactAll().ok());  // the newest version in a table file too
  std::unique_ptr<rocksdb::Iterator> reader(
      db_->db()->NewIterator(rocksdb::ReadOptions(), db_->family(Family::kCandidates)));
  ASSERT_TRUE(stores_->candidates.Delete("cand-1").ok());

  absl::Status s = db_->PurgeNow();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_TRUE(PurgePending(*db_, "cand-1"));

  reader.reset();
  s = db_->PurgeNow();
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_THAT(FilesHolding(dir_.Sub("db"), canary_), IsEmpty());
}

TEST_F(StorageErasureTest, BackgroundPurgeRunsAfterTheDelay) {
  Open(absl::ZeroDuration());
  CreateEverywhere("cand-1");
  ASSERT_TRUE(stores_->candidates.Delete("cand-1").ok());
  ASSERT_TRUE(WaitForPurge(*db_, "cand-1"));
  EXPECT_THAT(FilesHolding(dir_.Sub("db"), canary_), IsEmpty());
}

TEST_F(StorageErasureTest, AnErasureNotYetPurgedIsPurgedAfterTheNextOpen) {
  CreateEverywhere("cand-1");
  ASSERT_TRUE(stores_->candidates.Delete("cand-1").ok());
  Open(absl::InfiniteDuration());  // closed before any purge ran
  ASSERT_TRUE(PurgePending(*db_, "cand-1"));
  EXPECT_FALSE(FilesHolding(dir_.Sub("db"), canary_).empty());

  Open(absl::ZeroDuration());
  ASSERT_TRUE(WaitForPurge(*db_, "cand-1"));
  EXPECT_THAT(FilesHolding(dir_.Sub("db"), canary_), IsEmpty());
}

TEST(PurgePendingKeyTest, RoundTripsAndRejectsOtherKeys) {
  Family family = Family::kDefault;
  std::string id;
  ASSERT_TRUE(ParsePurgePendingKey(PurgePendingKey(Family::kCandidates, "cand-1"), family, id));
  EXPECT_EQ(family, Family::kCandidates);
  EXPECT_EQ(id, "cand-1");
  EXPECT_FALSE(ParsePurgePendingKey("purge_pending/nosuchfamily/x", family, id));
  EXPECT_FALSE(ParsePurgePendingKey("purge_pending/candidates/", family, id));
  EXPECT_FALSE(ParsePurgePendingKey("schema_version", family, id));
}

}  // namespace
}  // namespace corridor::storage
