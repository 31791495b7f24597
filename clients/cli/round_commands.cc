#include "clients/cli/round_commands.h"

#include <map>
#include <memory>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/cli/application_commands.h"
#include "clients/cli/proto_json.h"
#include "clients/cli/resources.h"
#include "corridor/v1/allocation_service.grpc.pb.h"

namespace corridor::cli {
namespace {

int UsageError(const Io& io, const std::string& message) {
  ReportError(io, absl::InvalidArgumentError(message));
  return kExitUsage;
}

// "2027-01-01" -> Date; the server checks the calendar and names the field.
bool ParseDate(const std::string& text, v1::Date& out) {
  int y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      !absl::SimpleAtoi(text.substr(0, 4), &y) || !absl::SimpleAtoi(text.substr(5, 2), &m) ||
      !absl::SimpleAtoi(text.substr(8, 2), &d)) {
    return false;
  }
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return true;
}

std::string Score(double s) { return absl::StrFormat("%.2f", s); }

std::string Signed(double v, const char* format) {
  return (v > 0 ? "+" : "") + absl::StrFormat(format, v);
}

const char* ObjectiveLabel(v1::AllocationObjective o) {
  switch (o) {
    case v1::ALLOCATION_OBJECTIVE_MAX_WELFARE:
      return "max welfare";
    case v1::ALLOCATION_OBJECTIVE_STABLE:
      return "stable";
    case v1::ALLOCATION_OBJECTIVE_FIRST_COME_FIRST_SERVED:
      return "first come first served";
    case v1::ALLOCATION_OBJECTIVE_GREEDY:
      return "greedy";
    case v1::ALLOCATION_OBJECTIVE_LOTTERY:
      return "lottery";
    default:
      return "-";
  }
}

int Print(const Io& io, const v1::AllocationRound& r, int rows) {
  if (io.format == OutputFormat::kJson) {
    *io.out << MessageToPrettyJson(r) << '\n';
    return kExitOk;
  }
  std::ostream& out = *io.out;
  out << r.name() << "  " << EnumLabel(v1::AllocationRoundState_descriptor(), r.state())
      << (r.what_if() ? "  (what-if)" : "") << "\n  agreement " << r.agreement() << ", period "
      << RangeLabel(r.period()) << ", " << r.candidates_considered() << " candidates, "
      << r.edges_considered() << " eligible pairs (best " << r.edges_per_candidate()
      << " per candidate"
      << (r.edges_dropped() > 0 ? absl::StrCat(", ", r.edges_dropped(), " more left out") : "")
      << ")\n";
  std::string how = r.method();
  if (r.objective() == v1::ALLOCATION_OBJECTIVE_MAX_WELFARE) {
    how += r.optimal() ? ", proven optimal" : absl::StrFormat(", gap to LP bound %.4f%%", 100 * r.lp_gap());
  }
  if (r.objective() == v1::ALLOCATION_OBJECTIVE_STABLE) {
    how += r.stable_guaranteed() ? ", no blocking pair"
                                 : absl::StrCat(", ", r.blocking_pairs(), " blocking pairs");
  }
  out << "\nObjective beside the baselines on the same candidates, vacancies and cells:\n";
  Table totals({"OBJECTIVE", "PLACEMENTS", "TOTAL SCORE", "MEAN SCORE", "THIS ROUND'S GAIN", "METHOD"});
  auto mean = [](int64_t n, double total) { return n == 0 ? std::string("-") : Score(total / n); };
  totals.AddRow({ObjectiveLabel(r.objective()), absl::StrCat(r.placements()), Score(r.total_score()),
                 mean(r.placements(), r.total_score()), "-", how});
  for (const v1::AllocationBaseline& b : r.baselines()) {
    totals.AddRow({ObjectiveLabel(b.objective()), absl::StrCat(b.placements()),
                   Score(b.total_score()), mean(b.placements(), b.total_score()),
                   absl::StrCat(Signed(static_cast<double>(r.placements() - b.placements()), "%.0f"),
                                " placed, ", Signed(r.total_score() - b.total_score(), "%.2f"),
                                " score"),
                   ""});
  }
  totals.Print(out);
  if (!r.lottery_seed().empty()) {
    out << "  (the lottery: SHA-256 of seed \"" << r.lottery_seed()
        << "\", a zero byte and each candidate id, lowest first)\n";
  }

  auto limited = [rows](int n) { return rows <= 0 ? n : std::min(n, rows); };
  out << "\nAssignments (" << r.assignments_size() << "):\n";
  Table assignments({"CANDIDATE", "VACANCY", "SCORE", "QUOTA CELL"});
  for (int i = 0; i < limited(r.assignments_size()); ++i) {
    const v1::Assignment& a = r.assignments(i);
    assignments.AddRow({a.candidate(), a.vacancy(), Score(a.score()),
                        a.quota_cell().empty() ? "-" : a.quota_cell()});
  }
  assignments.Print(out);
  if (limited(r.assignments_size()) < r.assignments_size()) {
    out << "  ... " << r.assignments_size() - limited(r.assignments_size()) << " more\n";
  }

  out << "\nNot placed (" << r.unplaced_size() << "), and why:\n";
  Table unplaced({"CANDIDATE", "REASON", "DETAIL"});
  for (int i = 0; i < limited(r.unplaced_size()); ++i) {
    const v1::UnplacedCandidate& u = r.unplaced(i);
    std::string detail = "-";
    if (!u.quota_cell().empty()) detail = "cell " + u.quota_cell() + " is at its cap";
    if (!u.vacancy().empty()) {
      detail = absl::StrCat("needed a score above ", Score(u.cutoff_score()), " at ", u.vacancy());
    }
    unplaced.AddRow({u.candidate(), u.reason_code(), detail});
  }
  unplaced.Print(out);
  if (limited(r.unplaced_size()) < r.unplaced_size()) {
    out << "  ... " << r.unplaced_size() - limited(r.unplaced_size()) << " more\n";
  }

  out << "\nCells: units used, and placements one more unit would add:\n";
  std::map<std::string, int64_t> used;
  for (const v1::AllocationFill& f : r.fills()) {
    if (f.dimension() == "quota_cell") used[f.key()] = f.placements();
  }
  Table cells({"QUOTA CELL", "PLACED", "+1 UNIT"});
  for (const v1::CellSensitivity& s : r.sensitivities()) {
    cells.AddRow({s.quota_cell(), absl::StrCat(used[s.quota_cell()]),
                  Signed(static_cast<double>(s.extra_placements()), "%.0f")});
  }
  cells.Print(out);

  out << "\nFills by origin and occupation (this round / baselines):\n";
  std::map<std::pair<std::string, std::string>, std::vector<int64_t>> fills;
  const int columns = 1 + r.baselines_size();
  auto add = [&](const v1::AllocationFill& f, int column) {
    if (f.dimension() == "quota_cell") return;
    auto& row = fills[{f.dimension(), f.key()}];
    row.resize(columns, 0);
    row[column] = f.placements();
  };
  for (const v1::AllocationFill& f : r.fills()) add(f, 0);
  for (int b = 0; b < r.baselines_size(); ++b) {
    for (const v1::AllocationFill& f : r.baselines(b).fills()) add(f, b + 1);
  }
  std::vector<std::string> header = {"DIMENSION", "KEY", "THIS ROUND"};
  for (const v1::AllocationBaseline& b : r.baselines()) header.push_back(ObjectiveLabel(b.objective()));
  Table fill_table(header);
  for (auto& [key, counts] : fills) {
    counts.resize(columns, 0);
    std::vector<std::string> row = {key.first, key.second};
    for (int64_t n : counts) row.push_back(absl::StrCat(n));
    fill_table.AddRow(row);
  }
  fill_table.Print(out);

  if (r.confirmations_size() > 0) {
    int confirmed = 0;
    for (const v1::AllocationConfirmation& c : r.confirmations()) confirmed += c.outcome() == "CONFIRMED";
    out << "\nConfirmed " << TimeLabel(r.confirm_time(), r.has_confirm_time()) << ": " << confirmed
        << " placed, " << r.confirmations_size() - confirmed << " skipped\n";
    Table outcomes({"CANDIDATE", "VACANCY", "OUTCOME", "APPLICATION / REASON"});
    for (const v1::AllocationConfirmation& c : r.confirmations()) {
      outcomes.AddRow({c.candidate(), c.vacancy(), c.outcome(),
                       c.application().empty() ? c.reason() : c.application()});
    }
    outcomes.Print(out);
  }
  return kExitOk;
}

template <class Request>
int Call(const Connection& c, const Io& io,
         grpc::Status (v1::AllocationService::Stub::*method)(grpc::ClientContext*, const Request&,
                                                             v1::AllocationRound*),
         const Request& request, int rows) {
  auto stub = v1::AllocationService::NewStub(c.channel());
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  v1::AllocationRound out;
  grpc::Status st = (stub.get()->*method)(&ctx, request, &out);
  if (!st.ok()) return ReportError(io, FromGrpc(st));
  return Print(io, out, rows);
}

}  // namespace

