#include "clients/cli/importer.h"

#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "clients/cli/import_command.h"
#include "fake_server.h"
#include "gtest/gtest.h"

namespace corridor::cli {
namespace {

using testing::FakeServer;

// A fresh temporary directory per test.
class ImporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("corridor_importer_test_", ::getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    connection_ = std::make_unique<Connection>(server_.Channel(), ClientOptions());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  // n valid JSONL candidates c1..cn, one per line.
  static std::string Candidates(int n) {
    std::string out;
    for (int i = 1; i <= n; ++i) {
      absl::StrAppend(&out, "{\"name\":\"candidates/c", i,
                      "\",\"nationality\":\"CO\",\"birthYear\":1990}\n");
    }
    return out;
  }

  ImportOptions Options(const std::string& path) {
    ImportOptions o;
    o.path = path;
    o.format = FormatForPath(path);
    o.import_id = "test-import";
    return o;
  }

  absl::StatusOr<ImportReport> Import(const ImportOptions& o) {
    Progress progress(&progress_out_, false);
    return ImportCandidates(*connection_, o, &progress);
  }

  std::vector<testing::SeenBatch> Batches() {
    std::lock_guard<std::mutex> lock(server_.candidates.mu);
    return server_.candidates.batches;
  }

  FakeServer server_;
  std::unique_ptr<Connection> connection_;
  std::filesystem::path dir_;
  std::ostringstream progress_out_;
};

TEST_F(ImporterTest, ValidFileIsValidatedThenWrittenWithRequestIds) {
  ImportOptions o = Options(Write("c.jsonl", Candidates(2500)));
  o.batch_size = 1000;
  auto report = Import(o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_read, 2500);
  EXPECT_EQ(report->rows_written, 2500);
  EXPECT_EQ(report->error_count, 0);
  EXPECT_TRUE(report->write_pass);
  // Three validating batches without request ids, then three writing ones
  // (over two streams, so in any order between streams).
  auto batches = Batches();
  ASSERT_EQ(batches.size(), 6u);
  std::map<std::string, size_t> written;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(batches[i].validate_only);
    EXPECT_EQ(batches[i].request_id, "");
  }
  for (int i = 3; i < 6; ++i) {
    EXPECT_FALSE(batches[i].validate_only);
    EXPECT_FALSE(batches[i].skip_invalid);
    written[batches[i].request_id] = batches[i].rows.size();
  }
  EXPECT_EQ(written, (std::map<std::string, size_t>{
                         {"test-import-1", 1000}, {"test-import-2", 1000}, {"test-import-3", 500}}));
  EXPECT_EQ(server_.candidates.stored.size(), 2500u);
}

TEST_F(ImporterTest, ARepeatedIdIsWrittenInFileOrderAcrossStreams) {
  server_.candidates.delay_request_id = "test-import-1";
  const std::string text =
      "{\"name\":\"candidates/c1\",\"nationality\":\"CO\",\"birthYear\":1990}\n"
      "{\"name\":\"candidates/c1\",\"nationality\":\"CO\",\"birthYear\":1991}\n";
  ImportOptions o = Options(Write("c.jsonl", text));
  o.batch_size = 1;
  o.streams = 2;
  auto report = Import(o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_written, 2);
  EXPECT_EQ(server_.candidates.stored["c1"].birth_year(), 1991);
}

TEST_F(ImporterTest, OneServerInvalidRowMeansNothingIsWritten) {
  std::string text = Candidates(30);
  text += "{\"name\":\"candidates/bad\",\"nationality\":\"co\",\"birthYear\":1990}\n";
  ImportOptions o = Options(Write("c.jsonl", text));
  o.batch_size = 7;
  auto report = Import(o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->write_pass);
  EXPECT_EQ(report->rows_written, 0);
  EXPECT_EQ(report->rows_invalid, 1);
  ASSERT_EQ(report->errors.size(), 1u);
  EXPECT_EQ(report->errors[0].row, 31);
  EXPECT_EQ(report->errors[0].field, "candidate.nationality");
  for (const auto& b : Batches()) EXPECT_TRUE(b.validate_only);
  EXPECT_TRUE(server_.candidates.stored.empty());
}

TEST_F(ImporterTest, MalformedLinesAreRowErrorsWithTheirLineNumbers) {
  const std::string text =
      "{\"name\":\"candidates/a\",\"nationality\":\"CO\",\"birthYear\":1990}\n"
      "{\"name\":\"candidates/b\",\"nationality\":\"CO\",\n"                    // line 2
      "\n"                                                                      // line 3 (blank)
      "{\"nationality\":\"CO\",\"birthYear\":1990}\n"                           // line 4: no name
      "{\"name\":\"vacancies/x\",\"nationality\":\"CO\",\"birthYear\":1990}\n"  // line 5
      "{\"name\":\"candidates/e\",\"gender\":\"GENDER_NONE\"}\n"                // line 6
      "{\"name\":\"candidates/f\",\"nationality\":\"CO\",\"birthYear\":1990}\n";
  auto report = Import(Options(Write("c.jsonl", text)));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_read, 6);
  EXPECT_EQ(report->rows_invalid, 4);
  EXPECT_EQ(report->rows_written, 0);
  ASSERT_EQ(report->errors.size(), 4u);
  EXPECT_EQ(report->errors[0].row, 2);
  EXPECT_EQ(report->errors[0].field, "");
  EXPECT_EQ(report->errors[1].row, 4);
  EXPECT_EQ(report->errors[1].field, "candidate.name");
  EXPECT_EQ(report->errors[2].row, 5);
  EXPECT_EQ(report->errors[2].field, "candidate.name");
  EXPECT_EQ(report->errors[3].row, 6);
  EXPECT_EQ(report->errors[3].field, "candidate.gender");
  // The valid rows were still checked by the server, in one validating pass.
  auto batches = Batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].rows, (std::vector<int64_t>{1, 7}));
}

