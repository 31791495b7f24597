// `corridor audit verify` (clients/cli/audit_verifier.h) against a real
// corridord over an in-process channel: it passes on an honest log, and
// fails, naming the problem, when any answer of the server is tampered with.
#include "clients/cli/audit_verifier.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "audit_test_util.h"
#include "clients/cli/app.h"
#include "common/signing.h"
#include "gtest/gtest.h"

namespace corridor::cli {
namespace {

using testing::LedgerServer;
using testing::TamperingSource;

std::string Describe(const VerifyReport& report) {
  std::string out;
  for (const VerifyStep& s : report.steps) {
    absl::StrAppend(&out, s.ok ? (s.ran ? "OK " : "SKIPPED ") : "FAILED ", s.name, ": ",
                    s.detail, "\n");
  }
  return out;
}

const VerifyStep& Step(const VerifyReport& report, const std::string& name) {
  for (const VerifyStep& s : report.steps) {
    if (s.name == name) return s;
  }
  static const VerifyStep kMissing{"missing", false, false, "no such step"};
  return kMissing;
}

class AuditVerifierTest : public ::testing::Test {
 protected:
  AuditVerifierTest() : server_("audit-verifier") {}

  void SetUp() override {
    server_.BuildHistory();
    connection_ = server_.Connect("operator");
    real_ = NewGrpcAuditSource(*connection_);
    tampered_ = std::make_unique<TamperingSource>(*real_);
    options_.public_key = server_.PublicKey();
    options_.seed = 1;
  }

  VerifyReport Verify(AuditSource& source) {
    absl::StatusOr<VerifyReport> report = VerifyAuditLog(source, options_);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : VerifyReport();
  }

  // The report failed, and its first failure is `step` with `words` in it.
  void ExpectFirstFailure(const VerifyReport& report, const std::string& step,
                          const std::string& words) {
    ASSERT_FALSE(report.ok()) << Describe(report);
    const VerifyStep* first = report.first_failure();
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->name, step) << Describe(report);
    EXPECT_TRUE(absl::StrContains(first->detail, words)) << Describe(report);
  }

  int64_t TreeSize() { return server_.audit_log().Head().tree_size(); }

