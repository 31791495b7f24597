#include "storage/record_store.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "rocksdb/utilities/transaction.h"
#include "storage/keys.h"
#include "storage/page_token.h"
#include "storage/stores.h"
#include "tests/storage/storage_samples.h"
#include "tests/storage/storage_test_util.h"

namespace corridor::storage {
namespace {

using google::protobuf::util::MessageDifferencer;
using testing::ElementsAre;
using testing::IsEmpty;
using testing_util::IndexKeysOf;
using testing_util::SampleAgency;
using testing_util::SampleCandidate;
using testing_util::SampleQuotaCell;
using testing_util::TestDatabase;

constexpr char kCreateCandidate[] = "/corridor.v1.CandidateService/CreateCandidate";
constexpr char kImportCandidates[] = "/corridor.v1.CandidateService/ImportCandidates";

std::string AgencyId(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "ag-%04d", i);
  return buf;
}

// The ids of the records of one listing, in order.
template <typename T>
std::vector<std::string> Names(const std::vector<T>& items) {
  std::vector<std::string> out;
  for (const T& t : items) out.push_back(t.name());
  return out;
}

// Lists candidates holding one index entry (first page, default size).
std::vector<std::string> ListByIndex(Stores& stores, const std::string& index,
                                     const std::string& value) {
  ListQuery q;
  q.scope = "test";
  q.index = IndexEntry{index, value};
  absl::StatusOr<Page<v1::Candidate>> page = stores.candidates.List(q);
  EXPECT_TRUE(page.ok()) << page.status();
  if (!page.ok()) return {};
  return Names(page->items);
}

// Walks all pages of `query` with `page_size`; fails the test on any error.
std::vector<std::string> ListAll(const RecordStore<v1::Agency>& store, ListQuery query,
                                 int page_size, int* pages = nullptr) {
  std::vector<std::string> out;
  query.page_size = page_size;
  query.page_token.clear();
  int n = 0;
  while (true) {
    absl::StatusOr<Page<v1::Agency>> page = store.List(query);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    ++n;
    EXPECT_LE(static_cast<int>(page->items.size()), page_size);
    for (const v1::Agency& a : page->items) out.push_back(a.name());
    if (page->next_page_token.empty()) break;
    query.page_token = page->next_page_token;
    if (n > 10000) {
      ADD_FAILURE() << "listing does not end";
      break;
    }
  }
  if (pages != nullptr) *pages = n;
  return out;
}

Idempotency Idem(const std::string& principal, const std::string& method,
                 const std::string& request_id, const google::protobuf::Message& request) {
  return Idempotency{IdempotencyKey(principal, method, request_id), RequestFingerprint(request)};
}

v1::CreateCandidateRequest CreateRequest(const std::string& id, const std::string& nationality,
                                         const std::string& request_id) {
  v1::CreateCandidateRequest r;
  *r.mutable_candidate() = SampleCandidate(id, "ag-1", nationality);
  r.set_candidate_id(id);
  r.set_request_id(request_id);
  return r;
}

// ---------------------------------------------------------------- basics

TEST(RecordStoreTest, CreateOnExistingIdIsAlreadyExistsAndKeepsTheFirst) {
  TestDatabase t;
  Stores stores(t.db());
  ASSERT_TRUE(stores.candidates.Create("cand-1", SampleCandidate("cand-1", "ag-1", "CO")).ok());
  absl::StatusOr<v1::Candidate> again =
      stores.candidates.Create("cand-1", SampleCandidate("cand-1", "ag-2", "MA"));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(stores.candidates.Get("cand-1")->nationality(), "CO");
  EXPECT_THAT(ListByIndex(stores, "cand_nat", "MA"), IsEmpty());
}

TEST(RecordStoreTest, GetOfUnknownIdIsNotFound) {
  TestDatabase t;
  Stores stores(t.db());
  EXPECT_EQ(stores.agencies.Get("ag-404").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(stores.agencies.Get("").status().code(), absl::StatusCode::kNotFound);
}

TEST(RecordStoreTest, MutateAndDeleteOfUnknownIdAreNotFound) {
  TestDatabase t;
  Stores stores(t.db());
  auto noop = [](v1::Agency&) { return absl::OkStatus(); };
  EXPECT_EQ(stores.agencies.Mutate("ag-404", "", noop).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores.agencies.Delete("ag-404").code(), absl::StatusCode::kNotFound);
}

TEST(RecordStoreTest, MutateKeepsCreateTimeAndSetsUpdateTimeAndNewEtag) {
  TestDatabase t;
  Stores stores(t.db());
  absl::StatusOr<v1::Agency> created = stores.agencies.Create("ag-1", SampleAgency("ag-1"));
  ASSERT_TRUE(created.ok());
  t.clock().Advance(absl::Seconds(90));
  absl::StatusOr<v1::Agency> updated =
      stores.agencies.Mutate("ag-1", created->etag(), [](v1::Agency& a) {
        a.set_display_name("Renamed");
        a.mutable_create_time()->set_seconds(1);  // output only: must not stick
        return absl::OkStatus();
      });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "Renamed");
  EXPECT_TRUE(MessageDifferencer::Equals(updated->create_time(), created->create_time()));
  EXPECT_EQ(updated->update_time().seconds(), created->update_time().seconds() + 90);
  EXPECT_NE(updated->etag(), created->etag());
  absl::StatusOr<v1::Agency> got = stores.agencies.Get("ag-1");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(MessageDifferencer::Equals(*got, *updated));
}

TEST(RecordStoreTest, EtagChangesWhenContentReturnsToAnEarlierValue) {
  TestDatabase t;
  Stores stores(t.db());
  absl::StatusOr<v1::Agency> first = stores.agencies.Create("ag-1", SampleAgency("ag-1"));
  ASSERT_TRUE(first.ok());
  std::set<std::string> etags{first->etag()};
  // Same clock reading throughout: only the chaining can make the etag differ.
  for (const char* name : {"B", "Servicio Publico de Empleo", "B", "Servicio Publico de Empleo"}) {
    absl::StatusOr<v1::Agency> r = stores.agencies.Mutate("ag-1", "", [name](v1::Agency& a) {
      a.set_display_name(name);
      return absl::OkStatus();
    });
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(etags.insert(r->etag()).second) << "etag repeated: " << r->etag();
  }
  // An etag read before the round trip no longer matches.
  absl::StatusOr<v1::Agency> stale = stores.agencies.Mutate(
      "ag-1", first->etag(), [](v1::Agency&) { return absl::OkStatus(); });
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
}

TEST(RecordStoreTest, RecreatedRecordGetsAnEtagUnlikeItsPredecessor) {
  TestDatabase t;
  Stores stores(t.db());
  absl::StatusOr<v1::Agency> first = stores.agencies.Create("ag-1", SampleAgency("ag-1"));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(stores.agencies.Delete("ag-1").ok());
  absl::StatusOr<v1::Agency> second = stores.agencies.Create("ag-1", SampleAgency("ag-1"));
  ASSERT_TRUE(second.ok());
  EXPECT_NE(first->etag(), second->etag());
}

TEST(RecordStoreTest, MutateErrorIsReturnedAndWritesNothing) {
  TestDatabase t;
  Stores stores(t.db());
  absl::StatusOr<v1::Candidate> created =
      stores.candidates.Create("cand-1", SampleCandidate("cand-1", "ag-1", "CO"));
  ASSERT_TRUE(created.ok());
  absl::StatusOr<v1::Candidate> r =
      stores.candidates.Mutate("cand-1", "", [](v1::Candidate& c) {
        c.set_nationality("MA");
        return absl::FailedPreconditionError("illegal");
      });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<v1::Candidate> got = stores.candidates.Get("cand-1");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(MessageDifferencer::Equals(*got, *created));
  EXPECT_THAT(ListByIndex(stores, "cand_nat", "MA"), IsEmpty());
}

// ---------------------------------------------------------------- indexes

TEST(RecordStoreTest, UpdateMovesNationalityIndexEntry) {
  TestDatabase t;
  Stores stores(t.db());
  ASSERT_TRUE(stores.candidates.Create("cand-1", SampleCandidate("cand-1", "ag-1", "CO")).ok());
  ASSERT_TRUE(stores.candidates.Create("cand-2", SampleCandidate("cand-2", "ag-1", "CO")).ok());
  EXPECT_THAT(ListByIndex(stores, "cand_nat", "CO"),
              ElementsAre("candidates/cand-1", "candidates/cand-2"));

  ASSERT_TRUE(stores.candidates
                  .Mutate("cand-1", "",
                          [](v1::Candidate& c) {
                            c.set_nationality("EC");
                            return absl::OkStatus();
                          })
                  .ok());
  EXPECT_THAT(ListByIndex(stores, "cand_nat", "CO"), ElementsAre("candidates/cand-2"));
  EXPECT_THAT(ListByIndex(stores, "cand_nat", "EC"), ElementsAre("candidates/cand-1"));
  EXPECT_FALSE(*stores.candidates.AnyWithIndex({"cand_nat", "MA"}));
  EXPECT_TRUE(*stores.candidates.AnyWithIndex({"cand_nat", "EC"}));
  EXPECT_THAT(IndexKeysOf(t.db(), "cand-1"),
              testing::UnorderedElementsAre(IndexKey("cand_agency", "ag-1", "cand-1"),
                                            IndexKey("cand_nat", "EC", "cand-1"),
                                            IndexKey("cand_isco", "6111", "cand-1"),
                                            IndexKey("cand_isco", "9211", "cand-1")));
}

TEST(RecordStoreTest, UpdateMovesOccupationIndexEntries) {
  TestDatabase t;
  Stores stores(t.db());
  ASSERT_TRUE(stores.candidates.Create("cand-1", SampleCandidate("cand-1", "ag-1", "CO")).ok());
  ASSERT_TRUE(stores.candidates
                  .Mutate("cand-1", "",
                          [](v1::Candidate& c) {
                            c.clear_occupations();
                            c.add_occupations()->set_isco_code("9211");
                            c.add_occupations()->set_isco_code("2221");
                            return absl::OkStatus();
                          })
                  .ok());
  EXPECT_THAT(ListByIndex(stores, "cand_isco", "6111"), IsEmpty());
  EXPECT_THAT(ListByIndex(stores, "cand_isco", "9211"), ElementsAre("candidates/cand-1"));
  EXPECT_THAT(ListByIndex(stores, "cand_isco", "2221"), ElementsAre("candidates/cand-1"));
}

TEST(RecordStoreTest, DeleteRemovesRecordAndEveryIndexEntry) {
  TestDatabase t;
  Stores stores(t.db());
  ASSERT_TRUE(stores.candidates.Create("cand-1", SampleCandidate("cand-1", "ag-1", "CO")).ok());
  ASSERT_TRUE(stores.candidates.Create("cand-2", SampleCandidate("cand-2", "ag-1", "CO")).ok());
  ASSERT_EQ(IndexKeysOf(t.db(), "cand-1").size(), 4u);

  ASSERT_TRUE(stores.candidates.Delete("cand-1").ok());
  EXPECT_EQ(stores.candidates.Get("cand-1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(IndexKeysOf(t.db(), "cand-1"), IsEmpty());
  EXPECT_EQ(IndexKeysOf(t.db(), "cand-2").size(), 4u);
  EXPECT_THAT(ListByIndex(stores, "cand_agency", "ag-1"), ElementsAre("candidates/cand-2"));
}

TEST(RecordStoreTest, DeleteOfLastRecordLeavesIndexFamilyEmpty) {
  TestDatabase t;
  Stores stores(t.db());
  ASSERT_TRUE(stores.vacancies.Create("vac-1", testing_util::SampleVacancy("vac-1", "emp-1", "ES"))
                  .ok());
  ASSERT_TRUE(stores.quota_cells.Create("es-co/farm", SampleQuotaCell("es-co", "farm")).ok());
  ASSERT_FALSE(testing_util::AllKeys(t.db(), Family::kIndexes).empty());
  ASSERT_TRUE(stores.vacancies.Delete("vac-1").ok());
  ASSERT_TRUE(stores.quota_cells.Delete("es-co/farm").ok());
  EXPECT_THAT(testing_util::AllKeys(t.db(), Family::kIndexes), IsEmpty());
}

// ---------------------------------------------------------------- etags

TEST(RecordStoreTest, MutateWithStaleEtagIsAbortedAndChangesNothing) {
  TestDatabase t;
  Stores stores(t.db());
  absl::StatusOr<v1::Candidate> v1 =
      stores.candidates.Create("cand-1", SampleCandidate("cand-1", "ag-1", "CO"));
  ASSERT_TRUE(v1.ok());
  absl::StatusOr<v1::Candidate> v2 = stores.candidates.Mutate(
      "cand-1", v1->etag(), [](v1::Candidate& c) {
        c.set_origin_region("Valle");
        return absl::OkStatus();
      });
  ASSERT_TRUE(v2.ok()) << v2.status();

  bool called = false;
  absl::StatusOr<v1::Candidate> stale = stores.candidates.Mutate(
      "cand-1", v1->etag(), [&called](v1::Candidate& c) {
        called = true;
        c.set_nationality("MA");
        return absl::OkStatus();
      });
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_FALSE(called);
  absl::StatusOr<v1::Candidate> got = stores.candidates.Get("cand-1");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(MessageDifferencer::Equals(*got, *v2));
  EXPECT_THAT(ListByIndex(stores, "cand_nat", "MA"), IsEmpty());
}

TEST(RecordStoreTest, DeleteWithStaleEtagIsAbortedAndKeepsRecord) {
  TestDatabase t;
  Stores stores(t.db());
  absl::StatusOr<v1::Agency> v1 = stores.agencies.Create("ag-1", SampleAgency("ag-1"));
  ASSERT_TRUE(v1.ok());
  absl::StatusOr<v1::Agency> v2 = stores.agencies.Mutate(
      "ag-1", "", [](v1::Agency&) { return absl::OkStatus(); });
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(stores.agencies.Delete("ag-1", v1->etag()).code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(stores.agencies.Get("ag-1").ok());
  EXPECT_TRUE(stores.agencies.Delete("ag-1", v2->etag()).ok());
  EXPECT_EQ(stores.agencies.Get("ag-1").status().code(), absl::StatusCode::kNotFound);
}

TEST(RecordStoreTest, TwoWritersReadEtagThenMutateLoseNoUpdates) {
  TestDatabase t;
  Stores stores(t.db());
  const std::string key = QuotaCellKey("es-co", "farm");
  ASSERT_TRUE(stores.quota_cells.Create(key, SampleQuotaCell("es-co", "farm")).ok());

  constexpr int kWriters = 2;
  constexpr int kIncrementsEach = 150;
  std::atomic<int> aborted{0};
  std::atomic<int> unexpected{0};
  auto writer = [&] {
    for (int done = 0; done < kIncrementsEach;) {
      absl::StatusOr<v1::QuotaCell> read = stores.quota_cells.Get(key);
      if (!read.ok()) {
        ++unexpected;
        return;
      }
      // The new value is computed from the read, outside the store: only the
      // etag check stops a concurrent increment from being overwritten.
      const int64_t seen = read->reserved();
      absl::StatusOr<v1::QuotaCell> r =
          stores.quota_cells.Mutate(key, read->etag(), [seen](v1::QuotaCell& c) {
            c.set_reserved(seen + 1);
            return absl::OkStatus();
          });
      if (r.ok()) {
        ++done;
      } else if (r.status().code() == absl::StatusCode::kAborted) {
        ++aborted;
      } else {
        ++unexpected;
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) threads.emplace_back(writer);
  for (std::thread& th : threads) th.join();

  EXPECT_EQ(unexpected.load(), 0);
  absl::StatusOr<v1::QuotaCell> final_cell = stores.quota_cells.Get(key);
  ASSERT_TRUE(final_cell.ok());
  EXPECT_EQ(final_cell->reserved(), kWriters * kIncrementsEach)
      << "aborted attempts: " << aborted.load();
}

// ---------------------------------------------------------------- idempotency

TEST(RecordStoreTest, CreateReplayedOneTwoAndTenTimesHasOneEffectAndIdenticalReplies) {
  TestDatabase t;
  Stores stores(t.db());
  for (int sends : {1, 2, 10}) {
    const std::string id = absl::StrCat("cand-", sends);
    v1::CreateCandidateRequest request = CreateRequest(id, "CO", absl::StrCat("req-", sends));
    Idempotency idem = Idem("agency:ag-1", kCreateCandidate, request.request_id(), request);
    std::vector<v1::Candidate> replies;
    for (int i = 0; i < sends; ++i) {
      t.clock().Advance(absl::Seconds(1));  // a re-execution would get a new time
      absl::StatusOr<v1::Candidate> r = stores.candidates.Create(id, request.candidate(), &idem);
      ASSERT_TRUE(r.ok()) << r.status();
      replies.push_back(*r);
    }
    for (const v1::Candidate& r : replies) {
      EXPECT_TRUE(MessageDifferencer::Equals(r, replies.front()));
    }
    absl::StatusOr<v1::Candidate> stored = stores.candidates.Get(id);
    ASSERT_TRUE(stored.ok());
    EXPECT_TRUE(MessageDifferencer::Equals(*stored, replies.front()));
  }
  EXPECT_EQ(testing_util::AllKeys(t.db(), Family::kCandidates),
            (std::vector<std::string>{"cand-1", "cand-10", "cand-2"}));
  EXPECT_EQ(testing_util::AllKeys(t.db(), Family::kIdempotency).size(), 3u);
}

TEST(RecordStoreTest, FiftyConcurrentReplaysCreateOneRecordWithIdenticalReplies) {
  TestDatabase t;
  Stores stores(t.db());
  v1::CreateCandidateRequest request = CreateRequest("cand-1", "CO", "req-1");
  const Idempotency idem = Idem("agency:ag-1", kCreateCandidate, "req-1", request);

  constexpr int kThreads = 50;
  std::vector<absl::StatusOr<v1::Candidate>> results(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < kThreads) std::this_thread::yield();
      results[i] = stores.candidates.Create("cand-1", request.candidate(), &idem);
    });
  }
  for (std::thread& th : threads) th.join();

  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status();
    EXPECT_TRUE(MessageDifferencer::Equals(*results[i], *results[0]));
  }
  EXPECT_EQ(testing_util::AllKeys(t.db(), Family::kCandidates),
            (std::vector<std::string>{"cand-1"}));
  EXPECT_EQ(IndexKeysOf(t.db(), "cand-1").size(), 4u);
}

TEST(RecordStoreTest, SameRequestIdWithDifferentRequestIsFailedPreconditionAndHasNoEffect) {
  TestDatabase t;
  Stores stores(t.db());
  v1::CreateCandidateRequest first = CreateRequest("cand-1", "CO", "req-1");
  Idempotency idem1 = Idem("agency:ag-1", kCreateCandidate, "req-1", first);
  ASSERT_TRUE(stores.candidates.Create("cand-1", first.candidate(), &idem1).ok());

  v1::CreateCandidateRequest second = CreateRequest("cand-2", "MA", "req-1");
  Idempotency idem2 = Idem("agency:ag-1", kCreateCandidate, "req-1", second);
  ASSERT_EQ(idem1.key, idem2.key);
  ASSERT_NE(idem1.request_hash, idem2.request_hash);
  absl::StatusOr<v1::Candidate> r = stores.candidates.Create("cand-2", second.candidate(), &idem2);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("request_id"), absl::string_view::npos);
  EXPECT_EQ(stores.candidates.Get("cand-2").status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(ListByIndex(stores, "cand_nat", "MA"), IsEmpty());
  EXPECT_EQ(testing_util::AllKeys(t.db(), Family::kIdempotency).size(), 1u);
}

TEST(RecordStoreTest, AnotherPrincipalReusingARequestIdNeverGetsTheFirstReply) {
  TestDatabase t;
  Stores stores(t.db());
  v1::CreateCandidateRequest request = CreateRequest("cand-1", "CO", "req-1");
  Idempotency a = Idem("agency:ag-1", kCreateCandidate, "req-1", request);
  ASSERT_TRUE(stores.candidates.Create("cand-1", request.candidate(), &a).ok());

  // The identical request from another tenant is a new request: it is
  // executed (and here collides on the id) instead of replaying A's reply.
  Idempotency b = Idem("agency:ag-2", kCreateCandidate, "req-1", request);
  EXPECT_EQ(stores.candidates.Create("cand-1", request.candidate(), &b).status().code(),
            absl::StatusCode::kAlreadyExists);

  // With another id it creates B's own record and stores B's own reply.
  v1::CreateCandidateRequest other = CreateRequest("cand-9", "EC", "req-1");
  Idempotency b2 = Idem("agency:ag-2", kCreateCandidate, "req-1", other);
  absl::StatusOr<v1::Candidate> r = stores.candidates.Create("cand-9", other.candidate(), &b2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->name(), "candidates/cand-9");
  absl::StatusOr<v1::Candidate> replay = stores.candidates.Create("cand-9", other.candidate(), &b2);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->name(), "candidates/cand-9");
  EXPECT_EQ(testing_util::AllKeys(t.db(), Family::kIdempotency).size(), 2u);
}

TEST(RecordStoreTest, RequestFingerprintIsSha256AndTracksThePayload) {
  v1::CreateCandidateRequest a = CreateRequest("cand-1", "CO", "req-1");
  v1::CreateCandidateRequest b = a;
  EXPECT_EQ(RequestFingerprint(a).size(), 32u);
  EXPECT_EQ(RequestFingerprint(a), RequestFingerprint(b));
  b.mutable_candidate()->set_birth_year(1991);
  EXPECT_NE(RequestFingerprint(a), RequestFingerprint(b));
}

// ---------------------------------------------------------------- listing

class ListTest : public testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= kCount; ++i) {
      ASSERT_TRUE(stores_.agencies.Create(AgencyId(i), SampleAgency(AgencyId(i))).ok());
    }
  }
  std::vector<std::string> Expected() const {
    std::vector<std::string> out;
    for (int i = 1; i <= kCount; ++i) out.push_back(AgencyName(AgencyId(i)));
    return out;
  }
  static std::string AgencyName(const std::string& id) { return "agencies/" + id; }
  static ListQuery Query() {
    ListQuery q;
    q.scope = "agencies|operator:op-1|";
    return q;
  }

  static constexpr int kCount = 103;
  TestDatabase t_;
  Stores stores_{t_.db()};
};

