#include <doctest/doctest.h>

#include <string>

#include "url_cache.h"

using namespace cs::host;

namespace {

SitePath site_path(const std::string& url) { return {url, std::filesystem::path("/srv/site") / url.substr(1)}; }
std::u16string meta_path(const UrlInfo& url) { return url.metadata.GetMetaPath(); }

}  // namespace

TEST_SUITE("url_cache") {
  TEST_CASE("requests for one URL share what the host knows of it; another URL has its own") {
    Stats stats;
    UrlCache cache(stats);
    auto lobby = cache.get(site_path("/chat/lobby.chatsocket"));
    auto again = cache.get(site_path("/chat/lobby.chatsocket"));
    auto echo = cache.get(site_path("/echo.chatsocket"));
    CHECK((lobby == again));
    CHECK((lobby != echo));
    CHECK(lobby->url_path == "/chat/lobby.chatsocket");
    CHECK(lobby->physical == "/srv/site/chat/lobby.chatsocket");
    CHECK(lobby->physical16 == u"/srv/site/chat/lobby.chatsocket");
    CHECK(meta_path(*lobby) == std::u16string(kSiteConfigPath) + u"/chat/lobby.chatsocket");
    CHECK(meta_path(*echo) == std::u16string(kSiteConfigPath) + u"/echo.chatsocket");
    CHECK(meta_path(*cache.get(site_path("/"))) == kSiteConfigPath);
  }

  TEST_CASE("an entry no request holds is made anew, and such entries are swept as the map grows") {
    Stats stats;
    UrlCache cache(stats);
    std::weak_ptr<UrlInfo> gone = cache.get(site_path("/a.chatsocket"));
    CHECK(gone.expired());
    CHECK((cache.get(site_path("/a.chatsocket")) != nullptr));

    auto kept = cache.get(site_path("/kept.chatsocket"));
    for (int i = 0; i < 1000; ++i) cache.get(site_path("/" + std::to_string(i) + ".chatsocket"));
    CHECK(cache.size() < 200);  // a thousand URLs visited once leave no thousand entries behind
    CHECK((cache.get(site_path("/kept.chatsocket")) == kept));
  }
}
