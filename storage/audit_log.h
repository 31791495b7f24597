#ifndef CORRIDOR_STORAGE_AUDIT_LOG_H_
#define CORRIDOR_STORAGE_AUDIT_LOG_H_

// The audit log (DOMAIN.md section 9): an append-only sequence of events, the
// leaves of a Merkle tree with RFC 6962 hashing, whose head (size and root)
// is signed with Ed25519 after every append.
//
// On disk (keys.h): family `audit` maps the 8-byte big-endian leaf index to
// the event's leaf_data (its deterministic serialisation with index and
// leaf_data cleared); meta "audit_tree_head" holds the latest signed head.
// Both are written in the SAME WriteBatch (or transaction) as the change the
// events describe, so a change is never durable without its events, nor the
// events without the head that covers them.
//
// Appends are serialised: a Writer holds the log's append lock from the
// moment indexes are assigned until the write is committed (or abandoned),
// so committed indexes are always contiguous. The quota ledger holds a
// Writer while it checks counters, which orders every ledger decision with
// every cap change in the log (a replay sees the same caps the ledger saw).
//
// Open() recomputes the whole tree from the stored entries and refuses (DATA_LOSS)
// a log whose entries were edited, reordered, dropped or truncated, or whose
// head does not verify with the signing key.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/merkle.h"
#include "common/signing.h"
#include "corridor/v1/audit_service.pb.h"
#include "rocksdb/utilities/transaction.h"
#include "rocksdb/write_batch.h"
#include "storage/database.h"

namespace corridor::storage {

class AuditLog {
 public:
  // Opens the log stored in `db` and checks its integrity (see above).
  // Errors: DATA_LOSS "audit log failed its integrity check: ..." naming the
  // first problem found; INTERNAL for read errors. `db` must outlive the log.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(Database& db, SigningKey key);

  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Holds the append lock for its lifetime. Stage() may be called any number
  // of times; the staged events become part of the tree only when the
  // caller's write succeeded and it calls Committed(). Destroying a Writer
  // without Committed() drops what was staged. Not thread-safe itself.
  class Writer {
   public:
    ~Writer();
    Writer(Writer&&) = delete;
    Writer& operator=(Writer&&) = delete;

    // Assigns each event its index (and its time, when unset: the clock's
    // time, or the previous event's when the clock went back), computes its
    // leaf_data, and puts the entries and the new signed head into `batch`.
    // `events` are updated in place. INTERNAL when serialisation fails.
    absl::Status Stage(rocksdb::WriteBatchBase& batch, std::vector<v1::AuditEvent>& events);
    // The write holding the staged entries is durable: they join the tree.
    void Committed();
    // The index the next staged event will get.
    uint64_t next_index() const { return next_index_; }

   private:
    friend class AuditLog;
    explicit Writer(AuditLog& log);
    AuditLog& log_;
    uint64_t committed_size_;
    uint64_t next_index_;
    bool staged_ = false;
    v1::SignedTreeHead staged_head_;
  };

  // Takes the append lock (blocking while another Writer lives).
  std::unique_ptr<Writer> Lock();

  // For one transaction, under the append lock: asks `make_events` for the
  // events (an error vetoes the write and is returned), stages them into
  // `txn`, commits it, then runs `after_commit` when the commit succeeded.
  absl::Status CommitTransaction(
      rocksdb::Transaction& txn,
      const std::function<absl::StatusOr<std::vector<v1::AuditEvent>>()>& make_events,
      const std::function<void()>& after_commit = nullptr);

  // The latest signed head (tree_size 0 with the empty root before any event).
  v1::SignedTreeHead Head() const;
  uint64_t size() const;
  // Blocks until size() > `size_greater_than` or until `deadline`, whichever
  // comes first; returns whether the log had grown past it. Writers wake the
  // waiters when a write is Committed() (after the new head is visible to
  // size(), Head() and Read()), without holding the append lock for them.
  // Thread-safe; any number of threads may wait.
  bool WaitForSize(uint64_t size_greater_than, absl::Time deadline) const;
  // Events [start, start + max_count) that exist, with index and leaf_data.
  // INTERNAL / DATA_LOSS on read errors.
  absl::StatusOr<std::vector<v1::AuditEvent>> Read(uint64_t start, size_t max_count) const;
  // RFC 6962 proofs against committed tree sizes. INVALID_ARGUMENT naming
  // the argument when out of range.
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t leaf_index, uint64_t tree_size) const;
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t first_size,
                                                     uint64_t second_size) const;
  // The 32-byte Ed25519 public key that verifies the heads.
  std::string public_key() const { return key_.public_key(); }

 private:
  AuditLog(Database& db, SigningKey key) : db_(db), key_(std::move(key)) {}

  absl::Status Load();
  v1::SignedTreeHead SignHead(uint64_t size, const Hash& root, int64_t time_micros) const;

  Database& db_;
  const SigningKey key_;
  absl::Mutex append_mu_;
  mutable absl::Mutex tree_mu_;
  MerkleTree tree_ ABSL_GUARDED_BY(tree_mu_);
  v1::SignedTreeHead head_ ABSL_GUARDED_BY(tree_mu_);
  // The committed size again, for WaitForSize: its own lock, so waiters never
  // contend with the tree's readers and a commit costs one lock and a signal.
  // Taken after tree_mu_ is released, never inside it.
  mutable absl::Mutex grown_mu_;
  mutable absl::CondVar grown_;
  uint64_t published_size_ ABSL_GUARDED_BY(grown_mu_) = 0;
};

// The principal audited writes on this thread are attributed to while the
// scope lives ("system" outside any scope). The server runs each call on one
// thread and opens a scope for the authenticated caller around it.
class ScopedAuditActor {
 public:
  explicit ScopedAuditActor(std::string principal);
  ~ScopedAuditActor();
  ScopedAuditActor(const ScopedAuditActor&) = delete;
  ScopedAuditActor& operator=(const ScopedAuditActor&) = delete;
  static const std::string& Current();

 private:
  std::string previous_;
};

// The leaf_data of `event`: its deterministic serialisation with index and
// leaf_data cleared.
std::string AuditLeafData(const v1::AuditEvent& event);

}  // namespace corridor::storage

#endif  // CORRIDOR_STORAGE_AUDIT_LOG_H_
