// ApplicationService.WatchApplications (see application_watch.h). The other
// ApplicationService methods are in their own files.
#include "server/application_watch.h"

#include <algorithm>
#include <functional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "common/principal.h"
#include "matcher/collection.h"
#include "server/services.h"
#include "server/status.h"

namespace corridor::server {
namespace {

constexpr absl::string_view kMethod = "/corridor.v1.ApplicationService/WatchApplications";

grpc::Status Cancelled() {
  return grpc::Status(grpc::StatusCode::CANCELLED, "the watch was cancelled");
}

// Whether the caller may see an event, by the policy row's rule as
// Authorizer::Confine applies it to ListApplications: the caller may see an
// application that names only the event's candidate, or only its vacancy.
// Answers are cached per candidate and per vacancy until NewBatch().
class Visibility {
 public:
  Visibility(const Authorizer& authorizer, const Principal& who) {
    matcher::ListParams params;
    authorizer.Confine(who, kMethod, params);
    // No predicate: operators, who see everything.
    rule_ = std::move(params.confine_predicate);
  }

  void NewBatch() { cache_.clear(); }

  bool Sees(const matcher::ApplicationFeedEvent& event) {
    if (!rule_) return true;
    return Side(event.candidate, /*candidate=*/true) || Side(event.vacancy, /*candidate=*/false);
  }

 private:
  bool Side(const std::string& name, bool candidate) {
    if (name.empty()) return false;
    auto [it, inserted] = cache_.try_emplace(name, false);
    if (inserted) {
      v1::Application probe;
      if (candidate) {
        probe.set_candidate(name);
      } else {
        probe.set_vacancy(name);
      }
      it->second = rule_(probe);
    }
    return it->second;
  }

  std::function<bool(const google::protobuf::Message&)> rule_;
  absl::flat_hash_map<std::string, bool> cache_;
};

}  // namespace

grpc::Status ApplicationWatch::Watch(
    grpc::ServerContext& context, const v1::WatchApplicationsRequest& request,
    grpc::ServerWriterInterface<v1::WatchApplicationsResponse>& writer) const {
  open_streams_.fetch_add(1);
  grpc::Status status = Serve(context, request, writer);
  open_streams_.fetch_sub(1);
  return status;
}

grpc::Status ApplicationWatch::Serve(
    grpc::ServerContext& context, const v1::WatchApplicationsRequest& request,
    grpc::ServerWriterInterface<v1::WatchApplicationsResponse>& writer) const {
  // Authorisation before validation, like every handler.
  absl::StatusOr<Principal> who = gate_.Admit(context, kMethod, request);
  if (!who.ok()) return ToGrpcStatus(who.status());
  const absl::Time deadline = gate_.Deadline(context);

  absl::StatusOr<matcher::ApplicationFeedFilter> filter =
      matcher::ApplicationFeedFilter::Parse(request.filter());
  if (!filter.ok()) return ToGrpcStatus(filter.status());
  uint64_t position = feed_.end();
  if (!request.resume_cursor().empty()) {
    if (request.start_from_beginning()) {
      return ToGrpcStatus(absl::InvalidArgumentError(
          "start_from_beginning: cannot be combined with resume_cursor"));
    }
    absl::StatusOr<uint64_t> parsed =
        matcher::ParseFeedCursor(request.resume_cursor(), position, "resume_cursor");
    if (!parsed.ok()) return ToGrpcStatus(parsed.status());
    position = *parsed;
  } else if (request.start_from_beginning()) {
    position = 0;
  }

  Visibility visibility(gate_.authorizer(), *who);
  const matcher::ApplicationFeed::Predicate keep = [&](const matcher::ApplicationFeedEvent& event) {
    return filter->Matches(event) && visibility.Sees(event);
  };
  // The position the client could resume from with the last cursor it got.
  uint64_t sent = position;
  auto checkpoint = [&](uint64_t at) {
    v1::WatchApplicationsResponse response;
    response.set_cursor(matcher::EncodeFeedCursor(at));
    sent = at;
    return writer.Write(response);
  };
  if (!checkpoint(position)) return Cancelled();

  const size_t batch = std::max<size_t>(options_.batch, 1);
  for (;;) {
    if (context.IsCancelled()) return Cancelled();
    visibility.NewBatch();
    absl::StatusOr<matcher::ApplicationFeedPage> page = feed_.Read(position, batch, keep);
    if (!page.ok()) return ToGrpcStatus(page.status());
    for (matcher::ApplicationFeedEvent& event : page->events) {
      v1::WatchApplicationsResponse response;
      response.set_application(std::move(event.application));
      *response.mutable_event() = std::move(event.event);
      response.set_cursor(matcher::EncodeFeedCursor(event.index + 1));
      if (!writer.Write(response)) return Cancelled();
      sent = event.index + 1;
    }
    position = page->next;
    // Checked after a read, so what was committed before the drain or the
    // deadline is still read (one batch of it, at least).
    if (draining_.load() || absl::Now() >= deadline) {
      if (position != sent && !checkpoint(position)) return Cancelled();
      return grpc::Status::OK;
    }
    if (position - sent >= options_.checkpoint_every && !checkpoint(position)) {
      return Cancelled();
    }
    // A full batch: more may be there already.
    if (page->scanned == batch) continue;
    feed_.WaitForEntry(position, std::min(absl::Now() + options_.poll, deadline));
  }
}

Status ApplicationServiceImpl::WatchApplications(
    ServerContext* ctx, const v1::WatchApplicationsRequest* req,
    grpc::ServerWriter<v1::WatchApplicationsResponse>* writer) {
  return watch_.Watch(*ctx, *req, *writer);
}

}  // namespace corridor::server
