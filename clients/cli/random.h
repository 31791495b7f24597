#ifndef CORRIDOR_CLIENTS_CLI_RANDOM_H_
#define CORRIDOR_CLIENTS_CLI_RANDOM_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace corridor::cli {

// A small deterministic pseudo-random generator (xoshiro256**, seeded with
// SplitMix64) with its own distributions. The standard library's
// distributions are implementation-defined, so they would make the demo data
// differ between standard libraries; these give the same numbers everywhere.
// Not thread-safe; cheap to construct, so each record gets its own stream.
class Rng {
 public:
  // A stream determined by (seed, stream): the same pair gives the same
  // numbers on every platform.
  explicit Rng(uint64_t seed, uint64_t stream = 0) {
    uint64_t x = seed ^ (stream * 0x9E3779B97F4A7C15ULL + 0xD1B54A32D192ED03ULL);
    for (uint64_t& s : s_) s = SplitMix(&x);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // Uniform integer in [lo, hi] (inclusive); lo <= hi.
  int64_t Between(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    if (span == 0) return static_cast<int64_t>(Next());
    // Lemire's multiply-shift; the tiny bias (< span / 2^64) does not matter here.
    const unsigned __int128 m = static_cast<unsigned __int128>(Next()) * span;
    return lo + static_cast<int64_t>(m >> 64);
  }

  // True with probability p.
  bool Chance(double p) { return Uniform() < p; }

  // Index drawn with the given non-negative weights (not all zero).
  size_t Weighted(const std::vector<double>& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double r = Uniform() * total;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (r < weights[i]) return i;
      r -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix(uint64_t* x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  uint64_t s_[4];
};

// Zipf-like ranks: P(rank r) proportional to 1 / (r + 1)^exponent for
// r = 0..n-1. Immutable after construction; Sample is thread-safe.
class ZipfTable {
 public:
  ZipfTable() = default;
  ZipfTable(size_t n, double exponent);

  // A rank in [0, n); n must be > 0.
  size_t Sample(Rng& rng) const;
  size_t size() const { return cdf_.size(); }

 private:
  std::vector<double> cdf_;
};

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_RANDOM_H_