  LedgerServer server_;
  std::unique_ptr<Connection> connection_;
  std::unique_ptr<AuditSource> real_;
  std::unique_ptr<TamperingSource> tampered_;
  VerifyOptions options_;
};

// The index of the first event of `kind` in the real log.
int64_t FirstOf(AuditSource& source, const std::string& kind) {
  v1::ListAuditEventsRequest req;
  req.set_page_size(1000);
  auto page = source.ListAuditEvents(req);
  if (!page.ok()) return -1;
  for (const v1::AuditEvent& e : page->events()) {
    if (e.kind() == kind) return e.index();
  }
  return -1;
}

TEST_F(AuditVerifierTest, PassesOnARealLog) {
  VerifyReport report = Verify(*real_);
  ASSERT_TRUE(report.ok()) << Describe(report);
  const int64_t size = TreeSize();
  // Agreements, cells, 8 reservations, 3 commits, 2 releases, a correction
  // and a cap change.
  EXPECT_GE(size, 19);
  EXPECT_EQ(report.events_checked, size);
  EXPECT_EQ(report.head.tree_size(), size);
  // Fewer than 256 events: every leaf is proved.
  EXPECT_EQ(report.inclusion_proofs_checked, size);
  EXPECT_EQ(report.cells_compared, 2);
  EXPECT_TRUE(Step(report, "consistency").ok);
  EXPECT_FALSE(Step(report, "consistency").ran);
  for (const char* step : {"head", "events", "root", "inclusion", "replay", "cells"}) {
    EXPECT_TRUE(Step(report, step).ran) << step;
  }
}

TEST_F(AuditVerifierTest, SamplesInclusionProofsInABigLog) {
  options_.prove_all_up_to = 4;
  options_.random_samples = 5;
  VerifyReport report = Verify(*real_);
  ASSERT_TRUE(report.ok()) << Describe(report);
  EXPECT_EQ(report.inclusion_proofs_checked, 7);  // first, last and 5 others
}

TEST_F(AuditVerifierTest, FailsWhenTheHeadIsCheckedWithAnotherKey) {
  absl::StatusOr<SigningKey> other = SigningKey::FromSeed(std::string(32, '\x07'));
  ASSERT_TRUE(other.ok());
  options_.public_key = other->public_key();
  ExpectFirstFailure(Verify(*real_), "head", "does not verify with the given public key");
}

TEST_F(AuditVerifierTest, FailsWhenAHeadIsResignedOverAnotherRoot) {
  tampered_->on_head = [](v1::SignedTreeHead& head) {
    std::string root = head.root_hash();
    root[0] = static_cast<char>(root[0] ^ 1);
    head.set_root_hash(root);
  };
  VerifyReport report = Verify(*tampered_);
  ExpectFirstFailure(report, "head", "signature does not verify");
  EXPECT_FALSE(Step(report, "root").ok) << Describe(report);
}

TEST_F(AuditVerifierTest, FailsWhenOneEventsLeafDataIsAltered) {
  const int64_t target = FirstOf(*real_, "RELEASE");
  ASSERT_GE(target, 0);
  tampered_->on_events = [target](const v1::ListAuditEventsRequest&,
                                  v1::ListAuditEventsResponse& page) {
    for (v1::AuditEvent& e : *page.mutable_events()) {
      if (e.index() != target) continue;
      v1::AuditEvent leaf;
      ASSERT_TRUE(leaf.ParseFromString(e.leaf_data()));
      leaf.set_reason_code("NO_SHOW");
      std::string bytes;
      ASSERT_TRUE(leaf.SerializeToString(&bytes));
      e.set_leaf_data(bytes);
    }
  };
  VerifyReport report = Verify(*tampered_);
  ExpectFirstFailure(report, "events",
                     absl::StrCat("event ", target, ": reason_code is \"WITHDRAWN\" but leaf_data "
                                  "says \"NO_SHOW\""));
  EXPECT_FALSE(Step(report, "root").ok) << Describe(report);
}

TEST_F(AuditVerifierTest, FailsWhenAnEventIsRewrittenWithItsLeafData) {
  // Consistent with itself, so only the hashes can tell.
  const int64_t target = FirstOf(*real_, "RELEASE");
  ASSERT_GE(target, 0);
  tampered_->on_events = [target](const v1::ListAuditEventsRequest&,
                                  v1::ListAuditEventsResponse& page) {
    for (v1::AuditEvent& e : *page.mutable_events()) {
      if (e.index() != target) continue;
      e.set_reason_code("NO_SHOW");
      v1::AuditEvent leaf = e;
      leaf.clear_index();
      leaf.clear_leaf_data();
      std::string bytes;
      ASSERT_TRUE(leaf.SerializeToString(&bytes));
      e.set_leaf_data(bytes);
    }
  };
  ExpectFirstFailure(Verify(*tampered_), "root", "but the signed head says");
}

TEST_F(AuditVerifierTest, FailsWhenTwoEventsAreSwapped) {
  const int64_t commit = FirstOf(*real_, "COMMIT");
  const int64_t release = FirstOf(*real_, "RELEASE");
  ASSERT_GE(commit, 0);
  ASSERT_GE(release, 0);
  tampered_->on_events = [&](const v1::ListAuditEventsRequest&, v1::ListAuditEventsResponse& page) {
    v1::AuditEvent* a = nullptr;
    v1::AuditEvent* b = nullptr;
    for (v1::AuditEvent& e : *page.mutable_events()) {
      if (e.index() == commit) a = &e;
      if (e.index() == release) b = &e;
    }
    if (a == nullptr || b == nullptr) return;
    // Contents trade places; the indexes stay in sequence.
    a->Swap(b);
    const int64_t index = a->index();
    a->set_index(b->index());
    b->set_index(index);
  };
  ExpectFirstFailure(Verify(*tampered_), "root", "events hash to");
}

TEST_F(AuditVerifierTest, FailsWhenTwoEventsAreSwappedWithTheirIndexes) {
  tampered_->on_events = [](const v1::ListAuditEventsRequest&, v1::ListAuditEventsResponse& page) {
    if (page.events_size() > 9) page.mutable_events()->SwapElements(8, 9);
  };
  ExpectFirstFailure(Verify(*tampered_), "events", "the event at position 8 has index 9");
}

TEST_F(AuditVerifierTest, FailsWhenAnEventIsDropped) {
  tampered_->on_events = [](const v1::ListAuditEventsRequest&, v1::ListAuditEventsResponse& page) {
    auto* events = page.mutable_events();
    for (int i = 0; i < events->size(); ++i) {
      if (events->Get(i).index() == 5) {
        events->DeleteSubrange(i, 1);
        break;
      }
    }
  };
  ExpectFirstFailure(Verify(*tampered_), "events", "the event at position 5 has index 6");
}

TEST_F(AuditVerifierTest, FailsWhenTheEventListIsTruncated) {
  const int64_t keep = TreeSize() - 3;
  tampered_->on_events = [keep](const v1::ListAuditEventsRequest&,
                                v1::ListAuditEventsResponse& page) {
    auto* events = page.mutable_events();
    events->erase(std::remove_if(events->begin(), events->end(),
                                 [keep](const v1::AuditEvent& e) { return e.index() >= keep; }),
                  events->end());
    page.clear_next_page_token();
  };
  VerifyReport report = Verify(*tampered_);
  ExpectFirstFailure(report, "events",
                     absl::StrCat("the server lists ", keep, " events, but the signed head covers ",
                                  keep + 3));
  EXPECT_FALSE(Step(report, "root").ran);
}

TEST_F(AuditVerifierTest, FailsWhenAnEffectDiffersFromLeafData) {
  const int64_t target = FirstOf(*real_, "RESERVE");
  ASSERT_GE(target, 0);
  tampered_->on_events = [target](const v1::ListAuditEventsRequest&,
                                  v1::ListAuditEventsResponse& page) {
    for (v1::AuditEvent& e : *page.mutable_events()) {
      if (e.index() == target) e.mutable_effects(0)->set_reserved_delta(2);
    }
  };
  VerifyReport report = Verify(*tampered_);
  ExpectFirstFailure(report, "events",
                     absl::StrCat("event ", target,
                                  ": effects[0].reserved_delta is 2 but leaf_data says 1"));
  // The hashed bytes are intact: the root and the replay still hold.
  EXPECT_TRUE(Step(report, "root").ok) << Describe(report);
  EXPECT_TRUE(Step(report, "replay").ok) << Describe(report);
}

TEST_F(AuditVerifierTest, FailsWhenALiveCounterDiffersFromTheReplay) {
  tampered_->on_cells = [](const v1::ListQuotaCellsRequest&, v1::ListQuotaCellsResponse& page) {
    for (v1::QuotaCell& c : *page.mutable_quota_cells()) {
      if (absl::EndsWith(c.name(), "/es-2027")) c.set_reserved(c.reserved() + 1);
    }
  };
  ExpectFirstFailure(Verify(*tampered_), "cells",
                     "agreements/es-co/quotaCells/es-2027: live cap 400, reserved 3, committed 1; "
                     "the log gives cap 400, reserved 2, committed 1");
}

TEST_F(AuditVerifierTest, FailsWhenALiveCellIsMissing) {
  tampered_->on_cells = [](const v1::ListQuotaCellsRequest&, v1::ListQuotaCellsResponse& page) {
    page.clear_quota_cells();
  };
  ExpectFirstFailure(Verify(*tampered_), "cells", "but the server does not list it");
}

TEST_F(AuditVerifierTest, FailsWhenAnInclusionProofIsWrong) {
  tampered_->on_inclusion = [](const v1::GetInclusionProofRequest& req,
                               v1::GetInclusionProofResponse& resp) {
    if (req.leaf_index() == 3 && resp.audit_path_size() > 0) {
      std::string h = resp.audit_path(0);
      h[5] = static_cast<char>(h[5] ^ 0x40);
      resp.set_audit_path(0, h);
    }
  };
  ExpectFirstFailure(Verify(*tampered_), "inclusion", "leaf 3: the inclusion proof does not verify");
}

TEST_F(AuditVerifierTest, ChecksConsistencyWithAHeadVerifiedBefore) {
  VerifyReport first = Verify(*real_);
  ASSERT_TRUE(first.ok()) << Describe(first);
  VerifiedHead saved;
  saved.tree_size = first.head.tree_size();
  ASSERT_TRUE(HashFromBytes(first.head.root_hash()).ok());
  saved.root = *HashFromBytes(first.head.root_hash());

  server_.BuildHistory("later");
  options_.previous = saved;
  VerifyReport second = Verify(*real_);
  ASSERT_TRUE(second.ok()) << Describe(second);
  EXPECT_GT(second.head.tree_size(), saved.tree_size);
  EXPECT_TRUE(Step(second, "consistency").ran);
  EXPECT_TRUE(absl::StrContains(Step(second, "consistency").detail, "consistency proof verified"));

  // A saved head the log cannot have had.
  saved.root[0] ^= 1;
  options_.previous = saved;
  ExpectFirstFailure(Verify(*real_), "consistency", "it was rewritten");

  // A saved head bigger than the log: truncated.
  saved.tree_size = second.head.tree_size() + 1;
  options_.previous = saved;
  ExpectFirstFailure(Verify(*real_), "consistency", "truncated or rewritten");
}

TEST_F(AuditVerifierTest, FailsAgainstTheSavedHeadOfAForkedLog) {
  // Another server whose log went another way: the same kind of history,
  // more of it, signed with its own key.
  VerifyReport first = Verify(*real_);
  ASSERT_TRUE(first.ok()) << Describe(first);
  VerifiedHead saved;
  saved.tree_size = first.head.tree_size();
  saved.root = *HashFromBytes(first.head.root_hash());

  LedgerServer fork("audit-verifier-fork");
  fork.BuildHistory("fork");
  fork.BuildHistory("fork2");
  std::unique_ptr<Connection> connection = fork.Connect("operator");
  std::unique_ptr<AuditSource> source = NewGrpcAuditSource(*connection);
  options_.public_key = fork.PublicKey();
  VerifyReport alone = Verify(*source);
  ASSERT_TRUE(alone.ok()) << Describe(alone);
  ASSERT_GT(alone.head.tree_size(), saved.tree_size);

  options_.previous = saved;
  ExpectFirstFailure(Verify(*source), "consistency", "does not extend the saved head");
}

TEST_F(AuditVerifierTest, CatchesUpWhenTheLogGrowsWhileCellsAreRead) {
  int calls = 0;
  tampered_->on_cells = [&](const v1::ListQuotaCellsRequest&, v1::ListQuotaCellsResponse&) {
    if (++calls == 1) server_.Reserve("es-co", "es-2027", "during-verify");
  };
  const int64_t before = TreeSize();
  VerifyReport report = Verify(*tampered_);
  ASSERT_TRUE(report.ok()) << Describe(report);
  EXPECT_EQ(report.head.tree_size(), before + 1);
  EXPECT_EQ(report.events_checked, before + 1);
}

TEST_F(AuditVerifierTest, WorksForAMinistryThatSeesItsOwnAgreementsOnly) {
  std::unique_ptr<Connection> connection = server_.Connect("ministry:FR");
  std::unique_ptr<AuditSource> source = NewGrpcAuditSource(*connection);
  VerifyReport report = Verify(*source);
  ASSERT_TRUE(report.ok()) << Describe(report);
  EXPECT_EQ(report.cells_compared, 1);  // fr-2027
  EXPECT_EQ(report.events_checked, TreeSize());
}

// ---- the command ----

class VerifyCommandTest : public AuditVerifierTest {
 protected:
  void SetUp() override {
    AuditVerifierTest::SetUp();
    dir_ = corridor::testing::FreshDir("verify-command");
  }