TEST_F(ListTest, PageSizesOneSevenAndFiftyListEveryRecordOnceInIdOrder) {
  for (int page_size : {1, 7, 50}) {
    int pages = 0;
    EXPECT_EQ(ListAll(stores_.agencies, Query(), page_size, &pages), Expected())
        << "page_size " << page_size;
    // Peek-ahead: no trailing empty page.
    EXPECT_EQ(pages, (kCount + page_size - 1) / page_size) << "page_size " << page_size;
  }
}

TEST_F(ListTest, PageSizeZeroMeansFifty) {
  ListQuery q = Query();
  absl::StatusOr<Page<v1::Agency>> page = stores_.agencies.List(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 50u);
  EXPECT_FALSE(page->next_page_token.empty());
}

TEST_F(ListTest, ExactlyFullLastPageHasNoToken) {
  ListQuery q = Query();
  q.id_prefix = "ag-00";  // ag-0001 .. ag-0099
  int pages = 0;
  std::vector<std::string> all = ListAll(stores_.agencies, q, 33, &pages);
  EXPECT_EQ(all.size(), 99u);
  EXPECT_EQ(pages, 3);
}

TEST_F(ListTest, PageSizeMinusOneAndThousandAndOneAreInvalidArgument) {
  for (int page_size : {-1, 1001, -1000000}) {
    ListQuery q = Query();
    q.page_size = page_size;
    absl::StatusOr<Page<v1::Agency>> page = stores_.agencies.List(q);
    ASSERT_FALSE(page.ok()) << page_size;
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(page.status().message().find("page_size"), absl::string_view::npos);
  }
  ListQuery q = Query();
  q.page_size = 1000;
  EXPECT_TRUE(stores_.agencies.List(q).ok());
}

