// The host as a web server: static files, request filtering, handler routing, limits.
#include <doctest/doctest.h>

#include "host.h"
#include "test_support.h"

using namespace cs::host;

namespace {
struct RunningHost {
  explicit RunningHost(const TempSite& site, CompletionMode mode = CompletionMode::kMixed) {
    std::string error;
    REQUIRE_MESSAGE(host.start(test_options(site, mode), error), error);
  }
  ~RunningHost() { host.stop(); }
  uint16_t port() const { return host.port(); }
  Host host;
};
}  // namespace

TEST_SUITE("host static files") {
  TEST_CASE("files, default documents, folders without one, missing files") {
    TempSite site;
    RunningHost h(site);
    CHECK(h.port() != 0);

    HttpReply home = get(h.port(), "/");
    CHECK(home.status == 200);
    CHECK(home.body == "<h1>home</h1>");
    CHECK(home.headers["content-type"] == "text/html");
    CHECK(home.headers.count("date") == 1);
    CHECK(home.headers.count("server") == 1);

    HttpReply data = get(h.port(), "/data.txt?x=1");
    CHECK(data.status == 200);
    CHECK(data.body == "plain data");
    CHECK(data.headers["content-type"] == "text/plain");

    CHECK(get(h.port(), "/docs/").body == "docs home");
    HttpReply redirect = get(h.port(), "/docs");
    CHECK(redirect.status == 301);
    CHECK(redirect.headers["location"] == "/docs/");
    CHECK(get(h.port(), "/sub/").status == 403);
    CHECK(get(h.port(), "/missing.txt").status == 404);
    CHECK(get(h.port(), "/weird.unknownext").status == 404);  // no MIME map, as IIS's 404.3
  }

  TEST_CASE("HEAD has the length and no body; other verbs are 405") {
    TempSite site;
    RunningHost h(site);
    HttpReply head = get(h.port(), "/data.txt", "HEAD");
    CHECK(head.status == 200);
    CHECK(head.headers["content-length"] == "10");
    CHECK(head.raw.substr(head.raw.find("\r\n\r\n") + 4).empty());
    CHECK(get(h.port(), "/data.txt", "POST").status == 405);
    CHECK(get(h.port(), "/data.txt", "DELETE").status == 405);
  }

  TEST_CASE("traversal and filtering answer as IIS does") {
    TempSite site;
    RunningHost h(site);
    CHECK(get(h.port(), "/../etc/passwd").status == 400);
    CHECK(get(h.port(), "/%2e%2e/%2e%2e/etc/passwd").status == 400);
    CHECK(get(h.port(), "/data%00.txt").status == 400);
    CHECK(get(h.port(), "/sub%5cnotes.txt").status == 400);
    CHECK(get(h.port(), "/web.config").status == 404);
    CHECK(get(h.port(), "/bin/secret.txt").status == 404);
    CHECK(get(h.port(), "/App_Data/db.txt").status == 404);
  }

  TEST_CASE("malformed and oversized heads get 400 and 431 and the connection closes") {
    TempSite site;
    RunningHost h(site);
    CHECK(http_exchange(h.port(), "NONSENSE\r\n\r\n").status == 400);
    CHECK(http_exchange(h.port(), "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(9000, 'a') + "\r\n\r\n").status ==
          431);
  }

  TEST_CASE("keep-alive serves several requests on one connection, skipping unread bodies") {
    TempSite site;
    RunningHost h(site);
    HttpReply r = http_exchange(h.port(),
                                "GET /data.txt HTTP/1.1\r\nHost: h\r\n\r\n"
                                "POST /data.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
                                "GET /sub/notes.txt HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    CHECK(r.status == 200);
    CHECK(r.raw.find("405 Method Not Allowed") != std::string::npos);
    CHECK(r.raw.find("notes") != std::string::npos);
    CHECK(r.raw.find("hello") == std::string::npos);
  }

  TEST_CASE("the handler mapping routes *.testmod to the module, other verbs to StaticFile") {
    TempSite site;
    site.write("file.testmod", "a file the module shadows");
    RunningHost h(site);
    HttpReply mod = get(h.port(), "/any/where/hello.testmod");
    CHECK(mod.status == 200);
    CHECK(mod.body == "hello from the module");
    CHECK(get(h.port(), "/file.testmod").status == 404);  // the module answers 404 for unknown names
    // verb="GET" only: a POST falls through to StaticFile (resourceType Either, GET/HEAD only)
    CHECK(get(h.port(), "/file.testmod", "POST").status == 405);
    CHECK(get(h.port(), "/hello.testmod", "POST").status == 404);
  }

  TEST_CASE("start fails clearly for a missing module, site or a bad web.config") {
    TempSite site;
    Host host;
    std::string error;
    HostOptions o = test_options(site);
    o.module_path = "/nonexistent/module.so";
    CHECK_FALSE(host.start(o, error));
    CHECK(error.find("cannot load module") != std::string::npos);

    o = test_options(site);
    o.site_path = "/nonexistent/site";
    CHECK_FALSE(host.start(o, error));
    CHECK(error.find("site folder") != std::string::npos);

    site.write("web.config", "<configuration>");
    o = test_options(site);
    CHECK_FALSE(host.start(o, error));
    CHECK(error.find("web.config") != std::string::npos);
  }
}
