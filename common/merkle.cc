#include "common/merkle.h"

#include <sodium.h>

#include <cstring>
#include <utility>

#include "absl/numeric/bits.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace corridor {
namespace {

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

// The number of hashes the RFC 9162 verification loop consumes from (fn, sn)
// until sn reaches 0: the shape of the proof without its hashes. Lets the
// verifiers reject a proof of the wrong length before reading any of it.
uint64_t PathLength(uint64_t fn, uint64_t sn) {
  uint64_t length = 0;
  while (sn != 0) {
    if ((fn & 1) == 0 && fn == sn) {
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    }
    fn >>= 1;
    sn >>= 1;
    ++length;
  }
  return length;
}

}  // namespace

Hash LeafHash(absl::string_view data) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, &kLeafPrefix, 1);
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(data.data()),
                            data.size());
  Hash out;
  crypto_hash_sha256_final(&state, out.data());
  return out;
}

Hash NodeHash(const Hash& left, const Hash& right) {
  unsigned char buffer[1 + 2 * sizeof(Hash)];
  buffer[0] = kNodePrefix;
  std::memcpy(buffer + 1, left.data(), left.size());
  std::memcpy(buffer + 1 + left.size(), right.data(), right.size());
  Hash out;
  crypto_hash_sha256(out.data(), buffer, sizeof(buffer));
  return out;
}

Hash EmptyRootHash() {
  Hash out;
  crypto_hash_sha256(out.data(), nullptr, 0);
  return out;
}

std::string HashToHex(const Hash& hash) {
  char hex[2 * sizeof(Hash) + 1];
  sodium_bin2hex(hex, sizeof(hex), hash.data(), hash.size());
  return std::string(hex, 2 * sizeof(Hash));
}

absl::StatusOr<Hash> HashFromBytes(absl::string_view bytes) {
  Hash out;
  if (bytes.size() != out.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bytes: a hash is ", out.size(), " bytes, got ", bytes.size()));
  }
  std::memcpy(out.data(), bytes.data(), out.size());
  return out;
}

// ---------------------------------------------------------------------------
// MerkleTree

void MerkleTree::Append(const Hash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  // Each level that now has an even number of nodes completed a pair, whose
  // parent is the next complete node one level up.
  for (size_t level = 0; levels_[level].size() % 2 == 0; ++level) {
    const std::vector<Hash>& nodes = levels_[level];
    const Hash parent = NodeHash(nodes[nodes.size() - 2], nodes[nodes.size() - 1]);
    if (level + 1 == levels_.size()) levels_.emplace_back();
    levels_[level + 1].push_back(parent);
  }
}

Hash MerkleTree::EdgeHash(uint64_t tree_size, int level) const {
  // The set bits b < level of tree_size name the complete subtrees that make
  // up the edge, largest (leftmost) first; the one for bit b is stored node
  // (tree_size >> b) - 1 of level b. MTH folds them from the right: the
  // smallest subtree is the innermost right child.
  bool have = false;
  Hash acc{};
  for (int bit = 0; bit < level && bit < 64 && (tree_size >> bit) != 0; ++bit) {
    if (((tree_size >> bit) & 1) == 0) continue;
    const Hash& node = levels_[bit][(tree_size >> bit) - 1];
    acc = have ? NodeHash(node, acc) : node;
    have = true;
  }
  return acc;
}

std::vector<Hash> MerkleTree::SiblingPath(int level, uint64_t index,
                                          uint64_t tree_size) const {
  // The generating twin of the RFC 9162 verification loop: (fn, sn) are the
  // indices of the current node and of the last node on the current level.
  // A left sibling is always complete; a right sibling is complete unless it
  // is the last node of a tree_size that does not fill the level, when it is
  // the edge hash. The last node of a level with no sibling moves up
  // unchanged (RFC 6962's unbalanced right edge), emitting nothing.
  std::vector<Hash> path;
  uint64_t fn = index;
  uint64_t sn = (tree_size - 1) >> level;
  while (sn != 0) {
    if ((fn & 1) == 0 && fn == sn) {
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
        ++level;
      }
    }
    if ((fn & 1) != 0) {
      path.push_back(levels_[level][fn - 1]);
    } else if (fn + 1 < sn || (tree_size & ((uint64_t{1} << level) - 1)) == 0) {
      path.push_back(levels_[level][fn + 1]);
    } else {
      path.push_back(EdgeHash(tree_size, level));
    }
    fn >>= 1;
    sn >>= 1;
    ++level;
  }
  return path;
}

absl::StatusOr<Hash> MerkleTree::RootHash(uint64_t tree_size) const {
  if (tree_size > size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tree_size: ", tree_size, " exceeds the tree's size ", size()));
  }
  if (tree_size == 0) return EmptyRootHash();
  return EdgeHash(tree_size, 64);
}

absl::StatusOr<std::vector<Hash>> MerkleTree::InclusionProof(
    uint64_t leaf_index, uint64_t tree_size) const {
  if (tree_size > size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tree_size: ", tree_size, " exceeds the tree's size ", size()));
  }
  if (leaf_index >= tree_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "leaf_index: ", leaf_index, " is not below tree_size ", tree_size));
  }
  return SiblingPath(0, leaf_index, tree_size);
}

