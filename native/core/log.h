#pragma once
// One place where the module's diagnostics go. The IIS layer installs a sink that writes the Windows
// Event Log; without one, lines go to stderr (the host's log on Linux).
#include <cstdarg>

namespace cs {

enum class LogLevel { error = 0, warning = 1, info = 2, debug = 3 };

using LogSink = void (*)(LogLevel level, const char* line);

void set_log_sink(LogSink sink);
void set_log_level(LogLevel max_level);
void log(LogLevel level, const char* format, ...)
#if defined(__MINGW32__)
    // libstdc++ on mingw-w64 selects mingw's own C99 printf (%zu works); "printf" would check msvcrt's rules.
    __attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

}  // namespace cs
