// RegisterModule: the entry point IIS (or our host) calls once when it loads chatsocket.dll/.so.
#include <atomic>
#include <cstdlib>
#include <exception>
#include <memory>

#include "deflate_streams.h"
#include "event_log.h"
#include "fault_injection.h"
#include "going_away_module.h"
#include "iis_api.h"
#include "log.h"
#include "module_globals.h"
#include "module_heap.h"
#include "module_settings.h"
#include "module_exports.h"
#include "request_factory.h"
#include "shared_bytes.h"

namespace {

std::atomic<cs::InstancePool*> g_pool{nullptr};
std::atomic<bool> g_test_hooks{false};

}  // namespace

CS_EXPORT HRESULT WINAPI RegisterModule(DWORD server_version, IHttpModuleRegistrationInfo* info, IHttpServer* server) {
  cs::install_event_log();
  try {
    auto globals = std::make_shared<cs::ModuleGlobals>();
    globals->server = server;
    globals->module_id = info->GetId();
    cs::ModuleSettings settings = cs::read_module_settings();
    cs::set_log_level(settings.log_level);
    const cs::PoolOptions& options = settings.pool;
    g_test_hooks.store(settings.test_hooks);
    globals->pool = std::make_unique<cs::InstancePool>(options);
    if (globals->pool->stats().instances_alive == 0) {
      cs::log(cs::LogLevel::kError, "chatsocket could not start its WebSocket handler (see the previous message)");
      return E_FAIL;
    }
    // Ownership passes to IIS only once registration succeeded.
    auto factory = std::make_unique<cs::RequestFactory>(globals);
    HRESULT hr = info->SetRequestNotifications(factory.get(), RQ_EXECUTE_REQUEST_HANDLER | RQ_SEND_RESPONSE, 0);
    if (FAILED(hr)) {
      cs::log(cs::LogLevel::kError, "SetRequestNotifications failed (0x%08x)", static_cast<unsigned>(hr));
      return hr;
    }
    g_pool.store(factory->pool());
    factory.release();
    cs::subscribe_going_away(info, globals);
    cs::log(cs::LogLevel::kInfo, "chatsocket loaded (IIS %u, %u handler instances%s)",
            static_cast<unsigned>(server_version), options.instances, settings.test_hooks ? ", test hooks on" : "");
    return S_OK;
  } catch (const std::exception& error) {
    cs::log(cs::LogLevel::kError, "chatsocket failed to load: %s", error.what());
  } catch (...) {
    cs::log(cs::LogLevel::kError, "chatsocket failed to load: unknown exception");
  }
  return E_FAIL;
}

CS_EXPORT uint32_t ChatSocketGetStats(uint64_t* values, uint32_t count) {
  cs::InstancePool* pool = g_pool.load();
  if (!pool || !values) return 0;
  cs::PoolStats stats = pool->stats();
  const uint64_t all[static_cast<uint32_t>(cs::ModuleStat::kClosed1000)] = {stats.connections,
                                                                            stats.traps,
                                                                            stats.rebuilds,
                                                                            stats.instances_alive,
                                                                            stats.wasm_memory_bytes,
                                                                            stats.endpoint_versions,
                                                                            stats.native_failures,
                                                                            stats.processes,
                                                                            stats.rooms.rooms,
                                                                            stats.rooms.members,
                                                                            stats.rooms.delivered,
                                                                            stats.rooms.dropped,
                                                                            stats.rooms.evicted,
                                                                            cs::SharedBytes::live_bytes(),
                                                                            cs::zlib_bytes(),
                                                                            stats.backplane.connected ? 1u : 0u,
                                                                            stats.backplane.published,
                                                                            stats.backplane.received,
                                                                            stats.backplane.lost,
                                                                            stats.connections_opened,
                                                                            stats.messages_in,
                                                                            stats.messages_out,
                                                                            cs::module_heap_bytes(),
                                                                            stats.wasm_resident_bytes};
  static_assert(static_cast<uint32_t>(cs::ModuleStat::kClosed1000) + cs::CloseCounts::kSlots == cs::kModuleStatCount,
                "a stat per close code");
  uint32_t n = count < cs::kModuleStatCount ? count : cs::kModuleStatCount;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t first_close = static_cast<uint32_t>(cs::ModuleStat::kClosed1000);
    values[i] = i < first_close ? all[i] : stats.closes[i - first_close];
  }
  return n;
}

CS_EXPORT uint32_t ChatSocketArmFault(uint32_t point, uint32_t skip) {
  if (!g_test_hooks.load() || point >= static_cast<uint32_t>(cs::FaultPoint::kCount)) return 0;
  cs::arm_fault(static_cast<cs::FaultPoint>(point), skip);
  return 1;
}

namespace cs {
void forget_pool_for_stats() { g_pool.store(nullptr); }
}  // namespace cs
