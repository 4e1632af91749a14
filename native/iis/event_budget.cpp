#include "event_budget.h"

namespace cs {

EventAdmission EventBudget::admit(uint64_t now_ms) {
  constexpr uint64_t kMinuteMs = 60 * 1000;
  std::lock_guard<std::mutex> hold(lock_);
  EventAdmission admission;
  if (!started_ || now_ms - window_start_ >= kMinuteMs) {
    started_ = true;
    window_start_ = now_ms;
    written_ = 0;
    admission.left_out_before = left_out_;
    left_out_ = 0;
  }
  if (written_ < per_minute_) {
    ++written_;
    admission.write = true;
  } else {
    admission.limit_reached = left_out_ == 0;
    ++left_out_;
  }
  return admission;
}

}  // namespace cs
