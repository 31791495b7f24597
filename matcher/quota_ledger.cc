#include "matcher/quota_ledger.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "matcher/audit_replay.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"
#include "storage/keys.h"
#include "storage/record_store.h"

namespace corridor::matcher {
namespace {

constexpr int64_t kMinHoldSeconds = 60;
constexpr int64_t kMaxHoldSeconds = 7776000;  // 90 days
constexpr size_t kMaxCorrectionReasonBytes = 512;
constexpr int kMaxPathDepth = 32;
constexpr char kExpiryActor[] = "system:expiry";
constexpr char kHoldExpired[] = "HOLD_EXPIRED";
constexpr char kMinistryCorrection[] = "MINISTRY_CORRECTION";
constexpr size_t kReplayChunk = 10000;

rocksdb::Slice ToSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

void SetTimestamp(absl::Time t, google::protobuf::Timestamp& out) {
  const int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(rest * 1000));
}

int64_t Micros(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}

bool IsReasonCode(absl::string_view code) {
  if (code.empty() || code.size() > 64) return false;
  for (char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::string AgeBand(int age) {
  if (age < 18) return "";
  if (age <= 24) return "18-24";
  if (age <= 34) return "25-34";
  if (age <= 44) return "35-44";
  if (age <= 54) return "45-54";
  return "55+";
}

absl::Status CheckRequestId(absl::string_view request_id, bool required,
                            absl::string_view method) {
  if (request_id.empty()) {
    if (!required) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat("request_id: required for ", method));
  }
  if (!IsValidRequestId(request_id)) {
    return absl::InvalidArgumentError("request_id: must be 1..64 characters of [A-Za-z0-9_-]");
  }
  return absl::OkStatus();
}

enum class OpKind { kReserve, kCommit, kRelease, kExpire, kCorrect, kApplication };

bool HoldsUnit(v1::ApplicationState state) {
  return state == v1::APPLICATION_STATE_SELECTED ||
         state == v1::APPLICATION_STATE_HEALTH_CLEARED ||
         state == v1::APPLICATION_STATE_CONTRACT_SIGNED;
}

}  // namespace

struct QuotaLedger::Cell {
  std::string key;   // <agreement_id>/<cell_id>
  std::string name;  // agreements/{a}/quotaCells/{c}
  std::string agreement_id;
  std::string parent;    // cell id or ""
  std::string overflow;  // cell id or ""
  int64_t cap = 0;
  int64_t reserved = 0;
  int64_t committed = 0;
  v1::QuotaCell record;

  bool HasRoom() const { return reserved + committed < cap; }
};

struct QuotaLedger::Op {
  OpKind kind = OpKind::kReserve;
  std::string actor;
  // Idempotency: key empty when the request has no request id.
  std::string idem_key;
  std::string request_hash;
  // Reserve.
  std::string cell_key;
  std::string application;
  absl::Duration hold;
  v1::ReservationDimensions dimensions;
  // The others.
  std::string reservation_id;
  std::string reason_code;
  std::string correction_reason;
  // kApplication.
  std::string application_id;
  ApplicationDecider decide;
  absl::StatusOr<v1::Application> app_result = absl::UnknownError("not decided");

