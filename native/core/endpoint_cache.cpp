#include "endpoint_cache.h"

#include "abi_constants.h"
#include "log.h"

namespace cs {
namespace {

// One spelling per file. Windows file names are case-insensitive, so /Lobby.chatsocket and /lobby.chatsocket are
// one endpoint there (its rooms, its max_connections); folded for ASCII letters, as URLs of endpoints are.
std::u16string file_identity(const char16_t* path) {
  std::u16string identity(path);
#ifdef _WIN32
  for (char16_t& c : identity)
    if (c >= u'A' && c <= u'Z') c = static_cast<char16_t>(c - u'A' + u'a');
#endif
  return identity;
}

}  // namespace

EndpointVersion::EndpointVersion(uint32_t id, std::string path, FileStamp stamp, std::string text, SiteDefaults site)
    : id_(id),
      path_(std::make_shared<const std::string>(std::move(path))),
      stamp_(stamp),
      text_(std::move(text)),
      site_(std::move(site)) {}

std::string EndpointVersion::refusal_body() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return refusal_body_;
}

bool EndpointVersion::mark_failed(uint32_t line, std::string_view problem) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (failed_.load()) return false;
  if (line == abi::EndpointError::kSiteDefaults) {
    refusal_body_ = "Site settings (<system.webServer><chatsocket> in web.config): " + std::string(problem) + "\n";
    failed_.store(true);
    log(LogLevel::kError,
        "the <system.webServer><chatsocket> section for %s (web.config or applicationHost.config), under endpoint file "
        "%s: %.*s",
        site_.config_path.c_str(), path_->c_str(), static_cast<int>(problem.size()), problem.data());
    return true;
  }
  std::string where = line > 0 ? "Endpoint file, line " + std::to_string(line) + ": " : "Endpoint file: ";
  refusal_body_ = where + std::string(problem) + "\n";
  failed_.store(true);
  // Once per version: the browser sees only 1006 or a 500, so this line is where a user looks.
  if (line > 0) {
    log(LogLevel::kError, "endpoint file %s, line %u: %.*s", path_->c_str(), line, static_cast<int>(problem.size()),
        problem.data());
  } else {
    log(LogLevel::kError, "endpoint file %s: %.*s", path_->c_str(), static_cast<int>(problem.size()), problem.data());
  }
  return true;
}

EndpointRead EndpointCache::find(const char16_t* utf16_path, const SiteDefaults& site,
                                 std::shared_ptr<EndpointVersion>& version) {
  std::u16string key = file_identity(utf16_path);
  FileStamp stamp;
  EndpointRead stat = stat_endpoint_file(utf16_path, stamp);
  if (stat != EndpointRead::kOk) {
    if (stat == EndpointRead::kMissing) {
      std::shared_ptr<EndpointVersion> gone;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = versions_.find(key);
        if (it != versions_.end()) {
          gone = std::move(it->second);
          versions_.erase(it);
        }
      }
      if (gone) retire(std::move(gone));
    }
    return stat;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = versions_.find(key);
    if (it != versions_.end() && it->second->stamp() == stamp && it->second->site().text == site.text) {
      version = it->second;
      return EndpointRead::kOk;
    }
  }

  // New or changed: read it outside the lock. A write between stat and read only costs one more version.
  std::string text;
  EndpointRead read =
      stamp.size > kMaxEndpointFileBytes ? EndpointRead::kTooLarge : read_endpoint_file(utf16_path, text);
  if (read != EndpointRead::kOk && read != EndpointRead::kTooLarge) return read;
  uint32_t id;
  do {
    id = ++next_id_;
  } while (id == 0);
  // Its path is the file's identity: rooms, seats and program caps count per file, not per URL spelling.
  auto fresh = std::make_shared<EndpointVersion>(id, utf16_to_utf8(key.c_str()), stamp, std::move(text), site);
  if (read == EndpointRead::kTooLarge) {
    fresh->mark_failed(0, "larger than " + std::to_string(kMaxEndpointFileBytes) + " bytes.");
  }
  std::shared_ptr<EndpointVersion> old;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& slot = versions_[key];
    if (slot && slot->stamp() == stamp && slot->site().text == site.text) {
      version = slot;  // another handshake read the same version meanwhile
      return EndpointRead::kOk;
    }
    old = std::move(slot);
    slot = fresh;
  }
  if (old) retire(std::move(old));
  version = std::move(fresh);
  return EndpointRead::kOk;
}

void EndpointCache::retire(std::shared_ptr<EndpointVersion> version) {
  version->mark_retired();
  retire_(*version);
}

size_t EndpointCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return versions_.size();
}

}  // namespace cs
