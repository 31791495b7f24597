#include "server/corridor_server.h"

#include "common/signing.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace corridor::server {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, absl::string_view flag) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(flag, ": cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const ServerOptions& o) {
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (o.tls_cert_file.empty()) {
    if (!o.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError("--tls-client-ca needs --tls-cert and --tls-key");
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions ssl;
  CORRIDOR_ASSIGN_OR_RETURN(std::string cert, ReadFile(o.tls_cert_file, "--tls-cert"));
  CORRIDOR_ASSIGN_OR_RETURN(std::string key, ReadFile(o.tls_key_file, "--tls-key"));
  ssl.pem_key_cert_pairs.push_back({key, cert});
  if (!o.tls_client_ca_file.empty()) {
    CORRIDOR_ASSIGN_OR_RETURN(ssl.pem_root_certs,
                              ReadFile(o.tls_client_ca_file, "--tls-client-ca"));
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

absl::StatusOr<std::unique_ptr<CorridorServer>> CorridorServer::Start(ServerOptions options) {
  std::unique_ptr<CorridorServer> s(new CorridorServer());
  s->options_ = std::move(options);
  ServerOptions& o = s->options_;
  Clock& clock = o.clock != nullptr ? *o.clock : SystemClock();
  // Wall time of each start-up step (the injected clock may be a test's).
  absl::Time step_start = absl::Now();
  auto step_done = [&s, &step_start](absl::string_view name) {
    const absl::Time now = absl::Now();
    s->startup_steps_.emplace_back(std::string(name), now - step_start);
    step_start = now;
  };

  CORRIDOR_ASSIGN_OR_RETURN(s->iso_codes_, IsoCodes::Load(o.iso_codes_dir));
  if (o.esco_dir.empty()) {
    s->taxonomy_ = matcher::Taxonomy::BuiltIn();
  } else {
    CORRIDOR_ASSIGN_OR_RETURN(s->taxonomy_, matcher::Taxonomy::LoadEsco(o.esco_dir));
  }
  step_done("reference data");
  s->validator_ = std::make_unique<matcher::Validator>(*s->iso_codes_, *s->taxonomy_, clock);
  if (o.tokens.empty()) {
    if (o.token_file.empty()) return absl::InvalidArgumentError("--token-file: required");
    CORRIDOR_ASSIGN_OR_RETURN(s->authenticator_, Authenticator::FromTokenFile(o.token_file));
  } else {
    s->authenticator_ = std::make_unique<Authenticator>(o.tokens);
  }
  CORRIDOR_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials, Credentials(o));

  if (o.data_dir.empty()) return absl::InvalidArgumentError("--data-dir: required");
  storage::DatabaseOptions db_options;
  db_options.path = o.data_dir;
  db_options.sync = o.sync_writes;
  db_options.clock = &clock;
  CORRIDOR_ASSIGN_OR_RETURN(s->database_, storage::Database::Open(db_options));
  step_done("database");
  std::string key_file = o.audit_key_file;
  if (key_file.empty()) {
    key_file = absl::StrCat(o.data_dir, "/audit-signing.key");
    absl::Status created = CreateSigningKeyFile(key_file);
    if (!created.ok() && !absl::IsAlreadyExists(created)) return created;
  }
  CORRIDOR_ASSIGN_OR_RETURN(SigningKey key, SigningKey::FromFile(key_file));
  // Refuses a log that was edited, reordered, dropped or truncated.
  CORRIDOR_ASSIGN_OR_RETURN(s->audit_log_, storage::AuditLog::Open(*s->database_, std::move(key)));
  step_done("audit log");
  s->stores_ = std::make_unique<storage::Stores>(*s->database_);
  matcher::QuotaLedgerOptions ledger_options;
  ledger_options.expiry_interval = o.hold_expiry_interval;
  // Refuses counters that differ from the reservations or the log's replay.
  CORRIDOR_ASSIGN_OR_RETURN(
      s->ledger_, matcher::QuotaLedger::Start(*s->stores_, *s->audit_log_, clock, ledger_options));
  step_done("quota ledger");
  // The candidate index is rebuilt from storage before any call is served.
  CORRIDOR_ASSIGN_OR_RETURN(
      s->match_engine_,
      matcher::MatchEngine::Start(*s->stores_, *s->taxonomy_, clock, s->ledger_.get()));
  step_done("candidate index");
  s->ledger_->OnUsageChanged([engine = s->match_engine_.get()] { engine->WorldChanged(); });
  s->registry_ = std::make_unique<matcher::Registry>(*s->stores_, *s->validator_,
                                                     s->match_engine_.get());
  s->lifecycle_ = std::make_unique<matcher::ApplicationLifecycle>(
      *s->registry_, *s->ledger_, *s->match_engine_, clock);
  // Completed stays missing from their candidates' history (a crash between
  // RecordReturn's two writes) are added before serving.
  CORRIDOR_RETURN_IF_ERROR(s->lifecycle_->ReconcileReturns().status());
  step_done("returns");
  s->authorizer_ = std::make_unique<Authorizer>(*s->registry_);
  s->gate_ = std::make_unique<Gate>(*s->authenticator_, *s->authorizer_, o.max_call_duration);
  const Gate& gate = *s->gate_;
  matcher::Registry& registry = *s->registry_;
  s->agency_service_ = std::make_unique<AgencyServiceImpl>(gate, registry);
  s->employer_service_ = std::make_unique<EmployerServiceImpl>(gate, registry);
  s->candidate_service_ = std::make_unique<CandidateServiceImpl>(gate, registry);
  s->vacancy_service_ = std::make_unique<VacancyServiceImpl>(gate, registry);
  s->agreement_service_ = std::make_unique<AgreementServiceImpl>(gate, registry, *s->ledger_);
  s->application_watch_ = std::make_unique<ApplicationWatch>(gate, *s->audit_log_);
  s->application_service_ =
      std::make_unique<ApplicationServiceImpl>(gate, registry, *s->lifecycle_,
                                               *s->application_watch_);
  s->match_service_ = std::make_unique<MatchServiceImpl>(gate, *s->match_engine_);
  s->ledger_service_ = std::make_unique<LedgerServiceImpl>(gate, registry, *s->ledger_);
  s->allocation_rounds_ = std::make_unique<matcher::AllocationRounds>(
      *s->stores_, registry, *s->ledger_, *s->match_engine_, *s->lifecycle_, clock);
  s->allocation_service_ = std::make_unique<AllocationServiceImpl>(gate, *s->allocation_rounds_);
  s->audit_service_ = std::make_unique<AuditServiceImpl>(gate, *s->audit_log_, *s->stores_);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  if (!o.listen_address.empty()) {
    builder.AddListeningPort(o.listen_address, credentials, &s->port_);
  }
  // Keep enough polling threads for many concurrent blocking calls (ledger
  // callers wait for their batch): the sync server's default lets all but two
  // idle threads exit, and recreating threads per call dominated the
  // reservation benchmark's CPU.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 128);
  builder.SetMaxReceiveMessageSize(o.max_message_bytes);
  builder.SetMaxSendMessageSize(o.max_message_bytes);
  builder.RegisterService(s->agency_service_.get());
  builder.RegisterService(s->employer_service_.get());
  builder.RegisterService(s->candidate_service_.get());
  builder.RegisterService(s->vacancy_service_.get());
  builder.RegisterService(s->agreement_service_.get());
  builder.RegisterService(s->application_service_.get());
  builder.RegisterService(s->match_service_.get());
  builder.RegisterService(s->ledger_service_.get());
  builder.RegisterService(s->allocation_service_.get());
  builder.RegisterService(s->audit_service_.get());
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || (!o.listen_address.empty() && s->port_ == 0)) {
    return absl::UnavailableError(absl::StrCat("--listen: cannot listen on ", o.listen_address));
  }
  s->server_->GetHealthCheckService()->SetServingStatus(true);
  return s;
}

CorridorServer::~CorridorServer() { Shutdown(absl::ZeroDuration()); }

std::shared_ptr<grpc::Channel> CorridorServer::InProcessChannel() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options_.max_message_bytes);
  args.SetMaxSendMessageSize(-1);
  return server_->InProcessChannel(args);
}

void CorridorServer::Shutdown(absl::Duration grace) {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  server_->GetHealthCheckService()->SetServingStatus(false);
  // Feeds never finish by themselves: let them end instead of using the grace.
  application_watch_->Drain();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
}

}  // namespace corridor::server
