#include "storage/database.h"

#include <sodium.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "rocksdb/iterator.h"
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

// The file number of a table ("000012.sst") or WAL ("000012.log") file name,
// with or without a leading "/"; false for any other name.
bool FileNumber(absl::string_view name, absl::string_view suffix, uint64_t& number) {
  absl::ConsumePrefix(&name, "/");
  if (!absl::ConsumeSuffix(&name, suffix) || name.empty()) return false;
  return std::all_of(name.begin(), name.end(), absl::ascii_isdigit) &&
         absl::SimpleAtoi(name, &number);
}

// Table and WAL files still in `dir` that are no longer part of the database.
// RocksDB deletes such a file once no reader pins it; an open iterator
// created before a compaction can keep one alive.
absl::StatusOr<std::vector<std::string>> ObsoleteFilesLeft(rocksdb::DB& db,
                                                           const std::string& dir) {
  // The directory first: a file created later is not looked at, and one
  // deleted later is skipped by the existence check at the end.
  std::vector<std::pair<std::string, bool>> on_disk;  // name, is a WAL
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    uint64_t number;
    if (FileNumber(name, ".sst", number)) on_disk.emplace_back(std::move(name), false);
    else if (FileNumber(name, ".log", number)) on_disk.emplace_back(std::move(name), true);
  }
  if (ec) return absl::InternalError(absl::StrCat("list ", dir, ": ", ec.message()));

  std::vector<std::string> live_files;
  uint64_t manifest_size = 0;
  rocksdb::Status s = db.GetLiveFiles(live_files, &manifest_size, /*flush_memtable=*/false);
  if (!s.ok()) return FromRocks(s, "list live files");
  std::set<uint64_t> live_tables;
  for (const std::string& f : live_files) {
    uint64_t number;
    if (FileNumber(f, ".sst", number)) live_tables.insert(number);
  }
  uint64_t min_wal = 0;
  if (!db.GetIntProperty(rocksdb::DB::Properties::kMinLogNumberToKeep, &min_wal)) {
    return absl::InternalError("read rocksdb.min-log-number-to-keep");
  }

  std::vector<std::string> obsolete;
  for (const auto& [name, is_wal] : on_disk) {
    uint64_t number = 0;
    FileNumber(name, is_wal ? ".log" : ".sst", number);
    const bool live = is_wal ? number >= min_wal : live_tables.count(number) != 0;
    if (!live && std::filesystem::exists(std::filesystem::path(dir) / name, ec)) {
      obsolete.push_back(name);
    }
  }
  return obsolete;
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
  // Bounds what an open replays: past this, RocksDB flushes the column
  // families that keep the oldest WAL alive. Without it a family written
  // rarely (reference data, the audit log's metadata) kept every WAL of a
  // million-candidate import, about 600 MB, and an open took 5 s to replay them.
  db_options.max_total_wal_size = 128ull << 20;

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
  db->flush_on_close_ = options.flush_on_close;
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
    return StartPurging(std::move(db), options.purge_delay);
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
  return StartPurging(std::move(db), options.purge_delay);
}

absl::StatusOr<std::unique_ptr<Database>> Database::StartPurging(std::unique_ptr<Database> db,
                                                                 absl::Duration delay) {
  if (delay == absl::InfiniteDuration()) return db;
  db->purge_delay_ = std::max(delay, absl::ZeroDuration());
  Database* raw = db.get();
  db->purge_thread_ = std::thread([raw] { raw->PurgeLoop(); });
  // Erasures that an earlier run committed but did not purge (it stopped or
  // crashed first) are purged now.
  std::unique_ptr<rocksdb::Iterator> it(
      db->db_->NewIterator(rocksdb::ReadOptions(), db->family(Family::kMeta)));
  it->Seek(rocksdb::Slice(kMetaPurgePendingPrefix.data(), kMetaPurgePendingPrefix.size()));
  const bool pending = it->Valid() && it->key().starts_with(rocksdb::Slice(
                                          kMetaPurgePendingPrefix.data(),
                                          kMetaPurgePendingPrefix.size()));
  CORRIDOR_RETURN_IF_ERROR(FromRocks(it->status(), "scan purge markers"));
  it.reset();
  if (pending) db->SchedulePurge();
  return db;
}

