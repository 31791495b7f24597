#include "storage/audit_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "rocksdb/iterator.h"
#include "rocksdb/utilities/write_batch_with_index.h"
#include "storage/keys.h"
#include "storage/record_store.h"

namespace corridor::storage {
namespace {

rocksdb::Slice ToSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

absl::string_view HashView(const Hash& h) {
  return absl::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}

absl::Status IntegrityError(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("audit log failed its integrity check: ", what));
}

int64_t ToMicros(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}

void SetMicros(int64_t micros, google::protobuf::Timestamp& t) {
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  t.set_seconds(seconds);
  t.set_nanos(static_cast<int32_t>(rest * 1000));
}

}  // namespace

namespace {
thread_local std::string* current_actor = nullptr;
}  // namespace

ScopedAuditActor::ScopedAuditActor(std::string principal) {
  previous_ = current_actor != nullptr ? *current_actor : std::string();
  if (current_actor == nullptr) current_actor = new std::string();
  *current_actor = std::move(principal);
}

ScopedAuditActor::~ScopedAuditActor() { *current_actor = std::move(previous_); }

const std::string& ScopedAuditActor::Current() {
  static const std::string* const kSystem = new std::string("system");
  if (current_actor == nullptr || current_actor->empty()) return *kSystem;
  return *current_actor;
}

std::string AuditLeafData(const v1::AuditEvent& event) {
  v1::AuditEvent canonical = event;
  canonical.clear_index();
  canonical.clear_leaf_data();
  return SerializeDeterministically(canonical);
}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(Database& db, SigningKey key) {
  std::unique_ptr<AuditLog> log(new AuditLog(db, std::move(key)));
  CORRIDOR_RETURN_IF_ERROR(log->Load());
  const uint64_t size = log->size();
  {
    absl::MutexLock grown(&log->grown_mu_);
    log->published_size_ = size;
  }
  return log;
}

absl::Status AuditLog::Load() {
  absl::MutexLock lock(&tree_mu_);
  std::unique_ptr<rocksdb::Iterator> it(
      db_.db()->NewIterator(rocksdb::ReadOptions(), db_.family(Family::kAudit)));
  uint64_t expected = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    uint64_t index = 0;
    absl::string_view key(it->key().data(), it->key().size());
    if (!ParseAuditEntryKey(key, index)) return IntegrityError("an entry has a malformed key");
    if (index != expected) {
      return IntegrityError(absl::StrCat("entry ", expected, " is missing (next entry is ", index,
                                         ")"));
    }
    absl::string_view leaf(it->value().data(), it->value().size());
    v1::AuditEvent event;
    if (!event.ParseFromArray(leaf.data(), static_cast<int>(leaf.size())) ||
        event.index() != 0 || !event.leaf_data().empty()) {
      return IntegrityError(absl::StrCat("entry ", index, " does not parse"));
    }
    tree_.Append(LeafHash(leaf));
    ++expected;
  }
  CORRIDOR_RETURN_IF_ERROR(FromRocks(it->status(), "scan audit log"));

  std::string stored;
  rocksdb::Status s = db_.db()->Get(rocksdb::ReadOptions(), db_.family(Family::kMeta),
                                    ToSlice(kMetaAuditTreeHead), &stored);
  if (s.IsNotFound()) {
    if (expected != 0) {
      return IntegrityError(absl::StrCat("the log holds ", expected,
                                         " entries but no signed tree head"));
    }
    head_ = SignHead(0, tree_.RootHash(0).value(), absl::ToUnixMicros(db_.clock().Now()));
    return absl::OkStatus();
  }
  CORRIDOR_RETURN_IF_ERROR(FromRocks(s, "read audit tree head"));
  v1::SignedTreeHead head;
  if (!head.ParseFromString(stored)) return IntegrityError("the signed tree head does not parse");
  if (head.tree_size() < 0 || static_cast<uint64_t>(head.tree_size()) != expected) {
    return IntegrityError(absl::StrCat("the log holds ", expected,
                                       " entries but the signed tree head covers ",
                                       head.tree_size()));
  }
  absl::StatusOr<Hash> root = tree_.RootHash(expected);
  if (!root.ok()) return IntegrityError(root.status().message());
  if (HashView(*root) != head.root_hash()) {
    return IntegrityError(absl::StrCat("the entries hash to ", HashToHex(*root),
                                       ", not to the signed root hash"));
  }
  absl::Status signature = VerifySignature(
      key_.public_key(),
      TreeHeadMessage(head.tree_size(), head.root_hash(), ToMicros(head.time())),
      head.signature());
  if (!signature.ok()) {
    return IntegrityError(
        absl::StrCat("the tree head's signature does not verify with the signing key (",
                     signature.message(), ")"));
  }
  head_ = std::move(head);
  return absl::OkStatus();
}

