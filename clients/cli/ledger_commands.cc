#include "clients/cli/ledger_commands.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/cli/proto_json.h"
#include "clients/cli/resources.h"
#include "corridor/v1/ledger_service.grpc.pb.h"

namespace corridor::cli {
namespace {

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

std::vector<std::string> Header() {
  return {"NAME", "CELL", "STATE", "APPLICATION", "HOLD UNTIL", "REASON", "UPDATED"};
}

std::vector<std::string> Row(const v1::Reservation& r) {
  std::string cell = r.quota_cell();
  if (!r.requested_cell().empty() && r.requested_cell() != r.quota_cell()) {
    absl::StrAppend(&cell, " (overflow of ", ShortName(r.requested_cell()), ")");
  }
  std::string reason = r.reason_code();
  if (!r.correction_reason().empty()) absl::StrAppend(&reason, ": ", r.correction_reason());
  return {r.name(),
          cell,
          EnumLabel(v1::ReservationState_descriptor(), r.state()),
          OrDash(r.application()),
          TimeLabel(r.hold_deadline(), r.has_hold_deadline()),
          OrDash(reason),
          TimeLabel(r.update_time(), r.has_update_time())};
}

int Print(const Io& io, const v1::Reservation& r) {
  if (io.format == OutputFormat::kJson) {
    *io.out << MessageToPrettyJson(r) << '\n';
    return kExitOk;
  }
  Table table(Header());
  table.AddRow(Row(r));
  table.Print(*io.out);
  return kExitOk;
}

std::string ReservationName(const std::string& name) {
  return QualifiedName("reservations", name);
}

template <class Request>
int Call(const Connection& c, const Io& io,
         grpc::Status (v1::LedgerService::Stub::*method)(grpc::ClientContext*, const Request&,
                                                         v1::Reservation*),
         const Request& request) {
  auto stub = v1::LedgerService::NewStub(c.channel());
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  v1::Reservation out;
  grpc::Status st = (stub.get()->*method)(&ctx, request, &out);
  if (!st.ok()) return ReportError(io, FromGrpc(st));
  return Print(io, out);
}

}  // namespace

int RunReserve(const Connection& c, const Io& io, const ReserveArgs& args) {
  v1::ReserveUnitRequest req;
  std::string cell = args.cell;
  if (cell.find('/') == std::string::npos && !args.agreement.empty()) {
    cell = absl::StrCat(QualifiedName("agreements", args.agreement), "/quotaCells/", cell);
  }
  req.set_quota_cell(cell);
  req.set_hold_seconds(args.hold_seconds);
  req.set_request_id(args.request_id);
  return Call(c, io, &v1::LedgerService::Stub::ReserveUnit, req);
}

int RunCommit(const Connection& c, const Io& io, const ReservationChangeArgs& args) {
  v1::CommitUnitRequest req;
  req.set_name(ReservationName(args.name));
  req.set_request_id(args.request_id);
  return Call(c, io, &v1::LedgerService::Stub::CommitUnit, req);
}

int RunRelease(const Connection& c, const Io& io, const ReservationChangeArgs& args) {
  v1::ReleaseUnitRequest req;
  req.set_name(ReservationName(args.name));
  req.set_reason_code(args.reason);
  req.set_request_id(args.request_id);
  return Call(c, io, &v1::LedgerService::Stub::ReleaseUnit, req);
}

int RunCorrect(const Connection& c, const Io& io, const ReservationChangeArgs& args) {
  v1::CorrectUnitRequest req;
  req.set_name(ReservationName(args.name));
  req.set_reason(args.reason);
  req.set_request_id(args.request_id);
  return Call(c, io, &v1::LedgerService::Stub::CorrectUnit, req);
}

int RunGetReservation(const Connection& c, const Io& io, const std::string& name) {
  v1::GetReservationRequest req;
  req.set_name(ReservationName(name));
  return Call(c, io, &v1::LedgerService::Stub::GetReservation, req);
}

int RunListReservations(const Connection& c, const Io& io, const ListReservationsArgs& args) {
  auto stub = v1::LedgerService::NewStub(c.channel());
  v1::ListReservationsResponse all;
  std::string token = args.page_token;
  for (;;) {
    v1::ListReservationsRequest req;
    req.set_filter(args.filter);
    req.set_page_size(args.page_size);
    req.set_page_token(token);
    grpc::ClientContext ctx;
    c.Prepare(&ctx);
    v1::ListReservationsResponse page;
    grpc::Status st = stub->ListReservations(&ctx, req, &page);
    if (!st.ok()) return ReportError(io, FromGrpc(st));
    for (v1::Reservation& r : *page.mutable_reservations()) {
      all.add_reservations()->Swap(&r);
    }
    token = page.next_page_token();
    if (!args.all || token.empty()) break;
  }
  all.set_next_page_token(token);
  if (io.format == OutputFormat::kJson) {
    *io.out << MessageToPrettyJson(all) << '\n';
    return kExitOk;
  }
  Table table(Header());
  for (const v1::Reservation& r : all.reservations()) table.AddRow(Row(r));
  table.Print(*io.out);
  if (!token.empty()) *io.err << "more results: --page-token " << token << " (or --all)\n";
  return kExitOk;
}

}  // namespace corridor::cli
