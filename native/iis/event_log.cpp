#include "event_log.h"

#include "event_budget.h"
#include "log.h"

#ifdef _WIN32
#include <windows.h>

#include <string>

namespace cs {
namespace {

// Event IDs are stable: operators search for them. windows/chatsocket.rc's message table formats each as
// the line itself, once install.ps1 has registered the DLL as the source's EventMessageFile.
enum : DWORD { kEventError = 1000, kEventWarning = 1001, kEventInfo = 1002 };

constexpr unsigned kEventsPerMinute = 60;

HANDLE g_event_source = nullptr;
EventBudget g_budget(kEventsPerMinute);

// Lines are UTF-8 (paths, text from the Wasm handler); the Event Log stores UTF-16.
std::wstring utf8_to_utf16(const char* text) {
  int length = MultiByteToWideChar(CP_UTF8, 0, text, -1, nullptr, 0);
  if (length <= 1) return std::wstring();
  std::wstring wide(static_cast<size_t>(length), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, text, -1, &wide[0], length);
  wide.resize(static_cast<size_t>(length - 1));
  return wide;
}

void report(WORD type, DWORD id, const std::wstring& text) {
  const wchar_t* strings[] = {text.c_str()};
  ReportEventW(g_event_source, type, 0, id, nullptr, 1, 0, strings, nullptr);
}

void write_event(LogLevel level, const char* line) {
  std::wstring text = utf8_to_utf16(line);
  OutputDebugStringW((L"chatsocket: " + text + L"\n").c_str());
  if (!g_event_source || level == LogLevel::kDebug) return;
  EventAdmission admission = g_budget.admit(GetTickCount64());
  if (admission.left_out_before > 0) {
    report(EVENTLOG_WARNING_TYPE, kEventWarning,
           std::to_wstring(admission.left_out_before) +
               L" chatsocket message(s) were not written to the Event Log after it reached its limit of " +
               std::to_wstring(kEventsPerMinute) + L" a minute.");
  }
  if (admission.limit_reached) {
    report(EVENTLOG_WARNING_TYPE, kEventWarning,
           L"More than " + std::to_wstring(kEventsPerMinute) +
               L" chatsocket messages in a minute: the rest of this minute's go to the debugger only (DebugView "
               L"shows them), and the next event says how many were left out.");
  }
  if (!admission.write) return;
  WORD type = level == LogLevel::kError     ? EVENTLOG_ERROR_TYPE
              : level == LogLevel::kWarning ? EVENTLOG_WARNING_TYPE
                                            : EVENTLOG_INFORMATION_TYPE;
  DWORD id = level == LogLevel::kError ? kEventError : level == LogLevel::kWarning ? kEventWarning : kEventInfo;
  report(type, id, text);
}

}  // namespace

void install_event_log() {
  if (!g_event_source) g_event_source = RegisterEventSourceW(nullptr, L"chatsocket");
  set_log_sink(write_event);
}

}  // namespace cs

#else

namespace cs {
void install_event_log() {}
}  // namespace cs

#endif
