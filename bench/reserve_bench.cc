// Durable quota reservations in process (no gRPC), side by side:
//
//   group  the real matcher::QuotaLedger: one committer thread decides every
//          queued reservation against in-memory counters and writes the whole
//          batch (records, counters, idempotency replies, audit events, the
//          signed tree head) in one WriteBatch with the WAL synced;
//   naive  one RocksDB pessimistic transaction per reservation, committed with
//          the WAL synced: GetForUpdate on the idempotency entry and on the
//          counters of every cell of the path, check room, put the reservation
//          record, the counters and the idempotency entry, commit. (It writes
//          no audit event: it does less work per reservation than the ledger.)
//
// Both run with the same threads on the same cells, each over a fresh database
// in its own temporary directory, one after the other (the order alternates by
// round). Scenarios:
//   hot        one cell (cap 10,000,000: it never fills);
//   nested500  500 leaves (10 ISCO sub-major groups x 50 weekly tranches) under
//              10 parents under one root: every reservation also holds a unit
//              of the root, so the root is a hot cell for everyone;
//   roots500   500 independent root cells (same slices, no parents): the naive
//              design's transactions touch different keys and can overlap;
//   clickday   cells holding 39,000 units in total (a root of 39,000, origins
//              CO 24,000 and MA 15,000, four occupation leaves under each whose
//              caps sum to their parent's); 100,000 requests released at once
//              over the threads, the leaves taken in turn (each once per 500
//              units of its cap), so every leaf is asked for about 2.6 times
//              its cap. Exactly 39,000
//              must succeed and the rest fail FAILED_PRECONDITION.
// The duration scenarios pick a uniformly random leaf per request. After every
// group run the ledger's CheckConsistency recomputes every counter from the
// reservation records and from a replay of the audit log (the verifier).
//
// Usage:
//   reserve_bench [--seconds 5] [--warmup-seconds 0.5] [--threads 64] [--rounds 1]
//                 [--scenarios hot,nested500,roots500,clickday] [--designs group,naive]
//                 [--clickday-requests 100000] [--tmp-dir DIR]
// Prints one line per run on stderr and markdown tables on stdout; exits 1 when
// a run's counts or the verifier are wrong. Besides latency and throughput the
// table gives the process's CPU time per request and, for the group design,
// the CPU time per request of its busiest thread, the ledger's committer (its
// share of the run's wall time in brackets: the rest it waits for fdatasync or
// for work). Before and after the runs, 200 fdatasyncs of 4 KiB appends in the
// temporary directory show what one synced write costs on this disk.

#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/resource_name.h"
#include "common/signing.h"
#include "matcher/collection.h"
#include "matcher/quota_ledger.h"
#include "rocksdb/utilities/transaction.h"
#include "rocksdb/utilities/transaction_db.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/keys.h"
#include "storage/record_store.h"
#include "storage/stores.h"

