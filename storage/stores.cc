#include "storage/stores.h"

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/resource_name.h"
#include "google/protobuf/message.h"
#include "storage/keys.h"

namespace corridor::storage {
namespace {

using google::protobuf::Message;

// Appends (index, value) unless the value is empty or already listed.
void Add(std::vector<IndexEntry>& entries, absl::string_view index, std::string value) {
  if (value.empty()) return;
  IndexEntry e{std::string(index), std::move(value)};
  for (const IndexEntry& existing : entries) {
    if (existing == e) return;
  }
  entries.push_back(std::move(e));
}

// The id of "<collection>/<id>", or "" when `name` is not such a name.
std::string IdOf(absl::string_view name, absl::string_view collection) {
  absl::StatusOr<std::string> id = ParseResourceName(name, collection, "name");
  return id.ok() ? *std::move(id) : std::string();
}

std::vector<IndexEntry> CandidateIndexes(const Message& m) {
  std::vector<IndexEntry> entries;
  const auto* c = google::protobuf::DynamicCastToGenerated<v1::Candidate>(&m);
  if (c == nullptr) return entries;
  Add(entries, kIndexCandidateAgency, IdOf(c->agency(), "agencies"));
  Add(entries, kIndexCandidateNationality, c->nationality());
  for (const v1::CandidateOccupation& o : c->occupations()) {
    Add(entries, kIndexCandidateIsco, o.isco_code());
  }
  return entries;
}

std::vector<IndexEntry> VacancyIndexes(const Message& m) {
  std::vector<IndexEntry> entries;
  const auto* v = google::protobuf::DynamicCastToGenerated<v1::Vacancy>(&m);
  if (v == nullptr) return entries;
  Add(entries, kIndexVacancyEmployer, IdOf(v->employer(), "employers"));
  Add(entries, kIndexVacancyDestination, v->destination());
  return entries;
}

std::vector<IndexEntry> QuotaCellIndexes(const Message& m) {
  std::vector<IndexEntry> entries;
  const auto* q = google::protobuf::DynamicCastToGenerated<v1::QuotaCell>(&m);
  if (q == nullptr) return entries;
  absl::StatusOr<QuotaCellName> name = ParseQuotaCellName(q->name(), "name");
  if (name.ok()) Add(entries, kIndexCellAgreement, name->agreement_id);
  return entries;
}

std::vector<IndexEntry> ApplicationIndexes(const Message& m) {
  std::vector<IndexEntry> entries;
  const auto* a = google::protobuf::DynamicCastToGenerated<v1::Application>(&m);
  if (a == nullptr) return entries;
  Add(entries, kIndexApplicationCandidate, IdOf(a->candidate(), "candidates"));
  Add(entries, kIndexApplicationVacancy, IdOf(a->vacancy(), "vacancies"));
  return entries;
}

RecordKind Kind(Family family, const Message& prototype,
                std::function<std::vector<IndexEntry>(const Message&)> indexes) {
  RecordKind kind;
  kind.family = family;
  kind.indexes = std::move(indexes);
  kind.prototype = &prototype;
  return kind;
}

}  // namespace

RecordKind AgencyKind() {
  return Kind(Family::kAgencies, v1::Agency::default_instance(), nullptr);
}
RecordKind EmployerKind() {
  return Kind(Family::kEmployers, v1::Employer::default_instance(), nullptr);
}
RecordKind CandidateKind() {
  // Candidates are personal data: their stored replies are erased with them.
  RecordKind kind =
      Kind(Family::kCandidates, v1::Candidate::default_instance(), CandidateIndexes);
  kind.reply_index = std::string(kIndexCandidateReply);
  return kind;
}
RecordKind VacancyKind() {
  return Kind(Family::kVacancies, v1::Vacancy::default_instance(), VacancyIndexes);
}
RecordKind AgreementKind() {
  return Kind(Family::kAgreements, v1::Agreement::default_instance(), nullptr);
}
RecordKind QuotaCellKind() {
  return Kind(Family::kQuotaCells, v1::QuotaCell::default_instance(), QuotaCellIndexes);
}
RecordKind ApplicationKind() {
  return Kind(Family::kApplications, v1::Application::default_instance(),
              ApplicationIndexes);
}

RecordKind ReservationKind() {
  RecordKind kind;
  kind.family = Family::kReservations;
  kind.prototype = &v1::Reservation::default_instance();
  return kind;
}

RecordKind AllocationRoundKind() {
  RecordKind kind;
  kind.family = Family::kAllocationRounds;
  kind.prototype = &v1::AllocationRound::default_instance();
  return kind;
}

}  // namespace corridor::storage
