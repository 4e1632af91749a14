#pragma once
// Loading an IIS module .so the way IIS loads a DLL: dlopen, RegisterModule(version, info, server),
// remember the factory, the global module and the notification masks; Terminate and dlclose at shutdown.
// Of the global notifications only GL_STOP_LISTENING is delivered (at stop()).
#include <array>
#include <cstdint>
#include <string>

#include "admin_manager.h"
#include "httpserv_stubs.h"
#include "module_exports.h"
#include "stats.h"

namespace cs::host {

constexpr DWORD kServerVersion = 10;  // dwServerVersion: the IIS major version we stand in for

class HostServer final : public CsStubIHttpServer2<HostServer> {
 public:
  explicit HostServer(Stats& stats) : stats_(stats), admin_(stats) {}
  void set_site(const SiteConfig* site, std::string site_dir) { admin_.set_site(site, std::move(site_dir)); }
  void not_implemented(const char* method) const { stats_.not_implemented(method); }

  BOOL IsCommandLineLaunch() const override { return FALSE; }
  PCWSTR GetAppPoolName() const override { return u"chatsocket"; }
  HRESULT GetExtendedInterface(HTTP_SERVER_INTERFACE_VERSION version, PVOID* ppInterface) override;
  HRESULT GetExtendedInterface(const GUID& Version1, PVOID pInput, const GUID& Version2, PVOID* ppOutput) override;
  IAppHostAdminManager* GetAdminManager() const override { return const_cast<HostAdminManager*>(&admin_); }

 private:
  Stats& stats_;
  HostAdminManager admin_;
};

class ModuleHost {
 public:
  explicit ModuleHost(Stats& stats) : server_(stats), stats_(stats) {}
  ~ModuleHost();
  bool load(const std::string& path, const std::string& module_name, std::string& error);
  // IIS's GL_STOP_LISTENING: calls the module's OnGlobalStopListening if it subscribed, on this thread.
  void notify_stop_listening();
  void terminate();                             // factory's and global module's Terminate, then dlclose
  void forget_library() { handle_ = nullptr; }  // keep it loaded: objects of it are still alive

  IHttpModuleFactory* factory() const { return factory_; }
  DWORD request_notifications() const { return request_mask_; }
  HTTP_MODULE_ID module_id() const { return const_cast<char*>(&id_tag_); }
  IHttpServer* server() { return &server_; }
  // What IHttpServer::GetAdminManager reads the site's configuration from; before load().
  void set_site(const SiteConfig* site, std::string site_dir) { server_.set_site(site, std::move(site_dir)); }
  // Calls the module's optional ChatSocketGetStats export; false when it has none.
  bool module_stats(std::array<uint64_t, kModuleStatCount>& out) const;
  // Calls the module's optional ChatSocketArmFault export; false when it has none or refused.
  bool arm_module_fault(uint32_t point, uint32_t skip) const;

 private:
  class Registration;
  HostServer server_;
  Stats& stats_;
  void* handle_ = nullptr;
  IHttpModuleFactory* factory_ = nullptr;
  DWORD request_mask_ = 0;
  DWORD post_mask_ = 0;
  CGlobalModule* global_module_ = nullptr;
  DWORD global_mask_ = 0;
  char id_tag_ = 0;
  GetStatsFn get_stats_ = nullptr;
  ArmFaultFn arm_fault_ = nullptr;
};

}  // namespace cs::host
