#pragma once
// One accepted WebSocket connection as the core sees it: an id inside one Wasm instance, the bytes
// queued for the client, and what the module asked of the transport (end, abort, pause).
//
// Locking: the core wakes the transport only after releasing the instance lock, and holds no lock of its
// own while the transport's wake() runs, so wake() may call straight back into the connection. The
// transport must not call the event methods while holding its own lock (they take the instance lock and
// may wake it again). No method throws.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "abi_constants.h"
#include "child_process.h"
#include "deflate_streams.h"
#include "endpoint_seats.h"
#include "timers.h"
#include "transport.h"
#include "write_queue.h"

namespace cs {

class InstanceSlot;
class Room;

class Connection final : public std::enable_shared_from_this<Connection>, public TimerTarget {
 public:
  Connection(uint32_t id, InstanceSlot& slot, uint64_t generation, WriteLimits limits);

  uint32_t id() const { return id_; }

  // --- For the transport. attach/detach and the event calls must not be made under the transport's lock.
  void attach(std::weak_ptr<Transport> transport) noexcept;
  void detach() noexcept;
  void received(const uint8_t* bytes, size_t size) noexcept;
  // A write of `bytes` from the front of queue() completed.
  void wrote(size_t bytes) noexcept;
  // The transport is gone. Safe to call more than once; only the first counts.
  void closed(abi::ClosedReason reason) noexcept;
  // An event from elsewhere in the module (the connection's program, its chat room), on any thread that
  // holds no instance lock.
  void deliver_event(abi::Event event, const uint8_t* bytes = nullptr, size_t size = 0, uint32_t a = 0,
                     uint32_t b = 0) noexcept;
  // The transport failed on this connection's behalf (a C++ exception in its callback): log it and close
  // with 1011. `stream_intact` false when bytes may have been lost on the way out: then only an abort is left.
  void fail(const char* where, const char* what, bool stream_intact) noexcept;

  // Lock-free, callable under the transport's lock.
  WriteQueue& queue() { return queue_; }
  bool end_requested() const { return end_.load(); }
  bool abort_requested() const { return abort_.load(); }
  bool paused() const { return paused_.load(); }
  bool failed() const { return failed_.load(); }

  // --- For the core (instance slot, imports, timers).
  void request_end(bool abort);
  void set_paused(bool paused) { paused_.store(paused); }
  // While reading is paused the transport sees no end of file: the slot wakes it now and then so it can ask
  // the server whether the client is still there. True for the caller that starts the probing.
  bool start_probing() { return !probing_.exchange(true); }
  void stop_probing() { probing_.store(false); }
  // Marks the connection failed; false if it already was.
  bool mark_failed() { return !failed_.exchange(true); }
  uint64_t generation() const { return generation_; }
  // The program of a `kind = process` connection (null for other kinds). It is stopped when the transport
  // goes; set once, during the handshake.
  void attach_process(std::shared_ptr<ChildProcess> process) { process_ = std::move(process); }
  ChildProcess* process() const { return process_.get(); }
  // The chat room the connection is a member of (RoomHub sets it), and its endpoint file's path (rooms are
  // per endpoint file, whatever version of it a member opened with).
  std::shared_ptr<Room> room() const {
    std::lock_guard<std::mutex> lock(links_mutex_);
    return room_.lock();
  }
  void set_room(std::shared_ptr<Room> room) {
    std::lock_guard<std::mutex> lock(links_mutex_);
    room_ = std::move(room);
  }
  const std::string& endpoint_path() const;
  // The URL path it was opened with: what names its room across a web farm (servers' file paths may differ).
  const std::string& url_path() const { return url_path_; }
  void set_url_path(std::string path) { url_path_ = std::move(path); }
  // Its permessage-deflate streams (host_deflate, host_inflate). Under the slot's lock.
  DeflateContexts& deflate_contexts() { return deflate_contexts_; }
  // Its place among its endpoint file's max_connections (host_admit), if it took one. Under the slot's lock.
  bool has_seat() const { return seat_ != nullptr; }
  void hold_seat(std::unique_ptr<EndpointSeats::Seat> seat) { seat_ = std::move(seat); }
  void release_seat() { seat_.reset(); }
  void set_endpoint_path(std::shared_ptr<const std::string> path) { endpoint_path_ = std::move(path); }
  uint32_t next_timer_sequence(uint32_t slot) { return ++timer_sequences_[slot]; }
  bool timer_current(uint32_t slot, uint32_t sequence) const { return timer_sequences_[slot].load() == sequence; }
  // Its timers: a slot the module armed (with the slot's sequence then), the grace of a member its room cut
  // off, the probe of a paused connection. The tag holds the kind, the slot and the sequence.
  enum class TimerKind : uint8_t { kSlot, kEvicted, kProbe };
  static uint64_t timer_tag(TimerKind kind, uint32_t slot = 0, uint32_t sequence = 0) {
    return static_cast<uint64_t>(kind) << 56 | static_cast<uint64_t>(slot & 0xFF) << 48 | sequence;
  }
  void on_timer(uint64_t tag) noexcept override;
  bool is_closed() const { return closed_.load(); }
  void wake() noexcept;

 private:
  static_assert(abi::Limit::kTimerSlots <= 256, "a timer tag has 8 bits for the slot");

  const uint32_t id_;
  InstanceSlot& slot_;
  const uint64_t generation_;
  WriteQueue queue_;
  std::atomic<bool> end_{false};
  std::atomic<bool> abort_{false};
  std::atomic<bool> paused_{false};
  std::atomic<bool> closed_{false};
  std::atomic<bool> failed_{false};
  std::atomic<bool> probing_{false};
  // Per timer slot: bumped by every arm, cancel and close, so a timer that fires late sees it is stale.
  std::array<std::atomic<uint32_t>, abi::Limit::kTimerSlots> timer_sequences_{};
  // Guards the two links to objects that live apart, transport_ and room_ (each held only to copy it).
  mutable std::mutex links_mutex_;
  std::weak_ptr<Transport> transport_;
  std::shared_ptr<ChildProcess> process_;
  std::weak_ptr<Room> room_;                          // weak: the room holds its members, not the other way round
  std::shared_ptr<const std::string> endpoint_path_;  // its EndpointVersion's, which may be gone before it
  std::string url_path_;
  std::unique_ptr<EndpointSeats::Seat> seat_;
  DeflateContexts deflate_contexts_;
};

}  // namespace cs
