#include "module_settings.h"

#include <cstdlib>
#include <string>
#include <thread>

#include "log.h"

namespace cs {
namespace {

// A whole number from `lowest` to `highest`, or `fallback` (logged when the variable is set but wrong).
unsigned count_setting(const char* name, unsigned lowest, unsigned highest, unsigned fallback) {
  const char* text = std::getenv(name);
  if (!text) return fallback;
  char* end = nullptr;
  unsigned long value = std::strtoul(text, &end, 10);
  if (end == text || *end != '\0' || value < lowest || value > highest) {
    log(LogLevel::kWarning, "%s=%s is not a whole number from %u to %u; using %u", name, text, lowest, highest,
        fallback);
    return fallback;
  }
  return static_cast<unsigned>(value);
}

std::vector<std::string> name_list(const char* text) {
  std::vector<std::string> names;
  std::string name;
  for (const char* c = text;; ++c) {
    if (*c == ',' || *c == ';' || *c == '\0') {
      size_t first = name.find_first_not_of(" \t");
      if (first != std::string::npos) names.push_back(name.substr(first, name.find_last_not_of(" \t") - first + 1));
      name.clear();
      if (*c == '\0') break;
    } else {
      name.push_back(*c);
    }
  }
  return names;
}

}  // namespace

ModuleSettings read_module_settings() {
  ModuleSettings settings;
  if (const char* level = std::getenv("CHATSOCKET_LOG_LEVEL")) {
    if (!parse_log_level(level, settings.log_level)) {
      log(LogLevel::kWarning, "CHATSOCKET_LOG_LEVEL=%s is not one of off, error, warning, info, debug; using info",
          level);
    }
  }
  unsigned cores = std::thread::hardware_concurrency();
  settings.pool.instances = count_setting("CHATSOCKET_INSTANCES", 1, 256, cores < 2 ? 2 : cores);
  settings.pool.message_memory_mib =
      count_setting("CHATSOCKET_MESSAGE_MEMORY", 16, 3072, settings.pool.message_memory_mib);
  if (const char* redis = std::getenv("CHATSOCKET_REDIS")) settings.pool.redis_url = redis;
  if (const char* prefix = std::getenv("CHATSOCKET_REDIS_PREFIX")) {
    if (*prefix) settings.pool.redis_prefix = prefix;
  }
  settings.pool.max_connections =
      count_setting("CHATSOCKET_MAX_CONNECTIONS", 0, 10000000, settings.pool.max_connections);
  const char* hooks = std::getenv("CHATSOCKET_TEST_HOOKS");
  settings.test_hooks = hooks && hooks[0] == '1';
  settings.pool.init_flags = settings.test_hooks ? static_cast<uint32_t>(abi::InitFlag::kTestHooks) : 0u;

  ProcessSettings& processes = settings.pool.processes;
  if (const char* allowed = std::getenv(kAllowedProgramsSetting)) processes.allowed_programs = allowed;
  const char* pass = std::getenv("CHATSOCKET_PASS_ENVIRONMENT");
  processes.pass_environment = pass ? name_list(pass) : default_pass_environment();
  processes.max_processes = count_setting("CHATSOCKET_MAX_PROCESSES", 1, 65535, processes.max_processes);
  return settings;
}

}  // namespace cs
