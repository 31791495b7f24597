#ifndef CORRIDOR_SERVER_GATE_H_
#define CORRIDOR_SERVER_GATE_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/principal.h"
#include "google/protobuf/message.h"
#include "grpcpp/server_context.h"
#include "matcher/collection.h"
#include "server/auth.h"
#include "server/authz.h"
#include "server/status.h"
#include "storage/audit_log.h"

namespace corridor::server {

// What every handler does before the core runs: authenticate the caller,
// authorise the call against the policy table, and clamp its deadline.
// Thread-safe; the references must outlive this object.
class Gate {
 public:
  Gate(const Authenticator& authenticator, const Authorizer& authorizer,
       absl::Duration max_deadline)
      : authenticator_(authenticator), authorizer_(authorizer), max_deadline_(max_deadline) {}

  // The caller, when authenticated and allowed to call `method` with `request`.
  // DEADLINE_EXCEEDED when the call's deadline has already passed (no work is
  // started for it), UNAUTHENTICATED or PERMISSION_DENIED otherwise.
  absl::StatusOr<Principal> Admit(const grpc::ServerContext& context, absl::string_view method,
                                  const google::protobuf::Message& request) const {
    if (absl::FromChrono(context.deadline()) <= absl::Now()) {
      return absl::DeadlineExceededError("the call's deadline passed before it started");
    }
    absl::StatusOr<Principal> who = authenticator_.Authenticate(context);
    if (!who.ok()) return who.status();
    absl::Status allowed = authorizer_.Check(*who, method, request);
    if (!allowed.ok()) return allowed;
    return who;
  }

  // The call's deadline, clamped to the server's maximum (a call with no
  // deadline reports one in year 2262).
  absl::Time Deadline(const grpc::ServerContext& context) const {
    absl::Time client = absl::FromChrono(context.deadline());
    return std::min(client, absl::Now() + max_deadline_);
  }

  const Authorizer& authorizer() const { return authorizer_; }

 private:
  const Authenticator& authenticator_;
  const Authorizer& authorizer_;
  absl::Duration max_deadline_;
};

// Runs one unary handler: admit, run `body(principal, call)` returning
// absl::StatusOr<Resp>, convert the status once.
template <typename Req, typename Resp, typename Body>
grpc::Status Serve(const Gate& gate, const grpc::ServerContext& context, absl::string_view method,
                   const Req& request, Resp* response, Body&& body) {
  absl::StatusOr<Principal> who = gate.Admit(context, method, request);
  if (!who.ok()) return ToGrpcStatus(who.status());
  matcher::CallContext call{who->ToString(), std::string(method)};
  // Audited writes made by this call name its caller.
  storage::ScopedAuditActor actor(call.principal);
  absl::StatusOr<Resp> result = body(*who, call);
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

// A handler whose behaviour arrives with a later issue: authorised like any
// other call, then UNIMPLEMENTED.
template <typename Req>
grpc::Status Pending(const Gate& gate, const grpc::ServerContext& context,
                     absl::string_view method, const Req& request, absl::string_view issue) {
  absl::StatusOr<Principal> who = gate.Admit(context, method, request);
  if (!who.ok()) return ToGrpcStatus(who.status());
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      absl::StrCat(method, " is not implemented yet (", issue, ")"));
}

}  // namespace corridor::server

#endif  // CORRIDOR_SERVER_GATE_H_
