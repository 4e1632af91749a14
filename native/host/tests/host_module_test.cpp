// The host as IIS for a module: request lifetime, completion kinds and threads, EOF, violations,
// the webSocket switch and the opaque flag.
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "host.h"
#include "test_support.h"

using namespace cs::host;

namespace {

struct RunningHost {
  explicit RunningHost(const TempSite& site, CompletionMode mode = CompletionMode::kMixed) {
    std::string error;
    REQUIRE_MESSAGE(host.start(test_options(site, mode), error), error);
    reset_module_counters();
  }
  ~RunningHost() { host.stop(); }
  uint16_t port() const { return host.port(); }
  StatsSnapshot stats() const { return host.stats(); }
  Host host;
};

const char* kEchoRequest = "GET /echo.testmod HTTP/1.1\r\nHost: h\r\n\r\n";

uint64_t completions(const StatsSnapshot& s, OpType op, CompletionKind kind) {
  return s.completions[static_cast<int>(op)][static_cast<int>(kind)];
}

// Opens an upgraded echo connection, sends bursts, checks the echo, closes.
void echo_session(uint16_t port, int bursts) {
  Client c(port);
  c.send(kEchoRequest);
  std::string head = c.receive_head();
  CHECK_MESSAGE(head.rfind("HTTP/1.1 101", 0) == 0, head);
  if (head.rfind("HTTP/1.1 101", 0) != 0) return;
  for (int i = 0; i < bursts; ++i) {
    std::string burst = "burst " + std::to_string(i) + " " + std::string(40, 'a' + (i % 26)) + "\n";
    c.send(burst);
    CHECK(c.receive_exactly(burst.size()) == burst);
  }
}

}  // namespace

