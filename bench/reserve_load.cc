// A small gRPC load client for LedgerService/ReserveUnit (end-to-end figures;
// bench/reserve_e2e.sh, docs/benchmarks.md). N threads, each with its own
// stub, share a few channels and reserve units of the quota cells listed in a
// file (one "agreements/{a}/quotaCells/{c}" per line), every request with a
// unique request id:
//   --duration-seconds S  each thread reserves back to back for S seconds
//                         after a warm-up, a uniformly random cell per request
//                         (or the list in order with --order=cycle);
//   --count N             N requests released at once (threads wait on a start
//                         line), the list taken in order, cycling: list a cell
//                         k times to send it k shares of the requests.
// Every request's latency is recorded (steady_clock); the totals, counts by
// status code, requests/s, OK/s and p50/p90/p99/max are printed. --expect
// CODE=N (repeatable, e.g. OK=39000) makes the exit status 1 unless exactly N
// requests ended with that code. Loopback use only: the token travels in
// plaintext.

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <grpcpp/grpcpp.h>

#include "corridor/v1/ledger_service.grpc.pb.h"

namespace {

namespace v1 = corridor::v1;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string server = "127.0.0.1:50051";
  std::string token;
  std::string cells_file;
  std::string order = "random";
  std::string request_prefix;
  int concurrency = 64;
  int channels = 4;
  int64_t count = 0;
  double duration_seconds = 10;
  double warmup_seconds = 1;
  double timeout_seconds = 30;
  int64_t hold_seconds = 0;
  std::vector<std::string> expect;
};

