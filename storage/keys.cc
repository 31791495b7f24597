#include "storage/keys.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/string_view.h"

namespace corridor::storage {
namespace {

// The separator between key parts; ids never contain it (keys.h).
constexpr absl::string_view kSep("\0", 1);

}  // namespace

absl::string_view FamilyName(Family f) {
  switch (f) {
    case Family::kDefault:
      return "default";
    case Family::kAgencies:
      return "agencies";
    case Family::kEmployers:
      return "employers";
    case Family::kCandidates:
      return "candidates";
    case Family::kVacancies:
      return "vacancies";
    case Family::kAgreements:
      return "agreements";
    case Family::kQuotaCells:
      return "quota_cells";
    case Family::kApplications:
      return "applications";
    case Family::kIndexes:
      return "indexes";
    case Family::kIdempotency:
      return "idempotency";
    case Family::kMeta:
      return "meta";
    case Family::kReservations:
      return "reservations";
    case Family::kLedger:
      return "ledger";
    case Family::kAudit:
      return "audit";
    case Family::kAllocationRounds:
      return "allocation_rounds";
  }
  return "";
}

std::vector<std::string> AllFamilyNames() {
  std::vector<std::string> names;
  names.reserve(kFamilyCount);
  for (int i = 0; i < kFamilyCount; ++i) {
    names.emplace_back(FamilyName(static_cast<Family>(i)));
  }
  return names;
}

std::string QuotaCellKey(absl::string_view agreement_id, absl::string_view cell_id) {
  return absl::StrCat(agreement_id, "/", cell_id);
}

namespace {

void PutBigEndian64(uint64_t v, char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

uint64_t GetBigEndian64(const char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

}  // namespace

std::string AuditEntryKey(uint64_t index) {
  std::string key(8, '\0');
  PutBigEndian64(index, key.data());
  return key;
}

bool ParseAuditEntryKey(absl::string_view key, uint64_t& index) {
  if (key.size() != 8) return false;
  index = GetBigEndian64(key.data());
  return true;
}

std::string EncodeCellCounters(int64_t reserved, int64_t committed) {
  std::string value(16, '\0');
  PutBigEndian64(static_cast<uint64_t>(reserved), value.data());
  PutBigEndian64(static_cast<uint64_t>(committed), value.data() + 8);
  return value;
}

bool DecodeCellCounters(absl::string_view value, int64_t& reserved, int64_t& committed) {
  if (value.size() != 16) return false;
  reserved = static_cast<int64_t>(GetBigEndian64(value.data()));
  committed = static_cast<int64_t>(GetBigEndian64(value.data() + 8));
  return true;
}

std::string IndexKey(absl::string_view index, absl::string_view value,
                     absl::string_view record_id) {
  return absl::StrCat(index, kSep, value, kSep, record_id);
}

std::string IndexPrefix(absl::string_view index, absl::string_view value) {
  return absl::StrCat(index, kSep, value, kSep);
}

absl::string_view RecordIdFromIndexKey(absl::string_view key) {
  size_t first = key.find('\0');
  if (first == absl::string_view::npos) return "";
  size_t second = key.find('\0', first + 1);
  if (second == absl::string_view::npos) return "";
  absl::string_view id = key.substr(second + 1);
  if (id.find('\0') != absl::string_view::npos) return "";
  return id;
}

std::string ReplyLinkKey(absl::string_view reply_index, absl::string_view record_id,
                         absl::string_view idempotency_key) {
  return absl::StrCat(reply_index, kSep, record_id, kSep, idempotency_key);
}

std::string ReplyLinkPrefix(absl::string_view reply_index, absl::string_view record_id) {
  return absl::StrCat(reply_index, kSep, record_id, kSep);
}

std::string PurgePendingKey(Family family, absl::string_view record_id) {
  return absl::StrCat(kMetaPurgePendingPrefix, FamilyName(family), "/", record_id);
}

bool ParsePurgePendingKey(absl::string_view key, Family& family, std::string& record_id) {
  if (!absl::ConsumePrefix(&key, kMetaPurgePendingPrefix)) return false;
  const size_t slash = key.find('/');
  if (slash == absl::string_view::npos || slash + 1 == key.size()) return false;
  const absl::string_view name = key.substr(0, slash);
  for (int i = 0; i < kFamilyCount; ++i) {
    if (FamilyName(static_cast<Family>(i)) == name) {
      family = static_cast<Family>(i);
      record_id = std::string(key.substr(slash + 1));
      return true;
    }
  }
  return false;
}

std::string IdempotencyKey(absl::string_view principal, absl::string_view method,
                           absl::string_view request_id) {
  return absl::StrCat(principal, kSep, method, kSep, request_id);
}

}  // namespace corridor::storage
