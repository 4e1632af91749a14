#include "stats.h"

#include <unistd.h>

#include <cstdio>

#include "log.h"

namespace cs::host {

const char* op_name(OpType type) {
  static const char* const names[] = {"read", "write", "flush", "post"};
  return names[static_cast<int>(type)];
}

void Stats::count_completion(OpType op, CompletionKind kind) {
  completions_[static_cast<int>(op)][static_cast<int>(kind)].fetch_add(1);
}

void Stats::violation(const std::string& message) {
  violations_.fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(text_mutex_);
    last_violation_ = message;
  }
  log(LogLevel::kError, "VIOLATION: %s", message.c_str());
}

void Stats::not_implemented(const std::string& method) {
  not_implemented_.fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(text_mutex_);
    last_not_implemented_ = method;
  }
  log(LogLevel::kWarning, "not implemented: %s (returned E_NOTIMPL or a null value)", method.c_str());
}

StatsSnapshot Stats::snapshot() const {
  StatsSnapshot s;
  s.open_connections = open_connections.load();
  s.active_requests = active_requests.load();
  s.upgraded_connections = upgraded_connections.load();
  s.upgrades_total = upgrades_total.load();
  s.pool_threads = pool_threads.load();
  s.requests_total = requests_total.load();
  for (int op = 0; op < kOpTypes; ++op)
    for (int kind = 0; kind < kCompletionKinds; ++kind) s.completions[op][kind] = completions_[op][kind].load();
  s.dropped_completions = dropped_completions.load();
  s.connection_resets = connection_resets.load();
  s.violations = violations_.load();
  s.not_implemented = not_implemented_.load();
  {
    std::lock_guard<std::mutex> lock(text_mutex_);
    s.last_violation = last_violation_;
    s.last_not_implemented = last_not_implemented_;
  }
  s.bytes_in = bytes_in.load();
  s.bytes_out = bytes_out.load();
  s.rss_bytes = process_rss_bytes();
  return s;
}

uint64_t process_rss_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, resident = 0;
  int got = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (got != 2) return 0;
  return static_cast<uint64_t>(resident) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace cs::host
