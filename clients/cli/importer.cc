#include "clients/cli/importer.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/flat_csv.h"
#include "clients/cli/proto_json.h"
#include "common/csv.h"
#include "corridor/v1/candidate_service.grpc.pb.h"
#include "corridor/v1/vacancy_service.grpc.pb.h"
#include "google/protobuf/arena.h"

namespace corridor::cli {
namespace {

using Clock = std::chrono::steady_clock;

// The server refuses batches over 4 MiB; leave room for the envelope.
constexpr size_t kMaxBatchBytes = size_t{3584} << 10;
constexpr int kMaxStreamRetries = 3;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct CandidateTraits {
  using Resource = v1::Candidate;
  using Row = v1::ImportCandidateRow;
  using Request = v1::ImportCandidatesRequest;
  using Response = v1::ImportCandidatesResponse;
  using Stub = v1::CandidateService::Stub;
  static constexpr absl::string_view kCollection = "candidates";
  static constexpr absl::string_view kField = "candidate";

  static std::unique_ptr<Stub> NewStub(const std::shared_ptr<grpc::Channel>& channel) {
    return v1::CandidateService::NewStub(channel);
  }
  static std::unique_ptr<grpc::ClientReaderWriter<Request, Response>> Open(
      Stub* stub, grpc::ClientContext* context) {
    return stub->ImportCandidates(context);
  }
  static Resource* MutableResource(Row* row) { return row->mutable_candidate(); }
  static void SetId(Row* row, std::string id) { row->set_candidate_id(std::move(id)); }
  static const std::string& Id(const Row& row) { return row.candidate_id(); }
  static const std::vector<std::string>& Columns() { return CandidateCsvColumns(); }
  static bool FromCsv(const CsvHeader& header, const std::vector<std::string>& fields,
                      std::string* id, Resource* resource, FieldError* error) {
    return CandidateFromCsv(header, fields, id, resource, error);
  }
};

struct VacancyTraits {
  using Resource = v1::Vacancy;
  using Row = v1::ImportVacancyRow;
  using Request = v1::ImportVacanciesRequest;
  using Response = v1::ImportVacanciesResponse;
  using Stub = v1::VacancyService::Stub;
  static constexpr absl::string_view kCollection = "vacancies";
  static constexpr absl::string_view kField = "vacancy";

  static std::unique_ptr<Stub> NewStub(const std::shared_ptr<grpc::Channel>& channel) {
    return v1::VacancyService::NewStub(channel);
  }
  static std::unique_ptr<grpc::ClientReaderWriter<Request, Response>> Open(
      Stub* stub, grpc::ClientContext* context) {
    return stub->ImportVacancies(context);
  }
  static Resource* MutableResource(Row* row) { return row->mutable_vacancy(); }
  static void SetId(Row* row, std::string id) { row->set_vacancy_id(std::move(id)); }
  static const std::string& Id(const Row& row) { return row.vacancy_id(); }
  static const std::vector<std::string>& Columns() { return VacancyCsvColumns(); }
  static bool FromCsv(const CsvHeader& header, const std::vector<std::string>& fields,
                      std::string* id, Resource* resource, FieldError* error) {
    return VacancyFromCsv(header, fields, id, resource, error);
  }
};

// Raw rows read from the file, before parsing.
struct Chunk {
  int64_t seq = 0;
  // JSONL: the lines' text, back to back, and (row, offset, length) of each.
  std::string text;
  struct Line {
    int64_t row;
    size_t offset;
    size_t length;
  };
  std::vector<Line> lines;
  // CSV.
  std::vector<CsvRecord> records;
};

// One request of the stream and what the report needs about it.
template <class T>
struct Batch {
  std::unique_ptr<google::protobuf::Arena> arena = std::make_unique<google::protobuf::Arena>();
  // Owned by `arena`.
  typename T::Request* request =
      google::protobuf::Arena::CreateMessage<typename T::Request>(arena.get());
  // Rows that failed to parse locally; they are not in `request`.
  std::vector<ImportRowError> local_errors;
  // Rows of the file this batch covers (sent and locally failed).
  int64_t rows_read = 0;
  // The rows serialized, kept for the write pass (empty when not caching).
  std::string serialized;
  // 1-based position in the pass's stream.
  int64_t number = 0;
};

// Reads the file on one thread, parses chunks of it on `parse_threads`
// others, and hands the batches out in file order.
template <class T>
class FileBatchSource {
 public:
  FileBatchSource(const ImportOptions& options, std::atomic<bool>* keep_serialized,
                  Progress* progress)
      : options_(options), keep_serialized_(keep_serialized), progress_(progress) {}

