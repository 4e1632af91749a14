#pragma once
// One Wasm instance of the pool and the connections that live in it. Calls into the instance are serialized
// by the slot's lock; the instance's imports (ImportHandler) run under it. A trap discards the instance: its
// connections get 1011 and are ended, and the slot builds a new one (rate-limited).
//
// No method lets a C++ exception out: what fails is logged and costs only the connection it was working for
// (1011), or the handshake (500).
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "backplane.h"
#include "close_counts.h"
#include "connection.h"
#include "endpoint_cache.h"
#include "process_host.h"
#include "room_hub.h"
#include "request_values.h"
#include "wasm_instance.h"

namespace cs {

struct PoolOptions {
  unsigned instances = 2;
  uint32_t init_flags = 0;  // abi::InitFlag::kTestHooks for test-only endpoint kinds
  WriteLimits write_limits;
  unsigned max_rebuilds_per_minute = 10;  // the first build of an instance is not a rebuild
  // CHATSOCKET_MAX_CONNECTIONS: WebSocket connections open at once in this server process; 0: no cap.
  uint32_t max_connections = 50000;
  // CHATSOCKET_MESSAGE_MEMORY: MiB of message buffers per Wasm instance; past it a connection closes with 1013.
  uint32_t message_memory_mib = 1024;
  ProcessSettings processes;
  // CHATSOCKET_REDIS: the backplane chat rooms share across a web farm ("": none), and the prefix of its keys.
  std::string redis_url;
  std::string redis_prefix = "chatsocket";
  // The clock the rebuild window is measured on; tests move it. Empty: the steady clock.
  std::function<std::chrono::steady_clock::time_point()> clock;
};

struct OpenResult {
  uint32_t status = 500;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::shared_ptr<Connection> connection;  // set when status is 101

  // Turns the result into a refusal with `status` and a text body.
  void refuse(uint32_t refusal_status, std::string text) {
    status = refusal_status;
    headers.clear();
    body = std::move(text);
    connection.reset();
  }
};

struct PoolStats {
  uint64_t connections = 0;
  uint64_t traps = 0;
  uint64_t rebuilds = 0;
  uint64_t instances_alive = 0;
  uint64_t wasm_memory_bytes = 0;
  uint64_t wasm_resident_bytes = 0;  // of wasm_memory_bytes, the pages written so far
  uint64_t endpoint_versions = 0;
  uint64_t native_failures = 0;
  uint64_t processes = 0;
  uint64_t connections_opened = 0;  // since the module loaded
  uint64_t messages_in = 0;
  uint64_t messages_out = 0;
  CloseCounts::Snapshot closes{};  // the closes the server started, by code (CloseCounts::kCodes)
  HubStats rooms;
  BackplaneStats backplane;
};

class InstancePool;

class InstanceSlot final : private ImportHandler {
 public:
  InstanceSlot(InstancePool& pool, unsigned index);
  ~InstanceSlot();

  OpenResult open(EndpointVersion& endpoint, std::string_view head, RequestValues& request) noexcept;
  // Asks the instance for a close frame with `code`; false when there is no instance or it trapped.
  bool encode_close_frame(uint32_t code, std::vector<uint8_t>& frame);
  size_t connection_count();
  size_t memory_bytes();
  size_t resident_bytes();
  // Adds the messages counted by this slot's instances, the lost ones included, to `in` and `out`.
  void add_message_counts(uint64_t& in, uint64_t& out);

  // Runs one event for `connection` under the lock; skipped when the connection's instance is gone.
  // Events that carry bytes (kData, kProcessStdout, kProcessStderr) pass them in `bytes`/`size`; the others
  // pass their numbers in `a` and `b`.
  void dispatch(Connection& connection, abi::Event event, const uint8_t* bytes = nullptr, size_t size = 0,
                uint32_t a = 0, uint32_t b = 0) noexcept;
  // Delivers GOING_AWAY to every connection the slot holds now (one call into the instance each, the lock
  // taken per call); returns how many were told.
  size_t tell_going_away() noexcept;
  // No new connection will name `endpoint`: the instance may forget it.
  void forget_endpoint(const EndpointVersion& endpoint) noexcept;
  // Closes `connection` with 1011 after a native failure (see Connection::fail).
  void fail_connection(Connection& connection, const char* where, const char* what, bool stream_intact) noexcept;
  // The connection is gone: out of its chat room if its handler did not take it out (the others are told by
  // one of them). Called with no lock held.
  void leave_room_quietly(Connection& connection) noexcept;
  // A connection's timers, fired (Connection::on_timer): a slot the module armed, and the probe while paused.
  void slot_timer_fired(Connection& connection, uint32_t slot, uint32_t sequence) noexcept;
  void probe_fired(Connection& connection) noexcept;

