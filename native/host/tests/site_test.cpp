#include <doctest/doctest.h>

#include "site_config.h"
#include "site_path.h"
#include "test_support.h"

using namespace cs::host;

TEST_SUITE("site_config") {
  TEST_CASE("handler paths match file names or whole paths, case-insensitively") {
    HandlerMapping h{"x", "*.chatsocket", "GET", "M", ResourceType::kUnspecified};
    CHECK(path_matches(h, "/rooms/Lobby.CHATSOCKET"));
    CHECK_FALSE(path_matches(h, "/rooms/lobby.chatsocket.txt"));
    HandlerMapping exact{"y", "ping.txt", "*", "M", ResourceType::kUnspecified};
    CHECK(path_matches(exact, "/a/ping.txt"));
    CHECK(wildcard_match("*", ""));
    CHECK(wildcard_match("a*c", "abbbc"));
    CHECK_FALSE(wildcard_match("a*c", "abbb"));
  }

  TEST_CASE("verb lists and the star") {
    CHECK(verb_matches("*", "DELETE"));
    CHECK(verb_matches("GET,HEAD", "HEAD"));
    CHECK(verb_matches("GET, HEAD", "HEAD"));
    CHECK_FALSE(verb_matches("GET,HEAD", "POST"));
  }

  TEST_CASE("web.config handlers come before the inherited StaticFile; clear and remove apply") {
    TempSite site;
    site.write("web.config",
               "<configuration><system.webServer><handlers>"
               "<add name=\"A\" path=\"*.a\" verb=\"GET\" modules=\"M\" resourceType=\"File\"/>"
               "</handlers><webSocket enabled=\"false\"/></system.webServer></configuration>");
    SiteConfig c;
    std::string error;
    REQUIRE(load_site_config(site.path().string(), "", c, error));
    REQUIRE(c.handlers.size() == 2);
    CHECK(c.handlers[0].name == "A");
    CHECK(c.handlers[0].resource_type == ResourceType::kFile);
    CHECK(c.handlers[1].name == "StaticFile");
    CHECK_FALSE(c.websocket_enabled);

    site.write("web.config",
               "<configuration><system.webServer><handlers><clear/>"
               "<add name=\"B\" path=\"*\" verb=\"*\" modules=\"M\"/><remove name=\"B\"/>"
               "</handlers></system.webServer></configuration>");
    REQUIRE(load_site_config(site.path().string(), "", c, error));
    CHECK(c.handlers.empty());
    CHECK(c.websocket_enabled);
  }

  TEST_CASE("<chatsocket> is read against its schema: values or defaults, and IIS's 500.19 for what it refuses") {
    TempSite site;
    site.write("schema.xml",
               "<configSchema><sectionSchema name=\"system.webServer/chatsocket\">"
               "<attribute name=\"size\" type=\"uint\" defaultValue=\"7\" validationType=\"integerRange\" "
               "validationParameter=\"1,10\"/><attribute name=\"on\" type=\"bool\" defaultValue=\"true\"/>"
               "<attribute name=\"list\" type=\"string\"/></sectionSchema></configSchema>");
    std::string schema = (site.path() / "schema.xml").string(), error;
    auto with = [&](const std::string& attributes) {
      site.write("web.config", "<configuration><system.webServer><chatsocket " + attributes +
                                   "/></system.webServer></configuration>");
      SiteConfig c;
      REQUIRE(load_site_config(site.path().string(), schema, c, error));
      return c;
    };
    SiteConfig c = with("size=\"9\" on=\"False\"");
    CHECK(c.config_error.empty());
    REQUIRE(c.chatsocket.size() == 3);
    CHECK(c.chatsocket[0].value == "9");
    CHECK(c.chatsocket[1].value == "false");
    CHECK(c.chatsocket[2].value == "");
    CHECK(with("").chatsocket[0].value == "7");
    CHECK(with("Size=\"9\"").config_error.find("Unrecognized attribute 'Size'") != std::string::npos);
    CHECK(with("size=\"11\"").config_error.find("between 1 and 10") != std::string::npos);
    CHECK(with("on=\"yes\"").config_error.find("not a valid boolean") != std::string::npos);

    SiteConfig without;
    REQUIRE(load_site_config(site.path().string(), "", without, error));
    CHECK(without.config_error.find("missing a section declaration") != std::string::npos);
    CHECK_FALSE(without.has_chatsocket_schema);
  }

  TEST_CASE("a broken web.config is an error that names the file") {
    TempSite site;
    site.write("web.config", "<configuration><system.webServer>");
    SiteConfig c;
    std::string error;
    CHECK_FALSE(load_site_config(site.path().string(), "", c, error));
    CHECK(error.find("web.config") != std::string::npos);
  }
}

TEST_SUITE("site_path") {
  TEST_CASE("paths are decoded and kept inside the site") {
    TempSite site;
    SitePath p;
    REQUIRE(resolve_site_path("/sub/./notes%2Etxt", site.path(), p) == 0);
    CHECK(p.url_path == "/sub/notes.txt");
    CHECK(p.physical == site.path() / "sub" / "notes.txt");
    REQUIRE(resolve_site_path("/sub/../data.txt", site.path(), p) == 0);
    CHECK(p.url_path == "/data.txt");
  }

  TEST_CASE("escaping the root, NUL, backslashes and bad escapes are 400") {
    TempSite site;
    SitePath p;
    CHECK(resolve_site_path("/../etc/passwd", site.path(), p) == 400);
    CHECK(resolve_site_path("/%2e%2e/x", site.path(), p) == 400);
    CHECK(resolve_site_path("/a%00b", site.path(), p) == 400);
    CHECK(resolve_site_path("/a%5cb", site.path(), p) == 400);
    CHECK(resolve_site_path("/a\\b", site.path(), p) == 400);
    CHECK(resolve_site_path("/a%zz", site.path(), p) == 400);
    CHECK(resolve_site_path("/a%2", site.path(), p) == 400);
  }

  TEST_CASE("request filtering hides segments and extensions with 404") {
    TempSite site;
    SitePath p;
    CHECK(resolve_site_path("/web.config", site.path(), p) == 404);
    CHECK(resolve_site_path("/WEB.CONFIG", site.path(), p) == 404);
    CHECK(resolve_site_path("/bin/secret.txt", site.path(), p) == 404);
    CHECK(resolve_site_path("/app_data/db.txt", site.path(), p) == 404);
    CHECK(resolve_site_path("/x/settings.config", site.path(), p) == 404);
    CHECK(resolve_site_path("/a%2541", site.path(), p) == 404);  // double escaping
  }

  TEST_CASE("a symlink out of the site is 404") {
    TempSite site;
    std::filesystem::create_directory_symlink("/etc", site.path() / "escape");
    SitePath p;
    CHECK(resolve_site_path("/escape/hostname", site.path(), p) == 404);
  }
}
