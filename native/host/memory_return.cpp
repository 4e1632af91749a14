#include "memory_return.h"

#include <malloc.h>

#include <chrono>

namespace cs::host {

void MemoryReturn::start() { arm(); }

void MemoryReturn::stop() {
  stopped_ = true;
  asio::post(timer_.get_executor(), [this] { timer_.cancel(); });
}

void MemoryReturn::opened(uint64_t open_now) {
  uint64_t peak = peak_.load();
  while (open_now > peak && !peak_.compare_exchange_weak(peak, open_now)) {
  }
}

void MemoryReturn::arm() {
  if (stopped_) return;
  timer_.expires_after(std::chrono::seconds(2));
  timer_.async_wait([this](const std::error_code& error) {
    if (error || stopped_) return;
    check();
    arm();
  });
}

void MemoryReturn::check() {
  size_t freed = graveyard_.sweep();
  freed_since_trim_ += freed;
  uint64_t open = open_connections_.load();
  uint64_t peak = peak_.load();
  bool burst_over = peak >= kSmallestBurst && open <= peak / 2;
  if (burst_over) {
    peak_.store(open);
    io_threads_.renew();
  }
  // The graveyard frees a burst's requests a few at a time over its retention: count them up, and trim for the
  // last of them too.
  bool last_freed = freed > 0 && graveyard_.size() == 0;
  if (renewed_ || (!burst_over && (freed_since_trim_ >= kSmallestBurst || last_freed))) {
    malloc_trim(0);
    freed_since_trim_ = 0;
  }
  renewed_ = burst_over;
}

}  // namespace cs::host
