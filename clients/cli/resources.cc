#include "clients/cli/resources.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/proto_json.h"
#include "corridor/v1/agency_service.grpc.pb.h"
#include "corridor/v1/agreement_service.grpc.pb.h"
#include "corridor/v1/candidate_service.grpc.pb.h"
#include "corridor/v1/employer_service.grpc.pb.h"
#include "corridor/v1/vacancy_service.grpc.pb.h"

namespace corridor::cli {
namespace {

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& items) {
  if (items.empty()) return "-";
  return absl::StrJoin(items, ",");
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

// Per resource: the RPCs, the collection and the table columns. `parent` is
// the agreement name for quota cells and unused otherwise.

struct AgencyOps {
  using Resource = v1::Agency;
  using Stub = v1::AgencyService::Stub;
  using ListResponse = v1::ListAgenciesResponse;
  static constexpr const char* kCollection = "agencies";
  static std::unique_ptr<Stub> NewStub(const std::shared_ptr<grpc::Channel>& c) {
    return v1::AgencyService::NewStub(c);
  }
  static grpc::Status Create(Stub* s, grpc::ClientContext* ctx, const Resource& r,
                             const CreateArgs& a, const std::string&, Resource* out) {
    v1::CreateAgencyRequest req;
    *req.mutable_agency() = r;
    req.set_agency_id(a.id);
    req.set_request_id(a.request_id);
    return s->CreateAgency(ctx, req, out);
  }
  static grpc::Status Get(Stub* s, grpc::ClientContext* ctx, const std::string& name,
                          Resource* out) {
    v1::GetAgencyRequest req;
    req.set_name(name);
    return s->GetAgency(ctx, req, out);
  }
  static grpc::Status List(Stub* s, grpc::ClientContext* ctx, const ListArgs& a,
                           const std::string&, const std::string& token, ListResponse* out) {
    v1::ListAgenciesRequest req;
    req.set_filter(a.filter);
    req.set_page_size(a.page_size);
    req.set_page_token(token);
    return s->ListAgencies(ctx, req, out);
  }
  static auto* Items(ListResponse* r) { return r->mutable_agencies(); }
  static grpc::Status Update(Stub* s, grpc::ClientContext* ctx, const Resource& r,
                             const google::protobuf::FieldMask& mask, Resource* out) {
    v1::UpdateAgencyRequest req;
    *req.mutable_agency() = r;
    *req.mutable_update_mask() = mask;
    return s->UpdateAgency(ctx, req, out);
  }
  static grpc::Status Delete(Stub* s, grpc::ClientContext* ctx, const std::string& name,
                             const std::string& etag) {
    v1::DeleteAgencyRequest req;
    req.set_name(name);
    req.set_etag(etag);
    v1::DeleteAgencyResponse resp;
    return s->DeleteAgency(ctx, req, &resp);
  }
  static std::vector<std::string> Header() {
    return {"NAME", "COUNTRY", "LICENCE", "STATUS", "EXPIRY", "DISPLAY NAME"};
  }
  static std::vector<std::string> Row(const Resource& r) {
    return {r.name(),
            r.country(),
            OrDash(r.licence_number()),
            EnumLabel(v1::LicenceStatus_descriptor(), r.licence_status()),
            DateLabel(r.licence_expiry()),
            r.display_name()};
  }
};

struct EmployerOps {
  using Resource = v1::Employer;
  using Stub = v1::EmployerService::Stub;
  using ListResponse = v1::ListEmployersResponse;
  static constexpr const char* kCollection = "employers";
  static std::unique_ptr<Stub> NewStub(const std::shared_ptr<grpc::Channel>& c) {
    return v1::EmployerService::NewStub(c);
  }
  static grpc::Status Create(Stub* s, grpc::ClientContext* ctx, const Resource& r,
                             const CreateArgs& a, const std::string&, Resource* out) {
    v1::CreateEmployerRequest req;
    *req.mutable_employer() = r;
    req.set_employer_id(a.id);
    req.set_request_id(a.request_id);
    return s->CreateEmployer(ctx, req, out);
  }
  static grpc::Status Get(Stub* s, grpc::ClientContext* ctx, const std::string& name,
                          Resource* out) {
    v1::GetEmployerRequest req;
    req.set_name(name);
    return s->GetEmployer(ctx, req, out);
  }
  static grpc::Status List(Stub* s, grpc::ClientContext* ctx, const ListArgs& a,
                           const std::string&, const std::string& token, ListResponse* out) {
    v1::ListEmployersRequest req;
    req.set_filter(a.filter);
    req.set_page_size(a.page_size);
    req.set_page_token(token);
    return s->ListEmployers(ctx, req, out);
  }
  static auto* Items(ListResponse* r) { return r->mutable_employers(); }
  static grpc::Status Update(Stub* s, grpc::ClientContext* ctx, const Resource& r,
                             const google::protobuf::FieldMask& mask, Resource* out) {
    v1::UpdateEmployerRequest req;
    *req.mutable_employer() = r;
    *req.mutable_update_mask() = mask;
    return s->UpdateEmployer(ctx, req, out);
  }
  static grpc::Status Delete(Stub* s, grpc::ClientContext* ctx, const std::string& name,
                             const std::string& etag) {
    v1::DeleteEmployerRequest req;
    req.set_name(name);
    req.set_etag(etag);
    v1::DeleteEmployerResponse resp;
    return s->DeleteEmployer(ctx, req, &resp);
  }
  static std::vector<std::string> Header() {
    return {"NAME", "COUNTRY", "REGION", "SECTOR", "STANDING", "DISPLAY NAME"};
  }
  static std::vector<std::string> Row(const Resource& r) {
    return {r.name(),
            r.country(),
            OrDash(r.region()),
            OrDash(r.sector()),
            EnumLabel(v1::EmployerStanding_descriptor(), r.standing()),
            r.display_name()};
  }
};

struct CandidateOps {
  using Resource = v1::Candidate;
  using Stub = v1::CandidateService::Stub;
  using ListResponse = v1::ListCandidatesResponse;
  static constexpr const char* kCollection = "candidates";
  static std::unique_ptr<Stub> NewStub(const std::shared_ptr<grpc::Channel>& c) {
    return v1::CandidateService::NewStub(c);
  }
  static grpc::Status Create(Stub* s, grpc::ClientContext* ctx, const Resource& r,
                             const CreateArgs& a, const std::string&, Resource* out) {
    v1::CreateCandidateRequest req;
    *req.mutable_candidate() = r;
    req.set_candidate_id(a.id);
    req.set_request_id(a.request_id);
    return s->CreateCandidate(ctx, req, out);
  }
  static grpc::Status Get(Stub* s, grpc::ClientContext* ctx, const std::string& name,
                          Resource* out) {
    v1::GetCandidateRequest req;
    req.set_name(name);
    return s->GetCandidate(ctx, req, out);
  }
  static grpc::Status List(Stub* s, grpc::ClientContext* ctx, const ListArgs& a,
                           const std::string&, const std::string& token, ListResponse* out) {
    v1::ListCandidatesRequest req;
    req.set_filter(a.filter);
    req.set_page_size(a.page_size);
    req.set_page_token(token);
    return s->ListCandidates(ctx, req, out);
  }
  static auto* Items(ListResponse* r) { return r->mutable_candidates(); }
  static grpc::Status Update(Stub* s, grpc::ClientContext* ctx, const Resource& r,
                             const google::protobuf::FieldMask& mask, Resource* out) {
    v1::UpdateCandidateRequest req;
    *req.mutable_candidate() = r;
    *req.mutable_update_mask() = mask;
    return s->UpdateCandidate(ctx, req, out);
  }
  static grpc::Status Delete(Stub* s, grpc::ClientContext* ctx, const std::string& name,
                             const std::string& etag) {
    v1::DeleteCandidateRequest req;
    req.set_name(name);
    req.set_etag(etag);
    v1::DeleteCandidateResponse resp;
    return s->DeleteCandidate(ctx, req, &resp);
  }
  static std::vector<std::string> Header() {
    return {"NAME", "AGENCY", "NATIONALITY", "RESIDENCE", "ISCO", "BORN", "AVAILABLE", "CONSENT"};
  }
  static std::vector<std::string> Row(const Resource& r) {
    std::vector<std::string> isco;
    for (const auto& o : r.occupations()) isco.push_back(o.isco_code());
    std::string consent = "-";
    if (r.consent().has_withdrawn_time()) {
      consent = "withdrawn";
    } else if (r.consent().has_given_time()) {
      consent = "given";
    }
    return {r.name(),
            ShortName(r.agency()),
            r.nationality(),
            r.residence_country(),
            isco.empty() ? "-" : absl::StrJoin(isco, ","),
            r.birth_year() == 0 ? "-" : std::to_string(r.birth_year()),
            RangeLabel(r.availability()),
            consent};
  }
};

struct VacancyOps {
  using Resource = v1::Vacancy;
  using Stub = v1::VacancyService::Stub;
  using ListResponse = v1::ListVacanciesResponse;
  static constexpr const char* kCollection = "vacancies";
  static std::unique_ptr<Stub> NewStub(const std::shared_ptr<grpc::Channel>& c) {
    return v1::VacancyService::NewStub(c);
  }
  static grpc::Status Create(Stub* s, grpc::ClientContext* ctx, const Resource& r,
                             const CreateArgs& a, const std::string&, Resource* out) {
    v1::CreateVacancyRequest req;
    *req.mutable_vacancy() = r;
    req.set_vacancy_id(a.id);
    req.set_request_id(a.request_id);
    return s->CreateVacancy(ctx, req, out);
  }
  static grpc::Status Get(Stub* s, grpc::ClientContext* ctx, const std::string& name,
                          Resource* out) {
    v1::GetVacancyRequest req;
    req.set_name(name);
    return s->GetVacancy(ctx, req, out);
  }
  static grpc::Status List(Stub* s, grpc::ClientContext* ctx, const ListArgs& a,
                           const std::string&, const std::string& token, ListResponse* out) {
    v1::ListVacanciesRequest req;
    req.set_filter(a.filter);
    req.set_page_size(a.page_size);
    req.set_page_token(token);
    return s->ListVacancies(ctx, req, out);
  }
  static auto* Items(ListResponse* r) { return r->mutable_vacancies(); }
  static grpc::Status Update(Stub* s, grpc::ClientContext* ctx, const Resource& r,
                             const google::protobuf::FieldMask& mask, Resource* out) {
    v1::UpdateVacancyRequest req;
    *req.mutable_vacancy() = r;
    *req.mutable_update_mask() = mask;
    return s->UpdateVacancy(ctx, req, out);
  }
  static grpc::Status Delete(Stub* s, grpc::ClientContext* ctx, const std::string& name,
                             const std::string& etag) {
    v1::DeleteVacancyRequest req;
    req.set_name(name);
    req.set_etag(etag);
    v1::DeleteVacancyResponse resp;
    return s->DeleteVacancy(ctx, req, &resp);
  }
  static std::vector<std::string> Header() {
    return {"NAME", "EMPLOYER", "DEST", "ISCO", "SCHEME", "POSITIONS", "WINDOW", "STATE"};
  }
  static std::vector<std::string> Row(const Resource& r) {
    return {r.name(),
            ShortName(r.employer()),
            OrDash(r.destination()),
            OrDash(r.isco_code()),
            EnumLabel(v1::Scheme_descriptor(), r.scheme()),
            std::to_string(r.positions()),
            RangeLabel(r.window()),
            EnumLabel(v1::VacancyState_descriptor(), r.state())};
  }
};

struct AgreementOps {
  using Resource = v1::Agreement;
  using Stub = v1::AgreementService::Stub;
  using ListResponse = v1::ListAgreementsResponse;
  static constexpr const char* kCollection = "agreements";
  static std::unique_ptr<Stub> NewStub(const std::shared_ptr<grpc::Channel>& c) {
    return v1::AgreementService::NewStub(c);
  }
  static grpc::Status Create(Stub* s, grpc::ClientContext* ctx, const Resource& r,
                             const CreateArgs& a, const std::string&, Resource* out) {
    v1::CreateAgreementRequest req;
    *req.mutable_agreement() = r;
    req.set_agreement_id(a.id);
    req.set_request_id(a.request_id);
    return s->CreateAgreement(ctx, req, out);
  }
  static grpc::Status Get(Stub* s, grpc::ClientContext* ctx, const std::string& name,
                          Resource* out) {
    v1::GetAgreementRequest req;
    req.set_name(name);
    return s->GetAgreement(ctx, req, out);
  }
  static grpc::Status List(Stub* s, grpc::ClientContext* ctx, const ListArgs& a,
                           const std::string&, const std::string& token, ListResponse* out) {
    v1::ListAgreementsRequest req;
    req.set_filter(a.filter);
    req.set_page_size(a.page_size);
    req.set_page_token(token);
    return s->ListAgreements(ctx, req, out);
  }
  static auto* Items(ListResponse* r) { return r->mutable_agreements(); }
  static grpc::Status Update(Stub* s, grpc::ClientContext* ctx, const Resource& r,
                             const google::protobuf::FieldMask& mask, Resource* out) {
    v1::UpdateAgreementRequest req;
    *req.mutable_agreement() = r;
    *req.mutable_update_mask() = mask;
    return s->UpdateAgreement(ctx, req, out);
  }
  static grpc::Status Delete(Stub* s, grpc::ClientContext* ctx, const std::string& name,
                             const std::string& etag) {
    v1::DeleteAgreementRequest req;
    req.set_name(name);
    req.set_etag(etag);
    v1::DeleteAgreementResponse resp;
    return s->DeleteAgreement(ctx, req, &resp);
  }
  static std::vector<std::string> Header() {
    return {"NAME", "DESTINATIONS", "ORIGINS", "SCHEMES", "IN FORCE", "EXPIRES", "DISPLAY NAME"};
  }
  static std::vector<std::string> Row(const Resource& r) {
    std::vector<std::string> schemes;
    for (int s : r.schemes()) schemes.push_back(EnumLabel(v1::Scheme_descriptor(), s));
    return {r.name(),
            Join(r.destinations()),
            Join(r.origins()),
            schemes.empty() ? "-" : absl::StrJoin(schemes, ","),
            DateLabel(r.in_force_from()),
            DateLabel(r.expiry_date()),
            r.display_name()};
  }
};

struct QuotaCellOps {
  using Resource = v1::QuotaCell;
  using Stub = v1::AgreementService::Stub;
  using ListResponse = v1::ListQuotaCellsResponse;
  static constexpr const char* kCollection = "quotaCells";
  static std::unique_ptr<Stub> NewStub(const std::shared_ptr<grpc::Channel>& c) {
    return v1::AgreementService::NewStub(c);
  }
  static grpc::Status Create(Stub* s, grpc::ClientContext* ctx, const Resource& r,
                             const CreateArgs& a, const std::string& parent, Resource* out) {
    v1::CreateQuotaCellRequest req;
    req.set_parent(parent);
    *req.mutable_quota_cell() = r;
    req.set_quota_cell_id(a.id);
    req.set_request_id(a.request_id);
    return s->CreateQuotaCell(ctx, req, out);
  }
  static grpc::Status Get(Stub* s, grpc::ClientContext* ctx, const std::string& name,
                          Resource* out) {
    v1::GetQuotaCellRequest req;
    req.set_name(name);
    return s->GetQuotaCell(ctx, req, out);
  }
  static grpc::Status List(Stub* s, grpc::ClientContext* ctx, const ListArgs& a,
                           const std::string& parent, const std::string& token,
                           ListResponse* out) {
    v1::ListQuotaCellsRequest req;
    req.set_parent(parent);
    req.set_filter(a.filter);
    req.set_page_size(a.page_size);
    req.set_page_token(token);
    return s->ListQuotaCells(ctx, req, out);
  }
  static auto* Items(ListResponse* r) { return r->mutable_quota_cells(); }
  static grpc::Status Update(Stub* s, grpc::ClientContext* ctx, const Resource& r,
                             const google::protobuf::FieldMask& mask, Resource* out) {
    v1::UpdateQuotaCellRequest req;
    *req.mutable_quota_cell() = r;
    *req.mutable_update_mask() = mask;
    return s->UpdateQuotaCell(ctx, req, out);
  }
  static grpc::Status Delete(Stub* s, grpc::ClientContext* ctx, const std::string& name,
                             const std::string& etag) {
    v1::DeleteQuotaCellRequest req;
    req.set_name(name);
    req.set_etag(etag);
    v1::DeleteQuotaCellResponse resp;
    return s->DeleteQuotaCell(ctx, req, &resp);
  }
  static std::vector<std::string> Header() {
    return {"NAME",   "PARENT", "PERIOD", "DEST",     "ORIGIN",
            "ISCO",   "SCHEME", "CAP",    "RESERVED", "COMMITTED"};
  }
  static std::vector<std::string> Row(const Resource& r) {
    return {r.name(),
            OrDash(r.parent()),
            RangeLabel(r.period()),
            OrDash(r.destination()),
            r.origin().empty() ? "any" : r.origin(),
            r.isco_prefix().empty() ? "any" : r.isco_prefix(),
            r.scheme() == 0 ? "any" : EnumLabel(v1::Scheme_descriptor(), r.scheme()),
            std::to_string(r.cap()),
            std::to_string(r.reserved()),
            std::to_string(r.committed())};
  }
};

template <class Ops>
void PrintOne(const Io& io, const typename Ops::Resource& r) {
  if (io.format == OutputFormat::kJson) {
    *io.out << MessageToPrettyJson(r) << '\n';
    return;
  }
  Table table(Ops::Header());
  table.AddRow(Ops::Row(r));
  table.Print(*io.out);
}

// The agreement part of a quota-cell command, as "agreements/a".
std::string AgreementParent(const std::string& agreement) {
  return QualifiedName("agreements", agreement);
}

// A resource name from a bare id or a full name.
template <class Ops>
std::string NameFor(const NameArgs& a) {
  if (std::string(Ops::kCollection) == "quotaCells" && a.name.find('/') == std::string::npos &&
      !a.agreement.empty()) {
    return AgreementParent(a.agreement) + "/quotaCells/" + a.name;
  }
  return QualifiedName(Ops::kCollection, a.name);
}

absl::Status LoadResource(const std::string& file, google::protobuf::Message* m) {
  auto text = ReadWholeFile(file);
  if (!text.ok()) return text.status();
  absl::Status s = JsonToMessage(*text, m);
  if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat(file, ": ", s.message()));
  return absl::OkStatus();
}

template <class Ops>
int Create(const Connection& c, const Io& io, CreateArgs args) {
  typename Ops::Resource r;
  absl::Status s = LoadResource(args.file, &r);
  if (!s.ok()) return ReportError(io, s);
  if (args.id.empty() && !r.name().empty()) args.id = ShortName(r.name());
  r.clear_name();
  std::string parent;
  if (std::string(Ops::kCollection) == "quotaCells") parent = AgreementParent(args.agreement);
  auto stub = Ops::NewStub(c.channel());
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  typename Ops::Resource out;
  grpc::Status st = Ops::Create(stub.get(), &ctx, r, args, parent, &out);
  if (!st.ok()) return ReportError(io, FromGrpc(st));
  PrintOne<Ops>(io, out);
  return kExitOk;
}

template <class Ops>
int Get(const Connection& c, const Io& io, const NameArgs& args) {
  auto stub = Ops::NewStub(c.channel());
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  typename Ops::Resource out;
  grpc::Status st = Ops::Get(stub.get(), &ctx, NameFor<Ops>(args), &out);
  if (!st.ok()) return ReportError(io, FromGrpc(st));
  PrintOne<Ops>(io, out);
  return kExitOk;
}

template <class Ops>
int List(const Connection& c, const Io& io, const ListArgs& args) {
  auto stub = Ops::NewStub(c.channel());
  std::string parent;
  if (std::string(Ops::kCollection) == "quotaCells") parent = AgreementParent(args.agreement);
  typename Ops::ListResponse all;
  std::string token = args.page_token;
  for (;;) {
    grpc::ClientContext ctx;
    c.Prepare(&ctx);
    typename Ops::ListResponse page;
    grpc::Status st = Ops::List(stub.get(), &ctx, args, parent, token, &page);
    if (!st.ok()) return ReportError(io, FromGrpc(st));
    for (auto& item : *Ops::Items(&page)) Ops::Items(&all)->Add(std::move(item));
    token = page.next_page_token();
    if (!args.all || token.empty()) break;
  }
  all.set_next_page_token(token);
  if (io.format == OutputFormat::kJson) {
    *io.out << MessageToPrettyJson(all) << '\n';
    return kExitOk;
  }
  Table table(Ops::Header());
  for (const auto& item : *Ops::Items(&all)) table.AddRow(Ops::Row(item));
  table.Print(*io.out);
  if (!token.empty()) {
    *io.err << "more results: --page-token " << token << " (or --all)\n";
  }
  return kExitOk;
}

template <class Ops>
int Update(const Connection& c, const Io& io, const UpdateArgs& args) {
  typename Ops::Resource r;
  absl::Status s = LoadResource(args.file, &r);
  if (!s.ok()) return ReportError(io, s);
  if (r.name().empty()) {
    return ReportError(io, absl::InvalidArgumentError(
                               absl::StrCat(args.file, ": \"name\" selects the resource to update")));
  }
  if (!args.etag.empty()) r.set_etag(args.etag);
  google::protobuf::FieldMask mask;
  for (const std::string& path : args.mask) {
    std::string snake;
    for (char ch : path) {
      if (ch >= 'A' && ch <= 'Z') {
        snake.push_back('_');
        snake.push_back(static_cast<char>(ch - 'A' + 'a'));
      } else {
        snake.push_back(ch);
      }
    }
    if (!snake.empty()) mask.add_paths(snake);
  }
  auto stub = Ops::NewStub(c.channel());
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  typename Ops::Resource out;
  grpc::Status st = Ops::Update(stub.get(), &ctx, r, mask, &out);
  if (!st.ok()) return ReportError(io, FromGrpc(st));
  PrintOne<Ops>(io, out);
  return kExitOk;
}

template <class Ops>
int Delete(const Connection& c, const Io& io, const NameArgs& args) {
  auto stub = Ops::NewStub(c.channel());
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  const std::string name = NameFor<Ops>(args);
  grpc::Status st = Ops::Delete(stub.get(), &ctx, name, args.etag);
  if (!st.ok()) return ReportError(io, FromGrpc(st));
  if (io.format == OutputFormat::kJson) {
    *io.out << "{}\n";
  } else {
    *io.out << "deleted " << name << '\n';
  }
  return kExitOk;
}

}  // namespace

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ostringstream data;
  if (path == "-") {
    data << std::cin.rdbuf();
    return data.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  data << in.rdbuf();
  return data.str();
}

