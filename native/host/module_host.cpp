#include "module_host.h"

#include <dlfcn.h>

#include <chrono>

#include "log.h"
#include "module_calls.h"
#include "request_interfaces.h"
#include "utf16.h"

namespace cs::host {

HRESULT HostServer::GetExtendedInterface(HTTP_SERVER_INTERFACE_VERSION version, PVOID* ppInterface) {
  if (!ppInterface) return E_INVALIDARG;
  if (version == HTTP_SERVER_INTERFACE_V2) {
    *ppInterface = static_cast<IHttpServer2*>(this);
    return S_OK;
  }
  *ppInterface = nullptr;
  return E_NOINTERFACE;
}

HRESULT HostServer::GetExtendedInterface(const GUID& Version1, PVOID pInput, const GUID& Version2, PVOID* ppOutput) {
  if (!ppOutput) return E_INVALIDARG;
  *ppOutput = nullptr;
  return query_request_interface(Version1, pInput, Version2, ppOutput);
}

class ModuleHost::Registration final : public CsStubIHttpModuleRegistrationInfo<Registration> {
 public:
  Registration(ModuleHost& host, const std::string& name) : host_(host), name_(utf8_to_utf16(name)) {}
  void not_implemented(const char* method) const { host_.stats_.not_implemented(method); }

  PCWSTR GetName() const override { return name_.c_str(); }
  HTTP_MODULE_ID GetId() const override { return host_.module_id(); }
  HRESULT SetRequestNotifications(IHttpModuleFactory* factory, DWORD request, DWORD post) override {
    if (!factory) return E_INVALIDARG;
    if (host_.factory_) return HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS);
    host_.factory_ = factory;
    host_.request_mask_ = request;
    host_.post_mask_ = post;
    return S_OK;
  }
  HRESULT SetGlobalNotifications(CGlobalModule* module, DWORD mask) override {
    if (!module) return E_INVALIDARG;
    if (host_.global_module_) return HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS);
    host_.global_module_ = module;
    host_.global_mask_ = mask;
    if (mask & ~static_cast<DWORD>(GL_STOP_LISTENING))
      log(LogLevel::kWarning,
          "module subscribed to global notifications 0x%s; this host delivers only GL_STOP_LISTENING",
          hex32(mask).c_str());
    return S_OK;
  }
  HRESULT SetPriorityForRequestNotification(DWORD, PCWSTR) override { return S_OK; }
  HRESULT SetPriorityForGlobalNotification(DWORD, PCWSTR) override { return S_OK; }

 private:
  ModuleHost& host_;
  std::u16string name_;
};

namespace {

// What IIS hands OnGlobalStopListening. The host's stop() drains requests for a bounded time, as an app pool
// recycle does, so DrainRequestsGracefully is TRUE.
class StopListeningProvider final : public CsStubIGlobalStopListeningProvider<StopListeningProvider> {
 public:
  explicit StopListeningProvider(Stats& stats) : stats_(stats) {}
  void not_implemented(const char* method) const { stats_.not_implemented(method); }

  BOOL DrainRequestsGracefully() const override { return TRUE; }
  VOID SetErrorStatus(HRESULT error) override {
    log(LogLevel::kWarning, "the module set error 0x%s on GL_STOP_LISTENING", hex32(error).c_str());
  }

 private:
  Stats& stats_;
};

// IIS gives no deadline for a global notification, but one that takes this long holds the whole shutdown up.
constexpr auto kSlowNotification = std::chrono::seconds(1);

}  // namespace

ModuleHost::~ModuleHost() { terminate(); }

void ModuleHost::notify_stop_listening() {
  if (!global_module_ || !(global_mask_ & GL_STOP_LISTENING) || !handle_) return;
  StopListeningProvider provider(stats_);
  CGlobalModule* module = global_module_;
  auto started = std::chrono::steady_clock::now();
  call_module(stats_, "CGlobalModule::OnGlobalStopListening", GL_NOTIFICATION_CONTINUE,
              [&] { return module->OnGlobalStopListening(&provider); });
  auto took = std::chrono::steady_clock::now() - started;
  if (took > kSlowNotification)
    log(LogLevel::kWarning, "OnGlobalStopListening took %lld ms; IIS waits for it before draining requests",
        static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
}

bool ModuleHost::load(const std::string& path, const std::string& module_name, std::string& error) {
  handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char* why = dlerror();
    error = "cannot load module '" + path + "': " + (why ? why : "unknown dlopen error");
    return false;
  }
  auto register_module = reinterpret_cast<PFN_REGISTERMODULE>(dlsym(handle_, MODULE_REGISTERMODULE));
  if (!register_module) {
    error = "module '" + path + "' exports no RegisterModule (extern \"C\", undecorated)";
    dlclose(handle_);
    handle_ = nullptr;
    return false;
  }
  Registration info(*this, module_name);
  HRESULT hr =
      call_module(stats_, "RegisterModule", E_FAIL, [&] { return register_module(kServerVersion, &info, &server_); });
  if (FAILED(hr) || !factory_) {
    error = FAILED(hr) ? "RegisterModule of '" + path + "' failed with HRESULT 0x" + hex32(hr)
                       : "RegisterModule of '" + path + "' subscribed to no request notifications";
    terminate();
    return false;
  }
  get_stats_ = reinterpret_cast<GetStatsFn>(dlsym(handle_, kStatsExport));
  arm_fault_ = reinterpret_cast<ArmFaultFn>(dlsym(handle_, kArmFaultExport));
  if (!(request_mask_ & RQ_EXECUTE_REQUEST_HANDLER))
    log(LogLevel::kWarning,
        "module did not subscribe to RQ_EXECUTE_REQUEST_HANDLER; mapped requests will get no handler");
  if (post_mask_) log(LogLevel::kWarning, "post-notifications requested; this host delivers none");
  log(LogLevel::kInfo, "module '%s' registered, notifications 0x%s", module_name.c_str(), hex32(request_mask_).c_str());
  return true;
}

bool ModuleHost::module_stats(std::array<uint64_t, kModuleStatCount>& out) const {
  if (!get_stats_ || !handle_) return false;
  out.fill(0);
  return get_stats_(out.data(), static_cast<uint32_t>(out.size())) > 0;
}

bool ModuleHost::arm_module_fault(uint32_t point, uint32_t skip) const {
  return arm_fault_ && handle_ && arm_fault_(point, skip) != 0;
}

// IIS documents no order between the two Terminate calls; a module must not rely on one.
void ModuleHost::terminate() {
  get_stats_ = nullptr;
  arm_fault_ = nullptr;
  if (factory_) {
    IHttpModuleFactory* factory = factory_;
    call_module(stats_, "IHttpModuleFactory::Terminate", 0, [factory] { return factory->Terminate(), 0; });
    factory_ = nullptr;
  }
  if (global_module_) {
    CGlobalModule* module = global_module_;
    call_module(stats_, "CGlobalModule::Terminate", 0, [module] { return module->Terminate(), 0; });
    global_module_ = nullptr;
    global_mask_ = 0;
  }
  if (handle_) {
    dlclose(handle_);
    handle_ = nullptr;
  }
}

}  // namespace cs::host
