// Agencies, employers and agreements (with their quota cells).
#include "common/resource_name.h"
#include "server/list_util.h"
#include "server/services.h"

namespace corridor::server {
namespace {

constexpr absl::string_view kCreateAgency = "/corridor.v1.AgencyService/CreateAgency";
constexpr absl::string_view kGetAgency = "/corridor.v1.AgencyService/GetAgency";
constexpr absl::string_view kListAgencies = "/corridor.v1.AgencyService/ListAgencies";
constexpr absl::string_view kUpdateAgency = "/corridor.v1.AgencyService/UpdateAgency";
constexpr absl::string_view kDeleteAgency = "/corridor.v1.AgencyService/DeleteAgency";
constexpr absl::string_view kCreateEmployer = "/corridor.v1.EmployerService/CreateEmployer";
constexpr absl::string_view kGetEmployer = "/corridor.v1.EmployerService/GetEmployer";
constexpr absl::string_view kListEmployers = "/corridor.v1.EmployerService/ListEmployers";
constexpr absl::string_view kUpdateEmployer = "/corridor.v1.EmployerService/UpdateEmployer";
constexpr absl::string_view kDeleteEmployer = "/corridor.v1.EmployerService/DeleteEmployer";
constexpr absl::string_view kCreateAgreement = "/corridor.v1.AgreementService/CreateAgreement";
constexpr absl::string_view kGetAgreement = "/corridor.v1.AgreementService/GetAgreement";
constexpr absl::string_view kListAgreements = "/corridor.v1.AgreementService/ListAgreements";
constexpr absl::string_view kUpdateAgreement = "/corridor.v1.AgreementService/UpdateAgreement";
constexpr absl::string_view kDeleteAgreement = "/corridor.v1.AgreementService/DeleteAgreement";
constexpr absl::string_view kCreateQuotaCell = "/corridor.v1.AgreementService/CreateQuotaCell";
constexpr absl::string_view kGetQuotaCell = "/corridor.v1.AgreementService/GetQuotaCell";
constexpr absl::string_view kListQuotaCells = "/corridor.v1.AgreementService/ListQuotaCells";
constexpr absl::string_view kUpdateQuotaCell = "/corridor.v1.AgreementService/UpdateQuotaCell";
constexpr absl::string_view kDeleteQuotaCell = "/corridor.v1.AgreementService/DeleteQuotaCell";

}  // namespace

// ---- AgencyService ----

Status AgencyServiceImpl::CreateAgency(ServerContext* ctx, const v1::CreateAgencyRequest* req,
                                       v1::Agency* resp) {
  return Serve(gate_, *ctx, kCreateAgency, *req, resp,
               [&](const Principal&, const matcher::CallContext& call) -> absl::StatusOr<v1::Agency> {
                 CORRIDOR_ASSIGN_OR_RETURN(
                     std::string id, matcher::ChooseResourceId(req->agency_id(), 'a', "agency_id"));
                 return registry_.agencies().Create(call, *req, req->request_id(), id, req->agency());
               });
}

Status AgencyServiceImpl::GetAgency(ServerContext* ctx, const v1::GetAgencyRequest* req,
                                    v1::Agency* resp) {
  return Serve(gate_, *ctx, kGetAgency, *req, resp,
               [&](const Principal&, const matcher::CallContext&) -> absl::StatusOr<v1::Agency> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                           ParseResourceName(req->name(), "agencies", "name"));
                 return registry_.agencies().Get(id);
               });
}

Status AgencyServiceImpl::ListAgencies(ServerContext* ctx, const v1::ListAgenciesRequest* req,
                                       v1::ListAgenciesResponse* resp) {
  return Serve(gate_, *ctx, kListAgencies, *req, resp,
               [&](const Principal& who, const matcher::CallContext& call) {
                 return ToListResponse(
                     registry_.agencies().List(
                         call, ListParamsOf(gate_.authorizer(), who, call, *req)),
                     &v1::ListAgenciesResponse::mutable_agencies);
               });
}

Status AgencyServiceImpl::UpdateAgency(ServerContext* ctx, const v1::UpdateAgencyRequest* req,
                                       v1::Agency* resp) {
  return Serve(gate_, *ctx, kUpdateAgency, *req, resp,
               [&](const Principal&, const matcher::CallContext&) -> absl::StatusOr<v1::Agency> {
                 CORRIDOR_ASSIGN_OR_RETURN(
                     std::string id, ParseResourceName(req->agency().name(), "agencies", "agency.name"));
                 return registry_.agencies().Update(id, req->agency(), req->update_mask());
               });
}

Status AgencyServiceImpl::DeleteAgency(ServerContext* ctx, const v1::DeleteAgencyRequest* req,
                                       v1::DeleteAgencyResponse* resp) {
  return Serve(gate_, *ctx, kDeleteAgency, *req, resp,
               [&](const Principal&, const matcher::CallContext&)
                   -> absl::StatusOr<v1::DeleteAgencyResponse> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                           ParseResourceName(req->name(), "agencies", "name"));
                 CORRIDOR_RETURN_IF_ERROR(registry_.DeleteAgency(AgencyId(id), req->etag()));
                 return v1::DeleteAgencyResponse();
               });
}

