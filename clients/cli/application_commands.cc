#include "clients/cli/application_commands.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/cli/proto_json.h"
#include "clients/cli/resources.h"
#include "corridor/v1/application_service.grpc.pb.h"

namespace corridor::cli {
namespace {

constexpr char kStatePrefix[] = "APPLICATION_STATE_";
// How long one watch stream may run when the command has no --timeout; the
// server ends it sooner (its maximum call duration) and watch reconnects.
constexpr double kStreamSeconds = 3600;

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

std::vector<std::string> Header() {
  return {"NAME", "CANDIDATE",  "VACANCY", "STATE",  "CONSENT",
          "CELL", "HOLD UNTIL", "RETURN",  "UPDATED"};
}

std::vector<std::string> Row(const v1::Application& a) {
  return {a.name(),
          OrDash(a.candidate()),
          OrDash(a.vacancy()),
          EnumLabel(v1::ApplicationState_descriptor(), a.state()),
          EnumLabel(v1::OriginConsent_descriptor(), a.origin_consent()),
          OrDash(a.quota_cell()),
          TimeLabel(a.hold_deadline(), a.has_hold_deadline()),
          EnumLabel(v1::ReturnOutcome_descriptor(), a.return_outcome()),
          TimeLabel(a.update_time(), a.has_update_time())};
}

int Print(const Io& io, const v1::Application& a) {
  if (io.format == OutputFormat::kJson) {
    *io.out << MessageToPrettyJson(a) << '\n';
    return kExitOk;
  }
  Table table(Header());
  table.AddRow(Row(a));
  table.Print(*io.out);
  return kExitOk;
}

int UsageError(const Io& io, const absl::Status& status) {
  ReportError(io, status);
  return kExitUsage;
}

std::string ApplicationName(const std::string& name) { return QualifiedName("applications", name); }

// The request id to send: the given one, or a fresh one.
std::string RequestIdOf(const std::string& given) { return given.empty() ? NewRequestId() : given; }

// Calls a unary method returning an Application. When it fails, says how to
// retry safely with the same request id.
template <class Request>
int Call(const Connection& c, const Io& io,
         grpc::Status (v1::ApplicationService::Stub::*method)(grpc::ClientContext*, const Request&,
                                                              v1::Application*),
         const Request& request, const std::string& request_id = "") {
  auto stub = v1::ApplicationService::NewStub(c.channel());
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  v1::Application out;
  grpc::Status st = (stub.get()->*method)(&ctx, request, &out);
  if (!st.ok()) {
    ReportError(io, FromGrpc(st));
    if (!request_id.empty() && (st.error_code() == grpc::StatusCode::UNAVAILABLE ||
                                st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)) {
      *io.err << "the change may or may not have been made; retry safely with --request-id "
              << request_id << '\n';
    }
    return kExitFailure;
  }
  return Print(io, out);
}

// YYYY-MM-DD, a real calendar day.
absl::StatusOr<v1::Date> ParseDay(const std::string& text, const std::string& flag) {
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": expected a calendar day YYYY-MM-DD, got \"", text, "\""));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return bad();
  }
  int year = 0, month = 0, day = 0;
  if (!absl::SimpleAtoi(text.substr(0, 4), &year) || !absl::SimpleAtoi(text.substr(5, 2), &month) ||
      !absl::SimpleAtoi(text.substr(8, 2), &day)) {
    return bad();
  }
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1 || month < 1 || month > 12) return bad();
  const int days = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  if (day < 1 || day > days) return bad();
  v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

// One watch line: time, application, transition, actor, reason, cursor.
std::string WatchLine(const v1::WatchApplicationsResponse& r) {
  const v1::ApplicationEvent& e = r.event();
  const std::string from = e.from_state() == v1::APPLICATION_STATE_UNSPECIFIED
                               ? "(new)"
                               : EnumLabel(v1::ApplicationState_descriptor(), e.from_state());
  return absl::StrCat(TimeLabel(e.time(), e.has_time()), "  ", r.application(), "  ", from, " -> ",
                      EnumLabel(v1::ApplicationState_descriptor(), e.to_state()), "  ",
                      OrDash(e.actor()), "  ", OrDash(e.reason_code()), "  ", r.cursor());
}

}  // namespace

std::string NewRequestId() {
  std::random_device rd;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "cli-%08x%08x%08x", rd(), rd(), rd());
  return buf;
}

