#include "clients/cli/audit_verifier.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/cli/proto_json.h"
#include "common/signing.h"
#include "corridor/v1/agreement_service.grpc.pb.h"
#include "corridor/v1/audit_service.grpc.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "matcher/audit_replay.h"

namespace corridor::cli {
namespace {

constexpr char kStateMagic[] = "corridor-audit-state v1";

class GrpcAuditSource final : public AuditSource {
 public:
  explicit GrpcAuditSource(const Connection& connection)
      : connection_(connection),
        audit_(v1::AuditService::NewStub(connection.channel())),
        agreements_(v1::AgreementService::NewStub(connection.channel())) {}

  absl::StatusOr<v1::SignedTreeHead> GetTreeHead() override {
    return Call(&v1::AuditService::Stub::GetTreeHead, audit_.get(), v1::GetTreeHeadRequest());
  }
  absl::StatusOr<v1::ListAuditEventsResponse> ListAuditEvents(
      const v1::ListAuditEventsRequest& request) override {
    return Call(&v1::AuditService::Stub::ListAuditEvents, audit_.get(), request);
  }
  absl::StatusOr<v1::GetInclusionProofResponse> GetInclusionProof(
      const v1::GetInclusionProofRequest& request) override {
    return Call(&v1::AuditService::Stub::GetInclusionProof, audit_.get(), request);
  }
  absl::StatusOr<v1::GetConsistencyProofResponse> GetConsistencyProof(
      const v1::GetConsistencyProofRequest& request) override {
    return Call(&v1::AuditService::Stub::GetConsistencyProof, audit_.get(), request);
  }
  absl::StatusOr<v1::ListAgreementsResponse> ListAgreements(
      const v1::ListAgreementsRequest& request) override {
    return Call(&v1::AgreementService::Stub::ListAgreements, agreements_.get(), request);
  }
  absl::StatusOr<v1::ListQuotaCellsResponse> ListQuotaCells(
      const v1::ListQuotaCellsRequest& request) override {
    return Call(&v1::AgreementService::Stub::ListQuotaCells, agreements_.get(), request);
  }

 private:
  template <class Stub, class Request, class Response>
  absl::StatusOr<Response> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                             Response*),
                                Stub* stub, const Request& request) {
    grpc::ClientContext ctx;
    connection_.Prepare(&ctx);
    Response response;
    grpc::Status st = (stub->*method)(&ctx, request, &response);
    if (!st.ok()) return FromGrpc(st);
    return response;
  }

  const Connection& connection_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
  std::unique_ptr<v1::AgreementService::Stub> agreements_;
};

std::string Hex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

std::string ErrorText(absl::string_view call, const absl::Status& status) {
  return absl::StrCat(call, " failed: ", StatusCodeName(status.code()), ": ", status.message());
}

std::string TimeText(const google::protobuf::Timestamp& t) {
  std::string out;
  AppendRfc3339(t.seconds(), t.nanos(), &out);
  return out;
}

std::string Quoted(absl::string_view s) { return absl::StrCat("\"", absl::CEscape(s), "\""); }

std::string Differs(absl::string_view field, absl::string_view event_value,
                    absl::string_view leaf_value) {
  return absl::StrCat(field, " is ", event_value, " but leaf_data says ", leaf_value);
}

std::string CapText(const v1::CellEffect& e) {
  return e.has_cap() ? absl::StrCat(e.cap()) : "unset";
}