// ---- EmployerService ----

Status EmployerServiceImpl::CreateEmployer(ServerContext* ctx,
                                           const v1::CreateEmployerRequest* req,
                                           v1::Employer* resp) {
  return Serve(gate_, *ctx, kCreateEmployer, *req, resp,
               [&](const Principal&, const matcher::CallContext& call) -> absl::StatusOr<v1::Employer> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id, matcher::ChooseResourceId(
                                                               req->employer_id(), 'e', "employer_id"));
                 return registry_.employers().Create(call, *req, req->request_id(), id,
                                                     req->employer());
               });
}

Status EmployerServiceImpl::GetEmployer(ServerContext* ctx, const v1::GetEmployerRequest* req,
                                        v1::Employer* resp) {
  return Serve(gate_, *ctx, kGetEmployer, *req, resp,
               [&](const Principal&, const matcher::CallContext&) -> absl::StatusOr<v1::Employer> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                           ParseResourceName(req->name(), "employers", "name"));
                 return registry_.employers().Get(id);
               });
}

Status EmployerServiceImpl::ListEmployers(ServerContext* ctx, const v1::ListEmployersRequest* req,
                                          v1::ListEmployersResponse* resp) {
  return Serve(gate_, *ctx, kListEmployers, *req, resp,
               [&](const Principal& who, const matcher::CallContext& call) {
                 return ToListResponse(
                     registry_.employers().List(
                         call, ListParamsOf(gate_.authorizer(), who, call, *req)),
                     &v1::ListEmployersResponse::mutable_employers);
               });
}

Status EmployerServiceImpl::UpdateEmployer(ServerContext* ctx,
                                           const v1::UpdateEmployerRequest* req,
                                           v1::Employer* resp) {
  return Serve(gate_, *ctx, kUpdateEmployer, *req, resp,
               [&](const Principal&, const matcher::CallContext&) -> absl::StatusOr<v1::Employer> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                           ParseResourceName(req->employer().name(), "employers",
                                                             "employer.name"));
                 return registry_.employers().Update(id, req->employer(), req->update_mask());
               });
}

Status EmployerServiceImpl::DeleteEmployer(ServerContext* ctx,
                                           const v1::DeleteEmployerRequest* req,
                                           v1::DeleteEmployerResponse* resp) {
  return Serve(gate_, *ctx, kDeleteEmployer, *req, resp,
               [&](const Principal&, const matcher::CallContext&)
                   -> absl::StatusOr<v1::DeleteEmployerResponse> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                           ParseResourceName(req->name(), "employers", "name"));
                 CORRIDOR_RETURN_IF_ERROR(registry_.DeleteEmployer(EmployerId(id), req->etag()));
                 return v1::DeleteEmployerResponse();
               });
}

// ---- AgreementService ----

Status AgreementServiceImpl::CreateAgreement(ServerContext* ctx,
                                             const v1::CreateAgreementRequest* req,
                                             v1::Agreement* resp) {
  return Serve(gate_, *ctx, kCreateAgreement, *req, resp,
               [&](const Principal&, const matcher::CallContext& call) -> absl::StatusOr<v1::Agreement> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id, matcher::ChooseResourceId(
                                                               req->agreement_id(), 'g', "agreement_id"));
                 return registry_.agreements().Create(call, *req, req->request_id(), id,
                                                      req->agreement());
               });
}

Status AgreementServiceImpl::GetAgreement(ServerContext* ctx, const v1::GetAgreementRequest* req,
                                          v1::Agreement* resp) {
  return Serve(gate_, *ctx, kGetAgreement, *req, resp,
               [&](const Principal&, const matcher::CallContext&) -> absl::StatusOr<v1::Agreement> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                           ParseResourceName(req->name(), "agreements", "name"));
                 return registry_.agreements().Get(id);
               });
}

Status AgreementServiceImpl::ListAgreements(ServerContext* ctx,
                                            const v1::ListAgreementsRequest* req,
                                            v1::ListAgreementsResponse* resp) {
  return Serve(gate_, *ctx, kListAgreements, *req, resp,
               [&](const Principal& who, const matcher::CallContext& call) {
                 return ToListResponse(
                     registry_.agreements().List(
                         call, ListParamsOf(gate_.authorizer(), who, call, *req)),
                     &v1::ListAgreementsResponse::mutable_agreements);
               });
}

Status AgreementServiceImpl::UpdateAgreement(ServerContext* ctx,
                                             const v1::UpdateAgreementRequest* req,
                                             v1::Agreement* resp) {
  return Serve(gate_, *ctx, kUpdateAgreement, *req, resp,
               [&](const Principal&, const matcher::CallContext&) -> absl::StatusOr<v1::Agreement> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                           ParseResourceName(req->agreement().name(), "agreements",
                                                             "agreement.name"));
                 return registry_.UpdateAgreement(AgreementId(id), req->agreement(),
                                                  req->update_mask());
               });
}