  absl::StatusOr<v1::Reservation> result = absl::UnknownError("not decided");
  Op* duplicate_of = nullptr;
  absl::Notification done;
};

QuotaLedger::QuotaLedger(storage::Stores& stores, storage::AuditLog& log, const Clock& clock,
                         QuotaLedgerOptions options)
    : stores_(stores), log_(log), clock_(clock), options_(options) {}

absl::StatusOr<std::unique_ptr<QuotaLedger>> QuotaLedger::Start(storage::Stores& stores,
                                                                storage::AuditLog& log,
                                                                const Clock& clock,
                                                                QuotaLedgerOptions options) {
  if (options.max_batch < 1) return absl::InvalidArgumentError("max_batch: must be >= 1");
  std::unique_ptr<QuotaLedger> ledger(new QuotaLedger(stores, log, clock, options));
  CORRIDOR_RETURN_IF_ERROR(ledger->Load());
  ledger->WireAuditing();
  ledger->committer_ = std::thread([l = ledger.get()] { l->CommitterLoop(); });
  if (options.expiry_interval > absl::ZeroDuration()) {
    ledger->expirer_ = std::thread([l = ledger.get()] { l->ExpiryLoop(); });
  }
  return ledger;
}

QuotaLedger::~QuotaLedger() {
  {
    absl::MutexLock lock(&queue_mu_);
    stopping_ = true;
  }
  if (expirer_.joinable()) expirer_.join();
  if (committer_.joinable()) committer_.join();
}

absl::Status QuotaLedger::Load() {
  storage::Database& db = stores_.quota_cells.database();
  std::unique_ptr<storage::AuditLog::Writer> writer = log_.Lock();
  absl::MutexLock lock(&mu_);
  {
    std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(
        rocksdb::ReadOptions(), db.family(storage::Family::kQuotaCells)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto cell = std::make_unique<Cell>();
      if (!cell->record.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return absl::DataLossError(absl::StrCat("quota cell ", it->key().ToString(),
                                                ": stored record does not parse"));
      }
      CORRIDOR_ASSIGN_OR_RETURN(QuotaCellName name,
                                ParseQuotaCellName(cell->record.name(), "quota_cell.name"));
      cell->key = storage::QuotaCellKey(name.agreement_id, name.cell_id);
      cell->name = cell->record.name();
      cell->agreement_id = name.agreement_id;
      cell->parent = cell->record.parent();
      cell->overflow = cell->record.overflow_cell();
      cell->cap = cell->record.cap();
      std::string key = cell->key;
      cells_[key] = std::move(cell);
    }
    CORRIDOR_RETURN_IF_ERROR(storage::FromRocks(it->status(), "scan quota cells"));
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(
        db.db()->NewIterator(rocksdb::ReadOptions(), db.family(storage::Family::kLedger)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      int64_t reserved = 0;
      int64_t committed = 0;
      std::string key = it->key().ToString();
      if (!storage::DecodeCellCounters(absl::string_view(it->value().data(), it->value().size()),
                                       reserved, committed)) {
        return absl::DataLossError(absl::StrCat("ledger counters of ", key, " are malformed"));
      }
      auto cell = cells_.find(key);
      if (cell == cells_.end()) {
        if (reserved != 0 || committed != 0) {
          return absl::DataLossError(
              absl::StrCat("ledger counters of ", key, " belong to no quota cell"));
        }
        continue;
      }
      cell->second->reserved = reserved;
      cell->second->committed = committed;
    }
    CORRIDOR_RETURN_IF_ERROR(storage::FromRocks(it->status(), "scan ledger counters"));
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(
        rocksdb::ReadOptions(), db.family(storage::Family::kReservations)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      v1::Reservation r;
      if (!r.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return absl::DataLossError(absl::StrCat("reservation ", it->key().ToString(),
                                                ": stored record does not parse"));
      }
      if (r.state() == v1::RESERVATION_STATE_HELD) {
        held_[it->key().ToString()] = Held{Micros(r.hold_deadline())};
      }
    }
    CORRIDOR_RETURN_IF_ERROR(storage::FromRocks(it->status(), "scan reservations"));
  }
  // A database written before the audit log existed has cells but no log
  // and no ledger use: the log starts by adopting them, one CAP_CHANGE each.
  if (log_.size() == 0 && !cells_.empty() && held_.empty()) {
    bool unused = true;
    for (const auto& [key, cell] : cells_) unused = unused && cell->reserved + cell->committed == 0;
    if (unused) {
      std::vector<const Cell*> sorted;
      for (const auto& [key, cell] : cells_) sorted.push_back(cell.get());
      std::sort(sorted.begin(), sorted.end(),
                [](const Cell* a, const Cell* b) { return a->key < b->key; });
      std::vector<v1::AuditEvent> events;
      for (const Cell* cell : sorted) {
        v1::AuditEvent e;
        e.set_actor("system:adoption");
        e.set_kind(kEventCapChange);
        e.set_reason_code("ADOPTED");
        e.add_subjects(cell->name);
        v1::CellEffect* effect = e.add_effects();
        effect->set_quota_cell(cell->name);
        effect->set_cap(cell->cap);
        events.push_back(std::move(e));
      }
      rocksdb::WriteBatch wb;
      CORRIDOR_RETURN_IF_ERROR(writer->Stage(wb, events));
      rocksdb::WriteOptions synced = db.write_options();
      synced.sync = true;
      CORRIDOR_RETURN_IF_ERROR(storage::FromRocks(db.db()->Write(synced, &wb), "adopt quota cells"));
      writer->Committed();
    }
  }
  return CheckLocked();
}

absl::Status QuotaLedger::CheckConsistency() {
  std::unique_ptr<storage::AuditLog::Writer> writer = log_.Lock();
  absl::MutexLock lock(&mu_);
  return CheckLocked();
}

absl::Status QuotaLedger::CheckLocked() {
  // 1. The reservation records.
  std::map<std::string, std::pair<int64_t, int64_t>> from_records;  // by cell name
  storage::Database& db = stores_.reservations.database();
  {
    std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(
        rocksdb::ReadOptions(), db.family(storage::Family::kReservations)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      v1::Reservation r;
      if (!r.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return absl::DataLossError("a reservation record does not parse");
      }
      for (const std::string& cell : r.path()) {
        if (r.state() == v1::RESERVATION_STATE_HELD) ++from_records[cell].first;
        if (r.state() == v1::RESERVATION_STATE_COMMITTED) ++from_records[cell].second;
      }
    }
    CORRIDOR_RETURN_IF_ERROR(storage::FromRocks(it->status(), "scan reservations"));
  }
  for (const auto& [key, cell] : cells_) {
    std::pair<int64_t, int64_t> want{0, 0};
    if (auto it = from_records.find(cell->name); it != from_records.end()) want = it->second;
    if (want.first != cell->reserved || want.second != cell->committed) {
      return absl::DataLossError(absl::StrCat(
          "ledger counters of ", cell->name, " (reserved ", cell->reserved, ", committed ",
          cell->committed, ") differ from its reservation records (", want.first, ", ",
          want.second, ")"));
    }
    from_records.erase(cell->name);
  }
  for (const auto& [name, counts] : from_records) {
    if (counts.first + counts.second != 0) {
      return absl::DataLossError(
          absl::StrCat("reservations hold units of ", name, ", which is not a quota cell"));
    }
  }

  // 2. The audit log.
  AuditReplay replay;
  const uint64_t size = log_.size();
  for (uint64_t start = 0; start < size; start += kReplayChunk) {
    CORRIDOR_ASSIGN_OR_RETURN(std::vector<v1::AuditEvent> events,
                              log_.Read(start, kReplayChunk));
    for (const v1::AuditEvent& e : events) {
      absl::Status s = replay.Apply(e);
      if (!s.ok()) return absl::DataLossError(absl::StrCat("audit replay: ", s.message()));
    }
  }
  size_t live_in_log = 0;
  for (const auto& [name, state] : replay.cells()) {
    if (state.deleted) continue;
    ++live_in_log;
    absl::StatusOr<QuotaCellName> parsed = ParseQuotaCellName(name, "cell");
    auto it = parsed.ok() ? cells_.find(storage::QuotaCellKey(parsed->agreement_id,
                                                              parsed->cell_id))
                          : cells_.end();
    if (it == cells_.end()) {
      return absl::DataLossError(
          absl::StrCat("the audit log has quota cell ", name, ", which is not stored"));
    }
    const Cell& cell = *it->second;
    if (state.cap != cell.cap || state.reserved != cell.reserved ||
        state.committed != cell.committed) {
      return absl::DataLossError(absl::StrCat(
          "quota cell ", name, ": the audit log gives cap ", state.cap, ", reserved ",
          state.reserved, ", committed ", state.committed, "; live values are ", cell.cap, ", ",
          cell.reserved, ", ", cell.committed));
    }
  }
  if (live_in_log != cells_.size()) {
    for (const auto& [key, cell] : cells_) {
      auto it = replay.cells().find(cell->name);
      if (it == replay.cells().end() || it->second.deleted) {
        return absl::DataLossError(
            absl::StrCat("quota cell ", cell->name, " is not in the audit log"));
      }
    }
  }
  return absl::OkStatus();
}

void QuotaLedger::WireAuditing() {
  auto cell_events = [this](const google::protobuf::Message* before,
                            const google::protobuf::Message* after)
      -> absl::StatusOr<std::vector<v1::AuditEvent>> {
    const auto* old_cell = static_cast<const v1::QuotaCell*>(before);
    const auto* new_cell = static_cast<const v1::QuotaCell*>(after);
    const v1::QuotaCell& cell = new_cell != nullptr ? *new_cell : *old_cell;
    v1::AuditEvent e;
    e.set_actor(storage::ScopedAuditActor::Current());
    e.set_kind(kEventCapChange);
    e.add_subjects(cell.name());
    v1::CellEffect* effect = e.add_effects();
    effect->set_quota_cell(cell.name());
    if (new_cell == nullptr) {
      CORRIDOR_ASSIGN_OR_RETURN(QuotaCellName name, ParseQuotaCellName(cell.name(), "name"));
      absl::MutexLock lock(&mu_);
      auto it = cells_.find(storage::QuotaCellKey(name.agreement_id, name.cell_id));
      if (it != cells_.end() && it->second->reserved + it->second->committed > 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            cell.name(), " has ", it->second->reserved, " units reserved and ",
            it->second->committed, " committed; it cannot be deleted"));
      }
      e.set_reason_code("DELETED");
      effect->set_deleted(true);
    } else {
      e.set_reason_code(old_cell == nullptr ? "CREATED" : "UPDATED");
      effect->set_cap(new_cell->cap());
    }
    std::vector<v1::AuditEvent> events;
    events.push_back(std::move(e));
    return events;
  };
  auto cell_committed = [this](const google::protobuf::Message* before,
                               const google::protobuf::Message* after) {
    const auto* new_cell = static_cast<const v1::QuotaCell*>(after);
    const auto* old_cell = static_cast<const v1::QuotaCell*>(before);
    const v1::QuotaCell& cell = new_cell != nullptr ? *new_cell : *old_cell;
    absl::StatusOr<QuotaCellName> name = ParseQuotaCellName(cell.name(), "name");
    if (!name.ok()) return;
    const std::string key = storage::QuotaCellKey(name->agreement_id, name->cell_id);
    absl::MutexLock lock(&mu_);
    if (new_cell == nullptr) {
      cells_.erase(key);
      return;
    }
    std::unique_ptr<Cell>& slot = cells_[key];
    if (slot == nullptr) {
      slot = std::make_unique<Cell>();
      slot->key = key;
      slot->name = cell.name();
      slot->agreement_id = name->agreement_id;
    }
    slot->record = cell;
    slot->parent = cell.parent();
    slot->overflow = cell.overflow_cell();
    slot->cap = cell.cap();
  };
  stores_.quota_cells.AuditWith(&log_, cell_events, cell_committed);