TEST_F(ListTest, RecordsInsertedBehindTheCursorCauseNoDuplicatesOrSkips) {
  ListQuery q = Query();
  q.page_size = 7;
  std::vector<std::string> seen;
  int inserted = 0;
  while (true) {
    absl::StatusOr<Page<v1::Agency>> page = stores_.agencies.List(q);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const v1::Agency& a : page->items) seen.push_back(a.name());
    if (page->next_page_token.empty()) break;
    // Behind the cursor: an id sorting before everything, and one between
    // the last two records listed. A position-based cursor would repeat
    // records after these inserts.
    const int last = std::stoi(page->items.back().name().substr(12));
    ASSERT_TRUE(stores_.agencies.Create(absl::StrCat("aa-", inserted), SampleAgency("x")).ok());
    if (last > 1) {
      const std::string between = AgencyId(last - 1) + "-x";
      ASSERT_TRUE(stores_.agencies.Create(between, SampleAgency("x")).ok());
    }
    ++inserted;
    q.page_token = page->next_page_token;
  }
  EXPECT_EQ(seen, Expected());
  EXPECT_GT(inserted, 10);
}

TEST_F(ListTest, IdPrefixListsOnlyMatchingIds) {
  ListQuery q = Query();
  q.id_prefix = "ag-010";
  EXPECT_EQ(ListAll(stores_.agencies, q, 3),
            (std::vector<std::string>{"agencies/ag-0100", "agencies/ag-0101",
                                      "agencies/ag-0102", "agencies/ag-0103"}));
}

