#include <doctest/doctest.h>

#include <string>

#include "metadata_cache.h"

using namespace cs::host;

namespace {

std::u16string meta_path(const HostMetadata& metadata) { return metadata.GetMetaPath(); }

}  // namespace

TEST_SUITE("metadata_cache") {
  TEST_CASE("requests for one URL share its metadata; another URL has its own") {
    Stats stats;
    MetadataCache cache(stats);
    auto lobby = cache.get("/chat/lobby.chatsocket");
    auto again = cache.get("/chat/lobby.chatsocket");
    auto echo = cache.get("/echo.chatsocket");
    CHECK((lobby == again));
    CHECK((lobby != echo));
    CHECK(meta_path(*lobby) == std::u16string(kSiteConfigPath) + u"/chat/lobby.chatsocket");
    CHECK(meta_path(*echo) == std::u16string(kSiteConfigPath) + u"/echo.chatsocket");
    CHECK(meta_path(*cache.get("/")) == kSiteConfigPath);
  }

  TEST_CASE("an entry no request holds is made anew, and such entries are swept as the map grows") {
    Stats stats;
    MetadataCache cache(stats);
    std::weak_ptr<HostMetadata> gone = cache.get("/a.chatsocket");
    CHECK(gone.expired());
    CHECK((cache.get("/a.chatsocket") != nullptr));

    auto kept = cache.get("/kept.chatsocket");
    for (int i = 0; i < 1000; ++i) cache.get("/" + std::to_string(i) + ".chatsocket");
    CHECK(cache.size() < 200);  // a thousand URLs visited once leave no thousand entries behind
    CHECK((cache.get("/kept.chatsocket") == kept));
  }
}
