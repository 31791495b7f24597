#include "common/clock.h"

namespace corridor {
namespace {

class WallClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

Clock& SystemClock() {
  static Clock* clock = new WallClock();
  return *clock;
}

}  // namespace corridor