  auto agreement_events = [](const google::protobuf::Message* before,
                             const google::protobuf::Message* after)
      -> absl::StatusOr<std::vector<v1::AuditEvent>> {
    const auto* a = static_cast<const v1::Agreement*>(after != nullptr ? after : before);
    v1::AuditEvent e;
    e.set_actor(storage::ScopedAuditActor::Current());
    e.set_kind(kEventAgreementChange);
    e.add_subjects(a->name());
    e.set_reason_code(before == nullptr ? "CREATED" : after == nullptr ? "DELETED" : "UPDATED");
    std::vector<v1::AuditEvent> events;
    events.push_back(std::move(e));
    return events;
  };
  stores_.agreements.AuditWith(&log_, agreement_events, nullptr);

  auto round_events = [](const google::protobuf::Message* before,
                         const google::protobuf::Message* after)
      -> absl::StatusOr<std::vector<v1::AuditEvent>> {
    const auto* r = static_cast<const v1::AllocationRound*>(after != nullptr ? after : before);
    const bool confirmed = after != nullptr &&
                           r->state() == v1::ALLOCATION_ROUND_STATE_CONFIRMED &&
                           (before == nullptr || static_cast<const v1::AllocationRound*>(before)
                                                         ->state() !=
                                                     v1::ALLOCATION_ROUND_STATE_CONFIRMED);
    v1::AuditEvent e;
    e.set_actor(storage::ScopedAuditActor::Current());
    e.set_kind(kEventAllocationRound);
    e.add_subjects(r->name());
    e.add_subjects(r->agreement());
    e.set_reason_code(before == nullptr ? (r->what_if() ? "WHAT_IF" : "PROPOSED")
                      : after == nullptr ? "DELETED"
                      : confirmed        ? "CONFIRMED"
                                         : "UPDATED");
    std::vector<v1::AuditEvent> events;
    events.push_back(std::move(e));
    return events;
  };
  stores_.allocation_rounds.AuditWith(&log_, round_events, nullptr);
}

absl::StatusOr<v1::Reservation> QuotaLedger::Reserve(const CallContext& call,
                                                     const v1::ReserveUnitRequest& request) {
  CORRIDOR_RETURN_IF_ERROR(CheckRequestId(request.request_id(), true, "ReserveUnit"));
  CORRIDOR_ASSIGN_OR_RETURN(QuotaCellName cell,
                            ParseQuotaCellName(request.quota_cell(), "quota_cell"));
  auto op = std::make_unique<Op>();
  op->kind = OpKind::kReserve;
  op->cell_key = storage::QuotaCellKey(cell.agreement_id, cell.cell_id);
  if (request.hold_seconds() == 0) {
    op->hold = options_.default_hold;
  } else if (request.hold_seconds() < kMinHoldSeconds || request.hold_seconds() > kMaxHoldSeconds) {
    return absl::InvalidArgumentError(absl::StrCat(
        "hold_seconds: must be ", kMinHoldSeconds, "..", kMaxHoldSeconds, " (0 means 14 days)"));
  } else {
    op->hold = absl::Seconds(request.hold_seconds());
  }
  if (!request.application().empty()) {
    return absl::InvalidArgumentError(
        "application: a unit for an application is reserved by selecting the application "
        "(ApplicationService.TransitionApplication), not through the ledger");
  }
  op->actor = call.principal;
  op->idem_key = storage::IdempotencyKey(call.principal, call.method, request.request_id());
  op->request_hash = storage::RequestFingerprint(request);
  return Submit(std::move(op));
}

