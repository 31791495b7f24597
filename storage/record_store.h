#ifndef CORRIDOR_STORAGE_RECORD_STORE_H_
#define CORRIDOR_STORAGE_RECORD_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "corridor/v1/audit_service.pb.h"
#include "google/protobuf/message.h"
#include "rocksdb/utilities/transaction.h"
#include "rocksdb/write_batch.h"
#include "storage/database.h"

namespace corridor::storage {

class AuditLog;

// One secondary-index entry of a record: (index name, value).
struct IndexEntry {
  std::string index;
  std::string value;
  friend bool operator==(const IndexEntry& a, const IndexEntry& b) {
    return a.index == b.index && a.value == b.value;
  }
};

// How one kind of record is stored: its column family and its indexes.
struct RecordKind {
  Family family = Family::kDefault;
  // The record's index entries. Null means no indexes.
  std::function<std::vector<IndexEntry>(const google::protobuf::Message&)> indexes;
  // The record's message type (its default instance), so Delete can read the
  // stored etag and index entries. RecordStore<T> sets it to
  // &T::default_instance() when null. Not owned.
  const google::protobuf::Message* prototype = nullptr;
  // For kinds holding personal data: the reply index (keys.h, "Erasure")
  // linking each record to the idempotency entries stored with it. Delete
  // then erases those replies and marks the record for a purge
  // (Database::PurgeNow) in its own transaction. Empty: no links.
  std::string reply_index;
};

// Identifies a request for idempotent replay.
struct Idempotency {
  // IdempotencyKey(principal, method, request_id).
  std::string key;
  // RequestFingerprint(request).
  std::string request_hash;
};

// SHA-256 of the request's deterministic serialisation (32 bytes).
std::string RequestFingerprint(const google::protobuf::Message& request);

// The deterministic serialisation of `m` (map entries sorted).
std::string SerializeDeterministically(const google::protobuf::Message& m);

// Sets `record`'s etag field to the etag that follows `previous` (empty for a
// new record: a random seed is used), as every RecordStore write does.
void SetNextEtag(absl::string_view previous, google::protobuf::Message& record);

// Reads the idempotency entry `key`: nullopt when absent, else the stored
// reply, or FAILED_PRECONDITION "request_id: already used with a different
// request" when it was stored for another request hash; DATA_LOSS when
// truncated. `value` is the raw stored entry.
absl::StatusOr<std::optional<std::string>> MatchIdempotencyEntry(absl::string_view value,
                                                                 absl::string_view request_hash);
// The stored form of an idempotency entry.
std::string IdempotencyEntry(absl::string_view request_hash, absl::string_view reply);

// Page sizes: 0 means kDefaultPageSize; 1..kMaxPageSize; anything else is
// INVALID_ARGUMENT naming page_size.
inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// A listing request, in record-id order.
struct ListQuery {
  // Binds page tokens: the collection, the caller and the canonical filter.
  // Required.
  std::string scope;
  // Only records holding this index entry. Optional.
  std::optional<IndexEntry> index;
  // Only record ids starting with this prefix (ignored when index is set).
  std::string id_prefix;
  // Extra condition each listed record must meet. Optional.
  std::function<bool(const google::protobuf::Message&)> predicate;
  int page_size = 0;
  std::string page_token;
};

// The untyped store; RecordStore<T> below is the interface to use.
// Every write runs in one RocksDB transaction with the record, its index
// entries and its idempotency entry, committed with the database's write
// options. Writers of one record serialise on its key lock; readers never
// block. Thread-safe.
class RecordStoreBase {
 public:
  // `db` must outlive this object.
  RecordStoreBase(Database& db, RecordKind kind);

  // NOT_FOUND when absent.
  absl::Status Get(absl::string_view id, google::protobuf::Message& out) const;

  // Writes a new record: sets etag, create_time and update_time. With `idem`,
  // stores the reply under its key in the same batch; a replay (same key and
  // hash) returns the stored reply without writing, the same key with another
  // hash is FAILED_PRECONDITION naming request_id. ALREADY_EXISTS when the id
  // is taken. `record` holds the reply on success.
  absl::Status Create(absl::string_view id, google::protobuf::Message& record,
                      const Idempotency* idem);

