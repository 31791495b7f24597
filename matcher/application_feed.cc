#include "matcher/application_feed.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "matcher/filter.h"

namespace corridor::matcher {
namespace {

// AuditEvent.kind of a lifecycle transition (audit_service.proto).
constexpr absl::string_view kTransitionKind = "APPLICATION_TRANSITION";
constexpr char kCursorPrefix = 'c';
// Digits of the largest uint64_t.
constexpr size_t kMaxCursorDigits = 20;

v1::ApplicationState StateOf(const std::string& name) {
  v1::ApplicationState state = v1::APPLICATION_STATE_UNSPECIFIED;
  if (name.empty() || !v1::ApplicationState_Parse(name, &state)) {
    return v1::APPLICATION_STATE_UNSPECIFIED;
  }
  return state;
}

}  // namespace

std::string EncodeFeedCursor(uint64_t position) {
  return absl::StrCat(std::string(1, kCursorPrefix), position);
}

absl::StatusOr<uint64_t> ParseFeedCursor(absl::string_view cursor, uint64_t log_size,
                                         absl::string_view field) {
  auto malformed = [&]() {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not a cursor from a WatchApplications response"));
  };
  if (cursor.size() < 2 || cursor.size() > 1 + kMaxCursorDigits || cursor[0] != kCursorPrefix) {
    return malformed();
  }
  absl::string_view digits = cursor.substr(1);
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return malformed();
  }
  if (digits.size() > 1 && digits[0] == '0') return malformed();
  uint64_t position = 0;
  // SimpleAtoi rejects values past uint64_t's range.
  if (!absl::SimpleAtoi(digits, &position)) return malformed();
  if (position > log_size) {
    return absl::OutOfRangeError(
        absl::StrCat(field, ": the cursor points past the end of the log (", log_size,
                     " events); it was not issued by this server's log"));
  }
  return position;
}

absl::StatusOr<ApplicationFeedFilter> ApplicationFeedFilter::Parse(absl::string_view filter) {
  CORRIDOR_ASSIGN_OR_RETURN(std::vector<FilterTerm> terms,
                            ParseFilter(filter, {"application", "candidate", "vacancy"}));
  ApplicationFeedFilter parsed;
  for (FilterTerm& term : terms) {
    const absl::string_view collection = term.field == "application" ? "applications"
                                         : term.field == "candidate" ? "candidates"
                                                                     : "vacancies";
    std::string id = term.value;
    if (absl::StrContains(term.value, '/')) {
      absl::StatusOr<std::string> parsed_id =
          ParseResourceName(term.value, collection, absl::StrCat("filter: ", term.field));
      if (!parsed_id.ok()) return parsed_id.status();
      id = *std::move(parsed_id);
    } else if (!IsValidResourceId(term.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("filter: ", term.field, " must be an id or ", collection, "/{id}"));
    }
    parsed.terms_.emplace_back(term.field, absl::StrCat(collection, "/", id));
  }
  return parsed;
}

bool ApplicationFeedFilter::Matches(const ApplicationFeedEvent& event) const {
  for (const auto& [field, name] : terms_) {
    const std::string& value = field == "application" ? event.application
                               : field == "candidate" ? event.candidate
                                                      : event.vacancy;
    if (value != name) return false;
  }
  return true;
}

absl::StatusOr<ApplicationFeedPage> ApplicationFeed::Read(uint64_t from, size_t max_scan,
                                                          const Predicate& keep) const {
  ApplicationFeedPage page;
  page.next = from;
  CORRIDOR_ASSIGN_OR_RETURN(std::vector<v1::AuditEvent> entries, log_.Read(from, max_scan));
  for (v1::AuditEvent& entry : entries) {
    page.next = static_cast<uint64_t>(entry.index()) + 1;
    ++page.scanned;
    if (entry.kind() != kTransitionKind) continue;
    if (entry.subjects().empty() || !absl::StartsWith(entry.subjects(0), "applications/")) {
      continue;
    }
    ApplicationFeedEvent e;
    e.index = static_cast<uint64_t>(entry.index());
    e.application = entry.subjects(0);
    for (int i = 1; i < entry.subjects_size(); ++i) {
      const std::string& subject = entry.subjects(i);
      if (e.candidate.empty() && absl::StartsWith(subject, "candidates/")) e.candidate = subject;
      if (e.vacancy.empty() && absl::StartsWith(subject, "vacancies/")) e.vacancy = subject;
    }
    e.event.set_from_state(StateOf(entry.from_state()));
    e.event.set_to_state(StateOf(entry.to_state()));
    e.event.set_actor(std::move(*entry.mutable_actor()));
    if (entry.has_time()) *e.event.mutable_time() = entry.time();
    e.event.set_reason_code(std::move(*entry.mutable_reason_code()));
    if (keep && !keep(e)) continue;
    page.events.push_back(std::move(e));
  }
  return page;
}

}  // namespace corridor::matcher
