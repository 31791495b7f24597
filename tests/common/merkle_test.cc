#include "common/merkle.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace corridor {
namespace {

using ::testing::HasSubstr;

constexpr char kEmptySha256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

Hash FromHex(absl::string_view hex) {
  absl::StatusOr<Hash> h = HashFromBytes(absl::HexStringToBytes(hex));
  EXPECT_TRUE(h.ok()) << hex;
  return h.ok() ? *h : Hash{};
}

// Distinct, deterministic leaf hashes.
std::vector<Hash> TestLeaves(size_t n, absl::string_view tag = "leaf") {
  std::vector<Hash> leaves;
  leaves.reserve(n);
  for (size_t i = 0; i < n; ++i) leaves.push_back(LeafHash(absl::StrCat(tag, "-", i)));
  return leaves;
}

MerkleTree TreeOf(const std::vector<Hash>& leaves) {
  MerkleTree tree;
  for (const Hash& h : leaves) tree.Append(h);
  return tree;
}

Hash Root(const MerkleTree& tree, uint64_t size) {
  absl::StatusOr<Hash> root = tree.RootHash(size);
  EXPECT_TRUE(root.ok()) << root.status();
  return root.ok() ? *root : Hash{};
}

// ---------------------------------------------------------------------------
// Reference implementations written straight from the recursive definitions
// of RFC 6962 section 2.1 over the leaf hashes d[b:e]: slow, obviously right.

uint64_t RefSplit(uint64_t n) {  // largest power of two < n, n >= 2
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Hash RefMth(const std::vector<Hash>& d, uint64_t b, uint64_t e) {
  const uint64_t n = e - b;
  if (n == 0) return FromHex(kEmptySha256);
  if (n == 1) return d[b];
  const uint64_t k = RefSplit(n);
  return NodeHash(RefMth(d, b, b + k), RefMth(d, b + k, e));
}

// PATH(m, D[b:e]).
std::vector<Hash> RefPath(uint64_t m, const std::vector<Hash>& d, uint64_t b, uint64_t e) {
  const uint64_t n = e - b;
  if (n == 1) return {};
  const uint64_t k = RefSplit(n);
  std::vector<Hash> path;
  if (m < k) {
    path = RefPath(m, d, b, b + k);
    path.push_back(RefMth(d, b + k, e));
  } else {
    path = RefPath(m - k, d, b + k, e);
    path.push_back(RefMth(d, b, b + k));
  }
  return path;
}

// SUBPROOF(m, D[b:e], whole).
std::vector<Hash> RefSubproof(uint64_t m, const std::vector<Hash>& d, uint64_t b, uint64_t e,
                              bool whole) {
  const uint64_t n = e - b;
  if (m == n) {
    if (whole) return {};
    return {RefMth(d, b, e)};
  }
  const uint64_t k = RefSplit(n);
  std::vector<Hash> proof;
  if (m <= k) {
    proof = RefSubproof(m, d, b, b + k, whole);
    proof.push_back(RefMth(d, b + k, e));
  } else {
    proof = RefSubproof(m - k, d, b + k, e, false);
    proof.push_back(RefMth(d, b, b + k));
  }
  return proof;
}

std::vector<Hash> RefProof(uint64_t m, const std::vector<Hash>& d, uint64_t n) {
  return RefSubproof(m, d, 0, n, true);
}

void FlipBit(Hash& h, size_t bit) { h[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8)); }

// ---------------------------------------------------------------------------
// Hashing.

TEST(MerkleHashTest, EmptyRootIsSha256OfTheEmptyString) {
  EXPECT_EQ(HashToHex(EmptyRootHash()), kEmptySha256);
  EXPECT_EQ(Root(MerkleTree(), 0), EmptyRootHash());
}

// The RFC 6962 test vectors published with Certificate Transparency
// (transparency-dev/merkle testonly), used as data: they fail if the
// prefixes, the split rule or the proof order drift from the standard.
TEST(MerkleHashTest, MatchesTheCertificateTransparencyVectors) {
  const std::vector<std::string> entries = {
      "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
      "606162636465666768696a6b6c6d6e6f"};
  const std::vector<std::string> roots = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  MerkleTree tree;
  for (const std::string& e : entries) tree.Append(LeafHash(absl::HexStringToBytes(e)));
  for (uint64_t n = 1; n <= 8; ++n) {
    EXPECT_EQ(HashToHex(Root(tree, n)), roots[n - 1]) << "size " << n;
  }

  auto hexes = [](const absl::StatusOr<std::vector<Hash>>& proof) {
    std::vector<std::string> out;
    if (!proof.ok()) return out;
    for (const Hash& h : *proof) out.push_back(HashToHex(h));
    return out;
  };
  using ::testing::ElementsAre;
  EXPECT_THAT(hexes(tree.InclusionProof(0, 8)),
              ElementsAre("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"));
  EXPECT_THAT(hexes(tree.InclusionProof(5, 8)),
              ElementsAre("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"));
  EXPECT_THAT(hexes(tree.ConsistencyProof(2, 8)),
              ElementsAre("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"));
  EXPECT_THAT(hexes(tree.ConsistencyProof(6, 8)),
              ElementsAre("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"));
  EXPECT_THAT(hexes(tree.ConsistencyProof(2, 5)),
              ElementsAre("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                          "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"));
}

TEST(MerkleHashTest, LeafAndNodeHashesUseTheirDomainPrefixes) {
  // SHA-256 of the single byte 0x00, and of 0x01 || 64 zero bytes.
  EXPECT_EQ(HashToHex(LeafHash("")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  EXPECT_NE(LeafHash(std::string(64, '\0')), NodeHash(Hash{}, Hash{}));
  EXPECT_NE(NodeHash(LeafHash("a"), LeafHash("b")), NodeHash(LeafHash("b"), LeafHash("a")));
}

TEST(MerkleHashTest, HashFromBytesTakesExactly32BytesAndRoundTripsThroughHex) {
  const Hash h = LeafHash("x");
  absl::StatusOr<Hash> back =
      HashFromBytes(absl::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, h);
  EXPECT_EQ(FromHex(HashToHex(h)), h);
  EXPECT_EQ(HashToHex(h).size(), 64u);
  for (size_t n : {0, 1, 31, 33, 64}) {
    absl::StatusOr<Hash> bad = HashFromBytes(std::string(n, 'a'));
    ASSERT_FALSE(bad.ok()) << n;
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(bad.status().message()), HasSubstr("bytes"));
  }
}

// ---------------------------------------------------------------------------
// The tree.

TEST(MerkleTreeTest, RootHashMatchesTheReferenceForEverySizeAndEveryPrefix) {
  constexpr uint64_t kMax = 300;
  const std::vector<Hash> leaves = TestLeaves(kMax);
  std::vector<Hash> ref_roots;
  for (uint64_t s = 0; s <= kMax; ++s) ref_roots.push_back(RefMth(leaves, 0, s));
  for (uint64_t n = 1; n <= kMax; ++n) {
    MerkleTree tree;
    for (uint64_t i = 0; i < n; ++i) tree.Append(leaves[i]);
    ASSERT_EQ(tree.size(), n);
    for (uint64_t s = 0; s <= n; ++s) {
      ASSERT_EQ(Root(tree, s), ref_roots[s]) << "tree of " << n << ", prefix " << s;
    }
  }
}

TEST(MerkleTreeTest, TruncateThenAppendGivesTheSameTreeAsAFreshOne) {
  const std::vector<Hash> first = TestLeaves(100, "first");
  const std::vector<Hash> second = TestLeaves(100, "second");
  for (uint64_t keep : {0, 1, 2, 3, 37, 63, 64, 65, 99, 100}) {
    MerkleTree tree = TreeOf(first);
    const size_t full_bytes = tree.MemoryBytes();
    tree.Truncate(keep);
    ASSERT_EQ(tree.size(), keep);
    EXPECT_LE(tree.MemoryBytes(), full_bytes);
    EXPECT_FALSE(tree.RootHash(keep + 1).ok());

    std::vector<Hash> expected(first.begin(), first.begin() + keep);
    for (uint64_t i = 0; i < 60; ++i) {
      tree.Append(second[i]);
      expected.push_back(second[i]);
    }
    const MerkleTree fresh = TreeOf(expected);
    ASSERT_EQ(tree.size(), fresh.size());
    for (uint64_t s = 0; s <= tree.size(); ++s) {
      ASSERT_EQ(Root(tree, s), Root(fresh, s)) << "keep " << keep << ", size " << s;
      ASSERT_EQ(Root(tree, s), RefMth(expected, 0, s)) << "keep " << keep << ", size " << s;
    }
    for (uint64_t i = 0; i < tree.size(); i += 7) {
      EXPECT_EQ(*tree.InclusionProof(i, tree.size()), *fresh.InclusionProof(i, fresh.size()));
    }
    EXPECT_EQ(*tree.ConsistencyProof(keep == 0 ? 1 : keep, tree.size()),
              *fresh.ConsistencyProof(keep == 0 ? 1 : keep, fresh.size()));
  }
}

TEST(MerkleTreeTest, TruncateToTheSizeOrBeyondChangesNothing) {
  MerkleTree tree = TreeOf(TestLeaves(10));
  const Hash root = Root(tree, 10);
  tree.Truncate(10);
  tree.Truncate(1000);
  EXPECT_EQ(tree.size(), 10u);
  EXPECT_EQ(Root(tree, 10), root);
}

TEST(MerkleTreeTest, MemoryIsAboutTwoHashesPerLeaf) {
  constexpr uint64_t kLeaves = 4096;
  MerkleTree tree = TreeOf(TestLeaves(kLeaves));
  EXPECT_GE(tree.MemoryBytes(), (2 * kLeaves - 1) * sizeof(Hash));
  // Vector growth may leave up to one spare slot per stored node.
  EXPECT_LE(tree.MemoryBytes(), 4 * kLeaves * sizeof(Hash) + 1024);
}

TEST(MerkleTreeTest, ArgumentErrorsNameTheArgument) {
  const MerkleTree tree = TreeOf(TestLeaves(5));
  auto expect_invalid = [](const absl::Status& s, const std::string& field) {
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr(field)) << s;
  };
  expect_invalid(tree.RootHash(6).status(), "tree_size");
  expect_invalid(tree.InclusionProof(5, 5).status(), "leaf_index");
  EXPECT_EQ(tree.InclusionProof(7, 5).status().message(), "leaf_index: 7 is not below tree_size 5");
  expect_invalid(tree.InclusionProof(0, 6).status(), "tree_size");
  expect_invalid(tree.InclusionProof(0, 0).status(), "leaf_index");
  expect_invalid(tree.ConsistencyProof(0, 3).status(), "first_size");
  expect_invalid(tree.ConsistencyProof(4, 3).status(), "first_size");
  expect_invalid(tree.ConsistencyProof(1, 6).status(), "second_size");
  EXPECT_TRUE(tree.ConsistencyProof(5, 5).ok());
  EXPECT_TRUE(tree.ConsistencyProof(5, 5)->empty());
  EXPECT_TRUE(tree.InclusionProof(0, 1)->empty());

  const Hash leaf = LeafHash("leaf-0");
  const Hash root = Root(tree, 5);
  expect_invalid(VerifyInclusion(leaf, 5, 5, {}, root), "leaf_index");
  expect_invalid(VerifyInclusion(leaf, 0, 0, {}, root), "leaf_index");
  expect_invalid(VerifyInclusion(leaf, 0, 5, {}, root), "proof");
  expect_invalid(VerifyConsistency(0, 5, root, root, {}), "first_size");
  expect_invalid(VerifyConsistency(6, 5, root, root, {}), "first_size");
  expect_invalid(VerifyConsistency(5, 5, root, root, {root}), "proof");
  expect_invalid(VerifyConsistency(3, 5, Root(tree, 3), root, {}), "proof");
  EXPECT_TRUE(VerifyConsistency(5, 5, root, root, {}).ok());
  EXPECT_EQ(VerifyConsistency(5, 5, root, Root(tree, 4), {}).code(),
            absl::StatusCode::kFailedPrecondition);
}

// ---------------------------------------------------------------------------
// RELIABILITY.md A2: honest proofs verify.

TEST(MerkleProofTest, EveryInclusionProofVerifiesForEveryTreeSizeUpTo1024) {
  constexpr uint64_t kMax = 1024;
  const std::vector<Hash> leaves = TestLeaves(kMax);
  const MerkleTree tree = TreeOf(leaves);
  uint64_t verified = 0;
  for (uint64_t n = 1; n <= kMax; ++n) {
    const Hash root = Root(tree, n);
    for (uint64_t i = 0; i < n; ++i) {
      absl::StatusOr<std::vector<Hash>> proof = tree.InclusionProof(i, n);
      ASSERT_TRUE(proof.ok()) << proof.status();
      const absl::Status s = VerifyInclusion(leaves[i], i, n, *proof, root);
      ASSERT_TRUE(s.ok()) << "leaf " << i << " of " << n << ": " << s;
      ++verified;
    }
  }
  EXPECT_EQ(verified, kMax * (kMax + 1) / 2);
}

TEST(MerkleProofTest, EveryConsistencyProofVerifiesForAllSizesUpTo256) {
  constexpr uint64_t kMax = 256;
  const MerkleTree tree = TreeOf(TestLeaves(kMax));
  std::vector<Hash> roots;
  for (uint64_t s = 0; s <= kMax; ++s) roots.push_back(Root(tree, s));
  for (uint64_t n = 1; n <= kMax; ++n) {
    for (uint64_t m = 1; m <= n; ++m) {
      absl::StatusOr<std::vector<Hash>> proof = tree.ConsistencyProof(m, n);
      ASSERT_TRUE(proof.ok()) << proof.status();
      const absl::Status s = VerifyConsistency(m, n, roots[m], roots[n], *proof);
      ASSERT_TRUE(s.ok()) << m << " -> " << n << ": " << s;
    }
  }
}

TEST(MerkleProofTest, ProofsEqualTheReferenceImplementationUpTo64) {
  constexpr uint64_t kMax = 64;
  const std::vector<Hash> leaves = TestLeaves(kMax);
  const MerkleTree tree = TreeOf(leaves);
  for (uint64_t n = 1; n <= kMax; ++n) {
    for (uint64_t i = 0; i < n; ++i) {
      absl::StatusOr<std::vector<Hash>> proof = tree.InclusionProof(i, n);
      ASSERT_TRUE(proof.ok()) << proof.status();
      ASSERT_EQ(*proof, RefPath(i, leaves, 0, n)) << "leaf " << i << " of " << n;
    }
    for (uint64_t m = 1; m <= n; ++m) {
      absl::StatusOr<std::vector<Hash>> proof = tree.ConsistencyProof(m, n);
      ASSERT_TRUE(proof.ok()) << proof.status();
      ASSERT_EQ(*proof, RefProof(m, leaves, n)) << m << " -> " << n;
    }
  }
}

// ---------------------------------------------------------------------------
// RELIABILITY.md A3: tampered proofs are rejected.
//
// A wrong size is always paired with the root of that size: the verifier
// takes (size, root) together from a signed tree head, and an RFC 6962 proof
// does not bind the size on its own (the path of leaf 0 in a tree of 3 is
// also a well-formed path for a tree of 4 whose claimed root is that of 3).

constexpr uint64_t kTamperTreeSize = 1100;  // room for "size + 1" roots
constexpr uint64_t kMaxSampleSize = 1024;

std::vector<uint64_t> SampleSizes() {
  return {1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 255, 256, 257, 1000, 1023, 1024};
}

// Indices (or first sizes) in [lo, hi] around the interesting spots.
std::vector<uint64_t> SampleWithin(uint64_t lo, uint64_t hi) {
  std::vector<uint64_t> out;
  for (uint64_t v : {lo, lo + 1, lo + 2, (lo + hi) / 2, (hi * 7) / 10, hi - 1, hi}) {
    if (v < lo || v > hi) continue;
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  for (uint64_t p = 1; p <= hi; p *= 2) {  // powers of two are a special case
    if (p >= lo && std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  return out;
}

// Every structural mutation of `proof`: each element dropped, an element
// added at each position, each pair swapped, truncated, doubled.
std::vector<std::pair<std::string, std::vector<Hash>>> MutatedProofs(
    const std::vector<Hash>& proof, const Hash& extra) {
  std::vector<std::pair<std::string, std::vector<Hash>>> out;
  for (size_t i = 0; i < proof.size(); ++i) {
    std::vector<Hash> p = proof;
    p.erase(p.begin() + i);
    out.emplace_back(absl::StrCat("drop ", i), p);
  }
  for (size_t i = 0; i <= proof.size(); ++i) {
    std::vector<Hash> p = proof;
    p.insert(p.begin() + i, extra);
    out.emplace_back(absl::StrCat("add at ", i), p);
    if (!proof.empty()) {
      p = proof;
      p.insert(p.begin() + i, proof[i == proof.size() ? i - 1 : i]);
      out.emplace_back(absl::StrCat("duplicate at ", i), p);
    }
  }
  for (size_t i = 0; i < proof.size(); ++i) {
    for (size_t j = i + 1; j < proof.size(); ++j) {
      std::vector<Hash> p = proof;
      std::swap(p[i], p[j]);
      out.emplace_back(absl::StrCat("swap ", i, " ", j), p);
    }
  }
  std::vector<Hash> doubled = proof;
  doubled.insert(doubled.end(), proof.begin(), proof.end());
  if (!proof.empty()) out.emplace_back("doubled", doubled);
  out.emplace_back("emptied", std::vector<Hash>());
  if (proof.empty()) out.erase(out.end() - 1);  // the honest proof itself
  return out;
}

TEST(MerkleTamperTest, TamperedInclusionProofsAreAllRejected) {
  const std::vector<Hash> leaves = TestLeaves(kTamperTreeSize);
  const MerkleTree tree = TreeOf(leaves);
  const Hash stranger = LeafHash("not in the tree");
  uint64_t rejected = 0;
  auto expect_rejected = [&](const absl::Status& s, uint64_t i, uint64_t n,
                             const std::string& what) {
    if (s.ok()) {
      ADD_FAILURE() << "accepted: leaf " << i << " of " << n << ", " << what;
    } else {
      ++rejected;
    }
  };
  for (uint64_t n : SampleSizes()) {
    const Hash root = Root(tree, n);
    for (uint64_t i : SampleWithin(0, n - 1)) {
      const std::vector<Hash> proof = *tree.InclusionProof(i, n);
      ASSERT_TRUE(VerifyInclusion(leaves[i], i, n, proof, root).ok());
      // Every bit of every proof element, of the leaf and of the root.
      for (size_t e = 0; e < proof.size(); ++e) {
        for (size_t bit = 0; bit < 256; ++bit) {
          std::vector<Hash> p = proof;
          FlipBit(p[e], bit);
          expect_rejected(VerifyInclusion(leaves[i], i, n, p, root), i, n,
                          absl::StrCat("bit ", bit, " of element ", e));
        }
      }
      for (size_t bit = 0; bit < 256; ++bit) {
        Hash leaf = leaves[i];
        FlipBit(leaf, bit);
        expect_rejected(VerifyInclusion(leaf, i, n, proof, root), i, n,
                        absl::StrCat("bit ", bit, " of the leaf"));
        Hash r = root;
        FlipBit(r, bit);
        expect_rejected(VerifyInclusion(leaves[i], i, n, proof, r), i, n,
                        absl::StrCat("bit ", bit, " of the root"));
      }
      for (const auto& [what, p] : MutatedProofs(proof, stranger)) {
        expect_rejected(VerifyInclusion(leaves[i], i, n, p, root), i, n, what);
      }
      // Wrong index (same leaf hash), wrong leaf, wrong size, wrong root.
      for (uint64_t j : {i - 1, i + 1, i ^ 1, i ^ 2, i ^ 4, uint64_t{0}, n - 1, n, n + 1,
                         std::numeric_limits<uint64_t>::max()}) {
        if (j == i) continue;
        expect_rejected(VerifyInclusion(leaves[i], j, n, proof, root), i, n,
                        absl::StrCat("index ", j));
      }
      if (n > 1) {
        expect_rejected(VerifyInclusion(leaves[(i + 1) % n], i, n, proof, root), i, n,
                        "neighbour's leaf");
      }
      expect_rejected(VerifyInclusion(stranger, i, n, proof, root), i, n, "stranger leaf");
      for (uint64_t m : {n - 1, n + 1, n * 2, n / 2, n + 3, i + 1}) {
        if (m == n || m == 0 || m > kTamperTreeSize) continue;
        expect_rejected(VerifyInclusion(leaves[i], i, m, proof, Root(tree, m)), i, n,
                        absl::StrCat("size ", m, " with its root"));
      }
      for (uint64_t m : {uint64_t{0}, std::numeric_limits<uint64_t>::max()}) {
        expect_rejected(VerifyInclusion(leaves[i], i, m, proof, root), i, n,
                        absl::StrCat("size ", m));
      }
      for (uint64_t m : {n - 1, n + 1}) {
        if (m == 0) continue;
        expect_rejected(VerifyInclusion(leaves[i], i, n, proof, Root(tree, m)), i, n,
                        absl::StrCat("root of size ", m));
      }
      expect_rejected(VerifyInclusion(leaves[i], i, n, proof, stranger), i, n, "stranger root");
    }
  }
  EXPECT_GT(rejected, 100000u);
}

TEST(MerkleTamperTest, TamperedConsistencyProofsAreAllRejected) {
  const MerkleTree tree = TreeOf(TestLeaves(kTamperTreeSize));
  const Hash stranger = LeafHash("not in the tree");
  std::vector<Hash> roots;
  for (uint64_t s = 0; s <= kTamperTreeSize; ++s) roots.push_back(Root(tree, s));
  uint64_t rejected = 0;
  auto expect_rejected = [&](const absl::Status& s, uint64_t m, uint64_t n,
                             const std::string& what) {
    if (s.ok()) {
      ADD_FAILURE() << "accepted: " << m << " -> " << n << ", " << what;
    } else {
      ++rejected;
    }
  };
  for (uint64_t n : SampleSizes()) {
    for (uint64_t m : SampleWithin(1, n)) {
      const std::vector<Hash> proof = *tree.ConsistencyProof(m, n);
      ASSERT_TRUE(VerifyConsistency(m, n, roots[m], roots[n], proof).ok());
      // Bit flips over every element only for the smaller trees: a proof
      // element is handled the same way whatever the size.
      if (n <= 257) {
        for (size_t e = 0; e < proof.size(); ++e) {
          for (size_t bit = 0; bit < 256; ++bit) {
            std::vector<Hash> p = proof;
            FlipBit(p[e], bit);
            expect_rejected(VerifyConsistency(m, n, roots[m], roots[n], p), m, n,
                            absl::StrCat("bit ", bit, " of element ", e));
          }
        }
      }
      for (size_t bit = 0; bit < 256; ++bit) {
        Hash r = roots[m];
        FlipBit(r, bit);
        expect_rejected(VerifyConsistency(m, n, r, roots[n], proof), m, n,
                        absl::StrCat("bit ", bit, " of the first root"));
        r = roots[n];
        FlipBit(r, bit);
        expect_rejected(VerifyConsistency(m, n, roots[m], r, proof), m, n,
                        absl::StrCat("bit ", bit, " of the second root"));
      }
      for (const auto& [what, p] : MutatedProofs(proof, stranger)) {
        expect_rejected(VerifyConsistency(m, n, roots[m], roots[n], p), m, n, what);
      }
      // Wrong sizes (with their own roots), wrong and swapped roots.
      for (uint64_t m2 : {m - 1, m + 1, m * 2, m / 2, m + 3}) {
        if (m2 == m || m2 == 0 || m2 > n) continue;
        expect_rejected(VerifyConsistency(m2, n, roots[m2], roots[n], proof), m, n,
                        absl::StrCat("first size ", m2, " with its root"));
      }
      for (uint64_t n2 : {n - 1, n + 1, n * 2, n + 3}) {
        if (n2 == n || n2 < m || n2 > kTamperTreeSize) continue;
        expect_rejected(VerifyConsistency(m, n2, roots[m], roots[n2], proof), m, n,
                        absl::StrCat("second size ", n2, " with its root"));
      }
      for (auto [m2, n2] : std::vector<std::pair<uint64_t, uint64_t>>{
               {0, n}, {n, m}, {m, std::numeric_limits<uint64_t>::max()},
               {std::numeric_limits<uint64_t>::max(), std::numeric_limits<uint64_t>::max()}}) {
        if (m2 == m && n2 == n) continue;
        // Equal sizes with equal roots is a true claim whatever the size.
        if (m == n && m2 == n2) continue;
        expect_rejected(VerifyConsistency(m2, n2, roots[m], roots[n], proof), m, n,
                        absl::StrCat("sizes ", m2, " -> ", n2));
      }
      if (m != n) {
        expect_rejected(VerifyConsistency(m, n, roots[n], roots[m], proof), m, n, "roots swapped");
        expect_rejected(VerifyConsistency(m, n, roots[m], roots[m], proof), m, n,
                        "first root twice");
      }
      expect_rejected(VerifyConsistency(m, n, roots[m - 1], roots[n], proof), m, n,
                      "root of size m - 1");
      expect_rejected(VerifyConsistency(m, n, roots[m], roots[n + 1], proof), m, n,
                      "root of size n + 1");
      expect_rejected(VerifyConsistency(m, n, stranger, roots[n], proof), m, n,
                      "stranger first root");
      expect_rejected(VerifyConsistency(m, n, roots[m], stranger, proof), m, n,
                      "stranger second root");
    }
  }
  EXPECT_GT(rejected, 100000u);
}

TEST(MerkleTamperTest, TenThousandRandomBitFlipsAreAllRejected) {
  constexpr uint64_t kSeed = 6962;
  std::mt19937_64 rng(kSeed);
  const std::vector<Hash> leaves = TestLeaves(kMaxSampleSize);
  const MerkleTree tree = TreeOf(leaves);
  auto uniform = [&rng](uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
  };
  for (int iteration = 0; iteration < 10000; ++iteration) {
    const uint64_t n = uniform(1, kMaxSampleSize);
    const size_t bit = uniform(0, 255);
    if (iteration % 2 == 0) {
      // Inclusion: the flip lands in the leaf, a proof element or the root.
      const uint64_t i = uniform(0, n - 1);
      std::vector<Hash> proof = *tree.InclusionProof(i, n);
      Hash leaf = leaves[i];
      Hash root = Root(tree, n);
      const uint64_t slot = uniform(0, proof.size() + 1);
      Hash& target = slot == 0 ? leaf : slot == proof.size() + 1 ? root : proof[slot - 1];
      FlipBit(target, bit);
      EXPECT_FALSE(VerifyInclusion(leaf, i, n, proof, root).ok())
          << "seed " << kSeed << " iteration " << iteration << ": leaf " << i << " of " << n
          << ", slot " << slot << ", bit " << bit;
    } else {
      // Consistency: the flip lands in either root or a proof element.
      const uint64_t m = uniform(1, n);
      std::vector<Hash> proof = *tree.ConsistencyProof(m, n);
      Hash first = Root(tree, m);
      Hash second = Root(tree, n);
      const uint64_t slot = uniform(0, proof.size() + 1);
      Hash& target = slot == 0 ? first : slot == 1 ? second : proof[slot - 2];
      FlipBit(target, bit);
      EXPECT_FALSE(VerifyConsistency(m, n, first, second, proof).ok())
          << "seed " << kSeed << " iteration " << iteration << ": " << m << " -> " << n
          << ", slot " << slot << ", bit " << bit;
    }
  }
}

// Garbage in any shape, including sizes near 2^64, gets an error, never a
// crash or a read past the proof.
TEST(MerkleTamperTest, RandomProofsOfAnyLengthForAnySizeAreRejected) {
  std::mt19937_64 rng(9162);
  const Hash leaf = LeafHash("leaf");
  const Hash root = LeafHash("root");
  for (int iteration = 0; iteration < 10000; ++iteration) {
    const int shift = static_cast<int>(rng() % 64);
    const uint64_t size = (rng() >> shift) | 1;
    const uint64_t index = rng() % 4 == 0 ? rng() : rng() % size;
    std::vector<Hash> proof(rng() % 130);
    for (Hash& h : proof) {
      for (uint8_t& b : h) b = static_cast<uint8_t>(rng());
    }
    EXPECT_FALSE(VerifyInclusion(leaf, index, size, proof, root).ok())
        << index << " of " << size << ", " << proof.size() << " hashes";
    EXPECT_FALSE(VerifyConsistency(index, size, leaf, root, proof).ok())
        << index << " -> " << size << ", " << proof.size() << " hashes";
  }
}

}  // namespace
}  // namespace corridor