  ~FileBatchSource() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (reader_.joinable()) reader_.join();
    for (auto& t : parsers_) t.join();
  }

  // Opens the file (and reads the CSV header), then starts the threads.
  absl::Status Start() {
    if (options_.path == "-") {
      in_ = &std::cin;
    } else {
      file_ = std::make_unique<std::ifstream>(options_.path, std::ios::binary);
      if (!*file_) return absl::NotFoundError(absl::StrCat("cannot open ", options_.path));
      in_ = file_.get();
    }
    if (options_.format == ImportFormat::kCsv) {
      csv_ = std::make_unique<CsvReader>(in_);
      CsvRecord header;
      if (!csv_->Next(&header)) {
        return absl::InvalidArgumentError(absl::StrCat(options_.path, ": empty CSV file"));
      }
      if (!header.error.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(options_.path, ": header: ", header.error));
      }
      auto parsed = CsvHeader::Parse(header.fields, T::Columns());
      if (!parsed.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(options_.path, ": ", parsed.status().message()));
      }
      header_ = *std::move(parsed);
    }
    reader_ = std::thread([this] { ReadLoop(); });
    const int threads = std::max(1, options_.parse_threads);
    for (int i = 0; i < threads; ++i) parsers_.emplace_back([this] { ParseLoop(); });
    return absl::OkStatus();
  }

  // The next batch in file order, or null at the end of the file or after a
  // read error (see status()).
  std::unique_ptr<Batch<T>> Next() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (!pending_.empty()) {
        std::unique_ptr<Batch<T>> b = std::move(pending_.front());
        pending_.pop_front();
        return b;
      }
      auto it = ready_.find(next_seq_);
      if (it != ready_.end()) {
        for (auto& b : it->second) pending_.push_back(std::move(b));
        ready_.erase(it);
        ++next_seq_;
        cv_.notify_all();
        continue;
      }
      if (reading_done_ && next_seq_ == chunks_total_) return nullptr;
      cv_.wait(lock);
    }
  }

  absl::Status status() {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }

 private:
  // Hands a chunk to the parsers; false when stopping.
  bool Push(std::unique_ptr<Chunk> chunk) {
    std::unique_lock<std::mutex> lock(mu_);
    const size_t limit = parsers_.size() * 2 + 2;
    cv_.wait(lock, [&] { return stop_ || chunks_.size() < limit; });
    if (stop_) return false;
    chunks_.push_back(std::move(chunk));
    cv_.notify_all();
    return true;
  }

  void ReadLoop() {
    int64_t seq = 0;
    const size_t batch = static_cast<size_t>(std::max(1, options_.batch_size));
    auto chunk = std::make_unique<Chunk>();
    bool ok = true;
    if (options_.format == ImportFormat::kJsonl) {
      std::string line;
      int64_t row = 0;
      int64_t bytes = 0;
      int64_t last_bytes = 0;
      while (ok && std::getline(*in_, line)) {
        ++row;
        bytes += static_cast<int64_t>(line.size()) + 1;
        if (row == 1 && absl::StartsWith(line, "\xEF\xBB\xBF")) line.erase(0, 3);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        chunk->lines.push_back({row, chunk->text.size(), line.size()});
        chunk->text += line;
        if (chunk->lines.size() >= batch) {
          chunk->seq = seq++;
          progress_->Advance(bytes - last_bytes);
          last_bytes = bytes;
          ok = Push(std::move(chunk));
          chunk = std::make_unique<Chunk>();
        }
      }
      if (ok && in_->bad()) {
        std::lock_guard<std::mutex> lock(mu_);
        status_ = absl::DataLossError(absl::StrCat("error reading ", options_.path));
      }
      if (ok && !chunk->lines.empty()) {
        chunk->seq = seq++;
        progress_->Advance(bytes - last_bytes);
        ok = Push(std::move(chunk));
      }
    } else {
      CsvRecord record;
      int64_t last_bytes = csv_->bytes_read();
      while (ok && csv_->Next(&record)) {
        chunk->records.push_back(std::move(record));
        record = CsvRecord();
        if (chunk->records.size() >= batch) {
          chunk->seq = seq++;
          progress_->Advance(csv_->bytes_read() - last_bytes);
          last_bytes = csv_->bytes_read();
          ok = Push(std::move(chunk));
          chunk = std::make_unique<Chunk>();
        }
      }
      if (ok && !chunk->records.empty()) {
        chunk->seq = seq++;
        progress_->Advance(csv_->bytes_read() - last_bytes);
        ok = Push(std::move(chunk));
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    reading_done_ = true;
    chunks_total_ = seq;
    cv_.notify_all();
  }

  void ParseLoop() {
    for (;;) {
      std::unique_ptr<Chunk> chunk;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !chunks_.empty() || reading_done_; });
        if (stop_) return;
        if (chunks_.empty()) return;  // reading done and nothing left
        chunk = std::move(chunks_.front());
        chunks_.pop_front();
        cv_.notify_all();
      }
      std::vector<std::unique_ptr<Batch<T>>> batches = Parse(*chunk);
      std::unique_lock<std::mutex> lock(mu_);
      // Bound the batches parsed ahead of the sender.
      const int64_t window = static_cast<int64_t>(parsers_.size()) * 2 + 2;
      cv_.wait(lock, [&] { return stop_ || chunk->seq < next_seq_ + window; });
      if (stop_) return;
      ready_[chunk->seq] = std::move(batches);
      cv_.notify_all();
    }
  }

  // Rows of one chunk as one batch, or several when the rows pass
  // kMaxBatchBytes.
  std::vector<std::unique_ptr<Batch<T>>> Parse(const Chunk& chunk) {
    std::vector<std::unique_ptr<Batch<T>>> out;
    out.push_back(std::make_unique<Batch<T>>());
    size_t bytes = 0;
    std::string path, message, id;
    auto local_error = [&](int64_t row, std::string field, std::string msg) {
      out.back()->local_errors.push_back({row, std::move(field), std::move(msg)});
      ++out.back()->rows_read;
    };
    // Takes a parsed row into the current batch, or a new one when full.
    auto add_row = [&](typename T::Row* row) {
      const size_t size = row->ByteSizeLong() + 8;
      if (size > kMaxBatchBytes) {
        local_error(row->row_number(), std::string(T::kField),
                    absl::StrCat("row is ", size, " bytes serialized; at most ", kMaxBatchBytes));
        return;
      }
      if (bytes + size > kMaxBatchBytes && out.back()->request->rows_size() > 0) {
        out.push_back(std::make_unique<Batch<T>>());
        bytes = 0;
        *out.back()->request->add_rows() = *row;
      } else {
        out.back()->request->mutable_rows()->AddAllocated(row);
      }
      bytes += size;
      ++out.back()->rows_read;
    };
    if (options_.format == ImportFormat::kJsonl) {
      for (const Chunk::Line& line : chunk.lines) {
        auto* row = google::protobuf::Arena::CreateMessage<typename T::Row>(
            out.back()->arena.get());
        auto* resource = T::MutableResource(row);
        absl::string_view text(chunk.text.data() + line.offset, line.length);
        if (!ParseJsonMessage(text, resource, &path, &message)) {
          local_error(line.row, path.empty() ? std::string() : absl::StrCat(T::kField, ".", path),
                      message);
          continue;
        }
        absl::string_view name = resource->name();
        if (name.empty()) {
          local_error(line.row, absl::StrCat(T::kField, ".name"),
                      absl::StrCat("required: \"", T::kCollection,
                                   "/{id}\" names the row (imports are upserts by id)"));
          continue;
        }
        if (!absl::StartsWith(name, T::kCollection) || name.size() <= T::kCollection.size() + 1 ||
            name[T::kCollection.size()] != '/') {
          local_error(line.row, absl::StrCat(T::kField, ".name"),
                      absl::StrCat("expected \"", T::kCollection, "/{id}\", got \"", name, "\""));
          continue;
        }
        T::SetId(row, std::string(name.substr(T::kCollection.size() + 1)));
        resource->clear_name();
        row->set_row_number(line.row);
        add_row(row);
      }
    } else {
      FieldError error;
      for (const CsvRecord& record : chunk.records) {
        if (!record.error.empty()) {
          local_error(record.number, "", record.error);
          continue;
        }
        auto* row = google::protobuf::Arena::CreateMessage<typename T::Row>(
            out.back()->arena.get());
        if (!T::FromCsv(header_, record.fields, &id, T::MutableResource(row), &error)) {
          local_error(record.number, error.field, error.message);
          continue;
        }
        T::SetId(row, id);
        row->set_row_number(record.number);
        add_row(row);
      }
    }
    if (keep_serialized_->load(std::memory_order_relaxed)) {
      for (auto& b : out) b->request->SerializeToString(&b->serialized);
    }
    return out;
  }

  const ImportOptions& options_;
  std::atomic<bool>* keep_serialized_;
  Progress* progress_;
  std::unique_ptr<std::ifstream> file_;
  std::istream* in_ = nullptr;
  std::unique_ptr<CsvReader> csv_;
  CsvHeader header_;
  std::thread reader_;
  std::vector<std::thread> parsers_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool reading_done_ = false;
  int64_t chunks_total_ = 0;
  int64_t next_seq_ = 0;
  std::deque<std::unique_ptr<Chunk>> chunks_;
  std::map<int64_t, std::vector<std::unique_ptr<Batch<T>>>> ready_;
  std::deque<std::unique_ptr<Batch<T>>> pending_;
  absl::Status status_;
};

