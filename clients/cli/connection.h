#ifndef CORRIDOR_CLIENTS_CLI_CONNECTION_H_
#define CORRIDOR_CLIENTS_CLI_CONNECTION_H_

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"

namespace corridor::cli {

// The global options every command shares.
struct ClientOptions {
  // host:port of corridord. Default: 127.0.0.1:50051.
  std::string server = "127.0.0.1:50051";
  // Bearer token sent as "authorization: Bearer <token>". Default: the
  // CORRIDOR_TOKEN environment variable.
  std::string token;
  // PEM root certificate; when set the channel uses TLS.
  std::string tls_ca;
  // PEM client certificate and key for mutual TLS (both or neither).
  std::string tls_cert;
  std::string tls_key;
  // Deadline of every unary call, and of each batch of a streaming import,
  // in seconds. Default: 30.
  double timeout_seconds = 30;
};

// A channel to corridord and the per-call settings. Thread-safe.
class Connection {
 public:
  // Builds the channel (it connects lazily). INVALID_ARGUMENT when only one
  // of tls_cert/tls_key is given or TLS files are given without tls_ca;
  // NOT_FOUND when a certificate file cannot be read.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const ClientOptions& options);

  // Wraps an existing channel (tests use an in-process one).
  Connection(std::shared_ptr<grpc::Channel> channel, ClientOptions options)
      : channel_(std::move(channel)), options_(std::move(options)) {}

  // Adds the bearer token and a deadline of timeout_seconds from now.
  void Prepare(grpc::ClientContext* context) const { Prepare(context, options_.timeout_seconds); }
  // The same with another deadline, in seconds from now.
  void Prepare(grpc::ClientContext* context, double seconds) const;

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  const ClientOptions& options() const { return options_; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  ClientOptions options_;
};

// gRPC status to absl::Status (the codes are numbered alike).
absl::Status FromGrpc(const grpc::Status& status);

// "PERMISSION_DENIED" and so on.
const char* StatusCodeName(absl::StatusCode code);

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_CONNECTION_H_
