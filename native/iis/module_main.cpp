// RegisterModule: the entry point IIS (or our host) calls once when it loads chatsocket.dll/.so.
#include <atomic>
#include <cstdlib>
#include <exception>
#include <memory>
#include <thread>

#include "event_log.h"
#include "iis_api.h"
#include "log.h"
#include "module_globals.h"
#include "request_factory.h"
#include "stats_export.h"

namespace {

std::atomic<cs::InstancePool*> g_pool{nullptr};

unsigned instance_count() {
  if (const char* text = std::getenv("CHATSOCKET_INSTANCES")) {
    long count = std::strtol(text, nullptr, 10);
    if (count >= 1 && count <= 256) return static_cast<unsigned>(count);
    cs::log(cs::LogLevel::warning, "CHATSOCKET_INSTANCES=%s is not a count from 1 to 256; using the default", text);
  }
  unsigned cores = std::thread::hardware_concurrency();
  return cores < 2 ? 2 : cores;
}

bool test_hooks_enabled() {
  const char* text = std::getenv("CHATSOCKET_TEST_HOOKS");
  return text && text[0] == '1';
}

}  // namespace

CS_EXPORT HRESULT WINAPI RegisterModule(DWORD server_version, IHttpModuleRegistrationInfo* info, IHttpServer* server) {
  cs::install_event_log();
  try {
    auto globals = std::make_unique<cs::ModuleGlobals>();
    globals->server = server;
    globals->module_id = info->GetId();
    cs::PoolOptions options;
    options.instances = instance_count();
    options.init_flags = test_hooks_enabled() ? static_cast<uint32_t>(cs::INIT_TEST_HOOKS) : 0u;
    globals->pool = std::make_unique<cs::InstancePool>(options);
    if (globals->pool->stats().instances_alive == 0) {
      cs::log(cs::LogLevel::error, "chatsocket could not start its WebSocket handler (see the previous message)");
      return E_FAIL;
    }
    // Ownership passes to IIS only once registration succeeded.
    auto factory = std::make_unique<cs::RequestFactory>(std::move(globals));
    HRESULT hr = info->SetRequestNotifications(factory.get(), RQ_EXECUTE_REQUEST_HANDLER | RQ_SEND_RESPONSE, 0);
    if (FAILED(hr)) {
      cs::log(cs::LogLevel::error, "SetRequestNotifications failed (0x%08x)", static_cast<unsigned>(hr));
      return hr;
    }
    g_pool.store(factory->pool());
    factory.release();
    cs::log(cs::LogLevel::info, "chatsocket loaded (IIS %u, %u handler instances%s)", static_cast<unsigned>(server_version),
            options.instances, options.init_flags ? ", test hooks on" : "");
    return S_OK;
  } catch (const std::exception& error) {
    cs::log(cs::LogLevel::error, "chatsocket failed to load: %s", error.what());
  }
  return E_FAIL;
}

CS_EXPORT uint32_t ChatSocketGetStats(uint64_t* values, uint32_t count) {
  cs::InstancePool* pool = g_pool.load();
  if (!pool || !values) return 0;
  cs::PoolStats stats = pool->stats();
  const uint64_t all[CHATSOCKET_STAT_COUNT] = {stats.connections, stats.traps, stats.rebuilds, stats.instances_alive,
                                               stats.wasm_memory_bytes};
  uint32_t n = count < static_cast<uint32_t>(CHATSOCKET_STAT_COUNT) ? count : static_cast<uint32_t>(CHATSOCKET_STAT_COUNT);
  for (uint32_t i = 0; i < n; ++i) values[i] = all[i];
  return n;
}

namespace cs {
void forget_pool_for_stats() { g_pool.store(nullptr); }
}  // namespace cs
