#pragma once
// IHttpContext::GetMetadata's objects, one per URL while requests for it are open. IIS keeps a URL's
// metadata in a cache the requests for that URL share; so does the host, so that ten thousand WebSockets on
// one endpoint hold one config path, not ten thousand. An entry goes once its last request has.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "admin_manager.h"
#include "stats.h"

namespace cs::host {

class MetadataCache {
 public:
  explicit MetadataCache(Stats& stats) : stats_(stats) {}
  MetadataCache(const MetadataCache&) = delete;
  MetadataCache& operator=(const MetadataCache&) = delete;

  std::shared_ptr<HostMetadata> get(const std::string& url_path);
  size_t size();  // entries, the expired ones not yet swept among them

 private:
  static constexpr size_t kSweepAtLeast = 64;
  Stats& stats_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::weak_ptr<HostMetadata>> entries_;
  size_t sweep_at_ = kSweepAtLeast;  // expired entries are dropped when the map reaches this size
};

}  // namespace cs::host
