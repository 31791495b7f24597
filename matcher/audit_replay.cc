#include "matcher/audit_replay.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace corridor::matcher {
namespace {

absl::Status Broken(const v1::AuditEvent& e, absl::string_view why) {
  return absl::FailedPreconditionError(
      absl::StrCat("audit event ", e.index(), " (", e.kind(), "): ", why));
}

// The state a ledger event moves its reservation from, and to.
struct Transition {
  v1::ReservationState from;
  v1::ReservationState to;
  // The effect on every cell of the path.
  int64_t reserved_delta = 0;
  int64_t committed_delta = 0;
};

bool LedgerTransition(absl::string_view kind, Transition& t) {
  if (kind == kEventReserve) {
    t = {v1::RESERVATION_STATE_UNSPECIFIED, v1::RESERVATION_STATE_HELD, 1, 0};
  } else if (kind == kEventCommit) {
    t = {v1::RESERVATION_STATE_HELD, v1::RESERVATION_STATE_COMMITTED, -1, 1};
  } else if (kind == kEventRelease) {
    t = {v1::RESERVATION_STATE_HELD, v1::RESERVATION_STATE_RELEASED, -1, 0};
  } else if (kind == kEventExpire) {
    t = {v1::RESERVATION_STATE_HELD, v1::RESERVATION_STATE_EXPIRED, -1, 0};
  } else if (kind == kEventCorrect) {
    t = {v1::RESERVATION_STATE_COMMITTED, v1::RESERVATION_STATE_CORRECTED, 0, -1};
  } else {
    return false;
  }
  return true;
}

}  // namespace

absl::Status AuditReplay::Apply(const v1::AuditEvent& event) {
  if (event.index() != applied_) {
    return Broken(event, absl::StrCat("expected index ", applied_));
  }
  const std::string& kind = event.kind();
  if (kind == kEventCapChange) {
    for (const v1::CellEffect& effect : event.effects()) {
      Cell& cell = cells_[effect.quota_cell()];
      if (effect.deleted()) {
        if (cell.reserved + cell.committed != 0) {
          return Broken(event, absl::StrCat(effect.quota_cell(), " deleted while in use"));
        }
        cell.deleted = true;
        continue;
      }
      if (!effect.has_cap() || effect.cap() < 0) {
        return Broken(event, absl::StrCat(effect.quota_cell(), ": cap missing or negative"));
      }
      cell.cap = effect.cap();
      cell.deleted = false;
    }
  } else if (kind == kEventAgreementChange) {
    // Agreements carry no counters.
  } else if (kind == kEventApplicationTransition) {
    if (event.effects_size() != 0) return Broken(event, "an application event changes counters");
    if (event.to_state().empty()) return Broken(event, "names no state");
  } else if (kind == kEventAllocationRound) {
    if (event.effects_size() != 0) return Broken(event, "a round event changes counters");
    if (event.reason_code().empty()) return Broken(event, "a round event without a reason code");
  } else {
    CORRIDOR_RETURN_IF_ERROR(ApplyLedgerEvent(event));
  }
  ++applied_;
  return absl::OkStatus();
}

absl::Status AuditReplay::ApplyLedgerEvent(const v1::AuditEvent& event) {
  Transition t;
  if (!LedgerTransition(event.kind(), t)) return Broken(event, "unknown kind");
  std::string reservation;
  for (const std::string& s : event.subjects()) {
    if (absl::StartsWith(s, "reservations/")) reservation = s;
  }
  if (reservation.empty()) return Broken(event, "names no reservation");
  Reservation& r = reservations_[reservation];
  if (r.state != t.from) {
    return Broken(event, absl::StrCat(reservation, " is ", v1::ReservationState_Name(r.state),
                                      ", not ", v1::ReservationState_Name(t.from)));
  }
  if (event.effects().empty()) return Broken(event, "has no cell effects");
  for (const v1::CellEffect& effect : event.effects()) {
    auto it = cells_.find(effect.quota_cell());
    if (it == cells_.end() || it->second.deleted) {
      return Broken(event, absl::StrCat(effect.quota_cell(), " does not exist"));
    }
    if (effect.reserved_delta() != t.reserved_delta ||
        effect.committed_delta() != t.committed_delta) {
      return Broken(event, absl::StrCat("wrong counter changes on ", effect.quota_cell()));
    }
    Cell& cell = it->second;
    cell.reserved += effect.reserved_delta();
    cell.committed += effect.committed_delta();
    if (cell.reserved < 0 || cell.committed < 0) {
      return Broken(event, absl::StrCat(effect.quota_cell(), " goes below zero"));
    }
    if (t.to == v1::RESERVATION_STATE_HELD && cell.reserved + cell.committed > cell.cap) {
      return Broken(event, absl::StrCat(effect.quota_cell(), " goes over its cap: ",
                                        cell.reserved + cell.committed, " > ", cell.cap));
    }
  }
  Cell& leaf = cells_[event.effects(0).quota_cell()];
  if (t.to == v1::RESERVATION_STATE_HELD) {
    r.quota_cell = event.effects(0).quota_cell();
    ++leaf.selected;
  } else if (t.to == v1::RESERVATION_STATE_COMMITTED) {
    ++leaf.commits;
  } else if (t.to == v1::RESERVATION_STATE_RELEASED) {
    ++leaf.released_by_reason[event.reason_code()];
  } else if (t.to == v1::RESERVATION_STATE_EXPIRED) {
    ++leaf.expired;
  } else if (t.to == v1::RESERVATION_STATE_CORRECTED) {
    ++leaf.corrected;
  }
  r.state = t.to;
  return absl::OkStatus();
}

}  // namespace corridor::matcher
