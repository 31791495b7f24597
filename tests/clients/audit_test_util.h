#ifndef CORRIDOR_TESTS_CLIENTS_AUDIT_TEST_UTIL_H_
#define CORRIDOR_TESTS_CLIENTS_AUDIT_TEST_UTIL_H_

// A real corridord (tests/server/fixtures.h) with a ledger history, and an
// AuditSource that passes the real answers through hooks that may tamper
// with them.

#include <functional>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/audit_verifier.h"
#include "clients/cli/connection.h"
#include "corridor/v1/agreement_service.grpc.pb.h"
#include "corridor/v1/ledger_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/server/fixtures.h"

namespace corridor::cli::testing {

// The bearer token TestServer gives `principal`.
inline std::string TokenFor(const std::string& principal) {
  return absl::StrCat("test-token-for-", principal);
}

// A TestServer seeded with reference data, and ledger calls on it.
class LedgerServer {
 public:
  explicit LedgerServer(const std::string& name) : server_(name) {
    server_.Seed();
    ledger_ = v1::LedgerService::NewStub(server_.channel());
  }

  corridor::testing::TestServer& server() { return server_; }
  storage::AuditLog& audit_log() { return server_.server().audit_log(); }

  // A connection acting as `principal`.
  std::unique_ptr<Connection> Connect(const std::string& principal = "operator") {
    ClientOptions options;
    options.token = TokenFor(principal);
    return std::make_unique<Connection>(server_.channel(), options);
  }

  // The log's public key as 64 hex digits.
  std::string PublicKeyHex() {
    return absl::BytesToHexString(server_.server().audit_log().public_key());
  }
  std::string PublicKey() { return server_.server().audit_log().public_key(); }

  // Reserves a unit of agreements/{agreement}/quotaCells/{cell}; returns the
  // reservation name.
  std::string Reserve(const std::string& agreement, const std::string& cell,
                      const std::string& request_id) {
    v1::ReserveUnitRequest req;
    req.set_quota_cell(absl::StrCat("agreements/", agreement, "/quotaCells/", cell));
    req.set_request_id(request_id);
    v1::Reservation out;
    grpc::Status st = ledger_->ReserveUnit(server_.As("operator").get(), req, &out);
    EXPECT_TRUE(st.ok()) << "reserve " << request_id << ": " << st.error_message();
    return out.name();
  }
  void Commit(const std::string& name) {
    v1::CommitUnitRequest req;
    req.set_name(name);
    v1::Reservation out;
    grpc::Status st = ledger_->CommitUnit(server_.As("operator").get(), req, &out);
    EXPECT_TRUE(st.ok()) << "commit " << name << ": " << st.error_message();
  }
  void Release(const std::string& name, const std::string& reason) {
    v1::ReleaseUnitRequest req;
    req.set_name(name);
    req.set_reason_code(reason);
    v1::Reservation out;
    grpc::Status st = ledger_->ReleaseUnit(server_.As("operator").get(), req, &out);
    EXPECT_TRUE(st.ok()) << "release " << name << ": " << st.error_message();
  }
  void Correct(const std::string& name, const std::string& request_id) {
    v1::CorrectUnitRequest req;
    req.set_name(name);
    req.set_reason("visa revoked before entry (test)");
    req.set_request_id(request_id);
    v1::Reservation out;
    grpc::Status st = ledger_->CorrectUnit(server_.As("ministry:ES").get(), req, &out);
    EXPECT_TRUE(st.ok()) << "correct " << name << ": " << st.error_message();
  }
  void SetCap(const std::string& agreement, const std::string& cell, int64_t cap) {
    v1::GetQuotaCellRequest get;
    get.set_name(absl::StrCat("agreements/", agreement, "/quotaCells/", cell));
    v1::QuotaCell current;
    grpc::Status st =
        server_.agreements->GetQuotaCell(server_.As("operator").get(), get, &current);
    ASSERT_TRUE(st.ok()) << st.error_message();
    v1::UpdateQuotaCellRequest req;
    *req.mutable_quota_cell() = current;
    req.mutable_quota_cell()->set_cap(cap);
    req.mutable_update_mask()->add_paths("cap");
    v1::QuotaCell out;
    st = server_.agreements->UpdateQuotaCell(server_.As("operator").get(), req, &out);
    ASSERT_TRUE(st.ok()) << "cap of " << cell << ": " << st.error_message();
  }

  // Agreements, cells, reservations, commits, releases, a correction and a
  // cap change, on both seeded agreements.
  void BuildHistory(const std::string& prefix = "h") {
    std::vector<std::string> es;
    for (int i = 0; i < 6; ++i) es.push_back(Reserve("es-co", "es-2027", absl::StrCat(prefix, "-es-", i)));
    Commit(es[0]);
    Commit(es[1]);
    Release(es[2], "WITHDRAWN");
    Release(es[3], "VISA_REFUSED");
    Correct(es[1], absl::StrCat(prefix, "-correct-1"));
    SetCap("es-co", "es-2027", 400);
    const std::string fr1 = Reserve("fr-ma", "fr-2027", absl::StrCat(prefix, "-fr-1"));
    Reserve("fr-ma", "fr-2027", absl::StrCat(prefix, "-fr-2"));
    Commit(fr1);
  }

 private:
  corridor::testing::TestServer server_;
  std::unique_ptr<v1::LedgerService::Stub> ledger_;
};

// Passes every call to `real`, then lets a hook change the answer.
class TamperingSource : public AuditSource {
 public:
  explicit TamperingSource(AuditSource& real) : real_(real) {}

  absl::StatusOr<v1::SignedTreeHead> GetTreeHead() override {
    auto r = real_.GetTreeHead();
    if (r.ok() && on_head) on_head(*r);
    return r;
  }
  absl::StatusOr<v1::ListAuditEventsResponse> ListAuditEvents(
      const v1::ListAuditEventsRequest& request) override {
    auto r = real_.ListAuditEvents(request);
    if (r.ok() && on_events) on_events(request, *r);
    return r;
  }
  absl::StatusOr<v1::GetInclusionProofResponse> GetInclusionProof(
      const v1::GetInclusionProofRequest& request) override {
    auto r = real_.GetInclusionProof(request);
    if (r.ok() && on_inclusion) on_inclusion(request, *r);
    return r;
  }
  absl::StatusOr<v1::GetConsistencyProofResponse> GetConsistencyProof(
      const v1::GetConsistencyProofRequest& request) override {
    return real_.GetConsistencyProof(request);
  }
  absl::StatusOr<v1::ListAgreementsResponse> ListAgreements(
      const v1::ListAgreementsRequest& request) override {
    return real_.ListAgreements(request);
  }
  absl::StatusOr<v1::ListQuotaCellsResponse> ListQuotaCells(
      const v1::ListQuotaCellsRequest& request) override {
    auto r = real_.ListQuotaCells(request);
    if (r.ok() && on_cells) on_cells(request, *r);
    return r;
  }

  std::function<void(v1::SignedTreeHead&)> on_head;
  std::function<void(const v1::ListAuditEventsRequest&, v1::ListAuditEventsResponse&)> on_events;
  std::function<void(const v1::GetInclusionProofRequest&, v1::GetInclusionProofResponse&)>
      on_inclusion;
  std::function<void(const v1::ListQuotaCellsRequest&, v1::ListQuotaCellsResponse&)> on_cells;

 private:
  AuditSource& real_;
};

}  // namespace corridor::cli::testing

#endif  // CORRIDOR_TESTS_CLIENTS_AUDIT_TEST_UTIL_H_