// Where `event` (as listed) and `leaf` (its leaf_data, parsed) disagree;
// empty when they agree.
std::string CompareWithLeaf(const v1::AuditEvent& event, const v1::AuditEvent& leaf) {
  if (!leaf.GetReflection()->GetUnknownFields(leaf).empty()) {
    return "leaf_data holds unknown fields";
  }
  if (leaf.index() != 0 || !leaf.leaf_data().empty()) {
    return "leaf_data is not canonical (it holds an index or leaf_data)";
  }
  if (event.has_time() != leaf.has_time() || event.time().seconds() != leaf.time().seconds() ||
      event.time().nanos() != leaf.time().nanos()) {
    return Differs("time", event.has_time() ? TimeText(event.time()) : "unset",
                   leaf.has_time() ? TimeText(leaf.time()) : "unset");
  }
  if (event.actor() != leaf.actor()) {
    return Differs("actor", Quoted(event.actor()), Quoted(leaf.actor()));
  }
  if (event.kind() != leaf.kind()) return Differs("kind", Quoted(event.kind()), Quoted(leaf.kind()));
  if (!std::equal(event.subjects().begin(), event.subjects().end(), leaf.subjects().begin(),
                  leaf.subjects().end())) {
    return Differs("subjects", absl::StrCat("[", absl::StrJoin(event.subjects(), ", "), "]"),
                   absl::StrCat("[", absl::StrJoin(leaf.subjects(), ", "), "]"));
  }
  if (event.reason_code() != leaf.reason_code()) {
    return Differs("reason_code", Quoted(event.reason_code()), Quoted(leaf.reason_code()));
  }
  if (event.effects_size() != leaf.effects_size()) {
    return Differs("the number of effects", absl::StrCat(event.effects_size()),
                   absl::StrCat(leaf.effects_size()));
  }
  for (int i = 0; i < event.effects_size(); ++i) {
    const v1::CellEffect& a = event.effects(i);
    const v1::CellEffect& b = leaf.effects(i);
    const std::string at = absl::StrCat("effects[", i, "].");
    if (a.quota_cell() != b.quota_cell()) {
      return Differs(at + "quota_cell", Quoted(a.quota_cell()), Quoted(b.quota_cell()));
    }
    if (a.reserved_delta() != b.reserved_delta()) {
      return Differs(at + "reserved_delta", absl::StrCat(a.reserved_delta()),
                     absl::StrCat(b.reserved_delta()));
    }
    if (a.committed_delta() != b.committed_delta()) {
      return Differs(at + "committed_delta", absl::StrCat(a.committed_delta()),
                     absl::StrCat(b.committed_delta()));
    }
    if (a.has_cap() != b.has_cap() || a.cap() != b.cap()) {
      return Differs(at + "cap", CapText(a), CapText(b));
    }
    if (a.deleted() != b.deleted()) {
      return Differs(at + "deleted", a.deleted() ? "true" : "false", b.deleted() ? "true" : "false");
    }
  }
  // Any field added to AuditEvent later.
  v1::AuditEvent expected = event;
  expected.clear_index();
  expected.clear_leaf_data();
  std::string diff;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  if (!differencer.Compare(leaf, expected)) {
    return absl::StrCat("differs from leaf_data: ", absl::StripAsciiWhitespace(diff));
  }
  return "";
}

// The agreement part of a quota-cell name ("agreements/a/quotaCells/c").
std::string AgreementOf(const std::string& cell) {
  const size_t at = cell.find("/quotaCells/");
  return at == std::string::npos ? "" : cell.substr(0, at);
}

class Verifier {
 public:
  Verifier(AuditSource& source, const VerifyOptions& options)
      : source_(source), options_(options) {}

  absl::StatusOr<VerifyReport> Run() {
    absl::StatusOr<v1::SignedTreeHead> head = source_.GetTreeHead();
    if (!head.ok()) return head.status();
    report_.head = *head;
    CheckHead(*head);
    Extend(*head);
    CompareCells();
    ProveInclusion();
    CheckConsistency();
    Finish();
    return std::move(report_);
  }

 private:
  static void Fail(VerifyStep& step, std::string detail) {
    if (!step.ok) return;
    step.ok = false;
    step.detail = std::move(detail);
  }
  static void Skip(VerifyStep& step, std::string detail) {
    if (!step.ok) return;
    step.ran = false;
    step.detail = std::move(detail);
  }
  bool EventsComplete() const {
    return leaves_.size() == static_cast<uint64_t>(report_.head.tree_size());
  }

