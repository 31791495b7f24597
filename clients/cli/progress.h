#ifndef CORRIDOR_CLIENTS_CLI_PROGRESS_H_
#define CORRIDOR_CLIENTS_CLI_PROGRESS_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

namespace corridor::cli {

// A one-line progress bar on a terminal: "validating [####----] 45% 45,000
// rows 32,100 rows/s", redrawn five times a second by its own thread. Does
// nothing when `enabled` is false (stderr is not a terminal). Counters are
// atomic: any thread may add to them.
class Progress {
 public:
  Progress(std::ostream* out, bool enabled) : out_(out), enabled_(enabled) {}
  ~Progress() { End(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Starts a phase. The fraction done is done/total of whichever unit the
  // caller reports through Advance (bytes of the file, or rows).
  void Begin(std::string label, int64_t total);
  // Adds to the done units and to the rows answered.
  void Advance(int64_t units) { done_.fetch_add(units, std::memory_order_relaxed); }
  void AddRows(int64_t rows) { rows_.fetch_add(rows, std::memory_order_relaxed); }
  // Stops the phase and clears the line.
  void End();

 private:
  void Draw(double elapsed);

  std::ostream* out_;
  const bool enabled_;
  std::string label_;
  int64_t total_ = 0;
  std::atomic<int64_t> done_{0};
  std::atomic<int64_t> rows_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread ticker_;
};

// 1234567 -> "1,234,567".
std::string WithThousands(int64_t n);

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_PROGRESS_H_
