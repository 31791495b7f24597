// A small gRPC load client for ShortlistCandidates and RecommendVacancies
// (end-to-end figures; docs/benchmarks.md). N threads, each with its own stub,
// share a few channels and issue ShortlistCandidates round-robin over a vacancy
// list (--method=shortlist, the default) or RecommendVacancies round-robin over
// a candidate list (--method=recommend --candidates FILE) for a bounded time;
// after a warm-up, every request's latency is recorded (steady_clock) and the
// totals, errors by code, QPS and p50/p90/p99/max are printed. Loopback use
// only: the token travels in plaintext.
//
// Extra modes used by bench/postgres_compare.sh:
//   --dump-results FILE   after the run, one line per vacancy (per candidate with
//                         --method=recommend): "name<TAB>median latency ms<TAB>requests<TAB>
//                         eligible_count (matches returned)<TAB>id,id,..." (top k, best first)
//   --dump-registered FILE  page through ListCandidates and write
//                         "id<TAB>create_time in microseconds" per candidate, then exit.

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
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <grpcpp/grpcpp.h>

#include "corridor/v1/candidate_service.grpc.pb.h"
#include "corridor/v1/match_service.grpc.pb.h"
#include "corridor/v1/vacancy_service.grpc.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace {

namespace v1 = corridor::v1;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string server = "127.0.0.1:50051";
  std::string token;
  std::string method = "shortlist";
  std::string vacancies_file;
  std::string candidates_file;
  int from_server = 0;
  int k = 50;
  int concurrency = 8;
  int channels = 2;
  double duration_seconds = 20;
  double warmup_seconds = 2;
  double timeout_seconds = 10;
  std::string dump_results;
  std::string dump_registered;
};

void Prepare(grpc::ClientContext& ctx, const Options& o) {
  if (!o.token.empty()) ctx.AddMetadata("authorization", "Bearer " + o.token);
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::microseconds(static_cast<int64_t>(o.timeout_seconds * 1e6)));
}

std::shared_ptr<grpc::Channel> MakeChannel(const Options& o, int index) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  // Distinct arguments keep channels from sharing one subchannel (one TCP connection).
  args.SetInt("corridor.bench.channel", index);
  return grpc::CreateCustomChannel(o.server, grpc::InsecureChannelCredentials(), args);
}

std::string Bare(const std::string& name) {
  const size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

int ListOpenVacancies(const Options& o, std::vector<std::string>& out) {
  auto stub = v1::VacancyService::NewStub(MakeChannel(o, 0));
  std::string token;
  while (static_cast<int>(out.size()) < o.from_server) {
    grpc::ClientContext ctx;
    Prepare(ctx, o);
    v1::ListVacanciesRequest req;
    req.set_page_size(1000);
    req.set_page_token(token);
    v1::ListVacanciesResponse resp;
    grpc::Status st = stub->ListVacancies(&ctx, req, &resp);
    if (!st.ok()) {
      std::cerr << "shortlist_load: ListVacancies: " << st.error_code() << " "
                << st.error_message() << "\n";
      return 1;
    }
    for (const v1::Vacancy& v : resp.vacancies()) {
      if (v.state() != v1::VACANCY_STATE_OPEN) continue;
      if (static_cast<int>(out.size()) < o.from_server) out.push_back(v.name());
    }
    token = resp.next_page_token();
    if (token.empty()) break;
  }
  return 0;
}

int DumpRegistered(const Options& o) {
  auto stub = v1::CandidateService::NewStub(MakeChannel(o, 0));
  std::ofstream out(o.dump_registered);
  if (!out) {
    std::cerr << "shortlist_load: cannot write " << o.dump_registered << "\n";
    return 1;
  }
  std::string token;
  int64_t rows = 0;
  do {
    grpc::ClientContext ctx;
    Prepare(ctx, o);
    v1::ListCandidatesRequest req;
    req.set_page_size(1000);
    req.set_page_token(token);
    v1::ListCandidatesResponse resp;
    grpc::Status st = stub->ListCandidates(&ctx, req, &resp);
    if (!st.ok()) {
      std::cerr << "shortlist_load: ListCandidates: " << st.error_code() << " "
                << st.error_message() << "\n";
      return 1;
    }
    for (const v1::Candidate& c : resp.candidates()) {
      const int64_t micros = c.create_time().seconds() * 1000000 + c.create_time().nanos() / 1000;
      out << Bare(c.name()) << '\t' << micros << '\n';
      ++rows;
    }
    token = resp.next_page_token();
  } while (!token.empty());
  std::cerr << "shortlist_load: wrote " << rows << " candidates to " << o.dump_registered << "\n";
  return out.good() ? 0 : 1;
}

// Reads one resource name per line ("v1" or "vacancies/v1"); false when unreadable.
bool ReadNames(const std::string& path, const std::string& collection,
               std::vector<std::string>& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    out.push_back(line.rfind(collection + "/", 0) == 0 ? line : collection + "/" + line);
  }
  return true;
}

