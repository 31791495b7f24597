// ApplicationService.WatchApplications over the real server (in-process
// channel). APPLICATION_TRANSITION events are appended straight through the
// audit log's Writer, the way the ledger's committer appends them (one synced
// WriteBatch, then Committed), so the feed is tested apart from the lifecycle.
//
// The world: TestServer::Seed() (agencies ag-co and ag-co2 of CO with
// candidates cand-1 and cand-2, CO nationals; employers em-es and em-es2 of ES
// with vacancies vac-1 and vac-2) plus agency ag-ma (MA) with cand-ma, an MA
// national, and employer em-fr (FR) with vac-fr. Who should see an event is
// computed here from that table (Expected), independently of server/authz.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/token_file.h"
#include "corridor/v1/application_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"
#include "storage/audit_log.h"
#include "tests/server/fixtures.h"

namespace corridor::testing {
namespace {

using Response = v1::WatchApplicationsResponse;

// One transition to append, and who owns its candidate and vacancy.
struct Transition {
  std::string application;  // id
  std::string candidate;    // id
  std::string vacancy;      // id
  std::string from;         // ApplicationState name, "" for a new application
  std::string to;
  std::string actor;
  std::string reason;
  std::string reservation;  // id, or ""
};

struct CandidateFacts {
  std::string agency;
  std::string nationality;
};
struct VacancyFacts {
  std::string employer;
  std::string destination;
};

const std::map<std::string, CandidateFacts>& Candidates() {
  static const auto* m = new std::map<std::string, CandidateFacts>{
      {"cand-1", {"ag-co", "CO"}}, {"cand-2", {"ag-co2", "CO"}}, {"cand-ma", {"ag-ma", "MA"}}};
  return *m;
}
const std::map<std::string, VacancyFacts>& Vacancies() {
  static const auto* m = new std::map<std::string, VacancyFacts>{
      {"vac-1", {"em-es", "ES"}}, {"vac-2", {"em-es2", "ES"}}, {"vac-fr", {"em-fr", "FR"}}};
  return *m;
}

// DOMAIN.md section 10, written out for the test's world.
bool Expected(const std::string& principal, const Transition& t) {
  const CandidateFacts& c = Candidates().at(t.candidate);
  const VacancyFacts& v = Vacancies().at(t.vacancy);
  if (principal == "operator") return true;
  if (principal == "agency:" + c.agency) return true;
  if (principal == "employer:" + v.employer) return true;
  if (principal == "ministry:" + c.nationality) return true;
  if (principal == "ministry:" + v.destination) return true;
  return false;
}

// The story appended by AppendStory(), in log order.
std::vector<Transition> Story() {
  return {
      {"app-1", "cand-1", "vac-1", "", "APPLICATION_STATE_SHORTLISTED", "agency:ag-co", "", ""},
      {"app-2", "cand-2", "vac-2", "", "APPLICATION_STATE_SHORTLISTED", "agency:ag-co2", "", ""},
      {"app-3", "cand-2", "vac-1", "", "APPLICATION_STATE_SUBMITTED", "agency:ag-co2", "", ""},
      {"app-1", "cand-1", "vac-1", "APPLICATION_STATE_SHORTLISTED", "APPLICATION_STATE_SUBMITTED",
       "agency:ag-co", "", ""},
      {"app-4", "cand-ma", "vac-fr", "", "APPLICATION_STATE_SHORTLISTED", "agency:ag-ma", "", ""},
      {"app-5", "cand-ma", "vac-1", "", "APPLICATION_STATE_SHORTLISTED", "agency:ag-ma", "", ""},
      {"app-1", "cand-1", "vac-1", "APPLICATION_STATE_SUBMITTED", "APPLICATION_STATE_SELECTED",
       "employer:em-es", "", "r-1"},
      {"app-3", "cand-2", "vac-1", "APPLICATION_STATE_SUBMITTED", "APPLICATION_STATE_REJECTED",
       "employer:em-es", "SKILLS_MISMATCH", ""},
      {"app-6", "cand-1", "vac-fr", "", "APPLICATION_STATE_SHORTLISTED", "agency:ag-co", "", ""},
      {"app-2", "cand-2", "vac-2", "APPLICATION_STATE_SHORTLISTED", "APPLICATION_STATE_WITHDRAWN",
       "system:expiry", "HOLD_EXPIRED", ""},
  };
}

v1::AuditEvent ToAuditEvent(const Transition& t) {
  v1::AuditEvent e;
  e.set_kind("APPLICATION_TRANSITION");
  e.set_actor(t.actor);
  e.add_subjects(absl::StrCat("applications/", t.application));
  e.add_subjects(absl::StrCat("candidates/", t.candidate));
  e.add_subjects(absl::StrCat("vacancies/", t.vacancy));
  if (!t.reservation.empty()) e.add_subjects(absl::StrCat("reservations/", t.reservation));
  e.set_reason_code(t.reason);
  e.set_from_state(t.from);
  e.set_to_state(t.to);
  return e;
}

// Appends events as the ledger's committer does: indexes assigned under the
// append lock, one synced WriteBatch, then Committed().
void AppendEvents(server::CorridorServer& server, std::vector<v1::AuditEvent> events) {
  storage::AuditLog& log = server.audit_log();
  storage::Database& db = server.database();
  std::unique_ptr<storage::AuditLog::Writer> writer = log.Lock();
  rocksdb::WriteBatch batch;
  absl::Status staged = writer->Stage(batch, events);
  ASSERT_TRUE(staged.ok()) << staged;
  rocksdb::WriteOptions synced = db.write_options();
  synced.sync = true;
  rocksdb::Status written = db.db()->GetRootDB()->Write(synced, &batch);
  ASSERT_TRUE(written.ok()) << written.ToString();
  writer->Committed();
}

void Append(server::CorridorServer& server, const Transition& t) {
  AppendEvents(server, {ToAuditEvent(t)});
}

// An event of another kind, which the feed never shows.
v1::AuditEvent AgreementChange() {
  v1::AuditEvent e;
  e.set_kind("AGREEMENT_CHANGE");
  e.set_actor("ministry:ES");
  e.add_subjects("agreements/es-co");
  e.set_reason_code("UPDATED");
  return e;
}

// One open WatchApplications stream.
class Watch {
 public:
  Watch(TestServer& server, const std::string& principal, v1::WatchApplicationsRequest request,
        int deadline_seconds = 20)
      : ctx_(server.As(principal)), stub_(v1::ApplicationService::NewStub(server.channel())) {
    ctx_->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(deadline_seconds));
    reader_ = stub_->WatchApplications(ctx_.get(), request);
  }
  ~Watch() {
    if (!finished_) {
      ctx_->TryCancel();
      Response ignored;
      while (reader_->Read(&ignored)) {
      }
      reader_->Finish().ok();
    }
  }