TEST_F(ListTest, PredicateFiltersAndTokenOnlyWhenAnotherMatchFollows) {
  ListQuery q = Query();
  // Multiples of 10 only: ag-0010 .. ag-0100.
  q.predicate = [](const google::protobuf::Message& m) {
    const std::string& name = static_cast<const v1::Agency&>(m).name();
    return name.back() == '0';
  };
  q.page_size = 5;
  absl::StatusOr<Page<v1::Agency>> first = stores_.agencies.List(q);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Names(first->items),
            (std::vector<std::string>{"agencies/ag-0010", "agencies/ag-0020", "agencies/ag-0030",
                                      "agencies/ag-0040", "agencies/ag-0050"}));
  ASSERT_FALSE(first->next_page_token.empty());
  q.page_token = first->next_page_token;
  absl::StatusOr<Page<v1::Agency>> second = stores_.agencies.List(q);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->items.size(), 5u);
  EXPECT_EQ(second->items.back().name(), "agencies/ag-0100");
  // ag-0101..ag-0103 remain but none matches: no token.
  EXPECT_TRUE(second->next_page_token.empty());
}

TEST_F(ListTest, RandomTruncatedAndForgedTokensAreInvalidArgument) {
  ListQuery q = Query();
  q.page_size = 10;
  absl::StatusOr<Page<v1::Agency>> first = stores_.agencies.List(q);
  ASSERT_TRUE(first.ok());
  const std::string token = first->next_page_token;
  ASSERT_FALSE(token.empty());

  std::string flipped = token;
  flipped[0] = flipped[0] == 'A' ? 'B' : 'A';
  const std::string forged =
      EncodePageToken(std::string(32, 'x'), q.scope, "ag-0050");  // wrong secret
  for (const std::string& bad :
       {std::string("random-garbage"), token.substr(0, token.size() - 1),
        token.substr(0, token.size() / 2), flipped, forged, token + "AA"}) {
    ListQuery b = q;
    b.page_token = bad;
    absl::StatusOr<Page<v1::Agency>> page = stores_.agencies.List(b);
    ASSERT_FALSE(page.ok()) << bad;
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(page.status().message().find("page_token"), absl::string_view::npos);
  }
}

