// Applications (read side now, lifecycle with issue #5) and the services whose
// behaviour arrives with later issues. Every call is authorised first, so the
// policy table holds for these methods today.
#include "common/resource_name.h"
#include "server/list_util.h"
#include "server/services.h"

namespace corridor::server {
namespace {

constexpr absl::string_view kLifecycle = "issue #5, the placement lifecycle";
constexpr absl::string_view kAllocation = "issue #6, allocation rounds";

}  // namespace

// ---- ApplicationService ----

Status ApplicationServiceImpl::CreateApplication(ServerContext* ctx,
                                                 const v1::CreateApplicationRequest* req,
                                                 v1::Application*) {
  return Pending(gate_, *ctx, "/corridor.v1.ApplicationService/CreateApplication", *req,
                 kLifecycle);
}

Status ApplicationServiceImpl::GetApplication(ServerContext* ctx,
                                              const v1::GetApplicationRequest* req,
                                              v1::Application* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.ApplicationService/GetApplication", *req, resp,
               [&](const Principal&, const matcher::CallContext&) -> absl::StatusOr<v1::Application> {
                 CORRIDOR_ASSIGN_OR_RETURN(std::string id,
                                           ParseResourceName(req->name(), "applications", "name"));
                 return registry_.applications().Get(id);
               });
}

Status ApplicationServiceImpl::ListApplications(ServerContext* ctx,
                                                const v1::ListApplicationsRequest* req,
                                                v1::ListApplicationsResponse* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.ApplicationService/ListApplications", *req, resp,
               [&](const Principal& who, const matcher::CallContext& call) {
                 return ToListResponse(
                     registry_.applications().List(
                         call, ListParamsOf(gate_.authorizer(), who, call, *req)),
                     &v1::ListApplicationsResponse::mutable_applications);
               });
}

Status ApplicationServiceImpl::TransitionApplication(ServerContext* ctx,
                                                     const v1::TransitionApplicationRequest* req,
                                                     v1::Application*) {
  return Pending(gate_, *ctx, "/corridor.v1.ApplicationService/TransitionApplication", *req,
                 kLifecycle);
}

Status ApplicationServiceImpl::RecordReturn(ServerContext* ctx,
                                            const v1::RecordReturnRequest* req,
                                            v1::Application*) {
  return Pending(gate_, *ctx, "/corridor.v1.ApplicationService/RecordReturn", *req, kLifecycle);
}

Status ApplicationServiceImpl::WatchApplications(
    ServerContext* ctx, const v1::WatchApplicationsRequest* req,
    grpc::ServerWriter<v1::WatchApplicationsResponse>*) {
  return Pending(gate_, *ctx, "/corridor.v1.ApplicationService/WatchApplications", *req,
                 kLifecycle);
}

// ---- AllocationService ----

Status AllocationServiceImpl::CreateAllocationRound(ServerContext* ctx,
                                                    const v1::CreateAllocationRoundRequest* req,
                                                    v1::AllocationRound*) {
  return Pending(gate_, *ctx, "/corridor.v1.AllocationService/CreateAllocationRound", *req,
                 kAllocation);
}

Status AllocationServiceImpl::GetAllocationRound(ServerContext* ctx,
                                                 const v1::GetAllocationRoundRequest* req,
                                                 v1::AllocationRound*) {
  return Pending(gate_, *ctx, "/corridor.v1.AllocationService/GetAllocationRound", *req,
                 kAllocation);
}

Status AllocationServiceImpl::ListAllocationRounds(ServerContext* ctx,
                                                   const v1::ListAllocationRoundsRequest* req,
                                                   v1::ListAllocationRoundsResponse*) {
  return Pending(gate_, *ctx, "/corridor.v1.AllocationService/ListAllocationRounds", *req,
                 kAllocation);
}

Status AllocationServiceImpl::ConfirmAllocationRound(ServerContext* ctx,
                                                     const v1::ConfirmAllocationRoundRequest* req,
                                                     v1::AllocationRound*) {
  return Pending(gate_, *ctx, "/corridor.v1.AllocationService/ConfirmAllocationRound", *req,
                 kAllocation);
}

}  // namespace corridor::server
