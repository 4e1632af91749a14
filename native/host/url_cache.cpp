#include "url_cache.h"

#include <algorithm>

#include "utf16.h"

namespace cs::host {

UrlInfo::UrlInfo(Stats& stats, const SitePath& path)
    : url_path(path.url_path),
      physical(path.physical.string()),
      physical16(utf8_to_utf16(physical)),
      metadata(stats, url_path) {}

std::shared_ptr<UrlInfo> UrlCache::get(const SitePath& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = entries_.find(path.url_path);
  if (found != entries_.end()) {
    if (auto held = found->second.lock()) return held;
  }
  auto made = std::make_shared<UrlInfo>(stats_, path);
  if (found != entries_.end()) {
    found->second = made;
    return made;
  }
  if (entries_.size() >= sweep_at_) {
    for (auto it = entries_.begin(); it != entries_.end();) it = it->second.expired() ? entries_.erase(it) : ++it;
    sweep_at_ = std::max(kSweepAtLeast, entries_.size() * 2);
  }
  entries_.emplace(path.url_path, made);
  return made;
}

size_t UrlCache::size() {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace cs::host
