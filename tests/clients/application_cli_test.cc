// `corridor applications ...` through RunCli against an in-process fake
// ApplicationService (fake_application_service.h): what each command sends,
// what it prints, and that bad arguments exit 2 before anything is sent; and
// `watch` once against a real corridord.
#include <algorithm>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "clients/cli/app.h"
#include "clients/cli/application_commands.h"
#include "fake_application_service.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "rocksdb/write_batch.h"
#include "storage/audit_log.h"
#include "tests/server/fixtures.h"

namespace corridor::cli {
namespace {

using testing::Checkpoint;
using testing::Event;
using testing::WatchSession;

bool IsGeneratedRequestId(const std::string& id) {
  return std::regex_match(id, std::regex("cli-[0-9a-f]{24}"));
}

class ApplicationCliTest : public ::testing::Test {
 protected:
  ApplicationCliTest() {
    v1::Application a;
    a.set_name("applications/a-1");
    a.set_candidate("candidates/cand-1");
    a.set_vacancy("vacancies/vac-1");
    a.set_state(v1::APPLICATION_STATE_SUBMITTED);
    a.set_etag("e1");
    fake().stored[a.name()] = a;
    a.set_name("applications/a-2");
    a.set_state(v1::APPLICATION_STATE_DEPLOYED);
    fake().stored[a.name()] = a;
  }

  int Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"corridor", "--token", "t"});
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    out_.str("");
    err_.str("");
    CliEnv env;
    env.out = &out_;
    env.err = &err_;
    env.connect =
        [this](const ClientOptions& options) -> absl::StatusOr<std::unique_ptr<Connection>> {
      return std::make_unique<Connection>(server_.Channel(), options);
    };
    return RunCli(static_cast<int>(argv.size()), argv.data(), env);
  }

  testing::FakeApplicationService& fake() { return server_.applications; }
  std::vector<std::string> Lines() { return absl::StrSplit(out_.str(), '\n', absl::SkipEmpty()); }

  testing::FakeApplicationServer server_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(ApplicationCliTest, BadArgumentsExitTwoAndSendNothing) {
  const std::vector<std::vector<std::string>> cases = {
      {"applications"},
      {"applications", "create", "--candidate", "c"},  // no --vacancy
      {"applications", "create", "--candidate", "c", "--vacancy", "v", "--state", "selected"},
      {"applications", "get"},
      {"applications", "list", "--page-size", "5000"},
      {"applications", "transition", "a-1"},  // no --to
      {"applications", "transition", "a-1", "--to", "flying"},
      {"applications", "transition", "a-1", "--to", "unspecified"},
      {"applications", "transition", "a-1", "--to", ""},
      {"applications", "consent", "a-1"},                         // neither
      {"applications", "consent", "a-1", "--grant", "--refuse"},  // both
      {"applications", "consent", "a-1", "--refuse"},             // no reason
      {"applications", "return", "a-1"},                          // no --outcome
      {"applications", "return", "a-1", "--outcome", "maybe"},
      {"applications", "return", "a-1", "--outcome", "late", "--date", "2027-02-29"},
      {"applications", "return", "a-1", "--outcome", "late", "--date", "2027-13-01"},
      {"applications", "return", "a-1", "--outcome", "late", "--date", "27-10-01"},
      {"applications", "return", "a-1", "--outcome", "not-returned", "--date", "2027-10-01"},
      {"applications", "watch", "--cursor", "c1", "--from-beginning"},
      {"applications", "watch", "--max-events", "-1"},
      {"applications", "watch", "--timeout", "-3"},
  };
  for (const auto& args : cases) {
    EXPECT_EQ(Run(args), 2) << absl::StrJoin(args, " ") << "\n" << err_.str();
    EXPECT_FALSE(err_.str().empty()) << absl::StrJoin(args, " ");
  }
  EXPECT_EQ(fake().calls(), 0u);
}

TEST_F(ApplicationCliTest, BadFlagValuesAreNamedInTheError) {
  EXPECT_EQ(Run({"applications", "transition", "a-1", "--to", "flying"}), 2);
  EXPECT_TRUE(absl::StrContains(err_.str(), "--to")) << err_.str();
  EXPECT_EQ(Run({"applications", "return", "a-1", "--outcome", "late", "--date", "2027-02-29"}), 2);
  EXPECT_TRUE(absl::StrContains(err_.str(), "--date")) << err_.str();
  EXPECT_EQ(Run({"applications", "consent", "a-1", "--refuse"}), 2);
  EXPECT_TRUE(absl::StrContains(err_.str(), "--reason")) << err_.str();
}