  // The head's shape and its signature under the given key.
  void CheckHead(const v1::SignedTreeHead& head) {
    ++heads_checked_;
    const std::string which = absl::StrCat("the head of size ", head.tree_size());
    if (head.tree_size() < 0) {
      Fail(head_, absl::StrCat(which, " is negative"));
      return;
    }
    if (!HashFromBytes(head.root_hash()).ok()) {
      Fail(head_, absl::StrCat(which, " has a root hash of ", head.root_hash().size(),
                               " bytes, not 32"));
      return;
    }
    const int64_t micros = head.time().seconds() * 1000000 + head.time().nanos() / 1000;
    absl::Status s = VerifySignature(
        options_.public_key,
        TreeHeadMessage(static_cast<uint64_t>(head.tree_size()), head.root_hash(), micros),
        head.signature());
    if (!s.ok()) {
      Fail(head_, absl::StrCat(which, " (", TimeText(head.time()),
                               "): its signature does not verify with the given public key (",
                               s.message(), ")"));
    }
  }

  // Fetches and checks the events from leaves_.size() up to the head's size,
  // then compares the root.
  void Extend(const v1::SignedTreeHead& head) {
    const uint64_t target = static_cast<uint64_t>(std::max<int64_t>(head.tree_size(), 0));
    const int page = std::clamp(options_.page_size, 1, 1000);
    while (leaves_.size() < target) {
      v1::ListAuditEventsRequest request;
      request.set_start_index(static_cast<int64_t>(leaves_.size()));
      request.set_page_size(
          static_cast<int32_t>(std::min<uint64_t>(static_cast<uint64_t>(page), target - leaves_.size())));
      absl::StatusOr<v1::ListAuditEventsResponse> response = source_.ListAuditEvents(request);
      if (!response.ok()) {
        Fail(events_, ErrorText(absl::StrCat("ListAuditEvents from index ", leaves_.size()),
                                response.status()));
        break;
      }
      if (response->events().empty()) {
        Fail(events_, absl::StrCat("the server lists ", leaves_.size(),
                                   " events, but the signed head covers ", target));
        break;
      }
      for (const v1::AuditEvent& event : response->events()) {
        if (leaves_.size() >= target) break;
        CheckEvent(event);
      }
    }
    if (leaves_.size() < target) {
      Skip(root_, absl::StrCat("not computed: only ", leaves_.size(), " of ", target,
                               " events were listed"));
      return;
    }
    absl::StatusOr<Hash> signed_root = HashFromBytes(head.root_hash());
    if (!signed_root.ok()) {
      Fail(root_, absl::StrCat("the head of size ", target, " has no valid root hash"));
      return;
    }
    absl::StatusOr<Hash> root = tree_.RootHash(target);
    if (!root.ok() || *root != *signed_root) {
      Fail(root_, absl::StrCat("the ", target, " events hash to ",
                               root.ok() ? HashToHex(*root) : "nothing",
                               ", but the signed head says ", HashToHex(*signed_root)));
    }
  }

  void CheckEvent(const v1::AuditEvent& event) {
    const int64_t position = static_cast<int64_t>(leaves_.size());
    if (event.index() != position) {
      Fail(events_, absl::StrCat("the event at position ", position, " has index ",
                                 event.index()));
    }
    v1::AuditEvent leaf;
    const bool parsed = leaf.ParseFromString(event.leaf_data());
    if (!parsed) {
      Fail(events_, absl::StrCat("event ", position, ": its leaf_data does not parse"));
    } else {
      std::string diff = CompareWithLeaf(event, leaf);
      if (!diff.empty()) Fail(events_, absl::StrCat("event ", position, ": ", diff));
    }
    const Hash hash = LeafHash(event.leaf_data());
    tree_.Append(hash);
    leaves_.push_back(hash);
    ++report_.events_checked;
    if (!replay_ok_) return;
    if (!parsed) {
      replay_ok_ = false;
      Fail(replay_, absl::StrCat("stopped at event ", position, ": its leaf_data does not parse"));
      return;
    }
    // The replay reads what the root authenticates: the leaf, not the
    // listed copy of its fields.
    leaf.set_index(position);
    absl::Status s = replayer_.Apply(leaf);
    if (!s.ok()) {
      replay_ok_ = false;
      Fail(replay_, std::string(s.message()));
    }
  }

