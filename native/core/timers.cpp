#include "timers.h"

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
  {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.push(
        {std::chrono::steady_clock::now() + std::chrono::milliseconds(milliseconds), next_order_++, std::move(fire)});
  }
  changed_.notify_all();
}

void Timers::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (entries_.empty()) {
      changed_.wait(lock);
      continue;
    }
    auto due = entries_.top().due;
    if (std::chrono::steady_clock::now() < due) {
      changed_.wait_until(lock, due);
      continue;
    }
    std::function<void()> fire = std::move(const_cast<Entry&>(entries_.top()).fire);
    entries_.pop();
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
