#pragma once
// A pool of Wasm instances; each connection lives in one, and calls into an instance are serialized by
// its lock (proxy-wasm's model). A trap discards the instance: its connections are told 1011 and ended,
// a new instance takes its place (rebuilds are rate-limited), the other instances never notice.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "connection.h"
#include "timers.h"
#include "wasm_instance.h"

namespace cs {

struct PoolOptions {
  unsigned instances = 2;
  uint32_t init_flags = 0;  // INIT_TEST_HOOKS for test-only endpoint kinds
  WriteLimits write_limits;
  unsigned max_rebuilds_per_minute = 10;
};

struct OpenResult {
  uint32_t status = 500;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::shared_ptr<Connection> connection;  // set when status is 101
};

struct PoolStats {
  uint64_t connections = 0;
  uint64_t traps = 0;
  uint64_t rebuilds = 0;
  uint64_t instances_alive = 0;
  uint64_t wasm_memory_bytes = 0;
};

class InstancePool;

class InstanceSlot final : private ImportHandler {
 public:
  InstanceSlot(InstancePool& pool, unsigned index);
  ~InstanceSlot();

  OpenResult open(const std::string& head, const std::string& endpoint);
  size_t connection_count();
  size_t memory_bytes();

  // Runs one event for `connection` under the lock; skipped when the connection's instance is gone.
  enum class Event { data, writable, timer, closed };
  void dispatch(Connection& connection, Event event, const uint8_t* bytes = nullptr, size_t size = 0,
                uint32_t reason = 0);

 private:
  // ImportHandler: called by the instance during a call, with mutex_ held.
  void response_header(uint32_t id, std::string_view name, std::string_view value) override;
  void response_body(uint32_t id, std::string_view body) override;
  uint32_t send(uint32_t id, const uint8_t* data, size_t size) override;
  void end(uint32_t id, bool abort) override;
  void pause(uint32_t id, bool paused) override;
  void timer(uint32_t id, uint32_t milliseconds) override;

  // Builds the instance if there is none. Fails when rebuilds are over their rate (rate_limited set) or
  // the instance cannot start (logged).
  bool ensure_instance_locked(bool* rate_limited = nullptr);
  void after_trap_locked(const char* where);
  Connection* find_locked(uint32_t id);
  void deliver_wakes(std::vector<std::shared_ptr<Connection>>& wakes);

  InstancePool& pool_;
  const unsigned index_;
  std::mutex mutex_;
  std::unique_ptr<WasmInstance> instance_;
  uint64_t generation_ = 0;
  std::unordered_map<uint32_t, std::shared_ptr<Connection>> connections_;
  std::vector<std::shared_ptr<Connection>> wakes_;  // connections to wake once the lock is released
  OpenResult* opening_ = nullptr;                   // the handshake answer being built by cs_open
  uint32_t opening_id_ = 0;
  std::deque<std::chrono::steady_clock::time_point> recent_rebuilds_;
};

class InstancePool {
 public:
  explicit InstancePool(PoolOptions options);
  ~InstancePool();

  // Validates the handshake in Wasm and, on 101, creates the connection.
  OpenResult open(const std::string& head, const std::string& endpoint);
  PoolStats stats() const;

  const PoolOptions& options() const { return options_; }
  Timers& timers() { return timers_; }
  uint32_t next_id();

 private:
  friend class InstanceSlot;
  PoolOptions options_;
  std::vector<std::unique_ptr<InstanceSlot>> slots_;
  Timers timers_;  // declared after slots_: its thread stops before any slot goes away
  std::atomic<uint32_t> next_id_{0};
  std::atomic<uint64_t> connections_{0};
  std::atomic<uint64_t> traps_{0};
  std::atomic<uint64_t> rebuilds_{0};
  std::atomic<uint64_t> instances_alive_{0};
};

}  // namespace cs