 private:
  // ImportHandler: called by the instance during a call, with mutex_ held.
  abi::Status response_header(uint32_t id, std::string_view name, std::string_view value) override;
  abi::Status response_body(uint32_t id, std::string_view body) override;
  abi::Status request_value(uint32_t id, abi::RequestSource source, std::string_view name, std::string& out) override;
  abi::Status send(uint32_t id, const uint8_t* data, size_t size) override;
  abi::Status end(uint32_t id, bool abort) override;
  abi::Status pause(uint32_t id, bool paused) override;
  abi::Status timer(uint32_t id, uint32_t slot, uint32_t milliseconds) override;
  abi::Status admit(uint32_t id, uint32_t cap) override;
  abi::Status endpoint_error(uint32_t endpoint, uint32_t line, std::string_view text) override;
  abi::Status process_start(uint32_t id, std::string_view description) override;
  abi::Status process_write(uint32_t id, const uint8_t* data, size_t size) override;
  abi::Status process_pause_output(uint32_t id, bool paused) override;
  abi::Status process_stop(uint32_t id) override;
  abi::Status room_snapshot(uint32_t id, std::string_view room, std::string& out) override;
  abi::Status room_join(uint32_t id, std::string_view request) override;
  abi::Status deflate(uint32_t id, uint32_t params, const uint8_t* in, size_t in_size, uint8_t* out,
                      size_t out_capacity, size_t& written) override;
  abi::Status inflate(uint32_t id, uint32_t params, const uint8_t* in, size_t in_size, uint8_t* out,
                      size_t out_capacity, size_t& consumed, size_t& produced) override;
  abi::Status room_publish(uint32_t id, const uint8_t* frame, size_t size, const uint8_t* deflated,
                           size_t deflated_size, uint32_t window_bits, uint32_t flags) override;
  abi::Status room_leave(uint32_t id, const uint8_t* announce, size_t size, uint32_t version) override;
  abi::Status closing(uint32_t id, uint32_t code, std::string_view reason, uint32_t flags) override;
  void import_failed(uint32_t id, const char* import, const char* what) noexcept override;

  // Builds the instance if there is none. Fails when rebuilds are over their rate (rate_limited set) or
  // the instance cannot start (logged).
  bool ensure_instance_locked(bool* rate_limited = nullptr);
  // Whole seconds until the oldest rebuild of the last minute leaves the window (at least 1).
  uint32_t seconds_until_rebuild_locked() const;
  // Makes sure the instance knows `endpoint`; false (and the version marked failed) when it does not parse.
  bool ensure_endpoint_locked(EndpointVersion& endpoint, bool& trapped);
  void after_trap_locked(const char* where) noexcept;
  void open_locked(EndpointVersion& endpoint, std::string_view head, RequestValues& request, OpenResult& result);
  void fail_locked(Connection& connection, bool stream_intact) noexcept;
  void arm_timer(Connection& connection, uint32_t slot, uint32_t milliseconds);
  void probe_while_paused(const std::shared_ptr<Connection>& connection);
  Connection* find_locked(uint32_t id);
  void take_room_effects_locked(RoomEffects& effects);

  // What cs_open is building; imports about the opening id read and write it.
  struct Opening {
    uint32_t id;
    OpenResult* result;
    RequestValues* request;
    const EndpointVersion* endpoint;
  };

  InstancePool& pool_;
  const unsigned index_;
  std::mutex mutex_;
  std::unique_ptr<WasmInstance> instance_;
  uint64_t generation_ = 0;
  std::unordered_map<uint32_t, std::shared_ptr<Connection>> connections_;
  std::unordered_set<uint32_t> endpoints_;            // endpoint ids the instance has parsed
  std::vector<std::shared_ptr<Connection>> wakes_;    // connections to wake once the lock is released
  std::vector<std::shared_ptr<Room>> losses_;         // rooms whose losses to announce once it is released
  std::vector<std::shared_ptr<Connection>> evicted_;  // members a room cut off, to drop if they stay stuck
  Opening opening_{0, nullptr, nullptr, nullptr};
  uint32_t endpoint_error_line_ = 0;  // what host_endpoint_error reported during cs_endpoint_create
  std::string endpoint_error_text_;
  std::array<uint64_t, abi::Counter::kCount> lost_counters_{};  // what instances counted before they trapped
  bool built_before_ = false;                                   // a build was tried: every later one is a rebuild
  std::deque<std::chrono::steady_clock::time_point> recent_rebuilds_;
};

}  // namespace cs
