// Allocation rounds (issue #6, docs/allocation.md): one national round solved
// by every objective, on a nested quota tree and on a crossing one.
//
//   build/bench/allocation_bench                      (100k x 10k, 500 cells; minutes: CBC)
//   build/bench/allocation_bench --no_cbc             (flow and baselines only)
//   build/bench/allocation_bench --small              (1.5k x 150: seconds, for CI)
//   ALLOCATION_BENCH_SMALL=1 build/bench/allocation_bench   (the same)
//   build/bench/allocation_bench --candidates=20000 --vacancies=2000 --cbc_seconds=60
//   build/bench/allocation_bench --benchmark_filter=Nested
//   build/bench/allocation_bench --lagrangian_seconds=28   (the crossing round's time limit)
//
// The round. Candidates from 12 origins (shares like real registers), each
// with one ISCO-08 unit group drawn Zipf-skewed (s = 1.05) from 83 groups of
// the demo corridors, a quality in 0..1 and a registration time in a 90-day
// window. Vacancies in 5 destinations (shares 30/25/20/15/10 %), occupation
// Zipf-skewed with a flatter exponent (0.8: demand is spread wider than
// supply), 1-20 positions (most small: 1 + 19 u^3). A candidate is eligible
// for vacancies in its ISCO sub-major group (2 digits), or its major group
// when that gives fewer than K; the score is 0..100 in steps of 0.5 (so
// ties are common): 55 % occupation match (same unit group 1, same minor
// group 0.7, same sub-major 0.45, same major 0.25), 25 % quality, 10 %
// language (native language spoken at the destination 1, English 0.5, else
// 0.2), 10 % a per-pair draw. Each candidate keeps its best K = 25 edges, as
// the shortlist index would give them.
//
// Nested quota tree (vacancy-nested: docs/allocation.md): destination ->
// sector (ISCO major group) -> occupation leaf, plus a reserve cell per
// sector that every third leaf names as its overflow cell; 5 x (1 + 8 + 8 +
// 83) = 500 cells. Caps: leaf 35-100 % of its positions, reserve 10 % of the
// sector's, sector 80 % of its children's caps, destination 85 % of its
// sectors'. So leaves, sectors and destinations all bind somewhere.
//
// Crossing quota tree: destination -> sector -> (origin, destination,
// sector) leaf, plus the reserve cell per sector that every third origin's
// leaves overflow to (565 cells). An edge draws from the leaf of its
// candidate's origin and its vacancy's sector, so a vacancy's edges name
// several leaves and a candidate's too: no flow network holds it. Welfare
// runs twice there: as Solve picks (CrossingMethod::kAuto: the Lagrangian
// method above kLagrangianMinEdges edges) and by CBC (kMip) under
// --cbc_seconds per stage. Leaf caps: the origin's share of the
// sector's positions times 0.6-1.6; sector 85 % of its positions,
// destination 85 % of its sectors.
//
// The lottery rows are first come first served on DrawLots(instance,
// "allocation-bench"), the draw timed with the solve; registration times here
// are drawn independently of everything else, so the click day is itself a
// lottery and the two rows differ only by chance.
//
// Counters per run: seconds (wall, Solve including ValidateInstance),
// rss_before_mb and solve_peak_rss_mb (VmHWM after resetting it through
// /proc/self/clear_refs just before Solve: the instance plus the solver's
// peak), process_peak_rss_mb (getrusage), placements, total_score,
// lp_bound_score and lp_gap (welfare only: the LP bound of the score at that
// number of placements, and 1 - score / bound), placements_bound, optimal,
// method (solver.h's Method as a number), cap_violations (recounted here
// from the assignments). CBC's time limit bounds its branch and bound only:
// building the program and the LP relaxations come on top. A summary table at
// the end gives each method against the welfare result (uplift in
// placements and score) and CBC against the flow.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "bench/zipf.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "matcher/allocation/instance.h"
#include "matcher/allocation/solver.h"

