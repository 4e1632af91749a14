#include "io_threads.h"

#include <pthread.h>

#include <thread>

#include "host.h"

namespace cs::host {

void IoThreads::start(unsigned count) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (unsigned i = 0; i < count; ++i) spawn();
}

void IoThreads::renew() { generation_.fetch_add(1); }

void IoThreads::join() {
  std::unique_lock<std::mutex> lock(mutex_);
  exited_.wait(lock, [this] { return running_ == 0; });
}

void IoThreads::spawn() {
  ++running_;
  std::thread([this, born = generation_.load()] { run(born); }).detach();
}

void IoThreads::run(uint64_t born) {
  pthread_setname_np(pthread_self(), kPoolThreadName);
  stats_.pool_threads.fetch_add(1);
  while (!io_.stopped()) {
    io_.run_one_for(kCheckEvery);
    if (generation_.load(std::memory_order_relaxed) != born) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!io_.stopped()) spawn();
      break;
    }
  }
  stats_.pool_threads.fetch_sub(1);
  // The last touch of this object is the unlock below: join() returns only once it has the lock back.
  std::lock_guard<std::mutex> lock(mutex_);
  if (--running_ == 0) exited_.notify_all();
}

}  // namespace cs::host