int RunCreateRound(const Connection& connection, const Io& io, const CreateRoundArgs& args) {
  v1::CreateAllocationRoundRequest req;
  v1::AllocationRound& r = *req.mutable_allocation_round();
  r.set_agreement(QualifiedName("agreements", args.agreement));
  if (!ParseDate(args.from, *r.mutable_period()->mutable_start())) {
    return UsageError(io, "--from: expected YYYY-MM-DD");
  }
  if (!ParseDate(args.to, *r.mutable_period()->mutable_end())) {
    return UsageError(io, "--to: expected YYYY-MM-DD");
  }
  static const std::map<std::string, v1::AllocationObjective> kObjectives = {
      {"welfare", v1::ALLOCATION_OBJECTIVE_MAX_WELFARE},
      {"stable", v1::ALLOCATION_OBJECTIVE_STABLE},
      {"fcfs", v1::ALLOCATION_OBJECTIVE_FIRST_COME_FIRST_SERVED},
      {"greedy", v1::ALLOCATION_OBJECTIVE_GREEDY},
      {"lottery", v1::ALLOCATION_OBJECTIVE_LOTTERY}};
  auto objective = kObjectives.find(args.objective);
  if (objective == kObjectives.end()) {
    return UsageError(io, "--objective: one of welfare, stable, fcfs, greedy, lottery");
  }
  r.set_objective(objective->second);
  r.set_lottery_seed(args.lottery_seed);
  for (const std::string& v : args.vacancies) r.add_vacancies(QualifiedName("vacancies", v));
  r.set_what_if(args.what_if);
  if (!args.caps.empty() && !args.what_if) return UsageError(io, "--cap: only with --what-if");
  for (const std::string& cap : args.caps) {
    const size_t eq = cap.rfind('=');
    int64_t n = 0;
    if (eq == std::string::npos || !absl::SimpleAtoi(cap.substr(eq + 1), &n)) {
      return UsageError(io, "--cap: expected CELL=N, got \"" + cap + "\"");
    }
    std::string cell = cap.substr(0, eq);
    if (cell.find('/') == std::string::npos) {
      cell = absl::StrCat(QualifiedName("agreements", args.agreement), "/quotaCells/", cell);
    }
    v1::CapOverride* o = r.add_cap_overrides();
    o->set_quota_cell(cell);
    o->set_cap(n);
  }
  r.set_edges_per_candidate(args.edges_per_candidate);
  req.set_request_id(args.request_id.empty() ? NewRequestId() : args.request_id);
  return Call(connection, io, &v1::AllocationService::Stub::CreateAllocationRound, req, args.rows);
}

