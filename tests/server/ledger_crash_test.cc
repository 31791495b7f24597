// RELIABILITY.md D1 and D4 against the real corridord binary.
//
// D1: 16 clients reserve (and commit or release some of their own
// reservations) as fast as they can on a hot cell, several cold cells and a
// small cell that fills up, all nested under one root; after a random 50-500 ms
// the server gets SIGKILL. It is restarted on the same data directory and must
// be SERVING within 10 s, keep every acknowledged reservation (in at least its
// acknowledged state, with the idempotency entry that makes a replay of its
// ReserveUnit return the same reservation), never exceed a cap, keep every
// counter equal to its reservation records, and keep an audit log whose signed
// head covers exactly its events and whose replay gives the live counters. The
// loop repeats on the same directory: 3 rounds when CORRIDOR_CI is set, else
// CORRIDOR_CRASH_ROUNDS (default 20). scripts/crash_loop.sh runs hundreds.
//
// D4 (a crash between building and writing a batch): the ledger builds one
// WriteBatch per group of operations (reservation records, idempotency replies,
// audit events, the signed head, the counters) and writes it with one synced WAL
// append. A SIGKILL lands at a random point of that cycle: while the batch is
// being built (nothing reaches the WAL), during the append (a large record can
// reach the file in more than one write(2); a torn tail record is dropped whole
// on recovery, D5), or after it. So after every kill, on a copy of the
// data directory exactly as the crash left it (before any server recovers it),
// CheckStorageAfterCrash opens the database directly and proves the batch
// was all-or-nothing: every reservation record has its RESERVE event (and its
// COMMIT/RELEASE event for its state), every event's reservation has its record,
// every effect has its idempotency entry (a ReserveUnit entry per reservation,
// a CommitUnit/ReleaseUnit entry per commit/release, no entry without its
// effect), and every stored counter equals both its records and the audit
// replay. The restarted server runs the same check on itself
// (QuotaLedger::Start refuses, DATA_LOSS, counters that differ from their
// records or from the log), so the round also asserts that it started.
// What kill -9 cannot show is a missing fsync: the OS keeps what the process
// wrote. That takes a power-loss test, not this one.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/merkle.h"
#include "common/resource_name.h"
#include "common/signing.h"
#include "common/token_file.h"
#include "corridor/v1/agreement_service.grpc.pb.h"
#include "corridor/v1/audit_service.grpc.pb.h"
#include "corridor/v1/ledger_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "matcher/audit_replay.h"
#include "rocksdb/iterator.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/keys.h"
#include "tests/server/fixtures.h"

extern char** environ;

namespace corridor::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kAgreementId[] = "es-co";
constexpr int kClientThreads = 16;
constexpr auto kServingLimit = std::chrono::seconds(10);
// Acknowledged reservations of earlier rounds checked one by one each round (about).
constexpr int64_t kEarlierSample = 1000;
constexpr char kReserveMethod[] = "/corridor.v1.LedgerService/ReserveUnit";
constexpr char kCommitMethod[] = "/corridor.v1.LedgerService/CommitUnit";
constexpr char kReleaseMethod[] = "/corridor.v1.LedgerService/ReleaseUnit";

// How many kill/restart rounds to run (see the file comment).
int Rounds() {
  if (std::getenv("CORRIDOR_CI") != nullptr) return 3;
  int rounds = 20;
  const char* env = std::getenv("CORRIDOR_CRASH_ROUNDS");
  if (env != nullptr && (!absl::SimpleAtoi(env, &rounds) || rounds < 1)) {
    ADD_FAILURE() << "CORRIDOR_CRASH_ROUNDS=" << env << " is not a positive integer";
    rounds = 1;
  }
  return rounds;
}

// The cell tree: root <- {hot, co-temp, ma <- {ma-field, ma-tree, ma-garden,
// small}}. Siblings are disjoint by origin, scheme or ISCO prefix. `weight`
// is the share of reservations drawn from the cell (0: only via children).
struct CellSpec {
  const char* id;
  const char* parent;
  const char* origin;
  v1::Scheme scheme;
  const char* isco;
  int64_t cap;
  int weight;
};
constexpr int64_t kSmallCap = 4;
const CellSpec kCells[] = {
    {"root", "", "", v1::SCHEME_UNSPECIFIED, "", 5000000, 0},
    {"hot", "root", "CO", v1::SCHEME_SEASONAL, "", 5000000, 55},
    {"co-temp", "root", "CO", v1::SCHEME_TEMPORARY, "", 1000000, 8},
    {"ma", "root", "MA", v1::SCHEME_UNSPECIFIED, "", 1000000, 0},
    {"ma-field", "ma", "MA", v1::SCHEME_UNSPECIFIED, "6111", 1000000, 8},
    {"ma-tree", "ma", "MA", v1::SCHEME_UNSPECIFIED, "6112", 1000000, 8},
    {"ma-garden", "ma", "MA", v1::SCHEME_UNSPECIFIED, "6113", 1000000, 6},
    {"small", "ma", "MA", v1::SCHEME_UNSPECIFIED, "6121", kSmallCap, 15},
};

