#ifndef CORRIDOR_SERVER_LIST_UTIL_H_
#define CORRIDOR_SERVER_LIST_UTIL_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "common/principal.h"
#include "matcher/collection.h"
#include "server/authz.h"

namespace corridor::server {

// ListParams from a List request's standard fields, confined by authorisation.
template <typename Req>
matcher::ListParams ListParamsOf(const Authorizer& authorizer, const Principal& who,
                                 const matcher::CallContext& call, const Req& req) {
  matcher::ListParams params;
  params.filter = req.filter();
  params.page_size = req.page_size();
  params.page_token = req.page_token();
  authorizer.Confine(who, call.method, params);
  return params;
}

// Moves a page into a List response's repeated field and token.
template <typename T, typename Resp>
absl::StatusOr<Resp> ToListResponse(absl::StatusOr<storage::Page<T>> page,
                                    google::protobuf::RepeatedPtrField<T>* (Resp::*items)()) {
  if (!page.ok()) return page.status();
  Resp resp;
  auto* out = (resp.*items)();
  out->Reserve(static_cast<int>(page->items.size()));
  for (T& item : page->items) *out->Add() = std::move(item);
  resp.set_next_page_token(std::move(page->next_page_token));
  return resp;
}

}  // namespace corridor::server

#endif  // CORRIDOR_SERVER_LIST_UTIL_H_