namespace corridor::matcher::allocation {
namespace {

struct Scale {
  int candidates = 100000;
  int vacancies = 10000;
  int edges_per_candidate = 25;
  double cbc_seconds = 60;  // per CBC stage
  double lagrangian_seconds = SolveOptions().lagrangian_time_limit_seconds;
  bool cbc = true;
};
Scale g_scale;

using corridor::bench::Zipf;

// Picks an index by weight.
int Pick(const std::vector<double>& weights, std::mt19937_64& rng) {
  return std::discrete_distribution<int>(weights.begin(), weights.end())(rng);
}

// An origin or destination: its country, main language and share of the
// round's candidates or vacancies.
struct Country {
  const char* country;
  const char* language;
  double share;
};
const Country kOrigins[] = {
    {"CO", "es", 0.16}, {"MA", "ar", 0.14}, {"EC", "es", 0.08}, {"GH", "en", 0.07},
    {"NG", "en", 0.09}, {"SN", "fr", 0.06}, {"PL", "pl", 0.08}, {"IN", "hi", 0.12},
    {"MU", "en", 0.02}, {"MX", "es", 0.10}, {"GT", "es", 0.05}, {"CV", "pt", 0.03},
};
constexpr int kNumOrigins = sizeof(kOrigins) / sizeof(kOrigins[0]);

const Country kDestinations[] = {
    {"ES", "es", 0.30}, {"DE", "de", 0.25}, {"IT", "it", 0.20}, {"NL", "nl", 0.15},
    {"PT", "pt", 0.10},
};
constexpr int kNumDestinations = sizeof(kDestinations) / sizeof(kDestinations[0]);

// ISCO-08 unit groups (all in ESCO's ISCOGroups_en.csv), most frequent on
// migrants' registers first: the Zipf rank.
const char* const kIsco[] = {
    "9211", "6111", "9212", "5120", "6121", "9213", "5131", "7112", "2221", "3221", "8322",
    "9329", "6112", "5322", "7126", "9112", "2512", "7231", "8332", "5141", "9111", "9313",
    "9312", "7115", "7411", "7212", "7114", "9333", "9412", "9621", "5321", "5223", "5162",
    "5311", "8343", "8341", "8344", "8160", "7512", "7513", "6113", "6122", "6210", "7122",
    "7131", "7233", "7213", "7121", "7119", "7111", "8211", "8212", "8121", "8141", "8111",
    "5111", "5151", "5153", "5244", "5414", "4321", "4110", "4311", "4221", "4224", "3222",
    "3258", "3256", "2211", "2222", "2264", "2511", "2513", "2142", "2144", "3113", "3115",
    "3155", "7543", "7531", "7522", "6130", "8331",
};
constexpr int kNumOccupations = sizeof(kIsco) / sizeof(kIsco[0]);
// Sectors: ISCO major groups 2..9 (the list has no 0 or 1).
constexpr int kFirstMajor = 2;
constexpr int kNumSectors = 8;
int SectorOf(int occupation) { return kIsco[occupation][0] - '0' - kFirstMajor; }

// How close two unit groups are: the longest shared prefix of their codes.
double Relatedness(int a, int b) {
  if (a == b) return 1.0;
  if (std::strncmp(kIsco[a], kIsco[b], 3) == 0) return 0.7;
  if (std::strncmp(kIsco[a], kIsco[b], 2) == 0) return 0.45;
  if (kIsco[a][0] == kIsco[b][0]) return 0.25;
  return 0;
}

double Language(int origin, int destination) {
  const char* spoken = kOrigins[origin].language;
  if (std::strcmp(spoken, kDestinations[destination].language) == 0) return 1.0;
  if (std::strcmp(spoken, "en") == 0) return 0.5;
  return 0.2;
}

// A deterministic uniform draw in [0, 1) for a (candidate, vacancy) pair.
double PairNoise(uint64_t c, uint64_t v) {
  uint64_t z = c * 0x9E3779B97F4A7C15ULL + v + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

// The round before any quota tree: who, where, and the edges (leaf unset).
struct Round {
  Instance instance;  // cells empty, edges' leaves -1
  std::vector<int> candidate_origin, vacancy_destination, vacancy_occupation;
};

Round MakeRound(const Scale& scale) {
  std::mt19937_64 rng(20240606);
  Round round;
  Instance& in = round.instance;
  std::vector<double> origin_shares, destination_shares;
  for (const Country& o : kOrigins) origin_shares.push_back(o.share);
  for (const Country& d : kDestinations) destination_shares.push_back(d.share);
  const Zipf supply(kNumOccupations, 1.05), demand(kNumOccupations, 0.8);
  std::uniform_real_distribution<double> unit(0, 1);

  std::vector<int> candidate_occupation(scale.candidates);
  std::vector<double> quality(scale.candidates);
  constexpr int64_t kWindowMicros = 90LL * 24 * 3600 * 1000000;
  for (int c = 0; c < scale.candidates; ++c) {
    round.candidate_origin.push_back(Pick(origin_shares, rng));
    candidate_occupation[c] = supply(rng);
    quality[c] = std::pow(unit(rng), 0.7);
    in.candidates.push_back(
        {absl::StrCat("c", c), 1700000000000000LL + static_cast<int64_t>(unit(rng) * kWindowMicros)});
  }
  std::vector<std::vector<int>> vacancies_of(kNumOccupations);
  for (int v = 0; v < scale.vacancies; ++v) {
    round.vacancy_destination.push_back(Pick(destination_shares, rng));
    round.vacancy_occupation.push_back(demand(rng));
    vacancies_of[round.vacancy_occupation[v]].push_back(v);
    const double u = unit(rng);
    in.vacancies.push_back({absl::StrCat("v", v), 1 + static_cast<int64_t>(19 * u * u * u)});
  }

  // Each candidate's best K among the vacancies of its sub-major group, or
  // of its major group when the sub-major one has fewer than K.
  struct Scored {
    double score;
    int vacancy;
  };
  std::vector<Scored> scored;
  for (int c = 0; c < scale.candidates; ++c) {
    const int occupation = candidate_occupation[c];
    scored.clear();
    for (int wide = 0; wide < 2; ++wide) {
      scored.clear();
      for (int o = 0; o < kNumOccupations; ++o) {
        const double related = Relatedness(occupation, o);
        if (related < (wide == 0 ? 0.45 : 0.25)) continue;
        for (int v : vacancies_of[o]) {
          const double raw = 0.55 * related + 0.25 * quality[c] +
                             0.10 * Language(round.candidate_origin[c],
                                             round.vacancy_destination[v]) +
                             0.10 * PairNoise(c, v);
          scored.push_back({std::round(raw * 200) / 2, v});
        }
      }
      if (static_cast<int>(scored.size()) >= scale.edges_per_candidate) break;
    }
    const size_t keep = std::min<size_t>(scored.size(), scale.edges_per_candidate);
    std::partial_sort(scored.begin(), scored.begin() + keep, scored.end(),
                      [](const Scored& a, const Scored& b) {
                        return a.score != b.score ? a.score > b.score : a.vacancy < b.vacancy;
                      });
    for (size_t k = 0; k < keep; ++k) {
      in.edges.push_back({c, scored[k].vacancy, scored[k].score, -1});
    }
  }
  return round;
}

// Positions per (destination, occupation) and per (destination, sector).
struct Demand {
  std::vector<int64_t> by_occupation;  // [d * kNumOccupations + o]
  std::vector<int64_t> by_sector;      // [d * kNumSectors + s]
};

Demand CountDemand(const Round& round) {
  Demand demand;
  demand.by_occupation.assign(kNumDestinations * kNumOccupations, 0);
  demand.by_sector.assign(kNumDestinations * kNumSectors, 0);
  for (size_t v = 0; v < round.instance.vacancies.size(); ++v) {
    const int d = round.vacancy_destination[v];
    const int o = round.vacancy_occupation[v];
    demand.by_occupation[d * kNumOccupations + o] += round.instance.vacancies[v].positions;
    demand.by_sector[d * kNumSectors + SectorOf(o)] += round.instance.vacancies[v].positions;
  }
  return demand;
}

int32_t AddCell(Instance* in, std::string id, int64_t cap, int32_t parent) {
  in->cells.push_back({std::move(id), cap, parent, -1});
  return static_cast<int32_t>(in->cells.size() - 1);
}

// Sets a parent's cap to `fraction` of its children's caps.
void CapFromChildren(Instance* in, int32_t parent, double fraction) {
  int64_t sum = 0;
  for (const Cell& cell : in->cells) {
    if (cell.parent == parent) sum += std::max<int64_t>(cell.cap_remaining, 0);
  }
  in->cells[parent].cap_remaining = std::llround(fraction * static_cast<double>(sum));
}

// Destination -> sector -> occupation leaf, with a reserve per sector.
Instance Nested(const Round& round) {
  Instance in = round.instance;
  const Demand demand = CountDemand(round);
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> leaf_share(0.35, 1.0);
  std::vector<int32_t> leaf(kNumDestinations * kNumOccupations);
  for (int d = 0; d < kNumDestinations; ++d) {
    const int32_t root = AddCell(&in, kDestinations[d].country, 0, -1);
    std::vector<int32_t> sector(kNumSectors), reserve(kNumSectors);
    for (int s = 0; s < kNumSectors; ++s) {
      const std::string name = absl::StrCat(kDestinations[d].country, "/isco", s + kFirstMajor);
      sector[s] = AddCell(&in, name, 0, root);
      reserve[s] = AddCell(
          &in, name + "/reserve",
          std::llround(0.1 * static_cast<double>(demand.by_sector[d * kNumSectors + s])),
          sector[s]);
    }
    for (int o = 0; o < kNumOccupations; ++o) {
      const int64_t positions = demand.by_occupation[d * kNumOccupations + o];
      const int32_t q = AddCell(
          &in, absl::StrCat(kDestinations[d].country, "/isco", kIsco[o]),
          std::llround(leaf_share(rng) * static_cast<double>(positions)), sector[SectorOf(o)]);
      if (o % 3 == 0) in.cells[q].overflow = reserve[SectorOf(o)];
      leaf[d * kNumOccupations + o] = q;
    }
    for (int s = 0; s < kNumSectors; ++s) CapFromChildren(&in, sector[s], 0.8);
    CapFromChildren(&in, root, 0.85);
  }
  for (Edge& e : in.edges) {
    e.leaf = leaf[round.vacancy_destination[e.vacancy] * kNumOccupations +
                  round.vacancy_occupation[e.vacancy]];
  }
  return in;
}

// Destination -> sector -> (origin, destination, sector) leaf, with a
// reserve per sector.
Instance Crossing(const Round& round) {
  Instance in = round.instance;
  const Demand demand = CountDemand(round);
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> spread(0.6, 1.6);
  std::vector<int32_t> leaf(kNumOrigins * kNumDestinations * kNumSectors);
  for (int d = 0; d < kNumDestinations; ++d) {
    const int32_t root = AddCell(&in, kDestinations[d].country, 0, -1);
    for (int s = 0; s < kNumSectors; ++s) {
      const std::string name = absl::StrCat(kDestinations[d].country, "/isco", s + kFirstMajor);
      const double positions = static_cast<double>(demand.by_sector[d * kNumSectors + s]);
      const int32_t sector = AddCell(&in, name, std::llround(0.85 * positions), root);
      const int32_t reserve = AddCell(&in, name + "/reserve", std::llround(0.1 * positions), sector);
      for (int o = 0; o < kNumOrigins; ++o) {
        const int32_t q =
            AddCell(&in, absl::StrCat(name, "/from-", kOrigins[o].country),
                    std::llround(kOrigins[o].share * positions * spread(rng)), sector);
        if (o % 3 == 0) in.cells[q].overflow = reserve;
        leaf[(o * kNumDestinations + d) * kNumSectors + s] = q;
      }
    }
    CapFromChildren(&in, root, 0.85);
  }
  for (Edge& e : in.edges) {
    e.leaf = leaf[(round.candidate_origin[e.candidate] * kNumDestinations +
                   round.vacancy_destination[e.vacancy]) *
                      kNumSectors +
                  SectorOf(round.vacancy_occupation[e.vacancy])];
  }
  return in;
}

// ---------------------------------------------------------------------------
// Memory

double MaxRssMb() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// VmRSS or VmHWM of this process, MB; 0 when /proc is not there.
double ProcStatusMb(const char* key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key, 0) == 0) return std::atof(line.c_str() + std::strlen(key)) / 1024.0;
  }
  return 0;
}

