// RELIABILITY.md A6: edit, reorder, drop or truncate audit-log entries in the
// database (family `audit`, meta "audit_tree_head"), restart: detected, and the
// server refuses to serve.
//
// Two checks catch tampering at start, and each case names the one that does:
//   - AuditLog::Open recomputes the Merkle tree from the stored entries and
//     compares it with the signed tree head (contiguous indexes, entries that
//     parse, size and root equal to the head's, signature valid);
//   - QuotaLedger::Start replays the log and compares the result with the live
//     counters, which catches what a consistent but older log hides (a rollback
//     to an earlier signed head, or a log wiped together with its head).
// Every case is DATA_LOSS; a control case shows an untouched log restarts.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/merkle.h"
#include "common/principal.h"
#include "common/resource_name.h"
#include "common/signing.h"
#include "common/token_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/audit_replay.h"
#include "matcher/quota_ledger.h"
#include "rocksdb/write_batch.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/keys.h"
#include "storage/record_store.h"
#include "storage/stores.h"
#include "tests/matcher/ledger_test_util.h"
#include "tests/storage/storage_test_util.h"

extern char** environ;

namespace corridor::storage {
namespace {

using matcher::testing_util::LedgerFixture;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kIntegrity[] = "audit log failed its integrity check";

// A log of 16 events: agreement, two cells, 5 reservations (the "old head"
// is saved here, at 8 events), 5 more reservations, 2 commits, 1 release.
class AuditTamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(f_.open_status().ok()) << f_.open_status();
    f_.AddAgreement("es-co");
    f_.AddCell("es-co", "es-2027", 100);
    f_.AddCell("es-co", "farm", 50, "es-2027");
    for (int i = 0; i < 10; ++i) {
      if (i == 5) {
        old_head_size_ = f_.log().size();
        old_head_ = Head();
      }
      absl::StatusOr<v1::Reservation> r = f_.Reserve("es-co", "farm", absl::StrCat("a6-", i));
      ASSERT_TRUE(r.ok()) << r.status();
      names_.push_back(r->name());
    }
    ASSERT_TRUE(f_.Commit(names_[0]).ok());
    ASSERT_TRUE(f_.Commit(names_[1]).ok());
    ASSERT_TRUE(f_.Release(names_[2]).ok());
    size_ = f_.log().size();
    ASSERT_EQ(size_, 16u);
    ASSERT_EQ(old_head_size_, 8u);
    f_.Close();  // the database stays open for raw edits
  }

  rocksdb::DB* raw() { return f_.db().db(); }
  rocksdb::ColumnFamilyHandle* audit() { return f_.db().family(Family::kAudit); }
  rocksdb::ColumnFamilyHandle* meta() { return f_.db().family(Family::kMeta); }

  std::string Entry(uint64_t index) {
    std::string value;
    rocksdb::Status s = raw()->Get(rocksdb::ReadOptions(), audit(), AuditEntryKey(index), &value);
    EXPECT_TRUE(s.ok()) << index << ": " << s.ToString();
    return value;
  }
  void PutEntry(uint64_t index, const std::string& value) {
    ASSERT_TRUE(raw()->Put(rocksdb::WriteOptions(), audit(), AuditEntryKey(index), value).ok());
  }
  void DeleteEntry(uint64_t index) {
    ASSERT_TRUE(raw()->Delete(rocksdb::WriteOptions(), audit(), AuditEntryKey(index)).ok());
  }
  std::string Head() {
    std::string value;
    rocksdb::Status s = f_.db().db()->Get(
        rocksdb::ReadOptions(), f_.db().family(Family::kMeta),
        rocksdb::Slice(kMetaAuditTreeHead.data(), kMetaAuditTreeHead.size()), &value);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return value;
  }
  void PutHead(const std::string& value) {
    ASSERT_TRUE(raw()
                    ->Put(rocksdb::WriteOptions(), meta(),
                          rocksdb::Slice(kMetaAuditTreeHead.data(), kMetaAuditTreeHead.size()),
                          value)
                    .ok());
  }
  void DeleteHead() {
    ASSERT_TRUE(raw()
                    ->Delete(rocksdb::WriteOptions(), meta(),
                             rocksdb::Slice(kMetaAuditTreeHead.data(), kMetaAuditTreeHead.size()))
                    .ok());
  }
  v1::AuditEvent ParsedEntry(uint64_t index) {
    v1::AuditEvent e;
    EXPECT_TRUE(e.ParseFromString(Entry(index))) << index;
    return e;
  }

  // Restarts log, stores and ledger on the (edited) database: the status of
  // the first of AuditLog::Open and QuotaLedger::Start that failed.
  absl::Status Restart() {
    f_.Restart();
    return f_.open_status();
  }
  // Restarts and expects AuditLog::Open to refuse, naming `what`.
  void ExpectLogRefused(const std::string& what) {
    absl::Status s = Restart();
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr(kIntegrity)) << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr(what)) << s;
  }

  LedgerFixture f_;
  std::vector<std::string> names_;
  uint64_t size_ = 0;
  uint64_t old_head_size_ = 0;
  std::string old_head_;
};