v1::SignedTreeHead AuditLog::SignHead(uint64_t size, const Hash& root,
                                      int64_t time_micros) const {
  v1::SignedTreeHead head;
  head.set_tree_size(static_cast<int64_t>(size));
  head.set_root_hash(std::string(HashView(root)));
  SetMicros(time_micros, *head.mutable_time());
  head.set_signature(key_.Sign(TreeHeadMessage(size, HashView(root), time_micros)));
  return head;
}

AuditLog::Writer::Writer(AuditLog& log) : log_(log) {
  log_.append_mu_.Lock();
  absl::MutexLock lock(&log_.tree_mu_);
  committed_size_ = static_cast<uint64_t>(log_.head_.tree_size());
  next_index_ = committed_size_;
}

AuditLog::Writer::~Writer() {
  {
    absl::MutexLock lock(&log_.tree_mu_);
    if (log_.tree_.size() > committed_size_) log_.tree_.Truncate(committed_size_);
  }
  log_.append_mu_.Unlock();
}

std::unique_ptr<AuditLog::Writer> AuditLog::Lock() {
  return std::unique_ptr<Writer>(new Writer(*this));
}

absl::Status AuditLog::Writer::Stage(rocksdb::WriteBatchBase& batch,
                                     std::vector<v1::AuditEvent>& events) {
  if (events.empty()) return absl::OkStatus();
  int64_t now = absl::ToUnixMicros(log_.db_.clock().Now());
  Hash root;
  {
    absl::MutexLock lock(&log_.tree_mu_);
    // Event times never go backwards, even if the wall clock steps back, so
    // "the log as of T" is always a prefix of the log.
    const int64_t last = staged_ ? ToMicros(staged_head_.time()) : ToMicros(log_.head_.time());
    now = std::max(now, last);
    for (v1::AuditEvent& event : events) {
      if (!event.has_time()) SetMicros(now, *event.mutable_time());
      event.set_index(static_cast<int64_t>(next_index_));
      std::string leaf = AuditLeafData(event);
      CORRIDOR_RETURN_IF_ERROR(FromRocks(
          batch.Put(log_.db_.family(Family::kAudit), ToSlice(AuditEntryKey(next_index_)),
                    ToSlice(leaf)),
          "stage audit entry"));
      log_.tree_.Append(LeafHash(leaf));
      event.set_leaf_data(std::move(leaf));
      ++next_index_;
    }
    CORRIDOR_ASSIGN_OR_RETURN(root, log_.tree_.RootHash(next_index_));
  }
  staged_head_ = log_.SignHead(next_index_, root, now);
  std::string head = SerializeDeterministically(staged_head_);
  CORRIDOR_RETURN_IF_ERROR(FromRocks(batch.Put(log_.db_.family(Family::kMeta),
                                               ToSlice(kMetaAuditTreeHead), ToSlice(head)),
                                     "stage audit tree head"));
  staged_ = true;
  return absl::OkStatus();
}