// Resets VmHWM to the current RSS (Linux >= 4.0), so it then gives the peak
// of what follows.
void ResetPeakRss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
}

// ---------------------------------------------------------------------------
// Runs

enum class Kind { kNested, kCrossing };

// One instance at a time: the crossing one replaces the nested one.
const Instance& GetInstance(Kind kind) {
  static std::unique_ptr<Round> round;
  static std::unique_ptr<Instance> instance;
  static Kind held = Kind::kNested;
  if (instance != nullptr && held == kind) return *instance;
  instance.reset();
  const auto start = std::chrono::steady_clock::now();
  if (round == nullptr) round = std::make_unique<Round>(MakeRound(g_scale));
  instance = std::make_unique<Instance>(kind == Kind::kNested ? Nested(*round) : Crossing(*round));
  held = kind;
  std::fprintf(stderr, "%s instance: %zu candidates, %zu vacancies, %zu cells, %zu edges (%.1f s)\n",
               kind == Kind::kNested ? "nested" : "crossing", instance->candidates.size(),
               instance->vacancies.size(), instance->cells.size(), instance->edges.size(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return *instance;
}

// Cells whose use by `result` exceeds max(cap, 0), recounted from the
// assignments (not from result.cell_use).
int64_t CapViolations(const Instance& in, const Result& result) {
  std::vector<int64_t> use(in.cells.size(), 0);
  for (const Assignment& a : result.assignments) {
    const Edge& e = in.edges[a.edge];
    int32_t q = e.leaf;
    if (q >= 0 && a.route == Route::kOverflow) q = in.cells[q].overflow;
    for (; q != -1; q = in.cells[q].parent) ++use[q];
  }
  int64_t violations = 0;
  for (size_t q = 0; q < in.cells.size(); ++q) {
    if (use[q] > std::max<int64_t>(in.cells[q].cap_remaining, 0)) ++violations;
  }
  return violations;
}

struct Row {
  std::string name;
  double seconds = 0;
  double peak_mb = 0;
  Result result;
};
std::map<std::string, std::vector<Row>>& Rows() {
  static std::map<std::string, std::vector<Row>> rows;
  return rows;
}

// The lottery rows draw with this seed (DrawLots; the draw is timed too).
constexpr char kLotterySeed[] = "allocation-bench";

void RunSolve(benchmark::State& state, Kind kind, Objective objective, bool force_mip,
              CrossingMethod crossing, bool lottery, const char* name) {
  const Instance& in = GetInstance(kind);
  SolveOptions options;
  options.objective = objective;
  options.force_mip = force_mip;
  options.crossing_method = crossing;
  options.mip_time_limit_seconds = g_scale.cbc_seconds;
  options.lagrangian_time_limit_seconds = g_scale.lagrangian_seconds;
  Row row;
  row.name = name;
  const double before_mb = ProcStatusMb("VmRSS:");
  for (auto _ : state) {
    ResetPeakRss();
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<Result> r = lottery ? Solve(DrawLots(in, kLotterySeed), options)
                                       : Solve(in, options);
    row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    row.result = *std::move(r);
  }
  row.peak_mb = ProcStatusMb("VmHWM:");
  const Result& result = row.result;
  state.counters["seconds"] = row.seconds;
  state.counters["rss_before_mb"] = before_mb;
  state.counters["solve_peak_rss_mb"] = row.peak_mb;
  state.counters["process_peak_rss_mb"] = MaxRssMb();
  state.counters["placements"] = static_cast<double>(result.placements);
  state.counters["total_score"] = result.total_score;
  state.counters["cap_violations"] = static_cast<double>(CapViolations(in, result));
  if (objective == Objective::kMaxWelfare) {
    state.counters["placements_bound"] = result.placements_bound;
    state.counters["lp_bound_score"] = result.score_bound_micros / 1e6;
    state.counters["lp_gap"] =
        result.score_bound_micros > 0
            ? 1 - static_cast<double>(result.total_score_micros) / result.score_bound_micros
            : 0;
    state.counters["optimal"] = result.optimal ? 1 : 0;
    state.counters["method"] = static_cast<double>(result.method);
  }
  Rows()[kind == Kind::kNested ? "nested" : "crossing"].push_back(std::move(row));
}

void Validate(benchmark::State& state) {
  const Instance& in = GetInstance(Kind::kNested);
  for (auto _ : state) {
    const absl::Status s = ValidateInstance(in);
    if (!s.ok()) state.SkipWithError(std::string(s.message()).c_str());
  }
}

// The table at the end: every method against the first row (welfare).
void PrintSummary() {
  for (const auto& [instance, rows] : Rows()) {
    if (rows.empty()) continue;
    const Row& welfare = rows.front();
    std::printf("\n%s round: method | seconds | solve peak RSS MB | placements | total score | "
                "vs %s (placements, score)\n",
                instance.c_str(), welfare.name.c_str());
    for (const Row& row : rows) {
      const double dp = static_cast<double>(row.result.placements - welfare.result.placements);
      const double ds = row.result.total_score - welfare.result.total_score;
      std::printf("  %-22s | %8.2f | %6.0f | %7lld | %13.1f | %+lld (%+.2f %%), %+.1f (%+.2f %%)\n",
                  row.name.c_str(), row.seconds, row.peak_mb,
                  static_cast<long long>(row.result.placements), row.result.total_score,
                  static_cast<long long>(dp),
                  welfare.result.placements > 0
                      ? 100 * dp / static_cast<double>(welfare.result.placements)
                      : 0,
                  ds, welfare.result.total_score > 0 ? 100 * ds / welfare.result.total_score : 0);
    }
    for (const Row& row : rows) {
      if (&row == &welfare) continue;
      const double dp = static_cast<double>(welfare.result.placements - row.result.placements);
      const double ds = welfare.result.total_score - row.result.total_score;
      if (row.name.find("cbc") != std::string::npos) {
        std::printf("  %s: %.2f s against %.2f s (ratio %.1f), %s objective\n", row.name.c_str(),
                    row.seconds, welfare.seconds, row.seconds / welfare.seconds,
                    row.result.placements == welfare.result.placements &&
                            row.result.total_score_micros == welfare.result.total_score_micros
                        ? "equal"
                        : "a different");
      }
      std::printf("  uplift of %s over %s: %+lld placements (%+.2f %%), score %+.1f (%+.2f %%)\n",
                  welfare.name.c_str(), row.name.c_str(), static_cast<long long>(dp),
                  row.result.placements > 0
                      ? 100 * dp / static_cast<double>(row.result.placements)
                      : 0,
                  ds, row.result.total_score > 0 ? 100 * ds / row.result.total_score : 0);
    }
  }
}

void Register() {
  const auto add = [](const char* name, Kind kind, Objective objective, bool force_mip,
                      CrossingMethod crossing = CrossingMethod::kAuto, bool lottery = false) {
    benchmark::RegisterBenchmark(name,
                                 [=](benchmark::State& state) {
                                   RunSolve(state, kind, objective, force_mip, crossing, lottery,
                                            name);
                                 })
        ->Iterations(1)
        ->Unit(benchmark::kSecond)
        ->UseRealTime();
  };
  benchmark::RegisterBenchmark("BM_Nested/validate", Validate)
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  add("BM_Nested/welfare_flow", Kind::kNested, Objective::kMaxWelfare, false);
  add("BM_Nested/greedy", Kind::kNested, Objective::kGreedy, false);
  add("BM_Nested/fcfs", Kind::kNested, Objective::kFirstComeFirstServed, false);
  add("BM_Nested/lottery", Kind::kNested, Objective::kFirstComeFirstServed, false,
      CrossingMethod::kAuto, true);
  add("BM_Nested/stable", Kind::kNested, Objective::kStable, false);
  if (g_scale.cbc) add("BM_Nested/welfare_cbc_forced", Kind::kNested, Objective::kMaxWelfare, true);
  add("BM_Crossing/welfare", Kind::kCrossing, Objective::kMaxWelfare, false);
  if (g_scale.cbc) {
    add("BM_Crossing/welfare_cbc", Kind::kCrossing, Objective::kMaxWelfare, false,
        CrossingMethod::kMip);
  }
  add("BM_Crossing/greedy", Kind::kCrossing, Objective::kGreedy, false);
  add("BM_Crossing/fcfs", Kind::kCrossing, Objective::kFirstComeFirstServed, false);
  add("BM_Crossing/lottery", Kind::kCrossing, Objective::kFirstComeFirstServed, false,
      CrossingMethod::kAuto, true);
  add("BM_Crossing/stable", Kind::kCrossing, Objective::kStable, false);
}

}  // namespace
}  // namespace corridor::matcher::allocation

