#ifndef CORRIDOR_STORAGE_DATABASE_H_
#define CORRIDOR_STORAGE_DATABASE_H_

#include <array>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
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
  // How long after an erasure (a delete that leaves a purge_pending marker,
  // keys.h) the background purge runs (PurgeNow); erasures made meanwhile
  // share it, so a burst of deletes costs one purge. A failed purge is
  // retried after the same delay (at least 1 s). Zero purges at once;
  // absl::InfiniteDuration() never purges in the background (tools, tests:
  // call PurgeNow). Default: 10 minutes.
  absl::Duration purge_delay = absl::Minutes(10);
  // Flush every column family when the Database is destroyed, so the next
  // open replays no WAL (a restart of 1M candidates replayed 600 MB). The
  // WAL remains the crash path. Tests that damage the WAL after a close set
  // it false, so that the WAL still holds the writes, as after a crash.
  bool flush_on_close = true;
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

  // Makes every deleted or overwritten value of `families` physically leave
  // the data directory: flushes the memtables of every family (a WAL file
  // becomes obsolete only once no family has unflushed writes in it),
  // compacts each of `families` over its whole key range down to and
  // including the bottommost level (forced, so tombstones meet the values
  // they cover and both are dropped), then has RocksDB delete obsolete table
  // and WAL files at once. Blocks for the compactions; other reads and writes
  // go on meanwhile. Errors: UNAVAILABLE when the old values may survive
  // anyway, because a snapshot older than the call was held, or an open
  // iterator still pins an obsolete file (retry later); INTERNAL.
  absl::Status Purge(const std::vector<Family>& families);

  // Purge of every family. Errors as Purge.
  absl::Status CompactAll();

  // Purges what the erasures committed so far left behind (the families
  // named by purge_pending markers, plus indexes and idempotency), then
  // deletes those markers. OK at once when none is pending. One purge runs
  // at a time (a second caller waits). Errors as Purge; the markers stay.
  absl::Status PurgeNow();

  // Tells the background purge that an erasure committed its marker: it
  // runs PurgeNow within purge_delay. Cheap; thread-safe.
  void SchedulePurge();

 private:
  // Writes a table for every column family (after rewriting one key, so
  // that even an idle family records a new minimum WAL number): the WALs
  // before it become obsolete. Used by Purge and by a clean close.
  rocksdb::Status FlushAll();

  bool flush_on_close_ = true;
  Database() = default;

  // Starts the background purge (none with an infinite delay) and schedules
  // one when an earlier run left erasures unpurged.
  static absl::StatusOr<std::unique_ptr<Database>> StartPurging(std::unique_ptr<Database> db,
                                                                absl::Duration delay);
  // The background purge thread's body.
  void PurgeLoop();

  std::string path_;
  Clock* clock_ = nullptr;
  rocksdb::TransactionDB* db_ = nullptr;
  std::array<rocksdb::ColumnFamilyHandle*, kFamilyCount> families_{};
  rocksdb::WriteOptions write_options_;
  std::string page_token_secret_;
  absl::Duration purge_delay_ = absl::InfiniteDuration();

  // Serialises PurgeNow calls. Never held together with purge_mu_.
  absl::Mutex purge_run_mu_;
  absl::Mutex purge_mu_;
  absl::CondVar purge_cv_;
  // When the background purge is due; InfiniteFuture when nothing is pending.
  absl::Time purge_due_ ABSL_GUARDED_BY(purge_mu_) = absl::InfiniteFuture();
  bool stopping_ ABSL_GUARDED_BY(purge_mu_) = false;
  std::thread purge_thread_;
};

// The one conversion from RocksDB status to absl::Status. `context` prefixes
// the message (it goes to logs; handlers never forward INTERNAL details).
absl::Status FromRocks(const rocksdb::Status& s, absl::string_view context);

}  // namespace corridor::storage

#endif  // CORRIDOR_STORAGE_DATABASE_H_