void AuditLog::Writer::Committed() {
  if (!staged_) return;
  {
    absl::MutexLock lock(&log_.tree_mu_);
    log_.head_ = staged_head_;
    committed_size_ = next_index_;
    staged_ = false;
  }
  // After the head is visible: a woken waiter's Read() sees the new entries.
  absl::MutexLock grown(&log_.grown_mu_);
  log_.published_size_ = committed_size_;
  log_.grown_.SignalAll();
}

absl::Status AuditLog::CommitTransaction(
    rocksdb::Transaction& txn,
    const std::function<absl::StatusOr<std::vector<v1::AuditEvent>>()>& make_events,
    const std::function<void()>& after_commit) {
  std::unique_ptr<Writer> writer = Lock();
  CORRIDOR_ASSIGN_OR_RETURN(std::vector<v1::AuditEvent> events, make_events());
  CORRIDOR_RETURN_IF_ERROR(writer->Stage(*txn.GetWriteBatch(), events));
  CORRIDOR_RETURN_IF_ERROR(FromRocks(txn.Commit(), "commit audited transaction"));
  writer->Committed();
  if (after_commit) after_commit();
  return absl::OkStatus();
}

v1::SignedTreeHead AuditLog::Head() const {
  absl::MutexLock lock(&tree_mu_);
  return head_;
}

uint64_t AuditLog::size() const {
  absl::MutexLock lock(&tree_mu_);
  return static_cast<uint64_t>(head_.tree_size());
}

bool AuditLog::WaitForSize(uint64_t size_greater_than, absl::Time deadline) const {
  absl::MutexLock lock(&grown_mu_);
  while (published_size_ <= size_greater_than) {
    // True when the deadline passed (the size is checked once more).
    if (grown_.WaitWithDeadline(&grown_mu_, deadline)) break;
  }
  return published_size_ > size_greater_than;
}

absl::StatusOr<std::vector<v1::AuditEvent>> AuditLog::Read(uint64_t start,
                                                           size_t max_count) const {
  const uint64_t end = size();
  std::vector<v1::AuditEvent> events;
  if (start >= end || max_count == 0) return events;
  std::unique_ptr<rocksdb::Iterator> it(
      db_.db()->NewIterator(rocksdb::ReadOptions(), db_.family(Family::kAudit)));
  uint64_t index = start;
  for (it->Seek(ToSlice(AuditEntryKey(start))); it->Valid() && index < end && events.size() < max_count;
       it->Next(), ++index) {
    uint64_t key_index = 0;
    if (!ParseAuditEntryKey(absl::string_view(it->key().data(), it->key().size()), key_index) ||
        key_index != index) {
      return absl::DataLossError(absl::StrCat("audit entry ", index, " is missing"));
    }
    v1::AuditEvent event;
    if (!event.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("audit entry ", index, " does not parse"));
    }
    event.set_index(static_cast<int64_t>(index));
    event.set_leaf_data(it->value().ToString());
    events.push_back(std::move(event));
  }
  CORRIDOR_RETURN_IF_ERROR(FromRocks(it->status(), "read audit log"));
  return events;
}

absl::StatusOr<std::vector<Hash>> AuditLog::InclusionProof(uint64_t leaf_index,
                                                           uint64_t tree_size) const {
  absl::MutexLock lock(&tree_mu_);
  if (tree_size > static_cast<uint64_t>(head_.tree_size())) {
    return absl::InvalidArgumentError(absl::StrCat("tree_size: ", tree_size,
                                                   " is larger than the log (",
                                                   head_.tree_size(), ")"));
  }
  return tree_.InclusionProof(leaf_index, tree_size);
}

absl::StatusOr<std::vector<Hash>> AuditLog::ConsistencyProof(uint64_t first_size,
                                                             uint64_t second_size) const {
  absl::MutexLock lock(&tree_mu_);
  if (second_size > static_cast<uint64_t>(head_.tree_size())) {
    return absl::InvalidArgumentError(absl::StrCat("second_size: ", second_size,
                                                   " is larger than the log (",
                                                   head_.tree_size(), ")"));
  }
  return tree_.ConsistencyProof(first_size, second_size);
}

}  // namespace corridor::storage