namespace corridor {
namespace {

namespace v1 = corridor::v1;
using Clock = std::chrono::steady_clock;

constexpr char kAgreement[] = "es-co-ma";
constexpr char kPrincipal[] = "operator";
constexpr char kMethod[] = "/corridor.v1.LedgerService/ReserveUnit";
constexpr int64_t kDefaultHoldSeconds = 14 * 24 * 3600;
constexpr int kMaxAttempts = 1000;

// ---- Cell layouts ----------------------------------------------------------

struct CellSpec {
  std::string id;
  std::string parent;  // cell id or ""
  int64_t cap = 0;
  std::string origin;
  std::string isco_prefix;
  int start_day = 0;  // day of 2027 (0 = 1 January), inclusive
  int end_day = 364;  // inclusive
};

struct Layout {
  std::vector<CellSpec> cells;
  // The leaves requests name; duration scenarios draw uniformly, the click day
  // cycles through them in order (a leaf appears once per 500 units of cap).
  std::vector<std::string> targets;
};

// Ten ISCO-08 sub-major groups a seasonal and temporary labour agreement covers.
const char* const kGroups[10] = {"51", "52", "53", "61", "62", "71", "72", "83", "91", "93"};

v1::Date DayOf2027(int day) {
  const absl::CivilDay d = absl::CivilDay(2027, 1, 1) + day;
  v1::Date out;
  out.set_year(static_cast<int32_t>(d.year()));
  out.set_month(d.month());
  out.set_day(d.day());
  return out;
}

Layout HotLayout() {
  Layout l;
  l.cells.push_back({"hot", "", 10'000'000, "", "", 0, 364});
  l.targets = {"hot"};
  return l;
}

// 10 groups x 50 weekly tranches; nested under 10 group cells under one root,
// or as 500 roots.
Layout FiveHundredLayout(bool nested) {
  Layout l;
  if (nested) l.cells.push_back({"es-2027", "", 10'000'000, "", "", 0, 364});
  for (const char* g : kGroups) {
    const std::string group = absl::StrCat("isco-", g);
    if (nested) l.cells.push_back({group, "es-2027", 1'000'000, "", g, 0, 364});
    for (int w = 0; w < 50; ++w) {
      const std::string leaf = absl::StrCat(group, "-w", w + 1);
      l.cells.push_back({leaf, nested ? group : "", 100'000, "", g, 7 * w, 7 * w + 6});
      l.targets.push_back(leaf);
    }
  }
  return l;
}

Layout ClickDayLayout() {
  Layout l;
  l.cells.push_back({"es-2027", "", 39'000, "", "", 0, 364});
  struct Leaf {
    const char* origin;
    const char* isco;
    int64_t cap;
  };
  const Leaf leaves[] = {{"CO", "61", 9'000}, {"CO", "92", 6'000}, {"CO", "51", 5'000},
                         {"CO", "71", 4'000}, {"MA", "61", 7'000}, {"MA", "92", 4'000},
                         {"MA", "51", 2'500}, {"MA", "71", 1'500}};
  l.cells.push_back({"es-2027-co", "es-2027", 24'000, "CO", "", 0, 364});
  l.cells.push_back({"es-2027-ma", "es-2027", 15'000, "MA", "", 0, 364});
  for (const Leaf& leaf : leaves) {
    const std::string parent = absl::StrCat("es-2027-", leaf.origin[0] == 'C' ? "co" : "ma");
    const std::string id = absl::StrCat(parent, "-", leaf.isco);
    l.cells.push_back({id, parent, leaf.cap, leaf.origin, leaf.isco, 0, 364});
    for (int64_t u = 0; u < leaf.cap; u += 500) l.targets.push_back(id);
  }
  return l;
}

v1::Agreement MakeAgreement() {
  v1::Agreement a;
  a.set_name(AgreementName(kAgreement));
  a.set_display_name("Spain - Colombia, Morocco labour agreement (synthetic, benchmark)");
  a.set_kind(v1::AGREEMENT_KIND_BILATERAL_LABOUR_AGREEMENT);
  a.add_destinations("ES");
  a.add_origins("CO");
  a.add_origins("MA");
  a.add_schemes(v1::SCHEME_SEASONAL);
  a.add_schemes(v1::SCHEME_TEMPORARY);
  return a;
}

v1::QuotaCell MakeCell(const CellSpec& s) {
  v1::QuotaCell c;
  c.set_name(QuotaCellResourceName(kAgreement, s.id));
  c.set_display_name(absl::StrCat("benchmark cell ", s.id));
  c.set_parent(s.parent);
  *c.mutable_period()->mutable_start() = DayOf2027(s.start_day);
  *c.mutable_period()->mutable_end() = DayOf2027(s.end_day);
  c.set_destination("ES");
  c.set_origin(s.origin);
  c.set_isco_prefix(s.isco_prefix);
  c.set_cap(s.cap);
  c.set_synthetic(true);
  return c;
}

// ---- Databases ---------------------------------------------------------------

// A fresh directory, removed with its contents when destroyed.
class TempDir {
 public:
  explicit TempDir(const std::string& parent) {
    std::string pattern = parent + "/corridor-reserve-bench-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (mkdtemp(buffer.data()) == nullptr) {
      std::fprintf(stderr, "reserve_bench: mkdtemp %s failed\n", pattern.c_str());
      std::exit(2);
    }
    path_ = buffer.data();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void Check(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "reserve_bench: %s: %s\n", what, s.ToString().c_str());
    std::exit(2);
  }
}

std::unique_ptr<storage::Database> OpenDatabase(const std::string& path) {
  storage::DatabaseOptions options;
  options.path = path;
  options.sync = true;
  absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::Database::Open(options);
  Check(db.status(), "open database");
  return *std::move(db);
}

// The agreement and cells written through the stores (audited once a ledger
// has wired the stores), parents first.
void CreateCells(storage::Stores& stores, const Layout& layout) {
  Check(stores.agreements.Create(kAgreement, MakeAgreement()).status(), "create agreement");
  for (const CellSpec& s : layout.cells) {
    Check(stores.quota_cells.Create(storage::QuotaCellKey(kAgreement, s.id), MakeCell(s)).status(),
          "create cell");
  }
}

// ---- The two designs -------------------------------------------------------

class Design {
 public:
  virtual ~Design() = default;
  virtual absl::Status Reserve(const v1::ReserveUnitRequest& request) = 0;
  // Called once after the run: checks the stored state (the group design runs
  // the ledger's verifier). `ok` is how many reservations succeeded.
  virtual absl::Status Verify(int64_t ok) = 0;
  virtual int64_t retries() const { return 0; }
};

class GroupDesign : public Design {
 public:
  GroupDesign(const std::string& dir, const Layout& layout) : db_(OpenDatabase(dir + "/db")) {
    absl::StatusOr<SigningKey> key = SigningKey::FromSeed(std::string(32, '\x07'));
    Check(key.status(), "signing key");
    absl::StatusOr<std::unique_ptr<storage::AuditLog>> log = storage::AuditLog::Open(*db_, *key);
    Check(log.status(), "open audit log");
    log_ = *std::move(log);
    stores_ = std::make_unique<storage::Stores>(*db_);
    // Options as corridord's: expiry every second, batches of up to 1024.
    absl::StatusOr<std::unique_ptr<matcher::QuotaLedger>> ledger =
        matcher::QuotaLedger::Start(*stores_, *log_, SystemClock());
    Check(ledger.status(), "start ledger");
    ledger_ = *std::move(ledger);
    CreateCells(*stores_, layout);
    for (const CellSpec& s : layout.cells) {
      if (s.parent.empty()) roots_.push_back(s.id);
    }
  }
  ~GroupDesign() override {
    ledger_.reset();
    stores_.reset();
    log_.reset();
  }

  absl::Status Reserve(const v1::ReserveUnitRequest& request) override {
    return ledger_->Reserve(call_, request).status();
  }

  absl::Status Verify(int64_t ok) override {
    absl::Status s = ledger_->CheckConsistency();
    if (!s.ok()) return s;
    int64_t held = 0;
    for (const std::string& root : roots_) {
      std::optional<matcher::CellUsage> u = ledger_->Usage(kAgreement, root);
      if (u) held += u->reserved;
    }
    if (held != ok) {
      return absl::InternalError(
          absl::StrCat("root cells hold ", held, " units but ", ok, " reservations succeeded"));
    }
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::AuditLog> log_;
  std::unique_ptr<storage::Stores> stores_;
  std::unique_ptr<matcher::QuotaLedger> ledger_;
  std::vector<std::string> roots_;
  const matcher::CallContext call_{kPrincipal, kMethod};
};

rocksdb::Slice ToSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

void SetTimestamp(absl::Time t, google::protobuf::Timestamp& out) {
  const int64_t micros = absl::ToUnixMicros(t);
  out.set_seconds(micros / 1000000);
  out.set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
}

// One pessimistic RocksDB transaction, synced, per reservation.
class NaiveDesign : public Design {
 public:
  NaiveDesign(const std::string& dir, const Layout& layout) : db_(OpenDatabase(dir + "/db")) {
    stores_ = std::make_unique<storage::Stores>(*db_);
    CreateCells(*stores_, layout);
    absl::flat_hash_map<std::string, const CellSpec*> by_id;
    for (const CellSpec& s : layout.cells) by_id[s.id] = &s;
    for (const CellSpec& s : layout.cells) {
      Cell& cell = cells_[storage::QuotaCellKey(kAgreement, s.id)];
      cell.name = QuotaCellResourceName(kAgreement, s.id);
      cell.cap = s.cap;
      for (const CellSpec* c = &s; c != nullptr;) {
        cell.path_keys.push_back(storage::QuotaCellKey(kAgreement, c->id));
        cell.path_names.push_back(QuotaCellResourceName(kAgreement, c->id));
        cell.path_caps.push_back(c->cap);
        c = c->parent.empty() ? nullptr : by_id[c->parent];
      }
      if (s.parent.empty()) roots_.push_back(storage::QuotaCellKey(kAgreement, s.id));
    }
    write_options_ = db_->write_options();
    write_options_.sync = true;
  }

  absl::Status Reserve(const v1::ReserveUnitRequest& request) override {
    absl::StatusOr<QuotaCellName> parsed = ParseQuotaCellName(request.quota_cell(), "quota_cell");
    if (!parsed.ok()) return parsed.status();
    auto leaf = cells_.find(storage::QuotaCellKey(parsed->agreement_id, parsed->cell_id));
    if (leaf == cells_.end()) return absl::NotFoundError("quota_cell: not found");
    const Cell& cell = leaf->second;
    const std::string idem_key = storage::IdempotencyKey(kPrincipal, kMethod, request.request_id());
    const std::string hash = storage::RequestFingerprint(request);
    rocksdb::TransactionDB* db = db_->db();
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      if (attempt > 0) retries_.fetch_add(1, std::memory_order_relaxed);
      std::unique_ptr<rocksdb::Transaction> txn(db->BeginTransaction(write_options_));
      rocksdb::ReadOptions ro;
      std::string stored;
      rocksdb::Status s = txn->GetForUpdate(ro, db_->family(storage::Family::kIdempotency),
                                            ToSlice(idem_key), &stored);
      if (Retryable(s)) continue;
      if (s.ok()) {
        absl::StatusOr<std::optional<std::string>> reply =
            storage::MatchIdempotencyEntry(stored, hash);
        return reply.status();  // A replay: the stored answer stands.
      }
      if (!s.IsNotFound()) return storage::FromRocks(s, "read idempotency entry");
      std::vector<std::pair<int64_t, int64_t>> counters(cell.path_keys.size());
      bool retry = false;
      for (size_t i = 0; i < cell.path_keys.size(); ++i) {
        std::string value;
        s = txn->GetForUpdate(ro, db_->family(storage::Family::kLedger),
                              ToSlice(cell.path_keys[i]), &value);
        if (Retryable(s)) {
          retry = true;
          break;
        }
        if (s.ok()) {
          if (!storage::DecodeCellCounters(value, counters[i].first, counters[i].second)) {
            return absl::DataLossError("malformed counters");
          }
        } else if (!s.IsNotFound()) {
          return storage::FromRocks(s, "read counters");
        }
        if (counters[i].first + counters[i].second >= cell.path_caps[i]) {
          return absl::FailedPreconditionError(
              absl::StrCat("quota cell ", cell.path_names[i], " is full"));
        }
      }
      if (retry) continue;
      const absl::Time now = absl::Now();
      v1::Reservation r;
      const std::string id = matcher::NewResourceId('r');
      r.set_name(ReservationName(id));
      r.set_quota_cell(cell.name);
      r.set_requested_cell(cell.name);
      for (const std::string& name : cell.path_names) r.add_path(name);
      r.set_state(v1::RESERVATION_STATE_HELD);
      SetTimestamp(now + absl::Seconds(request.hold_seconds() == 0 ? kDefaultHoldSeconds
                                                                    : request.hold_seconds()),
                   *r.mutable_hold_deadline());
      SetTimestamp(now, *r.mutable_create_time());
      SetTimestamp(now, *r.mutable_update_time());
      r.mutable_dimensions()->set_destination("ES");
      storage::SetNextEtag("", r);
      const std::string record = storage::SerializeDeterministically(r);
      rocksdb::Status put =
          txn->Put(db_->family(storage::Family::kReservations), ToSlice(id), ToSlice(record));
      for (size_t i = 0; put.ok() && i < cell.path_keys.size(); ++i) {
        put = txn->Put(db_->family(storage::Family::kLedger), ToSlice(cell.path_keys[i]),
                       ToSlice(storage::EncodeCellCounters(counters[i].first + 1,
                                                           counters[i].second)));
      }
      if (put.ok()) {
        put = txn->Put(db_->family(storage::Family::kIdempotency), ToSlice(idem_key),
                       ToSlice(storage::IdempotencyEntry(hash, record)));
      }
      if (Retryable(put)) continue;
      if (!put.ok()) return storage::FromRocks(put, "stage reservation");
      s = txn->Commit();
      if (Retryable(s)) continue;
      return storage::FromRocks(s, "commit reservation");
    }
    return absl::AbortedError("naive reservation: too many lock timeouts");
  }

  absl::Status Verify(int64_t ok) override {
    int64_t held = 0;
    for (const std::string& root : roots_) {
      std::string value;
      rocksdb::Status s = db_->db()->Get(rocksdb::ReadOptions(),
                                         db_->family(storage::Family::kLedger), root, &value);
      int64_t reserved = 0;
      int64_t committed = 0;
      if (s.ok()) storage::DecodeCellCounters(value, reserved, committed);
      held += reserved;
    }
    if (held != ok) {
      return absl::InternalError(
          absl::StrCat("root cells hold ", held, " units but ", ok, " reservations succeeded"));
    }
    return absl::OkStatus();
  }

  int64_t retries() const override { return retries_.load(); }

 private:
  struct Cell {
    std::string name;
    int64_t cap = 0;
    // Leaf first, root last.
    std::vector<std::string> path_keys;
    std::vector<std::string> path_names;
    std::vector<int64_t> path_caps;
  };
  static bool Retryable(const rocksdb::Status& s) {
    return s.IsBusy() || s.IsTimedOut() || s.IsTryAgain();
  }

  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::Stores> stores_;
  absl::flat_hash_map<std::string, Cell> cells_;
  std::vector<std::string> roots_;
  rocksdb::WriteOptions write_options_;
  std::atomic<int64_t> retries_{0};
};

// ---- The driver ------------------------------------------------------------

struct Options {
  double seconds = 5;
  double warmup_seconds = 0.5;
  int threads = 64;
  int rounds = 1;
  std::string scenarios = "hot,nested500,roots500,clickday";
  std::string designs = "group,naive";
  int64_t clickday_requests = 100000;
  std::string tmp_dir;
};

struct RunResult {
  std::string scenario;
  std::string design;
  int round = 0;
  int64_t requests = 0;
  int64_t ok = 0;
  int64_t ok_all = 0;  // with the warm-up: what the cells must hold
  std::map<absl::StatusCode, int64_t> failures;
  int64_t retries = 0;
  double seconds = 0;
  double cpu_seconds = 0;  // user + system time of the process over the run (all threads)
  double busiest_thread_cpu_seconds = 0;  // the thread that used most (the group committer)
  std::vector<double> latencies_ms;  // every measured request, sorted
  std::string verify = "ok";
};

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

// CPU seconds of every thread of this process, by thread id (from /proc).
std::map<int, double> ThreadCpuSeconds() {
  std::map<int, double> out;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    FILE* f = std::fopen((entry.path() / "stat").c_str(), "r");
    if (f == nullptr) continue;
    char buf[1024];
    const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
    const char* p = std::strrchr(buf, ')');
    if (p == nullptr) continue;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                    &stime) == 2) {
      out[std::atoi(entry.path().filename().c_str())] = static_cast<double>(utime + stime) / tick;
    }
  }
  return out;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Duration mode when count == 0 (uniform random target per request), else
// `count` requests released at once, cycling through the targets.
RunResult Drive(Design& design, const Layout& layout, const Options& o, int64_t count,
                const std::string& id_prefix) {
  struct PerThread {
    std::vector<double> ms;
    int64_t ok = 0;
    int64_t ok_all = 0;  // with the warm-up
    std::map<absl::StatusCode, int64_t> failures;
  };
  std::vector<PerThread> per(o.threads);
  std::atomic<bool> go{false};
  std::atomic<int64_t> next{0};
  Clock::time_point start;
  Clock::time_point measure_from;
  Clock::time_point stop;
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(0x5eed + static_cast<uint64_t>(t));
      std::uniform_int_distribution<size_t> pick(0, layout.targets.size() - 1);
      PerThread& me = per[t];
      v1::ReserveUnitRequest request;
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (int64_t seq = 0;; ++seq) {
        size_t target = 0;
        if (count > 0) {
          const int64_t i = next.fetch_add(1);
          if (i >= count) break;
          target = static_cast<size_t>(i) % layout.targets.size();
        } else {
          target = pick(rng);
        }
        const Clock::time_point before = Clock::now();
        if (count == 0 && before >= stop) break;
        request.set_quota_cell(QuotaCellResourceName(kAgreement, layout.targets[target]));
        request.set_request_id(absl::StrCat(id_prefix, "-", t, "-", seq));
        const absl::Status s = design.Reserve(request);
        const Clock::time_point after = Clock::now();
        if (s.ok()) ++me.ok_all;
        if (count == 0 && before < measure_from) continue;
        me.ms.push_back(std::chrono::duration<double, std::milli>(after - before).count());
        if (s.ok()) {
          ++me.ok;
        } else {
          ++me.failures[s.code()];
        }
      }
    });
  }
  double cpu_before = CpuSeconds();
  std::map<int, double> threads_before = ThreadCpuSeconds();
  start = Clock::now();
  measure_from =
      start + std::chrono::microseconds(static_cast<int64_t>(count > 0 ? 0 : o.warmup_seconds * 1e6));
  stop = measure_from + std::chrono::microseconds(static_cast<int64_t>(o.seconds * 1e6));
  go.store(true, std::memory_order_release);
  if (count == 0) {
    std::this_thread::sleep_until(measure_from);
    cpu_before = CpuSeconds();
    threads_before = ThreadCpuSeconds();
  }
  for (std::thread& th : threads) th.join();
  const Clock::time_point end = Clock::now();

  RunResult r;
  r.cpu_seconds = CpuSeconds() - cpu_before;
  for (const auto& [tid, cpu] : ThreadCpuSeconds()) {
    auto it = threads_before.find(tid);
    r.busiest_thread_cpu_seconds = std::max(
        r.busiest_thread_cpu_seconds, cpu - (it == threads_before.end() ? 0.0 : it->second));
  }
  r.seconds = std::chrono::duration<double>(end - measure_from).count();
  for (PerThread& p : per) {
    r.latencies_ms.insert(r.latencies_ms.end(), p.ms.begin(), p.ms.end());
    r.ok += p.ok;
    r.ok_all += p.ok_all;
    for (const auto& [code, n] : p.failures) r.failures[code] += n;
  }
  std::sort(r.latencies_ms.begin(), r.latencies_ms.end());
  r.requests = static_cast<int64_t>(r.latencies_ms.size());
  return r;
}

// fdatasync of a 4 KiB append, `n` times, in a file under `dir`: what one
// synced commit costs on this disk right now. Returns {p50, p90} in ms.
std::pair<double, double> ProbeSync(const std::string& dir, int n) {
  TempDir probe(dir);
  const std::string path = probe.path() + "/probe";
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return {0, 0};
  std::vector<double> ms;
  const std::string block(4096, 'x');
  for (int i = 0; i < n; ++i) {
    if (write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) break;
    const Clock::time_point before = Clock::now();
    if (fdatasync(fd) != 0) break;
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - before).count());
  }
  close(fd);
  std::sort(ms.begin(), ms.end());
  return {Percentile(ms, 0.5), Percentile(ms, 0.9)};
}

Layout LayoutOf(const std::string& scenario) {
  if (scenario == "hot") return HotLayout();
  if (scenario == "nested500") return FiveHundredLayout(true);
  if (scenario == "roots500") return FiveHundredLayout(false);
  return ClickDayLayout();
}

std::string FailureText(const std::map<absl::StatusCode, int64_t>& failures) {
  std::string out;
  for (const auto& [code, n] : failures) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", absl::StatusCodeToString(code), " ", n);
  }
  return out.empty() ? "-" : out;
}

}  // namespace
}  // namespace corridor

int main(int argc, char** argv) {
  using namespace corridor;  // NOLINT
  Options o;
  const char* tmp = std::getenv("TMPDIR");
  o.tmp_dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  CLI::App app{"Durable quota reservations in process: group-commit QuotaLedger vs one synced "
               "RocksDB transaction per reservation"};
  app.add_option("--seconds", o.seconds, "measured time per duration run")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("--warmup-seconds", o.warmup_seconds, "unmeasured time before")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  app.add_option("--threads", o.threads, "concurrent clients")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--rounds", o.rounds, "runs of every scenario and design (order alternates)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  app.add_option("--scenarios", o.scenarios, "comma-separated: hot,nested500,roots500,clickday")
      ->capture_default_str();
  app.add_option("--designs", o.designs, "comma-separated: group,naive")->capture_default_str();
  app.add_option("--clickday-requests", o.clickday_requests, "requests of the click day")
      ->check(CLI::Range(int64_t{1}, int64_t{100000000}))
      ->capture_default_str();
  app.add_option("--tmp-dir", o.tmp_dir, "where the temporary databases go ($TMPDIR or /tmp)");
  CLI11_PARSE(app, argc, argv);

  const std::vector<std::string> scenarios = absl::StrSplit(o.scenarios, ',', absl::SkipEmpty());
  const std::vector<std::string> designs = absl::StrSplit(o.designs, ',', absl::SkipEmpty());
  for (const std::string& s : scenarios) {
    if (s != "hot" && s != "nested500" && s != "roots500" && s != "clickday") {
      std::fprintf(stderr, "reserve_bench: unknown scenario %s\n", s.c_str());
      return 2;
    }
  }
  for (const std::string& d : designs) {
    if (d != "group" && d != "naive") {
      std::fprintf(stderr, "reserve_bench: unknown design %s\n", d.c_str());
      return 2;
    }
  }

  std::vector<RunResult> results;
  bool failed = false;
  const std::pair<double, double> sync_before = ProbeSync(o.tmp_dir, 200);
  std::fprintf(stderr, "reserve_bench: fdatasync of a 4 KiB append in %s: p50 %.3f ms, p90 %.3f ms\n",
               o.tmp_dir.c_str(), sync_before.first, sync_before.second);
  for (int round = 0; round < o.rounds; ++round) {
    for (const std::string& scenario : scenarios) {
      const Layout layout = LayoutOf(scenario);
      const bool clickday = scenario == "clickday";
      int64_t capacity = 0;
      for (const CellSpec& c : layout.cells) {
        if (c.parent.empty()) capacity += c.cap;
      }
      std::vector<std::string> order = designs;
      if (round % 2 == 1) std::reverse(order.begin(), order.end());
      for (const std::string& design_name : order) {
        TempDir dir(o.tmp_dir);
        std::unique_ptr<Design> design;
        if (design_name == "group") {
          design = std::make_unique<GroupDesign>(dir.path(), layout);
        } else {
          design = std::make_unique<NaiveDesign>(dir.path(), layout);
        }
        RunResult r = Drive(*design, layout, o, clickday ? o.clickday_requests : 0,
                            absl::StrCat(design_name, "-", round));
        r.scenario = scenario;
        r.design = design_name;
        r.round = round + 1;
        r.retries = design->retries();
        absl::Status verified = design->Verify(r.ok_all);
        if (clickday) {
          const int64_t want_ok = std::min(capacity, o.clickday_requests);
          int64_t precondition = 0;
          int64_t other = 0;
          for (const auto& [code, n] : r.failures) {
            (code == absl::StatusCode::kFailedPrecondition ? precondition : other) += n;
          }
          if (verified.ok() && (r.ok != want_ok || precondition != r.requests - want_ok ||
                                other != 0)) {
            verified = absl::InternalError(absl::StrCat(
                "wanted ", want_ok, " OK and ", r.requests - want_ok,
                " FAILED_PRECONDITION, got ", r.ok, " OK, ", precondition,
                " FAILED_PRECONDITION and ", other, " other failures"));
          }
        } else if (verified.ok() && !r.failures.empty()) {
          verified = absl::InternalError(absl::StrCat("failures: ", FailureText(r.failures)));
        }
        if (!verified.ok()) {
          r.verify = std::string(verified.message());
          failed = true;
        }
        std::fprintf(stderr,
                     "reserve_bench: round %d %-9s %-5s %lld requests, %lld ok, %.0f/s ok, "
                     "p50 %.3f ms, p99 %.3f ms, max %.3f ms, retries %lld, failures %s, "
                     "verifier: %s\n",
                     r.round, scenario.c_str(), design_name.c_str(),
                     static_cast<long long>(r.requests), static_cast<long long>(r.ok),
                     static_cast<double>(r.ok) / r.seconds, Percentile(r.latencies_ms, 0.5),
                     Percentile(r.latencies_ms, 0.99),
                     r.latencies_ms.empty() ? 0.0 : r.latencies_ms.back(),
                     static_cast<long long>(r.retries), FailureText(r.failures).c_str(),
                     r.verify.c_str());
        results.push_back(std::move(r));
      }
    }
  }

  const std::pair<double, double> sync_after = ProbeSync(o.tmp_dir, 200);
  std::printf("Threads %d; duration runs %.1f s measured after %.1f s warm-up; click day %lld "
              "requests; WAL synced on every commit.\n",
              o.threads, o.seconds, o.warmup_seconds, static_cast<long long>(o.clickday_requests));
  std::printf("fdatasync of a 4 KiB append in %s: p50 %.3f ms, p90 %.3f ms before the runs; "
              "p50 %.3f ms, p90 %.3f ms after.\n\n",
              o.tmp_dir.c_str(), sync_before.first, sync_before.second, sync_after.first,
              sync_after.second);
  std::printf("| scenario | design | round | requests | ok | failed | seconds | ok/s | p50 ms | "
              "p99 ms | max ms | CPU us/request | committer thread us/request (busy %%) | lock retries | "
              "verifier |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const RunResult& r : results) {
    const std::string committer =
        r.design == "group" && r.requests > 0
            ? absl::StrFormat("%.1f (%.0f %%)",
                              r.busiest_thread_cpu_seconds * 1e6 / static_cast<double>(r.requests),
                              100.0 * r.busiest_thread_cpu_seconds / r.seconds)
            : "-";
    std::printf("| %s | %s | %d | %lld | %lld | %s | %.2f | %.0f | %.3f | %.3f | %.3f | %.0f | "
                "%s | %lld | %s |\n",
                r.scenario.c_str(), r.design.c_str(), r.round, static_cast<long long>(r.requests),
                static_cast<long long>(r.ok), FailureText(r.failures).c_str(), r.seconds,
                static_cast<double>(r.ok) / r.seconds, Percentile(r.latencies_ms, 0.5),
                Percentile(r.latencies_ms, 0.99),
                r.latencies_ms.empty() ? 0.0 : r.latencies_ms.back(),
                r.requests > 0 ? r.cpu_seconds * 1e6 / static_cast<double>(r.requests) : 0.0,
                committer.c_str(),
                static_cast<long long>(r.retries), r.verify.c_str());
  }
  // Ratio of medians over rounds: group / naive throughput (requests/s, so the
  // click day's refusals count too).
  std::printf("\n| scenario | group req/s (median) | naive req/s (median) | group / naive |\n");
  std::printf("|---|---|---|---|\n");
  for (const std::string& scenario : scenarios) {
    std::map<std::string, std::vector<double>> rates;
    for (const RunResult& r : results) {
      if (r.scenario == scenario) {
        rates[r.design].push_back(static_cast<double>(r.requests) / r.seconds);
      }
    }
    auto median = [](std::vector<double> v) {
      if (v.empty()) return 0.0;
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    const double g = median(rates["group"]);
    const double n = median(rates["naive"]);
    std::printf("| %s | %.0f | %.0f | %s |\n", scenario.c_str(), g, n,
                g > 0 && n > 0 ? absl::StrFormat("%.1f", g / n).c_str() : "-");
  }
  return failed ? 1 : 0;
}
