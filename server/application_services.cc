// ApplicationService: the placement lifecycle (matcher/application_lifecycle.h)
// behind the gate. WatchApplications is in application_watch.cc.
#include "common/resource_name.h"
#include "server/list_util.h"
#include "server/services.h"

namespace corridor::server {

Status ApplicationServiceImpl::CreateApplication(ServerContext* ctx,
                                                 const v1::CreateApplicationRequest* req,
                                                 v1::Application* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.ApplicationService/CreateApplication", *req, resp,
               [&](const Principal&, const matcher::CallContext& call) {
                 return lifecycle_.Create(call, *req);
               });
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
                                                     v1::Application* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.ApplicationService/TransitionApplication", *req, resp,
               [&](const Principal&, const matcher::CallContext& call) {
                 return lifecycle_.Transition(call, *req);
               });
}

Status ApplicationServiceImpl::RecordReturn(ServerContext* ctx,
                                            const v1::RecordReturnRequest* req,
                                            v1::Application* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.ApplicationService/RecordReturn", *req, resp,
               [&](const Principal&, const matcher::CallContext& call) {
                 return lifecycle_.RecordReturn(call, *req);
               });
}

Status ApplicationServiceImpl::RecordOriginConsent(ServerContext* ctx,
                                                   const v1::RecordOriginConsentRequest* req,
                                                   v1::Application* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.ApplicationService/RecordOriginConsent", *req, resp,
               [&](const Principal&, const matcher::CallContext& call) {
                 return lifecycle_.RecordOriginConsent(call, *req);
               });
}

}  // namespace corridor::server
