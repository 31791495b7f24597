#include "clients/cli/demo_commands.h"

#include <fstream>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "clients/cli/import_command.h"
#include "clients/cli/match_commands.h"
#include "clients/cli/proto_json.h"
#include "corridor/v1/agency_service.grpc.pb.h"
#include "corridor/v1/agreement_service.grpc.pb.h"
#include "corridor/v1/candidate_service.grpc.pb.h"
#include "corridor/v1/employer_service.grpc.pb.h"
#include "corridor/v1/vacancy_service.grpc.pb.h"
#include "nlohmann/json.hpp"

namespace corridor::cli {
namespace {

uint64_t Fnv1a(absl::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// A request id that is the same on every run over the same data set.
std::string DemoRequestId(const std::string& dataset, const std::string& what) {
  return absl::StrFormat("demo-%016x", Fnv1a(dataset + "/" + what));
}

struct Tally {
  int64_t created = 0;
  int64_t existing = 0;
};

// Calls `create(line)` for every line of a JSON-lines file.
absl::Status ForEachLine(const std::string& path,
                         const std::function<absl::Status(const std::string&, int64_t)>& create) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    absl::Status s = create(line, number);
    if (!s.ok()) return absl::Status(s.code(), absl::StrCat(path, ":", number, ": ", s.message()));
  }
  return absl::OkStatus();
}

// OK for success and ALREADY_EXISTS (counted apart).
absl::Status Count(const grpc::Status& st, Tally* tally) {
  if (st.ok()) {
    ++tally->created;
    return absl::OkStatus();
  }
  if (st.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
    ++tally->existing;
    return absl::OkStatus();
  }
  return FromGrpc(st);
}

std::string IdOf(const std::string& name) {
  const size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

// Pages through a List RPC with page_size 1000; `call` fetches one page
// for a token and returns the next token.
absl::Status Page(const std::function<grpc::Status(const std::string&, std::string*)>& call) {
  std::string token;
  do {
    std::string next;
    grpc::Status st = call(token, &next);
    if (!st.ok()) return FromGrpc(st);
    token = next;
  } while (!token.empty());
  return absl::OkStatus();
}

}  // namespace

int RunDemoLoad(const Connection& c, const Io& io, const DemoLoadArgs& args) {
  const std::string dir = args.dir + "/";
  // The data set's identity: the manifest (seed and counts), so request ids
  // repeat exactly when the same data set is loaded again.
  std::string dataset = "unknown";
  std::string seed = "x";
  int64_t candidates = 0, vacancies = 0;
  {
    std::ifstream in(dir + "manifest.json");
    if (in) {
      nlohmann::json m = nlohmann::json::parse(in, nullptr, false);
      if (!m.is_discarded() && m.is_object()) {
        dataset = m.dump();
        seed = m.value("seed", std::string("x"));
        candidates = m.value("candidates", int64_t{0});
        vacancies = m.value("vacancies", int64_t{0});
      }
    }
  }
  std::map<std::string, Tally> tallies;
  auto fail = [&](const absl::Status& s) { return ReportError(io, s); };

  auto agencies = v1::AgencyService::NewStub(c.channel());
  absl::Status s = ForEachLine(dir + "agencies.jsonl", [&](const std::string& line, int64_t) {
    v1::CreateAgencyRequest req;
    absl::Status p = JsonToMessage(line, req.mutable_agency());
    if (!p.ok()) return p;
    req.set_agency_id(IdOf(req.agency().name()));
    req.mutable_agency()->clear_name();
    req.set_request_id(DemoRequestId(dataset, "agency/" + req.agency_id()));
    grpc::ClientContext ctx;
    c.Prepare(&ctx);
    v1::Agency out;
    return Count(agencies->CreateAgency(&ctx, req, &out), &tallies["agencies"]);
  });
  if (!s.ok()) return fail(s);

  auto employers = v1::EmployerService::NewStub(c.channel());
  s = ForEachLine(dir + "employers.jsonl", [&](const std::string& line, int64_t) {
    v1::CreateEmployerRequest req;
    absl::Status p = JsonToMessage(line, req.mutable_employer());
    if (!p.ok()) return p;
    req.set_employer_id(IdOf(req.employer().name()));
    req.mutable_employer()->clear_name();
    req.set_request_id(DemoRequestId(dataset, "employer/" + req.employer_id()));
    grpc::ClientContext ctx;
    c.Prepare(&ctx);
    v1::Employer out;
    return Count(employers->CreateEmployer(&ctx, req, &out), &tallies["employers"]);
  });
  if (!s.ok()) return fail(s);

  auto agreements = v1::AgreementService::NewStub(c.channel());
  s = ForEachLine(dir + "agreements.jsonl", [&](const std::string& line, int64_t) {
    v1::CreateAgreementRequest req;
    absl::Status p = JsonToMessage(line, req.mutable_agreement());
    if (!p.ok()) return p;
    req.set_agreement_id(IdOf(req.agreement().name()));
    req.mutable_agreement()->clear_name();
    req.set_request_id(DemoRequestId(dataset, "agreement/" + req.agreement_id()));
    grpc::ClientContext ctx;
    c.Prepare(&ctx);
    v1::Agreement out;
    return Count(agreements->CreateAgreement(&ctx, req, &out), &tallies["agreements"]);
  });
  if (!s.ok()) return fail(s);

  s = ForEachLine(dir + "quota_cells.jsonl", [&](const std::string& line, int64_t) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("agreement") || !j.contains("cellId") ||
        !j.contains("cell")) {
      return absl::InvalidArgumentError(
          "expected {\"agreement\": ..., \"cellId\": ..., \"cell\": {...}}");
    }
    v1::CreateQuotaCellRequest req;
    req.set_parent(j["agreement"].get<std::string>());
    req.set_quota_cell_id(j["cellId"].get<std::string>());
    absl::Status p = JsonToMessage(j["cell"].dump(), req.mutable_quota_cell());
    if (!p.ok()) return p;
    req.set_request_id(
        DemoRequestId(dataset, "cell/" + req.parent() + "/" + req.quota_cell_id()));
    grpc::ClientContext ctx;
    c.Prepare(&ctx);
    v1::QuotaCell out;
    return Count(agreements->CreateQuotaCell(&ctx, req, &out), &tallies["quota cells"]);
  });
  if (!s.ok()) return fail(s);

  // A replayed create (same request id, same payload) answers like the
  // first one did, so it counts as created.
  Table table({"RESOURCE", "CREATED OR REPLAYED", "ALREADY EXISTED"});
  for (const char* kind : {"agencies", "employers", "agreements", "quota cells"}) {
    const Tally& t = tallies[kind];
    table.AddRow({kind, std::to_string(t.created), std::to_string(t.existing)});
  }
  if (io.format == OutputFormat::kTable) table.Print(*io.out);

  if (args.reference_only) return kExitOk;
  int exit_code = kExitOk;
  const struct {
    ImportTarget target;
    const char* file;
    const char* tag;
    int64_t count;
  } imports[] = {{ImportTarget::kCandidates, "candidates.jsonl", "c", candidates},
                 {ImportTarget::kVacancies, "vacancies.jsonl", "v", vacancies}};
  for (const auto& imp : imports) {
    ImportOptions options;
    options.path = dir + imp.file;
    options.format = ImportFormat::kJsonl;
    options.batch_size = args.batch_size;
    options.parse_threads = args.parse_threads;
    options.skip_bad_rows = args.skip_bad_rows;
    // Without a manifest the data set is unknown: a random import id, so
    // another data set's batches are never taken for replays.
    if (dataset != "unknown") {
      options.import_id = absl::StrCat("demo-s", seed.substr(0, 20), "-n", imp.count, "-", imp.tag);
      if (options.import_id.size() > 40) options.import_id.clear();
    }
    const int rc = RunImport(imp.target, c, io, options);
    if (rc != kExitOk) exit_code = rc;
    if (rc != kExitOk && !args.skip_bad_rows) break;
  }
  return exit_code;
}

