// LedgerService and AuditService over the real server (in-process channel):
// quota use seen through the API, signed heads, proofs and reports.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/merkle.h"
#include "common/signing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/audit_replay.h"
#include "storage/audit_log.h"
#include "tests/server/fixtures.h"

namespace corridor::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kRootCell[] = "agreements/es-co/quotaCells/es-2027";

class LedgerServiceTest : public ::testing::Test {
 protected:
  LedgerServiceTest() : s_(::testing::UnitTest::GetInstance()->current_test_info()->name()) {
    s_.Seed();
  }

  grpc::Status Reserve(const std::string& who, const std::string& request_id,
                       v1::Reservation* out, const std::string& cell = kRootCell) {
    v1::ReserveUnitRequest req;
    req.set_quota_cell(cell);
    req.set_request_id(request_id);
    req.set_hold_seconds(3600);
    return s_.ledger->ReserveUnit(s_.As(who).get(), req, out);
  }

  v1::QuotaCell Cell(const std::string& name = kRootCell) {
    v1::GetQuotaCellRequest req;
    req.set_name(name);
    v1::QuotaCell cell;
    grpc::Status st = s_.agreements->GetQuotaCell(s_.As("operator").get(), req, &cell);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return cell;
  }

  v1::SignedTreeHead Head() {
    v1::SignedTreeHead head;
    grpc::Status st =
        s_.audit->GetTreeHead(s_.As("ministry:ES").get(), v1::GetTreeHeadRequest(), &head);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return head;
  }

