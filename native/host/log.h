#pragma once
// The host's own log: stderr, one line per message, prefixed "[host]".
#include <cstdint>
#include <string>

namespace cs {

enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3 };

void set_log_level(LogLevel level);
bool log_enabled(LogLevel level);
void log_line(LogLevel level, const std::string& message);
bool parse_log_level(const std::string& text, LogLevel& out);
std::string hex32(int32_t value);  // HRESULTs in messages: "80070026"

}  // namespace cs

#define CS_LOG(level, expr)                                            \
    do {                                                               \
        if (::cs::log_enabled(::cs::LogLevel::level)) {                \
            ::cs::log_line(::cs::LogLevel::level, std::string() + expr); \
        }                                                              \
    } while (0)
