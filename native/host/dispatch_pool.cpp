#include "dispatch_pool.h"

#include <pthread.h>
#include <sched.h>

#include "host.h"
#include "log.h"

namespace cs::host {

void DispatchPool::submit(std::function<void()> work) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back(std::move(work));
  if (idle_ < queue_.size() && threads_ < max_threads_) {
    std::thread([this] { run(); }).detach();
    ++threads_;
  } else if (idle_ == 0 && threads_ >= max_threads_) {
    log(LogLevel::kWarning, "dispatch pool at its limit of %u threads", static_cast<unsigned>(max_threads_));
  }
  cv_.notify_one();
}

// A completion handed to the pool is woken from the thread that issued its I/O, often while that thread still
// holds the locks the completion needs (the module's and the request's). Woken as an ordinary thread it
// preempts the issuer on a busy core, blocks on those locks, and switches back: with a program's output written
// from the launcher's thread, three extra switches per line (bench/README.md). SCHED_BATCH keeps the woken
// thread from preempting; it runs once the issuer waits, or on another core that is idle. (A program a module
// starts from a pool thread would inherit it; the module's launcher asks for the default policy.)
void DispatchPool::prefer_not_to_preempt() {
  sched_param none{};
  if (pthread_setschedparam(pthread_self(), SCHED_BATCH, &none) != 0)
    log(LogLevel::kDebug, "the dispatch pool's threads stay SCHED_OTHER (SCHED_BATCH refused)");
}

void DispatchPool::run() {
  pthread_setname_np(pthread_self(), kPoolThreadName);
  prefer_not_to_preempt();
  stats_.pool_threads.fetch_add(1);
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    ++idle_;
    bool woken = cv_.wait_for(lock, kRetireAfter, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (!woken || queue_.empty()) break;  // idle too long, or stopping
    auto work = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    work();
    lock.lock();
  }
  // The last touch of this object is the unlock below: stop() returns, and the pool may be destroyed, only
  // once it has the lock back.
  stats_.pool_threads.fetch_sub(1);
  if (--threads_ == 0) exited_.notify_all();
}

void DispatchPool::stop() {
  std::unique_lock<std::mutex> lock(mutex_);
  stopping_ = true;
  cv_.notify_all();
  exited_.wait(lock, [this] { return threads_ == 0; });
}

}  // namespace cs::host