TEST_SUITE("host module semantics") {
  TEST_CASE("a request is freed and disposed after a non-PENDING status") {
    TempSite site;
    RunningHost h(site);
    for (int i = 0; i < 5; ++i) CHECK(get(h.port(), "/hello.testmod").body == "hello from the module");
    CHECK(eventually([&] { return h.stats().active_requests == 0; }));
    TestModuleCounters m = module_counters();
    CHECK(m.modules_created == m.modules_disposed);
    CHECK(m.modules_created >= 5);
  }

  TEST_CASE("header server variables: one per name in arrival order, repeats joined with a comma") {
    TempSite site;
    RunningHost h(site);
    auto variable = [&](const std::string& name) {
      return http_exchange(h.port(), "GET /variable.testmod?" + name +
                                         " HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nUser-Agent: t\r\nx-a: 2\r\n"
                                         "Connection: close\r\n\r\n");
    };
    CHECK(variable("ALL_HTTP").body == "HTTP_HOST:h\nHTTP_X_A:1, 2\nHTTP_USER_AGENT:t\nHTTP_CONNECTION:close\n");
    CHECK(variable("HTTP_X_A").body == "1, 2");
    CHECK(variable("HTTP_USER_AGENT").body == "t");
    CHECK(variable("ALL_RAW").body == "Host: h\r\nX-A: 1\r\nUser-Agent: t\r\nx-a: 2\r\nConnection: close\r\n");
    CHECK(variable("HTTP_MISSING").status == 404);
  }

  TEST_CASE("OnSendResponse is called for every request, static ones too") {
    TempSite site;
    RunningHost h(site);
    CHECK(get(h.port(), "/data.txt").status == 200);
    CHECK(get(h.port(), "/missing.txt").status == 404);
    CHECK(eventually([&] { return module_counters().send_response_calls == 2; }));
    CHECK(eventually([&] { return module_counters().modules_disposed == 2; }));
  }

  TEST_CASE("PostCompletion re-enters OnAsyncCompletion on a pool thread with the byte count") {
    TempSite site;
    RunningHost h(site);
    for (int i = 0; i < 20; ++i) CHECK(get(h.port(), "/post.testmod").body == "posted 7");
    StatsSnapshot s = h.stats();
    CHECK(completions(s, OpType::kPost, CompletionKind::kBeforeReturn) +
              completions(s, OpType::kPost, CompletionKind::kAfterReturn) ==
          20);
    CHECK(completions(s, OpType::kPost, CompletionKind::kSync) == 0);
    TestModuleCounters m = module_counters();
    CHECK(m.callbacks_off_pool == 0);
    CHECK(m.callbacks_on_issuing_thread == 0);
    CHECK(h.stats().violations == 0);
  }

  TEST_CASE("an upgraded connection echoes; peer close gives the module ERROR_HANDLE_EOF") {
    TempSite site;
    RunningHost h(site);
    echo_session(h.port(), 10);
    CHECK(eventually([&] { return module_counters().eof_reads == 1; }));
    CHECK(eventually([&] { return h.stats().active_requests == 0; }));
    StatsSnapshot s = h.stats();
    CHECK(s.upgrades_total == 1);
    CHECK(eventually([&] { return h.stats().upgraded_connections == 0; }));
    CHECK(s.violations == 0);
    TestModuleCounters m = module_counters();
    CHECK(m.bytes_echoed > 0);
    CHECK(m.modules_created == m.modules_disposed);
  }

  TEST_CASE("mixed mode delivers all three kinds for reads, writes and flushes, on the right threads") {
    TempSite site;
    RunningHost h(site, CompletionMode::kMixed);
    std::vector<std::thread> sessions;
    for (int i = 0; i < 24; ++i) sessions.emplace_back([&] { echo_session(h.port(), 12); });
    for (auto& t : sessions) t.join();
    CHECK(eventually([&] { return h.stats().active_requests == 0; }));
    StatsSnapshot s = h.stats();
    for (OpType op : {OpType::kRead, OpType::kWrite, OpType::kFlush}) {
      CAPTURE(op_name(op));
      CHECK(completions(s, op, CompletionKind::kSync) > 0);
      CHECK(completions(s, op, CompletionKind::kBeforeReturn) > 0);
      CHECK(completions(s, op, CompletionKind::kAfterReturn) > 0);
    }
    TestModuleCounters m = module_counters();
    CHECK(m.sync_completions > 0);
    CHECK(m.callbacks > 0);
    CHECK(m.callbacks_off_pool == 0);           // every callback on a pool thread
    CHECK(m.callbacks_on_issuing_thread == 0);  // never inside the issuing call's own thread
    CHECK(m.callbacks_for_sync_ops == 0);       // a sync completion never also calls back
    CHECK(m.eof_reads == 24);
    CHECK(s.violations == 0);
    CHECK(m.modules_created == m.modules_disposed);
  }

  TEST_CASE("forced modes give only their kind to results available at once") {
    for (CompletionMode mode : {CompletionMode::kSync, CompletionMode::kBeforeReturn, CompletionMode::kAfterReturn}) {
      CAPTURE(completion_mode_name(mode));
      TempSite site;
      RunningHost h(site, mode);
      for (int i = 0; i < 3; ++i) echo_session(h.port(), 5);
      CHECK(eventually([&] { return h.stats().active_requests == 0; }));
      StatsSnapshot s = h.stats();
      // flushes always complete at once (small heads on an idle socket)
      CHECK(completions(s, OpType::kFlush, CompletionKind::kSync) == (mode == CompletionMode::kSync ? 3u : 0u));
      CHECK(completions(s, OpType::kFlush, CompletionKind::kBeforeReturn) ==
            (mode == CompletionMode::kBeforeReturn ? 3u : 0u));
      CHECK(completions(s, OpType::kFlush, CompletionKind::kAfterReturn) ==
            (mode == CompletionMode::kAfterReturn ? 3u : 0u));
      // An after-return completion stays on the I/O thread that issued it, as a completion port hands it to the
      // issuer once that thread waits again; before-return needs another thread by definition.
      CHECK(module_counters().flushes_on_issuing_thread == (mode == CompletionMode::kAfterReturn ? 3 : 0));
      CHECK(s.violations == 0);
      TestModuleCounters m = module_counters();
      CHECK(m.callbacks_off_pool == 0);
      CHECK(m.callbacks_on_issuing_thread == 0);
    }
  }

  TEST_CASE("CancelIo completes a pending read with ERROR_OPERATION_ABORTED") {
    TempSite site;
    RunningHost h(site);
    Client c(h.port());
    c.send("GET /cancel.testmod HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(c.receive_head().rfind("HTTP/1.1 101", 0) == 0);
    CHECK(c.wait_closed());
    CHECK(eventually([&] { return h.stats().active_requests == 0; }));
    TestModuleCounters m = module_counters();
    CHECK(m.cancelled_reads == 1);
    CHECK(m.failed_calls == 0);
    CHECK(h.stats().violations == 0);
  }

  TEST_CASE("breaking the I/O rules is refused and counted; a late completion is dropped, not delivered") {
    TempSite site;
    RunningHost h(site);
    Client c(h.port());
    c.send("GET /misbehave.testmod HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(c.receive_head().rfind("HTTP/1.1 101", 0) == 0);
    CHECK(c.wait_closed());
    CHECK(eventually([&] { return h.stats().active_requests == 0; }));
    CHECK(eventually([&] { return h.stats().dropped_completions == 1; }));
    StatsSnapshot s = h.stats();
    CHECK(s.violations == 3);  // second read, write without full duplex, finish with the read out
    CHECK(s.last_violation.find("outstanding") != std::string::npos);
    TestModuleCounters m = module_counters();
    CHECK(m.failed_calls == 0);
    CHECK(m.callbacks == 0);  // the orphaned read never reached the module
    CHECK(m.modules_created == m.modules_disposed);
  }

  TEST_CASE("a call on a finished request's context is counted as a violation, not a crash") {
    TempSite site;
    RunningHost h(site);
    CHECK(get(h.port(), "/hello.testmod").status == 200);
    CHECK(eventually([&] { return h.stats().active_requests == 0; }));
    CHECK(h.stats().violations == 0);
    REQUIRE(touch_finished_context());
    StatsSnapshot s = h.stats();
    CHECK(s.violations == 1);
    CHECK(s.last_violation.find("IHttpContext::GetRequest") != std::string::npos);
  }

  TEST_CASE("with webSocket disabled and no opaque flag a 101 does not upgrade; reads see EOF") {
    TempSite site(false);
    RunningHost h(site);
    Client c(h.port());
    c.send(kEchoRequest);
    CHECK(c.receive_head().rfind("HTTP/1.1 101", 0) == 0);
    c.send("ignored");
    CHECK(c.wait_closed());
    CHECK(eventually([&] { return h.stats().active_requests == 0; }));
    CHECK(h.stats().upgrades_total == 0);
    TestModuleCounters m = module_counters();
    CHECK(m.eof_reads == 1);
    CHECK(m.bytes_echoed == 0);
  }

  TEST_CASE("with webSocket disabled the opaque flag set in OnSendResponse upgrades") {
    TempSite site(false);
    RunningHost h(site);
    Client c(h.port());
    c.send("GET /echo.testmod?opaque HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(c.receive_head().rfind("HTTP/1.1 101", 0) == 0);
    c.send("through");
    CHECK(c.receive_exactly(7) == "through");
    c.close();
    CHECK(eventually([&] { return h.stats().active_requests == 0; }));
    CHECK(h.stats().upgrades_total == 1);
  }
}
