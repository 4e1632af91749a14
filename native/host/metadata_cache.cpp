#include "metadata_cache.h"

#include <algorithm>

namespace cs::host {

std::shared_ptr<HostMetadata> MetadataCache::get(const std::string& url_path) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = entries_.find(url_path);
  if (found != entries_.end()) {
    if (auto held = found->second.lock()) return held;
  }
  auto made = std::make_shared<HostMetadata>(stats_, url_path);
  if (found != entries_.end()) {
    found->second = made;
    return made;
  }
  if (entries_.size() >= sweep_at_) {
    for (auto it = entries_.begin(); it != entries_.end();) it = it->second.expired() ? entries_.erase(it) : ++it;
    sweep_at_ = std::max(kSweepAtLeast, entries_.size() * 2);
  }
  entries_.emplace(url_path, made);
  return made;
}

size_t MetadataCache::size() {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace cs::host
