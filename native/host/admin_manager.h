#pragma once
// IIS's configuration API (ahadmin.h) as the host offers it through IHttpServer::GetAdminManager. Its
// GetAdminSection knows one section, <system.webServer><chatsocket>, as the site's web.config gives it after
// the schema's check (site_config.h); every config path under the site gets the site root's section (the
// host reads no web.config in a sub-folder). Other sections are ERROR_NOT_FOUND, and so is this one when no
// schema is installed, as on IIS. The objects it hands out are reference-counted as COM's; the module
// releases them.
#include <atomic>

#include "httpserv_stubs.h"
#include "site_config.h"
#include "stats.h"

namespace cs::host {

class HostAdminManager final : public IAppHostAdminManager {
 public:
  explicit HostAdminManager(Stats& stats) : stats_(stats) {}
  void set_site(const SiteConfig* site) { site_ = site; }

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** object) override;
  ULONG STDMETHODCALLTYPE AddRef() override { return 1; }  // lives as long as the host's server object
  ULONG STDMETHODCALLTYPE Release() override { return 1; }
  HRESULT STDMETHODCALLTYPE GetAdminSection(BSTR section, BSTR path, IAppHostElement** element) override;
  HRESULT STDMETHODCALLTYPE GetMetadata(BSTR, VARIANT*) override { return not_implemented("GetMetadata"); }
  HRESULT STDMETHODCALLTYPE SetMetadata(BSTR, VARIANT) override { return not_implemented("SetMetadata"); }
  HRESULT STDMETHODCALLTYPE get_ConfigManager(IAppHostConfigManager**) override {
    return not_implemented("get_ConfigManager");
  }

 private:
  HRESULT not_implemented(const char* method);
  Stats& stats_;
  const SiteConfig* site_ = nullptr;
};

// IHttpContext::GetMetadata: the request's config path (the site's; the host has one site).
class HostMetadata final : public CsStubIMetadataInfo<HostMetadata> {
 public:
  explicit HostMetadata(Stats& stats) : stats_(stats) {}
  void not_implemented(const char* method) const { stats_.not_implemented(method); }
  PCWSTR GetMetaPath() const override { return u"MACHINE/WEBROOT/APPHOST/Default Web Site"; }

 private:
  Stats& stats_;
};

}  // namespace cs::host
