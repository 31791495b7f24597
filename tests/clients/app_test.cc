#include "clients/cli/app.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/token_file.h"
#include "fake_server.h"
#include "gtest/gtest.h"

namespace corridor::cli {
namespace {

class AppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("corridor_app_test_", ::getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    v1::Agency a;
    a.set_name("agencies/co-pes");
    a.set_display_name("Public Employment Service of Colombia (synthetic)");
    a.set_country("CO");
    a.set_licence_number("CO-PES-1");
    a.set_licence_status(v1::LICENCE_STATUS_VALID);
    a.mutable_licence_expiry()->set_year(2031);
    a.mutable_licence_expiry()->set_month(12);
    a.mutable_licence_expiry()->set_day(31);
    server_.agencies.agencies[a.name()] = a;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  int Run(std::vector<std::string> args) {
    args.insert(args.begin(), "corridor");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    out_.str("");
    err_.str("");
    CliEnv env;
    env.out = &out_;
    env.err = &err_;
    env.connect = [this](const ClientOptions& options)
        -> absl::StatusOr<std::unique_ptr<Connection>> {
      seen_options_ = options;
      return std::make_unique<Connection>(server_.Channel(), options);
    };
    return RunCli(static_cast<int>(argv.size()), argv.data(), env);
  }

  testing::FakeServer server_;
  std::filesystem::path dir_;
  std::ostringstream out_;
  std::ostringstream err_;
  ClientOptions seen_options_;
};

TEST_F(AppTest, UsageErrorsExitWithTwo) {
  EXPECT_EQ(Run({}), 2);
  EXPECT_EQ(Run({"agencies"}), 2);
  EXPECT_EQ(Run({"agencies", "get"}), 2);
  EXPECT_EQ(Run({"--output", "yaml", "agencies", "get", "x"}), 2);
  EXPECT_EQ(Run({"agencies", "frobnicate"}), 2);
  EXPECT_EQ(Run({"candidates", "import", "f.jsonl", "--batch-size", "20000"}), 2);
  EXPECT_EQ(Run({"candidates", "import", "f.jsonl", "--format", "xml"}), 2);
  EXPECT_EQ(Run({"token", "issue", "--principal", "operator"}), 2);
  EXPECT_FALSE(err_.str().empty());
}

TEST_F(AppTest, HelpExitsWithZero) {
  EXPECT_EQ(Run({"--help"}), 0);
  EXPECT_NE(out_.str().find("candidates"), std::string::npos);
}

TEST_F(AppTest, GetPrintsATableOrProtoJson) {
  ASSERT_EQ(Run({"--token", "test-token", "agencies", "get", "co-pes"}), 0) << err_.str();
  EXPECT_NE(out_.str().find("NAME"), std::string::npos);
  EXPECT_NE(out_.str().find("agencies/co-pes"), std::string::npos);
  EXPECT_NE(out_.str().find("VALID"), std::string::npos);
  EXPECT_NE(out_.str().find("2031-12-31"), std::string::npos);

  ASSERT_EQ(Run({"agencies", "get", "agencies/co-pes", "--output", "json", "--token",
                 "test-token"}),
            0);
  EXPECT_NE(out_.str().find("\"licenceStatus\": \"LICENCE_STATUS_VALID\""), std::string::npos)
      << out_.str();
}

TEST_F(AppTest, RpcErrorsPrintTheCodeAndExitWithOne) {
  EXPECT_EQ(Run({"--token", "wrong", "agencies", "get", "co-pes"}), 1);
  EXPECT_NE(err_.str().find("UNAUTHENTICATED"), std::string::npos) << err_.str();
  EXPECT_EQ(Run({"--token", "test-token", "agencies", "get", "nobody"}), 1);
  EXPECT_NE(err_.str().find("PERMISSION_DENIED"), std::string::npos) << err_.str();
}

TEST_F(AppTest, GlobalOptionsReachTheConnection) {
  Run({"--server", "10.0.0.1:6000", "--timeout", "2.5", "--token", "t", "agencies", "get", "x"});
  EXPECT_EQ(seen_options_.server, "10.0.0.1:6000");
  EXPECT_DOUBLE_EQ(seen_options_.timeout_seconds, 2.5);
  EXPECT_EQ(seen_options_.token, "t");
}

TEST_F(AppTest, WarnsBeforeSendingATokenInPlaintextOffThisMachine) {
  Run({"--server", "corridor.example.org:443", "--token", "test-token", "agencies", "get",
       "co-pes"});
  EXPECT_NE(err_.str().find("plaintext"), std::string::npos);
  Run({"--server", "127.0.0.1:50051", "--token", "test-token", "agencies", "get", "co-pes"});
  EXPECT_EQ(err_.str().find("plaintext"), std::string::npos);
}

TEST(ConnectionTest, RejectsIncompleteOrMissingTlsFiles) {
  ClientOptions options;
  options.tls_ca = "/nonexistent/ca.pem";
  EXPECT_EQ(Connection::Open(options).status().code(), absl::StatusCode::kNotFound);
  options.tls_cert = "/nonexistent/cert.pem";
  EXPECT_EQ(Connection::Open(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.tls_ca.clear();
  options.tls_key = "/nonexistent/key.pem";
  EXPECT_EQ(Connection::Open(options).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Connection::Open(ClientOptions()).ok());
}

TEST_F(AppTest, TokenFromTheEnvironment) {
  ::setenv("CORRIDOR_TOKEN", "test-token", 1);
  const int rc = Run({"agencies", "get", "co-pes"});
  ::unsetenv("CORRIDOR_TOKEN");
  EXPECT_EQ(rc, 0) << err_.str();
}

TEST_F(AppTest, IssuesATokenOnce) {
  const std::string file = (dir_ / "tokens").string();
  ASSERT_EQ(Run({"token", "issue", "--token-file", file, "--principal", "agency:co-pes",
                 "--label", "Colombia portal"}),
            0)
      << err_.str();
  std::string token = out_.str();
  ASSERT_FALSE(token.empty());
  token.pop_back();  // newline
  auto tokens = LoadTokenFile(file);
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  auto it = tokens->find(HashToken(token));
  ASSERT_NE(it, tokens->end());
  EXPECT_EQ(it->second.ToString(), "agency:co-pes");
  EXPECT_EQ(Run({"token", "issue", "--token-file", file, "--principal", "king:of-spain"}), 2);
}

TEST_F(AppTest, ImportReportsAndExitsByOutcome) {
  const std::string good = (dir_ / "good.jsonl").string();
  std::ofstream(good) << "{\"name\":\"candidates/c1\",\"nationality\":\"CO\",\"birthYear\":1990}\n";
  ASSERT_EQ(Run({"candidates", "import", good}), 0) << err_.str();
  EXPECT_NE(err_.str().find("1 rows, 0 invalid, 1 written"), std::string::npos) << err_.str();

  const std::string bad = (dir_ / "bad.csv").string();
  std::ofstream(bad) << "id,nationality,birth_year\nc1,CO,1990\nc2,co,1990\n";
  EXPECT_EQ(Run({"candidates", "import", bad}), 1);
  EXPECT_NE(err_.str().find("row 3, candidate.nationality"), std::string::npos) << err_.str();
  EXPECT_EQ(Run({"candidates", "import", bad, "--skip-bad-rows", "--output", "json"}), 0);
  EXPECT_NE(out_.str().find("\"rowsWritten\": 1"), std::string::npos) << out_.str();
}

}  // namespace
}  // namespace corridor::cli
