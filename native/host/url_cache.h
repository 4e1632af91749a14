#pragma once
// What the host knows of one URL of the site, shared by the requests for it while any of them is open: ten
// thousand WebSockets on one endpoint hold one copy, not ten thousand. IIS keeps a URL's metadata in a cache
// its requests share in the same way. An entry goes once its last request has.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "admin_manager.h"
#include "site_path.h"
#include "stats.h"

namespace cs::host {

struct UrlInfo {
  UrlInfo(Stats& stats, const SitePath& path);
  const std::string url_path;       // URL, SCRIPT_NAME, PATH_INFO
  const std::string physical;       // PATH_TRANSLATED, SCRIPT_FILENAME
  const std::u16string physical16;  // IHttpContext::GetScriptTranslated
  HostMetadata metadata;            // IHttpContext::GetMetadata
};

class UrlCache {
 public:
  explicit UrlCache(Stats& stats) : stats_(stats) {}
  UrlCache(const UrlCache&) = delete;
  UrlCache& operator=(const UrlCache&) = delete;

  std::shared_ptr<UrlInfo> get(const SitePath& path);
  size_t size();  // entries, the expired ones not yet swept among them

 private:
  static constexpr size_t kSweepAtLeast = 64;
  Stats& stats_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::weak_ptr<UrlInfo>> entries_;  // by url_path: it decides the rest
  size_t sweep_at_ = kSweepAtLeast;  // expired entries are dropped when the map reaches this size
};

}  // namespace cs::host
