#include "log.h"

#include <atomic>
#include <cstdio>

namespace cs {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::warn)};
const char* const kNames[] = {"error", "warn", "info", "debug"};
}  // namespace

void set_log_level(LogLevel level) { g_level.store(static_cast<int>(level)); }

bool log_enabled(LogLevel level) { return static_cast<int>(level) <= g_level.load(std::memory_order_relaxed); }

void log_line(LogLevel level, const std::string& message) {
    // One fprintf per line so lines from different threads do not interleave.
    std::fprintf(stderr, "[host] %s: %s\n", kNames[static_cast<int>(level)], message.c_str());
}

bool parse_log_level(const std::string& text, LogLevel& out) {
    for (int i = 0; i < 4; ++i) {
        if (text == kNames[i]) {
            out = static_cast<LogLevel>(i);
            return true;
        }
    }
    return false;
}

std::string hex32(int32_t value) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08X", static_cast<uint32_t>(value));
    return buf;
}

}  // namespace cs
