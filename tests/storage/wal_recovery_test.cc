// RELIABILITY.md D5: a torn WAL tail is tolerated and loses nothing that was
// acknowledged; a byte flipped in the middle of the WAL refuses to open
// (DATA_LOSS with a clear message) instead of silently dropping acknowledged
// writes.
//
// The writes are quota-ledger reservations (each one synced WriteBatch: record,
// counters, audit event, signed head, idempotency reply), few and small enough
// that nothing is flushed: the test checks that the data directory has no
// table file, so everything it reads back after tampering came from the WAL.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/resource_name.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/quota_ledger.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/stores.h"
#include "tests/matcher/ledger_test_util.h"
#include "tests/storage/storage_test_util.h"

namespace corridor::storage {
namespace {

using ::testing::HasSubstr;
using testing_util::ScopedTempDir;
using testing_util::TestEpoch;

constexpr int kReservations = 300;
constexpr char kAgreement[] = "es-co";
constexpr char kCell[] = "es-2027";
constexpr int64_t kWalBlock = 32768;  // RocksDB's WAL block size
constexpr int64_t kWalHeader = 7;     // checksum, length, type

// Database, audit log, stores and ledger on one directory, closed in reverse order.
class Ledger {
 public:
  explicit Ledger(FakeClock& clock) : clock_(clock) {}
  ~Ledger() { Close(); }

  // Opens everything; the status of the first failure.
  absl::Status Open(const std::string& path) {
    DatabaseOptions options;
    options.path = path;
    options.sync = true;
    options.clock = &clock_;
    // The WAL must hold every write at close, as after a crash: the tests damage it.
    options.flush_on_close = false;
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
    if (!db.ok()) return db.status();
    db_ = *std::move(db);
    absl::StatusOr<std::unique_ptr<AuditLog>> log =
        AuditLog::Open(*db_, matcher::testing_util::TestSigningKey());
    if (!log.ok()) return log.status();
    log_ = *std::move(log);
    stores_ = std::make_unique<Stores>(*db_);
    matcher::QuotaLedgerOptions ledger_options;
    ledger_options.expiry_interval = absl::ZeroDuration();
    absl::StatusOr<std::unique_ptr<matcher::QuotaLedger>> ledger =
        matcher::QuotaLedger::Start(*stores_, *log_, clock_, ledger_options);
    if (!ledger.ok()) return ledger.status();
    ledger_ = *std::move(ledger);
    return absl::OkStatus();
  }
  void Close() {
    ledger_.reset();
    stores_.reset();
    log_.reset();
    db_.reset();
  }

  absl::StatusOr<v1::Reservation> Reserve(int i) {
    v1::ReserveUnitRequest r;
    r.set_quota_cell(QuotaCellResourceName(kAgreement, kCell));
    r.set_request_id(absl::StrCat("wal-", i));
    r.set_hold_seconds(3600);
    return ledger_->Reserve(
        matcher::testing_util::LedgerFixture::Call("ministry:ES", "ReserveUnit"), r);
  }

  Database& db() { return *db_; }
  AuditLog& log() { return *log_; }
  Stores& stores() { return *stores_; }
  matcher::QuotaLedger& ledger() { return *ledger_; }

 private:
  FakeClock& clock_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<AuditLog> log_;
  std::unique_ptr<Stores> stores_;
  std::unique_ptr<matcher::QuotaLedger> ledger_;
};

// The newest WAL file of a database directory ("" when there is none).
std::string NewestWal(const std::string& dir) {
  std::string newest;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log" && entry.path().string() > newest) {
      newest = entry.path().string();
    }
  }
  return newest;
}

int CountFiles(const std::string& dir, const std::string& extension) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == extension) ++n;
  }
  return n;
}

