#pragma once
// One-shot timers for connections (close timeouts, pings), fired on one thread of ours, earliest first.
// Whether a fired timer still applies is the caller's business (Connection keeps a sequence per slot).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cs {

class Timers {
 public:
  Timers();
  ~Timers();
  Timers(const Timers&) = delete;
  Timers& operator=(const Timers&) = delete;

  // Runs `fire` after `milliseconds` on the timer thread.
  void schedule(uint32_t milliseconds, std::function<void()> fire);

 private:
  struct Entry {
    std::chrono::steady_clock::time_point due;
    uint64_t order;
    std::function<void()> fire;
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