TEST_F(ListTest, TokenFromAnotherScopeIsInvalidArgument) {
  ListQuery q = Query();
  q.page_size = 10;
  absl::StatusOr<Page<v1::Agency>> first = stores_.agencies.List(q);
  ASSERT_TRUE(first.ok());
  ListQuery other;
  other.scope = "agencies|operator:op-2|";  // another caller
  other.page_token = first->next_page_token;
  EXPECT_EQ(stores_.agencies.List(other).status().code(), absl::StatusCode::kInvalidArgument);
  other.scope = "agencies|operator:op-1|country=CO";  // another filter
  EXPECT_EQ(stores_.agencies.List(other).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RecordStoreTest, ListByIndexPagesInIdOrderAndSkipsOtherValues) {
  TestDatabase t;
  Stores stores(t.db());
  for (int i = 0; i < 25; ++i) {
    const std::string id = absl::StrCat("cand-", 100 + i);
    ASSERT_TRUE(stores.candidates.Create(id, SampleCandidate(id, "ag-1", i % 2 == 0 ? "CO" : "COL")).ok());
  }
  ListQuery q;
  q.scope = "candidates|nat=CO";
  q.index = IndexEntry{"cand_nat", "CO"};
  q.page_size = 4;
  std::vector<std::string> seen;
  int pages = 0;
  while (true) {
    absl::StatusOr<Page<v1::Candidate>> page = stores.candidates.List(q);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    for (const v1::Candidate& c : page->items) {
      EXPECT_EQ(c.nationality(), "CO");
      seen.push_back(c.name());
    }
    if (page->next_page_token.empty()) break;
    q.page_token = page->next_page_token;
  }
  std::vector<std::string> expected;
  for (int i = 0; i < 25; i += 2) expected.push_back(absl::StrCat("candidates/cand-", 100 + i));
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(pages, 4);  // 13 records, 4 per page
}

// ---------------------------------------------------------------- batches

TEST(RecordStoreTest, UpsertBatchWritesEveryRecordAndReplaceMovesIndexEntries) {
  TestDatabase t;
  Stores stores(t.db());
  absl::StatusOr<v1::Candidate> existing =
      stores.candidates.Create("cand-1", SampleCandidate("cand-1", "ag-1", "CO"));
  ASSERT_TRUE(existing.ok());
  t.clock().Advance(absl::Minutes(5));

  std::vector<std::pair<std::string, v1::Candidate>> batch;
  batch.emplace_back("cand-1", SampleCandidate("cand-1", "ag-1", "EC"));
  batch.emplace_back("cand-2", SampleCandidate("cand-2", "ag-1", "MA"));
  batch.emplace_back("cand-3", SampleCandidate("cand-3", "ag-2", "CO"));
  absl::StatusOr<std::string> reply = stores.candidates.UpsertBatch(batch, nullptr, "done");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "done");

  absl::StatusOr<v1::Candidate> replaced = stores.candidates.Get("cand-1");
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->nationality(), "EC");
  EXPECT_TRUE(MessageDifferencer::Equals(replaced->create_time(), existing->create_time()));
  EXPECT_EQ(replaced->update_time().seconds(), existing->update_time().seconds() + 300);
  EXPECT_NE(replaced->etag(), existing->etag());
  EXPECT_TRUE(MessageDifferencer::Equals(*replaced, batch[0].second));

  absl::StatusOr<v1::Candidate> added = stores.candidates.Get("cand-2");
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->create_time().seconds(), existing->create_time().seconds() + 300);
  EXPECT_FALSE(added->etag().empty());

  EXPECT_THAT(ListByIndex(stores, "cand_nat", "CO"), ElementsAre("candidates/cand-3"));
  EXPECT_THAT(ListByIndex(stores, "cand_nat", "EC"), ElementsAre("candidates/cand-1"));
  EXPECT_THAT(ListByIndex(stores, "cand_nat", "MA"), ElementsAre("candidates/cand-2"));
  EXPECT_THAT(ListByIndex(stores, "cand_agency", "ag-2"), ElementsAre("candidates/cand-3"));
  EXPECT_EQ(testing_util::AllKeys(t.db(), Family::kIndexes).size(), 12u);
}

