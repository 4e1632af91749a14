#pragma once
// One-shot timers for connections (close timeouts, pings), fired on one thread of ours, earliest first.
// Whether a fired timer still applies is the target's business (Connection keeps a sequence per slot).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace cs {

// What a timer fires at. The timer holds it weakly, and a tag says which of its timers it was: an idle
// connection's keepalive is one slot of the timer heap, not a slot and a closure on the heap beside it.
class TimerTarget {
 public:
  // On the timer thread; must not throw.
  virtual void on_timer(uint64_t tag) noexcept = 0;

 protected:
  ~TimerTarget() = default;
};

class Timers {
 public:
  Timers();
  ~Timers();
  Timers(const Timers&) = delete;
  Timers& operator=(const Timers&) = delete;

  // Calls target->on_timer(tag) after `milliseconds` on the timer thread, if the target still exists.
  void schedule(uint32_t milliseconds, std::weak_ptr<TimerTarget> target, uint64_t tag);

 private:
  struct Entry {
    std::chrono::steady_clock::time_point due;
    uint64_t order;
    std::weak_ptr<TimerTarget> target;
    uint64_t tag;
    bool operator>(const Entry& other) const { return due != other.due ? due > other.due : order > other.order; }
  };
  void run();

  std::mutex mutex_;
  std::condition_variable changed_;
  // A min-heap (std::push_heap with greater) rather than a priority_queue: after a burst of connections it
  // gives its room back (a thousand connections' timers are tens of KiB, kept until they are due).
  std::vector<Entry> entries_;
  uint64_t next_order_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cs