TEST_F(AuditTamperTest, UntouchedLogRestartsConsistent) {
  ASSERT_TRUE(Restart().ok()) << f_.open_status();
  EXPECT_EQ(f_.log().size(), size_);
  EXPECT_TRUE(f_.ledger().CheckConsistency().ok());
}

// Caught by AuditLog::Open: the entries no longer hash to the signed root.
TEST_F(AuditTamperTest, EditedEntryIsDataLoss) {
  v1::AuditEvent e = ParsedEntry(9);
  ASSERT_EQ(e.kind(), matcher::kEventReserve);
  ASSERT_EQ(e.actor(), "ministry:ES");
  e.set_actor("ministry:FR");  // a well-formed event, just not the one logged
  PutEntry(9, AuditLeafData(e));
  ExpectLogRefused("not to the signed root hash");
}

// Caught by AuditLog::Open (the entry no longer parses, or no longer hashes to
// the signed root, depending on which bit the flip hits).
TEST_F(AuditTamperTest, EntryWithAFlippedBitIsDataLoss) {
  std::string bytes = Entry(9);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x04);
  PutEntry(9, bytes);
  absl::Status s = Restart();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(kIntegrity)) << s;
}

// Caught by AuditLog::Open: the reordered entries hash to another root.
TEST_F(AuditTamperTest, SwappedEntriesAreDataLoss) {
  const std::string fourth = Entry(4);
  const std::string twelfth = Entry(12);
  ASSERT_NE(fourth, twelfth);
  PutEntry(4, twelfth);
  PutEntry(12, fourth);
  ExpectLogRefused("not to the signed root hash");
}

// Caught by AuditLog::Open: the indexes are no longer contiguous.
TEST_F(AuditTamperTest, DeletedMiddleEntryIsDataLoss) {
  DeleteEntry(7);
  ExpectLogRefused("entry 7 is missing");
}

// Caught by AuditLog::Open: fewer entries than the signed head covers.
TEST_F(AuditTamperTest, DeletedLastEntryIsDataLoss) {
  DeleteEntry(size_ - 1);
  ExpectLogRefused(absl::StrCat("the log holds ", size_ - 1,
                                " entries but the signed tree head covers ", size_));
}

// Caught by AuditLog::Open: entries without any signed head.
TEST_F(AuditTamperTest, DeletedLastEntryAndTreeHeadIsDataLoss) {
  DeleteEntry(size_ - 1);
  DeleteHead();
  ExpectLogRefused("but no signed tree head");
}

// Caught by AuditLog::Open: an attacker without the signing key re-signs the
// head over edited entries with a key of their own.
TEST_F(AuditTamperTest, HeadResignedWithAnotherKeyIsDataLoss) {
  v1::AuditEvent e = ParsedEntry(9);
  e.set_actor("ministry:FR");
  PutEntry(9, AuditLeafData(e));
  MerkleTree tree;
  for (uint64_t i = 0; i < size_; ++i) tree.Append(LeafHash(Entry(i)));
  const Hash root = tree.RootHash(size_).value();
  const std::string root_bytes(root.begin(), root.end());
  v1::SignedTreeHead head;
  ASSERT_TRUE(head.ParseFromString(Head()));
  head.set_root_hash(root_bytes);
  const int64_t micros = head.time().seconds() * 1000000 + head.time().nanos() / 1000;
  SigningKey other = SigningKey::FromSeed(std::string(32, '\x42')).value();
  head.set_signature(other.Sign(TreeHeadMessage(size_, root_bytes, micros)));
  PutHead(SerializeDeterministically(head));
  ExpectLogRefused("signature does not verify");
}

// Caught by QuotaLedger::Start: the log and its head are restored to an older,
// validly signed state (AuditLog::Open accepts it), but replaying it no longer
// gives the live counters.
TEST_F(AuditTamperTest, RollbackToAnOlderSignedHeadIsDataLoss) {
  PutHead(old_head_);
  for (uint64_t i = old_head_size_; i < size_; ++i) DeleteEntry(i);
  absl::Status s = Restart();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr(kIntegrity))) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("the audit log gives")) << s;
  // The log itself opened, at the old head: only the ledger's check saw it.
  EXPECT_EQ(f_.log().size(), old_head_size_);
}

// Caught by QuotaLedger::Start: without entries or head the log opens empty,
// but the ledger's cells and counters are not in it.
TEST_F(AuditTamperTest, WipedLogAndTreeHeadIsDataLoss) {
  for (uint64_t i = 0; i < size_; ++i) DeleteEntry(i);
  DeleteHead();
  absl::Status s = Restart();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("is not in the audit log")) << s;
  EXPECT_EQ(f_.log().size(), 0u);
}