std::string CellName(const std::string& id) { return QuotaCellResourceName(kAgreementId, id); }

// ---- The server process ----

// A corridord child process on a free port (127.0.0.1:0) with --sync=always,
// its stderr in `log`. posix_spawn, not fork: the test process has threads.
class Corridord {
 public:
  Corridord(const std::string& data_dir, const std::string& token_file, std::string log)
      : log_(std::move(log)), start_(Clock::now()) {
    std::vector<std::string> args = {"corridord",
                                     "--listen=127.0.0.1:0",
                                     "--data-dir=" + data_dir,
                                     "--token-file=" + token_file,
                                     "--sync=always",
                                     "--shutdown-grace-seconds=5"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int rc = posix_spawn(&pid_, CORRIDORD_PATH, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      ADD_FAILURE() << "posix_spawn " << CORRIDORD_PATH << ": " << rc;
      pid_ = -1;
    }
  }
  ~Corridord() { Kill(); }
  Corridord(const Corridord&) = delete;
  Corridord& operator=(const Corridord&) = delete;

  // SIGKILL, then reaps the process.
  void Kill() {
    if (pid_ <= 0 || exited_) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    exited_ = true;
  }
  void Signal(int sig) {
    if (pid_ > 0 && !exited_) kill(pid_, sig);
  }
  // Waits up to `limit` for the process to exit; its exit status or -1.
  int WaitExit(std::chrono::seconds limit) {
    const auto end = Clock::now() + limit;
    while (pid_ > 0 && Clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  // The port it reports on stderr once serving, or 0 when `deadline` passes
  // or the process exits first.
  int WaitPort(Clock::time_point deadline) {
    while (Clock::now() < deadline) {
      // The whole "(port N)": stderr may be read between two writes of the line.
      const std::string text = Log();
      const size_t at = text.find("(port ");
      const size_t end = at == std::string::npos ? at : text.find(')', at);
      int port = 0;
      if (end != std::string::npos && absl::SimpleAtoi(text.substr(at + 6, end - at - 6), &port)) {
        return port;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return 0;
  }
  std::string Log() const {
    std::ifstream in(log_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  Clock::time_point start() const { return start_; }

 private:
  std::string log_;
  Clock::time_point start_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

// The standard health service's answer: 1 is SERVING; negative is -(gRPC code).
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  grpc::CompletionQueue cq;
  grpc::Slice empty;  // HealthCheckRequest{service: ""} encodes to no bytes.
  grpc::ByteBuffer request(&empty, 1);
  auto call = stub.PrepareUnaryCall(&ctx, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  if (!status.ok()) return -status.error_code();
  std::vector<grpc::Slice> slices;
  (void)response.Dump(&slices);
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  // HealthCheckResponse{status = 1}: tag 0x08, varint value.
  return bytes.size() == 2 && bytes[0] == 0x08 ? bytes[1] : 0;
}

// ---- The client side ----

class Client {
 public:
  Client(int port, std::string token) : token_(std::move(token)) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    channel_ = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                         grpc::InsecureChannelCredentials(), args);
    ledger = v1::LedgerService::NewStub(channel_);
    agreements = v1::AgreementService::NewStub(channel_);
    audit = v1::AuditService::NewStub(channel_);
  }
  std::unique_ptr<grpc::ClientContext> Ctx(int seconds = 10) const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token_));
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
    return ctx;
  }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

  std::unique_ptr<v1::LedgerService::Stub> ledger;
  std::unique_ptr<v1::AgreementService::Stub> agreements;
  std::unique_ptr<v1::AuditService::Stub> audit;

 private:
  std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
};

std::string Describe(const grpc::Status& s) {
  return absl::StrCat("code ", s.error_code(), ": ", s.error_message());
}

// Waits until `server` reports its port and the health service answers
// SERVING; the port, or 0 when that takes longer than kServingLimit from the
// process's start.
int WaitServing(Corridord& server) {
  const auto deadline = server.start() + kServingLimit;
  const int port = server.WaitPort(deadline);
  if (port == 0) return 0;
  Client probe(port, "");
  while (Clock::now() < deadline) {
    if (HealthStatus(probe.channel()) == 1) return port;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return 0;
}

void CreateTree(Client& c) {
  v1::CreateAgreementRequest a;
  *a.mutable_agreement() = ValidAgreement();
  a.set_agreement_id(kAgreementId);
  v1::Agreement agreement;
  grpc::Status s = c.agreements->CreateAgreement(c.Ctx().get(), a, &agreement);
  ASSERT_TRUE(s.ok()) << Describe(s);
  for (const CellSpec& spec : kCells) {
    v1::CreateQuotaCellRequest req;
    req.set_parent(AgreementName(kAgreementId));
    req.set_quota_cell_id(spec.id);
    v1::QuotaCell& cell = *req.mutable_quota_cell() = ValidRootCell(spec.cap);
    cell.set_display_name(absl::StrCat("D1 cell ", spec.id, " (synthetic)"));
    cell.set_parent(spec.parent);
    cell.set_origin(spec.origin);
    cell.set_scheme(spec.scheme);
    cell.set_isco_prefix(spec.isco);
    v1::QuotaCell out;
    s = c.agreements->CreateQuotaCell(c.Ctx().get(), req, &out);
    ASSERT_TRUE(s.ok()) << spec.id << ": " << Describe(s);
  }
}

// What a client was told about one reservation.
struct Acked {
  v1::ReserveUnitRequest request;
  v1::Reservation reply;  // the acknowledged ReserveUnit reply
  // The acknowledged state, plus the target of a Commit/Release that was sent
  // but not answered (the crash may or may not have kept it).
  std::set<int> allowed_states;
};

struct LoadResult {
  std::vector<Acked> acked;
  int64_t full = 0;  // FAILED_PRECONDITION: the small cell was full
  std::vector<std::string> errors;
};

// One client thread: reserves until `stop`, commits ~25 % and releases ~15 %
// of its own acknowledged reservations. Ends at the first transport error
// (the kill); an error before `killed` is a test failure.
void LoadThread(const Client& c, int round, int thread, uint32_t seed,
                const std::atomic<bool>& killed, const std::atomic<bool>& stop,
                std::atomic<int64_t>& acks, LoadResult& out) {
  std::mt19937 rng(seed);
  int total_weight = 0;
  for (const CellSpec& s : kCells) total_weight += s.weight;
  auto unexpected = [&](const std::string& what, const grpc::Status& s) {
    if (!killed.load()) out.errors.push_back(absl::StrCat(what, " before the kill: ", Describe(s)));
  };
  for (int n = 0; !stop.load(); ++n) {
    int pick = static_cast<int>(rng() % static_cast<uint32_t>(total_weight));
    const CellSpec* spec = &kCells[0];
    for (const CellSpec& s : kCells) {
      if (pick < s.weight) {
        spec = &s;
        break;
      }
      pick -= s.weight;
    }
    const std::string id = absl::StrCat("d1-", round, "-", thread, "-", n);
    v1::ReserveUnitRequest req;
    req.set_quota_cell(CellName(spec->id));
    req.set_request_id(id);
    v1::Reservation r;
    grpc::Status s = c.ledger->ReserveUnit(c.Ctx().get(), req, &r);
    if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      if (std::string(spec->id) != "small") {
        out.errors.push_back(absl::StrCat("ReserveUnit on ", spec->id, ": ", Describe(s)));
      }
      ++out.full;
      continue;
    }
    if (!s.ok()) {
      unexpected(absl::StrCat("ReserveUnit ", id), s);
      return;
    }
    acks.fetch_add(1);
    if (r.state() != v1::RESERVATION_STATE_HELD || r.quota_cell() != req.quota_cell()) {
      out.errors.push_back(absl::StrCat("ReserveUnit ", id, " answered ", r.ShortDebugString()));
    }
    out.acked.push_back(Acked{req, r, {v1::RESERVATION_STATE_HELD}});
    Acked& a = out.acked.back();
    const uint32_t dice = rng() % 100;
    if (dice < 25) {
      v1::CommitUnitRequest commit;
      commit.set_name(r.name());
      commit.set_request_id(absl::StrCat("c-", id));
      a.allowed_states.insert(v1::RESERVATION_STATE_COMMITTED);
      v1::Reservation committed;
      s = c.ledger->CommitUnit(c.Ctx().get(), commit, &committed);
      if (!s.ok()) {
        unexpected(absl::StrCat("CommitUnit ", r.name()), s);
        return;
      }
      a.allowed_states = {v1::RESERVATION_STATE_COMMITTED};
    } else if (dice < 40) {
      v1::ReleaseUnitRequest release;
      release.set_name(r.name());
      release.set_reason_code("WITHDRAWN");
      release.set_request_id(absl::StrCat("x-", id));
      a.allowed_states.insert(v1::RESERVATION_STATE_RELEASED);
      v1::Reservation released;
      s = c.ledger->ReleaseUnit(c.Ctx().get(), release, &released);
      if (!s.ok()) {
        unexpected(absl::StrCat("ReleaseUnit ", r.name()), s);
        return;
      }
      a.allowed_states = {v1::RESERVATION_STATE_RELEASED};
    }
  }
}

// Runs `f(i)` for i in [0, n) on 8 threads.
template <typename F>
void ParallelFor(size_t n, F f) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&] {
      for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) f(i);
    });
  }
  for (std::thread& w : workers) w.join();
}

