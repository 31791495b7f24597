#ifndef CORRIDOR_STORAGE_DATABASE_H_
#define CORRIDOR_STORAGE_DATABASE_H_

#include <array>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "rocksdb/status.h"
#include "rocksdb/utilities/transaction_db.h"
#include "storage/keys.h"

namespace corridor::storage {

struct DatabaseOptions {
  // Directory of the database; created if missing. Required.
  std::string path;
  // Sync the WAL before a write is acknowledged. Default: true. Concurrent
  // writers share syncs (RocksDB's write group), so this does not cost one
  // fsync per write under load.
  bool sync = true;
  // Source of create/update times. Default: SystemClock(). Must outlive the Database.
  Clock* clock = nullptr;
};

// The RocksDB database: one TransactionDB with the column families of keys.h.
// Opening takes RocksDB's directory lock, so a second process (or a second
// Open in this process) on the same directory fails. Thread-safe.
class Database {
 public:
  // Opens or creates the database at options.path.
  // Errors: FAILED_PRECONDITION "data directory <path> is in use by another
  // process" when the lock is held; DATA_LOSS when the WAL or a table is
  // corrupt (a torn tail is tolerated, a damaged middle is not);
  // INVALID_ARGUMENT for an empty path; INTERNAL otherwise.
  static absl::StatusOr<std::unique_ptr<Database>> Open(DatabaseOptions options);

  // Closes the database, releasing the lock.
  ~Database();

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  rocksdb::TransactionDB* db() const { return db_; }
  rocksdb::ColumnFamilyHandle* family(Family f) const {
    return families_[static_cast<int>(f)];
  }
  // Write options for every acknowledged write (sync per DatabaseOptions).
  const rocksdb::WriteOptions& write_options() const { return write_options_; }
  // Secret that authenticates page tokens; created at first open, kept in meta.
  const std::string& page_token_secret() const { return page_token_secret_; }
  Clock& clock() const { return *clock_; }
  const std::string& path() const { return path_; }

  // Flushes memtables and compacts every family, so deleted values leave the
  // files (used by erasure). Errors: INTERNAL.
  absl::Status CompactAll();

 private:
  Database() = default;

  std::string path_;
  Clock* clock_ = nullptr;
  rocksdb::TransactionDB* db_ = nullptr;
  std::array<rocksdb::ColumnFamilyHandle*, kFamilyCount> families_{};
  rocksdb::WriteOptions write_options_;
  std::string page_token_secret_;
};

// The one conversion from RocksDB status to absl::Status. `context` prefixes
// the message (it goes to logs; handlers never forward INTERNAL details).
absl::Status FromRocks(const rocksdb::Status& s, absl::string_view context);

}  // namespace corridor::storage

#endif  // CORRIDOR_STORAGE_DATABASE_H_
