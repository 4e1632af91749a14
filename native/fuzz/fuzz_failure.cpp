#include "fuzz_failure.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "log.h"

namespace cs::fuzz {
namespace {

constexpr size_t kKeptLines = 32;
std::vector<std::string> g_lines;

void keep_line(LogLevel level, const char* line) {
  if (g_lines.size() == kKeptLines) g_lines.erase(g_lines.begin());
  g_lines.push_back(std::string(log_level_name(level)) + ": " + line);
}

}  // namespace

void capture_log() { set_log_sink(keep_line); }

void clear_captured_log() { g_lines.clear(); }

void fail(const std::string& what) {
  std::fprintf(stderr, "\nchatsocket fuzz: %s\n", what.c_str());
  for (const std::string& line : g_lines) std::fprintf(stderr, "  module log: %s\n", line.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace cs::fuzz