// One import stream with up to `window` batches in flight: the caller's
// thread writes, a reader thread takes the answers (they come in order).
// When the stream fails with UNAVAILABLE, or the server ends it at its
// maximum call duration, it is reopened and the unanswered batches are sent
// again; every write batch carries a request_id, so a batch the server had
// already applied is replayed, not applied twice. Open() starts a stream,
// Finish() ends it; the session can be opened again after Finish().
template <class T>
class StreamSession {
 public:
  using BatchPtr = std::shared_ptr<Batch<T>>;
  using OnAnswer = std::function<void(const Batch<T>&, const typename T::Response&)>;

  StreamSession(const Connection& connection, typename T::Stub* stub, int window,
                double stream_seconds, OnAnswer on_answer)
      : connection_(connection),
        stub_(stub),
        window_(static_cast<size_t>(std::max(1, window))),
        stream_seconds_(stream_seconds),
        on_answer_(std::move(on_answer)) {}

  ~StreamSession() {
    if (reader_.joinable()) {
      context_->TryCancel();
      reader_.join();
    }
  }

  absl::Status Open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      read_done_ = false;
      unexpected_answer_ = false;
      answers_since_open_ = 0;
      last_answer_ = Clock::now();
    }
    sent_since_open_ = 0;
    opened_ = Clock::now();
    deadline_ = opened_ + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(stream_seconds_));
    context_ = std::make_unique<grpc::ClientContext>();
    connection_.Prepare(context_.get(), stream_seconds_);
    stream_ = T::Open(stub_, context_.get());
    reader_ = std::thread([this] { ReadLoop(); });
    return absl::OkStatus();
  }

  // Sends one batch, first waiting while `window` batches are unanswered.
  absl::Status Send(BatchPtr batch) {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        WaitLocked(lock, [&] { return in_flight_.size() < window_; });
        if (!read_done_) {
          in_flight_.push_back({batch, Clock::now()});
          lock.unlock();
          ++sent_since_open_;
          if (stream_->Write(*batch->request)) return absl::OkStatus();
          // The batch stays in flight: a recovered stream sends it again.
          bool resent = false;
          absl::Status s = EndStream(&resent);
          if (!s.ok()) return s;
          if (!resent) return absl::InternalError("the server closed the import stream early");
          return absl::OkStatus();
        }
      }
      bool resent = false;
      absl::Status s = EndStream(&resent);
      if (!s.ok()) return s;
      if (!resent) return absl::InternalError("the server closed the import stream early");
    }
  }

  // Seconds since the current stream was opened.
  double Age() const { return SecondsSince(opened_); }
  // Batches sent on the current stream.
  int64_t sent() const { return sent_since_open_; }

  // Half-closes the stream and waits for every answer.
  absl::Status Finish() {
    for (;;) {
      stream_->WritesDone();
      {
        std::unique_lock<std::mutex> lock(mu_);
        WaitLocked(lock, [] { return false; });
      }
      bool resent = false;
      absl::Status s = EndStream(&resent);
      if (!s.ok() || !resent) return s;
    }
  }

 private:
  struct InFlight {
    BatchPtr batch;
    Clock::time_point sent;
  };

  // Waits until `done()` or the end of the stream. Cancels the call when
  // the oldest unanswered batch has waited longer than the timeout (counted
  // from its sending or the previous answer, whichever is later).
  template <class Pred>
  void WaitLocked(std::unique_lock<std::mutex>& lock, Pred done) {
    const auto timeout = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(connection_.options().timeout_seconds));
    while (!read_done_ && !done()) {
      if (!in_flight_.empty()) {
        const Clock::time_point since = std::max(in_flight_.front().sent, last_answer_);
        if (Clock::now() - since > timeout) {
          timed_out_batch_ = in_flight_.front().batch->number;
          context_->TryCancel();
          cv_.wait(lock, [&] { return read_done_; });
          return;
        }
      }
      cv_.wait_for(lock, std::chrono::milliseconds(100));
    }
  }

  void ReadLoop() {
    typename T::Response response;
    while (stream_->Read(&response)) {
      BatchPtr batch;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (in_flight_.empty()) {
          unexpected_answer_ = true;
          break;
        }
        batch = std::move(in_flight_.front().batch);
        in_flight_.pop_front();
        last_answer_ = Clock::now();
        ++answers_since_open_;
      }
      on_answer_(*batch, response);
      cv_.notify_all();
    }
    if (unexpected_answer_) context_->TryCancel();
    std::lock_guard<std::mutex> lock(mu_);
    read_done_ = true;
    cv_.notify_all();
  }

  // After the stream ended or failed: collects its status, and for
  // UNAVAILABLE or a server-side DEADLINE_EXCEEDED (with retries left) opens
  // a new stream and sends the unanswered batches again (*resent = true). OK
  // with *resent false means a clean end with nothing unanswered.
  absl::Status EndStream(bool* resent) {
    *resent = false;
    for (;;) {
      if (reader_.joinable()) reader_.join();
      const grpc::Status status = stream_->Finish();
      if (timed_out_batch_ > 0) {
        return absl::DeadlineExceededError(absl::StrCat(
            "batch ", timed_out_batch_, " was not answered within ",
            connection_.options().timeout_seconds, " s (--timeout)"));
      }
      if (unexpected_answer_) {
        return absl::InternalError("the server answered more batches than were sent");
      }
      if (status.ok()) {
        if (!in_flight_.empty()) {
          return absl::InternalError(absl::StrCat("the server ended the import stream with ",
                                                  in_flight_.size(), " batches unanswered"));
        }
        return absl::OkStatus();
      }
      if (answers_since_open_ > 0) retries_ = 0;
      // DEADLINE_EXCEEDED before our own deadline is the server's maximum
      // call duration: a fresh stream continues where this one stopped.
      const bool retriable =
          status.error_code() == grpc::StatusCode::UNAVAILABLE ||
          (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && Clock::now() < deadline_);
      if (!retriable || retries_ >= kMaxStreamRetries) {
        absl::Status s = FromGrpc(status);
        if (!in_flight_.empty()) {
          return absl::Status(s.code(), absl::StrCat("batch ", in_flight_.front().batch->number,
                                                     ": ", s.message()));
        }
        return s;
      }
      ++retries_;
      if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250 << retries_));
      }
      std::deque<InFlight> again;
      {
        std::lock_guard<std::mutex> lock(mu_);
        again.swap(in_flight_);
      }
      absl::Status s = Open();
      if (!s.ok()) return s;
      bool ok = true;
      for (InFlight& entry : again) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          in_flight_.push_back({entry.batch, Clock::now()});
        }
        if (!stream_->Write(*entry.batch->request)) {
          ok = false;
          break;
        }
      }
      if (ok) {
        *resent = true;
        return absl::OkStatus();
      }
      // The new stream failed too; put back what was not yet resent.
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = in_flight_.size(); i < again.size(); ++i) in_flight_.push_back(again[i]);
    }
  }

  const Connection& connection_;
  typename T::Stub* stub_;
  const size_t window_;
  const double stream_seconds_;
  OnAnswer on_answer_;
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReaderWriter<typename T::Request, typename T::Response>> stream_;
  std::thread reader_;
  int retries_ = 0;
  int64_t sent_since_open_ = 0;
  Clock::time_point opened_;
  Clock::time_point deadline_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<InFlight> in_flight_;
  bool read_done_ = false;
  bool unexpected_answer_ = false;
  int64_t timed_out_batch_ = 0;
  int64_t answers_since_open_ = 0;
  Clock::time_point last_answer_;
};

