#ifndef CORRIDOR_MATCHER_AUDIT_REPLAY_H_
#define CORRIDOR_MATCHER_AUDIT_REPLAY_H_

// Recomputes every quota cell's cap and counters from the audit log alone
// (DOMAIN.md section 4.7), checking the ledger's rules at every prefix. The
// server runs it at start against its live counters; `corridor audit verify`
// runs it on events fetched through the public API.

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "corridor/v1/audit_service.pb.h"
#include "corridor/v1/ledger_service.pb.h"

namespace corridor::matcher {

// Event kinds (AuditEvent.kind).
inline constexpr char kEventReserve[] = "RESERVE";
inline constexpr char kEventCommit[] = "COMMIT";
inline constexpr char kEventRelease[] = "RELEASE";
inline constexpr char kEventExpire[] = "EXPIRE";
inline constexpr char kEventCorrect[] = "CORRECT";
inline constexpr char kEventCapChange[] = "CAP_CHANGE";
inline constexpr char kEventAgreementChange[] = "AGREEMENT_CHANGE";
// An application moved between lifecycle states; it carries no counters (the
// unit it holds moves with a RESERVE, COMMIT, RELEASE or EXPIRE event).
inline constexpr char kEventApplicationTransition[] = "APPLICATION_TRANSITION";
// An allocation round was proposed (reason PROPOSED or WHAT_IF), confirmed
// (CONFIRMED) or otherwise changed; it names the round and its agreement and
// carries no counters (its placements are RESERVE and
// APPLICATION_TRANSITION events of their own).
inline constexpr char kEventAllocationRound[] = "ALLOCATION_ROUND";

class AuditReplay {
 public:
  // What the log says about one cell.
  struct Cell {
    int64_t cap = 0;
    int64_t reserved = 0;
    int64_t committed = 0;
    // Totals over the log: reservations made (selections), commits,
    // releases (by reason code), expiries, corrections.
    int64_t selected = 0;
    int64_t commits = 0;
    std::map<std::string, int64_t> released_by_reason;
    int64_t expired = 0;
    int64_t corrected = 0;
    bool deleted = false;
  };
  // What the log says about one reservation.
  struct Reservation {
    v1::ReservationState state = v1::RESERVATION_STATE_UNSPECIFIED;
    std::string quota_cell;
  };

  // Applies the next event. Its index must be the number applied so far.
  // FAILED_PRECONDITION naming the event when it breaks a rule: an index out
  // of order; a reservation that takes a cell over its cap; a counter below
  // zero; an effect on a cell the log never created or has deleted; a
  // transition from the wrong state (commit of a reservation not held...);
  // an unknown kind.
  absl::Status Apply(const v1::AuditEvent& event);

  int64_t applied() const { return applied_; }
  // By cell resource name.
  const std::map<std::string, Cell>& cells() const { return cells_; }
  // By reservation resource name.
  const std::map<std::string, Reservation>& reservations() const { return reservations_; }

 private:
  absl::Status ApplyLedgerEvent(const v1::AuditEvent& event);

  int64_t applied_ = 0;
  std::map<std::string, Cell> cells_;
  std::map<std::string, Reservation> reservations_;
};

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_AUDIT_REPLAY_H_
