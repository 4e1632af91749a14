#include "fault_injection.h"

#include <atomic>
#include <new>

namespace cs {
namespace {
// Per point: 0 disarmed, n > 0 throws when it counts down to 1.
std::atomic<uint32_t> g_countdown[static_cast<uint32_t>(FaultPoint::kCount)];
std::atomic<bool> g_any_armed{false};
}  // namespace

void arm_fault(FaultPoint point, uint32_t skip) {
  g_countdown[static_cast<uint32_t>(point)].store(skip + 1);
  g_any_armed.store(true);
}

void disarm_faults() {
  for (auto& countdown : g_countdown) countdown.store(0);
  g_any_armed.store(false);
}

void fault_point(FaultPoint point) {
  if (!g_any_armed.load(std::memory_order_relaxed)) return;
  std::atomic<uint32_t>& countdown = g_countdown[static_cast<uint32_t>(point)];
  uint32_t left = countdown.load();
  while (left > 0) {
    if (countdown.compare_exchange_weak(left, left - 1)) {
      if (left == 1) throw std::bad_alloc();
      return;
    }
  }
}

}  // namespace cs