int RunGetRound(const Connection& connection, const Io& io, const std::string& name, int rows) {
  v1::GetAllocationRoundRequest req;
  req.set_name(QualifiedName("allocationRounds", name));
  return Call(connection, io, &v1::AllocationService::Stub::GetAllocationRound, req, rows);
}

int RunConfirmRound(const Connection& connection, const Io& io, const ConfirmRoundArgs& args) {
  v1::ConfirmAllocationRoundRequest req;
  req.set_name(QualifiedName("allocationRounds", args.name));
  req.set_etag(args.etag);
  req.set_request_id(args.request_id.empty() ? NewRequestId() : args.request_id);
  return Call(connection, io, &v1::AllocationService::Stub::ConfirmAllocationRound, req, 0);
}

int RunCompareRounds(const Connection& connection, const Io& io, const std::string& first,
                     const std::string& second) {
  auto stub = v1::AllocationService::NewStub(connection.channel());
  v1::AllocationRound rounds[2];
  const std::string names[2] = {first, second};
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext ctx;
    connection.Prepare(&ctx);
    v1::GetAllocationRoundRequest req;
    req.set_name(QualifiedName("allocationRounds", names[i]));
    grpc::Status st = stub->GetAllocationRound(&ctx, req, &rounds[i]);
    if (!st.ok()) return ReportError(io, FromGrpc(st));
  }
  // (dimension, key) -> placements in each round; cells first, then origins, occupations.
  std::map<std::pair<int, std::string>, std::pair<int64_t, int64_t>> rows;
  auto order = [](const std::string& dimension) {
    return dimension == "quota_cell" ? 0 : dimension == "origin" ? 1 : 2;
  };
  std::map<int, std::string> dimension_of;
  for (int i = 0; i < 2; ++i) {
    for (const v1::AllocationFill& f : rounds[i].fills()) {
      dimension_of[order(f.dimension())] = f.dimension();
      auto& row = rows[{order(f.dimension()), f.key()}];
      (i == 0 ? row.first : row.second) = f.placements();
    }
  }
  if (io.format == OutputFormat::kJson) {
    v1::ListAllocationRoundsResponse both;
    *both.add_allocation_rounds() = rounds[0];
    *both.add_allocation_rounds() = rounds[1];
    *io.out << MessageToPrettyJson(both) << '\n';
    return kExitOk;
  }
  *io.out << "A = " << rounds[0].name() << " (" << ObjectiveLabel(rounds[0].objective())
          << (rounds[0].what_if() ? ", what-if" : "") << ")\nB = " << rounds[1].name() << " ("
          << ObjectiveLabel(rounds[1].objective()) << (rounds[1].what_if() ? ", what-if" : "")
          << ")\n";
  Table table({"DIMENSION", "KEY", "A", "B", "B - A"});
  table.AddRow({"total", "placements", absl::StrCat(rounds[0].placements()),
                absl::StrCat(rounds[1].placements()),
                Signed(static_cast<double>(rounds[1].placements() - rounds[0].placements()), "%.0f")});
  table.AddRow({"total", "score", Score(rounds[0].total_score()), Score(rounds[1].total_score()),
                Signed(rounds[1].total_score() - rounds[0].total_score(), "%.2f")});
  for (const auto& [key, counts] : rows) {
    table.AddRow({dimension_of[key.first], key.second, absl::StrCat(counts.first),
                  absl::StrCat(counts.second),
                  Signed(static_cast<double>(counts.second - counts.first), "%.0f")});
  }
  table.Print(*io.out);
  return kExitOk;
}

