// `corridor ledger ...` and `corridor audit ...` (but verify, in
// audit_verifier_test.cc) through RunCli against a real corridord over an
// in-process channel.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "audit_test_util.h"
#include "clients/cli/app.h"
#include "clients/cli/audit_commands.h"
#include "common/signing.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace corridor::cli {
namespace {

using testing::LedgerServer;
using testing::TokenFor;

class LedgerAuditCliTest : public ::testing::Test {
 protected:
  LedgerAuditCliTest() : server_("ledger-audit-cli"), dir_(corridor::testing::FreshDir("cli")) {}

  // Runs the CLI as `principal`.
  int Run(const std::string& principal, std::vector<std::string> args) {
    args.insert(args.begin(), {"corridor", "--token", TokenFor(principal)});
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    out_.str("");
    err_.str("");
    CliEnv env;
    env.out = &out_;
    env.err = &err_;
    env.connect = [this](const ClientOptions& options)
        -> absl::StatusOr<std::unique_ptr<Connection>> {
      return std::make_unique<Connection>(server_.server().channel(), options);
    };
    return RunCli(static_cast<int>(argv.size()), argv.data(), env);
  }

  // The "name" of the JSON object printed by the last command.
  std::string PrintedName() {
    nlohmann::json j = nlohmann::json::parse(out_.str(), nullptr, false);
    if (j.is_discarded() || !j.contains("name")) return "";
    return j["name"].get<std::string>();
  }

  LedgerServer server_;
  std::string dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(LedgerAuditCliTest, ReserveCommitReleaseCorrectGetAndList) {
  ASSERT_EQ(Run("operator", {"--output", "json", "ledger", "reserve", "--cell", "es-2027",
                             "--agreement", "es-co", "--hold-seconds", "3600", "--request-id",
                             "cli-r1"}),
            0)
      << err_.str();
  const std::string r1 = PrintedName();
  ASSERT_TRUE(absl::StartsWith(r1, "reservations/")) << out_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "RESERVATION_STATE_HELD")) << out_.str();

  // The same request id replays the first answer.
  ASSERT_EQ(Run("operator", {"--output", "json", "ledger", "reserve", "--cell",
                             "agreements/es-co/quotaCells/es-2027", "--hold-seconds", "3600",
                             "--request-id", "cli-r1"}),
            0)
      << err_.str();
  EXPECT_EQ(PrintedName(), r1);

  ASSERT_EQ(Run("operator", {"ledger", "reserve", "--cell", "agreements/es-co/quotaCells/es-2027",
                             "--request-id", "cli-r2"}),
            0)
      << err_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "HOLD UNTIL")) << out_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "HELD")) << out_.str();
  std::vector<std::string> lines = absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << out_.str();
  const std::string r2 = lines[1].substr(0, lines[1].find(' '));

  ASSERT_EQ(Run("operator", {"ledger", "commit", r1.substr(r1.find('/') + 1)}), 0) << err_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "COMMITTED")) << out_.str();
  ASSERT_EQ(Run("operator", {"ledger", "release", r2, "--reason", "WITHDRAWN", "--request-id",
                             "cli-rel-2"}),
            0)
      << err_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "RELEASED")) << out_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "WITHDRAWN")) << out_.str();

  // Releasing a committed unit is refused; only a ministry corrects it.
  EXPECT_EQ(Run("operator", {"ledger", "release", r1, "--reason", "WITHDRAWN"}), 1);
  EXPECT_TRUE(absl::StrContains(err_.str(), "FAILED_PRECONDITION")) << err_.str();
  EXPECT_EQ(Run("operator", {"ledger", "correct", r1, "--reason", "visa revoked",
                             "--request-id", "cli-c1"}),
            1);
  EXPECT_TRUE(absl::StrContains(err_.str(), "PERMISSION_DENIED")) << err_.str();
  ASSERT_EQ(Run("ministry:ES", {"ledger", "correct", r1, "--reason", "visa revoked",
                                "--request-id", "cli-c1"}),
            0)
      << err_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "CORRECTED")) << out_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "visa revoked")) << out_.str();

  ASSERT_EQ(Run("ministry:ES", {"ledger", "get", r2}), 0) << err_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "RELEASED")) << out_.str();

  ASSERT_EQ(Run("operator", {"ledger", "list", "--all"}), 0) << err_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), r1)) << out_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), r2)) << out_.str();
  ASSERT_EQ(Run("operator",
                {"ledger", "list", "--filter", "state = \"RESERVATION_STATE_RELEASED\""}),
            0)
      << err_.str();
  EXPECT_FALSE(absl::StrContains(out_.str(), r1)) << out_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), r2)) << out_.str();
}