std::string QualifiedName(const std::string& collection, const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  return collection + "/" + name;
}

#define CORRIDOR_DISPATCH(fn, ...)                                     \
  switch (kind) {                                                     \
    case ResourceKind::kAgencies: return fn<AgencyOps>(__VA_ARGS__);   \
    case ResourceKind::kEmployers: return fn<EmployerOps>(__VA_ARGS__); \
    case ResourceKind::kCandidates: return fn<CandidateOps>(__VA_ARGS__); \
    case ResourceKind::kVacancies: return fn<VacancyOps>(__VA_ARGS__); \
    case ResourceKind::kAgreements: return fn<AgreementOps>(__VA_ARGS__); \
    case ResourceKind::kQuotaCells: return fn<QuotaCellOps>(__VA_ARGS__); \
  }                                                                   \
  return kExitFailure

int RunCreate(ResourceKind kind, const Connection& c, const Io& io, const CreateArgs& args) {
  CORRIDOR_DISPATCH(Create, c, io, args);
}
int RunGet(ResourceKind kind, const Connection& c, const Io& io, const NameArgs& args) {
  CORRIDOR_DISPATCH(Get, c, io, args);
}
int RunList(ResourceKind kind, const Connection& c, const Io& io, const ListArgs& args) {
  CORRIDOR_DISPATCH(List, c, io, args);
}
int RunUpdate(ResourceKind kind, const Connection& c, const Io& io, const UpdateArgs& args) {
  CORRIDOR_DISPATCH(Update, c, io, args);
}
int RunDelete(ResourceKind kind, const Connection& c, const Io& io, const NameArgs& args) {
  CORRIDOR_DISPATCH(Delete, c, io, args);
}

#undef CORRIDOR_DISPATCH

}  // namespace corridor::cli
