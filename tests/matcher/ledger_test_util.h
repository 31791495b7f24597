#ifndef CORRIDOR_TESTS_MATCHER_LEDGER_TEST_UTIL_H_
#define CORRIDOR_TESTS_MATCHER_LEDGER_TEST_UTIL_H_

// A quota ledger over a fresh database with an audit log, and helpers to
// build agreements and cell trees straight through the (audited) stores.

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/resource_name.h"
#include "common/signing.h"
#include "gtest/gtest.h"
#include "matcher/quota_ledger.h"
#include "storage/audit_log.h"
#include "storage/stores.h"
#include "tests/storage/storage_test_util.h"

namespace corridor::matcher::testing_util {

inline SigningKey TestSigningKey() {
  return SigningKey::FromSeed(std::string(32, '\x07')).value();
}

class LedgerFixture {
 public:
  explicit LedgerFixture(bool sync = false) : db_(sync) { Open(); }
  ~LedgerFixture() { Close(); }

  // Closes everything and opens it again on the same directory.
  void Restart() {
    Close();
    db_.Reopen();
    Open();
  }
  void Close() {
    ledger_.reset();
    stores_.reset();
    log_.reset();
  }
  // Opens log, stores and ledger; the status of the first failure is kept.
  void Open() {
    absl::StatusOr<std::unique_ptr<storage::AuditLog>> log =
        storage::AuditLog::Open(db_.db(), TestSigningKey());
    open_status_ = log.status();
    if (!log.ok()) return;
    log_ = *std::move(log);
    stores_ = std::make_unique<storage::Stores>(db_.db());
    QuotaLedgerOptions options;
    options.expiry_interval = absl::ZeroDuration();
    absl::StatusOr<std::unique_ptr<QuotaLedger>> ledger =
        QuotaLedger::Start(*stores_, *log_, db_.clock(), options);
    open_status_ = ledger.status();
    if (ledger.ok()) ledger_ = *std::move(ledger);
  }

  // An agreement and a cell, written through the audited stores.
  void AddAgreement(const std::string& id) {
    v1::Agreement a;
    a.set_name(AgreementName(id));
    a.add_destinations("ES");
    a.add_origins("CO");
    ASSERT_TRUE(stores_->agreements.Create(id, a).ok());
  }
  void AddCell(const std::string& agreement, const std::string& id, int64_t cap,
               const std::string& parent = "", const std::string& overflow = "") {
    v1::QuotaCell c;
    c.set_name(QuotaCellResourceName(agreement, id));
    c.set_parent(parent);
    c.set_overflow_cell(overflow);
    c.set_destination("ES");
    c.set_cap(cap);
    absl::StatusOr<v1::QuotaCell> created =
        stores_->quota_cells.Create(storage::QuotaCellKey(agreement, id), c);
    ASSERT_TRUE(created.ok()) << created.status();
  }
  absl::Status SetCap(const std::string& agreement, const std::string& id, int64_t cap) {
    return stores_->quota_cells
        .Mutate(storage::QuotaCellKey(agreement, id), "",
                [cap](v1::QuotaCell& c) {
                  c.set_cap(cap);
                  return absl::OkStatus();
                })
        .status();
  }

  absl::StatusOr<v1::Reservation> Reserve(const std::string& agreement, const std::string& cell,
                                          const std::string& request_id,
                                          const std::string& principal = "ministry:ES") {
    v1::ReserveUnitRequest r;
    r.set_quota_cell(QuotaCellResourceName(agreement, cell));
    r.set_request_id(request_id);
    r.set_hold_seconds(3600);
    return ledger_->Reserve(Call(principal, "ReserveUnit"), r);
  }
  absl::StatusOr<v1::Reservation> Commit(const std::string& name) {
    v1::CommitUnitRequest r;
    r.set_name(name);
    return ledger_->Commit(Call("ministry:ES", "CommitUnit"), r);
  }
  absl::StatusOr<v1::Reservation> Release(const std::string& name,
                                          const std::string& reason = "WITHDRAWN") {
    v1::ReleaseUnitRequest r;
    r.set_name(name);
    r.set_reason_code(reason);
    return ledger_->Release(Call("ministry:ES", "ReleaseUnit"), r);
  }
  absl::StatusOr<v1::Reservation> Correct(const std::string& name, const std::string& request_id) {
    v1::CorrectUnitRequest r;
    r.set_name(name);
    r.set_reason("visa revoked on appeal");
    r.set_request_id(request_id);
    return ledger_->Correct(Call("ministry:ES", "CorrectUnit"), r);
  }
  CellUsage Usage(const std::string& agreement, const std::string& cell) {
    std::optional<CellUsage> u = ledger_->Usage(agreement, cell);
    EXPECT_TRUE(u.has_value()) << agreement << "/" << cell;
    return u.value_or(CellUsage{});
  }

  static CallContext Call(const std::string& principal, const std::string& method) {
    return CallContext{principal, absl::StrCat("/corridor.v1.LedgerService/", method)};
  }

  QuotaLedger& ledger() { return *ledger_; }
  storage::AuditLog& log() { return *log_; }
  storage::Stores& stores() { return *stores_; }
  storage::Database& db() { return db_.db(); }
  FakeClock& clock() { return db_.clock(); }
  const absl::Status& open_status() const { return open_status_; }

 private:
  storage::testing_util::TestDatabase db_;
  std::unique_ptr<storage::AuditLog> log_;
  std::unique_ptr<storage::Stores> stores_;
  std::unique_ptr<QuotaLedger> ledger_;
  absl::Status open_status_;
};

}  // namespace corridor::matcher::testing_util

#endif  // CORRIDOR_TESTS_MATCHER_LEDGER_TEST_UTIL_H_
