#pragma once
// One accepted WebSocket connection as the core sees it: an id inside one Wasm instance, the bytes
// queued for the client, and what the module asked of the transport (end, abort, pause).
//
// Locking: the core wakes the transport only after releasing the instance lock, and holds no lock of its
// own while the transport's wake() runs, so wake() may call straight back into the connection. The
// transport must not call the event methods while holding its own lock (they take the instance lock and
// may wake it again).
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "transport.h"
#include "write_queue.h"

namespace cs {

class InstanceSlot;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(uint32_t id, InstanceSlot& slot, uint64_t generation, WriteLimits limits);

  uint32_t id() const { return id_; }

  // --- For the transport. attach/detach and the event calls must not be made under the transport's lock.
  void attach(std::weak_ptr<Transport> transport);
  void detach();
  void received(const uint8_t* bytes, size_t size);
  // A write of `bytes` from the front of queue() completed.
  void wrote(size_t bytes);
  // The transport is gone; `reason` is CLOSED_BY_*. Safe to call more than once; only the first counts.
  void closed(uint32_t reason);

  // Lock-free, callable under the transport's lock.
  WriteQueue& queue() { return queue_; }
  bool end_requested() const { return end_.load(); }
  bool abort_requested() const { return abort_.load(); }
  bool paused() const { return paused_.load(); }

  // --- For the core (instance slot, imports, timers).
  void request_end(bool abort);
  void set_paused(bool paused) { paused_.store(paused); }
  uint64_t generation() const { return generation_; }
  uint64_t next_timer_sequence() { return ++timer_sequence_; }
  bool timer_current(uint64_t sequence) const { return timer_sequence_.load() == sequence; }
  bool is_closed() const { return closed_.load(); }
  void wake();

 private:
  const uint32_t id_;
  InstanceSlot& slot_;
  const uint64_t generation_;
  WriteQueue queue_;
  std::atomic<bool> end_{false};
  std::atomic<bool> abort_{false};
  std::atomic<bool> paused_{false};
  std::atomic<bool> closed_{false};
  std::atomic<uint64_t> timer_sequence_{0};
  std::mutex transport_mutex_;
  std::weak_ptr<Transport> transport_;
};

}  // namespace cs
