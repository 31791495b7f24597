#ifndef CORRIDOR_SERVER_APPLICATION_WATCH_H_
#define CORRIDOR_SERVER_APPLICATION_WATCH_H_

// ApplicationService.WatchApplications: the application feed
// (matcher/application_feed.h) over a server stream, confined to what the
// caller may see. The proto comment is the contract; in short:
//
//   admit (policy row WatchApplications) -> parse filter and cursor ->
//   checkpoint(start) -> loop { read a batch from the audit log, keep the
//   caller's APPLICATION_TRANSITION events, write them with their cursors;
//   past the clamped deadline or when draining: final checkpoint, OK; at the
//   end of the log wait for it to grow, at most `poll` at a time }.
//
// Visibility is the authorisation rule of the policy row, applied per event
// the way ListApplications confines its records (Authorizer::Confine): an
// event is visible when the caller may see an application naming only its
// candidate, or only its vacancy. Candidate and vacancy records are read
// through the registry, cached for one batch (so a long stream never serves
// from stale ownership for more than a batch). An erased candidate cannot be
// read, so its events remain visible by the vacancy rules (employer,
// destination ministry) and to operators only; the events carry ids alone.
//
// Each stream holds one of the sync server's threads while it lives; the
// server's maximum call duration bounds that, and clients reconnect with
// their last cursor.

#include <atomic>
#include <cstddef>

#include "absl/time/time.h"
#include "corridor/v1/application_service.pb.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/sync_stream.h"
#include "matcher/application_feed.h"
#include "server/gate.h"
#include "storage/audit_log.h"

namespace corridor::server {

struct ApplicationWatchOptions {
  // Longest one wait for the log to grow: how soon a cancelled stream or a
  // Drain() ends a waiting stream. Default: 1 s.
  absl::Duration poll = absl::Seconds(1);
  // Log entries read per batch. Default: 256.
  size_t batch = 256;
  // A checkpoint goes out after this many entries were scanned without any
  // message (so a reconnect need not rescan them). Default: 1,024.
  size_t checkpoint_every = 1024;
};

// Thread-safe; `gate` and `log` must outlive this object.
class ApplicationWatch {
 public:
  ApplicationWatch(const Gate& gate, const storage::AuditLog& log,
                   ApplicationWatchOptions options = {})
      : gate_(gate), feed_(log), options_(options) {}

  // Serves one WatchApplications call until the client cancels, the clamped
  // deadline passes, or Drain() is called.
  grpc::Status Watch(grpc::ServerContext& context, const v1::WatchApplicationsRequest& request,
                     grpc::ServerWriterInterface<v1::WatchApplicationsResponse>& writer) const;

  // Graceful shutdown: every open stream ends with OK (after a final
  // checkpoint) within one poll, and new ones right after their first
  // checkpoint, so draining calls need not wait for the grace period.
  // Irreversible.
  void Drain() { draining_.store(true); }

  // Streams being served right now.
  int open_streams() const { return open_streams_.load(); }

 private:
  grpc::Status Serve(grpc::ServerContext& context, const v1::WatchApplicationsRequest& request,
                     grpc::ServerWriterInterface<v1::WatchApplicationsResponse>& writer) const;

  const Gate& gate_;
  const matcher::ApplicationFeed feed_;
  const ApplicationWatchOptions options_;
  std::atomic<bool> draining_{false};
  mutable std::atomic<int> open_streams_{0};
};

}  // namespace corridor::server

#endif  // CORRIDOR_SERVER_APPLICATION_WATCH_H_
