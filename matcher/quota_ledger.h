#ifndef CORRIDOR_MATCHER_QUOTA_LEDGER_H_
#define CORRIDOR_MATCHER_QUOTA_LEDGER_H_

// The quota ledger (DOMAIN.md section 4): reserve, commit, release, expire and
// correct units of quota cells, atomically across a cell's whole path, each
// operation idempotent by request id and durable (WAL synced) before it is
// acknowledged, never over a cap.
//
// Group commit. Callers enqueue operations and wait; one committer thread
// takes everything queued (up to max_batch), and, holding the audit log's
// append lock:
//   1. decides each operation in order against the in-memory counters
//      (idempotent replays answered from the stored reply),
//   2. stages one WriteBatch: every reservation record, idempotency reply and
//      audit event, the new counters of every cell touched, the signed head,
//   3. writes it with the WAL synced, then answers every caller.
// One fsync serves the whole batch, so a hot cell is limited by the batch
// size over the sync time, not by one sync per reservation. If the write
// fails, every decision of the batch is undone and every caller gets the error.
//
// The counters live in memory (loaded at Start) and in the `ledger` column
// family; caps come from the quota-cell records, which the Registry writes.
// Those writes are audited (CAP_CHANGE, AGREEMENT_CHANGE) through the same
// log lock, and their after-commit hook updates the caps here, so ledger
// decisions and cap changes are totally ordered and a replay of the log sees
// exactly the caps the ledger saw.
//
// Which cell: the caller names the leaf; when a cell on the leaf's path is
// full and the leaf names an overflow cell whose path has room, the overflow
// cell is used (one hop; docs/matching.md section 3 gives the same order).
//
// Start checks that the stored counters equal the reservation records and
// the replay of the audit log (and refuses to serve, DATA_LOSS, otherwise).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "corridor/v1/agreement_service.pb.h"
#include "corridor/v1/allocation_service.pb.h"
#include "corridor/v1/application_service.pb.h"
#include "corridor/v1/candidate_service.pb.h"
#include "corridor/v1/vacancy_service.pb.h"
#include "corridor/v1/ledger_service.pb.h"
#include "matcher/collection.h"
#include "storage/audit_log.h"
#include "storage/stores.h"

namespace corridor::matcher {

struct QuotaLedgerOptions {
  // Most operations decided and written in one batch. Default: 1024.
  int max_batch = 1024;
  // How often held reservations past their deadline are expired by the
  // background task. Zero disables it (tests call ExpireDue). Default: 1 s.
  absl::Duration expiry_interval = absl::Seconds(1);
  // Hold length when a request gives none. Default: 14 days.
  absl::Duration default_hold = absl::Hours(24 * 14);
};

// What an application change does to the ledger.
enum class LedgerEffect {
  kNone,
  // Holds one unit of `cell_key` (or its overflow) for the application.
  kReserve,
  // Commits the application's held unit.
  kCommit,
  // Releases the application's held unit with the plan's reason code.
  kRelease,
};

// One application change, as decided on the committer thread from the
// application as stored at that moment.
struct ApplicationPlan {
  // The record to write: state, history and the other fields the lifecycle
  // owns. The ledger sets name, etag, create_time and update_time, and, for
  // an effect, reservation, quota_cell and hold_deadline.
  v1::Application next;
  LedgerEffect effect = LedgerEffect::kNone;
  // kReserve: the leaf cell, "<agreement_id>/<cell_id>", the hold length and
  // the report dimensions of the reservation.
  std::string cell_key;
  absl::Duration hold = absl::ZeroDuration();
  v1::ReservationDimensions dimensions;
  // The transition's reason code ("" for none); kRelease requires one.
  std::string reason_code;
};

// Decides a change from the stored application (null when there is none
// yet) at `now`; an error is returned to the caller and nothing is written.
// It runs on the committer thread under the ledger's locks: it must not call
// the ledger, and should only compute.
using ApplicationDecider =
    std::function<absl::StatusOr<ApplicationPlan>(const v1::Application* current, absl::Time now)>;

// Live use of one cell.
struct CellUsage {
  int64_t cap = 0;
  int64_t reserved = 0;
  int64_t committed = 0;
};

class QuotaLedger {
 public:
  // Loads cells, counters and held reservations, checks them against the
  // reservation records and the audit log (DATA_LOSS naming the first
  // mismatch), makes the quota-cell and agreement stores audited, and
  // starts the committer and expiry threads. All references must outlive the
  // ledger; `log` must be the one `stores` writes with.
  static absl::StatusOr<std::unique_ptr<QuotaLedger>> Start(storage::Stores& stores,
                                                            storage::AuditLog& log,
                                                            const Clock& clock,
                                                            QuotaLedgerOptions options = {});
  // Stops the threads; operations still queued fail with UNAVAILABLE.
  ~QuotaLedger();
  QuotaLedger(const QuotaLedger&) = delete;
  QuotaLedger& operator=(const QuotaLedger&) = delete;