  int Run(std::vector<std::string> args) {
    args.insert(args.begin(), "corridor");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    out_.str("");
    err_.str("");
    CliEnv env;
    env.out = &out_;
    env.err = &err_;
    env.connect = [this](const ClientOptions& options)
        -> absl::StatusOr<std::unique_ptr<Connection>> {
      return std::make_unique<Connection>(server_.server().channel(), options);
    };
    return RunCli(static_cast<int>(argv.size()), argv.data(), env);
  }

  std::string dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(VerifyCommandTest, ExitsZeroAndSavesTheHeadOnlyWhenEverythingPasses) {
  const std::string state = dir_ + "/state";
  const std::string token = testing::TokenFor("ministry:ES");
  ASSERT_EQ(Run({"--token", token, "audit", "verify", "--public-key", server_.PublicKeyHex(),
                 "--state-file", state}),
            0)
      << out_.str() << err_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "audit log verified")) << out_.str();
  absl::StatusOr<VerifiedHead> saved = ReadStateFile(state);
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->tree_size, TreeSize());

  // The key from a file; a second run checks consistency with the first.
  server_.Reserve("es-co", "es-2027", "after-first-run");
  const std::string key_file = dir_ + "/audit.pub";
  std::ofstream(key_file) << server_.PublicKeyHex() << "\n";
  ASSERT_EQ(Run({"--token", token, "audit", "verify", "--public-key", key_file, "--state-file",
                 state}),
            0)
      << out_.str() << err_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "consistency proof verified")) << out_.str();
  EXPECT_EQ(ReadStateFile(state)->tree_size, TreeSize());

  // Another key: exit 1, the report names the step, the state is kept.
  const int64_t kept = ReadStateFile(state)->tree_size;
  server_.Reserve("es-co", "es-2027", "after-second-run");
  absl::StatusOr<SigningKey> other = SigningKey::FromSeed(std::string(32, '\x09'));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(Run({"--token", token, "audit", "verify", "--public-key", other->public_key_hex(),
                 "--state-file", state}),
            1);
  EXPECT_TRUE(absl::StrContains(out_.str(), "FAILED at head")) << out_.str();
  EXPECT_EQ(ReadStateFile(state)->tree_size, kept);
}