absl::StatusOr<v1::ApplicationState> ParseApplicationState(const std::string& text,
                                                           const std::string& flag) {
  std::string name = absl::AsciiStrToUpper(absl::StrReplaceAll(text, {{"-", "_"}}));
  if (!absl::StartsWith(name, kStatePrefix)) name = absl::StrCat(kStatePrefix, name);
  v1::ApplicationState state = v1::APPLICATION_STATE_UNSPECIFIED;
  if (text.empty() || !v1::ApplicationState_Parse(name, &state) ||
      state == v1::APPLICATION_STATE_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": \"", text,
        "\" is not an application state (shortlisted, submitted, preselected, selected, "
        "health-cleared, contract-signed, visa-issued, pre-departure-done, deployed, completed, "
        "rejected, withdrawn, expired)"));
  }
  return state;
}

int RunCreateApplication(const Connection& c, const Io& io, const CreateApplicationArgs& args) {
  v1::CreateApplicationRequest req;
  v1::Application* a = req.mutable_application();
  a->set_candidate(QualifiedName("candidates", args.candidate));
  a->set_vacancy(QualifiedName("vacancies", args.vacancy));
  if (!args.state.empty()) {
    absl::StatusOr<v1::ApplicationState> state = ParseApplicationState(args.state, "--state");
    if (!state.ok()) return UsageError(io, state.status());
    if (*state != v1::APPLICATION_STATE_SHORTLISTED && *state != v1::APPLICATION_STATE_SUBMITTED) {
      return UsageError(
          io, absl::InvalidArgumentError("--state: a new application is shortlisted or submitted"));
    }
    a->set_state(*state);
  }
  req.set_application_id(args.id);
  req.set_request_id(RequestIdOf(args.request_id));
  return Call(c, io, &v1::ApplicationService::Stub::CreateApplication, req, req.request_id());
}

int RunGetApplication(const Connection& c, const Io& io, const std::string& name) {
  v1::GetApplicationRequest req;
  req.set_name(ApplicationName(name));
  return Call(c, io, &v1::ApplicationService::Stub::GetApplication, req);
}

int RunListApplications(const Connection& c, const Io& io, const ListApplicationsArgs& args) {
  auto stub = v1::ApplicationService::NewStub(c.channel());
  v1::ListApplicationsResponse all;
  std::string token = args.page_token;
  for (;;) {
    v1::ListApplicationsRequest req;
    req.set_filter(args.filter);
    req.set_page_size(args.page_size);
    req.set_page_token(token);
    grpc::ClientContext ctx;
    c.Prepare(&ctx);
    v1::ListApplicationsResponse page;
    grpc::Status st = stub->ListApplications(&ctx, req, &page);
    if (!st.ok()) return ReportError(io, FromGrpc(st));
    for (v1::Application& a : *page.mutable_applications()) all.add_applications()->Swap(&a);
    token = page.next_page_token();
    if (!args.all || token.empty()) break;
  }
  all.set_next_page_token(token);
  if (io.format == OutputFormat::kJson) {
    *io.out << MessageToPrettyJson(all) << '\n';
    return kExitOk;
  }
  Table table(Header());
  for (const v1::Application& a : all.applications()) table.AddRow(Row(a));
  table.Print(*io.out);
  if (!token.empty()) *io.err << "more results: --page-token " << token << " (or --all)\n";
  return kExitOk;
}

int RunTransitionApplication(const Connection& c, const Io& io, const TransitionArgs& args) {
  absl::StatusOr<v1::ApplicationState> to = ParseApplicationState(args.to, "--to");
  if (!to.ok()) return UsageError(io, to.status());
  v1::TransitionApplicationRequest req;
  req.set_name(ApplicationName(args.name));
  req.set_to_state(*to);
  req.set_reason_code(args.reason);
  req.set_etag(args.etag);
  req.set_request_id(RequestIdOf(args.request_id));
  return Call(c, io, &v1::ApplicationService::Stub::TransitionApplication, req, req.request_id());
}

int RunRecordOriginConsent(const Connection& c, const Io& io, const ConsentArgs& args) {
  if (args.grant == args.refuse) {
    return UsageError(io, absl::InvalidArgumentError("give exactly one of --grant and --refuse"));
  }
  if (args.refuse && args.reason.empty()) {
    return UsageError(io, absl::InvalidArgumentError(
                              "--reason: required with --refuse, e.g. HEALTH_SECTOR_SHORTAGE"));
  }
  v1::RecordOriginConsentRequest req;
  req.set_name(ApplicationName(args.name));
  req.set_granted(args.grant);
  req.set_reason_code(args.reason);
  req.set_request_id(RequestIdOf(args.request_id));
  return Call(c, io, &v1::ApplicationService::Stub::RecordOriginConsent, req, req.request_id());
}