  std::optional<Response> Next() {
    Response r;
    if (!reader_->Read(&r)) return std::nullopt;
    return r;
  }
  // The next message that is not a checkpoint.
  std::optional<Response> NextEvent() {
    for (;;) {
      std::optional<Response> r = Next();
      if (!r || !r->application().empty()) return r;
    }
  }
  grpc::Status Finish() {
    finished_ = true;
    return reader_->Finish();
  }
  void Cancel() { ctx_->TryCancel(); }

 private:
  std::unique_ptr<grpc::ClientContext> ctx_;
  std::unique_ptr<v1::ApplicationService::Stub> stub_;
  std::unique_ptr<grpc::ClientReader<Response>> reader_;
  bool finished_ = false;
};

v1::WatchApplicationsRequest FromBeginning() {
  v1::WatchApplicationsRequest r;
  r.set_start_from_beginning(true);
  return r;
}

v1::WatchApplicationsRequest ResumeAt(const std::string& cursor) {
  v1::WatchApplicationsRequest r;
  r.set_resume_cursor(cursor);
  return r;
}

void ExpectEventIs(const std::optional<Response>& got, const Transition& want) {
  ASSERT_TRUE(got.has_value()) << "the stream ended before " << want.application << " -> "
                               << want.to;
  EXPECT_EQ(got->application(), absl::StrCat("applications/", want.application));
  v1::ApplicationState from = v1::APPLICATION_STATE_UNSPECIFIED;
  v1::ApplicationState to = v1::APPLICATION_STATE_UNSPECIFIED;
  if (!want.from.empty()) {
    ASSERT_TRUE(v1::ApplicationState_Parse(want.from, &from));
  }
  ASSERT_TRUE(v1::ApplicationState_Parse(want.to, &to));
  EXPECT_EQ(got->event().from_state(), from);
  EXPECT_EQ(got->event().to_state(), to);
  EXPECT_EQ(got->event().actor(), want.actor);
  EXPECT_EQ(got->event().reason_code(), want.reason);
  EXPECT_TRUE(got->event().has_time());
  EXPECT_FALSE(got->cursor().empty());
}

class ApplicationWatchTest : public ::testing::Test {
 protected:
  ApplicationWatchTest() : s_(::testing::UnitTest::GetInstance()->current_test_info()->name()) {
    s_.Seed();
    SeedForeign();
  }