Status AgreementServiceImpl::DeleteAgreement(ServerContext* ctx,
                                             const v1::DeleteAgreementRequest* req,
                                             v1::DeleteAgreementResponse* resp) {
  return Serve(gate_, *ctx, kDeleteAgreement, *req, resp,
               [&](const Principal&, const matcher::CallContext&)
                   -> absl::StatusOr<v1::DeleteAgreementResponse> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                           ParseResourceName(req->name(), "agreements", "name"));
                 CORRIDOR_RETURN_IF_ERROR(registry_.DeleteAgreement(AgreementId(id), req->etag()));
                 return v1::DeleteAgreementResponse();
               });
}

Status AgreementServiceImpl::CreateQuotaCell(ServerContext* ctx,
                                             const v1::CreateQuotaCellRequest* req,
                                             v1::QuotaCell* resp) {
  return Serve(gate_, *ctx, kCreateQuotaCell, *req, resp,
               [&](const Principal&, const matcher::CallContext& call) -> absl::StatusOr<v1::QuotaCell> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string agreement,
                                           ParseResourceName(req->parent(), "agreements", "parent"));
                 CORRIDOR_ASSIGN_OR_RETURN(
                     v1::QuotaCell cell, registry_.CreateQuotaCell(call, *req, AgreementId(agreement)));
                 ledger_.FillUsage(cell);
                 return cell;
               });
}

Status AgreementServiceImpl::GetQuotaCell(ServerContext* ctx, const v1::GetQuotaCellRequest* req,
                                          v1::QuotaCell* resp) {
  return Serve(gate_, *ctx, kGetQuotaCell, *req, resp,
               [&](const Principal&, const matcher::CallContext&) -> absl::StatusOr<v1::QuotaCell> {
                 CORRIDOR_ASSIGN_OR_RETURN(QuotaCellName n, ParseQuotaCellName(req->name(), "name"));
                 CORRIDOR_ASSIGN_OR_RETURN(
                     v1::QuotaCell cell,
                     registry_.quota_cells().Get(storage::QuotaCellKey(n.agreement_id, n.cell_id)));
                 ledger_.FillUsage(cell);
                 return cell;
               });
}

Status AgreementServiceImpl::ListQuotaCells(ServerContext* ctx,
                                            const v1::ListQuotaCellsRequest* req,
                                            v1::ListQuotaCellsResponse* resp) {
  return Serve(gate_, *ctx, kListQuotaCells, *req, resp,
               [&](const Principal& who,
                   const matcher::CallContext& call) -> absl::StatusOr<v1::ListQuotaCellsResponse> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string agreement,
                                           ParseResourceName(req->parent(), "agreements", "parent"));
                 CORRIDOR_RETURN_IF_ERROR(registry_.agreements().Get(agreement).status());
                 CORRIDOR_ASSIGN_OR_RETURN(
                     v1::ListQuotaCellsResponse list,
                     ToListResponse(registry_.quota_cells().List(
                                        call, ListParamsOf(gate_.authorizer(), who, call, *req),
                                        absl::StrCat(agreement, "/")),
                                    &v1::ListQuotaCellsResponse::mutable_quota_cells));
                 for (v1::QuotaCell& cell : *list.mutable_quota_cells()) ledger_.FillUsage(cell);
                 return list;
               });
}

Status AgreementServiceImpl::UpdateQuotaCell(ServerContext* ctx,
                                             const v1::UpdateQuotaCellRequest* req,
                                             v1::QuotaCell* resp) {
  return Serve(gate_, *ctx, kUpdateQuotaCell, *req, resp,
               [&](const Principal&, const matcher::CallContext&) -> absl::StatusOr<v1::QuotaCell> {
                 CORRIDOR_ASSIGN_OR_RETURN(QuotaCellName n, ParseQuotaCellName(req->quota_cell().name(),
                                                                               "quota_cell.name"));
                 CORRIDOR_ASSIGN_OR_RETURN(
                     v1::QuotaCell cell,
                     registry_.UpdateQuotaCell(*req, AgreementId(n.agreement_id), n.cell_id));
                 ledger_.FillUsage(cell);
                 return cell;
               });
}

Status AgreementServiceImpl::DeleteQuotaCell(ServerContext* ctx,
                                             const v1::DeleteQuotaCellRequest* req,
                                             v1::DeleteQuotaCellResponse* resp) {
  return Serve(gate_, *ctx, kDeleteQuotaCell, *req, resp,
               [&](const Principal&, const matcher::CallContext&)
                   -> absl::StatusOr<v1::DeleteQuotaCellResponse> {
                 CORRIDOR_ASSIGN_OR_RETURN(QuotaCellName n, ParseQuotaCellName(req->name(), "name"));
                 CORRIDOR_RETURN_IF_ERROR(
                     registry_.DeleteQuotaCell(AgreementId(n.agreement_id), n.cell_id, req->etag()));
                 return v1::DeleteQuotaCellResponse();
               });
}

}  // namespace corridor::server
