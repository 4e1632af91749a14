#pragma once
// How a harness reports a bug: a line saying what broke, the module's recent log lines, then abort(), which
// libFuzzer reports as a crash and saves the input for.
#include <string>

namespace cs::fuzz {

// Sends the module's log lines to a buffer instead of stderr; fail() prints the ones of the current input.
void capture_log();
void clear_captured_log();

[[noreturn]] void fail(const std::string& what);

inline void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

}  // namespace cs::fuzz