TEST_F(ApplicationCliTest, CreateSendsBothNamesAndAFreshRequestIdEachTime) {
  ASSERT_EQ(Run({"applications", "create", "--candidate", "cand-1", "--vacancy", "vacancies/vac-1",
                 "--state", "submitted", "--id", "a-9"}),
            0)
      << err_.str();
  ASSERT_EQ(Run({"applications", "create", "--candidate", "cand-1", "--vacancy", "vac-2"}), 0)
      << err_.str();
  ASSERT_EQ(fake().creates.size(), 2u);
  const v1::CreateApplicationRequest& first = fake().creates[0];
  EXPECT_EQ(first.application().candidate(), "candidates/cand-1");
  EXPECT_EQ(first.application().vacancy(), "vacancies/vac-1");
  EXPECT_EQ(first.application().state(), v1::APPLICATION_STATE_SUBMITTED);
  EXPECT_EQ(first.application_id(), "a-9");
  EXPECT_TRUE(IsGeneratedRequestId(first.request_id())) << first.request_id();
  const v1::CreateApplicationRequest& second = fake().creates[1];
  EXPECT_EQ(second.application().state(), v1::APPLICATION_STATE_UNSPECIFIED);
  EXPECT_TRUE(IsGeneratedRequestId(second.request_id())) << second.request_id();
  EXPECT_NE(first.request_id(), second.request_id());
  // The table of the last one.
  EXPECT_TRUE(absl::StrContains(out_.str(), "applications/a-new")) << out_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "SHORTLISTED")) << out_.str();
}

TEST_F(ApplicationCliTest, AGivenRequestIdIsSentAsIs) {
  ASSERT_EQ(Run({"applications", "create", "--candidate", "c", "--vacancy", "v", "--request-id",
                 "retry-7"}),
            0);
  ASSERT_EQ(
      Run({"applications", "transition", "a-1", "--to", "preselected", "--request-id", "retry-8"}),
      0);
  ASSERT_EQ(fake().creates.size(), 1u);
  EXPECT_EQ(fake().creates[0].request_id(), "retry-7");
  ASSERT_EQ(fake().transitions.size(), 1u);
  EXPECT_EQ(fake().transitions[0].request_id(), "retry-8");
}

TEST_F(ApplicationCliTest, GetPrintsATableOrJsonAndReportsNotFound) {
  ASSERT_EQ(Run({"applications", "get", "a-1"}), 0) << err_.str();
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u) << out_.str();
  EXPECT_TRUE(absl::StartsWith(lines[0], "NAME")) << lines[0];
  EXPECT_TRUE(absl::StrContains(lines[1], "applications/a-1")) << lines[1];
  EXPECT_TRUE(absl::StrContains(lines[1], "SUBMITTED")) << lines[1];

  ASSERT_EQ(Run({"--output", "json", "applications", "get", "applications/a-2"}), 0);
  nlohmann::json j = nlohmann::json::parse(out_.str(), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out_.str();
  EXPECT_EQ(j["name"], "applications/a-2");
  EXPECT_EQ(j["state"], "APPLICATION_STATE_DEPLOYED");

  EXPECT_EQ(Run({"applications", "get", "nope"}), 1);
  EXPECT_TRUE(absl::StrContains(err_.str(), "NOT_FOUND")) << err_.str();
}

TEST_F(ApplicationCliTest, ListSendsTheFilterAndFollowsPagesWithAll) {
  ASSERT_EQ(Run({"applications", "list", "--filter", "state = \"APPLICATION_STATE_SUBMITTED\""}),
            0);
  ASSERT_EQ(fake().lists.size(), 1u);
  EXPECT_EQ(fake().lists[0].filter(), "state = \"APPLICATION_STATE_SUBMITTED\"");
  EXPECT_EQ(Lines().size(), 2u) << out_.str();
  EXPECT_TRUE(absl::StrContains(err_.str(), "--page-token applications/a-2")) << err_.str();

  ASSERT_EQ(Run({"applications", "list", "--all"}), 0);
  EXPECT_EQ(fake().lists.size(), 3u);
  EXPECT_EQ(Lines().size(), 3u) << out_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "applications/a-1"));
  EXPECT_TRUE(absl::StrContains(out_.str(), "applications/a-2"));
}

