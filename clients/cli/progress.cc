#include "clients/cli/progress.h"

#include <chrono>
#include <cstdio>

namespace corridor::cli {

std::string WithThousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

void Progress::Begin(std::string label, int64_t total) {
  End();
  label_ = std::move(label);
  total_ = total;
  done_ = 0;
  rows_ = 0;
  if (!enabled_) return;
  stop_ = false;
  ticker_ = std::thread([this] {
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, std::chrono::milliseconds(200));
      Draw(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  });
}

void Progress::End() {
  if (!ticker_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  ticker_.join();
  *out_ << "\r\x1b[K" << std::flush;
}

void Progress::Draw(double elapsed) {
  constexpr int kWidth = 24;
  const int64_t done = done_.load(std::memory_order_relaxed);
  const int64_t rows = rows_.load(std::memory_order_relaxed);
  double fraction = total_ > 0 ? static_cast<double>(done) / static_cast<double>(total_) : 0;
  if (fraction > 1) fraction = 1;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '-');
  char pct[16];
  std::snprintf(pct, sizeof(pct), "%3d%%", static_cast<int>(fraction * 100));
  const int64_t rate = elapsed > 0 ? static_cast<int64_t>(static_cast<double>(rows) / elapsed) : 0;
  *out_ << "\r\x1b[K" << label_ << " [" << bar << "] " << pct << " " << WithThousands(rows)
        << " rows " << WithThousands(rate) << " rows/s" << std::flush;
}

}  // namespace corridor::cli