  // Atomically reads the record, checks `expected_etag` (when non-empty,
  // ABORTED if it differs), applies `mutate`, then writes it with a new etag
  // and update_time, keeping create_time. NOT_FOUND when absent; a non-OK
  // status from `mutate` is returned and nothing is written. `record` holds
  // the written record on success.
  absl::Status Mutate(absl::string_view id, absl::string_view expected_etag,
                      const std::function<absl::Status(google::protobuf::Message&)>& mutate,
                      google::protobuf::Message& record);

  // Deletes the record and its index entries. For a kind with a reply
  // index, also erases every idempotency reply stored with the record (a
  // replay is then FAILED_PRECONDITION) and marks it for a purge, which the
  // database runs within its purge_delay. NOT_FOUND, ABORTED (etag).
  absl::Status Delete(absl::string_view id, absl::string_view expected_etag);

  // Decides, under the record's lock, whether `incoming` may replace `stored`.
  using ReplaceCheck = std::function<absl::Status(const google::protobuf::Message& stored,
                                                  const google::protobuf::Message& incoming)>;

  // Creates or replaces each (id, record) in one transaction, with the same
  // etag and time rules as Create and Mutate. With `idem`, a replay returns
  // the stored reply and writes nothing; otherwise `reply` is stored (linked
  // to every record of the batch when the kind has a reply index) and
  // returned. When `may_replace` is set and refuses a replacement, nothing
  // of the batch is written and its status is returned.
  absl::StatusOr<std::string> UpsertBatch(
      std::vector<std::pair<std::string, google::protobuf::Message*>>& records,
      const Idempotency* idem, std::string reply, const ReplaceCheck& may_replace = nullptr);

  // Lists records in id order. `make` creates an empty message of the kind.
  // INVALID_ARGUMENT for page_size or page_token.
  absl::Status List(const ListQuery& query,
                    const std::function<google::protobuf::Message*()>& make,
                    std::vector<google::protobuf::Message*>& out,
                    std::string& next_page_token) const;

  // Whether any record holds this index entry.
  absl::StatusOr<bool> AnyWithIndex(const IndexEntry& entry) const;
  // Whether any record id starts with `prefix`.
  absl::StatusOr<bool> AnyWithIdPrefix(absl::string_view prefix) const;

  Database& database() const { return db_; }

  // Stages a write of `after` over `before` (null for a new record) into
  // `wb`: the record as given (etag and times already set) and its index
  // changes. For a writer that serialises this record's writes itself and
  // writes `wb` under its own lock (the quota ledger's committer); the
  // store's audit hook does not run.
  absl::Status StageWrite(rocksdb::WriteBatch& wb, absl::string_view id,
                          const google::protobuf::Message* before,
                          const google::protobuf::Message& after) const;

  // The events of one change: `before` is null for a create, `after` null for
  // a delete (both are the records as stored).
  // It runs under the log's append lock; an error vetoes the write.
  using AuditEventsFn = std::function<absl::StatusOr<std::vector<v1::AuditEvent>>(
      const google::protobuf::Message* before, const google::protobuf::Message* after)>;
  using AfterCommitFn = std::function<void(const google::protobuf::Message* before,
                                           const google::protobuf::Message* after)>;
  // Audits every later write of this store: the events of each change go
  // into `log` in the write's own transaction, and `after_commit` (optional)
  // runs for each change once the write is durable, under the log's append
  // lock. Call before the store is shared between threads; `log` must
  // outlive the store.
  void AuditWith(AuditLog* log, AuditEventsFn events, AfterCommitFn after_commit);

 private:
  using Change = std::pair<std::unique_ptr<google::protobuf::Message>,
                           std::unique_ptr<google::protobuf::Message>>;
  // Links `id` to the idempotency entry of `idem` (kinds with a reply index).
  absl::Status PutReplyLink(rocksdb::Transaction& txn, absl::string_view id,
                            const Idempotency* idem) const;
  // Replaces every idempotency entry linked to `id` with the erased marker,
  // deletes the links, and adds the purge marker (kinds with a reply index).
  absl::Status EraseReplies(rocksdb::Transaction& txn, absl::string_view id) const;
  // Commits `txn`, through the audit log when this store is audited.
  absl::Status CommitWrite(rocksdb::Transaction& txn, const std::vector<Change>& changes,
                           absl::string_view context);
  // A copy of `m` when this store is audited, else null.
  std::unique_ptr<google::protobuf::Message> AuditCopy(const google::protobuf::Message& m) const;