int RunRecordReturn(const Connection& c, const Io& io, const ReturnArgs& args) {
  v1::RecordReturnRequest req;
  req.set_name(ApplicationName(args.name));
  if (args.outcome == "on-time") {
    req.set_outcome(v1::RETURN_OUTCOME_ON_TIME);
  } else if (args.outcome == "late") {
    req.set_outcome(v1::RETURN_OUTCOME_LATE);
  } else if (args.outcome == "not-returned") {
    req.set_outcome(v1::RETURN_OUTCOME_NOT_RETURNED);
  } else {
    return UsageError(
        io, absl::InvalidArgumentError(absl::StrCat(
                "--outcome: \"", args.outcome, "\" is not one of on-time, late, not-returned")));
  }
  if (!args.date.empty()) {
    if (req.outcome() == v1::RETURN_OUTCOME_NOT_RETURNED) {
      return UsageError(
          io, absl::InvalidArgumentError("--date: a worker who did not return has no return date"));
    }
    absl::StatusOr<v1::Date> date = ParseDay(args.date, "--date");
    if (!date.ok()) return UsageError(io, date.status());
    *req.mutable_return_date() = *date;
  }
  req.set_request_id(RequestIdOf(args.request_id));
  return Call(c, io, &v1::ApplicationService::Stub::RecordReturn, req, req.request_id());
}

int RunWatchApplications(const Connection& c, const Io& io, const WatchArgs& args) {
  if (!args.cursor.empty() && args.from_beginning) {
    return UsageError(io, absl::InvalidArgumentError("--from-beginning: not with --cursor"));
  }
  if (args.max_events < 0 || args.timeout_seconds < 0) {
    return UsageError(
        io, absl::InvalidArgumentError("--max-events and --timeout: 0 (no limit) or more"));
  }
  const bool limited = args.timeout_seconds > 0;
  const absl::Time end =
      limited ? absl::Now() + absl::Seconds(args.timeout_seconds) : absl::InfiniteFuture();
  auto stub = v1::ApplicationService::NewStub(c.channel());
  std::string cursor = args.cursor;
  bool from_beginning = args.from_beginning;
  int64_t events = 0;
  auto done = [&] { return args.max_events > 0 && events >= args.max_events; };
  auto finish = [&](int code) {
    if (!cursor.empty()) *io.err << "resume with --cursor " << cursor << '\n';
    return code;
  };
  for (;;) {
    v1::WatchApplicationsRequest req;
    req.set_resume_cursor(cursor);
    req.set_start_from_beginning(from_beginning);
    req.set_filter(args.filter);
    grpc::ClientContext ctx;
    const double left = limited ? absl::ToDoubleSeconds(end - absl::Now()) : kStreamSeconds;
    if (left <= 0) return finish(kExitOk);
    c.Prepare(&ctx, left);
    const absl::Time opened = absl::Now();
    std::unique_ptr<grpc::ClientReader<v1::WatchApplicationsResponse>> reader =
        stub->WatchApplications(&ctx, req);
    v1::WatchApplicationsResponse r;
    while (!done() && reader->Read(&r)) {
      // Every message moves the resume point, checkpoints included.
      if (!r.cursor().empty()) {
        cursor = r.cursor();
        from_beginning = false;
      }
      if (r.application().empty()) continue;
      if (io.format == OutputFormat::kJson) {
        std::string line;
        AppendMessageJson(r, &line);
        *io.out << line << '\n';
      } else {
        *io.out << WatchLine(r) << '\n';
      }
      io.out->flush();
      ++events;
    }
    if (done()) {
      ctx.TryCancel();
      reader->Finish().ok();  // CANCELLED, by us.
      return finish(kExitOk);
    }
    grpc::Status st = reader->Finish();
    if (st.ok()) {
      // The server's maximum call duration (or its drain): reconnect, without
      // spinning on a server that ends every stream at once.
      if (absl::Now() - opened < absl::Seconds(1)) absl::SleepFor(absl::Milliseconds(250));
      continue;
    }
    if (st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && limited &&
        absl::Now() >= end - absl::Milliseconds(100)) {
      return finish(kExitOk);  // Our own --timeout.
    }
    ReportError(io, FromGrpc(st));
    return finish(kExitFailure);
  }
}

}  // namespace corridor::cli
