// corridord as a process: the data-directory lock (RELIABILITY D7) and a
// graceful stop on SIGTERM (D8's shutdown path), against the real binary.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/token_file.h"
#include "corridor/v1/agency_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/server/fixtures.h"

namespace corridor::testing {
namespace {

// A corridord child process whose stderr goes to a file.
class Corridord {
 public:
  Corridord(const std::string& data_dir, const std::string& token_file) {
    static int instance = 0;
    log_ = absl::StrCat(data_dir, ".", ++instance, ".log");
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(fd, 2);
      execl(CORRIDORD_PATH, "corridord", "--listen", "127.0.0.1:0", "--data-dir",
            data_dir.c_str(), "--token-file", token_file.c_str(), "--shutdown-grace-seconds",
            "5", static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Corridord() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Waits up to `limit` for the process to exit; returns its exit status or -1.
  int WaitExit(std::chrono::seconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

  // The port it reports on stderr once serving, or 0 after `limit`.
  int WaitPort(std::chrono::seconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      std::string text = Log();
      size_t at = text.find("(port ");
      if (at != std::string::npos) return std::atoi(text.c_str() + at + 6);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return 0;
  }

  std::string Log() const {
    std::ifstream in(log_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void Signal(int sig) { kill(pid_, sig); }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  std::string log_;
};

std::string TokenFile(const std::string& dir, std::string& token) {
  std::string path = absl::StrCat(dir, "/tokens");
  token = *IssueToken(path, *Principal::Parse("operator"), "test");
  return path;
}

TEST(CorridordProcessTest, SecondServerOnTheSameDataDirectoryExitsNonZero) {
  std::string dir = FreshDir("d7");
  std::string token;
  std::string tokens = TokenFile(dir, token);
  Corridord first(absl::StrCat(dir, "/data"), tokens);
  ASSERT_GT(first.WaitPort(std::chrono::seconds(20)), 0) << first.Log();

  Corridord second(absl::StrCat(dir, "/data"), tokens);
  EXPECT_EQ(second.WaitExit(std::chrono::seconds(20)), 1);
  EXPECT_THAT(second.Log(), ::testing::HasSubstr("in use by another process"));

  // The first one still serves.
  first.Signal(SIGTERM);
  EXPECT_EQ(first.WaitExit(std::chrono::seconds(20)), 0) << first.Log();
}

TEST(CorridordProcessTest, SigtermDrainsAndKeepsAcknowledgedWrites) {
  std::string dir = FreshDir("d8");
  std::string token;
  std::string tokens = TokenFile(dir, token);
  std::string data = absl::StrCat(dir, "/data");
  int acknowledged = 0;
  {
    Corridord server(data, tokens);
    int port = server.WaitPort(std::chrono::seconds(20));
    ASSERT_GT(port, 0) << server.Log();
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                       grpc::InsecureChannelCredentials());
    auto stub = v1::AgencyService::NewStub(channel);
    // Writes keep arriving while SIGTERM lands.
    std::thread writer([&] {
      for (int i = 0; i < 500; ++i) {
        grpc::ClientContext ctx;
        ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        v1::CreateAgencyRequest req;
        *req.mutable_agency() = ValidAgency("PH");
        req.set_agency_id(absl::StrCat("ag-", i));
        v1::Agency out;
        if (!stub->CreateAgency(&ctx, req, &out).ok()) break;
        ++acknowledged;
      }
    });
    while (acknowledged < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    server.Signal(SIGTERM);
    writer.join();
    EXPECT_EQ(server.WaitExit(std::chrono::seconds(20)), 0) << server.Log();
    EXPECT_THAT(server.Log(), ::testing::HasSubstr("stopped"));
  }
  // Every acknowledged agency is there after a restart.
  Corridord again(data, tokens);
  int port = again.WaitPort(std::chrono::seconds(20));
  ASSERT_GT(port, 0) << again.Log();
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  auto stub = v1::AgencyService::NewStub(channel);
  int found = 0;
  v1::ListAgenciesRequest req;
  req.set_page_size(1000);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  v1::ListAgenciesResponse resp;
  grpc::Status listed = stub->ListAgencies(&ctx, req, &resp);
  ASSERT_TRUE(listed.ok()) << listed.error_code() << " " << listed.error_message();
  found = resp.agencies_size();
  EXPECT_GE(found, acknowledged);
  again.Signal(SIGTERM);
  EXPECT_EQ(again.WaitExit(std::chrono::seconds(20)), 0);
}

TEST(CorridordProcessTest, ExpiredDeadlineDoesNoWorkAndAYearLongOneIsServed) {
  std::string dir = FreshDir("deadline");
  std::string token;
  std::string tokens = TokenFile(dir, token);
  Corridord server(absl::StrCat(dir, "/data"), tokens);
  int port = server.WaitPort(std::chrono::seconds(20));
  ASSERT_GT(port, 0) << server.Log();
  auto stub = v1::AgencyService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  auto call = [&](std::chrono::system_clock::time_point deadline, const std::string& id) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    ctx.set_deadline(deadline);
    v1::CreateAgencyRequest req;
    *req.mutable_agency() = ValidAgency("PH");
    req.set_agency_id(id);
    v1::Agency out;
    return stub->CreateAgency(&ctx, req, &out).error_code();
  };
  auto now = std::chrono::system_clock::now();
  EXPECT_EQ(call(now, "ag-expired"), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(call(now + std::chrono::hours(24 * 365), "ag-year"), grpc::StatusCode::OK);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  v1::GetAgencyRequest get;
  get.set_name("agencies/ag-expired");
  v1::Agency out;
  EXPECT_EQ(stub->GetAgency(&ctx, get, &out).error_code(), grpc::StatusCode::NOT_FOUND);
  server.Signal(SIGTERM);
  EXPECT_EQ(server.WaitExit(std::chrono::seconds(20)), 0);
}

TEST(CorridordProcessTest, RefusesToStartWithoutATokenFile) {
  std::string dir = FreshDir("notokens");
  Corridord server(absl::StrCat(dir, "/data"), absl::StrCat(dir, "/missing-tokens"));
  EXPECT_EQ(server.WaitExit(std::chrono::seconds(20)), 1);
  EXPECT_THAT(server.Log(), ::testing::HasSubstr("token file"));
}

}  // namespace
}  // namespace corridor::testing
