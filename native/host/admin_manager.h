#pragma once
// IIS's configuration API (ahadmin.h) as the host offers it through IHttpServer::GetAdminManager. Its
// GetAdminSection knows one section, <system.webServer><chatsocket>, at a config path under the site
// (kSiteConfigPath, then the URL): the site root's web.config and each sub-folder's on the way, checked
// against the schema (site_config.h). Other sections are ERROR_NOT_FOUND, and so is this one when no schema
// is installed, as on IIS. The objects it hands out are reference-counted as COM's; the module releases them.
#include <atomic>

#include "httpserv_stubs.h"
#include "site_config.h"
#include "stats.h"

namespace cs::host {

// The config path of the site's root; a URL's is this followed by the URL path.
constexpr char16_t kSiteConfigPath[] = u"MACHINE/WEBROOT/APPHOST/Default Web Site";

class HostAdminManager final : public IAppHostAdminManager {
 public:
  explicit HostAdminManager(Stats& stats) : stats_(stats) {}
  void set_site(const SiteConfig* site, std::string site_dir) {
    site_ = site;
    site_dir_ = std::move(site_dir);
  }

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
  std::string site_dir_;
};

// IHttpContext::GetMetadata: the request's config path, kSiteConfigPath and the URL path.
class HostMetadata final : public CsStubIMetadataInfo<HostMetadata> {
 public:
  HostMetadata(Stats& stats, const std::string& url_path);
  void not_implemented(const char* method) const { stats_.not_implemented(method); }
  PCWSTR GetMetaPath() const override { return path_.c_str(); }

 private:
  Stats& stats_;
  std::u16string path_;
};

}  // namespace cs::host