TEST_F(LedgerAuditCliTest, LedgerUsageErrors) {
  EXPECT_EQ(Run("operator", {"ledger", "reserve", "--cell", "agreements/es-co/quotaCells/es-2027"}),
            2);  // no --request-id
  EXPECT_EQ(Run("operator", {"ledger", "release", "reservations/x"}), 2);  // no --reason
  EXPECT_EQ(Run("operator", {"ledger", "correct", "reservations/x", "--reason", "r"}), 2);
  EXPECT_EQ(Run("operator", {"ledger", "reserve", "--cell", "c", "--request-id", "r",
                             "--hold-seconds", "7776001"}),
            2);
  EXPECT_EQ(Run("operator", {"ledger", "list", "--page-size", "5000"}), 2);
}

TEST_F(LedgerAuditCliTest, ReportCsvHasTheExpectedRows) {
  const std::string r1 = server_.Reserve("es-co", "es-2027", "rep-1");
  const std::string r2 = server_.Reserve("es-co", "es-2027", "rep-2");
  server_.Reserve("es-co", "es-2027", "rep-3");
  server_.Commit(r1);
  server_.Release(r2, "WITHDRAWN");

  const std::string header =
      "key,cap,reserved,committed,released,expired,corrected,selected,released_by_reason\n";
  ASSERT_EQ(Run("ministry:ES",
                {"audit", "report", "--agreement", "agreements/es-co", "--format", "csv"}),
            0)
      << err_.str();
  EXPECT_EQ(out_.str(), header + "agreements/es-co/quotaCells/es-2027,1000,1,1,1,0,0,3,WITHDRAWN=1\n");

  const std::string file = dir_ + "/report.csv";
  ASSERT_EQ(Run("ministry:ES", {"audit", "report", "--agreement", "es-co", "--dimension",
                                "destination", "--csv", file}),
            0)
      << err_.str();
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), header + "ES,0,1,1,1,0,0,3,WITHDRAWN=1\n");
  // The table went to stdout.
  EXPECT_TRUE(absl::StrContains(out_.str(), "RELEASED BY REASON")) << out_.str();

  // As of before the first reservation: the cell, unused.
  ASSERT_EQ(Run("ministry:ES", {"audit", "report", "--agreement", "es-co", "--as-of",
                                "2000-01-01T00:00:00Z", "--format", "csv"}),
            0)
      << err_.str();
  EXPECT_EQ(out_.str(), header);

  // Another destination's ministry is no party to es-co.
  EXPECT_EQ(Run("ministry:FR", {"audit", "report", "--agreement", "es-co", "--format", "csv"}), 1);
  EXPECT_TRUE(absl::StrContains(err_.str(), "PERMISSION_DENIED")) << err_.str();
  EXPECT_EQ(Run("ministry:ES", {"audit", "report", "--agreement", "es-co", "--as-of", "yesterday"}),
            2);
  EXPECT_EQ(Run("ministry:ES", {"audit", "report", "--agreement", "es-co", "--dimension", "shoe"}),
            2);
}

TEST(UsageReportCsvTest, QuotesKeysAndSortsReasons) {
  v1::QuotaUsageReport report;
  v1::QuotaUsageRow* row = report.add_rows();
  row->set_key("a,b");
  row->set_selected(4);
  (*row->mutable_released_by_reason())["VISA_REFUSED"] = 2;
  (*row->mutable_released_by_reason())["NO_SHOW"] = 1;
  report.add_rows();  // the unknown value
  EXPECT_EQ(UsageReportCsv(report),
            "key,cap,reserved,committed,released,expired,corrected,selected,released_by_reason\n"
            "\"a,b\",0,0,0,0,0,0,4,NO_SHOW=1;VISA_REFUSED=2\n"
            ",0,0,0,0,0,0,0,\n");
}