int main(int argc, char** argv) {
  using corridor::matcher::allocation::g_scale;
  const auto small = [] {
    g_scale.candidates = 1500;
    g_scale.vacancies = 150;
    g_scale.cbc_seconds = 1;
  };
  if (const char* env = std::getenv("ALLOCATION_BENCH_SMALL"); env != nullptr && *env != '\0') {
    small();
  }
  // Our flags, removed before Google Benchmark parses the rest.
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--small") == 0) {
      small();
    } else if (std::strncmp(argv[i], "--candidates=", 13) == 0) {
      g_scale.candidates = std::atoi(argv[i] + 13);
    } else if (std::strncmp(argv[i], "--vacancies=", 12) == 0) {
      g_scale.vacancies = std::atoi(argv[i] + 12);
    } else if (std::strncmp(argv[i], "--cbc_seconds=", 14) == 0) {
      g_scale.cbc_seconds = std::atof(argv[i] + 14);
    } else if (std::strncmp(argv[i], "--lagrangian_seconds=", 21) == 0) {
      g_scale.lagrangian_seconds = std::atof(argv[i] + 21);
    } else if (std::strcmp(argv[i], "--no_cbc") == 0) {
      g_scale.cbc = false;
    } else {
      rest.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 1;
  corridor::matcher::allocation::Register();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  corridor::matcher::allocation::PrintSummary();
  return 0;
}