  // ag-ma (MA) with cand-ma, em-fr (FR) with vac-fr.
  void SeedForeign() {
    auto check = [](const grpc::Status& st, const std::string& what) {
      ASSERT_TRUE(st.ok()) << what << ": " << st.error_message();
    };
    v1::CreateAgencyRequest agency;
    *agency.mutable_agency() = ValidAgency("MA");
    agency.set_agency_id("ag-ma");
    v1::Agency agency_out;
    check(s_.agencies->CreateAgency(s_.As("operator").get(), agency, &agency_out), "ag-ma");
    v1::CreateEmployerRequest employer;
    *employer.mutable_employer() = ValidEmployer("FR");
    employer.set_employer_id("em-fr");
    v1::Employer employer_out;
    check(s_.employers->CreateEmployer(s_.As("operator").get(), employer, &employer_out), "em-fr");
    v1::CreateCandidateRequest candidate;
    *candidate.mutable_candidate() = ValidCandidate("ag-ma", "MA");
    candidate.set_candidate_id("cand-ma");
    v1::Candidate candidate_out;
    check(s_.candidates->CreateCandidate(s_.As("operator").get(), candidate, &candidate_out),
          "cand-ma");
    v1::CreateVacancyRequest vacancy;
    *vacancy.mutable_vacancy() = ValidVacancy();
    vacancy.mutable_vacancy()->set_employer("employers/em-fr");
    vacancy.set_vacancy_id("vac-fr");
    v1::Vacancy vacancy_out;
    check(s_.vacancies->CreateVacancy(s_.As("operator").get(), vacancy, &vacancy_out), "vac-fr");
  }

  // The story, with an event of another kind between each transition.
  void AppendStory() {
    for (const Transition& t : Story()) {
      AppendEvents(s_.server(), {ToAuditEvent(t), AgreementChange()});
    }
  }

  // A transition `principal` may see, to close a stream's expectations: the
  // next message after the expected ones must be this one.
  Transition SentinelFor(const std::string& principal) {
    for (const auto& [candidate, c] : Candidates()) {
      for (const auto& [vacancy, v] : Vacancies()) {
        Transition t{"sentinel", candidate, vacancy, "", "APPLICATION_STATE_SHORTLISTED",
                     "operator", "",        ""};
        if (Expected(principal, t)) return t;
      }
    }
    ADD_FAILURE() << principal << " sees nothing";
    return {};
  }

  // From the beginning of the log, `principal` sees exactly the story's
  // events Expected() gives, in log order, each with a larger cursor.
  void ExpectSeesExactlyItsEvents(const std::string& principal) {
    SCOPED_TRACE(principal);
    AppendStory();
    Watch watch(s_, principal, FromBeginning());
    std::optional<Response> first = watch.Next();
    ASSERT_TRUE(first.has_value());
    EXPECT_TRUE(first->application().empty()) << "the stream opens with a checkpoint";
    int seen = 0;
    for (const Transition& t : Story()) {
      if (!Expected(principal, t)) continue;
      ExpectEventIs(watch.NextEvent(), t);
      ++seen;
    }
    EXPECT_GT(seen, 0);
    // Nothing else came in between: the next event is one appended now.
    const Transition sentinel = SentinelFor(principal);
    Append(s_.server(), sentinel);
    ExpectEventIs(watch.NextEvent(), sentinel);
  }

