#include "storage/record_store.h"

#include "storage/audit_log.h"

#include <sodium.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/timestamp.pb.h"
#include "rocksdb/iterator.h"
#include "rocksdb/snapshot.h"
#include "rocksdb/utilities/transaction.h"
#include "storage/keys.h"
#include "storage/page_token.h"

namespace corridor::storage {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr absl::string_view kEtagField = "etag";
constexpr absl::string_view kCreateTimeField = "create_time";
constexpr absl::string_view kUpdateTimeField = "update_time";
constexpr size_t kRequestHashBytes = crypto_hash_sha256_BYTES;
// Hex characters of an etag (the first 8 bytes of its SHA-256).
constexpr size_t kEtagBytes = 8;
// A listing reads at most this many records for one page; with a selective
// predicate it then returns a short page whose token resumes the scan.
constexpr int kMaxScannedPerPage = 10000;
// Record ids fetched per MultiGet when listing through an index.
constexpr size_t kIndexFetchBatch = 64;

void EnsureSodium() {
  static const bool initialised = sodium_init() >= 0;
  (void)initialised;
}

rocksdb::Slice ToSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

bool StartsWith(const rocksdb::Slice& s, absl::string_view prefix) {
  return absl::StartsWith(absl::string_view(s.data(), s.size()), prefix);
}

// The singular field `name` of type `type`, or null when the message has none.
const FieldDescriptor* FindField(const Message& m, absl::string_view name,
                                 FieldDescriptor::CppType type) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(std::string(name));
  if (f == nullptr || f->is_repeated() || f->cpp_type() != type) return nullptr;
  return f;
}

std::string GetEtag(const Message& m) {
  const FieldDescriptor* f = FindField(m, kEtagField, FieldDescriptor::CPPTYPE_STRING);
  if (f == nullptr) return "";
  return m.GetReflection()->GetString(m, f);
}

void SetEtag(Message& m, std::string etag) {
  const FieldDescriptor* f = FindField(m, kEtagField, FieldDescriptor::CPPTYPE_STRING);
  if (f == nullptr) return;
  m.GetReflection()->SetString(&m, f, std::move(etag));
}

void SetTime(Message& m, absl::string_view field, absl::Time t) {
  const FieldDescriptor* f = FindField(m, field, FieldDescriptor::CPPTYPE_MESSAGE);
  if (f == nullptr) return;
  auto* ts = google::protobuf::DynamicCastToGenerated<google::protobuf::Timestamp>(
      m.GetReflection()->MutableMessage(&m, f));
  if (ts == nullptr) return;
  int64_t seconds = absl::ToUnixSeconds(t);  // rounds toward the past
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
}

// A copy of the message field `field`, or null when it is unset or absent.
std::unique_ptr<Message> CopyMessageField(const Message& m, absl::string_view field) {
  const FieldDescriptor* f = FindField(m, field, FieldDescriptor::CPPTYPE_MESSAGE);
  if (f == nullptr || !m.GetReflection()->HasField(m, f)) return nullptr;
  const Message& value = m.GetReflection()->GetMessage(m, f);
  std::unique_ptr<Message> copy(value.New());
  copy->CopyFrom(value);
  return copy;
}

void RestoreMessageField(Message& m, absl::string_view field, const Message* value) {
  const FieldDescriptor* f = FindField(m, field, FieldDescriptor::CPPTYPE_MESSAGE);
  if (f == nullptr) return;
  if (value == nullptr) {
    m.GetReflection()->ClearField(&m, f);
  } else {
    m.GetReflection()->MutableMessage(&m, f)->CopyFrom(*value);
  }
}

std::string SerializeDeterministic(const Message& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    m.SerializePartialToCodedStream(&coded);
  }
  return out;
}

// Etag chaining: the previous etag is hashed in, so a record written back to
// an earlier content still gets a new etag (no ABA). Creates chain from a
// random seed, so a deleted and re-created record does not repeat one either.
std::string ComputeEtag(absl::string_view previous, Message& record) {
  SetEtag(record, "");
  std::string bytes = SerializeDeterministic(record);
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(previous.data()),
                            previous.size());
  const unsigned char separator = 0;
  crypto_hash_sha256_update(&state, &separator, 1);
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(bytes.data()),
                            bytes.size());
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), kEtagBytes));
}