TEST(RecordStoreTest, UpsertBatchRefusedReplacementWritesNothing) {
  TestDatabase t;
  Stores stores(t.db());
  ASSERT_TRUE(stores.candidates.Create("cand-1", SampleCandidate("cand-1", "ag-1", "CO")).ok());

  std::vector<std::pair<std::string, v1::Candidate>> batch;
  batch.emplace_back("cand-0", SampleCandidate("cand-0", "ag-2", "MA"));
  batch.emplace_back("cand-1", SampleCandidate("cand-1", "ag-2", "MA"));
  int checks = 0;
  absl::StatusOr<std::string> r = stores.candidates.UpsertBatch(
      batch, nullptr, "reply", [&](const v1::Candidate& stored, const v1::Candidate& incoming) {
        ++checks;
        return stored.agency() == incoming.agency()
                   ? absl::OkStatus()
                   : absl::AbortedError("owned by another agency");
      });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(checks, 1);  // Only the replacement is checked, not the new record.
  EXPECT_THAT(testing_util::AllKeys(t.db(), Family::kCandidates), ElementsAre("cand-1"));
  absl::StatusOr<v1::Candidate> kept = stores.candidates.Get("cand-1");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->nationality(), "CO");
  EXPECT_THAT(ListByIndex(stores, "cand_nat", "MA"), IsEmpty());
}

