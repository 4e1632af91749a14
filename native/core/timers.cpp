#include "timers.h"

#include <algorithm>
#include <exception>

#include "log.h"

namespace cs {

Timers::Timers() : thread_([this] { run(); }) {}

Timers::~Timers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void Timers::schedule(uint32_t milliseconds, std::function<void()> fire) {
  bool earliest;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    uint64_t order = next_order_++;
    entries_.push_back(
        {std::chrono::steady_clock::now() + std::chrono::milliseconds(milliseconds), order, std::move(fire)});
    std::push_heap(entries_.begin(), entries_.end(), std::greater<Entry>());
    earliest = entries_.front().order == order;
  }
  if (earliest) changed_.notify_all();  // otherwise the timer thread already waits for an earlier one
}

void Timers::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (entries_.empty()) {
      changed_.wait(lock);
      continue;
    }
    auto due = entries_.front().due;
    if (std::chrono::steady_clock::now() < due) {
      changed_.wait_until(lock, due);
      continue;
    }
    std::pop_heap(entries_.begin(), entries_.end(), std::greater<Entry>());
    std::function<void()> fire = std::move(entries_.back().fire);
    entries_.pop_back();
    if (entries_.capacity() > 64 && entries_.size() < entries_.capacity() / 4) entries_.shrink_to_fit();
    lock.unlock();
    try {
      fire();
    } catch (const std::exception& error) {
      // Callbacks catch their own failures; this only keeps the timer thread alive if one did not.
      log(LogLevel::kError, "a timer callback failed: %s", error.what());
    } catch (...) {
      log(LogLevel::kError, "a timer callback failed with an unknown exception");
    }
    lock.lock();
  }
}

}  // namespace cs
