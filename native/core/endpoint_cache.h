#pragma once
// Endpoint files, read once per version. A version is (physical path, last-write time, size, the site's
// defaults for endpoint files); each gets an endpoint id, which every instance parses the first time it needs it
// (cs_endpoint_create). A changed or vanished file retires its old version: the retire callback lets each instance
// forget that id, while connections already open on it keep their settings. A version that does not parse is remembered
// as failed, with the answer its handshakes get, and is reported once.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "endpoint_file.h"

namespace cs {

// The site's defaults for its endpoint files: the <system.webServer><chatsocket> section that applies to the
// request (web.config or applicationHost.config), as `key = value` lines the Wasm reads under the file's own.
struct SiteDefaults {
  std::string text;
  std::string config_path;  // where IIS found them (MACHINE/WEBROOT/APPHOST/site/...), for log lines
};

class EndpointVersion {
 public:
  EndpointVersion(uint32_t id, std::string path, FileStamp stamp, std::string text, SiteDefaults site = {});

  uint32_t id() const { return id_; }
  // The physical path, UTF-8, for log lines; shared, so that each connection opened on the version can keep it.
  const std::string& path() const { return *path_; }
  const std::shared_ptr<const std::string>& shared_path() const { return path_; }
  const FileStamp& stamp() const { return stamp_; }
  const std::string& text() const { return text_; }
  const SiteDefaults& site() const { return site_; }

  bool failed() const { return failed_.load(); }
  // The body of the 500 every handshake on a failed version gets.
  std::string refusal_body() const;
  // Records why the version cannot serve, and logs it naming the file (or, for abi::EndpointError::kSiteDefaults,
  // the site's section). Only the first call counts; it returns true.
  bool mark_failed(uint32_t line, std::string_view problem);

  bool retired() const { return retired_.load(); }
  void mark_retired() { retired_.store(true); }

 private:
  const uint32_t id_;
  const std::shared_ptr<const std::string> path_;
  const FileStamp stamp_;
  const std::string text_;
  const SiteDefaults site_;
  std::atomic<bool> failed_{false};
  std::atomic<bool> retired_{false};
  mutable std::mutex mutex_;
  std::string refusal_body_;
};

class EndpointCache {
 public:
  // Called (outside the cache's lock) with each version that no new connection will use.
  using RetireFn = std::function<void(EndpointVersion&)>;
  explicit EndpointCache(RetireFn retire) : retire_(std::move(retire)) {}

  // The current version of the file at `utf16_path` under `site`'s defaults, reading the file if it is new or
  // changed (or the defaults are). kOk with a version (a file over kMaxEndpointFileBytes is a failed one), or
  // why there is none.
  EndpointRead find(const char16_t* utf16_path, const SiteDefaults& site, std::shared_ptr<EndpointVersion>& version);
  EndpointRead find(const char16_t* utf16_path, std::shared_ptr<EndpointVersion>& version) {
    return find(utf16_path, SiteDefaults{}, version);
  }

  size_t size() const;

 private:
  void retire(std::shared_ptr<EndpointVersion> version);

  RetireFn retire_;
  mutable std::mutex mutex_;
  std::unordered_map<std::u16string, std::shared_ptr<EndpointVersion>> versions_;
  std::atomic<uint32_t> next_id_{0};
};

}  // namespace cs
