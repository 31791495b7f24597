#ifndef CORRIDOR_COMMON_MERKLE_H_
#define CORRIDOR_COMMON_MERKLE_H_

// RFC 6962 Merkle trees: hashing, an append-only in-memory tree that produces
// inclusion and consistency proofs, and the verifiers for those proofs.
//
// Hashing (RFC 6962 section 2.1, SHA-256):
//
//   MTH({})        = SHA-256("")
//   MTH({d})       = SHA-256(0x00 || d)                        (a leaf)
//   MTH(D[n])      = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  (a node)
//
// where k is the largest power of two smaller than n. The distinct leaf and
// node prefixes keep a leaf from being passed off as a node and vice versa.
//
// Proofs are lists of hashes in the order of RFC 6962 sections 2.1.1 (PATH)
// and 2.1.2 (PROOF): the hash nearest the leaves comes first. The verifiers
// follow RFC 9162 sections 2.1.3.2 and 2.1.4.2 and do not depend on
// MerkleTree, so a client can verify with nothing but this header.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace corridor {

// A SHA-256 digest: a leaf hash, a node hash or a tree root.
using Hash = std::array<uint8_t, 32>;

// SHA-256(0x00 || data): the hash of one log entry.
Hash LeafHash(absl::string_view data);

// SHA-256(0x01 || left || right): the hash of an interior node.
Hash NodeHash(const Hash& left, const Hash& right);

// SHA-256(""): the root of the empty tree
// (e3b0c442...7852b855).
Hash EmptyRootHash();

// Lowercase hex, 64 characters.
std::string HashToHex(const Hash& hash);

// The hash held in `bytes`, which must be exactly 32 raw bytes (not hex).
// Errors: INVALID_ARGUMENT naming the length.
absl::StatusOr<Hash> HashFromBytes(absl::string_view bytes);

// An append-only Merkle tree over leaf hashes, held in memory.
//
// Stores every complete subtree: level 0 holds the leaf hashes, level L holds
// floor(size() / 2^L) nodes, node j of level L covering leaves
// [j * 2^L, (j + 1) * 2^L). That is about 2 * size() hashes (64 bytes per
// leaf). Append() is amortised O(1) hash computations; the root of any
// earlier size and every proof read O(log n) stored nodes and compute
// O(log n) hashes, never walking the leaves.
//
// Not thread-safe: callers serialise all access (including const calls made
// concurrently with Append or Truncate) with their own lock.
class MerkleTree {
 public:
  MerkleTree() = default;
  MerkleTree(const MerkleTree&) = default;
  MerkleTree& operator=(const MerkleTree&) = default;
  MerkleTree(MerkleTree&&) = default;
  MerkleTree& operator=(MerkleTree&&) = default;

  // Appends one leaf hash (LeafHash(entry), not the entry itself) as leaf
  // number size(). Amortised O(1).
  void Append(const Hash& leaf_hash);

  // The number of leaves.
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }

  // MTH of the first `tree_size` leaves; EmptyRootHash() for 0.
  // Errors: INVALID_ARGUMENT if tree_size > size().
  absl::StatusOr<Hash> RootHash(uint64_t tree_size) const;

  // The audit path (RFC 6962 section 2.1.1, PATH(m, D[n])) of leaf
  // `leaf_index` in the tree of the first `tree_size` leaves; empty for a
  // one-leaf tree. Errors: INVALID_ARGUMENT if tree_size > size() or
  // leaf_index >= tree_size.
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t leaf_index,
                                                   uint64_t tree_size) const;

  // The consistency proof (RFC 6962 section 2.1.2, PROOF(m, D[n])) that the
  // tree of the first `first_size` leaves is a prefix of the tree of the
  // first `second_size` leaves; empty when the sizes are equal.
  // Errors: INVALID_ARGUMENT if second_size > size(), first_size is 0 or
  // first_size > second_size.
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t first_size,
                                                     uint64_t second_size) const;

  // Drops every leaf after the first `size` (and the nodes that covered
  // them), e.g. to roll back an Append whose durable write failed. A size of
  // size() or more changes nothing.
  void Truncate(uint64_t size);

  // Approximate heap and object bytes held by the tree.
  size_t MemoryBytes() const;

 private:
  // MTH of the leaves [tree_size rounded down to a multiple of 2^level,
  // tree_size): the incomplete subtree on the right edge of the tree of the
  // first tree_size leaves, below `level` (with level 64, the whole tree).
  // Costs popcount(tree_size mod 2^level) - 1 hashes. Requires
  // 1 <= tree_size <= size() and tree_size mod 2^level != 0.
  Hash EdgeHash(uint64_t tree_size, int level) const;

  // The proof hashes, nearest first, from node `index` of `level` up to the
  // root of the tree of the first tree_size leaves, in the order the RFC
  // 9162 verifiers consume them. Requires 1 <= tree_size <= size() and the
  // node to lie within tree_size. At most one edge hash, so O(log n) hashes.
  std::vector<Hash> SiblingPath(int level, uint64_t index, uint64_t tree_size) const;

  // levels_[L][j] = MTH of leaves [j * 2^L, (j + 1) * 2^L).
  std::vector<std::vector<Hash>> levels_;
};

// Checks that `proof` is the RFC 6962 audit path of the leaf with hash
// `leaf_hash` at `leaf_index` in the tree of `tree_size` leaves whose root is
// `root`, with the algorithm of RFC 9162 section 2.1.3.2.
// Returns OK when it is. Errors: INVALID_ARGUMENT if leaf_index >= tree_size
// or the proof has the wrong number of hashes for (leaf_index, tree_size);
// FAILED_PRECONDITION if the hashes do not lead to `root`.
// Safe on any input: never reads past `proof`. Take tree_size and root
// together from one trusted (signed) tree head: a proof does not bind the
// size on its own (leaf 0's path in a tree of 3 also has the shape of a path
// in a tree of 4, and passes if that tree's claimed root is the root of 3).
absl::Status VerifyInclusion(const Hash& leaf_hash, uint64_t leaf_index,
                             uint64_t tree_size, const std::vector<Hash>& proof,
                             const Hash& root);

// Checks that `proof` shows the tree of `first_size` leaves with root
// `first_root` to be a prefix of the tree of `second_size` leaves with root
// `second_root`, with the algorithm of RFC 9162 section 2.1.4.2. Equal sizes
// need an empty proof and equal roots.
// Returns OK when it does. Errors: INVALID_ARGUMENT if first_size is 0,
// first_size > second_size or the proof has the wrong number of hashes for
// the two sizes; FAILED_PRECONDITION if the hashes do not lead to both roots.
// Safe on any input: never reads past `proof`.
absl::Status VerifyConsistency(uint64_t first_size, uint64_t second_size,
                               const Hash& first_root, const Hash& second_root,
                               const std::vector<Hash>& proof);

}  // namespace corridor

#endif  // CORRIDOR_COMMON_MERKLE_H_
