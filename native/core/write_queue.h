#pragma once
// Bytes waiting to go to one client, in the order the module queued them, counted so that senders can be
// told to back off.
// Producers (the Wasm imports) append under a short lock; the transport takes a batch of segments for one
// async write and consumes them when it completes. Segments stay put until consumed, so the pointers handed
// to an in-flight write stay valid.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "shared_bytes.h"

namespace cs {

struct WriteLimits {
  size_t high_water = 1u << 20;   // above this, senders are told to back off
  size_t low_water = 256u << 10;  // below this again, they are told they may write
};

struct Segment {
  const uint8_t* data;
  size_t size;
};

class WriteQueue {
 public:
  explicit WriteQueue(WriteLimits limits = {}) : limits_(limits) {}

  enum class PushResult { kQueued, kBackpressure };
  // Copies the bytes. Returns backpressure when the queue is above the high-water mark afterwards.
  PushResult push(const uint8_t* a, size_t a_size, const uint8_t* b = nullptr, size_t b_size = 0);
  // Queues a reference to bytes others may queue too (a room's frame): no copy.
  PushResult push(SharedBytes bytes);

  // Fills `out` with up to `max_segments` segments from the front, for one write; returns how many. Does not
  // remove them, and allocates nothing (it runs on the completion path).
  size_t front(Segment* out, size_t max_segments) const;

  // Removes `bytes` from the front (a completed write). Returns true when a sender was told to back off
  // and the queue is now below the low-water mark: time to tell it it may write again.
  bool consume(size_t bytes);

  void clear();
  size_t size() const;
  bool empty() const { return size() == 0; }

 private:
  WriteLimits limits_;
  mutable std::mutex mutex_;
  PushResult push_locked(SharedBytes bytes);

  // A vector read from head_ rather than a deque: an empty deque still holds a 512-byte block, and most
  // connections' queues are empty most of the time. Emptied, it forgets what a backlog made it hold.
  std::vector<SharedBytes> segments_;
  size_t head_ = 0;          // segments_ before it are written
  size_t front_offset_ = 0;  // bytes of segments_[head_] already written
  size_t bytes_ = 0;
  bool backpressure_signalled_ = false;
};

}  // namespace cs