TEST(RecordStoreTest, UpsertBatchThatCannotLockOneRecordWritesNone) {
  TestDatabase t;
  Stores stores(t.db());
  // Another transaction holds cand-2's lock until after the batch gives up.
  std::unique_ptr<rocksdb::Transaction> holder(
      t.db().db()->BeginTransaction(t.db().write_options()));
  std::string ignored;
  rocksdb::Status s = holder->GetForUpdate(rocksdb::ReadOptions(), t.db().family(Family::kCandidates),
                                           "cand-2", &ignored);
  ASSERT_TRUE(s.IsNotFound()) << s.ToString();

  std::vector<std::pair<std::string, v1::Candidate>> batch;
  for (const char* id : {"cand-1", "cand-2", "cand-3"}) {
    batch.emplace_back(id, SampleCandidate(id, "ag-1", "CO"));
  }
  v1::ImportCandidatesRequest request;
  const Idempotency idem = Idem("agency:ag-1", kImportCandidates, "imp-1", request);
  absl::StatusOr<std::string> r = stores.candidates.UpsertBatch(batch, &idem, "reply");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
  EXPECT_THAT(testing_util::AllKeys(t.db(), Family::kCandidates), IsEmpty());
  EXPECT_THAT(testing_util::AllKeys(t.db(), Family::kIndexes), IsEmpty());
  EXPECT_THAT(testing_util::AllKeys(t.db(), Family::kIdempotency), IsEmpty());

  // Once the lock is gone the same request goes through.
  holder.reset();
  r = stores.candidates.UpsertBatch(batch, &idem, "reply");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(testing_util::AllKeys(t.db(), Family::kCandidates).size(), 3u);
}