v1::ReservationDimensions QuotaLedger::PlacementDimensions(const v1::Candidate& candidate,
                                                           const v1::Vacancy& vacancy,
                                                           absl::Time now) {
  v1::ReservationDimensions d;
  d.set_origin(candidate.nationality());
  d.set_gender(candidate.gender());
  if (candidate.birth_year() > 0) {
    const int year = static_cast<int>(absl::ToCivilYear(now, absl::UTCTimeZone()).year());
    d.set_age_band(AgeBand(year - candidate.birth_year()));
  }
  d.set_destination(vacancy.destination());
  d.set_isco_code(vacancy.isco_code());
  d.set_scheme(vacancy.scheme());
  return d;
}

absl::StatusOr<std::optional<v1::Application>> QuotaLedger::ApplicationReply(
    const CallContext& call, absl::string_view request_id,
    const google::protobuf::Message& request) const {
  if (request_id.empty()) return std::optional<v1::Application>();
  CORRIDOR_RETURN_IF_ERROR(CheckRequestId(request_id, false, call.method));
  storage::Database& db = stores_.reservations.database();
  const std::string key = storage::IdempotencyKey(call.principal, call.method, request_id);
  std::string value;
  rocksdb::Status s = db.db()->Get(rocksdb::ReadOptions(),
                                   db.family(storage::Family::kIdempotency), ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<v1::Application>();
  if (!s.ok()) return storage::FromRocks(s, "read idempotency record");
  CORRIDOR_ASSIGN_OR_RETURN(
      std::optional<std::string> reply,
      storage::MatchIdempotencyEntry(value, storage::RequestFingerprint(request)));
  if (!reply) return std::optional<v1::Application>();
  v1::Application a;
  if (!a.ParseFromString(*reply)) {
    return absl::DataLossError("stored reply of the idempotent request does not parse");
  }
  return std::optional<v1::Application>(std::move(a));
}

absl::StatusOr<v1::Application> QuotaLedger::ChangeApplication(
    const CallContext& call, absl::string_view application_id, absl::string_view request_id,
    const google::protobuf::Message& request, ApplicationDecider decide) {
  CORRIDOR_RETURN_IF_ERROR(CheckRequestId(request_id, false, call.method));
  auto op = std::make_unique<Op>();
  op->kind = OpKind::kApplication;
  op->application_id = std::string(application_id);
  op->decide = std::move(decide);
  op->actor = call.principal;
  if (!request_id.empty()) {
    op->idem_key = storage::IdempotencyKey(call.principal, call.method, request_id);
    op->request_hash = storage::RequestFingerprint(request);
  }
  {
    absl::MutexLock lock(&queue_mu_);
    if (stopping_) return absl::UnavailableError("the ledger is stopping");
    queue_.push_back(op.get());
  }
  op->done.WaitForNotification();
  return std::move(op->app_result);
}

absl::StatusOr<v1::Reservation> QuotaLedger::Commit(const CallContext& call,
                                                    const v1::CommitUnitRequest& request) {
  CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                            ParseResourceName(request.name(), "reservations", "name"));
  CORRIDOR_RETURN_IF_ERROR(CheckRequestId(request.request_id(), false, "CommitUnit"));
  auto op = std::make_unique<Op>();
  op->kind = OpKind::kCommit;
  op->reservation_id = id;
  op->actor = call.principal;
  if (!request.request_id().empty()) {
    op->idem_key = storage::IdempotencyKey(call.principal, call.method, request.request_id());
    op->request_hash = storage::RequestFingerprint(request);
  }
  return Submit(std::move(op));
}

absl::StatusOr<v1::Reservation> QuotaLedger::Release(const CallContext& call,
                                                     const v1::ReleaseUnitRequest& request) {
  CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                            ParseResourceName(request.name(), "reservations", "name"));
  if (!IsReasonCode(request.reason_code())) {
    return absl::InvalidArgumentError("reason_code: required, 1..64 characters of [A-Z0-9_]");
  }
  CORRIDOR_RETURN_IF_ERROR(CheckRequestId(request.request_id(), false, "ReleaseUnit"));
  auto op = std::make_unique<Op>();
  op->kind = OpKind::kRelease;
  op->reservation_id = id;
  op->reason_code = request.reason_code();
  op->actor = call.principal;
  if (!request.request_id().empty()) {
    op->idem_key = storage::IdempotencyKey(call.principal, call.method, request.request_id());
    op->request_hash = storage::RequestFingerprint(request);
  }
  return Submit(std::move(op));
}

absl::StatusOr<v1::Reservation> QuotaLedger::Correct(const CallContext& call,
                                                     const v1::CorrectUnitRequest& request) {
  CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                            ParseResourceName(request.name(), "reservations", "name"));
  if (request.reason().empty() || request.reason().size() > kMaxCorrectionReasonBytes) {
    return absl::InvalidArgumentError("reason: required, 1..512 bytes");
  }
  if (request.reason().find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("reason: must not contain NUL characters");
  }
  CORRIDOR_RETURN_IF_ERROR(CheckRequestId(request.request_id(), true, "CorrectUnit"));
  auto op = std::make_unique<Op>();
  op->kind = OpKind::kCorrect;
  op->reservation_id = id;
  op->correction_reason = request.reason();
  op->actor = call.principal;
  op->idem_key = storage::IdempotencyKey(call.principal, call.method, request.request_id());
  op->request_hash = storage::RequestFingerprint(request);
  return Submit(std::move(op));
}

absl::StatusOr<int> QuotaLedger::ExpireDue() {
  const int64_t now = absl::ToUnixMicros(clock_.Now());
  std::vector<std::string> due;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, held] : held_) {
      if (held.deadline_micros <= now) due.push_back(id);
    }
  }
  std::sort(due.begin(), due.end());
  std::vector<std::unique_ptr<Op>> ops;
  for (const std::string& id : due) {
    auto op = std::make_unique<Op>();
    op->kind = OpKind::kExpire;
    op->reservation_id = id;
    op->actor = kExpiryActor;
    op->reason_code = kHoldExpired;
    ops.push_back(std::move(op));
  }
  {
    absl::MutexLock lock(&queue_mu_);
    if (stopping_) return absl::UnavailableError("the ledger is stopping");
    for (auto& op : ops) queue_.push_back(op.get());
  }
  int expired = 0;
  absl::Status first_error;
  for (auto& op : ops) {
    op->done.WaitForNotification();
    if (op->result.ok()) {
      ++expired;
    } else if (!absl::IsFailedPrecondition(op->result.status()) &&
               !absl::IsNotFound(op->result.status()) && first_error.ok()) {
      first_error = op->result.status();
    }
  }
  if (!first_error.ok()) return first_error;
  return expired;
}

