// Writes a fixed script of lines through the module's Event Log sink (native/iis/event_log.cpp).
// test/windows/event_log.test.ts runs it under Wine, whose ReportEventW traces each event it is given.
#include "event_log.h"
#include "log.h"

int main() {
  cs::install_event_log();
  cs::set_log_level(cs::LogLevel::kDebug);
  cs::log(cs::LogLevel::kInfo, "probe info");
  cs::log(cs::LogLevel::kWarning, "probe warning");
  cs::log(cs::LogLevel::kError, "probe error: caf\xc3\xa9 \xe2\x82\xac");
  cs::log(cs::LogLevel::kDebug, "probe debug");
  for (int i = 0; i < 100; ++i) cs::log(cs::LogLevel::kWarning, "probe flood %d", i);
  return 0;
}