absl::StatusOr<std::vector<Hash>> MerkleTree::ConsistencyProof(
    uint64_t first_size, uint64_t second_size) const {
  if (second_size > size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "second_size: ", second_size, " exceeds the tree's size ", size()));
  }
  if (first_size == 0) {
    return absl::InvalidArgumentError("first_size: must be at least 1");
  }
  if (first_size > second_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "first_size: ", first_size, " exceeds second_size ", second_size));
  }
  if (first_size == second_size) return std::vector<Hash>();
  // The old tree's last leaf first_size - 1 sits at the right end of the
  // complete subtree [first_size - 2^t, first_size), t = its trailing one
  // bits. PROOF is that subtree's hash followed by its path in the new tree;
  // when first_size is a power of two the subtree is the whole old tree,
  // whose root the verifier already has, so it is left out.
  const int level = absl::countr_one(first_size - 1);
  const uint64_t index = (first_size - 1) >> level;
  std::vector<Hash> path = SiblingPath(level, index, second_size);
  std::vector<Hash> proof;
  proof.reserve(path.size() + 1);
  if (index != 0) proof.push_back(levels_[level][index]);
  proof.insert(proof.end(), path.begin(), path.end());
  return proof;
}

void MerkleTree::Truncate(uint64_t size) {
  if (size >= this->size()) return;
  for (size_t level = 0; level < levels_.size(); ++level) {
    levels_[level].resize(size >> level);
  }
  while (!levels_.empty() && levels_.back().empty()) levels_.pop_back();
}

size_t MerkleTree::MemoryBytes() const {
  size_t bytes = sizeof(*this) + levels_.capacity() * sizeof(levels_[0]);
  for (const std::vector<Hash>& level : levels_) {
    bytes += level.capacity() * sizeof(Hash);
  }
  return bytes;
}

// ---------------------------------------------------------------------------
// Verification

absl::Status VerifyInclusion(const Hash& leaf_hash, uint64_t leaf_index,
                             uint64_t tree_size, const std::vector<Hash>& proof,
                             const Hash& root) {
  if (leaf_index >= tree_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "leaf_index: ", leaf_index, " is not below tree_size ", tree_size));
  }
  const uint64_t expected = PathLength(leaf_index, tree_size - 1);
  if (proof.size() != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        "proof: has ", proof.size(), " hashes, but an inclusion proof for leaf_index ",
        leaf_index, " in tree_size ", tree_size, " has ", expected));
  }
  // RFC 9162 section 2.1.3.2.
  uint64_t fn = leaf_index;
  uint64_t sn = tree_size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) {
      return absl::InvalidArgumentError("proof: has more hashes than the tree has levels");
    }
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return absl::InvalidArgumentError("proof: has fewer hashes than the tree has levels");
  }
  if (r != root) {
    return absl::FailedPreconditionError(absl::StrCat(
        "root mismatch: the inclusion proof for leaf_index ", leaf_index,
        " in tree_size ", tree_size, " leads to ", HashToHex(r), ", not to ",
        HashToHex(root)));
  }
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t first_size, uint64_t second_size,
                               const Hash& first_root, const Hash& second_root,
                               const std::vector<Hash>& proof) {
  if (first_size == 0) {
    return absl::InvalidArgumentError("first_size: must be at least 1");
  }
  if (first_size > second_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "first_size: ", first_size, " exceeds second_size ", second_size));
  }
  if (first_size == second_size) {
    if (!proof.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "proof: must be empty for equal sizes, has ", proof.size(), " hashes"));
    }
    if (first_root != second_root) {
      return absl::FailedPreconditionError(absl::StrCat(
          "root mismatch: trees of equal size ", first_size, " have roots ",
          HashToHex(first_root), " and ", HashToHex(second_root)));
    }
    return absl::OkStatus();
  }

  // RFC 9162 section 2.1.4.2. When first_size is a power of two the old
  // root is itself a node of the new tree and is not sent: it is the
  // implicit first element of the path.
  const bool first_is_node = absl::has_single_bit(first_size);
  uint64_t fn = first_size - 1;
  uint64_t sn = second_size - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  const uint64_t expected = PathLength(fn, sn) + (first_is_node ? 0 : 1);
  if (proof.size() != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        "proof: has ", proof.size(), " hashes, but a consistency proof from size ",
        first_size, " to size ", second_size, " has ", expected));
  }
  size_t next = 0;
  Hash fr = first_is_node ? first_root : proof[next++];
  Hash sr = fr;
  for (; next < proof.size(); ++next) {
    const Hash& c = proof[next];
    if (sn == 0) {
      return absl::InvalidArgumentError("proof: has more hashes than the trees have levels");
    }
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return absl::InvalidArgumentError("proof: has fewer hashes than the trees have levels");
  }
  if (fr != first_root) {
    return absl::FailedPreconditionError(absl::StrCat(
        "root mismatch: the consistency proof from size ", first_size, " to size ",
        second_size, " leads to first root ", HashToHex(fr), ", not to ",
        HashToHex(first_root)));
  }
  if (sr != second_root) {
    return absl::FailedPreconditionError(absl::StrCat(
        "root mismatch: the consistency proof from size ", first_size, " to size ",
        second_size, " leads to second root ", HashToHex(sr), ", not to ",
        HashToHex(second_root)));
  }
  return absl::OkStatus();
}

}  // namespace corridor
