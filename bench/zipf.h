#ifndef CORRIDOR_BENCH_ZIPF_H_
#define CORRIDOR_BENCH_ZIPF_H_

// The benchmarks' generators draw skewed frequencies (occupations, skills)
// from this; std::mt19937_64 keeps their data reproducible by seed.

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace corridor::bench {

// Draws 0..n-1 with P(i) proportional to 1/(i+1)^s.
class Zipf {
 public:
  Zipf(int n, double s) {
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      sum += 1.0 / std::pow(i + 1, s);
      cdf_.push_back(sum);
    }
    for (double& c : cdf_) c /= sum;
  }
  int operator()(std::mt19937_64& rng) const {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    const auto it = std::lower_bound(cdf_.begin(), cdf_.end(), u);
    return static_cast<int>(std::min<ptrdiff_t>(it - cdf_.begin(), cdf_.size() - 1));
  }

 private:
  std::vector<double> cdf_;
};

}  // namespace corridor::bench

#endif  // CORRIDOR_BENCH_ZIPF_H_