std::string RandomEtagSeed() {
  EnsureSodium();
  char seed[16];
  randombytes_buf(seed, sizeof(seed));
  return absl::BytesToHexString(absl::string_view(seed, sizeof(seed)));
}

// The index keys of `record`, deduplicated; entries with an empty value are skipped.
std::set<std::string> IndexKeys(const RecordKind& kind, const Message& record,
                                absl::string_view id) {
  std::set<std::string> keys;
  if (!kind.indexes) return keys;
  for (const IndexEntry& e : kind.indexes(record)) {
    if (e.index.empty() || e.value.empty()) continue;
    keys.insert(IndexKey(e.index, e.value, id));
  }
  return keys;
}

absl::Status WriteIndexChanges(rocksdb::Transaction& txn, rocksdb::ColumnFamilyHandle* cf,
                               const std::set<std::string>& old_keys,
                               const std::set<std::string>& new_keys) {
  for (const std::string& k : old_keys) {
    if (new_keys.count(k) != 0) continue;
    CORRIDOR_RETURN_IF_ERROR(FromRocks(txn.Delete(cf, k), "delete index entry"));
  }
  for (const std::string& k : new_keys) {
    if (old_keys.count(k) != 0) continue;
    CORRIDOR_RETURN_IF_ERROR(FromRocks(txn.Put(cf, k, rocksdb::Slice()), "put index entry"));
  }
  return absl::OkStatus();
}

std::unique_ptr<rocksdb::Transaction> Begin(Database& db) {
  rocksdb::TransactionOptions options;
  // Batches lock several records; a cycle is reported (ABORTED) at once
  // instead of after the lock timeout.
  options.deadlock_detect = true;
  return std::unique_ptr<rocksdb::Transaction>(
      db.db()->BeginTransaction(db.write_options(), options));
}

// Reads `key` holding its exclusive lock until the transaction ends; nullopt
// when absent.
absl::StatusOr<std::optional<std::string>> LockedRead(rocksdb::Transaction& txn,
                                                      rocksdb::ColumnFamilyHandle* cf,
                                                      absl::string_view key,
                                                      absl::string_view context) {
  std::string value;
  rocksdb::Status s = txn.GetForUpdate(rocksdb::ReadOptions(), cf, ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, context);
  return std::optional<std::string>(std::move(value));
}

absl::Status ValidateIdempotency(const Idempotency* idem) {
  if (idem == nullptr) return absl::OkStatus();
  if (idem->key.empty() || idem->request_hash.size() != kRequestHashBytes) {
    return absl::InternalError("idempotency: key and a 32-byte request hash are required");
  }
  return absl::OkStatus();
}

// Locks the idempotency key of `idem` (if any) and returns the stored reply
// of an earlier identical request, or nullopt when the request is new.
absl::StatusOr<std::optional<std::string>> CheckIdempotency(rocksdb::Transaction& txn,
                                                            Database& db,
                                                            const Idempotency* idem) {
  if (idem == nullptr) return std::optional<std::string>();
  CORRIDOR_ASSIGN_OR_RETURN(
      std::optional<std::string> stored,
      LockedRead(txn, db.family(Family::kIdempotency), idem->key, "read idempotency record"));
  if (!stored) return stored;
  CORRIDOR_ASSIGN_OR_RETURN(std::optional<std::string> reply,
                            MatchIdempotencyEntry(*stored, idem->request_hash));
  return reply;
}

absl::Status PutIdempotency(rocksdb::Transaction& txn, Database& db, const Idempotency* idem,
                            absl::string_view reply) {
  if (idem == nullptr) return absl::OkStatus();
  std::string value = absl::StrCat(idem->request_hash, reply);
  return FromRocks(txn.Put(db.family(Family::kIdempotency), ToSlice(idem->key), value),
                   "put idempotency record");
}

