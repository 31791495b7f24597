// The quota ledger and the audit log over gRPC: handlers only translate.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/resource_name.h"
#include "matcher/filter.h"
#include "matcher/quota_report.h"
#include "server/list_util.h"
#include "server/services.h"
#include "storage/page_token.h"

namespace corridor::server {
namespace {

constexpr int kDefaultEventPage = 100;
constexpr int kMaxEventPage = 1000;
// Events a filtered listing reads for one page at most; the page may be
// short, and its token resumes after the last event read.
constexpr uint64_t kMaxEventsScanned = 20000;

std::string HashBytes(const Hash& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

bool Matches(const v1::AuditEvent& e, const std::vector<matcher::FilterTerm>& terms) {
  for (const matcher::FilterTerm& t : terms) {
    if (t.field == "kind" && e.kind() != t.value) return false;
    if (t.field == "subject" &&
        std::find(e.subjects().begin(), e.subjects().end(), t.value) == e.subjects().end()) {
      return false;
    }
  }
  return true;
}

}  // namespace

// ---- LedgerService ----

Status LedgerServiceImpl::ReserveUnit(ServerContext* ctx, const v1::ReserveUnitRequest* req,
                                      v1::Reservation* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.LedgerService/ReserveUnit", *req, resp,
               [&](const Principal&, const matcher::CallContext& call) {
                 return ledger_.Reserve(call, *req);
               });
}

Status LedgerServiceImpl::CommitUnit(ServerContext* ctx, const v1::CommitUnitRequest* req,
                                     v1::Reservation* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.LedgerService/CommitUnit", *req, resp,
               [&](const Principal&, const matcher::CallContext& call) {
                 return ledger_.Commit(call, *req);
               });
}

Status LedgerServiceImpl::ReleaseUnit(ServerContext* ctx, const v1::ReleaseUnitRequest* req,
                                      v1::Reservation* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.LedgerService/ReleaseUnit", *req, resp,
               [&](const Principal&, const matcher::CallContext& call) {
                 return ledger_.Release(call, *req);
               });
}

Status LedgerServiceImpl::CorrectUnit(ServerContext* ctx, const v1::CorrectUnitRequest* req,
                                      v1::Reservation* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.LedgerService/CorrectUnit", *req, resp,
               [&](const Principal&, const matcher::CallContext& call) {
                 return ledger_.Correct(call, *req);
               });
}

Status LedgerServiceImpl::GetReservation(ServerContext* ctx,
                                         const v1::GetReservationRequest* req,
                                         v1::Reservation* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.LedgerService/GetReservation", *req, resp,
               [&](const Principal&, const matcher::CallContext&) -> absl::StatusOr<v1::Reservation> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                           ParseResourceName(req->name(), "reservations", "name"));
                 return registry_.reservations().Get(id);
               });
}

Status LedgerServiceImpl::ListReservations(ServerContext* ctx,
                                           const v1::ListReservationsRequest* req,
                                           v1::ListReservationsResponse* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.LedgerService/ListReservations", *req, resp,
               [&](const Principal& who, const matcher::CallContext& call) {
                 return ToListResponse(
                     registry_.reservations().List(
                         call, ListParamsOf(gate_.authorizer(), who, call, *req)),
                     &v1::ListReservationsResponse::mutable_reservations);
               });
}

// ---- AuditService ----

Status AuditServiceImpl::ListAuditEvents(ServerContext* ctx,
                                         const v1::ListAuditEventsRequest* req,
                                         v1::ListAuditEventsResponse* resp) {
  return Serve(
      gate_, *ctx, "/corridor.v1.AuditService/ListAuditEvents", *req, resp,
      [&](const Principal&,
          const matcher::CallContext& call) -> absl::StatusOr<v1::ListAuditEventsResponse> {
        int page_size = req->page_size() == 0 ? kDefaultEventPage : req->page_size();
        if (page_size < 1 || page_size > kMaxEventPage) {
          return absl::InvalidArgumentError("page_size: must be 0..1000 (0 means 100)");
        }
        if (req->start_index() < 0) {
          return absl::InvalidArgumentError("start_index: must be >= 0");
        }
        CORRIDOR_ASSIGN_OR_RETURN(std::vector<matcher::FilterTerm> terms,
                                  matcher::ParseFilter(req->filter(), {"kind", "subject"}));
        const std::string scope = absl::StrCat("audit-events\n", call.principal, "\n",
                                               matcher::CanonicalFilter(terms), "\n",
                                               req->start_index());
        const std::string& secret = stores_.agencies.database().page_token_secret();
        uint64_t next = static_cast<uint64_t>(req->start_index());
        if (!req->page_token().empty()) {
          CORRIDOR_ASSIGN_OR_RETURN(std::string position,
                                    storage::DecodePageToken(secret, scope, req->page_token()));
          if (!absl::SimpleAtoi(position, &next)) {
            return absl::InvalidArgumentError("page_token: invalid");
          }
        }
        const uint64_t end = log_.size();
        const uint64_t scan_limit = next + kMaxEventsScanned;
        v1::ListAuditEventsResponse response;
        while (next < end && next < scan_limit && response.events_size() < page_size) {
          const size_t want = static_cast<size_t>(
              std::min<uint64_t>(terms.empty() ? page_size - response.events_size() : 1000,
                                 end - next));
          CORRIDOR_ASSIGN_OR_RETURN(std::vector<v1::AuditEvent> events, log_.Read(next, want));
          if (events.empty()) break;
          for (v1::AuditEvent& e : events) {
            next = static_cast<uint64_t>(e.index()) + 1;
            if (Matches(e, terms)) *response.add_events() = std::move(e);
            if (response.events_size() >= page_size) break;
          }
        }
        if (next < end) {
          response.set_next_page_token(
              storage::EncodePageToken(secret, scope, absl::StrCat(next)));
        }
        return response;
      });
}