TEST_F(ApplicationCliTest, TransitionSendsStateReasonAndEtag) {
  ASSERT_EQ(Run({"--output", "json", "applications", "transition", "a-1", "--to", "health-cleared",
                 "--reason", "MEDICAL_OK", "--etag", "e1"}),
            0)
      << err_.str();
  ASSERT_EQ(fake().transitions.size(), 1u);
  const v1::TransitionApplicationRequest& t = fake().transitions[0];
  EXPECT_EQ(t.name(), "applications/a-1");
  EXPECT_EQ(t.to_state(), v1::APPLICATION_STATE_HEALTH_CLEARED);
  EXPECT_EQ(t.reason_code(), "MEDICAL_OK");
  EXPECT_EQ(t.etag(), "e1");
  EXPECT_TRUE(IsGeneratedRequestId(t.request_id()));
  nlohmann::json j = nlohmann::json::parse(out_.str(), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out_.str();
  EXPECT_EQ(j["state"], "APPLICATION_STATE_HEALTH_CLEARED");

  // Every spelling of a state.
  for (const std::string to : {"VISA_ISSUED", "visa_issued", "APPLICATION_STATE_VISA_ISSUED"}) {
    ASSERT_EQ(Run({"applications", "transition", "a-1", "--to", to}), 0) << to;
    EXPECT_EQ(fake().transitions.back().to_state(), v1::APPLICATION_STATE_VISA_ISSUED) << to;
  }
  // A refusal from the server is exit 1 with its code.
  EXPECT_EQ(Run({"applications", "transition", "gone", "--to", "rejected", "--reason", "X"}), 1);
  EXPECT_TRUE(absl::StrContains(err_.str(), "NOT_FOUND")) << err_.str();
}

TEST_F(ApplicationCliTest, ConsentGrantsOrRefusesWithAReason) {
  ASSERT_EQ(Run({"applications", "consent", "a-1", "--grant"}), 0) << err_.str();
  ASSERT_EQ(Run({"applications", "consent", "a-2", "--refuse", "--reason", "HEALTH_SHORTAGE"}), 0)
      << err_.str();
  ASSERT_EQ(fake().consents.size(), 2u);
  EXPECT_EQ(fake().consents[0].name(), "applications/a-1");
  EXPECT_TRUE(fake().consents[0].granted());
  EXPECT_TRUE(IsGeneratedRequestId(fake().consents[0].request_id()));
  EXPECT_FALSE(fake().consents[1].granted());
  EXPECT_EQ(fake().consents[1].reason_code(), "HEALTH_SHORTAGE");
  EXPECT_TRUE(absl::StrContains(out_.str(), "REFUSED")) << out_.str();
}

TEST_F(ApplicationCliTest, ReturnSendsOutcomeAndDay) {
  ASSERT_EQ(Run({"applications", "return", "a-2", "--outcome", "late", "--date", "2028-02-29"}), 0)
      << err_.str();
  ASSERT_EQ(Run({"applications", "return", "a-2", "--outcome", "not-returned"}), 0);
  ASSERT_EQ(fake().returns.size(), 2u);
  const v1::RecordReturnRequest& late = fake().returns[0];
  EXPECT_EQ(late.name(), "applications/a-2");
  EXPECT_EQ(late.outcome(), v1::RETURN_OUTCOME_LATE);
  EXPECT_EQ(late.return_date().year(), 2028);
  EXPECT_EQ(late.return_date().month(), 2);
  EXPECT_EQ(late.return_date().day(), 29);
  EXPECT_TRUE(IsGeneratedRequestId(late.request_id()));
  EXPECT_EQ(fake().returns[1].outcome(), v1::RETURN_OUTCOME_NOT_RETURNED);
  EXPECT_FALSE(fake().returns[1].has_return_date());
  EXPECT_TRUE(absl::StrContains(out_.str(), "NOT_RETURNED")) << out_.str();
}

TEST_F(ApplicationCliTest, WatchPrintsOneLinePerEventAndReconnectsFromTheLastCursor) {
  WatchSession first;
  first.messages = {Checkpoint("c5"),
                    Event("applications/a-1", v1::APPLICATION_STATE_UNSPECIFIED,
                          v1::APPLICATION_STATE_SHORTLISTED, "c6"),
                    Event("applications/a-1", v1::APPLICATION_STATE_SHORTLISTED,
                          v1::APPLICATION_STATE_SUBMITTED, "c8"),
                    Checkpoint("c11")};
  // Ends OK: the server's maximum call duration.
  WatchSession second;
  second.messages = {Checkpoint("c11"),
                     Event("applications/a-2", v1::APPLICATION_STATE_SELECTED,
                           v1::APPLICATION_STATE_VISA_ISSUED, "c12"),
                     Event("applications/a-3", v1::APPLICATION_STATE_UNSPECIFIED,
                           v1::APPLICATION_STATE_SHORTLISTED, "c13")};
  second.hold = true;
  fake().sessions = {first, second};
  ASSERT_EQ(Run({"applications", "watch", "--filter", "vacancy = vac-1", "--max-events", "3"}), 0)
      << err_.str();
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 3u) << out_.str();
  EXPECT_EQ(lines[0],
            "2027-03-01T00:00:00Z  applications/a-1  (new) -> SHORTLISTED  agency:ag-co  -  c6");
  EXPECT_TRUE(absl::StrContains(lines[1], "SHORTLISTED -> SUBMITTED")) << lines[1];
  EXPECT_TRUE(absl::StrContains(lines[2], "applications/a-2  SELECTED -> VISA_ISSUED")) << lines[2];
  ASSERT_EQ(fake().watches.size(), 2u);
  EXPECT_EQ(fake().watches[0].resume_cursor(), "");
  EXPECT_FALSE(fake().watches[0].start_from_beginning());
  EXPECT_EQ(fake().watches[0].filter(), "vacancy = vac-1");
  // The reconnect resumes from the last message of the first stream.
  EXPECT_EQ(fake().watches[1].resume_cursor(), "c11");
  EXPECT_EQ(fake().watches[1].filter(), "vacancy = vac-1");
  EXPECT_TRUE(absl::StrContains(err_.str(), "resume with --cursor c12")) << err_.str();
}