// One listed record: its id and serialised value.
struct Entry {
  std::string id;
  std::string value;
};

// Yields records in id order, strictly after a resume key.
class Cursor {
 public:
  virtual ~Cursor() = default;
  // The next record, or nullopt at the end.
  virtual absl::StatusOr<std::optional<Entry>> Next() = 0;
};

// Records whose id starts with a prefix, straight from the record family.
class PrefixCursor : public Cursor {
 public:
  PrefixCursor(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
               const rocksdb::ReadOptions& read, std::string prefix,
               const std::optional<std::string>& after)
      : it_(db->NewIterator(read, cf)), prefix_(std::move(prefix)) {
    std::string start = prefix_;
    if (after && *after > start) start = *after;
    it_->Seek(start);
    if (after && it_->Valid() && it_->key() == ToSlice(*after)) it_->Next();
  }

  absl::StatusOr<std::optional<Entry>> Next() override {
    if (!it_->Valid() || !StartsWith(it_->key(), prefix_)) {
      CORRIDOR_RETURN_IF_ERROR(FromRocks(it_->status(), "scan records"));
      return std::optional<Entry>();
    }
    Entry e{it_->key().ToString(), it_->value().ToString()};
    it_->Next();
    return std::optional<Entry>(std::move(e));
  }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
  std::string prefix_;
};

// Records holding one index entry: walks the index, fetches in batches.
class IndexCursor : public Cursor {
 public:
  IndexCursor(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* index_cf,
              rocksdb::ColumnFamilyHandle* record_cf, const rocksdb::ReadOptions& read,
              std::string prefix, const std::optional<std::string>& after)
      : db_(db),
        record_cf_(record_cf),
        read_(read),
        it_(db->NewIterator(read, index_cf)),
        prefix_(std::move(prefix)) {
    if (after) {
      std::string start = absl::StrCat(prefix_, *after);
      it_->Seek(start);
      if (it_->Valid() && it_->key() == ToSlice(start)) it_->Next();
    } else {
      it_->Seek(prefix_);
    }
  }

  absl::StatusOr<std::optional<Entry>> Next() override {
    while (buffer_.empty()) {
      std::vector<std::string> ids;
      while (ids.size() < kIndexFetchBatch && it_->Valid() && StartsWith(it_->key(), prefix_)) {
        ids.emplace_back(it_->key().data() + prefix_.size(),
                         it_->key().size() - prefix_.size());
        it_->Next();
      }
      if (ids.empty()) {
        CORRIDOR_RETURN_IF_ERROR(FromRocks(it_->status(), "scan index"));
        return std::optional<Entry>();
      }
      std::vector<rocksdb::Slice> keys;
      keys.reserve(ids.size());
      for (const std::string& id : ids) keys.push_back(ToSlice(id));
      std::vector<std::string> values;
      std::vector<rocksdb::ColumnFamilyHandle*> cfs(ids.size(), record_cf_);
      std::vector<rocksdb::Status> statuses = db_->MultiGet(read_, cfs, keys, &values);
      for (size_t i = 0; i < ids.size(); ++i) {
        // Index entries are written with their record, so under one snapshot
        // a missing record cannot happen; if it ever does, it is not listed.
        if (statuses[i].IsNotFound()) continue;
        CORRIDOR_RETURN_IF_ERROR(FromRocks(statuses[i], "read indexed record"));
        buffer_.push_back(Entry{std::move(ids[i]), std::move(values[i])});
      }
    }
    Entry e = std::move(buffer_.front());
    buffer_.pop_front();
    return std::optional<Entry>(std::move(e));
  }

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* record_cf_;
  rocksdb::ReadOptions read_;
  std::unique_ptr<rocksdb::Iterator> it_;
  std::string prefix_;
  std::deque<Entry> buffer_;
};

absl::StatusOr<bool> AnyWithPrefix(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                   absl::string_view prefix) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  it->Seek(ToSlice(prefix));
  if (it->Valid() && StartsWith(it->key(), prefix)) return true;
  CORRIDOR_RETURN_IF_ERROR(FromRocks(it->status(), "scan"));
  return false;
}

}  // namespace

