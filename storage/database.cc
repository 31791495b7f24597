#include "storage/database.h"

#include <sodium.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"

namespace corridor::storage {
namespace {

constexpr size_t kPageTokenSecretBytes = 32;

// RocksDB reports a held LOCK file only as an IOError whose text names the
// lock ("While lock file: ...: Resource temporarily unavailable" for another
// process, "lock hold by current process" for this one). This is the one
// place that reads RocksDB message text, because it has no sub-code for it.
bool IsLockHeld(const rocksdb::Status& s) {
  if (!s.IsIOError()) return false;
  std::string text = absl::AsciiStrToLower(s.ToString());
  return absl::StrContains(text, "while lock file") ||
         absl::StrContains(text, "lock hold by current process") ||
         absl::StrContains(text, "resource temporarily unavailable");
}

absl::Status FromOpenStatus(const rocksdb::Status& s, const std::string& path) {
  if (IsLockHeld(s)) {
    return absl::FailedPreconditionError(
        absl::StrCat("data directory ", path, " is in use by another process"));
  }
  if (s.IsCorruption()) {
    return absl::DataLossError(
        absl::StrCat("open ", path, ": database is corrupt: ", s.ToString()));
  }
  return absl::InternalError(absl::StrCat("open ", path, ": ", s.ToString()));
}

}  // namespace

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat(context, ": not found"));
  }
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) {
    return absl::AbortedError(absl::StrCat(context, ": concurrent modification, retry"));
  }
  if (s.IsCorruption()) {
    return absl::DataLossError(absl::StrCat(context, ": ", s.ToString()));
  }
  return absl::InternalError(absl::StrCat(context, ": ", s.ToString()));
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(DatabaseOptions options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("path: required");
  }
  if (sodium_init() < 0) {
    return absl::InternalError("libsodium failed to initialise");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("create data directory ", options.path, ": ", ec.message()));
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  // A torn last record (crash mid-append) is dropped; damage anywhere else
  // refuses to open instead of silently losing acknowledged writes.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : AllFamilyNames()) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }

  rocksdb::TransactionDBOptions txn_db_options;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::TransactionDB* raw = nullptr;
  rocksdb::Status s = rocksdb::TransactionDB::Open(db_options, txn_db_options, options.path,
                                                   descriptors, &handles, &raw);
  if (!s.ok()) return FromOpenStatus(s, options.path);

  // From here on the Database owns the handles and closes them on any error.
  std::unique_ptr<Database> db(new Database());
  db->db_ = raw;
  db->path_ = options.path;
  db->clock_ = options.clock != nullptr ? options.clock : &SystemClock();
  db->write_options_.sync = options.sync;
  if (handles.size() != static_cast<size_t>(kFamilyCount)) {
    for (rocksdb::ColumnFamilyHandle* h : handles) raw->DestroyColumnFamilyHandle(h);
    return absl::InternalError(absl::StrCat("open ", options.path, ": got ", handles.size(),
                                            " column families, want ", kFamilyCount));
  }
  for (int i = 0; i < kFamilyCount; ++i) db->families_[i] = handles[i];

  rocksdb::ColumnFamilyHandle* meta = db->family(Family::kMeta);
  std::string version;
  s = raw->Get(rocksdb::ReadOptions(), meta,
               rocksdb::Slice(kMetaSchemaVersion.data(), kMetaSchemaVersion.size()),
               &version);
  if (s.IsNotFound()) {
    // First open: the schema version and the secret are written together.
    std::string secret(kPageTokenSecretBytes, '\0');
    randombytes_buf(secret.data(), secret.size());
    rocksdb::WriteBatch batch;
    s = batch.Put(meta, rocksdb::Slice(kMetaSchemaVersion.data(), kMetaSchemaVersion.size()),
                  rocksdb::Slice(kSchemaVersion.data(), kSchemaVersion.size()));
    if (s.ok()) {
      s = batch.Put(meta,
                    rocksdb::Slice(kMetaPageTokenSecret.data(), kMetaPageTokenSecret.size()),
                    secret);
    }
    if (s.ok()) {
      rocksdb::WriteOptions sync_write;
      sync_write.sync = true;
      s = raw->Write(sync_write, &batch);
    }
    if (!s.ok()) return FromRocks(s, absl::StrCat("initialise ", options.path));
    db->page_token_secret_ = std::move(secret);
    return db;
  }
  if (!s.ok()) return FromRocks(s, absl::StrCat("read schema version in ", options.path));
  if (version != kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("data directory ", options.path, " has schema version \"", version,
                     "\"; this build understands version ", kSchemaVersion));
  }
  std::string secret;
  s = raw->Get(rocksdb::ReadOptions(), meta,
               rocksdb::Slice(kMetaPageTokenSecret.data(), kMetaPageTokenSecret.size()),
               &secret);
  if (s.IsNotFound() || (s.ok() && secret.size() != kPageTokenSecretBytes)) {
    return absl::DataLossError(
        absl::StrCat("data directory ", options.path, ": page token secret is missing"));
  }
  if (!s.ok()) return FromRocks(s, absl::StrCat("read page token secret in ", options.path));
  db->page_token_secret_ = std::move(secret);
  return db;
}

Database::~Database() {
  if (db_ == nullptr) return;
  for (rocksdb::ColumnFamilyHandle*& h : families_) {
    if (h != nullptr) db_->DestroyColumnFamilyHandle(h);
    h = nullptr;
  }
  // Close() reports errors that the destructor would swallow anyway; it is
  // called so the lock is released before delete returns.
  db_->Close().PermitUncheckedError();
  delete db_;
  db_ = nullptr;
}

absl::Status Database::CompactAll() {
  rocksdb::FlushOptions flush;
  flush.wait = true;
  rocksdb::CompactRangeOptions compact;
  // Rewrite the bottom level too, so tombstoned values really leave the files.
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (int i = 0; i < kFamilyCount; ++i) {
    rocksdb::ColumnFamilyHandle* h = families_[i];
    absl::string_view name = FamilyName(static_cast<Family>(i));
    rocksdb::Status s = db_->Flush(flush, h);
    if (!s.ok()) return FromRocks(s, absl::StrCat("flush ", name));
    s = db_->CompactRange(compact, h, nullptr, nullptr);
    if (!s.ok()) return FromRocks(s, absl::StrCat("compact ", name));
  }
  return absl::OkStatus();
}

}  // namespace corridor::storage
