#pragma once
// The pool that runs completions handed off by an issuing call (before-return / after-return).
// It grows when no thread is idle, like the NT thread pool behind IIS: an issuer that waits for its
// completion to start must never wait behind completions blocked on that issuer's own lock. Like that pool it
// also gives threads back: one idle for kRetireAfter leaves, so a burst's threads (and the memory their stacks,
// arenas and per-thread malloc caches hold) do not stay for the life of the process. None is kept: a thread
// that stayed would keep its malloc cache, pinning pages of the heaps (see io_threads.h).
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "stats.h"

namespace cs::host {

class DispatchPool {
 public:
  DispatchPool(Stats& stats, unsigned max_threads) : stats_(stats), max_threads_(max_threads) {}
  ~DispatchPool() { stop(); }
  void submit(std::function<void()> work);
  void stop();  // runs what is queued, then waits for every thread to leave

 private:
  static constexpr std::chrono::seconds kRetireAfter{5};
  void run();
  static void prefer_not_to_preempt();
  Stats& stats_;
  const unsigned max_threads_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::condition_variable exited_;  // the last thread left run()
  std::deque<std::function<void()>> queue_;
  size_t threads_ = 0;  // running run(); detached, so a retiring thread's stack goes with it
  unsigned idle_ = 0;
  bool stopping_ = false;
};

}  // namespace cs::host
