#pragma once
// Every backplane this server uses: the server's own (CHATSOCKET_REDIS) and those endpoint files name
// (`backplane = redis://…`), each opened at the first room that needs it and kept until the pool goes.
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "backplane.h"

namespace cs {

class Backplanes {
 public:
  Backplanes(std::string default_url, std::string prefix, BackplaneListener& listener);
  ~Backplanes();  // stops every backplane's threads

  // The backplane `url` names ("": the server's own); null when there is none, or it cannot be used (logged
  // once per URL). Throws std::bad_alloc.
  Backplane* get(const std::string& url);
  // The members every backplane knows other servers have in `channel` (see Backplane::remote_members).
  uint32_t remote_members(const std::string& channel, std::string* records) const;
  // All backplanes together; `connected` when every one is.
  BackplaneStats stats() const;

 private:
  const std::string default_url_;
  const std::string prefix_;
  BackplaneListener& listener_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Backplane>> open_;
  std::set<std::string> unusable_;
};

}  // namespace cs
