#include "dispatch_pool.h"

#include <pthread.h>

#include "host.h"
#include "log.h"

namespace cs::host {

void DispatchPool::submit(std::function<void()> work) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back(std::move(work));
  if (idle_ < queue_.size() && threads_.size() < max_threads_) {
    threads_.emplace_back([this] { run(); });
  } else if (idle_ == 0 && threads_.size() >= max_threads_) {
    log(LogLevel::kWarning, "dispatch pool at its limit of %u threads", static_cast<unsigned>(max_threads_));
  }
  cv_.notify_one();
}

void DispatchPool::run() {
  pthread_setname_np(pthread_self(), kPoolThreadName);
  stats_.pool_threads.fetch_add(1);
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    ++idle_;
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) break;  // stopping
    auto work = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    work();
    lock.lock();
  }
  stats_.pool_threads.fetch_sub(1);
}

void DispatchPool::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (auto& t : threads) t.join();
}

}  // namespace cs::host