std::string RequestFingerprint(const google::protobuf::Message& request) {
  std::string bytes = SerializeDeterministic(request);
  const std::string& type = request.GetDescriptor()->full_name();
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(type.data()),
                            type.size());
  const unsigned char separator = 0;
  crypto_hash_sha256_update(&state, &separator, 1);
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(bytes.data()),
                            bytes.size());
  std::string digest(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256_final(&state, reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

RecordStoreBase::RecordStoreBase(Database& db, RecordKind kind)
    : db_(db), kind_(std::move(kind)) {}

std::string SerializeDeterministically(const google::protobuf::Message& m) {
  return SerializeDeterministic(m);
}

void SetNextEtag(absl::string_view previous, google::protobuf::Message& record) {
  SetEtag(record, ComputeEtag(previous.empty() ? RandomEtagSeed() : std::string(previous), record));
}

absl::StatusOr<std::optional<std::string>> MatchIdempotencyEntry(absl::string_view value,
                                                                 absl::string_view request_hash) {
  if (value == kErasedIdempotencyRecord) {
    // Re-executing would bring erased personal data back.
    return absl::FailedPreconditionError(
        "request_id: the result of this request was erased; a new request needs a new "
        "request_id");
  }
  if (value.size() < kRequestHashBytes) {
    return absl::DataLossError("idempotency record is truncated");
  }
  if (value.substr(0, kRequestHashBytes) != request_hash) {
    return absl::FailedPreconditionError("request_id: already used with a different request");
  }
  return std::optional<std::string>(std::string(value.substr(kRequestHashBytes)));
}

std::string IdempotencyEntry(absl::string_view request_hash, absl::string_view reply) {
  return absl::StrCat(request_hash, reply);
}

absl::Status RecordStoreBase::Get(absl::string_view id, google::protobuf::Message& out) const {
  std::string value;
  rocksdb::Status s =
      db_.db()->Get(rocksdb::ReadOptions(), db_.family(kind_.family), ToSlice(id), &value);
  if (s.IsNotFound() || id.empty()) {
    return absl::NotFoundError(absl::StrCat(FamilyName(kind_.family), " ", id, ": not found"));
  }
  CORRIDOR_RETURN_IF_ERROR(FromRocks(s, absl::StrCat("get ", FamilyName(kind_.family))));
  if (!out.ParseFromString(value)) {
    return absl::DataLossError(
        absl::StrCat(FamilyName(kind_.family), " ", id, ": stored record does not parse"));
  }
  return absl::OkStatus();
}

absl::Status RecordStoreBase::Create(absl::string_view id, google::protobuf::Message& record,
                                     const Idempotency* idem) {
  if (id.empty()) return absl::InvalidArgumentError("id: required");
  CORRIDOR_RETURN_IF_ERROR(ValidateIdempotency(idem));
  const absl::string_view family_name = FamilyName(kind_.family);
  rocksdb::ColumnFamilyHandle* cf = db_.family(kind_.family);
  std::unique_ptr<rocksdb::Transaction> txn = Begin(db_);

  CORRIDOR_ASSIGN_OR_RETURN(std::optional<std::string> replay,
                            CheckIdempotency(*txn, db_, idem));
  if (replay) {
    if (!record.ParseFromString(*replay)) {
      return absl::DataLossError("stored reply of the idempotent request does not parse");
    }
    return absl::OkStatus();
  }
  CORRIDOR_ASSIGN_OR_RETURN(std::optional<std::string> existing,
                            LockedRead(*txn, cf, id, absl::StrCat("read ", family_name)));
  if (existing) {
    return absl::AlreadyExistsError(absl::StrCat(family_name, " ", id, ": already exists"));
  }

  const absl::Time now = db_.clock().Now();
  SetTime(record, kCreateTimeField, now);
  SetTime(record, kUpdateTimeField, now);
  SetEtag(record, ComputeEtag(RandomEtagSeed(), record));
  const std::string value = SerializeDeterministic(record);

  CORRIDOR_RETURN_IF_ERROR(WriteIndexChanges(*txn, db_.family(Family::kIndexes), {},
                                             IndexKeys(kind_, record, id)));
  CORRIDOR_RETURN_IF_ERROR(
      FromRocks(txn->Put(cf, ToSlice(id), value), absl::StrCat("put ", family_name)));
  CORRIDOR_RETURN_IF_ERROR(PutIdempotency(*txn, db_, idem, value));
  CORRIDOR_RETURN_IF_ERROR(PutReplyLink(*txn, id, idem));
  std::vector<Change> changes;
  changes.emplace_back(nullptr, AuditCopy(record));
  return CommitWrite(*txn, changes, absl::StrCat("create ", family_name, " ", id));
}

absl::Status RecordStoreBase::Mutate(
    absl::string_view id, absl::string_view expected_etag,
    const std::function<absl::Status(google::protobuf::Message&)>& mutate,
    google::protobuf::Message& record) {
  const absl::string_view family_name = FamilyName(kind_.family);
  rocksdb::ColumnFamilyHandle* cf = db_.family(kind_.family);
  std::unique_ptr<rocksdb::Transaction> txn = Begin(db_);

  CORRIDOR_ASSIGN_OR_RETURN(std::optional<std::string> existing,
                            LockedRead(*txn, cf, id, absl::StrCat("read ", family_name)));
  if (!existing || id.empty()) {
    return absl::NotFoundError(absl::StrCat(family_name, " ", id, ": not found"));
  }
  if (!record.ParseFromString(*existing)) {
    return absl::DataLossError(
        absl::StrCat(family_name, " ", id, ": stored record does not parse"));
  }
  const std::string old_etag = GetEtag(record);
  if (!expected_etag.empty() && expected_etag != old_etag) {
    return absl::AbortedError("etag: the resource changed since it was read");
  }
  const std::set<std::string> old_keys = IndexKeys(kind_, record, id);
  const std::unique_ptr<Message> create_time = CopyMessageField(record, kCreateTimeField);
  std::unique_ptr<Message> before = AuditCopy(record);

  CORRIDOR_RETURN_IF_ERROR(mutate(record));

  RestoreMessageField(record, kCreateTimeField, create_time.get());
  SetTime(record, kUpdateTimeField, db_.clock().Now());
  SetEtag(record, ComputeEtag(old_etag, record));
  const std::string value = SerializeDeterministic(record);

  CORRIDOR_RETURN_IF_ERROR(WriteIndexChanges(*txn, db_.family(Family::kIndexes), old_keys,
                                             IndexKeys(kind_, record, id)));
  CORRIDOR_RETURN_IF_ERROR(
      FromRocks(txn->Put(cf, ToSlice(id), value), absl::StrCat("put ", family_name)));
  std::vector<Change> changes;
  changes.emplace_back(std::move(before), AuditCopy(record));
  return CommitWrite(*txn, changes, absl::StrCat("update ", family_name, " ", id));
}

absl::Status RecordStoreBase::Delete(absl::string_view id, absl::string_view expected_etag) {
  const absl::string_view family_name = FamilyName(kind_.family);
  rocksdb::ColumnFamilyHandle* cf = db_.family(kind_.family);
  if (kind_.prototype == nullptr) {
    return absl::InternalError(
        absl::StrCat("delete ", family_name, ": the record kind has no prototype"));
  }
  std::unique_ptr<rocksdb::Transaction> txn = Begin(db_);

  CORRIDOR_ASSIGN_OR_RETURN(std::optional<std::string> existing,
                            LockedRead(*txn, cf, id, absl::StrCat("read ", family_name)));
  if (!existing || id.empty()) {
    return absl::NotFoundError(absl::StrCat(family_name, " ", id, ": not found"));
  }
  std::unique_ptr<Message> old(kind_.prototype->New());
  if (!old->ParseFromString(*existing)) {
    return absl::DataLossError(
        absl::StrCat(family_name, " ", id, ": stored record does not parse"));
  }
  if (!expected_etag.empty() && expected_etag != GetEtag(*old)) {
    return absl::AbortedError("etag: the resource changed since it was read");
  }
  CORRIDOR_RETURN_IF_ERROR(WriteIndexChanges(*txn, db_.family(Family::kIndexes),
                                             IndexKeys(kind_, *old, id), {}));
  CORRIDOR_RETURN_IF_ERROR(
      FromRocks(txn->Delete(cf, ToSlice(id)), absl::StrCat("delete ", family_name)));
  CORRIDOR_RETURN_IF_ERROR(EraseReplies(*txn, id));
  std::vector<Change> changes;
  changes.emplace_back(AuditCopy(*old), nullptr);
  CORRIDOR_RETURN_IF_ERROR(
      CommitWrite(*txn, changes, absl::StrCat("delete ", family_name, " ", id)));
  if (!kind_.reply_index.empty()) db_.SchedulePurge();
  return absl::OkStatus();
}

absl::Status RecordStoreBase::PutReplyLink(rocksdb::Transaction& txn, absl::string_view id,
                                           const Idempotency* idem) const {
  if (idem == nullptr || kind_.reply_index.empty()) return absl::OkStatus();
  return FromRocks(txn.Put(db_.family(Family::kIndexes),
                           ReplyLinkKey(kind_.reply_index, id, idem->key), rocksdb::Slice()),
                   "put reply link");
}

absl::Status RecordStoreBase::EraseReplies(rocksdb::Transaction& txn, absl::string_view id) const {
  if (kind_.reply_index.empty()) return absl::OkStatus();
  rocksdb::ColumnFamilyHandle* index_cf = db_.family(Family::kIndexes);
  const std::string prefix = ReplyLinkPrefix(kind_.reply_index, id);
  // Links of `id` are written only by transactions holding its record lock,
  // which this one holds: the committed state is complete.
  std::unique_ptr<rocksdb::Iterator> it(db_.db()->NewIterator(rocksdb::ReadOptions(), index_cf));
  for (it->Seek(prefix); it->Valid() && StartsWith(it->key(), prefix); it->Next()) {
    const rocksdb::Slice idem_key(it->key().data() + prefix.size(),
                                  it->key().size() - prefix.size());
    CORRIDOR_RETURN_IF_ERROR(
        FromRocks(txn.Put(db_.family(Family::kIdempotency), idem_key,
                          ToSlice(kErasedIdempotencyRecord)),
                  "erase idempotency reply"));
    CORRIDOR_RETURN_IF_ERROR(FromRocks(txn.Delete(index_cf, it->key()), "delete reply link"));
  }
  CORRIDOR_RETURN_IF_ERROR(FromRocks(it->status(), "scan reply links"));
  return FromRocks(txn.Put(db_.family(Family::kMeta), PurgePendingKey(kind_.family, id),
                           rocksdb::Slice()),
                   "put purge marker");
}

absl::StatusOr<std::string> RecordStoreBase::UpsertBatch(
    std::vector<std::pair<std::string, google::protobuf::Message*>>& records,
    const Idempotency* idem, std::string reply, const ReplaceCheck& may_replace) {
  CORRIDOR_RETURN_IF_ERROR(ValidateIdempotency(idem));
  for (const auto& [id, record] : records) {
    if (id.empty()) return absl::InvalidArgumentError("id: required");
    if (record == nullptr) return absl::InternalError("upsert: null record");
  }
  const absl::string_view family_name = FamilyName(kind_.family);
  rocksdb::ColumnFamilyHandle* cf = db_.family(kind_.family);
  rocksdb::ColumnFamilyHandle* index_cf = db_.family(Family::kIndexes);
  std::unique_ptr<rocksdb::Transaction> txn = Begin(db_);

  CORRIDOR_ASSIGN_OR_RETURN(std::optional<std::string> replay,
                            CheckIdempotency(*txn, db_, idem));
  if (replay) return std::move(*replay);

  // Lock every record in id order, so two batches never wait on each other
  // in a cycle. `current` then tracks each id's value as the batch proceeds
  // (an id may appear twice; the later entry replaces the earlier one).
  std::map<std::string, std::optional<std::string>> current;
  for (const auto& entry : records) current.emplace(entry.first, std::nullopt);
  for (auto& [id, value] : current) {
    CORRIDOR_ASSIGN_OR_RETURN(value, LockedRead(*txn, cf, id, absl::StrCat("read ", family_name)));
  }

  const absl::Time now = db_.clock().Now();
  std::vector<Change> changes;
  for (auto& [id, record] : records) {
    std::optional<std::string>& stored = current[id];
    std::string previous_etag;
    std::set<std::string> old_keys;
    std::unique_ptr<Message> before;
    if (stored) {
      std::unique_ptr<Message> old(record->New());
      if (!old->ParseFromString(*stored)) {
        return absl::DataLossError(
            absl::StrCat(family_name, " ", id, ": stored record does not parse"));
      }
      if (may_replace) CORRIDOR_RETURN_IF_ERROR(may_replace(*old, *record));
      before = AuditCopy(*old);
      previous_etag = GetEtag(*old);
      old_keys = IndexKeys(kind_, *old, id);
      std::unique_ptr<Message> create_time = CopyMessageField(*old, kCreateTimeField);
      RestoreMessageField(*record, kCreateTimeField, create_time.get());
    } else {
      previous_etag = RandomEtagSeed();
      SetTime(*record, kCreateTimeField, now);
    }
    SetTime(*record, kUpdateTimeField, now);
    SetEtag(*record, ComputeEtag(previous_etag, *record));
    std::string value = SerializeDeterministic(*record);
    CORRIDOR_RETURN_IF_ERROR(
        WriteIndexChanges(*txn, index_cf, old_keys, IndexKeys(kind_, *record, id)));
    CORRIDOR_RETURN_IF_ERROR(
        FromRocks(txn->Put(cf, ToSlice(id), value), absl::StrCat("put ", family_name)));
    stored = std::move(value);
    changes.emplace_back(std::move(before), AuditCopy(*record));
  }
  CORRIDOR_RETURN_IF_ERROR(PutIdempotency(*txn, db_, idem, reply));
  for (const auto& [id, value] : current) {
    CORRIDOR_RETURN_IF_ERROR(PutReplyLink(*txn, id, idem));
  }
  CORRIDOR_RETURN_IF_ERROR(
      CommitWrite(*txn, changes, absl::StrCat("upsert batch of ", family_name)));
  return reply;
}

void RecordStoreBase::AuditWith(AuditLog* log, AuditEventsFn events,
                                AfterCommitFn after_commit) {
  audit_log_ = log;
  audit_events_ = std::move(events);
  after_commit_ = std::move(after_commit);
}

std::unique_ptr<Message> RecordStoreBase::AuditCopy(const Message& m) const {
  if (audit_log_ == nullptr) return nullptr;
  std::unique_ptr<Message> copy(m.New());
  copy->CopyFrom(m);
  return copy;
}

absl::Status RecordStoreBase::CommitWrite(rocksdb::Transaction& txn,
                                          const std::vector<Change>& changes,
                                          absl::string_view context) {
  if (audit_log_ == nullptr) return FromRocks(txn.Commit(), context);
  auto make_events = [&]() -> absl::StatusOr<std::vector<v1::AuditEvent>> {
    std::vector<v1::AuditEvent> events;
    for (const auto& [before, after] : changes) {
      CORRIDOR_ASSIGN_OR_RETURN(std::vector<v1::AuditEvent> more,
                                audit_events_(before.get(), after.get()));
      for (v1::AuditEvent& e : more) events.push_back(std::move(e));
    }
    return events;
  };
  return audit_log_->CommitTransaction(txn, make_events, [&] {
    if (!after_commit_) return;
    for (const auto& [before, after] : changes) after_commit_(before.get(), after.get());
  });
}

absl::Status RecordStoreBase::List(const ListQuery& query,
                                   const std::function<google::protobuf::Message*()>& make,
                                   std::vector<google::protobuf::Message*>& out,
                                   std::string& next_page_token) const {
  next_page_token.clear();
  int page_size = query.page_size;
  if (page_size == 0) page_size = kDefaultPageSize;
  if (page_size < 0 || page_size > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must be between 0 and ", kMaxPageSize));
  }
  if (query.scope.empty()) return absl::InternalError("list: scope is required");
  std::optional<std::string> after;
  if (!query.page_token.empty()) {
    CORRIDOR_ASSIGN_OR_RETURN(
        after, DecodePageToken(db_.page_token_secret(), query.scope, query.page_token));
  }

  // One snapshot for the index walk and the record reads, so an index entry
  // and the record it names are seen at the same moment.
  rocksdb::ManagedSnapshot snapshot(db_.db());
  rocksdb::ReadOptions read;
  read.snapshot = snapshot.snapshot();
  std::unique_ptr<Cursor> cursor;
  if (query.index) {
    cursor = std::make_unique<IndexCursor>(
        db_.db(), db_.family(Family::kIndexes), db_.family(kind_.family), read,
        IndexPrefix(query.index->index, query.index->value), after);
  } else {
    cursor = std::make_unique<PrefixCursor>(db_.db(), db_.family(kind_.family), read,
                                            query.id_prefix, after);
  }

  std::string last_key;
  bool more = false;
  int scanned = 0;
  while (true) {
    CORRIDOR_ASSIGN_OR_RETURN(std::optional<Entry> entry, cursor->Next());
    if (!entry) break;
    std::unique_ptr<Message> record(make());
    if (!record->ParseFromString(entry->value)) {
      return absl::DataLossError(absl::StrCat(FamilyName(kind_.family), " ", entry->id,
                                              ": stored record does not parse"));
    }
    ++scanned;
    if (!query.predicate || query.predicate(*record)) {
      if (static_cast<int>(out.size()) == page_size) {
        more = true;  // one more match exists beyond this page
        break;
      }
      out.push_back(record.release());
      last_key = std::move(entry->id);
    } else if (scanned >= kMaxScannedPerPage) {
      // Bounded work per call: resume after the last record examined.
      last_key = std::move(entry->id);
      more = true;
      break;
    }
  }
  if (more) next_page_token = EncodePageToken(db_.page_token_secret(), query.scope, last_key);
  return absl::OkStatus();
}

absl::Status RecordStoreBase::StageWrite(rocksdb::WriteBatch& wb, absl::string_view id,
                                         const Message* before, const Message& after) const {
  const std::set<std::string> old_keys =
      before == nullptr ? std::set<std::string>() : IndexKeys(kind_, *before, id);
  const std::set<std::string> new_keys = IndexKeys(kind_, after, id);
  rocksdb::ColumnFamilyHandle* index_cf = db_.family(Family::kIndexes);
  for (const std::string& k : old_keys) {
    if (new_keys.count(k) != 0) continue;
    CORRIDOR_RETURN_IF_ERROR(FromRocks(wb.Delete(index_cf, k), "stage index entry"));
  }
  for (const std::string& k : new_keys) {
    if (old_keys.count(k) != 0) continue;
    CORRIDOR_RETURN_IF_ERROR(FromRocks(wb.Put(index_cf, k, rocksdb::Slice()), "stage index entry"));
  }
  return FromRocks(wb.Put(db_.family(kind_.family), ToSlice(id), SerializeDeterministic(after)),
                   "stage record");
}

absl::StatusOr<bool> RecordStoreBase::AnyWithIndex(const IndexEntry& entry) const {
  return AnyWithPrefix(db_.db(), db_.family(Family::kIndexes),
                       IndexPrefix(entry.index, entry.value));
}

absl::StatusOr<bool> RecordStoreBase::AnyWithIdPrefix(absl::string_view prefix) const {
  return AnyWithPrefix(db_.db(), db_.family(kind_.family), prefix);
}

}  // namespace corridor::storage
