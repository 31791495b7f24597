#include "clients/cli/random.h"

#include <algorithm>
#include <cmath>

namespace corridor::cli {

ZipfTable::ZipfTable(size_t n, double exponent) {
  cdf_.resize(n);
  double total = 0;
  for (size_t r = 0; r < n; ++r) {
    total += 1.0 / std::pow(static_cast<double>(r + 1), exponent);
    cdf_[r] = total;
  }
  for (double& c : cdf_) c /= total;
}

size_t ZipfTable::Sample(Rng& rng) const {
  const double u = rng.Uniform();
  auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
  if (it == cdf_.end()) return cdf_.size() - 1;
  return static_cast<size_t>(it - cdf_.begin());
}

}  // namespace corridor::cli