Status AuditServiceImpl::GetTreeHead(ServerContext* ctx, const v1::GetTreeHeadRequest* req,
                                     v1::SignedTreeHead* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.AuditService/GetTreeHead", *req, resp,
               [&](const Principal&, const matcher::CallContext&)
                   -> absl::StatusOr<v1::SignedTreeHead> { return log_.Head(); });
}

Status AuditServiceImpl::GetInclusionProof(ServerContext* ctx,
                                           const v1::GetInclusionProofRequest* req,
                                           v1::GetInclusionProofResponse* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.AuditService/GetInclusionProof", *req, resp,
               [&](const Principal&, const matcher::CallContext&)
                   -> absl::StatusOr<v1::GetInclusionProofResponse> {
                 if (req->leaf_index() < 0) {
                   return absl::InvalidArgumentError("leaf_index: must be >= 0");
                 }
                 if (req->tree_size() < 0) {
                   return absl::InvalidArgumentError("tree_size: must be >= 0 (0 means the head)");
                 }
                 const uint64_t size = req->tree_size() == 0 ? log_.size()
                                                             : static_cast<uint64_t>(req->tree_size());
                 CORRIDOR_ASSIGN_OR_RETURN(
                     std::vector<Hash> path,
                     log_.InclusionProof(static_cast<uint64_t>(req->leaf_index()), size));
                 v1::GetInclusionProofResponse response;
                 for (const Hash& h : path) response.add_audit_path(HashBytes(h));
                 return response;
               });
}

Status AuditServiceImpl::GetConsistencyProof(ServerContext* ctx,
                                             const v1::GetConsistencyProofRequest* req,
                                             v1::GetConsistencyProofResponse* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.AuditService/GetConsistencyProof", *req, resp,
               [&](const Principal&, const matcher::CallContext&)
                   -> absl::StatusOr<v1::GetConsistencyProofResponse> {
                 if (req->first_size() < 1) {
                   return absl::InvalidArgumentError("first_size: must be >= 1");
                 }
                 if (req->second_size() < req->first_size()) {
                   return absl::InvalidArgumentError("second_size: must be >= first_size");
                 }
                 CORRIDOR_ASSIGN_OR_RETURN(
                     std::vector<Hash> proof,
                     log_.ConsistencyProof(static_cast<uint64_t>(req->first_size()),
                                           static_cast<uint64_t>(req->second_size())));
                 v1::GetConsistencyProofResponse response;
                 for (const Hash& h : proof) response.add_proof(HashBytes(h));
                 return response;
               });
}

Status AuditServiceImpl::GetQuotaUsageReport(ServerContext* ctx,
                                             const v1::GetQuotaUsageReportRequest* req,
                                             v1::QuotaUsageReport* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.AuditService/GetQuotaUsageReport", *req, resp,
               [&](const Principal&, const matcher::CallContext&)
                   -> absl::StatusOr<v1::QuotaUsageReport> {
                 CORRIDOR_ASSIGN_OR_RETURN(
                     std::string agreement,
                     ParseResourceName(req->agreement(), "agreements", "agreement"));
                 absl::StatusOr<v1::Agreement> a = stores_.agreements.Get(agreement);
                 if (absl::IsNotFound(a.status())) {
                   return absl::NotFoundError(absl::StrCat(req->agreement(), " not found"));
                 }
                 CORRIDOR_RETURN_IF_ERROR(a.status());
                 absl::Time as_of = stores_.agreements.database().clock().Now();
                 if (req->has_as_of()) {
                   as_of = absl::FromUnixSeconds(req->as_of().seconds()) +
                           absl::Nanoseconds(req->as_of().nanos());
                 }
                 return matcher::BuildUsageReport(log_, stores_, agreement, as_of,
                                                  req->dimension());
               });
}

}  // namespace corridor::server