// "id,id,..." of the matches' candidates (shortlist) or vacancies (recommend).
std::string MatchIds(const google::protobuf::RepeatedPtrField<v1::Match>& matches, bool vacancies) {
  std::string line;
  for (int i = 0; i < matches.size(); ++i) {
    if (i > 0) line += ',';
    line += Bare(vacancies ? matches.Get(i).vacancy() : matches.Get(i).candidate());
  }
  return line;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

struct ThreadResult {
  std::vector<double> latencies_ms;
  std::map<int, int64_t> errors;
  std::map<std::string, std::string> results;  // target -> eligible<TAB>ids
  std::map<std::string, std::vector<double>> per_target_ms;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (const char* t = std::getenv("CORRIDOR_TOKEN")) o.token = t;
  CLI::App app{"Load client for corridor.v1.MatchService/ShortlistCandidates and "
               "RecommendVacancies"};
  app.add_option("--server", o.server, "HOST:PORT of corridord (loopback)");
  app.add_option("--token", o.token, "bearer token (default $CORRIDOR_TOKEN)");
  app.add_option("--method", o.method,
                 "shortlist (ShortlistCandidates over vacancies) or recommend "
                 "(RecommendVacancies over candidates)")
      ->check(CLI::IsMember({"shortlist", "recommend"}));
  auto* candidates_opt =
      app.add_option("--candidates", o.candidates_file,
                     "with --method=recommend: file with one candidate name per line "
                     "(c1 or candidates/c1)");
  auto* file = app.add_option("--vacancies", o.vacancies_file,
                              "file with one vacancy name per line (v1 or vacancies/v1)");
  auto* srv = app.add_option("--vacancy-list-from-server", o.from_server,
                             "take the first N open vacancies from ListVacancies")
                  ->check(CLI::Range(1, 1000000));
  file->excludes(srv);
  candidates_opt->excludes(file);
  candidates_opt->excludes(srv);
  app.add_option("--k", o.k, "shortlist (or recommendation) size")->check(CLI::Range(1, 500));
  app.add_option("--concurrency", o.concurrency, "client threads")->check(CLI::Range(1, 1024));
  app.add_option("--channels", o.channels, "gRPC channels shared by the threads")
      ->check(CLI::Range(1, 64));
  app.add_option("--duration-seconds", o.duration_seconds, "measured time")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--warmup-seconds", o.warmup_seconds, "unmeasured time before")
      ->check(CLI::Range(0.0, 600.0));
  app.add_option("--timeout-seconds", o.timeout_seconds, "deadline of each call")
      ->check(CLI::Range(0.01, 600.0));
  app.add_option("--dump-results", o.dump_results,
                 "write name<TAB>median ms<TAB>requests<TAB>eligible<TAB>top ids per "
                 "vacancy (per candidate with --method=recommend)");
  app.add_option("--dump-registered", o.dump_registered,
                 "write id<TAB>create_time_micros of every candidate and exit");
  CLI11_PARSE(app, argc, argv);

  if (!o.dump_registered.empty()) return DumpRegistered(o);

  const bool recommend = o.method == "recommend";
  // The vacancies (shortlist) or candidates (recommend) cycled over.
  std::vector<std::string> targets;
  if (recommend) {
    if (o.candidates_file.empty()) {
      std::cerr << "shortlist_load: --method=recommend needs --candidates FILE\n";
      return 2;
    }
    if (!ReadNames(o.candidates_file, "candidates", targets)) {
      std::cerr << "shortlist_load: cannot read " << o.candidates_file << "\n";
      return 2;
    }
  } else if (!o.candidates_file.empty()) {
    std::cerr << "shortlist_load: --candidates needs --method=recommend\n";
    return 2;
  } else if (!o.vacancies_file.empty()) {
    if (!ReadNames(o.vacancies_file, "vacancies", targets)) {
      std::cerr << "shortlist_load: cannot read " << o.vacancies_file << "\n";
      return 2;
    }
  } else if (o.from_server > 0) {
    if (int rc = ListOpenVacancies(o, targets); rc != 0) return rc;
  } else {
    std::cerr << "shortlist_load: give --vacancies FILE or --vacancy-list-from-server N\n";
    return 2;
  }
  if (targets.empty()) {
    std::cerr << "shortlist_load: no " << (recommend ? "candidates" : "vacancies") << "\n";
    return 1;
  }
  const char* const rpc = recommend ? "RecommendVacancies" : "ShortlistCandidates";

  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < o.channels; ++i) channels.push_back(MakeChannel(o, i));

  const Clock::time_point start = Clock::now();
  const Clock::time_point measure_from =
      start + std::chrono::microseconds(static_cast<int64_t>(o.warmup_seconds * 1e6));
  const Clock::time_point stop =
      measure_from + std::chrono::microseconds(static_cast<int64_t>(o.duration_seconds * 1e6));
  std::atomic<uint64_t> next{0};
  std::vector<ThreadResult> results(o.concurrency);
  std::vector<std::thread> threads;
  const bool dump = !o.dump_results.empty();
  for (int t = 0; t < o.concurrency; ++t) {
    threads.emplace_back([&, t] {
      auto stub = v1::MatchService::NewStub(channels[t % channels.size()]);
      ThreadResult& r = results[t];
      for (;;) {
        const Clock::time_point before = Clock::now();
        if (before >= stop) break;
        const std::string& target = targets[next.fetch_add(1) % targets.size()];
        grpc::ClientContext ctx;
        Prepare(ctx, o);
        grpc::Status st;
        Clock::time_point after;
        std::string summary;  // eligible<TAB>ids, for --dump-results
        if (recommend) {
          v1::RecommendVacanciesRequest req;
          req.set_candidate(target);
          req.set_k(o.k);
          v1::RecommendVacanciesResponse resp;
          st = stub->RecommendVacancies(&ctx, req, &resp);
          after = Clock::now();
          if (dump && st.ok()) {
            summary = std::to_string(resp.matches_size()) + "\t" + MatchIds(resp.matches(), true);
          }
        } else {
          v1::ShortlistCandidatesRequest req;
          req.set_vacancy(target);
          req.set_k(o.k);
          v1::ShortlistCandidatesResponse resp;
          st = stub->ShortlistCandidates(&ctx, req, &resp);
          after = Clock::now();
          if (dump && st.ok()) {
            summary =
                std::to_string(resp.eligible_count()) + "\t" + MatchIds(resp.matches(), false);
          }
        }
        if (st.error_code() == grpc::StatusCode::UNIMPLEMENTED && before < measure_from) {
          std::cerr << "shortlist_load: " << rpc << " is UNIMPLEMENTED on this server\n";
        }
        if (before < measure_from) continue;
        if (!st.ok()) {
          ++r.errors[st.error_code()];
          continue;
        }
        r.latencies_ms.push_back(std::chrono::duration<double, std::milli>(after - before).count());
        if (dump) r.per_target_ms[target].push_back(r.latencies_ms.back());
        if (dump && r.results.find(target) == r.results.end()) {
          r.results.emplace(target, std::move(summary));
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  const double measured_s =
      std::chrono::duration<double>(std::min(Clock::now(), stop) - measure_from).count();

  std::vector<double> all;
  std::map<int, int64_t> errors;
  std::map<std::string, std::string> dumps;
  std::map<std::string, std::vector<double>> per_target;
  for (ThreadResult& r : results) {
    all.insert(all.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    for (const auto& [code, n] : r.errors) errors[code] += n;
    dumps.insert(r.results.begin(), r.results.end());
    for (auto& [v, ms] : r.per_target_ms) {
      per_target[v].insert(per_target[v].end(), ms.begin(), ms.end());
    }
  }
  std::sort(all.begin(), all.end());
  int64_t error_total = 0;
  for (const auto& [code, n] : errors) error_total += n;
  const int64_t requests = static_cast<int64_t>(all.size()) + error_total;

  std::printf("shortlist_load: %sserver %s, %zu %s, k=%d, concurrency %d, channels %d, "
              "%.1f s measured after %.1f s warm-up\n",
              recommend ? "RecommendVacancies, " : "", o.server.c_str(), targets.size(),
              recommend ? "candidates" : "vacancies", o.k, o.concurrency, o.channels, measured_s,
              o.warmup_seconds);
  std::printf("requests %lld  ok %zu  errors %lld", static_cast<long long>(requests), all.size(),
              static_cast<long long>(error_total));
  for (const auto& [code, n] : errors) std::printf("  [code %d: %lld]", code, static_cast<long long>(n));
  std::printf("\n");
  std::printf("qps %.1f  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms  mean %.3f ms\n",
              measured_s > 0 ? static_cast<double>(all.size()) / measured_s : 0.0,
              Percentile(all, 0.50), Percentile(all, 0.90), Percentile(all, 0.99),
              all.empty() ? 0.0 : all.back(),
              all.empty() ? 0.0 : [&] {
                double s = 0;
                for (double x : all) s += x;
                return s / static_cast<double>(all.size());
              }());

  if (dump) {
    std::ofstream out(o.dump_results);
    for (const std::string& v : targets) {
      auto it = dumps.find(v);
      if (it == dumps.end()) continue;
      std::vector<double>& ms = per_target[v];
      std::sort(ms.begin(), ms.end());
      out << Bare(v) << '\t' << Percentile(ms, 0.5) << '\t' << ms.size() << '\t' << it->second
          << '\n';
    }
    if (!out) {
      std::cerr << "shortlist_load: cannot write " << o.dump_results << "\n";
      return 1;
    }
  }
  return all.empty() ? 1 : 0;
}
