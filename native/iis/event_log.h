#pragma once
namespace cs {
// On Windows, routes the module's warnings and errors to the Application event log (source "chatsocket")
// as well as the debugger; elsewhere the default stderr log stays.
void install_event_log();
}  // namespace cs