  std::vector<v1::AuditEvent> Events() {
    std::vector<v1::AuditEvent> out;
    v1::ListAuditEventsRequest req;
    req.set_page_size(7);
    do {
      v1::ListAuditEventsResponse resp;
      grpc::Status st = s_.audit->ListAuditEvents(s_.As("ministry:ES").get(), req, &resp);
      EXPECT_TRUE(st.ok()) << st.error_message();
      if (!st.ok()) break;
      for (const v1::AuditEvent& e : resp.events()) out.push_back(e);
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    return out;
  }

  TestServer s_;
};

TEST_F(LedgerServiceTest, ReservationsShowInTheCellsCountersAndCommitMovesThem) {
  v1::Reservation r;
  ASSERT_TRUE(Reserve("ministry:ES", "r-1", &r).ok());
  EXPECT_EQ(Cell().reserved(), 1);
  v1::CommitUnitRequest commit;
  commit.set_name(r.name());
  v1::Reservation committed;
  grpc::Status st = s_.ledger->CommitUnit(s_.As("ministry:ES").get(), commit, &committed);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(committed.state(), v1::RESERVATION_STATE_COMMITTED);
  v1::QuotaCell cell = Cell();
  EXPECT_EQ(cell.reserved(), 0);
  EXPECT_EQ(cell.committed(), 1);

  v1::ListReservationsRequest list;
  list.set_filter("state = \"RESERVATION_STATE_COMMITTED\"");
  v1::ListReservationsResponse listed;
  st = s_.ledger->ListReservations(s_.As("ministry:ES").get(), list, &listed);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(listed.reservations_size(), 1);
  EXPECT_EQ(listed.reservations(0).name(), r.name());
}

TEST_F(LedgerServiceTest, AFullCellIsFailedPreconditionAndNamesTheCell) {
  v1::UpdateQuotaCellRequest update;
  *update.mutable_quota_cell() = Cell();
  update.mutable_quota_cell()->set_cap(1);
  update.mutable_update_mask()->add_paths("cap");
  v1::QuotaCell updated;
  grpc::Status st =
      s_.agreements->UpdateQuotaCell(s_.As("operator").get(), update, &updated);
  ASSERT_TRUE(st.ok()) << st.error_message();
  v1::Reservation r;
  ASSERT_TRUE(Reserve("ministry:ES", "a", &r).ok());
  st = Reserve("ministry:ES", "b", &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.error_message(), HasSubstr("es-2027"));
}

TEST_F(LedgerServiceTest, TheSignedHeadVerifiesAndCoversEveryEvent) {
  v1::Reservation r;
  ASSERT_TRUE(Reserve("ministry:ES", "r-1", &r).ok());
  v1::SignedTreeHead head = Head();
  std::vector<v1::AuditEvent> events = Events();
  ASSERT_EQ(static_cast<int64_t>(events.size()), head.tree_size());
  const std::string public_key = s_.server().audit_log().public_key();
  EXPECT_TRUE(VerifySignature(public_key,
                              TreeHeadMessage(head.tree_size(), head.root_hash(),
                                              head.time().seconds() * 1000000 +
                                                  head.time().nanos() / 1000),
                              head.signature())
                  .ok());
  MerkleTree tree;
  matcher::AuditReplay replay;
  for (const v1::AuditEvent& e : events) {
    EXPECT_EQ(e.leaf_data(), storage::AuditLeafData(e));
    tree.Append(LeafHash(e.leaf_data()));
    ASSERT_TRUE(replay.Apply(e).ok()) << replay.Apply(e);
  }
  Hash root = tree.RootHash(tree.size()).value();
  EXPECT_EQ(std::string(root.begin(), root.end()), head.root_hash());
  EXPECT_EQ(replay.cells().at(kRootCell).reserved, 1);
  // The reservation's event names its actor, and no personal data.
  const v1::AuditEvent& last = events.back();
  EXPECT_EQ(last.kind(), "RESERVE");
  EXPECT_EQ(last.actor(), "ministry:ES");
  EXPECT_THAT(last.subjects(), ::testing::Contains(r.name()));
  // The operator made the agreement and the cells.
  EXPECT_EQ(events.front().kind(), "AGREEMENT_CHANGE");
  EXPECT_EQ(events.front().actor(), "operator");
}

TEST_F(LedgerServiceTest, InclusionAndConsistencyProofsVerifyAgainstSignedHeads) {
  v1::Reservation r;
  ASSERT_TRUE(Reserve("ministry:ES", "first", &r).ok());
  v1::SignedTreeHead old_head = Head();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Reserve("ministry:ES", absl::StrCat("n", i), &r).ok());
  v1::SignedTreeHead head = Head();
  std::vector<v1::AuditEvent> events = Events();
  Hash root = HashFromBytes(head.root_hash()).value();
  for (const v1::AuditEvent& e : events) {
    v1::GetInclusionProofRequest req;
    req.set_leaf_index(e.index());
    req.set_tree_size(head.tree_size());
    v1::GetInclusionProofResponse resp;
    grpc::Status st = s_.audit->GetInclusionProof(s_.As("ministry:ES").get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    std::vector<Hash> path;
    for (const std::string& h : resp.audit_path()) path.push_back(HashFromBytes(h).value());
    EXPECT_TRUE(VerifyInclusion(LeafHash(e.leaf_data()), e.index(), head.tree_size(), path, root)
                    .ok())
        << e.index();
  }
  v1::GetConsistencyProofRequest req;
  req.set_first_size(old_head.tree_size());
  req.set_second_size(head.tree_size());
  v1::GetConsistencyProofResponse resp;
  grpc::Status st = s_.audit->GetConsistencyProof(s_.As("ministry:ES").get(), req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  std::vector<Hash> proof;
  for (const std::string& h : resp.proof()) proof.push_back(HashFromBytes(h).value());
  EXPECT_TRUE(VerifyConsistency(old_head.tree_size(), head.tree_size(),
                                HashFromBytes(old_head.root_hash()).value(), root, proof)
                  .ok());
  // Out-of-range requests name the field.
  req.set_second_size(head.tree_size() + 1);
  st = s_.audit->GetConsistencyProof(s_.As("ministry:ES").get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("second_size"));
}

TEST_F(LedgerServiceTest, TheLogAndItsHeadSurviveARestart) {
  v1::Reservation r;
  ASSERT_TRUE(Reserve("ministry:ES", "r-1", &r).ok());
  v1::SignedTreeHead before = Head();
  s_.Restart();
  v1::SignedTreeHead after = Head();
  EXPECT_EQ(after.tree_size(), before.tree_size());
  EXPECT_EQ(after.root_hash(), before.root_hash());
  EXPECT_EQ(Cell().reserved(), 1);
  // The same request id replays the stored reply after the restart.
  v1::Reservation again;
  ASSERT_TRUE(Reserve("ministry:ES", "r-1", &again).ok());
  EXPECT_EQ(again.name(), r.name());
  EXPECT_EQ(Cell().reserved(), 1);
}

TEST_F(LedgerServiceTest, UsageReportAsOfAPastMomentReplaysOnlyWhatHadHappened) {
  v1::Reservation r;
  ASSERT_TRUE(Reserve("ministry:ES", "r-1", &r).ok());
  v1::SignedTreeHead head = Head();
  absl::SleepFor(absl::Milliseconds(5));
  ASSERT_TRUE(Reserve("ministry:ES", "r-2", &r).ok());
  v1::ReleaseUnitRequest release;
  release.set_name(r.name());
  release.set_reason_code("WITHDRAWN");
  ASSERT_TRUE(s_.ledger->ReleaseUnit(s_.As("ministry:ES").get(), release, &r).ok());

  v1::GetQuotaUsageReportRequest req;
  req.set_agreement("agreements/es-co");
  v1::QuotaUsageReport now;
  ASSERT_TRUE(s_.audit->GetQuotaUsageReport(s_.As("ministry:ES").get(), req, &now).ok());
  ASSERT_EQ(now.rows_size(), 1);
  EXPECT_EQ(now.rows(0).key(), kRootCell);
  EXPECT_EQ(now.rows(0).reserved(), 1);
  EXPECT_EQ(now.rows(0).selected(), 2);
  EXPECT_EQ(now.rows(0).released(), 1);
  EXPECT_EQ(now.rows(0).released_by_reason().at("WITHDRAWN"), 1);

  *req.mutable_as_of() = head.time();
  v1::QuotaUsageReport then;
  ASSERT_TRUE(s_.audit->GetQuotaUsageReport(s_.As("ministry:ES").get(), req, &then).ok());
  EXPECT_EQ(then.events_replayed(), head.tree_size());
  ASSERT_EQ(then.rows_size(), 1);
  EXPECT_EQ(then.rows(0).reserved(), 1);
  EXPECT_EQ(then.rows(0).released(), 0);

  req.set_dimension("hair_colour");
  grpc::Status st = s_.audit->GetQuotaUsageReport(s_.As("ministry:ES").get(), req, &then);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("dimension"));
}

TEST_F(LedgerServiceTest, CorrectionsAreTheDestinationMinistrysAlone) {
  v1::Reservation r;
  ASSERT_TRUE(Reserve("ministry:ES", "r-1", &r).ok());
  v1::CommitUnitRequest commit;
  commit.set_name(r.name());
  ASSERT_TRUE(s_.ledger->CommitUnit(s_.As("ministry:ES").get(), commit, &r).ok());
  v1::CorrectUnitRequest correct;
  correct.set_name(r.name());
  correct.set_reason("visa annulled by court ruling 2027/114");
  correct.set_request_id("fix-1");
  grpc::Status st = s_.ledger->CorrectUnit(s_.As("operator").get(), correct, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  st = s_.ledger->CorrectUnit(s_.As("ministry:ES").get(), correct, &r);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(r.state(), v1::RESERVATION_STATE_CORRECTED);
  EXPECT_EQ(Cell().committed(), 0);
}

}  // namespace
}  // namespace corridor::testing