// Collects failure messages from many threads; reports the first few.
class Failures {
 public:
  void Add(std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
    if (first_.size() < 10) first_.push_back(std::move(what));
  }
  void Report(const std::string& check) {
    if (count_ == 0) return;
    ADD_FAILURE() << check << ": " << count_ << " failures, first ones:\n  "
                  << absl::StrJoin(first_, "\n  ");
  }

 private:
  std::mutex mu_;
  int64_t count_ = 0;
  std::vector<std::string> first_;
};

// ---- D4: the data directory as the crash left it ----

int64_t Micros(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}

// Every key and value of one column family.
std::vector<std::pair<std::string, std::string>> Scan(storage::Database& db,
                                                      storage::Family family) {
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(
      db.db()->NewIterator(rocksdb::ReadOptions(), db.family(family)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out.emplace_back(it->key().ToString(), it->value().ToString());
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  return out;
}

struct Counts {
  int64_t reserved = 0;
  int64_t committed = 0;
  bool operator==(const Counts& o) const {
    return reserved == o.reserved && committed == o.committed;
  }
};
std::ostream& operator<<(std::ostream& os, const Counts& c) {
  return os << "(reserved " << c.reserved << ", committed " << c.committed << ")";
}

// See the file comment. `dir` is a copy of the data directory taken right
// after the SIGKILL. Returns the number of reservation records.
void CheckStorageAfterCrash(const std::string& dir, int64_t& records_out) {
  storage::DatabaseOptions options;
  options.path = dir;
  absl::StatusOr<std::unique_ptr<storage::Database>> opened = storage::Database::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  storage::Database& db = **opened;
  absl::StatusOr<SigningKey> key = SigningKey::FromFile(absl::StrCat(dir, "/audit-signing.key"));
  ASSERT_TRUE(key.ok()) << key.status();
  // The signed head covers exactly the stored entries.
  absl::StatusOr<std::unique_ptr<storage::AuditLog>> log = storage::AuditLog::Open(db, *key);
  ASSERT_TRUE(log.ok()) << log.status();
  absl::StatusOr<std::vector<v1::AuditEvent>> read = (*log)->Read(0, (*log)->size());
  ASSERT_TRUE(read.ok()) << read.status();
  const std::vector<v1::AuditEvent>& events = *read;
  ASSERT_EQ(events.size(), (*log)->size());

  matcher::AuditReplay replay;
  std::map<std::string, std::map<std::string, int>> events_by_kind;  // kind -> subject -> count
  for (const v1::AuditEvent& e : events) {
    absl::Status applied = replay.Apply(e);
    ASSERT_TRUE(applied.ok()) << "event " << e.index() << ": " << applied;
    if (e.kind() == matcher::kEventReserve || e.kind() == matcher::kEventCommit ||
        e.kind() == matcher::kEventRelease) {
      ASSERT_FALSE(e.subjects().empty()) << e.ShortDebugString();
      ++events_by_kind[e.kind()][e.subjects(0)];
    }
  }

  // Reservation records against their events.
  std::map<std::string, Counts> from_records;      // by cell name
  std::map<std::string, v1::Reservation> records;  // by name
  for (const auto& [id, value] : Scan(db, storage::Family::kReservations)) {
    v1::Reservation r;
    ASSERT_TRUE(r.ParseFromString(value)) << id;
    ASSERT_EQ(r.name(), ReservationName(id));
    for (const std::string& cell : r.path()) {
      if (r.state() == v1::RESERVATION_STATE_HELD) ++from_records[cell].reserved;
      if (r.state() == v1::RESERVATION_STATE_COMMITTED) ++from_records[cell].committed;
    }
    EXPECT_EQ(events_by_kind[matcher::kEventReserve][r.name()], 1)
        << r.name() << " has no single RESERVE event";
    const bool committed = r.state() == v1::RESERVATION_STATE_COMMITTED;
    const bool released = r.state() == v1::RESERVATION_STATE_RELEASED;
    EXPECT_EQ(events_by_kind[matcher::kEventCommit][r.name()], committed ? 1 : 0) << r.name();
    EXPECT_EQ(events_by_kind[matcher::kEventRelease][r.name()], released ? 1 : 0) << r.name();
    auto logged = replay.reservations().find(r.name());
    ASSERT_TRUE(logged != replay.reservations().end()) << r.name() << " is not in the audit log";
    EXPECT_EQ(logged->second.state, r.state()) << r.name();
    EXPECT_EQ(logged->second.quota_cell, r.quota_cell()) << r.name();
    records.emplace(r.name(), std::move(r));
  }
  // No event without its record.
  EXPECT_EQ(replay.reservations().size(), records.size());
  for (const auto& [kind, subjects] : events_by_kind) {
    for (const auto& [name, count] : subjects) {
      EXPECT_EQ(records.count(name), 1u) << kind << " event for " << name << " has no record";
    }
  }

  // Every effect has its idempotency entry, and every entry its effect.
  std::map<std::string, std::map<std::string, int>> idempotent;  // method -> reply name -> count
  for (const auto& [key, value] : Scan(db, storage::Family::kIdempotency)) {
    std::vector<std::string> parts = absl::StrSplit(key, absl::MaxSplits('\0', 2));
    ASSERT_EQ(parts.size(), 3u);
    const std::string& method = parts[1];
    if (method != kReserveMethod && method != kCommitMethod && method != kReleaseMethod) continue;
    ASSERT_GT(value.size(), 32u) << "idempotency entry " << parts[2];
    v1::Reservation reply;
    ASSERT_TRUE(reply.ParseFromString(value.substr(32))) << parts[2];
    ++idempotent[method][reply.name()];
    auto record = records.find(reply.name());
    ASSERT_TRUE(record != records.end())
        << "the " << method << " reply stored for request " << parts[2] << " names " << reply.name()
        << ", which has no record";
    // The ReserveUnit reply is the HELD reservation; a commit's or release's
    // reply is the state the record must still be in (no further transitions).
    if (method == kCommitMethod) {
      EXPECT_EQ(record->second.state(), v1::RESERVATION_STATE_COMMITTED) << reply.name();
    }
    if (method == kReleaseMethod) {
      EXPECT_EQ(record->second.state(), v1::RESERVATION_STATE_RELEASED) << reply.name();
    }
  }
  for (const auto& [name, r] : records) {
    EXPECT_EQ(idempotent[kReserveMethod][name], 1) << name << ": ReserveUnit idempotency entry";
    EXPECT_EQ(idempotent[kCommitMethod][name], r.state() == v1::RESERVATION_STATE_COMMITTED ? 1 : 0)
        << name << ": CommitUnit idempotency entry";
    EXPECT_EQ(idempotent[kReleaseMethod][name], r.state() == v1::RESERVATION_STATE_RELEASED ? 1 : 0)
        << name << ": ReleaseUnit idempotency entry";
  }

  // Stored counters equal their records and the log's replay.
  std::map<std::string, Counts> stored;
  for (const auto& [key, value] : Scan(db, storage::Family::kLedger)) {
    Counts c;
    ASSERT_TRUE(storage::DecodeCellCounters(value, c.reserved, c.committed)) << key;
    std::vector<std::string> parts = absl::StrSplit(key, absl::MaxSplits('/', 1));
    ASSERT_EQ(parts.size(), 2u) << key;
    stored[QuotaCellResourceName(parts[0], parts[1])] = c;
  }
  for (const CellSpec& spec : kCells) {
    const std::string name = CellName(spec.id);
    auto logged = replay.cells().find(name);
    ASSERT_TRUE(logged != replay.cells().end()) << name;
    const Counts from_log{logged->second.reserved, logged->second.committed};
    EXPECT_EQ(stored[name], from_records[name]) << name << ": stored counters vs records";
    EXPECT_EQ(stored[name], from_log) << name << ": stored counters vs audit replay";
    EXPECT_LE(stored[name].reserved + stored[name].committed, spec.cap) << name;
  }
  records_out = static_cast<int64_t>(records.size());
}

// ---- D1: the restarted server, through the API ----

// Whether `now` is what the client was told about `a`, in an allowed state.
bool Matches(const Acked& a, const v1::Reservation& now) {
  return a.allowed_states.count(now.state()) > 0 && now.quota_cell() == a.reply.quota_cell() &&
         Micros(now.create_time()) == Micros(a.reply.create_time());
}

// Every acknowledged reservation is listed, in an allowed state.
void CheckAcknowledgedAreListed(const std::map<std::string, Acked>& acked,
                                const std::map<std::string, v1::Reservation>& listed) {
  Failures failures;
  for (const auto& [id, a] : acked) {
    auto it = listed.find(a.reply.name());
    if (it == listed.end()) {
      failures.Add(absl::StrCat(a.reply.name(), " (request ", id, ") is not listed"));
    } else if (!Matches(a, it->second)) {
      failures.Add(absl::StrCat(a.reply.name(), " is listed as ", it->second.ShortDebugString(),
                                "; acknowledged as ", a.reply.ShortDebugString()));
    }
  }
  failures.Report("acknowledged reservations in ListReservations");
}

// Each of `acked` is there (GetReservation) in an allowed state, and a replay
// of its ReserveUnit returns the same reservation.
void CheckAcknowledged(const Client& c, const std::vector<const Acked*>& acked) {
  Failures failures;
  ParallelFor(acked.size(), [&](size_t i) {
    const Acked& a = *acked[i];
    v1::GetReservationRequest get;
    get.set_name(a.reply.name());
    v1::Reservation now;
    grpc::Status s = c.ledger->GetReservation(c.Ctx().get(), get, &now);
    if (!s.ok()) {
      failures.Add(absl::StrCat("GetReservation ", a.reply.name(), " (request ",
                                a.request.request_id(), "): ", Describe(s)));
      return;
    }
    if (!Matches(a, now)) {
      failures.Add(absl::StrCat(a.reply.name(), " is ", now.ShortDebugString(),
                                "; acknowledged as ", a.reply.ShortDebugString()));
    }
    v1::Reservation replayed;
    s = c.ledger->ReserveUnit(c.Ctx().get(), a.request, &replayed);
    if (!s.ok() || replayed.name() != a.reply.name()) {
      failures.Add(absl::StrCat("replay of ReserveUnit ", a.request.request_id(), " gave ",
                                s.ok() ? replayed.name() : Describe(s), ", not ", a.reply.name()));
    }
  });
  failures.Report("acknowledged reservations");
}

// Every record (ListReservations as operator).
std::vector<v1::Reservation> ListAll(const Client& c) {
  std::vector<v1::Reservation> out;
  v1::ListReservationsRequest req;
  req.set_page_size(1000);
  for (;;) {
    v1::ListReservationsResponse resp;
    grpc::Status s = c.ledger->ListReservations(c.Ctx(30).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << Describe(s);
    if (!s.ok()) return out;
    for (v1::Reservation& r : *resp.mutable_reservations()) out.push_back(std::move(r));
    if (resp.next_page_token().empty()) return out;
    req.set_page_token(resp.next_page_token());
  }
}

// Every event (ListAuditEvents from index 0).
std::vector<v1::AuditEvent> ListEvents(const Client& c) {
  std::vector<v1::AuditEvent> out;
  v1::ListAuditEventsRequest req;
  req.set_page_size(1000);
  for (;;) {
    v1::ListAuditEventsResponse resp;
    grpc::Status s = c.audit->ListAuditEvents(c.Ctx(30).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << Describe(s);
    if (!s.ok()) return out;
    for (v1::AuditEvent& e : *resp.mutable_events()) out.push_back(std::move(e));
    if (resp.next_page_token().empty()) return out;
    req.set_page_token(resp.next_page_token());
  }
}

// Counters equal the records, never exceed a cap, and equal the audit log's
// replay; the signed head covers exactly the events and extends `previous`
// (the head seen after the last restart). Sets `previous` to the new head.
void CheckLedgerAndLog(const Client& c, const SigningKey& key, v1::SignedTreeHead& previous,
                       std::map<std::string, v1::Reservation>& listed_out) {
  const std::vector<v1::Reservation> reservations = ListAll(c);
  std::map<std::string, Counts> from_records;
  std::map<std::string, v1::ReservationState> state_of;
  for (const v1::Reservation& r : reservations) {
    EXPECT_TRUE(state_of.emplace(r.name(), r.state()).second) << r.name() << " listed twice";
    for (const std::string& cell : r.path()) {
      if (r.state() == v1::RESERVATION_STATE_HELD) ++from_records[cell].reserved;
      if (r.state() == v1::RESERVATION_STATE_COMMITTED) ++from_records[cell].committed;
    }
  }
  listed_out.clear();
  for (const v1::Reservation& r : reservations) listed_out[r.name()] = r;

  std::map<std::string, v1::QuotaCell> live;
  for (const CellSpec& spec : kCells) {
    v1::GetQuotaCellRequest get;
    get.set_name(CellName(spec.id));
    v1::QuotaCell cell;
    grpc::Status s = c.agreements->GetQuotaCell(c.Ctx().get(), get, &cell);
    ASSERT_TRUE(s.ok()) << spec.id << ": " << Describe(s);
    EXPECT_EQ((Counts{cell.reserved(), cell.committed()}), from_records[cell.name()])
        << cell.name() << ": live counters vs HELD/COMMITTED reservations on its path";
    EXPECT_EQ(cell.cap(), spec.cap) << cell.name();
    EXPECT_LE(cell.reserved() + cell.committed(), cell.cap()) << cell.name() << " is over its cap";
    live[cell.name()] = cell;
  }

  v1::SignedTreeHead head;
  grpc::Status s = c.audit->GetTreeHead(c.Ctx().get(), v1::GetTreeHeadRequest(), &head);
  ASSERT_TRUE(s.ok()) << Describe(s);
  const std::vector<v1::AuditEvent> events = ListEvents(c);
  ASSERT_EQ(static_cast<int64_t>(events.size()), head.tree_size())
      << "the signed head does not cover exactly the events";
  matcher::AuditReplay replay;
  MerkleTree tree;
  for (const v1::AuditEvent& e : events) {
    ASSERT_EQ(storage::AuditLeafData(e), e.leaf_data()) << "event " << e.index();
    absl::Status applied = replay.Apply(e);
    ASSERT_TRUE(applied.ok()) << "event " << e.index() << ": " << applied;
    tree.Append(LeafHash(e.leaf_data()));
  }
  absl::StatusOr<Hash> root = tree.RootHash(tree.size());
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(std::string(root->begin(), root->end()), head.root_hash())
      << "the events do not hash to the signed root";
  EXPECT_TRUE(VerifySignature(key.public_key(),
                              TreeHeadMessage(static_cast<uint64_t>(head.tree_size()),
                                              head.root_hash(), Micros(head.time())),
                              head.signature())
                  .ok())
      << "the tree head's signature does not verify";
  for (const auto& [name, cell] : live) {
    auto logged = replay.cells().find(name);
    ASSERT_TRUE(logged != replay.cells().end()) << name << " is not in the audit log";
    EXPECT_EQ(logged->second.cap, cell.cap()) << name;
    EXPECT_EQ((Counts{logged->second.reserved, logged->second.committed}),
              (Counts{cell.reserved(), cell.committed()}))
        << name << ": audit replay vs live counters";
  }
  // Every record has its events and every event its record.
  EXPECT_EQ(replay.reservations().size(), reservations.size());
  for (const auto& [name, logged] : replay.reservations()) {
    auto it = state_of.find(name);
    if (it == state_of.end()) {
      ADD_FAILURE() << "the audit log has " << name << ", which is not stored";
      continue;
    }
    EXPECT_EQ(logged.state, it->second) << name;
  }
  // Nothing the log showed before is rolled back.
  if (previous.tree_size() > 0) {
    ASSERT_GE(head.tree_size(), previous.tree_size());
    v1::GetConsistencyProofRequest req;
    req.set_first_size(previous.tree_size());
    req.set_second_size(head.tree_size());
    v1::GetConsistencyProofResponse proof;
    s = c.audit->GetConsistencyProof(c.Ctx().get(), req, &proof);
    ASSERT_TRUE(s.ok()) << Describe(s);
    std::vector<Hash> hashes;
    for (const std::string& h : proof.proof()) hashes.push_back(HashFromBytes(h).value());
    EXPECT_TRUE(VerifyConsistency(static_cast<uint64_t>(previous.tree_size()),
                                  static_cast<uint64_t>(head.tree_size()),
                                  HashFromBytes(previous.root_hash()).value(),
                                  HashFromBytes(head.root_hash()).value(), hashes)
                    .ok())
        << "the log after this crash does not extend the log after the last one";
  }
  previous = head;
}

TEST(LedgerCrashTest, KillNineDuringConcurrentReservationsLosesNothingAcknowledged) {
  const int rounds = Rounds();
  const uint32_t seed = std::random_device()();
  std::cout << "[ D1 ] " << rounds << " rounds, seed " << seed << std::endl;
  std::mt19937 rng(seed);

  const std::string dir = FreshDir("d1");
  const std::string data = absl::StrCat(dir, "/data");
  const std::string tokens = absl::StrCat(dir, "/tokens");
  absl::StatusOr<std::string> token = IssueToken(tokens, *Principal::Parse("operator"), "d1");
  ASSERT_TRUE(token.ok()) << token.status();
  int instance = 0;
  auto start_server = [&] {
    return std::make_unique<Corridord>(data, tokens,
                                       absl::StrCat(dir, "/corridord.", ++instance, ".log"));
  };

  std::unique_ptr<Corridord> server = start_server();
  int port = WaitServing(*server);
  ASSERT_GT(port, 0) << server->Log();
  {
    Client c(port, *token);
    ASSERT_NO_FATAL_FAILURE(CreateTree(c));
  }

  std::map<std::string, Acked> acked;  // by request id, over every round
  v1::SignedTreeHead previous_head;
  int64_t total_full = 0;
  double slowest_restart = 0;
  for (int round = 1; round <= rounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round, " of ", rounds, ", seed ", seed));
    // Load, then SIGKILL at a random moment.
    std::atomic<bool> killed{false};
    std::atomic<bool> stop{false};
    std::atomic<int64_t> acks{0};
    std::vector<LoadResult> results(kClientThreads);
    {
      Client c(port, *token);
      std::vector<std::thread> threads;
      for (int t = 0; t < kClientThreads; ++t) {
        threads.emplace_back(LoadThread, std::cref(c), round, t, static_cast<uint32_t>(rng()),
                             std::cref(killed), std::cref(stop), std::ref(acks),
                             std::ref(results[t]));
      }
      const auto first_ack_deadline = Clock::now() + std::chrono::seconds(20);
      while (acks.load() == 0 && Clock::now() < first_ack_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 451));
      killed.store(true);
      server->Kill();
      stop.store(true);
      for (std::thread& t : threads) t.join();
    }
    int64_t round_acks = 0;
    const int64_t earlier_total = static_cast<int64_t>(acked.size());
    std::set<std::string> round_ids;
    for (LoadResult& r : results) {
      for (const std::string& e : r.errors) ADD_FAILURE() << e;
      total_full += r.full;
      for (Acked& a : r.acked) {
        ++round_acks;
        const std::string id = a.request.request_id();
        round_ids.insert(id);
        acked.emplace(id, std::move(a));
      }
    }
    EXPECT_GT(round_acks, 0) << "no reservation was acknowledged before the kill";

    // D4 on the directory exactly as the crash left it (a copy, so the
    // server below recovers the original itself).
    int64_t stored_records = 0;
    {
      const std::string copy = absl::StrCat(dir, "/after-kill-", round);
      std::filesystem::copy(data, copy, std::filesystem::copy_options::recursive);
      ASSERT_NO_FATAL_FAILURE(CheckStorageAfterCrash(copy, stored_records));
      std::filesystem::remove_all(copy);
    }

    // Restart: SERVING within 10 s.
    server = start_server();
    port = WaitServing(*server);
    ASSERT_GT(port, 0) << "not SERVING within " << kServingLimit.count() << " s after a crash:\n"
                       << server->Log();
    const double restart_seconds =
        std::chrono::duration<double>(Clock::now() - server->start()).count();
    slowest_restart = std::max(slowest_restart, restart_seconds);

    Client c(port, *token);
    absl::StatusOr<SigningKey> key = SigningKey::FromFile(absl::StrCat(data, "/audit-signing.key"));
    ASSERT_TRUE(key.ok()) << key.status();
    std::map<std::string, v1::Reservation> listed;
    ASSERT_NO_FATAL_FAILURE(CheckLedgerAndLog(c, *key, previous_head, listed));
    EXPECT_EQ(static_cast<int64_t>(listed.size()), stored_records)
        << "the restarted server lists other records than the crash left";
    // Every acknowledged reservation of every round is listed as acknowledged;
    // this round's, and a sample of the earlier ones, one by one through
    // GetReservation and a replay of their ReserveUnit (checking every earlier
    // one again each round would make long loops quadratic).
    CheckAcknowledgedAreListed(acked, listed);
    std::vector<const Acked*> sample;
    const int64_t one_in = std::max<int64_t>(1, earlier_total / kEarlierSample);
    for (const auto& [id, a] : acked) {
      if (round_ids.count(id) > 0 || static_cast<int64_t>(rng() % one_in) == 0) {
        sample.push_back(&a);
      }
    }
    ASSERT_NO_FATAL_FAILURE(CheckAcknowledged(c, sample));
    std::cout << "[ D1 ] round " << round << ": " << round_acks << " acknowledged (" << acked.size()
              << " in all), " << listed.size() << " records, " << previous_head.tree_size()
              << " events, SERVING " << restart_seconds << " s after restart" << std::endl;
    if (HasFailure()) break;  // the directory is now suspect; the first failure says why
  }
  // The small cell filled up at some point: the test reached the cap.
  EXPECT_GT(total_full, 0) << "no reservation was refused by the small cell (cap " << kSmallCap
                           << ")";
  std::cout << "[ D1 ] slowest restart to SERVING: " << slowest_restart << " s" << std::endl;
  server->Signal(SIGTERM);
  EXPECT_EQ(server->WaitExit(std::chrono::seconds(20)), 0) << server->Log();
}

}  // namespace
}  // namespace corridor::testing