  Database& db_;
  RecordKind kind_;
  AuditLog* audit_log_ = nullptr;
  AuditEventsFn audit_events_;
  AfterCommitFn after_commit_;
};

// A page of records.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;
};

// A typed store for one kind of record T (a corridor.v1 resource message with
// name, etag, create_time and update_time fields). Thread-safe.
template <typename T>
class RecordStore {
 public:
  // `db` must outlive this object.
  RecordStore(Database& db, RecordKind kind) : base_(db, WithPrototype(std::move(kind))) {}

  absl::StatusOr<T> Get(absl::string_view id) const {
    T out;
    absl::Status s = base_.Get(id, out);
    if (!s.ok()) return s;
    return out;
  }

  absl::StatusOr<T> Create(absl::string_view id, T record,
                           const Idempotency* idem = nullptr) {
    absl::Status s = base_.Create(id, record, idem);
    if (!s.ok()) return s;
    return record;
  }

  absl::StatusOr<T> Mutate(absl::string_view id, absl::string_view expected_etag,
                           const std::function<absl::Status(T&)>& mutate) {
    T record;
    absl::Status s = base_.Mutate(
        id, expected_etag,
        [&mutate](google::protobuf::Message& m) { return mutate(static_cast<T&>(m)); },
        record);
    if (!s.ok()) return s;
    return record;
  }

  absl::Status Delete(absl::string_view id, absl::string_view expected_etag = "") {
    return base_.Delete(id, expected_etag);
  }

  absl::StatusOr<std::string> UpsertBatch(
      std::vector<std::pair<std::string, T>>& records, const Idempotency* idem,
      std::string reply,
      const std::function<absl::Status(const T& stored, const T& incoming)>& may_replace =
          nullptr) {
    std::vector<std::pair<std::string, google::protobuf::Message*>> untyped;
    untyped.reserve(records.size());
    for (auto& [id, record] : records) untyped.emplace_back(id, &record);
    RecordStoreBase::ReplaceCheck check;
    if (may_replace) {
      check = [&may_replace](const google::protobuf::Message& stored,
                             const google::protobuf::Message& incoming) {
        return may_replace(static_cast<const T&>(stored), static_cast<const T&>(incoming));
      };
    }
    return base_.UpsertBatch(untyped, idem, std::move(reply), check);
  }

  // See RecordStoreBase::AuditWith.
  void AuditWith(AuditLog* log, RecordStoreBase::AuditEventsFn events,
                 RecordStoreBase::AfterCommitFn after_commit) {
    base_.AuditWith(log, std::move(events), std::move(after_commit));
  }

  absl::StatusOr<Page<T>> List(const ListQuery& query) const {
    std::vector<google::protobuf::Message*> raw;
    Page<T> page;
    absl::Status s = base_.List(
        query, []() -> google::protobuf::Message* { return new T(); }, raw,
        page.next_page_token);
    page.items.reserve(raw.size());
    for (google::protobuf::Message* m : raw) {
      page.items.push_back(std::move(*static_cast<T*>(m)));
      delete m;
    }
    if (!s.ok()) return s;
    return page;
  }

  absl::StatusOr<bool> AnyWithIndex(const IndexEntry& entry) const {
    return base_.AnyWithIndex(entry);
  }
  absl::StatusOr<bool> AnyWithIdPrefix(absl::string_view prefix) const {
    return base_.AnyWithIdPrefix(prefix);
  }

  Database& database() const { return base_.database(); }

  // See RecordStoreBase::StageWrite.
  absl::Status StageWrite(rocksdb::WriteBatch& wb, absl::string_view id, const T* before,
                          const T& after) const {
    return base_.StageWrite(wb, id, before, after);
  }

 private:
  static RecordKind WithPrototype(RecordKind kind) {
    if (kind.prototype == nullptr) kind.prototype = &T::default_instance();
    return kind;
  }

  RecordStoreBase base_;
};

}  // namespace corridor::storage

#endif  // CORRIDOR_STORAGE_RECORD_STORE_H_
