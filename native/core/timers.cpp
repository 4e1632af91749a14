#include "timers.h"

#include <algorithm>

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

void Timers::schedule(uint32_t milliseconds, std::weak_ptr<TimerTarget> target, uint64_t tag) {
  bool earliest;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    uint64_t order = next_order_++;
    entries_.push_back(
        {std::chrono::steady_clock::now() + std::chrono::milliseconds(milliseconds), order, std::move(target), tag});
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
    Entry fired = std::move(entries_.back());
    entries_.pop_back();
    if (entries_.capacity() > 64 && entries_.size() < entries_.capacity() / 4) entries_.shrink_to_fit();
    lock.unlock();
    if (auto target = fired.target.lock()) target->on_timer(fired.tag);
    fired.target.reset();  // the last reference may be this one: let it go without the lock held
    lock.lock();
  }
}

}  // namespace cs
