// Candidates and vacancies: the two collections with bulk import streams.
#include <optional>

#include "common/resource_name.h"
#include "server/list_util.h"
#include "server/services.h"

namespace corridor::server {
namespace {

constexpr absl::string_view kCreateCandidate = "/corridor.v1.CandidateService/CreateCandidate";
constexpr absl::string_view kGetCandidate = "/corridor.v1.CandidateService/GetCandidate";
constexpr absl::string_view kListCandidates = "/corridor.v1.CandidateService/ListCandidates";
constexpr absl::string_view kUpdateCandidate = "/corridor.v1.CandidateService/UpdateCandidate";
constexpr absl::string_view kDeleteCandidate = "/corridor.v1.CandidateService/DeleteCandidate";
constexpr absl::string_view kImportCandidates = "/corridor.v1.CandidateService/ImportCandidates";
constexpr absl::string_view kCreateVacancy = "/corridor.v1.VacancyService/CreateVacancy";
constexpr absl::string_view kGetVacancy = "/corridor.v1.VacancyService/GetVacancy";
constexpr absl::string_view kListVacancies = "/corridor.v1.VacancyService/ListVacancies";
constexpr absl::string_view kUpdateVacancy = "/corridor.v1.VacancyService/UpdateVacancy";
constexpr absl::string_view kDeleteVacancy = "/corridor.v1.VacancyService/DeleteVacancy";
constexpr absl::string_view kImportVacancies = "/corridor.v1.VacancyService/ImportVacancies";

// The owner an agency or employer caller is confined to; none for operators.
template <typename IdT>
std::optional<IdT> ForcedOwner(const Principal& who) {
  if (who.role == Role::kOperator) return std::nullopt;
  return IdT(who.tenant);
}

// Answers each batch of an import stream in order. The stream is admitted
// once, with an empty request (import rules do not depend on a target).
template <typename Req, typename Resp, typename Import>
Status ServeImport(const Gate& gate, ServerContext& ctx, absl::string_view method,
                   grpc::ServerReaderWriter<Resp, Req>& stream, Import&& import) {
  absl::StatusOr<Principal> who = gate.Admit(ctx, method, Req());
  if (!who.ok()) return ToGrpcStatus(who.status());
  matcher::CallContext call{who->ToString(), std::string(method)};
  absl::Time deadline = gate.Deadline(ctx);
  Req batch;
  while (stream.Read(&batch)) {
    if (absl::Now() > deadline) {
      return Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                    "the import ran past the server's maximum call duration; resume with the "
                    "remaining rows");
    }
    absl::StatusOr<Resp> reply = import(*who, call, batch);
    if (!reply.ok()) return ToGrpcStatus(reply.status());
    if (!stream.Write(*reply)) break;
  }
  return Status::OK;
}

}  // namespace

// ---- CandidateService ----

Status CandidateServiceImpl::CreateCandidate(ServerContext* ctx,
                                             const v1::CreateCandidateRequest* req,
                                             v1::Candidate* resp) {
  return Serve(gate_, *ctx, kCreateCandidate, *req, resp,
               [&](const Principal& who,
                   const matcher::CallContext& call) -> absl::StatusOr<v1::Candidate> {
                 CORRIDOR_ASSIGN_OR_RETURN(
                     AgencyId owner,
                     registry_.ResolveCandidateOwner(req->candidate(), ForcedOwner<AgencyId>(who)));
                 return registry_.CreateCandidate(call, *req, owner);
               });
}

Status CandidateServiceImpl::GetCandidate(ServerContext* ctx, const v1::GetCandidateRequest* req,
                                          v1::Candidate* resp) {
  return Serve(gate_, *ctx, kGetCandidate, *req, resp,
               [&](const Principal&, const matcher::CallContext&) -> absl::StatusOr<v1::Candidate> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                           ParseResourceName(req->name(), "candidates", "name"));
                 return registry_.candidates().Get(id);
               });
}

Status CandidateServiceImpl::ListCandidates(ServerContext* ctx,
                                            const v1::ListCandidatesRequest* req,
                                            v1::ListCandidatesResponse* resp) {
  return Serve(gate_, *ctx, kListCandidates, *req, resp,
               [&](const Principal& who, const matcher::CallContext& call) {
                 return ToListResponse(
                     registry_.candidates().List(
                         call, ListParamsOf(gate_.authorizer(), who, call, *req)),
                     &v1::ListCandidatesResponse::mutable_candidates);
               });
}

Status CandidateServiceImpl::UpdateCandidate(ServerContext* ctx,
                                             const v1::UpdateCandidateRequest* req,
                                             v1::Candidate* resp) {
  return Serve(gate_, *ctx, kUpdateCandidate, *req, resp,
               [&](const Principal&, const matcher::CallContext&) -> absl::StatusOr<v1::Candidate> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                           ParseResourceName(req->candidate().name(), "candidates",
                                                             "candidate.name"));
                 return registry_.candidates().Update(id, req->candidate(), req->update_mask());
               });
}

