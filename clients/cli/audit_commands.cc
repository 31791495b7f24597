#include "clients/cli/audit_commands.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/proto_json.h"
#include "clients/cli/resources.h"
#include "common/csv.h"
#include "common/signing.h"
#include "corridor/v1/audit_service.grpc.pb.h"
#include "nlohmann/json.hpp"

namespace corridor::cli {
namespace {

std::string Hex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

std::string Rfc3339(const google::protobuf::Timestamp& t) {
  std::string out;
  AppendRfc3339(t.seconds(), t.nanos(), &out);
  return out;
}

// "WITHDRAWN=1;VISA_REFUSED=2", in reason order.
std::string ReasonsText(const v1::QuotaUsageRow& row) {
  std::vector<std::pair<std::string, int64_t>> reasons(row.released_by_reason().begin(),
                                                       row.released_by_reason().end());
  std::sort(reasons.begin(), reasons.end());
  std::vector<std::string> parts;
  for (const auto& [reason, n] : reasons) parts.push_back(absl::StrCat(reason, "=", n));
  return absl::StrJoin(parts, ";");
}

// "es-2027 reserved+1", "es-2027 cap=1000", "es-2027 deleted".
std::string EffectsText(const v1::AuditEvent& e) {
  std::vector<std::string> parts;
  for (const v1::CellEffect& f : e.effects()) {
    std::string part = ShortName(f.quota_cell());
    if (f.deleted()) absl::StrAppend(&part, " deleted");
    if (f.has_cap()) absl::StrAppend(&part, " cap=", f.cap());
    if (f.reserved_delta() != 0) {
      absl::StrAppend(&part, " reserved", f.reserved_delta() > 0 ? "+" : "", f.reserved_delta());
    }
    if (f.committed_delta() != 0) {
      absl::StrAppend(&part, " committed", f.committed_delta() > 0 ? "+" : "",
                      f.committed_delta());
    }
    parts.push_back(std::move(part));
  }
  return parts.empty() ? "-" : absl::StrJoin(parts, "; ");
}

template <class Response, class Request, class Method>
absl::StatusOr<Response> Call(const Connection& c, Method method, const Request& request) {
  auto stub = v1::AuditService::NewStub(c.channel());
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  Response response;
  grpc::Status st = (stub.get()->*method)(&ctx, request, &response);
  if (!st.ok()) return FromGrpc(st);
  return response;
}

const char* StepLabel(const VerifyStep& step) {
  if (!step.ok) return "FAILED";
  return step.ran ? "OK" : "SKIPPED";
}

}  // namespace

int RunKeygen(const Io& io, const std::string& out_file) {
  absl::Status created = CreateSigningKeyFile(out_file);
  if (!created.ok()) return ReportError(io, created);
  absl::StatusOr<SigningKey> key = SigningKey::FromFile(out_file);
  if (!key.ok()) return ReportError(io, key.status());
  if (io.format == OutputFormat::kJson) {
    nlohmann::json j = {{"keyFile", out_file}, {"publicKey", key->public_key_hex()}};
    *io.out << j.dump(2) << '\n';
  } else {
    *io.out << key->public_key_hex() << '\n';
  }
  *io.err << "wrote a new signing key to " << out_file
          << " (mode 0600; corridord --audit-key-file " << out_file
          << "); the line above is its public key: give it to the ministries, keep the file "
             "secret\n";
  return kExitOk;
}

int RunPublicKey(const Io& io, const std::string& key_file) {
  absl::StatusOr<SigningKey> key = SigningKey::FromFile(key_file);
  if (!key.ok()) return ReportError(io, key.status());
  if (io.format == OutputFormat::kJson) {
    nlohmann::json j = {{"keyFile", key_file}, {"publicKey", key->public_key_hex()}};
    *io.out << j.dump(2) << '\n';
  } else {
    *io.out << key->public_key_hex() << '\n';
  }
  return kExitOk;
}

int RunHead(const Connection& c, const Io& io, const HeadArgs& args) {
  std::string public_key;
  if (!args.public_key.empty()) {
    absl::StatusOr<std::string> key = ParsePublicKeyArg(args.public_key);
    if (!key.ok()) return ReportError(io, key.status());
    public_key = *key;
  }
  absl::StatusOr<v1::SignedTreeHead> head = Call<v1::SignedTreeHead>(
      c, &v1::AuditService::Stub::GetTreeHead, v1::GetTreeHeadRequest());
  if (!head.ok()) return ReportError(io, head.status());
  std::string verdict = "not checked (no --public-key)";
  bool valid = true;
  if (!public_key.empty()) {
    const int64_t micros = head->time().seconds() * 1000000 + head->time().nanos() / 1000;
    absl::Status s = VerifySignature(
        public_key,
        TreeHeadMessage(static_cast<uint64_t>(head->tree_size()), head->root_hash(), micros),
        head->signature());
    valid = s.ok();
    verdict = valid ? "valid (verified with the given public key)"
                    : absl::StrCat("INVALID: ", s.message());
  }
  if (io.format == OutputFormat::kJson) {
    nlohmann::json j = {{"treeSize", head->tree_size()},
                        {"rootHash", Hex(head->root_hash())},
                        {"time", Rfc3339(head->time())},
                        {"signature", Hex(head->signature())}};
    if (!public_key.empty()) j["signatureValid"] = valid;
    *io.out << j.dump(2) << '\n';
  } else {
    Table table({"FIELD", "VALUE"});
    table.AddRow({"tree_size", absl::StrCat(head->tree_size())});
    table.AddRow({"root_hash", Hex(head->root_hash())});
    table.AddRow({"time", Rfc3339(head->time())});
    table.AddRow({"signature", Hex(head->signature())});
    table.AddRow({"signature check", verdict});
    table.Print(*io.out);
  }
  if (!valid) {
    *io.err << "error: the tree head's signature does not verify with the given public key\n";
    return kExitFailure;
  }
  return kExitOk;
}

int RunEvents(const Connection& c, const Io& io, const EventsArgs& args) {
  v1::ListAuditEventsResponse all;
  std::string token;
  for (;;) {
    const int64_t remaining =
        args.limit > 0 ? args.limit - all.events_size() : std::numeric_limits<int64_t>::max();
    if (remaining <= 0) break;
    v1::ListAuditEventsRequest req;
    req.set_start_index(args.start);
    req.set_filter(args.filter);
    req.set_page_size(static_cast<int32_t>(std::min<int64_t>(remaining, 1000)));
    req.set_page_token(token);
    absl::StatusOr<v1::ListAuditEventsResponse> page = Call<v1::ListAuditEventsResponse>(
        c, &v1::AuditService::Stub::ListAuditEvents, req);
    if (!page.ok()) return ReportError(io, page.status());
    for (v1::AuditEvent& e : *page->mutable_events()) all.add_events()->Swap(&e);
    token = page->next_page_token();
    if (token.empty()) break;
  }
  all.set_next_page_token(token);
  if (io.format == OutputFormat::kJson) {
    *io.out << MessageToPrettyJson(all) << '\n';
  } else {
    Table table({"INDEX", "TIME", "ACTOR", "KIND", "REASON", "SUBJECTS", "EFFECTS"});
    for (const v1::AuditEvent& e : all.events()) {
      table.AddRow({absl::StrCat(e.index()), TimeLabel(e.time(), e.has_time()), e.actor(),
                    e.kind(), e.reason_code().empty() ? "-" : e.reason_code(),
                    e.subjects().empty() ? "-" : absl::StrJoin(e.subjects(), ","),
                    EffectsText(e)});
    }
    table.Print(*io.out);
  }
  if (!token.empty() && !all.events().empty()) {
    *io.err << "more events: --start " << all.events(all.events_size() - 1).index() + 1
            << " (or --limit 0 for all)\n";
  }
  return kExitOk;
}

std::string UsageReportCsv(const v1::QuotaUsageReport& report) {
  std::string out;
  AppendCsvRecord({"key", "cap", "reserved", "committed", "released", "expired", "corrected",
                   "selected", "released_by_reason"},
                  &out);
  for (const v1::QuotaUsageRow& row : report.rows()) {
    AppendCsvRecord({row.key(), absl::StrCat(row.cap()), absl::StrCat(row.reserved()),
                     absl::StrCat(row.committed()), absl::StrCat(row.released()),
                     absl::StrCat(row.expired()), absl::StrCat(row.corrected()),
                     absl::StrCat(row.selected()), ReasonsText(row)},
                    &out);
  }
  return out;
}

int RunReport(const Connection& c, const Io& io, const ReportArgs& args) {
  v1::GetQuotaUsageReportRequest req;
  req.set_agreement(QualifiedName("agreements", args.agreement));
  req.set_dimension(args.dimension);
  if (!args.as_of.empty()) {
    int64_t seconds = 0;
    int32_t nanos = 0;
    if (!ParseRfc3339(args.as_of, &seconds, &nanos)) {
      ReportError(io, absl::InvalidArgumentError(absl::StrCat(
                          "--as-of: \"", args.as_of,
                          "\" is not an RFC 3339 instant (e.g. 2027-06-30T23:59:59Z)")));
      return kExitUsage;
    }
    req.mutable_as_of()->set_seconds(seconds);
    req.mutable_as_of()->set_nanos(nanos);
  }
  absl::StatusOr<v1::QuotaUsageReport> report = Call<v1::QuotaUsageReport>(
      c, &v1::AuditService::Stub::GetQuotaUsageReport, req);
  if (!report.ok()) return ReportError(io, report.status());
  const std::string csv = UsageReportCsv(*report);
  if (!args.csv_file.empty()) {
    std::ofstream out(args.csv_file, std::ios::binary | std::ios::trunc);
    out << csv;
    out.flush();
    if (!out) {
      return ReportError(io, absl::InternalError(absl::StrCat("cannot write ", args.csv_file)));
    }
    *io.err << "wrote " << report->rows_size() << " rows to " << args.csv_file << '\n';
  }
  if (args.format == "csv") {
    *io.out << csv;
  } else if (io.format == OutputFormat::kJson) {
    *io.out << MessageToPrettyJson(*report) << '\n';
  } else {
    Table table({"KEY", "CAP", "RESERVED", "COMMITTED", "RELEASED", "EXPIRED", "CORRECTED",
                 "SELECTED", "RELEASED BY REASON"});
    for (const v1::QuotaUsageRow& row : report->rows()) {
      const std::string reasons = ReasonsText(row);
      table.AddRow({row.key().empty() ? "(unknown)" : row.key(), absl::StrCat(row.cap()),
                    absl::StrCat(row.reserved()), absl::StrCat(row.committed()),
                    absl::StrCat(row.released()), absl::StrCat(row.expired()),
                    absl::StrCat(row.corrected()), absl::StrCat(row.selected()),
                    reasons.empty() ? "-" : reasons});
    }
    table.Print(*io.out);
  }
  *io.err << "as of " << Rfc3339(report->as_of()) << ", " << report->events_replayed()
          << " audit events replayed\n";
  return kExitOk;
}

int RunVerifyWith(AuditSource& source, const Io& io, const VerifyArgs& args) {
  VerifyOptions options;
  absl::StatusOr<std::string> key = ParsePublicKeyArg(args.public_key);
  if (!key.ok()) return ReportError(io, key.status());
  options.public_key = *key;
  options.random_samples = args.samples;
  options.seed = args.seed;
  if (!args.state_file.empty()) {
    absl::StatusOr<VerifiedHead> previous = ReadStateFile(args.state_file);
    if (previous.ok()) {
      options.previous = *previous;
    } else if (absl::IsNotFound(previous.status())) {
      *io.err << "no state file " << args.state_file
              << " yet: consistency is checked from the next run on\n";
    } else {
      return ReportError(io, previous.status());
    }
  }
  absl::StatusOr<VerifyReport> report = VerifyAuditLog(source, options);
  if (!report.ok()) return ReportError(io, report.status());
  const bool ok = report->ok();
  if (io.format == OutputFormat::kJson) {
    nlohmann::json steps = nlohmann::json::array();
    for (const VerifyStep& s : report->steps) {
      steps.push_back({{"name", s.name}, {"status", StepLabel(s)}, {"detail", s.detail}});
    }
    nlohmann::json j = {{"ok", ok},
                        {"treeSize", report->head.tree_size()},
                        {"rootHash", Hex(report->head.root_hash())},
                        {"eventsChecked", report->events_checked},
                        {"inclusionProofsChecked", report->inclusion_proofs_checked},
                        {"cellsCompared", report->cells_compared},
                        {"steps", steps}};
    *io.out << j.dump(2) << '\n';
  } else {
    Table table({"RESULT", "STEP", "DETAIL"});
    for (const VerifyStep& s : report->steps) table.AddRow({StepLabel(s), s.name, s.detail});
    table.Print(*io.out);
    if (ok) {
      *io.out << "audit log verified: " << report->events_checked << " events checked, "
              << report->inclusion_proofs_checked << " inclusion proofs checked, "
              << report->cells_compared << " cells compared\n";
    } else {
      const VerifyStep* first = report->first_failure();
      *io.out << "audit log verification FAILED at " << first->name << ": " << first->detail
              << '\n';
    }
  }
  if (!ok) return kExitFailure;
  if (!args.state_file.empty()) {
    absl::Status written = WriteStateFile(args.state_file, report->head);
    if (!written.ok()) return ReportError(io, written);
    *io.err << "saved the verified head (" << report->head.tree_size() << " events) to "
            << args.state_file << '\n';
  }
  return kExitOk;
}

int RunVerify(const Connection& c, const Io& io, const VerifyArgs& args) {
  std::unique_ptr<AuditSource> source = NewGrpcAuditSource(c);
  return RunVerifyWith(*source, io, args);
}

}  // namespace corridor::cli
