#pragma once
// A pool of Wasm instances (InstanceSlot); each connection lives in one, the least busy when it opened.
// The pool also owns what the instances share: the endpoint file cache, the timer thread and the 1011
// close frame. A trap in one instance costs only that instance's connections.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "backplanes.h"
#include "endpoint_cache.h"
#include "endpoint_seats.h"
#include "instance_slot.h"
#include "process_host.h"
#include "request_values.h"
#include "timers.h"

namespace cs {

class InstancePool final : private BackplaneListener {
 public:
  explicit InstancePool(PoolOptions options);
  ~InstancePool();

  EndpointCache& endpoints() { return endpoints_; }
  ProcessHost& processes() { return processes_; }
  RoomHub& rooms() { return rooms_; }
  Backplanes& backplanes() { return *backplanes_; }
  // Validates the handshake in Wasm and, on 101, creates the connection. Never throws.
  OpenResult open(EndpointVersion& endpoint, std::string_view head, RequestValues& request) noexcept;
  // The server is going away (IIS's GL_STOP_LISTENING, the host's stop()): every open connection hears
  // GOING_AWAY once (Wasm closes it with 1001), and every handshake from now on is refused with 503. Returns
  // once the close frames are queued; the closing handshakes run on. Later calls do nothing.
  void go_away() noexcept;
  bool going_away() const { return going_away_.load(); }
  PoolStats stats() const;

  const PoolOptions& options() const { return options_; }
  std::chrono::steady_clock::time_point now() const {
    return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
  }
  Timers& timers() { return timers_; }
  uint32_t next_id();
  // A random number from 1 to 2^21 - 1 that tells this server's chat members apart from other servers' in a
  // farm (their ids are this << 32 | the connection's id).
  uint32_t server_tag() const { return server_tag_; }
  // What a room's work left to do once no lock is held: wake its members, schedule the drop of members it cut
  // off, have a member announce the others who left without a word.
  void settle(std::vector<std::shared_ptr<Connection>>& wakes, std::vector<std::shared_ptr<Room>>& losses,
              std::vector<std::shared_ptr<Connection>>& evicted) noexcept;
  // The 1011 close frame, encoded by the first instance when the pool started (empty if that failed).
  const std::vector<uint8_t>& internal_error_frame() const { return internal_error_frame_; }

 private:
  friend class InstanceSlot;
  void log_summary() noexcept;
  void forget_endpoint(EndpointVersion& endpoint) noexcept;
  // Takes a place for one more handshake under max_connections; false when the server is full. Concurrent
  // handshakes count against each other, so the cap is never exceeded (near it, one may be refused early).
  bool enter_handshake() noexcept;
  // Runs a room's work for a backplane's thread and settles what it left to do; a failure is logged.
  template <class Work>
  void from_backplane(const char* failure, Work&& work) noexcept;
  void remote_frame(Backplane& from, const std::string& channel, const RoomFrame& frame, bool keep) noexcept override;
  void remote_members_lost(Backplane& from, const std::string& channel, const std::string& records) noexcept override;
  void remote_history(Backplane& from, const std::string& channel,
                      const std::vector<RoomFrame>& frames) noexcept override;

  PoolOptions options_;
  RoomHub rooms_;  // before the slots: a room may hold connections until their slot's last event
  std::vector<std::unique_ptr<InstanceSlot>> slots_;
  EndpointCache endpoints_;
  std::vector<uint8_t> internal_error_frame_;
  Timers timers_;          // declared after slots_: its thread stops before any slot goes away
  ProcessHost processes_;  // likewise: its threads deliver events into the slots
  uint32_t server_tag_ = 0;
  std::atomic<bool> going_away_{false};
  std::atomic<uint32_t> next_id_{0};
  EndpointSeats seats_;  // its counts live on while a connection holds a seat
  std::atomic<uint64_t> connections_{0};
  std::atomic<uint64_t> handshakes_{0};  // under way; counted against max_connections with connections_
  std::atomic<uint64_t> traps_{0};
  std::atomic<uint64_t> rebuilds_{0};
  std::atomic<uint64_t> instances_alive_{0};
  std::atomic<uint64_t> native_failures_{0};
  std::atomic<uint64_t> connections_opened_{0};
  CloseCounts closes_;
  // Last: its threads deliver into the rooms and the slots, so it stops before anything else goes.
  std::unique_ptr<Backplanes> backplanes_;
};

}  // namespace cs
