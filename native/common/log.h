#pragma once
// The one log API of every native binary: the module (core, iis) and the host each link their own copy.
// Lines go to the installed sink (the IIS layer installs the Windows Event Log), or else to stderr as
// "[prefix] level: text".
#include <cstdarg>
#include <cstdint>
#include <string>

namespace cs {

// kOff only as a maximum: nothing is logged at or below it.
enum class LogLevel { kOff = -1, kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

using LogSink = void (*)(LogLevel level, const char* line);

void set_log_sink(LogSink sink);
// Lines above `max_level` are dropped (default kInfo).
void set_log_level(LogLevel max_level);
bool log_enabled(LogLevel level);
// The name in front of each stderr line ("chatsocket" unless set).
void set_log_prefix(const char* prefix);
const char* log_level_name(LogLevel level);
// "off", "error", "warning", "info", "debug" -> the level; false for anything else.
bool parse_log_level(const std::string& text, LogLevel& out);

void log(LogLevel level, const char* format, ...)
#if defined(__MINGW32__)
    // libstdc++ on mingw-w64 selects mingw's own C99 printf (%zu works); "printf" would check msvcrt's rules.
    __attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

// An HRESULT or other 32-bit code as 8 hex digits, e.g. "80070026".
std::string hex32(uint32_t value);

}  // namespace cs
