#include "storage/database.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "rocksdb/status.h"
#include "storage/keys.h"
#include "storage/page_token.h"
#include "storage/record_store.h"
#include "storage/stores.h"
#include "tests/storage/storage_samples.h"
#include "tests/storage/storage_test_util.h"

extern char** environ;

namespace corridor::storage {
namespace {

using testing_util::ScopedTempDir;
using testing_util::TestDatabase;

constexpr char kChildPathVariable[] = "CORRIDOR_STORAGE_TEST_CHILD_DB";

absl::StatusOr<std::unique_ptr<Database>> OpenAt(const std::string& path, bool sync = false) {
  DatabaseOptions options;
  options.path = path;
  options.sync = sync;
  return Database::Open(options);
}

std::string ReadMeta(Database& db, absl::string_view key) {
  std::string value;
  rocksdb::Status s = db.db()->Get(rocksdb::ReadOptions(), db.family(Family::kMeta),
                                   rocksdb::Slice(key.data(), key.size()), &value);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return value;
}

TEST(DatabaseTest, EmptyPathIsInvalidArgument) {
  EXPECT_EQ(OpenAt("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DatabaseTest, OpenCreatesMissingDirectoriesAndEveryFamily) {
  ScopedTempDir dir;
  const std::string path = dir.Sub("a/b/db");
  absl::StatusOr<std::unique_ptr<Database>> db = OpenAt(path);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_TRUE(std::filesystem::is_directory(path));
  EXPECT_EQ((*db)->path(), path);
  for (int i = 0; i < kFamilyCount; ++i) {
    ASSERT_NE((*db)->family(static_cast<Family>(i)), nullptr);
    EXPECT_EQ((*db)->family(static_cast<Family>(i))->GetName(),
              std::string(FamilyName(static_cast<Family>(i))));
  }
}

TEST(DatabaseTest, FirstOpenWritesSchemaVersionAndRandomSecret) {
  TestDatabase a;
  TestDatabase b;
  EXPECT_EQ(ReadMeta(a.db(), kMetaSchemaVersion), "1");
  EXPECT_EQ(a.db().page_token_secret().size(), 32u);
  EXPECT_EQ(ReadMeta(a.db(), kMetaPageTokenSecret), a.db().page_token_secret());
  EXPECT_NE(a.db().page_token_secret(), b.db().page_token_secret());
}

TEST(DatabaseTest, WriteOptionsFollowSyncOption) {
  TestDatabase synced(/*sync=*/true);
  TestDatabase unsynced(/*sync=*/false);
  EXPECT_TRUE(synced.db().write_options().sync);
  EXPECT_FALSE(unsynced.db().write_options().sync);
}

TEST(DatabaseTest, SecondOpenOfTheSameDirectoryIsFailedPrecondition) {
  ScopedTempDir dir;
  absl::StatusOr<std::unique_ptr<Database>> first = OpenAt(dir.Sub("db"));
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<Database>> second = OpenAt(dir.Sub("db"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.status().message(),
            absl::StrCat("data directory ", dir.Sub("db"), " is in use by another process"));
  // Closing releases the lock.
  first->reset();
  EXPECT_TRUE(OpenAt(dir.Sub("db")).ok());
}

// Run only as the child of the test below: opens the path it is given and
// exits with the status code of Open.
TEST(DatabaseChildProcess, OpensPathFromEnvironment) {
  const char* path = std::getenv(kChildPathVariable);
  if (path == nullptr) GTEST_SKIP() << "helper for OpenFromAnotherProcessIsFailedPrecondition";
  absl::StatusOr<std::unique_ptr<Database>> db = OpenAt(path);
  std::_Exit(static_cast<int>(db.status().code()));
}

TEST(DatabaseTest, OpenFromAnotherProcessIsFailedPrecondition) {
  ScopedTempDir dir;
  const std::string path = dir.Sub("db");
  absl::StatusOr<std::unique_ptr<Database>> first = OpenAt(path);
  ASSERT_TRUE(first.ok()) << first.status();

  std::string filter = "--gtest_filter=DatabaseChildProcess.OpensPathFromEnvironment";
  std::string self = "/proc/self/exe";
  std::vector<char*> argv = {self.data(), filter.data(), nullptr};
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  env_strings.push_back(absl::StrCat(kChildPathVariable, "=", path));
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv.data(), envp.data()), 0);
  int wstatus = 0;
  ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFEXITED(wstatus));
  EXPECT_EQ(WEXITSTATUS(wstatus), static_cast<int>(absl::StatusCode::kFailedPrecondition));
}

TEST(DatabaseTest, ReopenSeesDataAndKeepsThePageTokenSecret) {
  TestDatabase t;
  std::string token;
  ListQuery q;
  q.scope = "agencies|operator:op-1|";
  q.page_size = 2;
  {
    Stores stores(t.db());
    for (const char* id : {"ag-1", "ag-2", "ag-3", "ag-4"}) {
      ASSERT_TRUE(stores.agencies.Create(id, testing_util::SampleAgency(id)).ok());
    }
    absl::StatusOr<Page<v1::Agency>> page = stores.agencies.List(q);
    ASSERT_TRUE(page.ok());
    token = page->next_page_token;
    ASSERT_FALSE(token.empty());
  }
  const std::string secret = t.db().page_token_secret();
  t.Reopen();
  EXPECT_EQ(t.db().page_token_secret(), secret);
  absl::StatusOr<std::string> last = DecodePageToken(t.db().page_token_secret(), q.scope, token);
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(*last, "ag-2");

  Stores stores(t.db());
  q.page_token = token;
  absl::StatusOr<Page<v1::Agency>> page = stores.agencies.List(q);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].name(), "agencies/ag-3");
  EXPECT_EQ(page->items[1].name(), "agencies/ag-4");
  EXPECT_TRUE(page->next_page_token.empty());
}

