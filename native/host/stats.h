#pragma once
// Counters the host keeps while it runs (atomics), and the snapshot the binding reads.
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "module_exports.h"

namespace cs::host {

enum class OpType { kRead = 0, kWrite = 1, kFlush = 2, kPost = 3 };
enum class CompletionKind { kSync = 0, kBeforeReturn = 1, kAfterReturn = 2 };
constexpr int kOpTypes = 4;
constexpr int kCompletionKinds = 3;
const char* op_name(OpType type);

struct StatsSnapshot {
  uint64_t open_connections = 0;
  uint64_t active_requests = 0;
  uint64_t upgraded_connections = 0;
  uint64_t upgrades_total = 0;
  uint64_t pool_threads = 0;
  uint64_t requests_total = 0;
  // completions[op][kind], indexed by OpType and CompletionKind
  std::array<std::array<uint64_t, kCompletionKinds>, kOpTypes> completions{};
  uint64_t dropped_completions = 0;  // completions of a finished request: never delivered to the module
  uint64_t connection_resets = 0;    // IHttpResponse::ResetConnection calls
  uint64_t violations = 0;
  std::string last_violation;
  uint64_t not_implemented = 0;
  std::string last_not_implemented;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t rss_bytes = 0;
  // The module's own counters, if it exports ChatSocketGetStats (our module does; IIS never calls it):
  // connections, traps, rebuilds, instances, Wasm memory bytes.
  bool has_module_stats = false;
  std::array<uint64_t, kModuleStatCount> module_stats{};
};

class Stats {
 public:
  std::atomic<uint64_t> open_connections{0};
  std::atomic<uint64_t> active_requests{0};
  std::atomic<uint64_t> upgraded_connections{0};
  std::atomic<uint64_t> upgrades_total{0};
  std::atomic<uint64_t> pool_threads{0};
  std::atomic<uint64_t> requests_total{0};
  std::atomic<uint64_t> dropped_completions{0};
  std::atomic<uint64_t> connection_resets{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};

  void count_completion(OpType op, CompletionKind kind);
  void violation(const std::string& message);       // logs it too
  void not_implemented(const std::string& method);  // logs it too
  StatsSnapshot snapshot() const;

 private:
  std::array<std::array<std::atomic<uint64_t>, kCompletionKinds>, kOpTypes> completions_{};
  std::atomic<uint64_t> violations_{0};
  std::atomic<uint64_t> not_implemented_{0};
  mutable std::mutex text_mutex_;
  std::string last_violation_;
  std::string last_not_implemented_;
};

uint64_t process_rss_bytes();  // from /proc/self/statm

}  // namespace cs::host
