// Shortlists, recommendations and explanations: translate only.
#include "server/services.h"

namespace corridor::server {

Status MatchServiceImpl::ShortlistCandidates(ServerContext* ctx,
                                             const v1::ShortlistCandidatesRequest* req,
                                             v1::ShortlistCandidatesResponse* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.MatchService/ShortlistCandidates", *req, resp,
               [&](const Principal&, const matcher::CallContext& call) {
                 return engine_.Shortlist(call, *req, gate_.Deadline(*ctx));
               });
}

Status MatchServiceImpl::RecommendVacancies(ServerContext* ctx,
                                            const v1::RecommendVacanciesRequest* req,
                                            v1::RecommendVacanciesResponse* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.MatchService/RecommendVacancies", *req, resp,
               [&](const Principal&, const matcher::CallContext&) {
                 return engine_.Recommend(*req, gate_.Deadline(*ctx));
               });
}

Status MatchServiceImpl::ExplainMatch(ServerContext* ctx, const v1::ExplainMatchRequest* req,
                                      v1::ExplainMatchResponse* resp) {
  return Serve(gate_, *ctx, "/corridor.v1.MatchService/ExplainMatch", *req, resp,
               [&](const Principal&, const matcher::CallContext&) {
                 return engine_.Explain(*req);
               });
}

}  // namespace corridor::server