  // Holds one unit of the leaf cell (or its overflow) and its ancestors.
  // request_id is required. INVALID_ARGUMENT naming the field; NOT_FOUND
  // (cell, application); FAILED_PRECONDITION when the paths are full or the
  // request id was used for another request.
  absl::StatusOr<v1::Reservation> Reserve(const CallContext& call,
                                          const v1::ReserveUnitRequest& request);
  // HELD -> COMMITTED. FAILED_PRECONDITION when not held (or the hold passed
  // its deadline); NOT_FOUND.
  absl::StatusOr<v1::Reservation> Commit(const CallContext& call,
                                         const v1::CommitUnitRequest& request);
  // HELD -> RELEASED with a reason code. FAILED_PRECONDITION when not held.
  absl::StatusOr<v1::Reservation> Release(const CallContext& call,
                                          const v1::ReleaseUnitRequest& request);
  // COMMITTED -> CORRECTED (a ministry correction; reason and request_id
  // required). FAILED_PRECONDITION when not committed.
  absl::StatusOr<v1::Reservation> Correct(const CallContext& call,
                                          const v1::CorrectUnitRequest& request);
  // Changes one application and its quota unit in one synced write, with an
  // APPLICATION_TRANSITION audit event (and the unit's own event when the
  // plan has an effect). The decider runs on the committer thread against
  // the application as stored then, so changes of one application are
  // totally ordered with each other and with the expiry of its hold.
  // `request` is fingerprinted for idempotency by `request_id` (optional).
  // Reservations made this way can only be committed or released through
  // another application change; their expiry expires the application too.
  absl::StatusOr<v1::Application> ChangeApplication(const CallContext& call,
                                                    absl::string_view application_id,
                                                    absl::string_view request_id,
                                                    const google::protobuf::Message& request,
                                                    ApplicationDecider decide);
  // The stored reply of an earlier ChangeApplication with this request id
  // and the same request (nullopt when there is none); FAILED_PRECONDITION
  // when the id was used for another request. Lets callers answer a replay
  // before checks that the first request's own effect would now fail.
  absl::StatusOr<std::optional<v1::Application>> ApplicationReply(
      const CallContext& call, absl::string_view request_id,
      const google::protobuf::Message& request) const;
  // The report dimensions of a placement of `candidate` in `vacancy` at `now`.
  static v1::ReservationDimensions PlacementDimensions(const v1::Candidate& candidate,
                                                       const v1::Vacancy& vacancy,
                                                       absl::Time now);

  // Expires every held reservation whose deadline has passed (the expiry
  // task calls this); returns how many were expired.
  absl::StatusOr<int> ExpireDue();

  // Live use of a cell, or nullopt for an unknown cell.
  std::optional<CellUsage> Usage(absl::string_view agreement_id, absl::string_view cell_id) const;
  // Sets cell.reserved and cell.committed from the live counters.
  void FillUsage(v1::QuotaCell& cell) const;
  // `f` runs on the committer thread after every batch that changed a
  // counter or whether a candidate holds a placement (an application entering
  // or leaving SELECTED..DEPLOYED), with none of the ledger's locks held,
  // before the batch's callers are answered. Keep it short. Call before the ledger is used.
  void OnUsageChanged(std::function<void()> f) { on_usage_changed_ = std::move(f); }

  // Recomputes every counter from the reservation records and from the audit
  // log and compares both with the live counters. DATA_LOSS naming the first
  // mismatch. Takes the append lock (a consistent moment).
  absl::Status CheckConsistency();

 private:
  struct Cell;
  struct Op;
  struct Held {
    int64_t deadline_micros = 0;
  };

  QuotaLedger(storage::Stores& stores, storage::AuditLog& log, const Clock& clock,
              QuotaLedgerOptions options);
  absl::Status Load();
  void WireAuditing();
  absl::StatusOr<v1::Reservation> Submit(std::unique_ptr<Op> op);
  void CommitterLoop();
  void ExpiryLoop();
  // Decides and writes one batch; true when a written change matters to
  // matching (a counter, or a candidate's placement).
  bool ProcessBatch(std::vector<Op*>& batch);
  absl::Status CheckLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  storage::Stores& stores_;
  storage::AuditLog& log_;
  const Clock& clock_;
  const QuotaLedgerOptions options_;

  // Cells by "<agreement_id>/<cell_id>", and held reservations by id.
  // Changed only under the audit log's append lock (and mu_).
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Cell>> cells_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Held> held_ ABSL_GUARDED_BY(mu_);

  absl::Mutex queue_mu_;
  std::vector<Op*> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
  std::function<void()> on_usage_changed_;
  std::thread committer_;
  std::thread expirer_;
};

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_QUOTA_LEDGER_H_
