// http.sys's HeaderWait and IdleConnectionTimeout in the host: a head begun and never finished, a connection
// that sends nothing, one kept alive after its response are closed; upgraded ones and 0 (never) are not.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "host.h"
#include "test_support.h"

using namespace cs::host;

namespace {

constexpr unsigned kTimeoutMs = 200;

struct TimedHost {
  TimedHost(const TempSite& site, unsigned header_wait_ms, unsigned idle_ms) {
    HostOptions o = test_options(site);
    o.header_wait_ms = header_wait_ms;
    o.idle_connection_timeout_ms = idle_ms;
    std::string error;
    REQUIRE_MESSAGE(host.start(o, error), error);
  }
  ~TimedHost() { host.stop(); }
  Host host;
};

// Long enough past both timeouts and the check after them that a connection still open was let be.
void outlast_timeouts() { std::this_thread::sleep_for(std::chrono::milliseconds(4 * kTimeoutMs)); }

}  // namespace

TEST_SUITE("host connection timeouts") {
  TEST_CASE("a head begun and not finished within header_wait_ms is closed without an answer") {
    TempSite site;
    TimedHost h(site, kTimeoutMs, 0);
    Client c(h.host.port());
    c.send("GET /data.txt HTTP/1.1\r\nHost: h\r\n");
    CHECK(c.receive_exactly(1).empty());  // nothing sent...
    CHECK(c.wait_closed());               // ...and closed
    CHECK(eventually([&] { return h.host.stats().open_connections == 0; }));
  }

  TEST_CASE("a connection that sends nothing, and one kept alive after its response, are closed when idle") {
    TempSite site;
    TimedHost h(site, 0, kTimeoutMs);
    Client silent(h.host.port());
    CHECK(silent.receive_exactly(1).empty());
    CHECK(silent.wait_closed());

    Client kept(h.host.port());
    kept.send("GET /data.txt HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(kept.receive_head().rfind("HTTP/1.1 200", 0) == 0);
    CHECK(kept.receive_exactly(10) == "plain data");
    CHECK(kept.wait_closed());
  }

  TEST_CASE("an upgraded connection outlives both timeouts") {
    TempSite site;
    TimedHost h(site, kTimeoutMs, kTimeoutMs);
    Client c(h.host.port());
    c.send("GET /echo.testmod HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(c.receive_head().rfind("HTTP/1.1 101", 0) == 0);
    outlast_timeouts();
    c.send("still here\n");
    CHECK(c.receive_exactly(11) == "still here\n");
  }

  TEST_CASE("0 turns both off") {
    TempSite site;
    TimedHost h(site, 0, 0);
    Client idle(h.host.port());
    Client slow(h.host.port());
    slow.send("GET /data.txt HTTP/1.1\r\n");
    outlast_timeouts();
    slow.send("Host: h\r\nConnection: close\r\n\r\n");
    CHECK(slow.receive_head().rfind("HTTP/1.1 200", 0) == 0);
    idle.send("GET /data.txt HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    CHECK(idle.receive_head().rfind("HTTP/1.1 200", 0) == 0);
  }
}
