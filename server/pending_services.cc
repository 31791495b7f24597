// The services whose behaviour arrives with later issues. Every call is authorised first, so the
// policy table holds for these methods today.
#include "common/resource_name.h"
#include "server/list_util.h"
#include "server/services.h"

namespace corridor::server {
namespace {

constexpr absl::string_view kAllocation = "issue #6, allocation rounds";

}  // namespace

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