  // Every cell of every agreement the caller may list.
  absl::Status ListCells(std::vector<v1::QuotaCell>& cells, std::set<std::string>& agreements) {
    std::string token;
    do {
      v1::ListAgreementsRequest request;
      request.set_page_size(1000);
      request.set_page_token(token);
      absl::StatusOr<v1::ListAgreementsResponse> page = source_.ListAgreements(request);
      if (!page.ok()) return absl::Status(page.status().code(), ErrorText("ListAgreements", page.status()));
      for (const v1::Agreement& a : page->agreements()) agreements.insert(a.name());
      token = page->next_page_token();
    } while (!token.empty());
    for (const std::string& agreement : agreements) {
      do {
        v1::ListQuotaCellsRequest request;
        request.set_parent(agreement);
        request.set_page_size(1000);
        request.set_page_token(token);
        absl::StatusOr<v1::ListQuotaCellsResponse> page = source_.ListQuotaCells(request);
        if (!page.ok()) {
          return absl::Status(page.status().code(),
                              ErrorText(absl::StrCat("ListQuotaCells of ", agreement), page.status()));
        }
        for (const v1::QuotaCell& c : page->quota_cells()) cells.push_back(c);
        token = page->next_page_token();
      } while (!token.empty());
    }
    return absl::OkStatus();
  }

  // Reads the cells between two heads of the same size (catching up with
  // the log when it grew) and compares them with the replay.
  void CompareCells() {
    for (int round = 0; round < std::max(options_.max_rounds, 1); ++round) {
      if (!replay_ok_) {
        Skip(cells_, "not compared: the replay failed");
        return;
      }
      if (!EventsComplete()) {
        Skip(cells_, "not compared: the events are incomplete");
        return;
      }
      std::vector<v1::QuotaCell> cells;
      std::set<std::string> agreements;
      absl::Status listed = ListCells(cells, agreements);
      if (!listed.ok()) {
        Fail(cells_, std::string(listed.message()));
        return;
      }
      absl::StatusOr<v1::SignedTreeHead> next = source_.GetTreeHead();
      if (!next.ok()) {
        Fail(cells_, ErrorText("GetTreeHead", next.status()));
        return;
      }
      const v1::SignedTreeHead& head = report_.head;
      if (next->tree_size() == head.tree_size()) {
        if (next->root_hash() != head.root_hash()) {
          Fail(head_, absl::StrCat("two signed heads of size ", head.tree_size(),
                                   " have different roots (", Hex(head.root_hash()), ", ",
                                   Hex(next->root_hash()), ")"));
          Skip(cells_, "not compared: the server's heads disagree");
          return;
        }
        Compare(cells, agreements);
        return;
      }
      if (next->tree_size() < head.tree_size()) {
        Fail(head_, absl::StrCat("the log shrank from ", head.tree_size(), " to ",
                                 next->tree_size(), " events while it was read"));
        Skip(cells_, "not compared: the log shrank");
        return;
      }
      // The log grew while the cells were read: catch up and read again.
      report_.head = *next;
      CheckHead(*next);
      Extend(*next);
    }
    Fail(cells_, absl::StrCat("not compared: the log grew during each of ",
                              std::max(options_.max_rounds, 1),
                              " attempts to read the cells; run again when it is quieter"));
  }

