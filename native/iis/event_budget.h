#pragma once
// How many lines a minute the Event Log takes. A client hammering a broken endpoint must not flood the
// Application log: past the budget, the first line left out is announced, the rest of that minute's lines
// are left out, and the first line of a later minute comes with how many were.
#include <cstdint>
#include <mutex>

namespace cs {

struct EventAdmission {
  bool write = false;
  bool limit_reached = false;    // this line is the first one left out in its minute
  unsigned left_out_before = 0;  // lines left out in the minute that just ended
};

class EventBudget {
 public:
  explicit EventBudget(unsigned per_minute) : per_minute_(per_minute) {}
  EventAdmission admit(uint64_t now_ms);

 private:
  const unsigned per_minute_;
  std::mutex lock_;
  bool started_ = false;
  uint64_t window_start_ = 0;
  unsigned written_ = 0;
  unsigned left_out_ = 0;
};

}  // namespace cs