TEST(RecordStoreTest, UpsertBatchReplayReturnsStoredReplyAndWritesNothing) {
  TestDatabase t;
  Stores stores(t.db());
  v1::ImportCandidatesRequest request;
  request.set_request_id("imp-1");
  request.add_rows()->set_candidate_id("cand-1");
  const Idempotency idem = Idem("agency:ag-1", kImportCandidates, "imp-1", request);

  std::vector<std::pair<std::string, v1::Candidate>> batch;
  batch.emplace_back("cand-1", SampleCandidate("cand-1", "ag-1", "CO"));
  absl::StatusOr<std::string> first = stores.candidates.UpsertBatch(batch, &idem, "reply-1");
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<v1::Candidate> after_first = stores.candidates.Get("cand-1");
  ASSERT_TRUE(after_first.ok());

  // A replay carries the same request but would compute other records and
  // another reply if it were executed again.
  t.clock().Advance(absl::Seconds(10));
  std::vector<std::pair<std::string, v1::Candidate>> again;
  again.emplace_back("cand-1", SampleCandidate("cand-1", "ag-1", "MA"));
  again.emplace_back("cand-2", SampleCandidate("cand-2", "ag-1", "MA"));
  absl::StatusOr<std::string> replay = stores.candidates.UpsertBatch(again, &idem, "reply-2");
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(*replay, "reply-1");
  absl::StatusOr<v1::Candidate> after_replay = stores.candidates.Get("cand-1");
  ASSERT_TRUE(after_replay.ok());
  EXPECT_TRUE(MessageDifferencer::Equals(*after_replay, *after_first));
  EXPECT_EQ(stores.candidates.Get("cand-2").status().code(), absl::StatusCode::kNotFound);

  v1::ImportCandidatesRequest changed = request;
  changed.set_skip_invalid(true);
  const Idempotency other = Idem("agency:ag-1", kImportCandidates, "imp-1", changed);
  EXPECT_EQ(stores.candidates.UpsertBatch(again, &other, "reply-3").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(stores.candidates.Get("cand-2").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace corridor::storage