TEST(DatabaseTest, UnknownSchemaVersionIsFailedPrecondition) {
  ScopedTempDir dir;
  {
    absl::StatusOr<std::unique_ptr<Database>> db = OpenAt(dir.Sub("db"));
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->db()
                    ->Put(rocksdb::WriteOptions(), (*db)->family(Family::kMeta),
                          "schema_version", "2")
                    .ok());
  }
  absl::StatusOr<std::unique_ptr<Database>> db = OpenAt(dir.Sub("db"));
  EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition) << db.status();
}

TEST(DatabaseTest, CompactAllKeepsLiveDataAndDropsDeletedValues) {
  TestDatabase t;
  Stores stores(t.db());
  const std::string canary = "CANARY-7f3a9c1e-personal-data";
  v1::Candidate c = testing_util::SampleCandidate("cand-1", "ag-1", "CO");
  c.set_display_name(canary);
  ASSERT_TRUE(stores.candidates.Create("cand-1", c).ok());
  ASSERT_TRUE(stores.agencies.Create("ag-1", testing_util::SampleAgency("ag-1")).ok());
  ASSERT_TRUE(t.db().CompactAll().ok());  // the canary reaches a table file
  ASSERT_TRUE(stores.candidates.Delete("cand-1").ok());
  ASSERT_TRUE(t.db().CompactAll().ok());
  EXPECT_TRUE(stores.agencies.Get("ag-1").ok());
  EXPECT_EQ(stores.candidates.Get("cand-1").status().code(), absl::StatusCode::kNotFound);

  // No table file still holds the erased value.
  for (const auto& entry : std::filesystem::directory_iterator(t.path())) {
    if (entry.path().extension() != ".sst") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(canary), std::string::npos) << entry.path();
  }
}

// The newest WAL file of a database directory.
std::string WalFile(const std::string& dir) {
  std::string newest;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log" && entry.path().string() > newest) {
      newest = entry.path().string();
    }
  }
  return newest;
}

// Bytes in the WAL files of a database directory.
uintmax_t WalBytes(const std::string& dir) {
  uintmax_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log") bytes += entry.file_size();
  }
  return bytes;
}

