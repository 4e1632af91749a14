#include "log.h"

#include <atomic>
#include <cstdio>

namespace cs {
namespace {
std::atomic<LogSink> g_sink{nullptr};
std::atomic<int> g_max_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<const char*> g_prefix{"chatsocket"};
const char* const kLevelNames[] = {"error", "warning", "info", "debug"};
}  // namespace

void set_log_sink(LogSink sink) { g_sink.store(sink); }
void set_log_level(LogLevel max_level) { g_max_level.store(static_cast<int>(max_level)); }
void set_log_prefix(const char* prefix) { g_prefix.store(prefix); }

bool log_enabled(LogLevel level) { return static_cast<int>(level) <= g_max_level.load(std::memory_order_relaxed); }

const char* log_level_name(LogLevel level) { return kLevelNames[static_cast<int>(level)]; }

bool parse_log_level(const std::string& text, LogLevel& out) {
  if (text == "off") {
    out = LogLevel::kOff;
    return true;
  }
  for (int i = 0; i < 4; ++i) {
    if (text == kLevelNames[i]) {
      out = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

void log(LogLevel level, const char* format, ...) {
  if (!log_enabled(level)) return;
  char line[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (LogSink sink = g_sink.load()) {
    sink(level, line);
  } else {
    // One fprintf per line, so lines from different threads do not interleave.
    std::fprintf(stderr, "[%s] %s: %s\n", g_prefix.load(), log_level_name(level), line);
  }
}

std::string hex32(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "%08X", value);
  return text;
}

}  // namespace cs