TEST_F(VerifyCommandTest, RefusesABadKeyOrStateFile) {
  const std::string token = testing::TokenFor("operator");
  EXPECT_EQ(Run({"--token", token, "audit", "verify", "--public-key", "abcd"}), 1);
  EXPECT_TRUE(absl::StrContains(err_.str(), "--public-key")) << err_.str();
  EXPECT_EQ(Run({"--token", token, "audit", "verify"}), 2);
  const std::string state = dir_ + "/garbage";
  std::ofstream(state) << "not a state file\n";
  EXPECT_EQ(Run({"--token", token, "audit", "verify", "--public-key", server_.PublicKeyHex(),
                 "--state-file", state}),
            1);
  EXPECT_TRUE(absl::StrContains(err_.str(), "state file")) << err_.str();
}

TEST_F(VerifyCommandTest, PrintsJson) {
  ASSERT_EQ(Run({"--token", testing::TokenFor("operator"), "--output", "json", "audit", "verify",
                 "--public-key", server_.PublicKeyHex()}),
            0)
      << out_.str() << err_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "\"ok\": true")) << out_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), absl::StrCat("\"eventsChecked\": ", TreeSize())))
      << out_.str();
}

TEST(StateFileTest, RoundTripsAndRejectsMalformedFiles) {
  const std::string dir = corridor::testing::FreshDir("state-file");
  v1::SignedTreeHead head;
  head.set_tree_size(42);
  head.set_root_hash(std::string(32, '\xab'));
  head.mutable_time()->set_seconds(1800000000);
  head.set_signature(std::string(64, '\x01'));
  ASSERT_TRUE(WriteStateFile(dir + "/s", head).ok());
  absl::StatusOr<VerifiedHead> back = ReadStateFile(dir + "/s");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->tree_size, 42);
  EXPECT_EQ(HashToHex(back->root), absl::BytesToHexString(std::string(32, '\xab')));

  EXPECT_EQ(ReadStateFile(dir + "/none").status().code(), absl::StatusCode::kNotFound);
  std::ofstream(dir + "/short") << "corridor-audit-state v1\ntree_size 3\nroot_hash abcd\n";
  EXPECT_EQ(ReadStateFile(dir + "/short").status().code(), absl::StatusCode::kInvalidArgument);
  std::ofstream(dir + "/nosize") << "corridor-audit-state v1\nroot_hash " << std::string(64, 'a')
                                 << "\n";
  EXPECT_EQ(ReadStateFile(dir + "/nosize").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PublicKeyArgTest, TakesHexOrAFile) {
  absl::StatusOr<SigningKey> key = SigningKey::FromSeed(std::string(32, '\x05'));
  ASSERT_TRUE(key.ok());
  absl::StatusOr<std::string> parsed = ParsePublicKeyArg(key->public_key_hex());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, key->public_key());
  const std::string dir = corridor::testing::FreshDir("public-key");
  std::ofstream(dir + "/k") << "  " << key->public_key_hex() << "\n";
  parsed = ParsePublicKeyArg(dir + "/k");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, key->public_key());
  EXPECT_FALSE(ParsePublicKeyArg(dir + "/missing").ok());
  EXPECT_FALSE(ParsePublicKeyArg(std::string(63, 'a')).ok());
}

}  // namespace
}  // namespace corridor::cli