const char* CodeName(int code) {
  static const char* const kNames[] = {
      "OK",        "CANCELLED",      "UNKNOWN",          "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  return code >= 0 && code <= 16 ? kNames[code] : "?";
}

int CodeOf(const std::string& name) {
  for (int c = 0; c <= 16; ++c) {
    if (name == CodeName(c)) return c;
  }
  return -1;
}

std::shared_ptr<grpc::Channel> MakeChannel(const Options& o, int index) {
  grpc::ChannelArguments args;
  // Distinct arguments keep channels from sharing one subchannel (one TCP connection).
  args.SetInt("corridor.bench.channel", index);
  return grpc::CreateCustomChannel(o.server, grpc::InsecureChannelCredentials(), args);
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

struct ThreadResult {
  std::vector<double> all_ms;
  std::vector<double> ok_ms;
  std::map<int, int64_t> codes;
  std::string first_error;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (const char* t = std::getenv("CORRIDOR_TOKEN")) o.token = t;
  CLI::App app{"Load client for corridor.v1.LedgerService/ReserveUnit"};
  app.add_option("--server", o.server, "HOST:PORT of corridord (loopback)")->capture_default_str();
  app.add_option("--token", o.token, "bearer token (default $CORRIDOR_TOKEN)");
  app.add_option("--cells", o.cells_file,
                 "file with one quota-cell name (agreements/A/quotaCells/C) per line")
      ->required();
  app.add_option("--order", o.order,
                 "random: a uniformly random cell per request; cycle: the list in order "
                 "(always cycle with --count)")
      ->check(CLI::IsMember({"random", "cycle"}))
      ->capture_default_str();
  app.add_option("--request-prefix", o.request_prefix,
                 "request ids are PREFIX-THREAD-N (default: random per run)");
  app.add_option("--concurrency", o.concurrency, "client threads")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--channels", o.channels, "gRPC channels (TCP connections) shared by the threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  auto* count = app.add_option("--count", o.count, "send exactly N requests, released at once")
                    ->check(CLI::Range(int64_t{1}, int64_t{1000000000}));
  auto* duration = app.add_option("--duration-seconds", o.duration_seconds, "measured time")
                       ->check(CLI::Range(0.1, 3600.0))
                       ->capture_default_str();
  count->excludes(duration);
  app.add_option("--warmup-seconds", o.warmup_seconds, "unmeasured time before (duration mode)")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  app.add_option("--timeout-seconds", o.timeout_seconds, "deadline of each call")
      ->check(CLI::Range(0.01, 600.0))
      ->capture_default_str();
  app.add_option("--hold-seconds", o.hold_seconds, "hold_seconds of each request (0: 14 days)")
      ->capture_default_str();
  app.add_option("--expect", o.expect,
                 "CODE=N: exit 1 unless exactly N requests ended with CODE (e.g. OK=39000)");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::pair<int, int64_t>> expectations;
  for (const std::string& e : o.expect) {
    const size_t eq = e.find('=');
    const int code = eq == std::string::npos ? -1 : CodeOf(e.substr(0, eq));
    if (code < 0) {
      std::cerr << "reserve_load: --expect wants CODE=N with a gRPC code name, got " << e << "\n";
      return 2;
    }
    expectations.emplace_back(code, std::strtoll(e.c_str() + eq + 1, nullptr, 10));
  }

  std::vector<std::string> cells;
  {
    std::ifstream in(o.cells_file);
    if (!in) {
      std::cerr << "reserve_load: cannot read " << o.cells_file << "\n";
      return 2;
    }
    std::string line;
    while (std::getline(in, line)) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty()) cells.push_back(line);
    }
  }
  if (cells.empty()) {
    std::cerr << "reserve_load: no cells in " << o.cells_file << "\n";
    return 2;
  }
  if (o.request_prefix.empty()) {
    std::random_device rd;
    char buf[32];
    std::snprintf(buf, sizeof buf, "load-%08x", static_cast<unsigned>(rd()));
    o.request_prefix = buf;
  }
  const bool fixed = o.count > 0;
  const bool cycle = fixed || o.order == "cycle";

  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < o.channels; ++i) {
    channels.push_back(MakeChannel(o, i));
    // Connect before the clock starts.
    if (!channels.back()->WaitForConnected(std::chrono::system_clock::now() +
                                           std::chrono::seconds(10))) {
      std::cerr << "reserve_load: cannot connect to " << o.server << "\n";
      return 1;
    }
  }

  std::atomic<bool> go{false};
  std::atomic<int64_t> next{0};
  Clock::time_point measure_from;
  Clock::time_point stop;
  std::vector<ThreadResult> results(o.concurrency);
  std::vector<std::thread> threads;
  for (int t = 0; t < o.concurrency; ++t) {
    threads.emplace_back([&, t] {
      auto stub = v1::LedgerService::NewStub(channels[t % channels.size()]);
      std::mt19937_64 rng(0x5eed + static_cast<uint64_t>(t));
      std::uniform_int_distribution<size_t> pick(0, cells.size() - 1);
      ThreadResult& r = results[t];
      v1::ReserveUnitRequest req;
      req.set_hold_seconds(o.hold_seconds);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (int64_t seq = 0;; ++seq) {
        size_t cell = 0;
        if (fixed) {
          const int64_t i = next.fetch_add(1);
          if (i >= o.count) break;
          cell = static_cast<size_t>(i) % cells.size();
        } else if (cycle) {
          cell = static_cast<size_t>(next.fetch_add(1)) % cells.size();
        } else {
          cell = pick(rng);
        }
        const Clock::time_point before = Clock::now();
        if (!fixed && before >= stop) break;
        req.set_quota_cell(cells[cell]);
        req.set_request_id(o.request_prefix + "-" + std::to_string(t) + "-" + std::to_string(seq));
        grpc::ClientContext ctx;
        if (!o.token.empty()) ctx.AddMetadata("authorization", "Bearer " + o.token);
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::microseconds(static_cast<int64_t>(o.timeout_seconds * 1e6)));
        v1::Reservation resp;
        const grpc::Status st = stub->ReserveUnit(&ctx, req, &resp);
        const Clock::time_point after = Clock::now();
        if (!fixed && before < measure_from) continue;
        const double ms = std::chrono::duration<double, std::milli>(after - before).count();
        r.all_ms.push_back(ms);
        ++r.codes[st.error_code()];
        if (st.ok()) {
          r.ok_ms.push_back(ms);
        } else if (r.first_error.empty() &&
                   st.error_code() != grpc::StatusCode::FAILED_PRECONDITION) {
          r.first_error = std::string(CodeName(st.error_code())) + ": " + st.error_message();
        }
      }
    });
  }
  const double cpu_before = CpuSeconds();
  const Clock::time_point start = Clock::now();
  measure_from = start + std::chrono::microseconds(
                             static_cast<int64_t>(fixed ? 0 : o.warmup_seconds * 1e6));
  stop = measure_from + std::chrono::microseconds(static_cast<int64_t>(o.duration_seconds * 1e6));
  go.store(true, std::memory_order_release);
  for (std::thread& th : threads) th.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - measure_from).count();
  const double client_cpu = CpuSeconds() - cpu_before;

  std::vector<double> all;
  std::vector<double> ok;
  std::map<int, int64_t> codes;
  std::string first_error;
  for (ThreadResult& r : results) {
    all.insert(all.end(), r.all_ms.begin(), r.all_ms.end());
    ok.insert(ok.end(), r.ok_ms.begin(), r.ok_ms.end());
    for (const auto& [code, n] : r.codes) codes[code] += n;
    if (first_error.empty()) first_error = r.first_error;
  }
  std::sort(all.begin(), all.end());
  std::sort(ok.begin(), ok.end());

  if (fixed) {
    std::printf("reserve_load: server %s, %zu cells (in order), %lld requests released at once, "
                "concurrency %d, channels %d, %.2f s\n",
                o.server.c_str(), cells.size(), static_cast<long long>(o.count), o.concurrency,
                o.channels, seconds);
  } else {
    std::printf("reserve_load: server %s, %zu cells (%s), concurrency %d, channels %d, "
                "%.1f s measured after %.1f s warm-up\n",
                o.server.c_str(), cells.size(), cycle ? "in order" : "random", o.concurrency,
                o.channels, seconds, o.warmup_seconds);
  }
  std::printf("requests %zu", all.size());
  for (const auto& [code, n] : codes) std::printf("  %s %lld", CodeName(code), static_cast<long long>(n));
  std::printf("\n");
  std::printf("requests/s %.1f  ok/s %.1f\n", static_cast<double>(all.size()) / seconds,
              static_cast<double>(ok.size()) / seconds);
  std::printf("all requests: p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms\n",
              Percentile(all, 0.50), Percentile(all, 0.90), Percentile(all, 0.99),
              all.empty() ? 0.0 : all.back());
  std::printf("ok requests:  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms\n",
              Percentile(ok, 0.50), Percentile(ok, 0.90), Percentile(ok, 0.99),
              ok.empty() ? 0.0 : ok.back());
  if (!first_error.empty()) std::printf("first unexpected error: %s\n", first_error.c_str());
  std::printf("client CPU %.0f us per request (this process, warm-up included)\n",
              all.empty() ? 0.0 : client_cpu * 1e6 / static_cast<double>(all.size()));

  int rc = all.empty() ? 1 : 0;
  for (const auto& [code, want] : expectations) {
    const int64_t got = codes.count(code) != 0 ? codes[code] : 0;
    if (got != want) {
      std::printf("EXPECTATION FAILED: %s %lld, expected %lld\n", CodeName(code),
                  static_cast<long long>(got), static_cast<long long>(want));
      rc = 1;
    } else {
      std::printf("expectation met: %s %lld\n", CodeName(code), static_cast<long long>(got));
    }
  }
  return rc;
}