TEST_F(LedgerAuditCliTest, KeygenAndPublicKey) {
  const std::string key_file = dir_ + "/audit.key";
  ASSERT_EQ(Run("operator", {"audit", "keygen", "--out", key_file}), 0) << err_.str();
  std::string printed = out_.str();
  ASSERT_EQ(printed.size(), 65u) << printed;
  printed.pop_back();
  absl::StatusOr<SigningKey> key = SigningKey::FromFile(key_file);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(printed, key->public_key_hex());
  EXPECT_EQ(std::filesystem::status(key_file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  ASSERT_EQ(Run("operator", {"audit", "public-key", "--key-file", key_file}), 0) << err_.str();
  EXPECT_EQ(out_.str(), printed + "\n");
  // Never overwrites a key.
  EXPECT_EQ(Run("operator", {"audit", "keygen", "--out", key_file}), 1);
  EXPECT_TRUE(absl::StrContains(err_.str(), "ALREADY_EXISTS")) << err_.str();
  EXPECT_EQ(Run("operator", {"audit", "public-key", "--key-file", dir_ + "/none"}), 1);
}

TEST_F(LedgerAuditCliTest, HeadChecksItsSignature) {
  server_.BuildHistory();
  const int64_t size = server_.audit_log().Head().tree_size();
  ASSERT_EQ(Run("ministry:CO", {"audit", "head", "--public-key", server_.PublicKeyHex()}), 0)
      << err_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), absl::StrCat("tree_size        ", size)))
      << out_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "valid (verified with the given public key)"))
      << out_.str();
  EXPECT_TRUE(absl::StrContains(
      out_.str(), absl::BytesToHexString(server_.audit_log().Head().root_hash())));

  absl::StatusOr<SigningKey> other = SigningKey::FromSeed(std::string(32, '\x03'));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(Run("ministry:CO", {"audit", "head", "--public-key", other->public_key_hex()}), 1);
  EXPECT_TRUE(absl::StrContains(out_.str(), "INVALID")) << out_.str();

  ASSERT_EQ(Run("ministry:CO", {"--output", "json", "audit", "head"}), 0) << err_.str();
  nlohmann::json j = nlohmann::json::parse(out_.str(), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out_.str();
  EXPECT_EQ(j["treeSize"].get<int64_t>(), size);
  EXPECT_FALSE(j.contains("signatureValid"));
  // Agencies have no access to the log.
  EXPECT_EQ(Run("agency:ag-co", {"audit", "head"}), 1);
  EXPECT_TRUE(absl::StrContains(err_.str(), "PERMISSION_DENIED")) << err_.str();
}

TEST_F(LedgerAuditCliTest, EventsFilterStartAndLimit) {
  server_.BuildHistory();
  ASSERT_EQ(Run("ministry:ES", {"audit", "events", "--filter", "kind = \"RELEASE\""}), 0)
      << err_.str();
  std::vector<std::string> lines = absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << out_.str();  // header, WITHDRAWN, VISA_REFUSED
  EXPECT_TRUE(absl::StrContains(lines[1], "WITHDRAWN")) << out_.str();
  EXPECT_TRUE(absl::StrContains(lines[1], "reserved-1")) << out_.str();
  EXPECT_TRUE(absl::StrContains(lines[2], "VISA_REFUSED")) << out_.str();

  ASSERT_EQ(Run("ministry:ES", {"audit", "events", "--start", "2", "--limit", "3"}), 0)
      << err_.str();
  lines = absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u) << out_.str();
  EXPECT_TRUE(absl::StartsWith(lines[1], "2 ")) << out_.str();
  EXPECT_TRUE(absl::StartsWith(lines[3], "4 ")) << out_.str();
  EXPECT_TRUE(absl::StrContains(err_.str(), "--start 5")) << err_.str();

  const int64_t size = server_.audit_log().Head().tree_size();
  ASSERT_EQ(Run("ministry:ES", {"--output", "json", "audit", "events", "--limit", "0"}), 0)
      << err_.str();
  nlohmann::json j = nlohmann::json::parse(out_.str(), nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(static_cast<int64_t>(j["events"].size()), size);
}

}  // namespace
}  // namespace corridor::cli
