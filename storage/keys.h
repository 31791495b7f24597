#ifndef CORRIDOR_STORAGE_KEYS_H_
#define CORRIDOR_STORAGE_KEYS_H_

// The whole key grammar of Corridor's RocksDB database. Every key is built
// here and nowhere else.
//
// Column families (one per kind of record, plus bookkeeping):
//
//   agencies       <agency_id>                          -> corridor.v1.Agency
//   employers      <employer_id>                        -> corridor.v1.Employer
//   candidates     <candidate_id>                       -> corridor.v1.Candidate
//   vacancies      <vacancy_id>                         -> corridor.v1.Vacancy
//   agreements     <agreement_id>                       -> corridor.v1.Agreement
//   quota_cells    <agreement_id> "/" <cell_id>         -> corridor.v1.QuotaCell
//   applications   <application_id>                     -> corridor.v1.Application
//   reservations   <reservation_id>                     -> corridor.v1.Reservation
//   allocation_rounds <round_id>                        -> corridor.v1.AllocationRound
//   ledger         <agreement_id> "/" <cell_id>         -> CellCounters (16 bytes)
//   audit          <leaf index, 8 bytes big-endian>     -> the event's leaf_data
//   indexes        <index> 0x00 <value> 0x00 <record_id> -> "" (empty)
//                  <reply index> 0x00 <record_id> 0x00 <idempotency key> -> ""
//   idempotency    <scope> 0x00 <request_id>            -> IdempotencyRecord
//   meta           "schema_version"                     -> decimal string
//                  "page_token_secret"                  -> 32 random bytes
//                  "audit_tree_head"                    -> corridor.v1.SignedTreeHead
//                  "purge_pending/" <family> "/" <record_id> -> "" (empty)
//
// CellCounters: the units a quota cell has held and committed, two int64s
// (reserved, then committed), each 8 bytes big-endian. Written only by the
// QuotaLedger, in the same WriteBatch as the reservation records and audit
// events that changed them. Audit entries are written only by the AuditLog,
// in the same batch as the change they describe, with the new signed tree head.
//
// Ids are [a-z0-9-] (resource_name.h), so neither 0x00 nor '/' occurs inside
// an id and every prefix scan is unambiguous. Values are protobuf-serialised.
//
// Secondary indexes (<index> names), all maintained in the same WriteBatch as
// the record they point to:
//   cand_agency   candidates by owning agency id
//   cand_nat      candidates by nationality (ISO 3166-1 alpha-2)
//   cand_isco     candidates by ISCO-08 unit group of each of their occupations
//   vac_employer  vacancies by employer id
//   vac_dest      vacancies by destination country
//   cell_agr      quota cells by agreement id
//   app_cand      applications by candidate id
//   app_vac       applications by vacancy id
//   cand_reply    idempotency entries stored with a candidate (see Erasure)
//
// An IdempotencyRecord value is: 32 bytes of SHA-256 over the request's
// deterministic serialisation, then the serialised reply. <scope> is the
// caller's principal and the full RPC method name joined by 0x00, so one
// tenant can never see another's stored reply. Once the record a reply was
// written with is erased, the value is kErasedIdempotencyRecord instead
// (shorter than any real record): a replay is refused, never re-executed.
//
// Erasure (docs/privacy.md). A kind of record holding personal data has a
// reply index (RecordKind::reply_index; candidates: cand_reply) linking each
// record to every idempotency entry written in the same transaction as it,
// whose reply may repeat its data. <idempotency key> contains 0x00 itself;
// the prefix <reply index> 0x00 <record_id> 0x00 is still unambiguous since
// ids never contain 0x00. Deleting the record, in its own transaction,
// replaces each linked entry with kErasedIdempotencyRecord, deletes the links
// and adds the meta key purge_pending/<family>/<record_id>; once a purge
// (Database::PurgeNow) has made the old values physically leave the files,
// the purge_pending key is deleted.

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