enum class PassKind { kValidate, kWrite, kWriteSkippingInvalid };

template <class T>
class Importer {
 public:
  Importer(const Connection& connection, const ImportOptions& options, Progress* progress)
      : connection_(connection),
        options_(options),
        progress_(progress),
        stub_(T::NewStub(connection.channel())) {}

  absl::StatusOr<ImportReport> Run() {
    if (options_.batch_size < 1 || options_.batch_size > 10000) {
      return absl::InvalidArgumentError("--batch-size must be 1..10000");
    }
    report_.import_id = options_.import_id.empty() ? NewImportId() : options_.import_id;
    if (report_.import_id.size() > 40 ||
        report_.import_id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                            "0123456789_-") != std::string::npos) {
      return absl::InvalidArgumentError("--import-id must be 1..40 characters of [A-Za-z0-9_-]");
    }
    file_bytes_ = FileSize();
    const Clock::time_point start = Clock::now();
    if (options_.skip_bad_rows && !options_.validate_only) {
      report_.write_pass = true;
      absl::Status s = RunPass(PassKind::kWriteSkippingInvalid, "importing");
      report_.write_seconds = SecondsSince(start);
      report_.total_seconds = report_.write_seconds;
      if (!s.ok()) return s;
      Finalize();
      return report_;
    }
    keep_serialized_ = !options_.validate_only;
    absl::Status s = RunPass(PassKind::kValidate, "validating");
    report_.validate_seconds = SecondsSince(start);
    if (!s.ok()) return s;
    if (options_.validate_only || report_.error_count > 0) {
      report_.total_seconds = report_.validate_seconds;
      Finalize();
      return report_;
    }
    if (!keep_serialized_ && options_.path == "-") {
      return absl::FailedPreconditionError(
          "standard input was valid but too large to keep for the writing pass; import it from a "
          "file, or with --skip-bad-rows");
    }
    const Clock::time_point write_start = Clock::now();
    report_.write_pass = true;
    report_.reread = !keep_serialized_;
    s = RunPass(PassKind::kWrite, "writing");
    report_.write_seconds = SecondsSince(write_start);
    report_.total_seconds = SecondsSince(start);
    if (!s.ok()) return s;
    Finalize();
    return report_;
  }

 private:
  int64_t FileSize() const {
    if (options_.path == "-") return 0;
    std::ifstream in(options_.path, std::ios::binary | std::ios::ate);
    return in ? static_cast<int64_t>(in.tellg()) : 0;
  }

  void Finalize() {
    std::stable_sort(report_.errors.begin(), report_.errors.end(),
                     [](const ImportRowError& a, const ImportRowError& b) { return a.row < b.row; });
  }

  void KeepError(ImportRowError error) {
    ++report_.error_count;
    if (static_cast<int>(report_.errors.size()) < options_.max_kept_errors) {
      report_.errors.push_back(std::move(error));
    }
  }

  absl::Status RunPass(PassKind kind, const char* label) {
    const bool from_cache = kind == PassKind::kWrite && keep_serialized_;
    const bool count_rows = kind != PassKind::kWrite;
    progress_->Begin(label, from_cache ? report_.rows_read : file_bytes_);
    // A stream is replaced after stream_seconds and then has the timeout to
    // answer what it holds (the per-batch limit is StreamSession::WaitLocked).
    const double stream_seconds = options_.stream_seconds + connection_.options().timeout_seconds;
    auto on_answer = [this, kind, from_cache](const Batch<T>& batch,
                                              const typename T::Response& response) {
      std::lock_guard<std::mutex> lock(mu_);
      if (kind == PassKind::kValidate || kind == PassKind::kWriteSkippingInvalid) {
        report_.rows_valid += response.valid();
      }
      report_.rows_written += response.written();
      absl::flat_hash_set<int64_t> bad_rows;
      for (const auto& e : response.errors()) {
        bad_rows.insert(e.row_number());
        KeepError({e.row_number(), e.field(), e.message()});
      }
      report_.rows_invalid += static_cast<int64_t>(bad_rows.size());
      progress_->AddRows(batch.request->rows_size());
      if (from_cache) progress_->Advance(batch.request->rows_size());
    };
    // Batches go round-robin over several streams so the server works on
    // more than one at a time. Order matters only when a file repeats an id
    // (the later row must win): a batch holding an id an earlier batch held
    // waits until every stream has answered everything before it.
    std::vector<std::unique_ptr<StreamSession<T>>> sessions;
    for (int i = 0; i < std::max(1, options_.streams); ++i) {
      sessions.push_back(std::make_unique<StreamSession<T>>(
          connection_, stub_.get(), options_.max_in_flight, stream_seconds, on_answer));
      absl::Status s = sessions.back()->Open();
      if (!s.ok()) return s;
    }
    auto drain = [&]() -> absl::Status {
      for (auto& session : sessions) {
        if (session->sent() == 0) continue;
        absl::Status s = session->Finish();
        if (s.ok()) s = session->Open();
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    };
    const bool ordered = kind != PassKind::kValidate && sessions.size() > 1;
    absl::flat_hash_set<uint64_t> seen_ids;

    std::unique_ptr<FileBatchSource<T>> source;
    size_t cache_index = 0;
    absl::Status s;
    if (!from_cache) {
      source = std::make_unique<FileBatchSource<T>>(options_, &keep_serialized_, progress_);
      s = source->Start();
      if (!s.ok()) return s;
    }
    int64_t number = 0;
    for (;;) {
      std::unique_ptr<Batch<T>> batch;
      if (from_cache) {
        if (cache_index == cache_.size()) break;
        batch = std::make_unique<Batch<T>>();
        if (!batch->request->ParseFromString(cache_[cache_index])) {
          return absl::InternalError("cached batch does not parse");
        }
        std::string().swap(cache_[cache_index]);
        ++cache_index;
      } else {
        batch = source->Next();
        if (batch == nullptr) break;
      }
      if (count_rows) {
        std::lock_guard<std::mutex> lock(mu_);
        report_.rows_read += batch->rows_read;
        report_.rows_invalid += static_cast<int64_t>(batch->local_errors.size());
        for (ImportRowError& e : batch->local_errors) KeepError(std::move(e));
      }
      if (kind == PassKind::kValidate && keep_serialized_) {
        cache_bytes_ += static_cast<int64_t>(batch->serialized.size());
        if (cache_bytes_ > options_.cache_limit_bytes) {
          keep_serialized_ = false;
          std::vector<std::string>().swap(cache_);
        } else {
          cache_.push_back(std::move(batch->serialized));
        }
      }
      if (batch->request->rows_size() == 0) continue;
      if (ordered) {
        bool repeated = false;
        for (const auto& row : batch->request->rows()) {
          repeated |= !seen_ids.insert(absl::HashOf(T::Id(row))).second;
        }
        if (repeated) {
          s = drain();
          if (!s.ok()) return s;
        }
      }
      batch->number = ++number;
      StreamSession<T>& session = *sessions[static_cast<size_t>(number - 1) % sessions.size()];
      if (session.sent() > 0 && session.Age() > options_.stream_seconds) {
        s = session.Finish();
        if (s.ok()) s = session.Open();
        if (!s.ok()) return s;
      }
      batch->request->set_validate_only(kind == PassKind::kValidate);
      batch->request->set_skip_invalid(kind == PassKind::kWriteSkippingInvalid);
      if (kind != PassKind::kValidate) {
        batch->request->set_request_id(absl::StrCat(report_.import_id, "-", number));
      }
      s = session.Send(std::shared_ptr<Batch<T>>(std::move(batch)));
      if (!s.ok()) return s;
    }
    if (source != nullptr) {
      s = source->status();
      if (!s.ok()) return s;
    }
    for (auto& session : sessions) {
      s = session->Finish();
      if (!s.ok()) return s;
    }
    progress_->End();
    report_.batches = number;
    return absl::OkStatus();
  }

  const Connection& connection_;
  const ImportOptions& options_;
  Progress* progress_;
  std::unique_ptr<typename T::Stub> stub_;
  int64_t file_bytes_ = 0;
  std::atomic<bool> keep_serialized_{false};
  std::vector<std::string> cache_;
  int64_t cache_bytes_ = 0;
  std::mutex mu_;
  ImportReport report_;
};

}  // namespace

std::string NewImportId() {
  std::random_device rd;
  const uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  char buf[32];
  std::snprintf(buf, sizeof(buf), "imp-%012llx",
                static_cast<unsigned long long>(v & 0xFFFFFFFFFFFFULL));
  return buf;
}

absl::StatusOr<ImportReport> ImportCandidates(const Connection& connection,
                                              const ImportOptions& options, Progress* progress) {
  Importer<CandidateTraits> importer(connection, options, progress);
  return importer.Run();
}

absl::StatusOr<ImportReport> ImportVacancies(const Connection& connection,
                                             const ImportOptions& options, Progress* progress) {
  Importer<VacancyTraits> importer(connection, options, progress);
  return importer.Run();
}

}  // namespace corridor::cli