// ---- The server process ----

// corridord on `data_dir` (127.0.0.1:0), stderr to `log`.
class Corridord {
 public:
  Corridord(const std::string& data_dir, const std::string& token_file, std::string log)
      : log_(std::move(log)) {
    std::vector<std::string> args = {"corridord", "--listen=127.0.0.1:0", "--data-dir=" + data_dir,
                                     "--token-file=" + token_file, "--shutdown-grace-seconds=5"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (posix_spawn(&pid_, CORRIDORD_PATH, &actions, nullptr, argv.data(), environ) != 0) {
      ADD_FAILURE() << "cannot start " << CORRIDORD_PATH;
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Corridord() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  // Waits for the process to exit (its exit status) or, with
  // `until_serving`, to report its port (-2); -1 after `limit`.
  int WaitExit(std::chrono::seconds limit, bool until_serving = false) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (pid_ > 0 && std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (until_serving && Log().find("(port ") != std::string::npos) return -2;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  void Signal(int sig) { kill(pid_, sig); }
  std::string Log() const {
    std::ifstream in(log_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

// A data directory with a ledger history, signed with the key corridord uses
// by default (<data-dir>/audit-signing.key).
void BuildDataDirectory(const std::string& path) {
  DatabaseOptions options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
  ASSERT_TRUE(db.ok()) << db.status();
  const std::string key_file = absl::StrCat(path, "/audit-signing.key");
  ASSERT_TRUE(CreateSigningKeyFile(key_file).ok());
  absl::StatusOr<SigningKey> key = SigningKey::FromFile(key_file);
  ASSERT_TRUE(key.ok()) << key.status();
  absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(**db, *key);
  ASSERT_TRUE(log.ok()) << log.status();
  auto stores = std::make_unique<Stores>(**db);
  matcher::QuotaLedgerOptions ledger_options;
  ledger_options.expiry_interval = absl::ZeroDuration();
  absl::StatusOr<std::unique_ptr<matcher::QuotaLedger>> ledger =
      matcher::QuotaLedger::Start(*stores, **log, SystemClock(), ledger_options);
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  v1::Agreement a;
  a.set_name(AgreementName("es-co"));
  a.add_destinations("ES");
  a.add_origins("CO");
  ASSERT_TRUE(stores->agreements.Create("es-co", a).ok());
  v1::QuotaCell c;
  c.set_name(QuotaCellResourceName("es-co", "es-2027"));
  c.set_destination("ES");
  c.set_cap(10);
  ASSERT_TRUE(stores->quota_cells.Create(QuotaCellKey("es-co", "es-2027"), c).ok());
  for (int i = 0; i < 4; ++i) {
    v1::ReserveUnitRequest r;
    r.set_quota_cell(QuotaCellResourceName("es-co", "es-2027"));
    r.set_request_id(absl::StrCat("p-", i));
    ASSERT_TRUE((*ledger)->Reserve(LedgerFixture::Call("ministry:ES", "ReserveUnit"), r).ok());
  }
  ledger->reset();
  stores.reset();
  log->reset();
}

TEST(AuditTamperProcessTest, CorridordRefusesToServeATamperedLog) {
  testing_util::ScopedTempDir dir;
  const std::string data = dir.Sub("data");
  const std::string tokens = dir.Sub("tokens");
  ASSERT_TRUE(IssueToken(tokens, *Principal::Parse("operator"), "a6").ok());
  ASSERT_NO_FATAL_FAILURE(BuildDataDirectory(data));

  {  // Control: the untouched directory serves.
    Corridord server(data, tokens, dir.Sub("control.log"));
    ASSERT_EQ(server.WaitExit(std::chrono::seconds(30), /*until_serving=*/true), -2)
        << server.Log();
    server.Signal(SIGTERM);
    EXPECT_EQ(server.WaitExit(std::chrono::seconds(30)), 0) << server.Log();
  }
  {  // Drop entry 3 of 6.
    DatabaseOptions options;
    options.path = data;
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_EQ(testing_util::AllKeys(**db, Family::kAudit).size(), 6u);
    ASSERT_TRUE(
        (*db)
            ->db()
            ->Delete(rocksdb::WriteOptions(), (*db)->family(Family::kAudit), AuditEntryKey(3))
            .ok());
  }
  Corridord server(data, tokens, dir.Sub("tampered.log"));
  EXPECT_EQ(server.WaitExit(std::chrono::seconds(30), /*until_serving=*/true), 1) << server.Log();
  EXPECT_THAT(server.Log(), HasSubstr(absl::StrCat(kIntegrity, ": entry 3 is missing")));
  EXPECT_THAT(server.Log(), Not(HasSubstr("serving on")));
}

}  // namespace
}  // namespace corridor::storage
