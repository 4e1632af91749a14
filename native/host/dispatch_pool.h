#pragma once
// The pool that runs completions handed off by an issuing call (before-return / after-return).
// It grows when no thread is idle, like the NT thread pool behind IIS: an issuer that waits for its
// completion to start must never wait behind completions blocked on that issuer's own lock.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "stats.h"

namespace cs::host {

class DispatchPool {
 public:
  DispatchPool(Stats& stats, unsigned max_threads) : stats_(stats), max_threads_(max_threads) {}
  ~DispatchPool() { stop(); }
  void submit(std::function<void()> work);
  void stop();  // runs what is queued, then joins

 private:
  void run();
  Stats& stats_;
  const unsigned max_threads_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  unsigned idle_ = 0;
  bool stopping_ = false;
};

}  // namespace cs::host
