#ifndef CORRIDOR_MATCHER_APPLICATION_FEED_H_
#define CORRIDOR_MATCHER_APPLICATION_FEED_H_

// The application feed behind ApplicationService.WatchApplications: the
// APPLICATION_TRANSITION events of the audit log, in log order, from a
// position that survives restarts (the audit log is durable and append-only,
// so a leaf index names the same event forever).
//
// Positions and cursors. A position is the leaf index of the next event to
// read; the cursor a client holds is its text form, "c" followed by the
// position in decimal without leading zeros ("c0", "c17"). Clients treat it
// as opaque. ParseFeedCursor accepts exactly what EncodeFeedCursor makes.
//
// The reader is generic: which events a caller may see is the caller's
// predicate (server/ owns authorisation). Thread-safe; the log must outlive
// the feed.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "corridor/v1/application_service.pb.h"
#include "storage/audit_log.h"

namespace corridor::matcher {

// One APPLICATION_TRANSITION event, as the feed hands it out.
struct ApplicationFeedEvent {
  // Its leaf index in the audit log; the position after it is index + 1.
  uint64_t index = 0;
  // "applications/{id}": the event's first subject.
  std::string application;
  // "candidates/{id}" and "vacancies/{id}" from the other subjects ("" when
  // the event names none).
  std::string candidate;
  std::string vacancy;
  // from_state and to_state parsed from their ApplicationState names (a name
  // this build does not know reads as APPLICATION_STATE_UNSPECIFIED), actor,
  // time and reason_code as logged.
  v1::ApplicationEvent event;
};

// What one Read found.
struct ApplicationFeedPage {
  // The events the predicate kept, in log order.
  std::vector<ApplicationFeedEvent> events;
  // Where the next Read starts: one past the last event scanned, kept or not
  // (other kinds and invisible events are stepped over, never re-read).
  uint64_t next = 0;
  // How many log entries were scanned (next - from).
  size_t scanned = 0;
};

// The text form of a position.
std::string EncodeFeedCursor(uint64_t position);

// The position a cursor names. INVALID_ARGUMENT naming `field` when it is not
// exactly what EncodeFeedCursor makes (empty, other prefix, sign, spaces,
// leading zeros, more than 20 digits, overflow); OUT_OF_RANGE naming `field`
// when it lies past `log_size`: the log never shrinks, so such a cursor was
// not issued by this log (another deployment's, or a log restored from an
// older backup), and resuming from it could skip events.
absl::StatusOr<uint64_t> ParseFeedCursor(absl::string_view cursor, uint64_t log_size,
                                         absl::string_view field);

// WatchApplicationsRequest.filter: AIP-160 equalities (matcher/filter.h) on
// application, candidate and vacancy, each value an id or the full resource
// name. An event matches when every term does.
class ApplicationFeedFilter {
 public:
  // The empty filter matches every event. INVALID_ARGUMENT naming "filter"
  // for a syntax error, another field, or a value that is neither an id nor a
  // name of the field's collection.
  static absl::StatusOr<ApplicationFeedFilter> Parse(absl::string_view filter);

  bool Matches(const ApplicationFeedEvent& event) const;

 private:
  // (field, full resource name) pairs.
  std::vector<std::pair<std::string, std::string>> terms_;
};

class ApplicationFeed {
 public:
  // Whether a caller may see an event. Called once per APPLICATION_TRANSITION
  // event scanned, on the reading thread.
  using Predicate = std::function<bool(const ApplicationFeedEvent&)>;

  // `log` must outlive the feed.
  explicit ApplicationFeed(const storage::AuditLog& log) : log_(log) {}

  // Scans up to `max_scan` log entries from position `from` (fewer when the
  // log ends first) and returns the APPLICATION_TRANSITION events `keep`
  // accepts (all of them when `keep` is empty). An entry of that kind whose
  // first subject is not an application name is stepped over. Errors: those
  // of AuditLog::Read (INTERNAL, DATA_LOSS).
  absl::StatusOr<ApplicationFeedPage> Read(uint64_t from, size_t max_scan,
                                           const Predicate& keep) const;

  // The log's size: the position after its last event.
  uint64_t end() const { return log_.size(); }

  // Blocks until the log holds an entry at `position` (end() > position) or
  // until `deadline`; returns whether it does.
  bool WaitForEntry(uint64_t position, absl::Time deadline) const {
    return log_.WaitForSize(position, deadline);
  }

 private:
  const storage::AuditLog& log_;
};

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_APPLICATION_FEED_H_