TEST_F(ImporterTest, SkipBadRowsWritesTheRestInOnePass) {
  std::string text = Candidates(10);
  text += "not json\n";
  text += "{\"name\":\"candidates/old\",\"nationality\":\"CO\",\"birthYear\":1800}\n";
  ImportOptions o = Options(Write("c.jsonl", text));
  o.skip_bad_rows = true;
  o.batch_size = 4;
  auto report = Import(o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_read, 12);
  EXPECT_EQ(report->rows_written, 10);
  EXPECT_EQ(report->rows_invalid, 2);
  ASSERT_EQ(report->errors.size(), 2u);
  EXPECT_EQ(report->errors[0].row, 11);
  EXPECT_EQ(report->errors[1].row, 12);
  EXPECT_EQ(report->errors[1].field, "candidate.birth_year");
  for (const auto& b : Batches()) {
    EXPECT_FALSE(b.validate_only);
    EXPECT_TRUE(b.skip_invalid);
    EXPECT_FALSE(b.request_id.empty());
  }
  EXPECT_EQ(server_.candidates.stored.size(), 10u);
}

TEST_F(ImporterTest, ValidateOnlyWritesNothing) {
  ImportOptions o = Options(Write("c.jsonl", Candidates(50)));
  o.validate_only = true;
  auto report = Import(o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_valid, 50);
  EXPECT_EQ(report->rows_written, 0);
  EXPECT_FALSE(report->write_pass);
  EXPECT_TRUE(server_.candidates.stored.empty());
}

TEST_F(ImporterTest, CsvRowsKeepTheirRowNumbersAcrossMultiLineFields) {
  const std::string text =
      "id,display_name,nationality,birth_year\n"
      "c1,\"Two\nlines\",CO,1990\n"
      "c2,\"Quoted, \"\"comma\"\"\",co,1990\n"  // row 3: server rejects nationality
      "c3,Plain,CO,19x0\n"                      // row 4: local error
      "c4,Plain,CO,1990,extra\n";               // row 5: too many fields
  auto report = Import(Options(Write("c.csv", text)));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_read, 4);
  ASSERT_EQ(report->errors.size(), 3u);
  EXPECT_EQ(report->errors[0].row, 3);
  EXPECT_EQ(report->errors[0].field, "candidate.nationality");
  EXPECT_EQ(report->errors[1].row, 4);
  EXPECT_EQ(report->errors[1].field, "birth_year");
  EXPECT_EQ(report->errors[2].row, 5);
  auto batches = Batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].rows, (std::vector<int64_t>{2, 3}));
}

TEST_F(ImporterTest, CsvWithUnknownColumnFailsBeforeSending) {
  auto report = Import(Options(Write("c.csv", "id,colour\nc1,red\n")));
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(report.status().message().find("colour"), std::string::npos);
  EXPECT_TRUE(Batches().empty());
}