TEST_F(ApplicationCliTest, WatchFromBeginningOrACursorAndJsonLines) {
  WatchSession only;
  only.messages = {Checkpoint("c0"), Event("applications/a-1", v1::APPLICATION_STATE_UNSPECIFIED,
                                           v1::APPLICATION_STATE_SHORTLISTED, "c1")};
  only.hold = true;
  fake().sessions = {only, only};
  ASSERT_EQ(
      Run({"--output", "json", "applications", "watch", "--from-beginning", "--max-events", "1"}),
      0)
      << err_.str();
  EXPECT_TRUE(fake().watches[0].start_from_beginning());
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u) << out_.str();
  nlohmann::json j = nlohmann::json::parse(lines[0], nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << lines[0];
  EXPECT_EQ(j["application"], "applications/a-1");
  EXPECT_EQ(j["cursor"], "c1");
  EXPECT_EQ(j["event"]["toState"], "APPLICATION_STATE_SHORTLISTED");

  ASSERT_EQ(Run({"applications", "watch", "--cursor", "c0", "--max-events", "1"}), 0);
  ASSERT_EQ(fake().watches.size(), 2u);
  EXPECT_EQ(fake().watches[1].resume_cursor(), "c0");
  EXPECT_FALSE(fake().watches[1].start_from_beginning());
}

TEST_F(ApplicationCliTest, WatchStopsAtItsTimeoutWithTheResumeCursor) {
  WatchSession quiet;
  quiet.messages = {Checkpoint("c40")};
  quiet.hold = true;
  fake().sessions = {quiet};
  const absl::Time start = absl::Now();
  ASSERT_EQ(Run({"applications", "watch", "--timeout", "0.5"}), 0) << err_.str();
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(450));
  EXPECT_LT(took, absl::Seconds(5));
  EXPECT_TRUE(out_.str().empty()) << out_.str();
  EXPECT_TRUE(absl::StrContains(err_.str(), "resume with --cursor c40")) << err_.str();
}

TEST_F(ApplicationCliTest, WatchReportsAServerErrorWithExitOne) {
  WatchSession refused;
  refused.end = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                             "resume_cursor: not a cursor from a WatchApplications response");
  fake().sessions = {refused};
  EXPECT_EQ(Run({"applications", "watch", "--cursor", "zzz"}), 1);
  EXPECT_TRUE(absl::StrContains(err_.str(), "INVALID_ARGUMENT: resume_cursor")) << err_.str();
}

// The whole path once: the CLI against a real corridord (in-process channel),
// with transitions appended to its audit log as the ledger's committer does.
class ApplicationWatchCliTest : public ::testing::Test {
 protected:
  ApplicationWatchCliTest() : server_("watch-cli") { server_.Seed(); }