  void Compare(const std::vector<v1::QuotaCell>& cells, const std::set<std::string>& agreements) {
    std::set<std::string> live;
    for (const v1::QuotaCell& cell : cells) {
      live.insert(cell.name());
      ++report_.cells_compared;
      auto it = replayer_.cells().find(cell.name());
      if (it == replayer_.cells().end()) {
        Fail(cells_, absl::StrCat(cell.name(), " is live but the log never created it"));
        continue;
      }
      const matcher::AuditReplay::Cell& want = it->second;
      if (want.deleted) {
        Fail(cells_, absl::StrCat(cell.name(), " is live but the log deleted it"));
        continue;
      }
      if (cell.cap() != want.cap || cell.reserved() != want.reserved ||
          cell.committed() != want.committed) {
        Fail(cells_, absl::StrCat(cell.name(), ": live cap ", cell.cap(), ", reserved ",
                                  cell.reserved(), ", committed ", cell.committed(),
                                  "; the log gives cap ", want.cap, ", reserved ", want.reserved,
                                  ", committed ", want.committed));
      }
    }
    for (const auto& [name, cell] : replayer_.cells()) {
      if (cell.deleted || live.count(name) > 0) continue;
      if (agreements.count(AgreementOf(name)) == 0) continue;
      Fail(cells_, absl::StrCat("the log has ", name, " (cap ", cell.cap, ", reserved ",
                                cell.reserved, ", committed ", cell.committed,
                                "), but the server does not list it"));
    }
    if (cells_.ok) {
      cells_.detail = absl::StrCat(report_.cells_compared, " cells of ", agreements.size(),
                                   " agreements have the cap, reserved and committed the "
                                   "replay gives");
    }
  }

  void ProveInclusion() {
    const int64_t size = report_.head.tree_size();
    if (size <= 0) {
      Skip(inclusion_, "no events to prove");
      return;
    }
    if (!EventsComplete()) {
      Skip(inclusion_, "not checked: the events are incomplete");
      return;
    }
    absl::StatusOr<Hash> root = HashFromBytes(report_.head.root_hash());
    if (!root.ok()) {
      Skip(inclusion_, "not checked: the head has no valid root");
      return;
    }
    std::set<int64_t> sample;
    if (size <= options_.prove_all_up_to) {
      for (int64_t i = 0; i < size; ++i) sample.insert(i);
    } else {
      sample.insert(0);
      sample.insert(size - 1);
      std::mt19937_64 rng(options_.seed != 0 ? options_.seed : std::random_device()());
      std::uniform_int_distribution<int64_t> pick(1, size - 2);
      const int64_t want = std::min<int64_t>(options_.random_samples, size - 2);
      while (static_cast<int64_t>(sample.size()) < want + 2) sample.insert(pick(rng));
    }
    for (int64_t i : sample) {
      v1::GetInclusionProofRequest request;
      request.set_leaf_index(i);
      request.set_tree_size(size);
      absl::StatusOr<v1::GetInclusionProofResponse> response = source_.GetInclusionProof(request);
      if (!response.ok()) {
        Fail(inclusion_, ErrorText(absl::StrCat("GetInclusionProof of leaf ", i), response.status()));
        continue;
      }
      std::vector<Hash> proof;
      bool malformed = false;
      for (const std::string& bytes : response->audit_path()) {
        absl::StatusOr<Hash> h = HashFromBytes(bytes);
        if (!h.ok()) {
          malformed = true;
          break;
        }
        proof.push_back(*h);
      }
      if (malformed) {
        Fail(inclusion_, absl::StrCat("leaf ", i, ": the proof holds a hash that is not 32 bytes"));
        continue;
      }
      absl::Status s = VerifyInclusion(leaves_[static_cast<size_t>(i)], static_cast<uint64_t>(i),
                                       static_cast<uint64_t>(size), proof, *root);
      if (!s.ok()) {
        Fail(inclusion_, absl::StrCat("leaf ", i, ": the inclusion proof does not verify against "
                                      "the signed head (", s.message(), ")"));
        continue;
      }
      ++report_.inclusion_proofs_checked;
    }
    if (inclusion_.ok) {
      inclusion_.detail = absl::StrCat(report_.inclusion_proofs_checked,
                                       " inclusion proofs verify against the signed head",
                                       sample.size() == static_cast<size_t>(size)
                                           ? " (every leaf)"
                                           : " (first, last and a random sample)");
    }
  }

