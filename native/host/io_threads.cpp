#include "io_threads.h"

#include <pthread.h>

#include <thread>

#include "host.h"

namespace cs::host {

namespace {

// The I/O threads' own: which IoThreads this thread runs for, and what its current handler queued to run after it.
struct ThisThread {
  IoThreads* owner = nullptr;
  std::vector<std::function<void()>>* after_handler = nullptr;
};
thread_local ThisThread this_thread;

}  // namespace

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

bool IoThreads::run_after_handler(std::function<void()> work) {
  if (this_thread.owner != this) return false;
  this_thread.after_handler->push_back(std::move(work));
  return true;
}

// What ran queues more only while it runs: the loop ends once a round queued nothing. Both lists are the
// thread's own and keep their capacity, so a completion queued after a handler costs no allocation of them.
void IoThreads::run_queued_here(std::vector<std::function<void()>>& queued, std::vector<std::function<void()>>& round) {
  while (!queued.empty()) {
    round.swap(queued);
    for (auto& work : round) work();
    round.clear();
  }
}

void IoThreads::run(uint64_t born) {
  pthread_setname_np(pthread_self(), kPoolThreadName);
  stats_.pool_threads.fetch_add(1);
  std::vector<std::function<void()>> after_handler, running;
  this_thread = {this, &after_handler};
  while (!io_.stopped()) {
    io_.run_one_for(kCheckEvery);
    run_queued_here(after_handler, running);
    if (generation_.load(std::memory_order_relaxed) != born) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!io_.stopped()) spawn();
      break;
    }
  }
  this_thread = {};
  stats_.pool_threads.fetch_sub(1);
  // The last touch of this object is the unlock below: join() returns only once it has the lock back.
  std::lock_guard<std::mutex> lock(mutex_);
  if (--running_ == 0) exited_.notify_all();
}

}  // namespace cs::host