absl::StatusOr<v1::Reservation> QuotaLedger::Submit(std::unique_ptr<Op> op) {
  {
    absl::MutexLock lock(&queue_mu_);
    if (stopping_) return absl::UnavailableError("the ledger is stopping");
    queue_.push_back(op.get());
  }
  op->done.WaitForNotification();
  return std::move(op->result);
}

void QuotaLedger::CommitterLoop() {
  for (;;) {
    std::vector<Op*> batch;
    {
      absl::MutexLock lock(&queue_mu_);
      queue_mu_.Await(absl::Condition(
          +[](QuotaLedger* l) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return l->stopping_ || !l->queue_.empty();
          },
          this));
      if (queue_.empty() && stopping_) return;
      const size_t n = std::min(queue_.size(), static_cast<size_t>(options_.max_batch));
      batch.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    const bool changed = ProcessBatch(batch);
    // Outside the ledger's locks: the observer may take its own, and those may
    // be held while asking the ledger for use (MatchEngine does).
    if (changed && on_usage_changed_) on_usage_changed_();
    for (Op* op : batch) op->done.Notify();
  }
}

void QuotaLedger::ExpiryLoop() {
  for (;;) {
    {
      absl::MutexLock lock(&queue_mu_);
      if (queue_mu_.AwaitWithTimeout(
              absl::Condition(
                  +[](QuotaLedger* l) ABSL_NO_THREAD_SAFETY_ANALYSIS { return l->stopping_; },
                  this),
              options_.expiry_interval)) {
        return;
      }
    }
    (void)ExpireDue();
  }
}