// A ledger database written once for every test of this file: kReservations
// reservations, each acknowledged (synced) before the next. Knows where the
// last reservation's WAL record starts.
class WalRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Ledger l(clock_);
    ASSERT_TRUE(l.Open(original()).ok());
    v1::Agreement a;
    a.set_name(AgreementName(kAgreement));
    a.add_destinations("ES");
    a.add_origins("CO");
    ASSERT_TRUE(l.stores().agreements.Create(kAgreement, a).ok());
    v1::QuotaCell c;
    c.set_name(QuotaCellResourceName(kAgreement, kCell));
    c.set_destination("ES");
    c.set_cap(100000);
    ASSERT_TRUE(l.stores().quota_cells.Create(QuotaCellKey(kAgreement, kCell), c).ok());
    wal_ = NewestWal(original());
    ASSERT_FALSE(wal_.empty());
    for (int i = 0; i < kReservations; ++i) {
      // The WAL as it stands once everything before reservation i is acknowledged.
      if (i == kReservations - 1) last_record_start_ = FileSize(wal_);
      absl::StatusOr<v1::Reservation> r = l.Reserve(i);
      ASSERT_TRUE(r.ok()) << r.status();
      names_.push_back(r->name());
    }
    events_ = l.log().size();
    ASSERT_EQ(events_, static_cast<uint64_t>(2 + kReservations));
    l.Close();

    // Everything is in the one WAL: no table file, no other log.
    ASSERT_EQ(NewestWal(original()), wal_);
    EXPECT_EQ(CountFiles(original(), ".sst"), 0) << "data was flushed out of the WAL";
    EXPECT_EQ(CountFiles(original(), ".log"), 1);
    wal_size_ = FileSize(wal_);
    ASSERT_GT(last_record_start_, 4 * kWalBlock) << "the WAL is too small to damage its middle";
    ASSERT_GT(wal_size_, last_record_start_ + 2 * kWalHeader);
  }

  static int64_t FileSize(const std::string& path) {
    return static_cast<int64_t>(std::filesystem::file_size(path));
  }
  std::string original() const { return dir_.Sub("original"); }

  // A copy of the closed database, to damage.
  std::string Copy(const std::string& name) {
    const std::string to = dir_.Sub(name);
    std::filesystem::copy(original(), to, std::filesystem::copy_options::recursive);
    return to;
  }
  static std::string WalIn(const std::string& copy) {
    return absl::StrCat(copy, "/", std::filesystem::path(NewestWal(copy)).filename().string());
  }
  static void XorByte(const std::string& file, int64_t offset) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good()) << file;
    f.seekg(offset);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(offset);
    f.write(&c, 1);
    ASSERT_TRUE(f.good()) << file;
  }

  // Opens `copy` and checks it holds exactly the first `kept` reservations,
  // with consistent counters (QuotaLedger::Start checks records, counters and
  // the audit log's replay against each other).
  void ExpectHoldsFirst(const std::string& copy, int kept) {
    Ledger l(clock_);
    absl::Status opened = l.Open(copy);
    ASSERT_TRUE(opened.ok()) << opened;
    for (int i = 0; i < kReservations; ++i) {
      absl::StatusOr<v1::Reservation> r =
          l.stores().reservations.Get(std::string(names_[i].substr(names_[i].find('/') + 1)));
      if (i < kept) {
        EXPECT_TRUE(r.ok()) << names_[i] << ": " << r.status();
      } else {
        EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound) << names_[i];
      }
    }
    std::optional<matcher::CellUsage> usage = l.ledger().Usage(kAgreement, kCell);
    ASSERT_TRUE(usage.has_value());
    EXPECT_EQ(usage->reserved, kept);
    EXPECT_EQ(l.log().size(), events_ - (kReservations - kept));
    EXPECT_TRUE(l.ledger().CheckConsistency().ok()) << l.ledger().CheckConsistency();
  }

  ScopedTempDir dir_;
  FakeClock clock_{TestEpoch()};
  std::string wal_;
  int64_t wal_size_ = 0;
  int64_t last_record_start_ = 0;
  std::vector<std::string> names_;
  uint64_t events_ = 0;
};

TEST_F(WalRecoveryTest, IntactWalReopensWithEveryReservation) {
  ExpectHoldsFirst(Copy("intact"), kReservations);
}

// (a) A crash tore the last append: whatever part of it survives, the last
// batch is dropped whole and every earlier (acknowledged) one is kept.
TEST_F(WalRecoveryTest, TruncatedTailOpensAndKeepsEverythingBeforeTheLastRecord) {
  const int64_t last_size = wal_size_ - last_record_start_;
  for (int64_t keep : {wal_size_ - 1, wal_size_ - 5, wal_size_ - 13,
                       last_record_start_ + last_size / 2, last_record_start_ + 3}) {
    SCOPED_TRACE(absl::StrCat("WAL cut to ", keep, " of ", wal_size_, " bytes (last record from ",
                              last_record_start_, ")"));
    const std::string copy = Copy(absl::StrCat("cut-", keep));
    std::filesystem::resize_file(WalIn(copy), static_cast<uintmax_t>(keep));
    ExpectHoldsFirst(copy, kReservations - 1);
  }
}

// (b) Damage before the tail is refused, never skipped: DATA_LOSS naming the
// directory and the corruption, and the refusal destroys nothing (undoing the
// flip opens with every reservation).
TEST_F(WalRecoveryTest, ByteFlippedMidWalIsDataLossWithAClearMessage) {
  const int64_t blocks = last_record_start_ / kWalBlock;
  // The middle of whole blocks (never a block's unchecksummed padding), well
  // before the last record: early, middle and late in the log.
  for (int64_t block : {int64_t{1}, blocks / 2, blocks - 1}) {
    const int64_t offset = block * kWalBlock + kWalBlock / 2 + 11;
    ASSERT_LT(offset, last_record_start_);
    SCOPED_TRACE(absl::StrCat("byte ", offset, " of ", wal_size_));
    const std::string copy = Copy(absl::StrCat("flip-", offset));
    const std::string wal = WalIn(copy);
    XorByte(wal, offset);
    {
      DatabaseOptions options;
      options.path = copy;
      absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
      ASSERT_FALSE(db.ok()) << "a damaged WAL middle was opened";
      EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss) << db.status();
      EXPECT_THAT(std::string(db.status().message()), HasSubstr(copy));
      EXPECT_THAT(std::string(db.status().message()), HasSubstr("corrupt"));
    }
    ASSERT_EQ(NewestWal(copy), wal) << "the refused open replaced the WAL";
    XorByte(wal, offset);
    ExpectHoldsFirst(copy, kReservations);
  }
}

}  // namespace
}  // namespace corridor::storage