Status CandidateServiceImpl::DeleteCandidate(ServerContext* ctx,
                                             const v1::DeleteCandidateRequest* req,
                                             v1::DeleteCandidateResponse* resp) {
  return Serve(gate_, *ctx, kDeleteCandidate, *req, resp,
               [&](const Principal&, const matcher::CallContext&)
                   -> absl::StatusOr<v1::DeleteCandidateResponse> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                           ParseResourceName(req->name(), "candidates", "name"));
                 CORRIDOR_RETURN_IF_ERROR(registry_.candidates().Delete(id, req->etag()));
                 return v1::DeleteCandidateResponse();
               });
}

Status CandidateServiceImpl::ImportCandidates(
    ServerContext* ctx,
    grpc::ServerReaderWriter<v1::ImportCandidatesResponse, v1::ImportCandidatesRequest>* stream) {
  return ServeImport(gate_, *ctx, kImportCandidates, *stream,
                     [&](const Principal& who, const matcher::CallContext& call,
                         const v1::ImportCandidatesRequest& batch) {
                       return registry_.ImportCandidates(call, batch, ForcedOwner<AgencyId>(who));
                     });
}

// ---- VacancyService ----

Status VacancyServiceImpl::CreateVacancy(ServerContext* ctx, const v1::CreateVacancyRequest* req,
                                         v1::Vacancy* resp) {
  return Serve(gate_, *ctx, kCreateVacancy, *req, resp,
               [&](const Principal& who,
                   const matcher::CallContext& call) -> absl::StatusOr<v1::Vacancy> {
                 CORRIDOR_ASSIGN_OR_RETURN(
                     EmployerId owner,
                     registry_.ResolveVacancyOwner(req->vacancy(), ForcedOwner<EmployerId>(who)));
                 return registry_.CreateVacancy(call, *req, owner);
               });
}

Status VacancyServiceImpl::GetVacancy(ServerContext* ctx, const v1::GetVacancyRequest* req,
                                      v1::Vacancy* resp) {
  return Serve(gate_, *ctx, kGetVacancy, *req, resp,
               [&](const Principal&, const matcher::CallContext&) -> absl::StatusOr<v1::Vacancy> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                           ParseResourceName(req->name(), "vacancies", "name"));
                 return registry_.vacancies().Get(id);
               });
}

Status VacancyServiceImpl::ListVacancies(ServerContext* ctx, const v1::ListVacanciesRequest* req,
                                         v1::ListVacanciesResponse* resp) {
  return Serve(gate_, *ctx, kListVacancies, *req, resp,
               [&](const Principal& who, const matcher::CallContext& call) {
                 return ToListResponse(
                     registry_.vacancies().List(
                         call, ListParamsOf(gate_.authorizer(), who, call, *req)),
                     &v1::ListVacanciesResponse::mutable_vacancies);
               });
}

Status VacancyServiceImpl::UpdateVacancy(ServerContext* ctx, const v1::UpdateVacancyRequest* req,
                                         v1::Vacancy* resp) {
  return Serve(gate_, *ctx, kUpdateVacancy, *req, resp,
               [&](const Principal&, const matcher::CallContext&) -> absl::StatusOr<v1::Vacancy> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                           ParseResourceName(req->vacancy().name(), "vacancies",
                                                             "vacancy.name"));
                 return registry_.vacancies().Update(id, req->vacancy(), req->update_mask());
               });
}

Status VacancyServiceImpl::DeleteVacancy(ServerContext* ctx, const v1::DeleteVacancyRequest* req,
                                         v1::DeleteVacancyResponse* resp) {
  return Serve(gate_, *ctx, kDeleteVacancy, *req, resp,
               [&](const Principal&, const matcher::CallContext&)
                   -> absl::StatusOr<v1::DeleteVacancyResponse> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                           ParseResourceName(req->name(), "vacancies", "name"));
                 CORRIDOR_RETURN_IF_ERROR(registry_.vacancies().Delete(id, req->etag()));
                 return v1::DeleteVacancyResponse();
               });
}

Status VacancyServiceImpl::ImportVacancies(
    ServerContext* ctx,
    grpc::ServerReaderWriter<v1::ImportVacanciesResponse, v1::ImportVacanciesRequest>* stream) {
  return ServeImport(gate_, *ctx, kImportVacancies, *stream,
                     [&](const Principal& who, const matcher::CallContext& call,
                         const v1::ImportVacanciesRequest& batch) {
                       return registry_.ImportVacancies(call, batch, ForcedOwner<EmployerId>(who));
                     });
}

}  // namespace corridor::server