TEST_F(ImporterTest, LostAnswerIsResentWithTheSameRequestIdAndAppliedOnce) {
  server_.candidates.fail_after_write_batch = 2;
  ImportOptions o = Options(Write("c.jsonl", Candidates(1000)));
  o.batch_size = 100;
  auto report = Import(o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_written, 1000);
  EXPECT_EQ(server_.candidates.applied, 1000);
  EXPECT_EQ(server_.candidates.stored.size(), 1000u);
  // The batch whose answer was lost came again under its id (and was
  // replayed); no batch came more than twice.
  std::map<std::string, int> seen;
  for (const auto& b : Batches()) {
    if (!b.validate_only) ++seen[b.request_id];
  }
  int twice = 0;
  for (const auto& [id, n] : seen) {
    EXPECT_LE(n, 2) << id;
    twice += n == 2;
  }
  EXPECT_GE(twice, 1);
  EXPECT_EQ(seen.size(), 10u);
}

TEST_F(ImporterTest, ServerEndingTheStreamAtItsCallLimitIsResumed) {
  server_.candidates.max_batches_per_stream = 3;
  ImportOptions o = Options(Write("c.jsonl", Candidates(1000)));
  o.batch_size = 100;
  auto report = Import(o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_written, 1000);
  EXPECT_EQ(server_.candidates.applied, 1000);
  EXPECT_GE(server_.candidates.streams.load(), 8);
}

TEST_F(ImporterTest, StreamsAreReplacedOnSchedule) {
  ImportOptions o = Options(Write("c.jsonl", Candidates(500)));
  o.batch_size = 100;
  o.stream_seconds = 0;
  auto report = Import(o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_written, 500);
  // Five validating and five writing batches, each on its own stream.
  EXPECT_EQ(server_.candidates.streams.load(), 10);
  EXPECT_EQ(server_.candidates.applied, 500);
}

TEST_F(ImporterTest, UnansweredBatchFailsWithDeadlineExceeded) {
  server_.candidates.stall = true;
  ClientOptions options;
  options.timeout_seconds = 0.3;
  connection_ = std::make_unique<Connection>(server_.Channel(), options);
  auto report = Import(Options(Write("c.jsonl", Candidates(10))));
  EXPECT_EQ(report.status().code(), absl::StatusCode::kDeadlineExceeded) << report.status();
}

TEST_F(ImporterTest, MissingFileIsNotFound) {
  auto report = Import(Options((dir_ / "nope.jsonl").string()));
  EXPECT_EQ(report.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ImporterTest, WriteCacheOverflowRereadsTheFile) {
  ImportOptions o = Options(Write("c.jsonl", Candidates(300)));
  o.batch_size = 50;
  o.cache_limit_bytes = 100;
  auto report = Import(o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->reread);
  EXPECT_EQ(report->rows_written, 300);
}

TEST_F(ImporterTest, ReportListsFiftyErrorsAndCountsTheRest) {
  std::string text;
  for (int i = 1; i <= 120; ++i) text += "{broken\n";
  ImportOptions o = Options(Write("c.jsonl", text));
  auto report = Import(o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->error_count, 120);
  std::ostringstream out, err;
  Io io{&out, &err, false, OutputFormat::kTable};
  EXPECT_EQ(ReportImport(io, "c.jsonl", o, *report), kExitFailure);
  const std::string e = err.str();
  EXPECT_NE(e.find("c.jsonl: row 1: "), std::string::npos);
  EXPECT_NE(e.find("c.jsonl: row 50: "), std::string::npos);
  EXPECT_EQ(e.find("c.jsonl: row 51: "), std::string::npos);
  EXPECT_NE(e.find("and 70 more errors"), std::string::npos);
  EXPECT_NE(e.find("nothing was written"), std::string::npos);
}

TEST_F(ImporterTest, VacanciesImportThroughTheirOwnStream) {
  const std::string text =
      "{\"name\":\"vacancies/v1\",\"positions\":3}\n"
      "{\"name\":\"vacancies/v2\",\"positions\":5}\n";
  ImportOptions o = Options(Write("v.jsonl", text));
  Progress progress(&progress_out_, false);
  auto report = ImportVacancies(*connection_, o, &progress);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_written, 2);
  EXPECT_EQ(server_.vacancies.stored.count("v2"), 1u);
}

}  // namespace
}  // namespace corridor::cli