namespace corridor::storage {

// Column families, in the order they are opened.
enum class Family {
  kDefault = 0,
  kAgencies,
  kEmployers,
  kCandidates,
  kVacancies,
  kAgreements,
  kQuotaCells,
  kApplications,
  kIndexes,
  kIdempotency,
  kMeta,
  kReservations,
  kLedger,
  kAudit,
  kAllocationRounds,
};
inline constexpr int kFamilyCount = 15;

// RocksDB's name of a column family ("default" for kDefault).
absl::string_view FamilyName(Family f);
std::vector<std::string> AllFamilyNames();

// Index names (see above).
inline constexpr absl::string_view kIndexCandidateAgency = "cand_agency";
inline constexpr absl::string_view kIndexCandidateNationality = "cand_nat";
inline constexpr absl::string_view kIndexCandidateIsco = "cand_isco";
inline constexpr absl::string_view kIndexVacancyEmployer = "vac_employer";
inline constexpr absl::string_view kIndexVacancyDestination = "vac_dest";
inline constexpr absl::string_view kIndexCellAgreement = "cell_agr";
inline constexpr absl::string_view kIndexApplicationCandidate = "app_cand";
inline constexpr absl::string_view kIndexApplicationVacancy = "app_vac";
// Reply index of candidates (see Erasure above).
inline constexpr absl::string_view kIndexCandidateReply = "cand_reply";

// Record key of a quota cell: "<agreement_id>/<cell_id>".
std::string QuotaCellKey(absl::string_view agreement_id, absl::string_view cell_id);

// Key of an audit entry: the leaf index, 8 bytes big-endian (so keys sort in
// log order), and its inverse (false when `key` is not 8 bytes).
std::string AuditEntryKey(uint64_t index);
bool ParseAuditEntryKey(absl::string_view key, uint64_t& index);

// Value of a CellCounters entry (see above) and its inverse (false when
// `value` is not 16 bytes).
std::string EncodeCellCounters(int64_t reserved, int64_t committed);
bool DecodeCellCounters(absl::string_view value, int64_t& reserved, int64_t& committed);

// Index entry key: <index> 0x00 <value> 0x00 <record_id>.
std::string IndexKey(absl::string_view index, absl::string_view value,
                     absl::string_view record_id);
// Prefix of every entry of one index value: <index> 0x00 <value> 0x00.
std::string IndexPrefix(absl::string_view index, absl::string_view value);
// The record id of an index key built by IndexKey, or "" when malformed.
absl::string_view RecordIdFromIndexKey(absl::string_view key);

// Idempotency key: <principal> 0x00 <method> 0x00 <request_id>.
std::string IdempotencyKey(absl::string_view principal, absl::string_view method,
                           absl::string_view request_id);

// Key of the link from a record to an idempotency entry stored with it, and
// the prefix of every link of one record (see Erasure above).
std::string ReplyLinkKey(absl::string_view reply_index, absl::string_view record_id,
                         absl::string_view idempotency_key);
std::string ReplyLinkPrefix(absl::string_view reply_index, absl::string_view record_id);

// The value of an idempotency entry whose reply was erased.
inline constexpr absl::string_view kErasedIdempotencyRecord = "erased";

// Meta key recording that `record_id` of `family` was erased and its old
// values still await a purge; the prefix of every such key; and the inverse
// (false when `key` is not such a key or names an unknown family).
std::string PurgePendingKey(Family family, absl::string_view record_id);
inline constexpr absl::string_view kMetaPurgePendingPrefix = "purge_pending/";
bool ParsePurgePendingKey(absl::string_view key, Family& family, std::string& record_id);

// Keys in the meta family.
inline constexpr absl::string_view kMetaSchemaVersion = "schema_version";
// Rewritten before a flush of every family (Database::FlushAll); no meaning.
inline constexpr absl::string_view kMetaFlushMarker = "flush_marker";
inline constexpr absl::string_view kMetaPageTokenSecret = "page_token_secret";
inline constexpr absl::string_view kMetaAuditTreeHead = "audit_tree_head";
inline constexpr absl::string_view kSchemaVersion = "1";

}  // namespace corridor::storage

#endif  // CORRIDOR_STORAGE_KEYS_H_
