#ifndef CORRIDOR_SERVER_CORRIDOR_SERVER_H_
#define CORRIDOR_SERVER_CORRIDOR_SERVER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/iso_codes.h"
#include "grpcpp/channel.h"
#include "grpcpp/server.h"
#include "matcher/match_engine.h"
#include "matcher/allocation_rounds.h"
#include "matcher/application_lifecycle.h"
#include "matcher/quota_ledger.h"
#include "storage/audit_log.h"
#include "matcher/registry.h"
#include "matcher/taxonomy.h"
#include "matcher/validation.h"
#include "server/auth.h"
#include "server/authz.h"
#include "server/gate.h"
#include "server/services.h"
#include "storage/database.h"
#include "storage/stores.h"

namespace corridor::server {

// Everything corridord needs to start. main.cc fills it from flags; tests
// fill it directly.
struct ServerOptions {
  // host:port to listen on. Default: loopback only. Empty: in-process only
  // (tests).
  std::string listen_address = "127.0.0.1:50051";
  // RocksDB directory. Required.
  std::string data_dir;
  // Token file (common/token_file.h). Required unless `tokens` is set.
  std::string token_file;
  // Token hashes to principals, used instead of token_file when non-empty (tests).
  absl::flat_hash_map<std::string, Principal> tokens;
  // PEM files for TLS. Both or neither; neither means plaintext (loopback use).
  std::string tls_cert_file;
  std::string tls_key_file;
  // When set, clients must present a certificate signed by this CA (PEM).
  std::string tls_client_ca_file;
  // Sync the WAL before acknowledging writes. Default: true.
  bool sync_writes = true;
  // Directory of the ESCO CSV export to load over the built-in taxonomy;
  // empty keeps the built-in one.
  std::string esco_dir;
  // Debian iso-codes JSON directory.
  std::string iso_codes_dir = std::string(kDefaultIsoCodesDir);
  // Longest a call may run, whatever deadline the client sets. Default: 30 s.
  absl::Duration max_call_duration = absl::Seconds(30);
  // Largest request message. Default: 4 MiB.
  int max_message_bytes = 4 << 20;
  // Ed25519 key file that signs the audit log's tree heads (common/signing.h).
  // Default: "<data_dir>/audit-signing.key", created on first start.
  std::string audit_key_file;
  // How often held reservations past their deadline are expired; zero
  // disables the background task (tests). Default: 1 s.
  absl::Duration hold_expiry_interval = absl::Seconds(1);
  // Default: SystemClock(). Must outlive the server.
  Clock* clock = nullptr;
};

// The Corridor server: the database, the registry, the services and the gRPC
// server, owned in dependency order so the gRPC server stops first and the
// database closes last. Thread-safe.
class CorridorServer {
 public:
  // Loads reference data, opens the database (FAILED_PRECONDITION when
  // another process uses the directory), and starts serving.
  static absl::StatusOr<std::unique_ptr<CorridorServer>> Start(ServerOptions options);

  ~CorridorServer();

  // A channel to this server that bypasses the network (tests, benchmarks).
  std::shared_ptr<grpc::Channel> InProcessChannel();
  // The bound port (useful with a ":0" listen address); 0 when in-process only.
  int port() const { return port_; }
  // How long each step of Start took, in order (name, duration): what an
  // operator reads when a restart is slow.
  const std::vector<std::pair<std::string, absl::Duration>>& startup_steps() const {
    return startup_steps_;
  }

  // Graceful shutdown: health goes NOT_SERVING, new calls are refused,
  // in-flight calls get up to `grace` to finish (WatchApplications streams
  // end within a second, OK with a final checkpoint). Idempotent.
  void Shutdown(absl::Duration grace);

  matcher::Registry& registry() { return *registry_; }
  matcher::MatchEngine& match_engine() { return *match_engine_; }
  storage::Database& database() { return *database_; }
  matcher::QuotaLedger& ledger() { return *ledger_; }
  matcher::ApplicationLifecycle& lifecycle() { return *lifecycle_; }
  storage::AuditLog& audit_log() { return *audit_log_; }
  const ApplicationWatch& application_watch() const { return *application_watch_; }

 private:
  CorridorServer() = default;

  ServerOptions options_;
  std::unique_ptr<IsoCodes> iso_codes_;
  std::unique_ptr<matcher::Taxonomy> taxonomy_;
  std::unique_ptr<matcher::Validator> validator_;
  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<storage::AuditLog> audit_log_;
  std::unique_ptr<storage::Stores> stores_;
  std::unique_ptr<matcher::QuotaLedger> ledger_;
  std::unique_ptr<matcher::MatchEngine> match_engine_;
  std::unique_ptr<matcher::Registry> registry_;
  std::unique_ptr<matcher::ApplicationLifecycle> lifecycle_;
  std::unique_ptr<matcher::AllocationRounds> allocation_rounds_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<Gate> gate_;
  std::unique_ptr<AgencyServiceImpl> agency_service_;
  std::unique_ptr<EmployerServiceImpl> employer_service_;
  std::unique_ptr<CandidateServiceImpl> candidate_service_;
  std::unique_ptr<VacancyServiceImpl> vacancy_service_;
  std::unique_ptr<AgreementServiceImpl> agreement_service_;
  std::unique_ptr<ApplicationWatch> application_watch_;
  std::unique_ptr<ApplicationServiceImpl> application_service_;
  std::unique_ptr<MatchServiceImpl> match_service_;
  std::unique_ptr<LedgerServiceImpl> ledger_service_;
  std::unique_ptr<AllocationServiceImpl> allocation_service_;
  std::unique_ptr<AuditServiceImpl> audit_service_;
  int port_ = 0;
  std::vector<std::pair<std::string, absl::Duration>> startup_steps_;
  bool shut_down_ = false;
  // Declared last: destroyed first.
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace corridor::server

#endif  // CORRIDOR_SERVER_CORRIDOR_SERVER_H_
