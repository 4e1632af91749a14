#include "event_log.h"

#include "log.h"

#ifdef _WIN32
#include <windows.h>

namespace cs {
namespace {

// Event IDs are stable: operators search for them.
enum : DWORD { EVENT_ERROR = 1000, EVENT_WARNING = 1001, EVENT_INFO = 1002 };

HANDLE g_event_source = nullptr;

void write_event(LogLevel level, const char* line) {
  OutputDebugStringA(line);
  OutputDebugStringA("\n");
  if (!g_event_source || level == LogLevel::debug) return;
  WORD type = level == LogLevel::error ? EVENTLOG_ERROR_TYPE
              : level == LogLevel::warning ? EVENTLOG_WARNING_TYPE : EVENTLOG_INFORMATION_TYPE;
  DWORD id = level == LogLevel::error ? EVENT_ERROR : level == LogLevel::warning ? EVENT_WARNING : EVENT_INFO;
  const char* strings[] = {line};
  ReportEventA(g_event_source, type, 0, id, nullptr, 1, 0, strings, nullptr);
}

}  // namespace

void install_event_log() {
  if (!g_event_source) g_event_source = RegisterEventSourceA(nullptr, "chatsocket");
  set_log_sink(write_event);
}

}  // namespace cs

#else

namespace cs {
void install_event_log() {}
}  // namespace cs

#endif
