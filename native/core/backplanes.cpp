#include "backplanes.h"

#include "log.h"

namespace cs {

Backplanes::Backplanes(std::string default_url, std::string prefix, BackplaneListener& listener)
    : default_url_(std::move(default_url)), prefix_(std::move(prefix)), listener_(listener) {
  if (!default_url_.empty()) get("");  // its threads connect from the start, and say so if they cannot
}

Backplanes::~Backplanes() {
  std::map<std::string, std::unique_ptr<Backplane>> open;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    open.swap(open_);
  }
}

Backplane* Backplanes::get(const std::string& url) {
  const std::string& wanted = url.empty() ? default_url_ : url;
  if (wanted.empty()) return nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = open_.find(wanted);
  if (it != open_.end()) return it->second.get();
  if (unusable_.count(wanted)) return nullptr;
  std::string error;
  std::unique_ptr<Backplane> backplane = open_backplane(wanted, prefix_, listener_, error);
  if (!backplane) {
    log(LogLevel::kError, "the backplane %s is not usable (%s): its rooms stay on this server",
        url.empty() ? "of CHATSOCKET_REDIS" : url.c_str(), error.c_str());
    unusable_.insert(wanted);
    return nullptr;
  }
  return open_.emplace(wanted, std::move(backplane)).first->second.get();
}

uint32_t Backplanes::remote_members(const std::string& channel, std::string* records) const {
  std::lock_guard<std::mutex> lock(mutex_);
  uint32_t count = 0;
  for (const auto& [url, backplane] : open_) count += backplane->remote_members(channel, records);
  return count;
}

BackplaneStats Backplanes::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  BackplaneStats all;
  all.connected = !open_.empty();
  for (const auto& [url, backplane] : open_) {
    BackplaneStats one = backplane->stats();
    all.connected = all.connected && one.connected;
    all.published += one.published;
    all.received += one.received;
    all.lost += one.lost;
  }
  return all;
}

}  // namespace cs