Database::~Database() {
  if (purge_thread_.joinable()) {
    {
      absl::MutexLock lock(&purge_mu_);
      stopping_ = true;
      purge_cv_.Signal();
    }
    // A purge in progress stops at its next compaction step; its markers
    // stay, so the next open purges again.
    if (db_ != nullptr) db_->DisableManualCompaction();
    purge_thread_.join();
  }
  if (db_ == nullptr) return;
  // A clean close leaves nothing for the next open to replay (the WAL stays
  // the crash path). Best effort: a failed flush leaves the WAL, which is
  // still replayed correctly.
  if (flush_on_close_) FlushAll().PermitUncheckedError();
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

rocksdb::Status Database::FlushAll() {
  // A flush with nothing to write records no new minimum WAL number, and a
  // TransactionDB runs RocksDB in 2PC mode, where a WAL recovered at open
  // then stays "needed" until some later flush: write a marker so the flush
  // below always writes a table.
  rocksdb::Status s = db_->Put(
      write_options_, family(Family::kMeta),
      rocksdb::Slice(kMetaFlushMarker.data(), kMetaFlushMarker.size()), rocksdb::Slice("1", 1));
  if (!s.ok()) return s;
  std::vector<rocksdb::ColumnFamilyHandle*> all;
  for (rocksdb::ColumnFamilyHandle* h : families_) {
    if (h != nullptr) all.push_back(h);
  }
  rocksdb::FlushOptions flush;
  flush.wait = true;
  flush.allow_write_stall = true;
  return db_->Flush(flush, all);
}

absl::Status Database::Purge(const std::vector<Family>& families) {
  // Compaction keeps every version a live snapshot can see, so a snapshot
  // older than the erasures this purge is for would keep their values.
  const rocksdb::SequenceNumber start = db_->GetLatestSequenceNumber();
  uint64_t oldest_snapshot = 0;
  if (!db_->GetIntProperty(rocksdb::DB::Properties::kOldestSnapshotSequence,
                           &oldest_snapshot)) {
    return absl::InternalError("purge: read rocksdb.oldest-snapshot-sequence");
  }

  rocksdb::Status s = FlushAll();
  if (!s.ok()) return FromRocks(s, "purge: flush");
  rocksdb::CompactRangeOptions compact;
  // Rewrite the bottommost level too: a tombstone only drops the value it
  // covers once both meet in one compaction.
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  // Let background compactions go on meanwhile (no write stall).
  compact.exclusive_manual_compaction = false;
  for (Family f : families) {
    s = db_->CompactRange(compact, family(f), nullptr, nullptr);
    if (!s.ok()) return FromRocks(s, absl::StrCat("purge: compact ", FamilyName(f)));
  }
  // Re-enabling deletions scans the directory and deletes obsolete files in
  // this thread. Not forced: while a backup has deletions disabled, its files
  // stay (and the check below asks for a retry).
  s = db_->DisableFileDeletions();
  if (s.ok()) s = db_->EnableFileDeletions(/*force=*/false);
  if (!s.ok()) return FromRocks(s, "purge: delete obsolete files");

  if (oldest_snapshot != 0 && oldest_snapshot < start) {
    return absl::UnavailableError(
        "purge: a snapshot older than the purge was held; old values may remain, retry");
  }
  CORRIDOR_ASSIGN_OR_RETURN(std::vector<std::string> left, ObsoleteFilesLeft(*db_, path_));
  if (!left.empty()) {
    return absl::UnavailableError(absl::StrCat("purge: ", left.size(),
                                               " obsolete files are still in use (", left[0],
                                               "...); retry"));
  }
  return absl::OkStatus();
}

absl::Status Database::CompactAll() {
  std::vector<Family> all;
  for (int i = 0; i < kFamilyCount; ++i) all.push_back(static_cast<Family>(i));
  return Purge(all);
}

absl::Status Database::PurgeNow() {
  absl::MutexLock run(&purge_run_mu_);
  rocksdb::ColumnFamilyHandle* meta = family(Family::kMeta);
  const rocksdb::Slice prefix(kMetaPurgePendingPrefix.data(), kMetaPurgePendingPrefix.size());
  std::vector<std::string> markers;
  std::set<Family> families = {Family::kIndexes, Family::kIdempotency};
  {
    // Scoped: an open iterator would pin the very files the purge replaces.
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), meta));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      markers.push_back(it->key().ToString());
      Family f;
      std::string record_id;
      if (ParsePurgePendingKey(markers.back(), f, record_id)) {
        families.insert(f);
      } else {
        // A marker this build cannot read: purge everything to be safe.
        for (int i = 0; i < kFamilyCount; ++i) families.insert(static_cast<Family>(i));
      }
    }
    CORRIDOR_RETURN_IF_ERROR(FromRocks(it->status(), "scan purge markers"));
  }
  if (markers.empty()) return absl::OkStatus();
  CORRIDOR_RETURN_IF_ERROR(Purge(std::vector<Family>(families.begin(), families.end())));
  rocksdb::WriteBatch batch;
  for (const std::string& m : markers) {
    CORRIDOR_RETURN_IF_ERROR(FromRocks(batch.Delete(meta, m), "stage purge marker"));
  }
  rocksdb::WriteOptions sync_write;
  sync_write.sync = true;
  return FromRocks(db_->Write(sync_write, &batch), "delete purge markers");
}

void Database::SchedulePurge() {
  if (purge_delay_ == absl::InfiniteDuration()) return;
  absl::MutexLock lock(&purge_mu_);
  const absl::Time due = absl::Now() + purge_delay_;
  if (due < purge_due_) {
    purge_due_ = due;
    purge_cv_.Signal();
  }
}

void Database::PurgeLoop() {
  absl::MutexLock lock(&purge_mu_);
  while (!stopping_) {
    if (absl::Now() < purge_due_) {
      purge_cv_.WaitWithDeadline(&purge_mu_, purge_due_);
      continue;
    }
    purge_due_ = absl::InfiniteFuture();
    purge_mu_.Unlock();
    absl::Status s = PurgeNow();
    purge_mu_.Lock();
    if (!s.ok() && !stopping_) {
      // Never personal data here: keys hold ids only, and values are not logged.
      std::cerr << "corridor: purge after erasure failed, will retry: " << s << std::endl;
      purge_due_ = std::min(purge_due_, absl::Now() + std::max(purge_delay_, absl::Seconds(1)));
    }
  }
}

}  // namespace corridor::storage