  TestServer s_;
};

TEST_F(ApplicationWatchTest, AgencySeesOnlyItsCandidatesEventsInLogOrder) {
  ExpectSeesExactlyItsEvents("agency:ag-co");
}

TEST_F(ApplicationWatchTest, OtherAgencySeesOnlyItsCandidatesEvents) {
  ExpectSeesExactlyItsEvents("agency:ag-co2");
}

TEST_F(ApplicationWatchTest, EmployerSeesOnlyItsVacanciesEvents) {
  ExpectSeesExactlyItsEvents("employer:em-es");
}

TEST_F(ApplicationWatchTest, OtherEmployerSeesOnlyItsVacanciesEvents) {
  ExpectSeesExactlyItsEvents("employer:em-es2");
}

TEST_F(ApplicationWatchTest, OriginMinistrySeesItsNationalsEvents) {
  ExpectSeesExactlyItsEvents("ministry:CO");
}

TEST_F(ApplicationWatchTest, DestinationMinistrySeesItsCountrysVacanciesEvents) {
  ExpectSeesExactlyItsEvents("ministry:FR");
}

TEST_F(ApplicationWatchTest, OperatorSeesEveryEvent) { ExpectSeesExactlyItsEvents("operator"); }

TEST_F(ApplicationWatchTest, CursorsIncreaseAndTheReservationEventCarriesItsStates) {
  AppendStory();
  Watch watch(s_, "agency:ag-co", FromBeginning());
  ASSERT_TRUE(watch.Next().has_value());
  std::string previous;
  for (int i = 0; i < 4; ++i) {
    std::optional<Response> r = watch.NextEvent();
    ASSERT_TRUE(r.has_value());
    // "c" and a decimal today; what matters is that they grow.
    if (!previous.empty()) {
      EXPECT_TRUE(r->cursor().size() > previous.size() ||
                  (r->cursor().size() == previous.size() && r->cursor() > previous))
          << previous << " then " << r->cursor();
    }
    previous = r->cursor();
    if (i == 2) {
      EXPECT_EQ(r->event().from_state(), v1::APPLICATION_STATE_SUBMITTED);
      EXPECT_EQ(r->event().to_state(), v1::APPLICATION_STATE_SELECTED);
      EXPECT_EQ(r->event().actor(), "employer:em-es");
    }
  }
}

TEST_F(ApplicationWatchTest, FilterNarrowsToOneApplication) {
  AppendStory();
  v1::WatchApplicationsRequest request = FromBeginning();
  request.set_filter("application = \"applications/app-1\"");
  Watch watch(s_, "employer:em-es", request);
  for (const Transition& t : Story()) {
    if (t.application == "app-1") ExpectEventIs(watch.NextEvent(), t);
  }
  Transition other{"app-9",    "cand-2", "vac-1", "", "APPLICATION_STATE_SHORTLISTED",
                   "operator", "",       ""};
  Transition again{"app-1",
                   "cand-1",
                   "vac-1",
                   "APPLICATION_STATE_SELECTED",
                   "APPLICATION_STATE_HEALTH_CLEARED",
                   "employer:em-es",
                   "",
                   ""};
  Append(s_.server(), other);
  Append(s_.server(), again);
  ExpectEventIs(watch.NextEvent(), again);
}

TEST_F(ApplicationWatchTest, FilterNeverWidensWhatTheCallerSees) {
  AppendStory();
  v1::WatchApplicationsRequest request = FromBeginning();
  request.set_filter("candidate = cand-2");  // Not ag-co's candidate.
  Watch watch(s_, "agency:ag-co", request, /*deadline_seconds=*/2);
  ASSERT_TRUE(watch.Next().has_value());
  Transition mine{"app-7",    "cand-1", "vac-2", "", "APPLICATION_STATE_SHORTLISTED",
                  "operator", "",       ""};
  Transition theirs{"app-8",    "cand-2", "vac-2", "", "APPLICATION_STATE_SHORTLISTED",
                    "operator", "",       ""};
  Append(s_.server(), mine);
  Append(s_.server(), theirs);
  // Neither may come before the call's deadline ends the stream.
  std::optional<Response> r = watch.NextEvent();
  EXPECT_FALSE(r.has_value()) << r->ShortDebugString();
  grpc::Status st = watch.Finish();
  EXPECT_TRUE(st.ok() || st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      << st.error_code() << " " << st.error_message();
}

TEST_F(ApplicationWatchTest, ResumingFromACursorYieldsExactlyTheFollowingEvents) {
  AppendStory();
  std::vector<Response> all;
  {
    Watch watch(s_, "operator", FromBeginning());
    for (size_t i = 0; i < Story().size(); ++i) {
      std::optional<Response> r = watch.NextEvent();
      ASSERT_TRUE(r.has_value());
      all.push_back(*r);
    }
  }
  for (size_t cut : {size_t{0}, size_t{3}, Story().size() - 1}) {
    SCOPED_TRACE(absl::StrCat("resuming after event ", cut));
    Watch watch(s_, "operator", ResumeAt(all[cut].cursor()));
    std::optional<Response> first = watch.Next();
    ASSERT_TRUE(first.has_value());
    EXPECT_TRUE(first->application().empty());
    EXPECT_EQ(first->cursor(), all[cut].cursor()) << "the opening checkpoint is the resume point";
    for (size_t i = cut + 1; i < all.size(); ++i) {
      std::optional<Response> r = watch.NextEvent();
      ASSERT_TRUE(r.has_value());
      EXPECT_EQ(r->ShortDebugString(), all[i].ShortDebugString());
    }
    Transition sentinel{absl::StrCat("sentinel-", cut),  "cand-1",   "vac-1", "",
                        "APPLICATION_STATE_SHORTLISTED", "operator", "",      ""};
    Append(s_.server(), sentinel);
    std::optional<Response> r = watch.NextEvent();
    ExpectEventIs(r, sentinel);
    // Later resumes must see it too.
    if (r.has_value()) all.push_back(*r);
  }
}

TEST_F(ApplicationWatchTest, CursorsSurviveARestartOnTheSameDataDirectory) {
  AppendStory();
  std::vector<Response> seen;
  {
    Watch watch(s_, "agency:ag-co", FromBeginning());
    for (int i = 0; i < 2; ++i) {
      std::optional<Response> r = watch.NextEvent();
      ASSERT_TRUE(r.has_value());
      seen.push_back(*r);
    }
  }
  s_.Restart();
  Watch watch(s_, "agency:ag-co", ResumeAt(seen.back().cursor()));
  std::optional<Response> first = watch.Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->cursor(), seen.back().cursor());
  std::vector<Transition> rest;
  for (const Transition& t : Story()) {
    if (Expected("agency:ag-co", t)) rest.push_back(t);
  }
  ASSERT_EQ(rest.size(), 4u);
  ExpectEventIs(watch.NextEvent(), rest[2]);
  ExpectEventIs(watch.NextEvent(), rest[3]);
  const Transition sentinel{"after-restart", "cand-1", "vac-2", "", "APPLICATION_STATE_SHORTLISTED",
                            "operator",      "",       ""};
  Append(s_.server(), sentinel);
  ExpectEventIs(watch.NextEvent(), sentinel);
}

TEST_F(ApplicationWatchTest, TheOpeningCheckpointOfALiveStreamLeavesNoGap) {
  std::string cursor;
  {
    Watch watch(s_, "employer:em-es", v1::WatchApplicationsRequest());
    std::optional<Response> first = watch.Next();
    ASSERT_TRUE(first.has_value());
    EXPECT_TRUE(first->application().empty());
    cursor = first->cursor();
  }
  // Appended while no stream is open.
  const Transition missed{"app-1",        "cand-1", "vac-1", "", "APPLICATION_STATE_SHORTLISTED",
                          "agency:ag-co", "",       ""};
  Append(s_.server(), missed);
  Watch watch(s_, "employer:em-es", ResumeAt(cursor));
  ExpectEventIs(watch.NextEvent(), missed);
}

TEST_F(ApplicationWatchTest, AnEmptyCursorStartsAtTheEndOfTheLog) {
  AppendStory();
  Watch watch(s_, "operator", v1::WatchApplicationsRequest());
  ASSERT_TRUE(watch.Next().has_value());
  const Transition live{"app-live",      "cand-2", "vac-2", "", "APPLICATION_STATE_SHORTLISTED",
                        "agency:ag-co2", "",       ""};
  Append(s_.server(), live);
  ExpectEventIs(watch.NextEvent(), live);
}

TEST_F(ApplicationWatchTest, ALiveEventArrivesWithoutWaitingForAPoll) {
  Watch watch(s_, "agency:ag-co", v1::WatchApplicationsRequest());
  // The opening checkpoint: the stream is at the end of the log, waiting.
  ASSERT_TRUE(watch.Next().has_value());
  for (int i = 0; i < 3; ++i) {
    const Transition live{absl::StrCat("live-", i),        "cand-1",       "vac-1", "",
                          "APPLICATION_STATE_SHORTLISTED", "agency:ag-co", "",      ""};
    const absl::Time appended = absl::Now();
    Append(s_.server(), live);
    std::optional<Response> r = watch.NextEvent();
    const absl::Duration latency = absl::Now() - appended;
    ExpectEventIs(r, live);
    // The server polls once a second; the commit's notification is immediate.
    EXPECT_LT(latency, absl::Milliseconds(500)) << "event " << i;
  }
}

TEST_F(ApplicationWatchTest, AnErasedCandidatesEventsStayVisibleByTheVacancyRulesOnly) {
  const Transition t{"app-3",         "cand-2", "vac-1", "", "APPLICATION_STATE_SUBMITTED",
                     "agency:ag-co2", "",       ""};
  Append(s_.server(), t);
  v1::DeleteCandidateRequest del;
  del.set_name("candidates/cand-2");
  v1::DeleteCandidateResponse del_out;
  grpc::Status deleted =
      s_.candidates->DeleteCandidate(s_.As("agency:ag-co2").get(), del, &del_out);
  ASSERT_TRUE(deleted.ok()) << deleted.error_message();

  Watch employer(s_, "employer:em-es", FromBeginning());
  ExpectEventIs(employer.NextEvent(), t);

  // The agency (and the origin ministry) can no longer tie the event to it:
  // the first event each sees is one appended now.
  v1::CreateCandidateRequest create;
  *create.mutable_candidate() = ValidCandidate("ag-co2");
  create.set_candidate_id("cand-3");
  v1::Candidate created;
  ASSERT_TRUE(s_.candidates->CreateCandidate(s_.As("operator").get(), create, &created).ok());
  const std::vector<std::pair<std::string, std::string>> cases = {{"ministry:CO", "cand-1"},
                                                                  {"agency:ag-co2", "cand-3"}};
  for (const auto& [principal, candidate] : cases) {
    SCOPED_TRACE(principal);
    Watch watch(s_, principal, FromBeginning());
    ASSERT_TRUE(watch.Next().has_value());
    const Transition sentinel{absl::StrCat("after-erasure-", candidate), candidate,  "vac-2", "",
                              "APPLICATION_STATE_SHORTLISTED",           "operator", "",      ""};
    Append(s_.server(), sentinel);
    ExpectEventIs(watch.NextEvent(), sentinel);
  }
}

TEST_F(ApplicationWatchTest, BadCursorsAreInvalidArgumentNamingResumeCursor) {
  AppendStory();
  for (const std::string cursor : {"x", "c", "C1", "c-1", "c+1", "c 1", "c1 ", "c01", "c1.0", "1",
                                   "cx", "c184467440737095516150", "c18446744073709551616"}) {
    SCOPED_TRACE(cursor);
    Watch watch(s_, "agency:ag-co", ResumeAt(cursor));
    EXPECT_FALSE(watch.Next().has_value());
    grpc::Status st = watch.Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(absl::StrContains(st.error_message(), "resume_cursor")) << st.error_message();
  }
}

TEST_F(ApplicationWatchTest, ACursorPastTheEndOfTheLogIsOutOfRange) {
  const uint64_t size = s_.server().audit_log().size();
  for (uint64_t position : {size + 1, size + 1000}) {
    Watch watch(s_, "agency:ag-co", ResumeAt(absl::StrCat("c", position)));
    EXPECT_FALSE(watch.Next().has_value());
    grpc::Status st = watch.Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::OUT_OF_RANGE) << position;
    EXPECT_TRUE(absl::StrContains(st.error_message(), "resume_cursor")) << st.error_message();
  }
  // The end itself is a valid place to wait.
  Watch at_end(s_, "agency:ag-co", ResumeAt(absl::StrCat("c", size)));
  std::optional<Response> first = at_end.Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->cursor(), absl::StrCat("c", size));
}

