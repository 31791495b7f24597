// AllocationService: translation only; matcher::AllocationRounds does the work.
#include "common/resource_name.h"
#include "server/list_util.h"
#include "server/services.h"

namespace corridor::server {

Status AllocationServiceImpl::CreateAllocationRound(ServerContext* ctx,
                                                    const v1::CreateAllocationRoundRequest* req,
                                                    v1::AllocationRound* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.AllocationService/CreateAllocationRound", *req, resp,
               [&](const Principal&, const matcher::CallContext& call) {
                 return rounds_.Create(call, *req, gate_.Deadline(*ctx));
               });
}

Status AllocationServiceImpl::GetAllocationRound(ServerContext* ctx,
                                                 const v1::GetAllocationRoundRequest* req,
                                                 v1::AllocationRound* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.AllocationService/GetAllocationRound", *req, resp,
               [&](const Principal&, const matcher::CallContext&) {
                 return rounds_.Get(req->name());
               });
}

Status AllocationServiceImpl::ListAllocationRounds(ServerContext* ctx,
                                                   const v1::ListAllocationRoundsRequest* req,
                                                   v1::ListAllocationRoundsResponse* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.AllocationService/ListAllocationRounds", *req, resp,
               [&](const Principal& who, const matcher::CallContext& call) {
                 // A ministry sees the rounds of agreements it is a destination of.
                 auto visible = [&](const v1::AllocationRound& round) {
                   return who.role == Role::kOperator ||
                          gate_.authorizer().AllowsName(who, Rule::kDestinationParty,
                                                        round.agreement());
                 };
                 return rounds_.List(call, *req, visible);
               });
}

Status AllocationServiceImpl::ConfirmAllocationRound(ServerContext* ctx,
                                                     const v1::ConfirmAllocationRoundRequest* req,
                                                     v1::AllocationRound* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.AllocationService/ConfirmAllocationRound", *req, resp,
               [&](const Principal&, const matcher::CallContext& call) {
                 return rounds_.Confirm(call, *req);
               });
}

}  // namespace corridor::server
