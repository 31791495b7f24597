#ifndef CORRIDOR_CLIENTS_CLI_AUDIT_VERIFIER_H_
#define CORRIDOR_CLIENTS_CLI_AUDIT_VERIFIER_H_

// `corridor audit verify`: checks corridord's audit log with nothing but the
// public gRPC API and the ministry's own copy of the log's public key.
//
//  1. head: the latest signed tree head, its Ed25519 signature over
//     TreeHeadMessage checked with the given key (never a key the server
//     sends);
//  2. events: every event from 0 to the head's size, in order; each one's
//     index is its position, its leaf_data parses (no unknown fields, index
//     and leaf_data cleared) and equals the event's other fields (time,
//     actor, kind, subjects, reason code, effects); LeafHash(leaf_data)
//     builds a Merkle tree;
//  3. root: that tree's root equals the signed root;
//  4. inclusion: the server's inclusion proofs for a sample of leaves
//     (first, last and `random_samples` others; all of them in a log of at
//     most `prove_all_up_to` events) verify against the signed head;
//  5. consistency: when a head verified earlier is given (size and root, the
//     state file), the server's consistency proof from it to the new head
//     verifies, so a log rewritten since then fails here;
//  6. replay: matcher::AuditReplay applies every event (as parsed from its
//     leaf_data), checking the ledger's rules at every prefix;
//  7. cells: every quota cell the caller can list (ListAgreements, then
//     ListQuotaCells) has the cap, reserved and committed the replay gives,
//     and every cell the replay keeps alive under those agreements is
//     listed. The cells are read between two heads of equal size, so live
//     values and replay describe the same moment; when the log grew in
//     between, the new events are fetched and checked like the others (and
//     their head's signature and root) and the cells read again, up to
//     `max_rounds` times.
//
// The verifier never stops at the first problem of a step: each step reports
// its first problem and the others still run where they can, so one run
// shows everything that failed.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clients/cli/connection.h"
#include "common/merkle.h"
#include "corridor/v1/agreement_service.pb.h"
#include "corridor/v1/audit_service.pb.h"

namespace corridor::cli {

// The public API calls the verifier makes. GrpcAuditSource makes them on a
// connection; tests wrap it to tamper with the answers.
class AuditSource {
 public:
  virtual ~AuditSource() = default;
  virtual absl::StatusOr<v1::SignedTreeHead> GetTreeHead() = 0;
  virtual absl::StatusOr<v1::ListAuditEventsResponse> ListAuditEvents(
      const v1::ListAuditEventsRequest& request) = 0;
  virtual absl::StatusOr<v1::GetInclusionProofResponse> GetInclusionProof(
      const v1::GetInclusionProofRequest& request) = 0;
  virtual absl::StatusOr<v1::GetConsistencyProofResponse> GetConsistencyProof(
      const v1::GetConsistencyProofRequest& request) = 0;
  virtual absl::StatusOr<v1::ListAgreementsResponse> ListAgreements(
      const v1::ListAgreementsRequest& request) = 0;
  virtual absl::StatusOr<v1::ListQuotaCellsResponse> ListQuotaCells(
      const v1::ListQuotaCellsRequest& request) = 0;
};

// The calls on `connection` (token and deadline from its options). The
// connection must outlive the source.
std::unique_ptr<AuditSource> NewGrpcAuditSource(const Connection& connection);

// A head verified earlier: what the state file keeps.
struct VerifiedHead {
  int64_t tree_size = 0;
  Hash root{};
};

struct VerifyOptions {
  // The 32-byte Ed25519 public key (raw bytes; see ParsePublicKeyArg).
  std::string public_key;
  // A head verified by an earlier run; the consistency step runs when set.
  std::optional<VerifiedHead> previous;
  // Leaves proved besides the first and the last. Default: 32.
  int random_samples = 32;
  // Logs of at most this many events have every leaf proved. Default: 256.
  int64_t prove_all_up_to = 256;
  // Seed of the sample; 0 picks a random one.
  uint64_t seed = 0;
  // Events asked for per ListAuditEvents call (1..1000). Default: 1000.
  int page_size = 1000;
  // Times the cells are read again because the log grew meanwhile.
  // Default: 5.
  int max_rounds = 5;
};

// One step's outcome.
struct VerifyStep {
  // "head", "events", "root", "inclusion", "consistency", "replay", "cells".
  std::string name;
  bool ok = true;
  // False when the step could not run (e.g. no saved head to be consistent
  // with); a skipped step is ok.
  bool ran = true;
  // What was checked, or the first problem.
  std::string detail;
};

struct VerifyReport {
  // True when every step passed.
  bool ok() const;
  // The first failed step, or nullptr.
  const VerifyStep* first_failure() const;

  std::vector<VerifyStep> steps;
  // The head everything was checked against (the last one read).
  v1::SignedTreeHead head;
  int64_t events_checked = 0;
  int64_t inclusion_proofs_checked = 0;
  int64_t cells_compared = 0;
};

// Runs every step against `source`. Returns an error only when the first
// head cannot be read at all (the RPC's status); every other problem,
// RPC errors included, is a failed step in the report.
absl::StatusOr<VerifyReport> VerifyAuditLog(AuditSource& source, const VerifyOptions& options);

// A public key given on the command line: 64 hex digits, or the path of a
// file holding them (surrounding whitespace ignored). Returns the 32 raw
// bytes. INVALID_ARGUMENT / NOT_FOUND naming the argument.
absl::StatusOr<std::string> ParsePublicKeyArg(const std::string& arg);

// The state file: "corridor-audit-state v1", then "tree_size N",
// "root_hash HEX" and informational "time ..." lines. NOT_FOUND when the
// file does not exist; INVALID_ARGUMENT naming the file when it is
// malformed.
absl::StatusOr<VerifiedHead> ReadStateFile(const std::string& path);
// Writes the head atomically (a temporary file renamed over `path`).
// INTERNAL naming the file on I/O errors.
absl::Status WriteStateFile(const std::string& path, const v1::SignedTreeHead& head);

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_AUDIT_VERIFIER_H_
