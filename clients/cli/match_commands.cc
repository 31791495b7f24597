#include "clients/cli/match_commands.h"

#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/cli/proto_json.h"
#include "corridor/v1/candidate_service.grpc.pb.h"
#include "corridor/v1/match_service.grpc.pb.h"
#include "corridor/v1/vacancy_service.grpc.pb.h"

namespace corridor::cli {
namespace {

std::string Qualified(const std::string& name, absl::string_view collection) {
  if (absl::StartsWith(name, absl::StrCat(collection, "/"))) return name;
  return absl::StrCat(collection, "/", name);
}

void PrintComponents(const v1::Match& match, std::ostream& out, absl::string_view indent) {
  Table table({"component", "raw", "weight", "points", "why"});
  for (const v1::ScoreComponent& c : match.components()) {
    table.AddRow({c.component(), absl::StrFormat("%.2f", c.raw()),
                  absl::StrFormat("%.0f", c.weight()), absl::StrFormat("%.2f", c.contribution()),
                  c.detail()});
  }
  std::ostringstream text;
  table.Print(text);
  std::istringstream lines(text.str());
  for (std::string line; std::getline(lines, line);) out << indent << line << "\n";
}

void PrintFailures(const google::protobuf::RepeatedPtrField<v1::FailedRule>& rules,
                   std::ostream& out, absl::string_view indent) {
  for (const v1::FailedRule& r : rules) out << indent << r.code() << ": " << r.message() << "\n";
}

absl::StatusOr<v1::ShortlistCandidatesResponse> CallShortlist(const Connection& c,
                                                              const ShortlistArgs& args) {
  auto stub = v1::MatchService::NewStub(c.channel());
  v1::ShortlistCandidatesRequest req;
  req.set_vacancy(Qualified(args.vacancy, "vacancies"));
  req.set_k(args.k);
  req.set_filter(args.filter);
  req.set_flag_quota_exhausted(args.flag_quota_exhausted);
  v1::ShortlistCandidatesResponse resp;
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::Status st = stub->ShortlistCandidates(&ctx, req, &resp);
  if (!st.ok()) return FromGrpc(st);
  return resp;
}

absl::StatusOr<v1::ExplainMatchResponse> CallExplain(const Connection& c,
                                                     const std::string& candidate,
                                                     const std::string& vacancy) {
  auto stub = v1::MatchService::NewStub(c.channel());
  v1::ExplainMatchRequest req;
  req.set_candidate(Qualified(candidate, "candidates"));
  req.set_vacancy(Qualified(vacancy, "vacancies"));
  v1::ExplainMatchResponse resp;
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::Status st = stub->ExplainMatch(&ctx, req, &resp);
  if (!st.ok()) return FromGrpc(st);
  return resp;
}

void PrintShortlist(const v1::ShortlistCandidatesResponse& resp, const Io& io, bool explain) {
  *io.out << resp.eligible_count() << " eligible candidates; top " << resp.matches_size()
          << ":\n";
  for (const v1::Match& m : resp.matches()) {
    *io.out << absl::StrFormat("  #%d  %s  score %.2f", m.rank(), ShortName(m.candidate()),
                               m.score());
    for (const v1::FailedRule& f : m.flags()) *io.out << "  [" << f.code() << "]";
    *io.out << "\n";
    if (explain) PrintComponents(m, *io.out, "      ");
  }
}

}  // namespace

int RunShortlist(const Connection& c, const Io& io, const ShortlistArgs& args) {
  absl::StatusOr<v1::ShortlistCandidatesResponse> resp = CallShortlist(c, args);
  if (!resp.ok()) return ReportError(io, resp.status());
  if (io.format == OutputFormat::kJson) {
    *io.out << MessageToPrettyJson(*resp) << "\n";
  } else {
    PrintShortlist(*resp, io, args.explain);
  }
  return kExitOk;
}

int RunRecommend(const Connection& c, const Io& io, const RecommendArgs& args) {
  auto stub = v1::MatchService::NewStub(c.channel());
  v1::RecommendVacanciesRequest req;
  req.set_candidate(Qualified(args.candidate, "candidates"));
  req.set_k(args.k);
  v1::RecommendVacanciesResponse resp;
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::Status st = stub->RecommendVacancies(&ctx, req, &resp);
  if (!st.ok()) return ReportError(io, FromGrpc(st));
  if (io.format == OutputFormat::kJson) {
    *io.out << MessageToPrettyJson(resp) << "\n";
    return kExitOk;
  }
  Table table({"rank", "vacancy", "score"});
  for (const v1::Match& m : resp.matches()) {
    table.AddRow({absl::StrCat(m.rank()), ShortName(m.vacancy()), absl::StrFormat("%.2f", m.score())});
  }
  table.Print(*io.out);
  return kExitOk;
}

int RunExplain(const Connection& c, const Io& io, const ExplainArgs& args) {
  absl::StatusOr<v1::ExplainMatchResponse> resp = CallExplain(c, args.candidate, args.vacancy);
  if (!resp.ok()) return ReportError(io, resp.status());
  if (io.format == OutputFormat::kJson) {
    *io.out << MessageToPrettyJson(*resp) << "\n";
    return kExitOk;
  }
  *io.out << (resp->eligible() ? "eligible" : "not eligible")
          << absl::StrFormat(", score %.2f\n", resp->match().score());
  PrintFailures(resp->failed_rules(), *io.out, "  ");
  PrintComponents(resp->match(), *io.out, "  ");
  return kExitOk;
}

int RunDemoMatches(const Connection& c, const Io& io, const DemoMatchesArgs& args) {
  auto vacancies = v1::VacancyService::NewStub(c.channel());
  v1::ListVacanciesRequest list;
  list.set_page_size(1000);
  list.set_filter("state = VACANCY_STATE_OPEN");
  v1::ListVacanciesResponse page;
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::Status st = vacancies->ListVacancies(&ctx, list, &page);
  if (!st.ok()) return ReportError(io, FromGrpc(st));

  std::set<std::string> destinations;
  std::string first_vacancy;
  int shown = 0;
  for (const v1::Vacancy& v : page.vacancies()) {
    if (shown >= args.vacancies) break;
    if (destinations.count(v.destination()) > 0) continue;
    ShortlistArgs shortlist{v.name(), args.k, "", false, true};
    absl::StatusOr<v1::ShortlistCandidatesResponse> resp = CallShortlist(c, shortlist);
    if (!resp.ok()) return ReportError(io, resp.status());
    if (resp->matches_size() == 0) continue;
    destinations.insert(v.destination());
    if (first_vacancy.empty()) first_vacancy = v.name();
    ++shown;
    *io.out << "\n" << ShortName(v.name()) << "  " << v.title() << "  (" << v.destination()
            << ", ISCO " << v.isco_code() << ", "
            << EnumLabel(v1::Scheme_descriptor(), v.scheme()) << ", " << v.positions()
            << " positions)\n";
    PrintShortlist(*resp, io, true);
  }
  if (first_vacancy.empty()) {
    *io.out << "\nno open vacancy has eligible candidates yet\n";
    return kExitOk;
  }
  // One candidate the first vacancy excludes, with every reason.
  auto candidates = v1::CandidateService::NewStub(c.channel());
  v1::ListCandidatesRequest clist;
  clist.set_page_size(200);
  v1::ListCandidatesResponse cpage;
  grpc::ClientContext cctx;
  c.Prepare(&cctx);
  st = candidates->ListCandidates(&cctx, clist, &cpage);
  if (!st.ok()) return ReportError(io, FromGrpc(st));
  for (const v1::Candidate& cand : cpage.candidates()) {
    absl::StatusOr<v1::ExplainMatchResponse> e = CallExplain(c, cand.name(), first_vacancy);
    if (!e.ok()) return ReportError(io, e.status());
    if (e->eligible()) continue;
    *io.out << "\nexcluded from " << ShortName(first_vacancy) << ": " << ShortName(cand.name())
            << " (" << cand.nationality() << ")\n";
    PrintFailures(e->failed_rules(), *io.out, "  ");
    break;
  }
  return kExitOk;
}

}  // namespace corridor::cli