  void CheckConsistency() {
    if (!options_.previous) {
      Skip(consistency_, "no head verified before (no state file yet)");
      return;
    }
    const VerifiedHead& before = *options_.previous;
    const int64_t size = report_.head.tree_size();
    absl::StatusOr<Hash> root = HashFromBytes(report_.head.root_hash());
    if (!root.ok()) {
      Skip(consistency_, "not checked: the head has no valid root");
      return;
    }
    const std::string saved = absl::StrCat("the saved head (", before.tree_size, " events, root ",
                                           HashToHex(before.root), ")");
    if (before.tree_size > size) {
      Fail(consistency_, absl::StrCat("the log has ", size, " events, fewer than ", saved,
                                      ": it was truncated or rewritten"));
      return;
    }
    if (before.tree_size == 0) {
      consistency_.detail = "the saved head was of the empty log";
      return;
    }
    std::vector<Hash> proof;
    if (before.tree_size < size) {
      v1::GetConsistencyProofRequest request;
      request.set_first_size(before.tree_size);
      request.set_second_size(size);
      absl::StatusOr<v1::GetConsistencyProofResponse> response =
          source_.GetConsistencyProof(request);
      if (!response.ok()) {
        Fail(consistency_, ErrorText("GetConsistencyProof", response.status()));
        return;
      }
      for (const std::string& bytes : response->proof()) {
        absl::StatusOr<Hash> h = HashFromBytes(bytes);
        if (!h.ok()) {
          Fail(consistency_, "the consistency proof holds a hash that is not 32 bytes");
          return;
        }
        proof.push_back(*h);
      }
    }
    absl::Status s = VerifyConsistency(static_cast<uint64_t>(before.tree_size),
                                       static_cast<uint64_t>(size), before.root, *root, proof);
    if (!s.ok()) {
      Fail(consistency_, absl::StrCat("the log of ", size, " events does not extend ", saved,
                                      ": it was rewritten (", s.message(), ")"));
      return;
    }
    // The events themselves must also start with the saved tree.
    if (EventsComplete()) {
      absl::StatusOr<Hash> prefix = tree_.RootHash(static_cast<uint64_t>(before.tree_size));
      if (!prefix.ok() || *prefix != before.root) {
        Fail(consistency_, absl::StrCat("the first ", before.tree_size, " events hash to ",
                                        prefix.ok() ? HashToHex(*prefix) : "nothing",
                                        ", not to the root of ", saved));
        return;
      }
    }
    consistency_.detail =
        before.tree_size == size
            ? absl::StrCat("unchanged since ", saved)
            : absl::StrCat("the log extends ", saved, " (consistency proof verified)");
  }

  void Finish() {
    const v1::SignedTreeHead& head = report_.head;
    if (head_.ok) {
      head_.detail = absl::StrCat("size ", head.tree_size(), ", root ", Hex(head.root_hash()),
                                  ", ", TimeText(head.time()),
                                  ": the signature verifies with the given public key",
                                  heads_checked_ > 1 ? absl::StrCat(" (", heads_checked_,
                                                                    " heads read)")
                                                     : "");
    }
    if (events_.ok) {
      events_.detail = absl::StrCat(report_.events_checked,
                                    " events in index order, each equal to its leaf_data");
    }
    if (root_.ok && root_.ran) {
      root_.detail = absl::StrCat("the ", leaves_.size(), " leaf hashes give the signed root");
    }
    if (replay_.ok && replay_.ran) {
      replay_.detail = absl::StrCat("every rule holds at every prefix of ", replayer_.applied(),
                                    " events (", replayer_.cells().size(), " cells, ",
                                    replayer_.reservations().size(), " reservations)");
    }
    report_.steps = {head_, events_, root_, inclusion_, consistency_, replay_, cells_};
  }

