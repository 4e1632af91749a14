#include "event_log.h"

#include "log.h"

#ifdef _WIN32
#include <windows.h>

#include <mutex>
#include <string>

namespace cs {
namespace {

// Event IDs are stable: operators search for them. windows/chatsocket.rc's message table formats each as
// the line itself, once install.ps1 has registered the DLL as the source's EventMessageFile.
enum : DWORD { kEventError = 1000, kEventWarning = 1001, kEventInfo = 1002 };

// A client hammering a broken endpoint must not flood the Application log: past this many events in a
// minute, one event says so and the rest of that minute's lines go to the debugger only; the next event
// written after the minute says how many were left out.
constexpr unsigned kEventsPerMinute = 60;
constexpr ULONGLONG kMinuteMs = 60 * 1000;

HANDLE g_event_source = nullptr;

struct Admission {
  bool write = false;
  bool limit_reached = false;    // this line is the first one left out in its minute
  unsigned left_out_before = 0;  // lines left out in the minute that just ended
};

class Budget {
 public:
  Admission admit() {
    std::lock_guard<std::mutex> hold(lock_);
    Admission admission;
    ULONGLONG now = GetTickCount64();
    if (!started_ || now - window_start_ >= kMinuteMs) {
      started_ = true;
      window_start_ = now;
      written_ = 0;
      admission.left_out_before = left_out_;
      left_out_ = 0;
    }
    if (written_ < kEventsPerMinute) {
      ++written_;
      admission.write = true;
    } else {
      admission.limit_reached = left_out_ == 0;
      ++left_out_;
    }
    return admission;
  }

 private:
  std::mutex lock_;
  bool started_ = false;
  ULONGLONG window_start_ = 0;
  unsigned written_ = 0;
  unsigned left_out_ = 0;
};
Budget g_budget;

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
  Admission admission = g_budget.admit();
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