int RunListRounds(const Connection& connection, const Io& io, const std::string& filter) {
  auto stub = v1::AllocationService::NewStub(connection.channel());
  v1::ListAllocationRoundsRequest req;
  req.set_filter(filter);
  Table table({"NAME", "STATE", "OBJECTIVE", "AGREEMENT", "PLACEMENTS", "TOTAL SCORE", "CREATED"});
  v1::ListAllocationRoundsResponse all;
  do {
    grpc::ClientContext ctx;
    connection.Prepare(&ctx);
    v1::ListAllocationRoundsResponse page;
    grpc::Status st = stub->ListAllocationRounds(&ctx, req, &page);
    if (!st.ok()) return ReportError(io, FromGrpc(st));
    for (const v1::AllocationRound& r : page.allocation_rounds()) {
      *all.add_allocation_rounds() = r;
      table.AddRow({r.name(),
                    EnumLabel(v1::AllocationRoundState_descriptor(), r.state()) +
                        (r.what_if() ? " (what-if)" : ""),
                    ObjectiveLabel(r.objective()), r.agreement(), absl::StrCat(r.placements()),
                    Score(r.total_score()), TimeLabel(r.create_time(), r.has_create_time())});
    }
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  if (io.format == OutputFormat::kJson) {
    *io.out << MessageToPrettyJson(all) << '\n';
  } else {
    table.Print(*io.out);
  }
  return kExitOk;
}

}  // namespace corridor::cli
