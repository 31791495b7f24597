#ifndef CORRIDOR_TESTS_STORAGE_STORAGE_TEST_UTIL_H_
#define CORRIDOR_TESTS_STORAGE_STORAGE_TEST_UTIL_H_

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/time/time.h"
#include "common/clock.h"
#include "gtest/gtest.h"
#include "rocksdb/iterator.h"
#include "storage/database.h"
#include "storage/keys.h"

namespace corridor::storage::testing_util {

// A fresh directory under the test temp dir, removed with everything in it
// when destroyed.
class ScopedTempDir {
 public:
  ScopedTempDir() {
    std::string pattern = ::testing::TempDir() + "corridor-storage-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (mkdtemp(buffer.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed for " << pattern;
    }
    path_ = buffer.data();
  }
  ~ScopedTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::string& path() const { return path_; }
  // A path inside the directory that does not exist yet.
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline absl::Time TestEpoch() { return absl::FromUnixSeconds(1700000000); }

// Opens a database under its own temporary directory, with a fake clock.
// WAL syncs are off unless asked for: durability is not what these tests measure.
class TestDatabase {
 public:
  // `flush_on_close` false keeps the writes in the WAL at Close (as after a
  // crash), for tests that damage it.
  explicit TestDatabase(bool sync = false, bool flush_on_close = true)
      : clock_(TestEpoch()), sync_(sync), flush_on_close_(flush_on_close) {
    Reopen();
  }

  // Closes the database (if open) and opens it again on the same directory.
  void Reopen() {
    db_.reset();
    DatabaseOptions options;
    options.path = path();
    options.sync = sync_;
    options.clock = &clock_;
    options.flush_on_close = flush_on_close_;
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }
  void Close() { db_.reset(); }

  Database& db() { return *db_; }
  FakeClock& clock() { return clock_; }
  std::string path() const { return dir_.Sub("db"); }

 private:
  ScopedTempDir dir_;
  FakeClock clock_;
  bool sync_;
  bool flush_on_close_;
  std::unique_ptr<Database> db_;
};

// Every key of one column family, read raw.
inline std::vector<std::string> AllKeys(Database& db, Family family) {
  std::vector<std::string> keys;
  std::unique_ptr<rocksdb::Iterator> it(
      db.db()->NewIterator(rocksdb::ReadOptions(), db.family(family)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) keys.push_back(it->key().ToString());
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  return keys;
}

// The index keys (raw scan of the indexes family) that point at `record_id`.
inline std::vector<std::string> IndexKeysOf(Database& db, const std::string& record_id) {
  std::vector<std::string> out;
  for (const std::string& key : AllKeys(db, Family::kIndexes)) {
    if (RecordIdFromIndexKey(key) == record_id) out.push_back(key);
  }
  return out;
}

}  // namespace corridor::storage::testing_util

#endif  // CORRIDOR_TESTS_STORAGE_STORAGE_TEST_UTIL_H_