int RunDemoShow(const Connection& c, const Io& io, const DemoShowArgs& args) {
  auto agreements_stub = v1::AgreementService::NewStub(c.channel());
  std::vector<v1::Agreement> agreements;
  absl::Status s = Page([&](const std::string& token, std::string* next) {
    v1::ListAgreementsRequest req;
    req.set_page_size(1000);
    req.set_page_token(token);
    v1::ListAgreementsResponse resp;
    grpc::ClientContext ctx;
    c.Prepare(&ctx);
    grpc::Status st = agreements_stub->ListAgreements(&ctx, req, &resp);
    for (auto& a : *resp.mutable_agreements()) agreements.push_back(std::move(a));
    *next = resp.next_page_token();
    return st;
  });
  if (!s.ok()) return ReportError(io, s);

  nlohmann::ordered_json json_out = nlohmann::ordered_json::object();
  json_out["agreements"] = nlohmann::ordered_json::array();
  for (const v1::Agreement& a : agreements) {
    std::vector<v1::QuotaCell> cells;
    s = Page([&](const std::string& token, std::string* next) {
      v1::ListQuotaCellsRequest req;
      req.set_parent(a.name());
      req.set_page_size(1000);
      req.set_page_token(token);
      v1::ListQuotaCellsResponse resp;
      grpc::ClientContext ctx;
      c.Prepare(&ctx);
      grpc::Status st = agreements_stub->ListQuotaCells(&ctx, req, &resp);
      for (auto& q : *resp.mutable_quota_cells()) cells.push_back(std::move(q));
      *next = resp.next_page_token();
      return st;
    });
    if (!s.ok()) return ReportError(io, s);
    if (io.format == OutputFormat::kJson) {
      std::string text;
      AppendMessageJson(a, &text);
      nlohmann::ordered_json entry = nlohmann::ordered_json::parse(text);
      entry["quotaCells"] = nlohmann::ordered_json::array();
      for (const auto& q : cells) {
        text.clear();
        AppendMessageJson(q, &text);
        entry["quotaCells"].push_back(nlohmann::ordered_json::parse(text));
      }
      json_out["agreements"].push_back(std::move(entry));
      continue;
    }
    std::vector<std::string> schemes;
    for (int sc : a.schemes()) schemes.push_back(EnumLabel(v1::Scheme_descriptor(), sc));
    *io.out << a.name() << "  " << a.display_name() << "\n  "
            << absl::StrJoin(a.destinations(), ",") << " <- " << absl::StrJoin(a.origins(), ",")
            << "  schemes " << absl::StrJoin(schemes, ",") << "  in force "
            << DateLabel(a.in_force_from()) << ".."
            << (a.has_expiry_date() ? DateLabel(a.expiry_date()) : std::string()) << "\n";
    // The tree: children under their parent, in id order.
    std::map<std::string, std::vector<const v1::QuotaCell*>> children;
    for (const auto& q : cells) children[q.parent()].push_back(&q);
    Table table({"  CELL", "CAP", "RESERVED", "COMMITTED", "SLICE", "OVERFLOW"});
    std::function<void(const std::string&, int)> walk = [&](const std::string& parent, int depth) {
      for (const v1::QuotaCell* q : children[parent]) {
        const std::string id = IdOf(q->name());
        std::string slice = absl::StrCat(q->destination(), " ", RangeLabel(q->period()));
        if (!q->origin().empty()) absl::StrAppend(&slice, " origin ", q->origin());
        if (!q->isco_prefix().empty()) absl::StrAppend(&slice, " isco ", q->isco_prefix());
        if (q->scheme() != 0) {
          absl::StrAppend(&slice, " ", EnumLabel(v1::Scheme_descriptor(), q->scheme()));
        }
        if (q->synthetic()) absl::StrAppend(&slice, " (synthetic)");
        table.AddRow({std::string(2 + 2 * static_cast<size_t>(depth), ' ') + id,
                      std::to_string(q->cap()), std::to_string(q->reserved()),
                      std::to_string(q->committed()), slice,
                      q->overflow_cell().empty() ? "-" : q->overflow_cell()});
        walk(id, depth + 1);
      }
    };
    walk("", 0);
    if (table.size() > 0) {
      table.Print(*io.out);
    } else {
      *io.out << "  (no quota cells)\n";
    }
    *io.out << '\n';
  }

  // Counts: page through each collection.
  std::vector<std::pair<std::string, int64_t>> counts;
  auto count = [&](const std::string& what,
                   const std::function<grpc::Status(const std::string&, std::string*, int64_t*)>&
                       call) -> absl::Status {
    int64_t n = 0;
    absl::Status st = Page([&](const std::string& token, std::string* next) {
      int64_t page = 0;
      grpc::Status g = call(token, next, &page);
      n += page;
      return g;
    });
    if (st.ok()) counts.push_back({what, n});
    return st;
  };
  auto agency_stub = v1::AgencyService::NewStub(c.channel());
  auto employer_stub = v1::EmployerService::NewStub(c.channel());
  auto candidate_stub = v1::CandidateService::NewStub(c.channel());
  auto vacancy_stub = v1::VacancyService::NewStub(c.channel());
  counts.push_back({"agreements", static_cast<int64_t>(agreements.size())});
  s = count("agencies", [&](const std::string& token, std::string* next, int64_t* n) {
    v1::ListAgenciesRequest req;
    req.set_page_size(1000);
    req.set_page_token(token);
    v1::ListAgenciesResponse resp;
    grpc::ClientContext ctx;
    c.Prepare(&ctx);
    grpc::Status st = agency_stub->ListAgencies(&ctx, req, &resp);
    *n = resp.agencies_size();
    *next = resp.next_page_token();
    return st;
  });
  if (s.ok()) {
    s = count("employers", [&](const std::string& token, std::string* next, int64_t* n) {
      v1::ListEmployersRequest req;
      req.set_page_size(1000);
      req.set_page_token(token);
      v1::ListEmployersResponse resp;
      grpc::ClientContext ctx;
      c.Prepare(&ctx);
      grpc::Status st = employer_stub->ListEmployers(&ctx, req, &resp);
      *n = resp.employers_size();
      *next = resp.next_page_token();
      return st;
    });
  }
  if (s.ok() && !args.skip_counts) {
    s = count("candidates", [&](const std::string& token, std::string* next, int64_t* n) {
      v1::ListCandidatesRequest req;
      req.set_page_size(1000);
      req.set_page_token(token);
      v1::ListCandidatesResponse resp;
      grpc::ClientContext ctx;
      c.Prepare(&ctx);
      grpc::Status st = candidate_stub->ListCandidates(&ctx, req, &resp);
      *n = resp.candidates_size();
      *next = resp.next_page_token();
      return st;
    });
  }
  if (s.ok() && !args.skip_counts) {
    s = count("vacancies", [&](const std::string& token, std::string* next, int64_t* n) {
      v1::ListVacanciesRequest req;
      req.set_page_size(1000);
      req.set_page_token(token);
      v1::ListVacanciesResponse resp;
      grpc::ClientContext ctx;
      c.Prepare(&ctx);
      grpc::Status st = vacancy_stub->ListVacancies(&ctx, req, &resp);
      *n = resp.vacancies_size();
      *next = resp.next_page_token();
      return st;
    });
  }
  if (!s.ok()) return ReportError(io, s);
  if (io.format == OutputFormat::kJson) {
    nlohmann::ordered_json c_json = nlohmann::ordered_json::object();
    for (const auto& [what, n] : counts) c_json[what] = n;
    json_out["counts"] = c_json;
    *io.out << json_out.dump(2) << '\n';
    return kExitOk;
  }
  Table table({"RESOURCE", "COUNT"});
  for (const auto& [what, n] : counts) table.AddRow({what, std::to_string(n)});
  table.Print(*io.out);
  if (args.skip_matches) return kExitOk;
  return RunDemoMatches(c, io, DemoMatchesArgs());
}

}  // namespace corridor::cli