TEST_F(ApplicationWatchTest, OtherBadRequestsNameTheirField) {
  struct Case {
    v1::WatchApplicationsRequest request;
    std::string field;
  };
  std::vector<Case> cases(4);
  cases[0].request.set_resume_cursor("c0");
  cases[0].request.set_start_from_beginning(true);
  cases[0].field = "start_from_beginning";
  cases[1].request.set_filter("state = \"APPLICATION_STATE_SELECTED\"");
  cases[1].field = "filter";
  cases[2].request.set_filter("candidate = \"vacancies/vac-1\"");
  cases[2].field = "filter";
  cases[3].request.set_filter("application = \"App_1\"");
  cases[3].field = "filter";
  for (const Case& c : cases) {
    SCOPED_TRACE(c.request.ShortDebugString());
    Watch watch(s_, "operator", c.request);
    EXPECT_FALSE(watch.Next().has_value());
    grpc::Status st = watch.Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(absl::StartsWith(st.error_message(), c.field)) << st.error_message();
  }
}

TEST_F(ApplicationWatchTest, CancellationEndsTheStreamOnBothSides) {
  Watch watch(s_, "agency:ag-co", v1::WatchApplicationsRequest());
  ASSERT_TRUE(watch.Next().has_value());
  EXPECT_EQ(s_.server().application_watch().open_streams(), 1);
  const absl::Time cancelled = absl::Now();
  watch.Cancel();
  EXPECT_FALSE(watch.Next().has_value());
  EXPECT_EQ(watch.Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The server's handler notices within one poll (1 s) and frees its thread.
  while (s_.server().application_watch().open_streams() != 0 &&
         absl::Now() - cancelled < absl::Seconds(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(s_.server().application_watch().open_streams(), 0);
  EXPECT_LT(absl::Now() - cancelled, absl::Seconds(3));
}

// A server of its own: the options these tests vary are fixed in TestServer.
std::unique_ptr<server::CorridorServer> StartServer(const std::string& name,
                                                    const std::string& listen_address,
                                                    absl::Duration max_call_duration) {
  server::ServerOptions options;
  options.listen_address = listen_address;
  options.data_dir = FreshDir(name);
  options.hold_expiry_interval = absl::ZeroDuration();
  options.max_call_duration = max_call_duration;
  options.tokens[HashToken("op-token")] = *Principal::Parse("operator");
  absl::StatusOr<std::unique_ptr<server::CorridorServer>> server =
      server::CorridorServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

void AuthorizeAsOperator(grpc::ClientContext& ctx) {
  ctx.AddMetadata("authorization", "Bearer op-token");
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
}

// Over loopback TCP: the in-process transport closes with the server, so only
// a real connection shows what a draining server does to an open stream.
TEST(ApplicationWatchShutdownTest, ShutdownEndsStreamsWithAFinalCheckpointInsteadOfTheGrace) {
  std::unique_ptr<server::CorridorServer> server =
      StartServer("watch-shutdown", "127.0.0.1:0", absl::Seconds(30));
  ASSERT_NE(server, nullptr);
  ASSERT_GT(server->port(), 0);
  auto stub = v1::ApplicationService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", server->port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  AuthorizeAsOperator(ctx);
  auto reader = stub->WatchApplications(&ctx, v1::WatchApplicationsRequest());
  Response first;
  ASSERT_TRUE(reader->Read(&first));
  // Not an application event: the position moves, no event is sent.
  AppendEvents(*server, {AgreementChange()});
  const uint64_t end = server->audit_log().size();
  const absl::Time start = absl::Now();
  std::thread shutdown([&] { server->Shutdown(absl::Seconds(20)); });
  Response last;
  const bool got_last = reader->Read(&last);
  Response extra;
  const bool got_extra = got_last && reader->Read(&extra);
  grpc::Status st = reader->Finish();
  shutdown.join();
  ASSERT_TRUE(got_last) << st.error_code() << " " << st.error_message();
  EXPECT_TRUE(last.application().empty());
  EXPECT_EQ(last.cursor(), absl::StrCat("c", end)) << "the final checkpoint";
  EXPECT_FALSE(got_extra) << extra.ShortDebugString();
  EXPECT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5)) << "the 20 s grace was not needed";
}

TEST(ApplicationWatchDeadlineTest, TheServersMaximumCallDurationEndsTheStreamWithOk) {
  std::unique_ptr<server::CorridorServer> server =
      StartServer("watch-deadline", "", absl::Milliseconds(1500));
  ASSERT_NE(server, nullptr);
  auto stub = v1::ApplicationService::NewStub(server->InProcessChannel());
  grpc::ClientContext ctx;
  AuthorizeAsOperator(ctx);
  const absl::Time start = absl::Now();
  auto reader = stub->WatchApplications(&ctx, v1::WatchApplicationsRequest());
  Response first;
  ASSERT_TRUE(reader->Read(&first));
  AppendEvents(*server, {AgreementChange()});
  Response last;
  ASSERT_TRUE(reader->Read(&last));
  EXPECT_TRUE(last.application().empty());
  EXPECT_NE(last.cursor(), first.cursor()) << "the final checkpoint moved past the entry";
  EXPECT_FALSE(reader->Read(&last));
  grpc::Status st = reader->Finish();
  EXPECT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(1400));
  EXPECT_LT(took, absl::Seconds(5));
}

}  // namespace
}  // namespace corridor::testing
