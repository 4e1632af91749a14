// stop() as IIS stops a worker process: SetGlobalNotifications, GL_STOP_LISTENING delivered before anything
// closes, no new connections, a bounded drain, then EOF for what is left, and Terminate for the global module.
#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "host.h"
#include "httpserv_select.h"
#include "test_support.h"

using namespace cs::host;

namespace {

const char* kEchoRequest = "GET /echo.testmod HTTP/1.1\r\nHost: h\r\n\r\n";

struct StoppableHost {
  StoppableHost(const TempSite& site, unsigned drain_ms) {
    HostOptions options = test_options(site);
    options.drain_ms = drain_ms;
    std::string error;
    REQUIRE_MESSAGE(host.start(options, error), error);
    reset_module_counters();
  }
  ~StoppableHost() { host.stop(); }
  Host host;
};

// An upgraded echo connection, checked to work.
void open_echo(Client& client) {
  client.send(kEchoRequest);
  REQUIRE(client.receive_head().rfind("HTTP/1.1 101", 0) == 0);
  client.send("x");
  REQUIRE(client.receive_exactly(1) == "x");
}

bool connection_refused(uint16_t port) {
  try {
    Client probe(port);
    return false;
  } catch (const std::runtime_error&) {
    return true;
  }
}

}  // namespace

TEST_SUITE("host stop") {
  TEST_CASE("SetGlobalNotifications refuses a null module and a second registration, as IIS does") {
    TempSite site;
    StoppableHost h(site, 0);
    TestRegistration r = module_registration();
    CHECK(r.null_global_result == E_INVALIDARG);
    CHECK(r.second_global_result == HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS));
    CHECK(h.host.stats().not_implemented == 0);
  }

  TEST_CASE("GL_STOP_LISTENING comes first; then no new connection, no idle keep-alive, requests drain") {
    TempSite site;
    auto h = std::make_unique<StoppableHost>(site, 30000);
    ModuleReference keep_loaded;  // so that its counters survive the host's dlclose
    uint16_t port = h->host.port();
    Client echo(port);
    open_echo(echo);
    Client idle(port);
    idle.send("GET /hello.testmod HTTP/1.1\r\nHost: h\r\n\r\n");  // keep-alive: stays open afterwards
    CHECK(idle.receive_head().rfind("HTTP/1.1 200", 0) == 0);

    auto started = std::chrono::steady_clock::now();
    std::thread stopping([&] { h->host.stop(); });
    REQUIRE(eventually([] { return module_counters().stop_listening_calls == 1; }));
    TestModuleCounters notified = module_counters();
    CHECK(notified.eof_reads_at_notice == 0);  // told while its requests were still whole
    CHECK(notified.drained_gracefully == 1);
    CHECK(idle.wait_closed());
    CHECK(eventually([&] { return connection_refused(port); }));
    echo.send("y");  // the request in flight goes on while the host drains
    CHECK(echo.receive_exactly(1) == "y");

    echo.close();  // the module ends it (EOF): the drain is over long before its 30 s
    stopping.join();
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(20));
    TestModuleCounters m = module_counters();
    CHECK(m.stop_listening_calls == 1);
    CHECK(m.eof_reads == 1);
    CHECK(m.global_terminations == 1);
    CHECK(m.modules_created == m.modules_disposed);
  }

  TEST_CASE("a request that does not end by itself gets EOF once the drain time is over") {
    TempSite site;
    auto h = std::make_unique<StoppableHost>(site, 200);
    ModuleReference keep_loaded;
    Client c(h->host.port());
    open_echo(c);
    CHECK(h->host.stats().active_requests == 1);
    h->host.stop();
    CHECK_FALSE(h->host.running());
    TestModuleCounters m = module_counters();
    CHECK(m.stop_listening_calls == 1);
    CHECK(m.eof_reads == 1);
    CHECK(m.modules_created == m.modules_disposed);
    CHECK(m.global_terminations == 1);
    CHECK(c.wait_closed());
  }

  TEST_CASE("stop() returns at once when nothing is open") {
    TempSite site;
    auto h = std::make_unique<StoppableHost>(site, 30000);
    CHECK(get(h->host.port(), "/hello.testmod").status == 200);
    auto started = std::chrono::steady_clock::now();
    h->host.stop();
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
  }
}
