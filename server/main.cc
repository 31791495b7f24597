// corridord: the Corridor gRPC server. Flags are parsed here and nowhere else.
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "server/corridor_server.h"

int main(int argc, char** argv) {
  corridor::server::ServerOptions options;
  std::string sync = "always";
  int max_call_seconds = 30;
  int grace_seconds = 20;

  CLI::App app{"corridord: the Corridor job-matching and quota service"};
  app.add_option("--listen", options.listen_address, "host:port to serve on")
      ->capture_default_str();
  app.add_option("--data-dir", options.data_dir, "RocksDB data directory")->required();
  app.add_option("--token-file", options.token_file,
                 "file of token hashes and principals (corridor token issue writes it)")
      ->required();
  app.add_option("--tls-cert", options.tls_cert_file, "server certificate chain (PEM)");
  app.add_option("--tls-key", options.tls_key_file, "server private key (PEM)");
  app.add_option("--tls-client-ca", options.tls_client_ca_file,
                 "require client certificates signed by this CA (PEM)");
  app.add_option("--sync", sync,
                 "always: sync the WAL before acknowledging a write; never: let the OS "
                 "flush it (faster, loses recent writes on power failure)")
      ->check(CLI::IsMember({"always", "never"}))
      ->capture_default_str();
  app.add_option("--esco-dir", options.esco_dir,
                 "ESCO CSV export to load over the built-in taxonomy");
  app.add_option("--iso-codes-dir", options.iso_codes_dir, "Debian iso-codes JSON directory")
      ->capture_default_str();
  app.add_option("--max-call-seconds", max_call_seconds,
                 "longest a call may run, whatever deadline the client sets")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--max-message-bytes", options.max_message_bytes, "largest request message")
      ->check(CLI::Range(1 << 16, 64 << 20))
      ->capture_default_str();
  app.add_option("--shutdown-grace-seconds", grace_seconds,
                 "how long in-flight calls may run after SIGTERM")
      ->check(CLI::Range(0, 600))
      ->capture_default_str();
  app.add_option("--audit-key-file", options.audit_key_file,
                 "Ed25519 key that signs the audit log's tree heads (corridor audit keygen); "
                 "default: <data-dir>/audit-signing.key, created on first start");
  int expiry_seconds = 1;
  app.add_option("--hold-expiry-seconds", expiry_seconds,
                 "how often held reservations past their deadline are expired")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  options.hold_expiry_interval = absl::Seconds(expiry_seconds);
  options.sync_writes = sync == "always";
  options.max_call_duration = absl::Seconds(max_call_seconds);

  // Block the stop signals in every thread; the main thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<std::unique_ptr<corridor::server::CorridorServer>> server =
      corridor::server::CorridorServer::Start(options);
  if (!server.ok()) {
    std::cerr << "corridord: " << server.status().message() << std::endl;
    return EXIT_FAILURE;
  }
  std::cerr << "corridord: serving on " << options.listen_address << " (port "
            << (*server)->port() << "), data in " << options.data_dir
            << (options.tls_cert_file.empty() ? ", plaintext" : ", TLS") << std::endl;
  std::cerr << "corridord: start-up";
  for (const auto& [step, took] : (*server)->startup_steps()) {
    std::cerr << " " << step << " " << absl::StrFormat("%.2f s", absl::ToDoubleSeconds(took)) << ";";
  }
  std::cerr << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::cerr << "corridord: signal " << signal_number << ", draining for up to " << grace_seconds
            << " s" << std::endl;
  (*server)->Shutdown(absl::Seconds(grace_seconds));
  server->reset();  // Closes the database.
  std::cerr << "corridord: stopped" << std::endl;
  return EXIT_SUCCESS;
}