  AuditSource& source_;
  const VerifyOptions& options_;
  VerifyReport report_;
  VerifyStep head_{"head", true, true, ""};
  VerifyStep events_{"events", true, true, ""};
  VerifyStep root_{"root", true, true, ""};
  VerifyStep inclusion_{"inclusion", true, true, ""};
  VerifyStep consistency_{"consistency", true, true, ""};
  VerifyStep replay_{"replay", true, true, ""};
  VerifyStep cells_{"cells", true, true, ""};
  int heads_checked_ = 0;
  MerkleTree tree_;
  std::vector<Hash> leaves_;
  matcher::AuditReplay replayer_;
  bool replay_ok_ = true;
};

}  // namespace

std::unique_ptr<AuditSource> NewGrpcAuditSource(const Connection& connection) {
  return std::make_unique<GrpcAuditSource>(connection);
}

bool VerifyReport::ok() const { return first_failure() == nullptr; }

const VerifyStep* VerifyReport::first_failure() const {
  for (const VerifyStep& s : steps) {
    if (!s.ok) return &s;
  }
  return nullptr;
}

absl::StatusOr<VerifyReport> VerifyAuditLog(AuditSource& source, const VerifyOptions& options) {
  if (options.public_key.size() != kPublicKeyBytes) {
    return absl::InvalidArgumentError("the public key must be 32 bytes");
  }
  return Verifier(source, options).Run();
}

absl::StatusOr<std::string> ParsePublicKeyArg(const std::string& arg) {
  const std::string trimmed(absl::StripAsciiWhitespace(arg));
  if (trimmed.size() == 2 * kPublicKeyBytes && ParsePublicKeyHex(trimmed).ok()) {
    return ParsePublicKeyHex(trimmed);
  }
  std::ifstream in(arg, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(
        "--public-key: ", arg, " is neither 64 hex digits nor a readable file"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::string> key = ParsePublicKeyHex(absl::StripAsciiWhitespace(text.str()));
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--public-key: ", arg, " does not hold a public key of 64 hex digits"));
  }
  return key;
}

absl::StatusOr<VerifiedHead> ReadStateFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      return absl::NotFoundError(absl::StrCat("no state file ", path));
    }
    return absl::InvalidArgumentError(absl::StrCat("cannot read the state file ", path));
  }
  auto malformed = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("state file ", path, ": ", why));
  };
  std::string line;
  if (!std::getline(in, line) || absl::StripAsciiWhitespace(line) != kStateMagic) {
    return malformed(absl::StrCat("the first line is not \"", kStateMagic, "\""));
  }
  VerifiedHead head;
  bool have_size = false;
  bool have_root = false;
  while (std::getline(in, line)) {
    std::vector<std::string> parts =
        absl::StrSplit(absl::StripAsciiWhitespace(line), ' ', absl::SkipEmpty());
    if (parts.size() != 2) continue;
    if (parts[0] == "tree_size") {
      if (!absl::SimpleAtoi(parts[1], &head.tree_size) || head.tree_size < 0) {
        return malformed("tree_size is not a count");
      }
      have_size = true;
    } else if (parts[0] == "root_hash") {
      const std::string bytes = absl::HexStringToBytes(parts[1]);
      absl::StatusOr<Hash> root = HashFromBytes(bytes);
      if (parts[1].size() != 64 || !root.ok() || Hex(bytes) != absl::AsciiStrToLower(parts[1])) {
        return malformed("root_hash is not 64 hex digits");
      }
      head.root = *root;
      have_root = true;
    }
  }
  if (!have_size || !have_root) return malformed("tree_size or root_hash is missing");
  return head;
}

absl::Status WriteStateFile(const std::string& path, const v1::SignedTreeHead& head) {
  const std::string temp = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << kStateMagic << "\n"
        << "tree_size " << head.tree_size() << "\n"
        << "root_hash " << Hex(head.root_hash()) << "\n"
        << "time " << TimeText(head.time()) << "\n"
        << "signature " << Hex(head.signature()) << "\n";
    out.flush();
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", temp));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot rename ", temp, " to ", path));
  }
  return absl::OkStatus();
}

}  // namespace corridor::cli
