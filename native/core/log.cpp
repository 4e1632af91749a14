#include "log.h"

#include <atomic>
#include <cstdio>

namespace cs {
namespace {
std::atomic<LogSink> g_sink{nullptr};
std::atomic<int> g_max_level{static_cast<int>(LogLevel::info)};

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::error: return "error";
    case LogLevel::warning: return "warning";
    case LogLevel::info: return "info";
    case LogLevel::debug: return "debug";
  }
  return "?";
}
}  // namespace

void set_log_sink(LogSink sink) { g_sink.store(sink); }
void set_log_level(LogLevel max_level) { g_max_level.store(static_cast<int>(max_level)); }

void log(LogLevel level, const char* format, ...) {
  if (static_cast<int>(level) > g_max_level.load(std::memory_order_relaxed)) return;
  char line[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (LogSink sink = g_sink.load()) {
    sink(level, line);
  } else {
    std::fprintf(stderr, "[chatsocket] %s: %s\n", level_name(level), line);
  }
}

}  // namespace cs
