#include "matcher/quota_report.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "matcher/audit_replay.h"

namespace corridor::matcher {
namespace {

constexpr size_t kChunk = 10000;

int64_t Micros(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}

std::string DimensionValue(const v1::ReservationDimensions& d, absl::string_view dimension) {
  if (dimension == "origin") return d.origin();
  if (dimension == "destination") return d.destination();
  if (dimension == "occupation") return d.isco_code();
  if (dimension == "scheme") return d.scheme() == v1::SCHEME_UNSPECIFIED ? "" : v1::Scheme_Name(d.scheme());
  if (dimension == "gender") return d.gender() == v1::GENDER_UNSPECIFIED ? "" : v1::Gender_Name(d.gender());
  if (dimension == "age_band") return d.age_band();
  return "";
}

}  // namespace

absl::StatusOr<v1::QuotaUsageReport> BuildUsageReport(const storage::AuditLog& log,
                                                      storage::Stores& stores,
                                                      absl::string_view agreement_id,
                                                      absl::Time as_of,
                                                      absl::string_view dimension) {
  if (dimension.empty()) dimension = "cell";
  bool known = false;
  for (const char* d : kReportDimensions) known = known || dimension == d;
  if (!known) {
    return absl::InvalidArgumentError(
        "dimension: one of cell, origin, destination, occupation, scheme, gender, age_band");
  }
  const int64_t limit = absl::ToUnixMicros(as_of);
  AuditReplay replay;
  const uint64_t size = log.size();
  bool done = false;
  for (uint64_t start = 0; start < size && !done; start += kChunk) {
    CORRIDOR_ASSIGN_OR_RETURN(std::vector<v1::AuditEvent> events, log.Read(start, kChunk));
    for (const v1::AuditEvent& e : events) {
      if (Micros(e.time()) > limit) {
        done = true;
        break;
      }
      absl::Status s = replay.Apply(e);
      if (!s.ok()) return absl::DataLossError(absl::StrCat("audit replay: ", s.message()));
    }
  }
  const std::string prefix = absl::StrCat("agreements/", agreement_id, "/quotaCells/");
  v1::QuotaUsageReport report;
  report.set_events_replayed(replay.applied());
  report.mutable_as_of()->set_seconds(limit / 1000000);
  report.mutable_as_of()->set_nanos(static_cast<int32_t>((limit % 1000000) * 1000));

  if (dimension == "cell") {
    for (const auto& [name, cell] : replay.cells()) {
      if (!absl::StartsWith(name, prefix) || cell.deleted) continue;
      v1::QuotaUsageRow* row = report.add_rows();
      row->set_key(name);
      row->set_cap(cell.cap);
      row->set_reserved(cell.reserved);
      row->set_committed(cell.committed);
      int64_t released = 0;
      for (const auto& [reason, n] : cell.released_by_reason) {
        released += n;
        (*row->mutable_released_by_reason())[reason] = n;
      }
      row->set_released(released);
      row->set_expired(cell.expired);
      row->set_corrected(cell.corrected);
      row->set_selected(cell.selected);
    }
    return report;
  }

  std::map<std::string, v1::QuotaUsageRow> rows;
  for (const auto& [name, r] : replay.reservations()) {
    if (!absl::StartsWith(r.quota_cell, prefix)) continue;
    absl::StatusOr<v1::Reservation> record =
        stores.reservations.Get(name.substr(std::string("reservations/").size()));
    std::string key = record.ok() ? DimensionValue(record->dimensions(), dimension) : "";
    v1::QuotaUsageRow& row = rows[key];
    row.set_key(key);
    row.set_selected(row.selected() + 1);
    switch (r.state) {
      case v1::RESERVATION_STATE_HELD:
        row.set_reserved(row.reserved() + 1);
        break;
      case v1::RESERVATION_STATE_COMMITTED:
        row.set_committed(row.committed() + 1);
        break;
      case v1::RESERVATION_STATE_RELEASED:
        row.set_released(row.released() + 1);
        if (record.ok()) ++(*row.mutable_released_by_reason())[record->reason_code()];
        break;
      case v1::RESERVATION_STATE_EXPIRED:
        row.set_expired(row.expired() + 1);
        break;
      case v1::RESERVATION_STATE_CORRECTED:
        row.set_corrected(row.corrected() + 1);
        break;
      default:
        break;
    }
  }
  for (auto& [key, row] : rows) *report.add_rows() = std::move(row);
  return report;
}

}  // namespace corridor::matcher
