#include "storage/keys.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace corridor::storage {
namespace {

TEST(KeysTest, FamilyNamesAreListedInOpenOrder) {
  std::vector<std::string> names = AllFamilyNames();
  ASSERT_EQ(names.size(), static_cast<size_t>(kFamilyCount));
  EXPECT_EQ(names, (std::vector<std::string>{"default", "agencies", "employers", "candidates",
                                             "vacancies", "agreements", "quota_cells",
                                             "applications", "indexes", "idempotency",
                                             "meta", "reservations", "ledger", "audit",
                                             "allocation_rounds"}));
  EXPECT_EQ(FamilyName(Family::kQuotaCells), "quota_cells");
  EXPECT_EQ(FamilyName(Family::kMeta), "meta");
}

TEST(KeysTest, AuditEntryKeysSortInLogOrder) {
  EXPECT_EQ(AuditEntryKey(0), std::string(8, '\0'));
  EXPECT_EQ(AuditEntryKey(258), std::string("\0\0\0\0\0\0\x01\x02", 8));
  EXPECT_LT(AuditEntryKey(255), AuditEntryKey(256));
  EXPECT_LT(AuditEntryKey(65535), AuditEntryKey(65536));
  uint64_t index = 0;
  ASSERT_TRUE(ParseAuditEntryKey(AuditEntryKey(1234567890123ULL), index));
  EXPECT_EQ(index, 1234567890123ULL);
  EXPECT_FALSE(ParseAuditEntryKey("short", index));
}

TEST(KeysTest, CellCountersRoundTripAndRejectOtherLengths) {
  int64_t reserved = 0;
  int64_t committed = 0;
  ASSERT_TRUE(DecodeCellCounters(EncodeCellCounters(39000, 7), reserved, committed));
  EXPECT_EQ(reserved, 39000);
  EXPECT_EQ(committed, 7);
  EXPECT_FALSE(DecodeCellCounters(std::string(15, '\0'), reserved, committed));
}

TEST(KeysTest, QuotaCellKeyJoinsAgreementAndCellWithSlash) {
  EXPECT_EQ(QuotaCellKey("es-co-2024", "farm"), "es-co-2024/farm");
}

TEST(KeysTest, IndexKeySeparatesPartsWithNul) {
  EXPECT_EQ(IndexKey("cand_nat", "CO", "cand-1"), std::string("cand_nat\0CO\0cand-1", 18));
  EXPECT_EQ(IndexPrefix("cand_nat", "CO"), std::string("cand_nat\0CO\0", 12));
}

TEST(KeysTest, RecordIdFromIndexKeyReturnsTheRecordId) {
  EXPECT_EQ(RecordIdFromIndexKey(IndexKey("cell_agr", "agr-1", "agr-1/cell-a")),
            "agr-1/cell-a");
}

TEST(KeysTest, RecordIdFromMalformedIndexKeyIsEmpty) {
  EXPECT_EQ(RecordIdFromIndexKey("no-separator"), "");
  EXPECT_EQ(RecordIdFromIndexKey(std::string("one\0sep", 7)), "");
  EXPECT_EQ(RecordIdFromIndexKey(std::string("a\0b\0c\0d", 7)), "");
}

TEST(KeysTest, IndexPrefixOfOneValueDoesNotMatchALongerValue) {
  // "CO" must not find entries of "COL": the trailing NUL ends the value.
  EXPECT_FALSE(absl::StartsWith(IndexKey("cand_nat", "COL", "c-1"), IndexPrefix("cand_nat", "CO")));
  EXPECT_TRUE(absl::StartsWith(IndexKey("cand_nat", "CO", "c-1"), IndexPrefix("cand_nat", "CO")));
}

TEST(KeysTest, IdempotencyKeysOfDifferentPrincipalsOrMethodsDiffer) {
  const std::string a = IdempotencyKey("agency:ag-1", "/m/Create", "req-1");
  EXPECT_EQ(a, std::string("agency:ag-1\0/m/Create\0req-1", 27));
  EXPECT_NE(a, IdempotencyKey("agency:ag-2", "/m/Create", "req-1"));
  EXPECT_NE(a, IdempotencyKey("agency:ag-1", "/m/Update", "req-1"));
}

}  // namespace
}  // namespace corridor::storage
