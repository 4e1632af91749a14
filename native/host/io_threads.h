#pragma once
// The threads that run the host's I/O context. renew() replaces them: each one starts its successor and leaves
// between two handlers. MemoryReturn renews them when a burst of connections is over, because a thread that
// stays keeps up to seven freed blocks of every small size in glibc's per-thread cache (tcache); scattered
// through the heaps, those blocks pin pages that malloc_trim cannot give back. A thread that leaves returns
// its cache to the heaps. The NT thread pool behind IIS also retires its threads.
#include <asio.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "stats.h"

namespace cs::host {

class IoThreads {
 public:
  IoThreads(asio::io_context& io, Stats& stats) : io_(io), stats_(stats) {}
  void start(unsigned count);
  // Asynchronous: a busy thread hands over after its current handler, an idle one within kCheckEvery.
  void renew();
  // After io.stop(): waits until every thread has left.
  void join();
  // On one of these threads: queues `work` to run on this same thread as soon as its current handler is done,
  // before it takes anything else from the context (as the thread that issued an I/O on IIS is the next to
  // dequeue a completion the completion port already holds). False on any other thread: nothing queued.
  bool run_after_handler(std::function<void()> work);

 private:
  static constexpr std::chrono::milliseconds kCheckEvery{250};
  void spawn();  // with mutex_ held
  void run(uint64_t generation);
  void run_queued_here(std::vector<std::function<void()>>& queued, std::vector<std::function<void()>>& round);

  asio::io_context& io_;
  Stats& stats_;
  std::mutex mutex_;
  std::condition_variable exited_;
  unsigned running_ = 0;
  std::atomic<uint64_t> generation_{0};  // a thread born before the current generation hands over
};

}  // namespace cs::host