TEST(DatabaseTest, ACleanCloseLeavesNoWalToReplayAndKeepsEveryWrite) {
  for (bool flush_on_close : {true, false}) {
    TestDatabase t(/*sync=*/true, flush_on_close);
    {
      Stores stores(t.db());
      for (int i = 0; i < 200; ++i) {
        const std::string id = absl::StrCat("ag-", i);
        ASSERT_TRUE(stores.agencies.Create(id, testing_util::SampleAgency(id)).ok());
      }
    }
    t.Close();
    if (flush_on_close) {
      EXPECT_EQ(WalBytes(t.path()), 0u) << "a clean close left WAL records to replay";
    } else {
      EXPECT_GT(WalBytes(t.path()), 0u) << "without the flush the writes are only in the WAL";
    }
    t.Reopen();
    Stores stores(t.db());
    for (int i = 0; i < 200; ++i) {
      EXPECT_TRUE(stores.agencies.Get(absl::StrCat("ag-", i)).ok()) << i;
    }
  }
}

TEST(DatabaseTest, TornWalTailIsToleratedAndEarlierWritesSurvive) {
  TestDatabase t(/*sync=*/true, /*flush_on_close=*/false);
  {
    Stores stores(t.db());
    for (int i = 0; i < 20; ++i) {
      const std::string id = absl::StrCat("ag-", i);
      ASSERT_TRUE(stores.agencies.Create(id, testing_util::SampleAgency(id)).ok());
    }
  }
  t.Close();
  const std::string wal = WalFile(t.path());
  ASSERT_FALSE(wal.empty());
  const auto size = std::filesystem::file_size(wal);
  std::filesystem::resize_file(wal, size - 7);  // tear the last record

  absl::StatusOr<std::unique_ptr<Database>> db = OpenAt(t.path());
  ASSERT_TRUE(db.ok()) << db.status();
  Stores stores(**db);
  for (int i = 0; i < 19; ++i) {
    EXPECT_TRUE(stores.agencies.Get(absl::StrCat("ag-", i)).ok()) << i;
  }
}

TEST(DatabaseTest, CorruptMiddleOfWalIsDataLoss) {
  TestDatabase t(/*sync=*/true, /*flush_on_close=*/false);
  {
    Stores stores(t.db());
    for (int i = 0; i < 50; ++i) {
      const std::string id = absl::StrCat("ag-", i);
      ASSERT_TRUE(stores.agencies.Create(id, testing_util::SampleAgency(id)).ok());
    }
  }
  t.Close();
  const std::string wal = WalFile(t.path());
  ASSERT_FALSE(wal.empty());
  {
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    const auto middle = static_cast<std::streamoff>(std::filesystem::file_size(wal) / 2);
    f.seekg(middle);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(middle);
    f.write(&c, 1);
  }
  absl::StatusOr<std::unique_ptr<Database>> db = OpenAt(t.path());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss) << db.status();
}

TEST(DatabaseTest, FromRocksMapsEachKindOfStatus) {
  EXPECT_TRUE(FromRocks(rocksdb::Status::OK(), "x").ok());
  EXPECT_EQ(FromRocks(rocksdb::Status::NotFound(), "x").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FromRocks(rocksdb::Status::Busy(), "x").code(), absl::StatusCode::kAborted);
  EXPECT_EQ(FromRocks(rocksdb::Status::TimedOut(), "x").code(), absl::StatusCode::kAborted);
  EXPECT_EQ(FromRocks(rocksdb::Status::TryAgain(), "x").code(), absl::StatusCode::kAborted);
  EXPECT_EQ(FromRocks(rocksdb::Status::Corruption(), "x").code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(FromRocks(rocksdb::Status::IOError(), "x").code(), absl::StatusCode::kInternal);
  EXPECT_EQ(FromRocks(rocksdb::Status::InvalidArgument(), "x").code(),
            absl::StatusCode::kInternal);
  absl::Status s = FromRocks(rocksdb::Status::Busy(), "commit candidates");
  EXPECT_NE(s.message().find("concurrent modification, retry"), absl::string_view::npos);
  EXPECT_NE(s.message().find("commit candidates"), absl::string_view::npos);
}

}  // namespace
}  // namespace corridor::storage