bool QuotaLedger::ProcessBatch(std::vector<Op*>& batch) {
  storage::Database& db = stores_.reservations.database();
  std::unique_ptr<storage::AuditLog::Writer> writer = log_.Lock();
  absl::MutexLock lock(&mu_);

  const absl::Time now = clock_.Now();
  const int64_t now_micros = absl::ToUnixMicros(now);
  rocksdb::WriteBatch wb;
  std::vector<v1::AuditEvent> events;
  struct Undo {
    Cell* cell;
    int64_t reserved;
    int64_t committed;
  };
  std::vector<Undo> undo;
  std::vector<std::pair<std::string, std::optional<Held>>> held_undo;
  absl::flat_hash_map<std::string, v1::Reservation> overlay;
  absl::flat_hash_map<std::string, Op*> first_with_key;
  std::vector<Cell*> touched;
  absl::flat_hash_set<Cell*> touched_set;
  bool any_effect = false;
  bool written = false;
  // Whether the batch changes what matching reads: a counter, or whether a
  // candidate holds a placement (an application entering or leaving
  // SELECTED..DEPLOYED, the ALREADY_PLACED rule).
  bool world_changed = false;
  absl::Status stage_error;

  auto path_of = [this](Cell* leaf) -> absl::StatusOr<std::vector<Cell*>> {
    std::vector<Cell*> path;
    for (Cell* c = leaf; c != nullptr;) {
      path.push_back(c);
      if (c->parent.empty()) break;
      if (path.size() > kMaxPathDepth) return absl::InternalError("quota cell tree too deep");
      auto it = cells_.find(storage::QuotaCellKey(c->agreement_id, c->parent));
      if (it == cells_.end()) {
        return absl::InternalError(absl::StrCat(c->name, ": parent cell is missing"));
      }
      c = it->second.get();
    }
    return path;
  };
  auto first_full = [](const std::vector<Cell*>& path) -> const Cell* {
    for (const Cell* c : path) {
      if (!c->HasRoom()) return c;
    }
    return nullptr;
  };
  auto apply = [&](const std::vector<Cell*>& path, int64_t dr, int64_t dc,
                   v1::AuditEvent& event) {
    for (Cell* c : path) {
      c->reserved += dr;
      c->committed += dc;
      undo.push_back({c, dr, dc});
      world_changed = true;
      if (touched_set.insert(c).second) touched.push_back(c);
      v1::CellEffect* effect = event.add_effects();
      effect->set_quota_cell(c->name);
      effect->set_reserved_delta(dr);
      effect->set_committed_delta(dc);
    }
  };
  auto path_from_record = [this](const v1::Reservation& r) -> absl::StatusOr<std::vector<Cell*>> {
    std::vector<Cell*> path;
    for (const std::string& name : r.path()) {
      CORRIDOR_ASSIGN_OR_RETURN(QuotaCellName parsed, ParseQuotaCellName(name, "path"));
      auto it = cells_.find(storage::QuotaCellKey(parsed.agreement_id, parsed.cell_id));
      if (it == cells_.end()) {
        return absl::InternalError(absl::StrCat(r.name(), ": cell ", name, " is missing"));
      }
      path.push_back(it->second.get());
    }
    return path;
  };

  // Applications changed in this batch (the latest version), and the stored
  // version before the batch (null entry when new) for their index changes.
  absl::flat_hash_map<std::string, v1::Application> app_overlay;
  absl::flat_hash_map<std::string, std::unique_ptr<v1::Application>> app_before;
  auto load_application =
      [&](const std::string& id) -> absl::StatusOr<const v1::Application*> {
    if (auto it = app_overlay.find(id); it != app_overlay.end()) return &it->second;
    absl::StatusOr<v1::Application> stored = stores_.applications.Get(id);
    if (absl::IsNotFound(stored.status())) return static_cast<const v1::Application*>(nullptr);
    if (!stored.ok()) return stored.status();
    auto [it, inserted] =
        app_before.emplace(id, std::make_unique<v1::Application>(*std::move(stored)));
    (void)inserted;
    return static_cast<const v1::Application*>(it->second.get());
  };
  // Stages `next` as application `id`'s new version with its event; `from`
  // is the state before ("" for a new application).
  auto put_application = [&](const std::string& id, v1::Application next,
                             const v1::Application* current, const std::string& actor,
                             const std::string& reason_code) {
    const std::string name = ApplicationName(id);
    next.set_name(name);
    if (current == nullptr) {
      SetTimestamp(now, *next.mutable_create_time());
      app_before.emplace(id, nullptr);
    } else {
      *next.mutable_create_time() = current->create_time();
    }
    SetTimestamp(now, *next.mutable_update_time());
    storage::SetNextEtag(current == nullptr ? "" : current->etag(), next);
    v1::AuditEvent event;
    event.set_kind(kEventApplicationTransition);
    event.set_actor(actor);
    event.add_subjects(name);
    if (!next.candidate().empty()) event.add_subjects(next.candidate());
    if (!next.vacancy().empty()) event.add_subjects(next.vacancy());
    if (!next.reservation().empty()) event.add_subjects(next.reservation());
    event.set_reason_code(reason_code);
    event.set_from_state(current == nullptr
                             ? ""
                             : v1::ApplicationState_Name(current->state()));
    event.set_to_state(v1::ApplicationState_Name(next.state()));
    events.push_back(std::move(event));
    auto placed = [](v1::ApplicationState st) {
      return st >= v1::APPLICATION_STATE_SELECTED && st <= v1::APPLICATION_STATE_DEPLOYED;
    };
    if (placed(next.state()) != (current != nullptr && placed(current->state()))) {
      world_changed = true;
    }
    v1::Application& slot = app_overlay[id];
    slot = std::move(next);
    return slot;
  };

  // Holds one unit of `cell_key` (or its overflow) and its ancestors.
  auto reserve_unit = [&](const std::string& cell_key, absl::Duration hold,
                          const v1::ReservationDimensions& dimensions,
                          const std::string& application,
                          const std::string& actor) -> absl::StatusOr<v1::Reservation> {
    v1::AuditEvent event;
    event.set_actor(actor);
    auto leaf_it = cells_.find(cell_key);
    if (leaf_it == cells_.end()) {
      const size_t slash = cell_key.find('/');
      return absl::NotFoundError(absl::StrCat(
          "quota_cell: ",
          QuotaCellResourceName(cell_key.substr(0, slash), cell_key.substr(slash + 1)),
          " not found"));
    }
    Cell* leaf = leaf_it->second.get();
    CORRIDOR_ASSIGN_OR_RETURN(std::vector<Cell*> path, path_of(leaf));
    Cell* chosen = leaf;
    if (const Cell* full = first_full(path)) {
      std::string why = absl::StrCat("quota cell ", full->name, " is full (",
                                     full->reserved + full->committed, " of ", full->cap,
                                     " used)");
      Cell* overflow = nullptr;
      if (!leaf->overflow.empty()) {
        auto o = cells_.find(storage::QuotaCellKey(leaf->agreement_id, leaf->overflow));
        if (o != cells_.end()) overflow = o->second.get();
      }
      if (overflow == nullptr) return absl::FailedPreconditionError(why);
      CORRIDOR_ASSIGN_OR_RETURN(std::vector<Cell*> overflow_path, path_of(overflow));
      if (const Cell* full2 = first_full(overflow_path)) {
        return absl::FailedPreconditionError(absl::StrCat(
            why, "; its overflow cell's path is full too: ", full2->name, " (",
            full2->reserved + full2->committed, " of ", full2->cap, " used)"));
      }
      chosen = overflow;
      path = std::move(overflow_path);
    }
    v1::Reservation r;
    const std::string id = NewResourceId('r');
    r.set_name(ReservationName(id));
    r.set_quota_cell(chosen->name);
    r.set_requested_cell(leaf->name);
    for (const Cell* c : path) r.add_path(c->name);
    r.set_application(application);
    r.set_state(v1::RESERVATION_STATE_HELD);
    SetTimestamp(now + hold, *r.mutable_hold_deadline());
    SetTimestamp(now, *r.mutable_create_time());
    SetTimestamp(now, *r.mutable_update_time());
    *r.mutable_dimensions() = dimensions;
    v1::ReservationDimensions& d = *r.mutable_dimensions();
    const v1::QuotaCell& cell = chosen->record;
    if (d.destination().empty()) d.set_destination(cell.destination());
    if (d.origin().empty()) d.set_origin(cell.origin());
    if (d.isco_code().empty()) d.set_isco_code(cell.isco_prefix());
    if (d.scheme() == v1::SCHEME_UNSPECIFIED) d.set_scheme(cell.scheme());
    storage::SetNextEtag("", r);
    event.set_kind(kEventReserve);
    event.add_subjects(r.name());
    if (!application.empty()) event.add_subjects(application);
    apply(path, 1, 0, event);
    held_undo.emplace_back(id, std::nullopt);
    held_[id] = Held{Micros(r.hold_deadline())};
    overlay[id] = r;
    events.push_back(std::move(event));
    return r;
  };

  // Moves an existing reservation: kCommit, kRelease, kExpire or kCorrect.
  // `lifecycle` is true when an application change asks.
  auto move_unit = [&](OpKind kind, const std::string& reservation_id,
                       const std::string& reason_code, const std::string& correction_reason,
                       const std::string& actor,
                       bool lifecycle) -> absl::StatusOr<v1::Reservation> {
    v1::AuditEvent event;
    event.set_actor(actor);
    v1::Reservation r;
    if (auto it = overlay.find(reservation_id); it != overlay.end()) {
      r = it->second;
    } else {
      absl::StatusOr<v1::Reservation> stored = stores_.reservations.Get(reservation_id);
      if (absl::IsNotFound(stored.status())) {
        return absl::NotFoundError(absl::StrCat("reservations/", reservation_id, " not found"));
      }
      if (!stored.ok()) return stored.status();
      r = *std::move(stored);
    }
    v1::ReservationState from = v1::RESERVATION_STATE_HELD;
    v1::ReservationState to = v1::RESERVATION_STATE_UNSPECIFIED;
    int64_t dr = -1;
    int64_t dc = 0;
    switch (kind) {
      case OpKind::kCommit:
        to = v1::RESERVATION_STATE_COMMITTED;
        dc = 1;
        event.set_kind(kEventCommit);
        break;
      case OpKind::kRelease:
        to = v1::RESERVATION_STATE_RELEASED;
        event.set_kind(kEventRelease);
        break;
      case OpKind::kExpire:
        to = v1::RESERVATION_STATE_EXPIRED;
        event.set_kind(kEventExpire);
        break;
      case OpKind::kCorrect:
        from = v1::RESERVATION_STATE_COMMITTED;
        to = v1::RESERVATION_STATE_CORRECTED;
        dr = 0;
        dc = -1;
        event.set_kind(kEventCorrect);
        break;
      default:
        return absl::InternalError("unknown ledger operation");
    }
    if (!lifecycle && !r.application().empty() &&
        (kind == OpKind::kCommit || kind == OpKind::kRelease)) {
      return absl::FailedPreconditionError(absl::StrCat(
          r.name(), " belongs to ", r.application(),
          "; its unit moves with the application (ApplicationService.TransitionApplication)"));
    }
    if (r.state() != from) {
      return absl::FailedPreconditionError(
          absl::StrCat(r.name(), " is ", v1::ReservationState_Name(r.state()), ", not ",
                       v1::ReservationState_Name(from)));
    }
    const int64_t deadline = Micros(r.hold_deadline());
    if (kind == OpKind::kExpire && deadline > now_micros) {
      return absl::FailedPreconditionError(absl::StrCat(r.name(), "'s hold has not expired"));
    }
    if ((kind == OpKind::kCommit || kind == OpKind::kRelease) && deadline <= now_micros) {
      return absl::FailedPreconditionError(
          absl::StrCat(r.name(), "'s hold passed its deadline; it is being expired"));
    }
    CORRIDOR_ASSIGN_OR_RETURN(std::vector<Cell*> path, path_from_record(r));
    // The application whose hold expires expires with it.
    if (kind == OpKind::kExpire && !r.application().empty()) {
      CORRIDOR_ASSIGN_OR_RETURN(
          std::string app_id, ParseResourceName(r.application(), "applications", "application"));
      CORRIDOR_ASSIGN_OR_RETURN(const v1::Application* app, load_application(app_id));
      if (app != nullptr && app->reservation() == r.name() && HoldsUnit(app->state())) {
        v1::Application next = *app;
        next.set_state(v1::APPLICATION_STATE_EXPIRED);
        next.clear_hold_deadline();
        v1::ApplicationEvent* h = next.add_history();
        h->set_from_state(app->state());
        h->set_to_state(v1::APPLICATION_STATE_EXPIRED);
        h->set_actor(actor);
        SetTimestamp(now, *h->mutable_time());
        h->set_reason_code(reason_code);
        put_application(app_id, std::move(next), app, actor, reason_code);
      }
    }
    r.set_state(to);
    SetTimestamp(now, *r.mutable_update_time());
    if (kind == OpKind::kRelease || kind == OpKind::kExpire) {
      r.set_reason_code(reason_code);
      event.set_reason_code(reason_code);
    } else if (kind == OpKind::kCorrect) {
      r.set_reason_code(kMinistryCorrection);
      r.set_correction_reason(correction_reason);
      event.set_reason_code(kMinistryCorrection);
    }
    storage::SetNextEtag(r.etag(), r);
    event.add_subjects(r.name());
    if (!r.application().empty()) event.add_subjects(r.application());
    apply(path, dr, dc, event);
    if (from == v1::RESERVATION_STATE_HELD) {
      auto h = held_.find(reservation_id);
      held_undo.emplace_back(reservation_id,
                             h == held_.end() ? std::nullopt : std::optional<Held>(h->second));
      if (h != held_.end()) held_.erase(h);
    }
    overlay[reservation_id] = r;
    events.push_back(std::move(event));
    return r;
  };

  // An application change: the decider's plan, its unit's move, the record.
  auto change_application = [&](Op& op) -> absl::StatusOr<v1::Application> {
    CORRIDOR_ASSIGN_OR_RETURN(const v1::Application* current,
                              load_application(op.application_id));
    CORRIDOR_ASSIGN_OR_RETURN(ApplicationPlan plan, op.decide(current, now));
    v1::Application& next = plan.next;
    const std::string name = ApplicationName(op.application_id);
    switch (plan.effect) {
      case LedgerEffect::kNone:
        break;
      case LedgerEffect::kReserve: {
        if (plan.hold <= absl::ZeroDuration()) plan.hold = options_.default_hold;
        CORRIDOR_ASSIGN_OR_RETURN(
            v1::Reservation r,
            reserve_unit(plan.cell_key, plan.hold, plan.dimensions, name, op.actor));
        next.set_reservation(r.name());
        next.set_quota_cell(r.quota_cell());
        *next.mutable_hold_deadline() = r.hold_deadline();
        break;
      }
      case LedgerEffect::kCommit:
      case LedgerEffect::kRelease: {
        if (current == nullptr || current->reservation().empty()) {
          return absl::FailedPreconditionError(
              absl::StrCat(name, " holds no quota unit to ",
                           plan.effect == LedgerEffect::kCommit ? "commit" : "release"));
        }
        CORRIDOR_ASSIGN_OR_RETURN(
            std::string reservation_id,
            ParseResourceName(current->reservation(), "reservations", "reservation"));
        const OpKind kind =
            plan.effect == LedgerEffect::kCommit ? OpKind::kCommit : OpKind::kRelease;
        absl::StatusOr<v1::Reservation> moved =
            move_unit(kind, reservation_id, plan.reason_code, "", op.actor, true);
        if (!moved.ok()) {
          return absl::Status(moved.status().code(),
                              absl::StrCat(name, ": ", moved.status().message()));
        }
        next.clear_hold_deadline();
        break;
      }
    }
    return put_application(op.application_id, std::move(next), current, op.actor,
                           plan.reason_code);
  };

  auto decide = [&](Op& op) -> absl::StatusOr<v1::Reservation> {
    if (op.kind == OpKind::kReserve) {
      return reserve_unit(op.cell_key, op.hold, op.dimensions, op.application, op.actor);
    }
    return move_unit(op.kind, op.reservation_id, op.reason_code, op.correction_reason, op.actor,
                     false);
  };

  // Every stored idempotency entry of the batch in one MultiGet.
  std::vector<rocksdb::Slice> idem_keys;
  std::vector<rocksdb::ColumnFamilyHandle*> idem_families;
  for (Op* op : batch) {
    if (op->idem_key.empty()) continue;
    idem_keys.push_back(ToSlice(op->idem_key));
    idem_families.push_back(db.family(storage::Family::kIdempotency));
  }
  std::vector<std::string> idem_values;
  std::vector<rocksdb::Status> idem_statuses;
  if (!idem_keys.empty()) {
    idem_statuses =
        db.db()->MultiGet(rocksdb::ReadOptions(), idem_families, idem_keys, &idem_values);
  }
  size_t idem_at = 0;

  // An operation's outcome goes to `result` (reservations) or `app_result`.
  auto fail = [](Op& op, absl::Status status) {
    if (op.kind == OpKind::kApplication) {
      op.app_result = std::move(status);
    } else {
      op.result = std::move(status);
    }
  };
  auto ok = [](const Op& op) {
    return op.kind == OpKind::kApplication ? op.app_result.ok() : op.result.ok();
  };

  for (Op* op : batch) {
    if (!op->idem_key.empty()) {
      const size_t mine = idem_at++;
      if (auto it = first_with_key.find(op->idem_key); it != first_with_key.end()) {
        if (it->second->request_hash != op->request_hash) {
          fail(*op,
               absl::FailedPreconditionError("request_id: already used with a different request"));
        } else {
          op->duplicate_of = it->second;
        }
        continue;
      }
      const std::string& stored = idem_values[mine];
      const rocksdb::Status& s = idem_statuses[mine];
      if (s.ok()) {
        absl::StatusOr<std::optional<std::string>> reply =
            storage::MatchIdempotencyEntry(stored, op->request_hash);
        if (!reply.ok()) {
          fail(*op, reply.status());
        } else if (op->kind == OpKind::kApplication) {
          v1::Application a;
          if (!a.ParseFromString(**reply)) {
            fail(*op, absl::DataLossError("stored reply of the idempotent request does not parse"));
          } else {
            op->app_result = std::move(a);
          }
        } else {
          v1::Reservation r;
          if (!r.ParseFromString(**reply)) {
            fail(*op, absl::DataLossError("stored reply of the idempotent request does not parse"));
          } else {
            op->result = std::move(r);
          }
        }
        continue;
      }
      if (!s.IsNotFound()) {
        fail(*op, storage::FromRocks(s, "read idempotency record"));
        continue;
      }
      first_with_key[op->idem_key] = op;
    }
    std::string reply;
    if (op->kind == OpKind::kApplication) {
      op->app_result = change_application(*op);
      if (!op->app_result.ok()) continue;
      if (!op->idem_key.empty()) reply = storage::SerializeDeterministically(*op->app_result);
    } else {
      op->result = decide(*op);
      if (!op->result.ok()) continue;
      if (!op->idem_key.empty()) reply = storage::SerializeDeterministically(*op->result);
    }
    any_effect = true;
    if (!op->idem_key.empty()) {
      rocksdb::Status s =
          wb.Put(db.family(storage::Family::kIdempotency), ToSlice(op->idem_key),
                 ToSlice(storage::IdempotencyEntry(op->request_hash, reply)));
      if (!s.ok() && stage_error.ok()) stage_error = storage::FromRocks(s, "stage idempotency");
    }
  }

  if (any_effect && stage_error.ok()) {
    for (const auto& [id, r] : overlay) {
      rocksdb::Status s = wb.Put(db.family(storage::Family::kReservations), ToSlice(id),
                                 ToSlice(storage::SerializeDeterministically(r)));
      if (!s.ok()) stage_error = storage::FromRocks(s, "stage reservation");
    }
    for (const auto& [id, app] : app_overlay) {
      if (!stage_error.ok()) break;
      auto before = app_before.find(id);
      stage_error = stores_.applications.StageWrite(
          wb, id, before == app_before.end() ? nullptr : before->second.get(), app);
    }
    for (const Cell* c : touched) {
      rocksdb::Status s =
          wb.Put(db.family(storage::Family::kLedger), ToSlice(c->key),
                 ToSlice(storage::EncodeCellCounters(c->reserved, c->committed)));
      if (!s.ok()) stage_error = storage::FromRocks(s, "stage counters");
    }
    if (stage_error.ok()) stage_error = writer->Stage(wb, events);
    if (stage_error.ok()) {
      // Always synced, whatever --sync says for other writes (RELIABILITY.md).
      rocksdb::WriteOptions synced = db.write_options();
      synced.sync = true;
      // Through the base database: these keys are written only under the
      // audit log's append lock (held here), so the TransactionDB's per-key
      // locks would only add work.
      stage_error = storage::FromRocks(db.db()->GetRootDB()->Write(synced, &wb), "ledger write");
    }
    if (stage_error.ok()) {
      writer->Committed();
      written = true;
    } else {
      // Nothing of the batch is durable: undo every decision.
      for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
        it->cell->reserved -= it->reserved;
        it->cell->committed -= it->committed;
      }
      for (auto it = held_undo.rbegin(); it != held_undo.rend(); ++it) {
        if (it->second) {
          held_[it->first] = *it->second;
        } else {
          held_.erase(it->first);
        }
      }
      for (Op* op : batch) {
        if (ok(*op) && op->duplicate_of == nullptr) {
          fail(*op, absl::UnavailableError(
                        absl::StrCat("the ledger could not write: ", stage_error.message())));
        }
      }
    }
  }
  for (Op* op : batch) {
    if (op->duplicate_of == nullptr) continue;
    op->result = op->duplicate_of->result;
    op->app_result = op->duplicate_of->app_result;
  }
  return written && world_changed;
}

std::optional<CellUsage> QuotaLedger::Usage(absl::string_view agreement_id,
                                            absl::string_view cell_id) const {
  absl::MutexLock lock(&mu_);
  auto it = cells_.find(storage::QuotaCellKey(agreement_id, cell_id));
  if (it == cells_.end()) return std::nullopt;
  return CellUsage{it->second->cap, it->second->reserved, it->second->committed};
}

void QuotaLedger::FillUsage(v1::QuotaCell& cell) const {
  absl::StatusOr<QuotaCellName> name = ParseQuotaCellName(cell.name(), "name");
  if (!name.ok()) return;
  std::optional<CellUsage> usage = Usage(name->agreement_id, name->cell_id);
  cell.set_reserved(usage ? usage->reserved : 0);
  cell.set_committed(usage ? usage->committed : 0);
}

}  // namespace corridor::matcher