  void AppendTransition(const std::string& application, const std::string& from,
                        const std::string& to) {
    v1::AuditEvent e;
    e.set_kind("APPLICATION_TRANSITION");
    e.set_actor("agency:ag-co");
    e.add_subjects("applications/" + application);
    e.add_subjects("candidates/cand-1");
    e.add_subjects("vacancies/vac-1");
    e.set_from_state(from);
    e.set_to_state(to);
    std::vector<v1::AuditEvent> events = {e};
    storage::Database& db = server_.server().database();
    std::unique_ptr<storage::AuditLog::Writer> writer = server_.server().audit_log().Lock();
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(writer->Stage(batch, events).ok());
    rocksdb::WriteOptions synced = db.write_options();
    synced.sync = true;
    ASSERT_TRUE(db.db()->GetRootDB()->Write(synced, &batch).ok());
    writer->Committed();
  }

  int Run(const std::string& principal, std::vector<std::string> args) {
    args.insert(args.begin(), {"corridor", "--token", "test-token-for-" + principal});
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    out_.str("");
    err_.str("");
    CliEnv env;
    env.out = &out_;
    env.err = &err_;
    env.connect =
        [this](const ClientOptions& options) -> absl::StatusOr<std::unique_ptr<Connection>> {
      return std::make_unique<Connection>(server_.channel(), options);
    };
    return RunCli(static_cast<int>(argv.size()), argv.data(), env);
  }

  corridor::testing::TestServer server_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(ApplicationWatchCliTest, WatchPrintsTheCallersEventsAndResumesFromThePrintedCursor) {
  AppendTransition("a-1", "", "APPLICATION_STATE_SHORTLISTED");
  AppendTransition("a-2", "", "APPLICATION_STATE_SHORTLISTED");
  ASSERT_EQ(Run("agency:ag-co", {"applications", "watch", "--from-beginning", "--max-events", "2"}),
            0)
      << err_.str();
  std::vector<std::string> lines = absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << out_.str();
  EXPECT_TRUE(absl::StrContains(lines[0], "applications/a-1  (new) -> SHORTLISTED  agency:ag-co"))
      << lines[0];
  EXPECT_TRUE(absl::StrContains(lines[1], "applications/a-2")) << lines[1];
  std::smatch m;
  const std::string err = err_.str();
  ASSERT_TRUE(std::regex_search(err, m, std::regex("resume with --cursor (\\S+)"))) << err;
  const std::string cursor = m[1];
  EXPECT_TRUE(absl::EndsWith(lines[1], cursor)) << lines[1] << " / " << cursor;

  // Another agency sees none of them.
  ASSERT_EQ(Run("agency:ag-co2", {"applications", "watch", "--from-beginning", "--timeout", "1"}),
            0)
      << err_.str();
  EXPECT_TRUE(out_.str().empty()) << out_.str();

  AppendTransition("a-1", "APPLICATION_STATE_SHORTLISTED", "APPLICATION_STATE_SUBMITTED");
  ASSERT_EQ(Run("agency:ag-co", {"applications", "watch", "--cursor", cursor, "--max-events", "1"}),
            0)
      << err_.str();
  lines = absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u) << out_.str();
  EXPECT_TRUE(absl::StrContains(lines[0], "applications/a-1  SHORTLISTED -> SUBMITTED"))
      << lines[0];

  EXPECT_EQ(Run("agency:ag-co", {"applications", "watch", "--cursor", "c99999"}), 1);
  EXPECT_TRUE(absl::StrContains(err_.str(), "OUT_OF_RANGE: resume_cursor")) << err_.str();
}

TEST(ApplicationStateParseTest, AcceptsEveryStateInEverySpellingAndNothingElse) {
  for (int i = 1; i < v1::ApplicationState_descriptor()->value_count(); ++i) {
    const auto* value = v1::ApplicationState_descriptor()->value(i);
    std::string bare = value->name().substr(std::string("APPLICATION_STATE_").size());
    std::string dashed = absl::AsciiStrToLower(bare);
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    for (const std::string& text : {value->name(), bare, dashed}) {
      absl::StatusOr<v1::ApplicationState> s = ParseApplicationState(text, "--to");
      ASSERT_TRUE(s.ok()) << text;
      EXPECT_EQ(*s, value->number()) << text;
    }
  }
  for (const std::string text : {"", "unspecified", "APPLICATION_STATE_UNSPECIFIED", "select",
                                 "selected ", "APPLICATION_STATE_", "13"}) {
    EXPECT_FALSE(ParseApplicationState(text, "--to").ok()) << text;
  }
}

}  // namespace
}  // namespace corridor::cli
