#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "timers.h"

using namespace cs;

namespace {

class Recorder final : public TimerTarget {
 public:
  void on_timer(uint64_t tag) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    tags_.push_back(tag);
    fired_.notify_all();
  }
  std::vector<uint64_t> wait_for(size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    fired_.wait_for(lock, std::chrono::seconds(10), [&] { return tags_.size() >= count; });
    return tags_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable fired_;
  std::vector<uint64_t> tags_;
};

}  // namespace

TEST_SUITE("timers") {
  TEST_CASE("a timer fires at its target with its tag, the earliest first") {
    Timers timers;
    auto target = std::make_shared<Recorder>();
    timers.schedule(60, target, 3);
    timers.schedule(20, target, 1);
    timers.schedule(40, target, 2);
    CHECK(target->wait_for(3) == std::vector<uint64_t>{1, 2, 3});
  }

  TEST_CASE("a target gone before its timer is due is not called, and others still are") {
    Timers timers;
    auto kept = std::make_shared<Recorder>();
    auto gone = std::make_shared<Recorder>();
    std::weak_ptr<Recorder> watch = gone;
    timers.schedule(10, gone, 7);
    gone.reset();
    CHECK(watch.expired());  // the timer held it weakly
    timers.schedule(30, kept, 8);
    CHECK(kept->wait_for(1) == std::vector<uint64_t>{8});
  }
}
