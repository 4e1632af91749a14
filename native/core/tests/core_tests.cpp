// The core driven directly, with the real build/chatsocket.wasm linked in: handshake, echo through the
// write queue, endpoint versions, timers, request values, traps, failures at the import boundary, and many
// connections on several threads.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>

#include "fault_injection.h"
#include "instance_pool.h"
#include "log.h"

using namespace cs;

namespace {

// Endpoint versions made up for the tests (the cache makes them from files; see the EndpointCache cases).
EndpointVersion echo_endpoint(1001, "echo.chatsocket", {}, "kind = echo\n");
EndpointVersion test_endpoint(1002, "trap.chatsocket", {}, "kind = test\n");

// The request behind a handshake, as a server would offer it.
class FakeRequest final : public RequestValues {
 public:
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> variables{{"REMOTE_ADDR", "192.0.2.7"}, {"SERVER_PORT", "8080"}};
  bool header(std::string_view name, std::string& value) override { return find(headers, name, value); }
  bool variable(std::string_view name, std::string& value) override { return find(variables, name, value); }

 private:
  static bool find(const std::vector<std::pair<std::string, std::string>>& list, std::string_view name,
                   std::string& value) {
    for (const auto& entry : list) {
      if (entry.first == name) {
        value = entry.second;
        return true;
      }
    }
    return false;
  }
};

// Log lines, captured while a test needs to see them.
std::mutex g_lines_mutex;
std::vector<std::string> g_lines;
void capture_log() {
  std::lock_guard<std::mutex> lock(g_lines_mutex);
  g_lines.clear();
  set_log_sink([](LogLevel, const char* line) {
    std::lock_guard<std::mutex> hold(g_lines_mutex);
    g_lines.emplace_back(line);
  });
}
size_t lines_containing(const std::string& text) {
  std::lock_guard<std::mutex> lock(g_lines_mutex);
  size_t n = 0;
  for (const auto& line : g_lines) n += line.find(text) != std::string::npos;
  return n;
}

std::string upgrade_head(const std::string& key = "dGhlIHNhbXBsZSBub25jZQ==") {
  return "GET /echo.chatsocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: " +
         key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

std::string header_value(const OpenResult& result, const std::string& name) {
  for (const auto& header : result.headers) {
    if (header.first.size() == name.size()) {
      bool same = true;
      for (size_t i = 0; i < name.size(); ++i) same = same && std::tolower(header.first[i]) == std::tolower(name[i]);
      if (same) return header.second;
    }
  }
  return {};
}

// A client frame: FIN, the opcode, masked with `mask` as RFC 6455 requires of clients.
std::vector<uint8_t> client_frame(uint8_t opcode, const std::string& payload, uint32_t mask = 0x37fa213d) {
  std::vector<uint8_t> frame{static_cast<uint8_t>(0x80 | opcode)};
  size_t n = payload.size();
  if (n < 126) {
    frame.push_back(static_cast<uint8_t>(0x80 | n));
  } else if (n < 65536) {
    frame.push_back(0x80 | 126);
    frame.push_back(static_cast<uint8_t>(n >> 8));
    frame.push_back(static_cast<uint8_t>(n));
  } else {
    frame.push_back(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8)
      frame.push_back(static_cast<uint8_t>(static_cast<uint64_t>(n) >> shift));
  }
  uint8_t key[4] = {static_cast<uint8_t>(mask >> 24), static_cast<uint8_t>(mask >> 16), static_cast<uint8_t>(mask >> 8),
                    static_cast<uint8_t>(mask)};
  frame.insert(frame.end(), key, key + 4);
  for (size_t i = 0; i < n; ++i) frame.push_back(static_cast<uint8_t>(payload[i]) ^ key[i % 4]);
  return frame;
}

std::string drain(Connection& connection) {
  std::string out;
  std::vector<Segment> segments(4096);
  segments.resize(connection.queue().front(segments.data(), segments.size()));
  for (const Segment& segment : segments) {
    out.append(reinterpret_cast<const char*>(segment.data), segment.size);
  }
  connection.wrote(out.size());
  return out;
}

std::string server_text_frame(const std::string& payload) {
  std::string frame{'\x81'};
  if (payload.size() < 126) {
    frame.push_back(static_cast<char>(payload.size()));
  } else {
    frame.push_back(126);
    frame.push_back(static_cast<char>(payload.size() >> 8));
    frame.push_back(static_cast<char>(payload.size()));
  }
  return frame + payload;
}

void quiet_log() {
  set_log_sink([](LogLevel, const char*) {});
}

OpenResult open(InstancePool& pool, EndpointVersion& endpoint, const std::string& head = upgrade_head()) {
  FakeRequest request;
  return pool.open(endpoint, head, request);
}

void send_text(Connection& connection, const std::string& text) {
  auto frame = client_frame(0x1, text);
  connection.received(frame.data(), frame.size());
}

// Waits until the connection's queue holds at least `bytes` (timers fire on the core's own thread).
bool wait_for_bytes(Connection& connection, size_t bytes) {
  for (int i = 0; i < 400 && connection.queue().size() < bytes; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return connection.queue().size() >= bytes;
}

}  // namespace

TEST_CASE("a valid upgrade is accepted with RFC 6455's accept key") {
  InstancePool pool({});
  OpenResult result = open(pool, echo_endpoint);
  REQUIRE(result.status == 101);
  CHECK(header_value(result, "Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  REQUIRE(result.connection);
  CHECK(pool.stats().connections == 1);
  result.connection->closed(abi::ClosedReason::kByPeer);
  CHECK(pool.stats().connections == 0);
}

TEST_CASE("a refused upgrade returns its status and frees the id") {
  InstancePool pool({});
  OpenResult result = open(pool, echo_endpoint, upgrade_head("c2hvcnQ="));
  CHECK(result.status == 400);
  CHECK_FALSE(result.connection);
  CHECK_FALSE(result.body.empty());
  CHECK(pool.stats().connections == 0);
}

TEST_CASE("a text frame is echoed through the write queue, whole or split byte by byte") {
  InstancePool pool({});
  OpenResult result = open(pool, echo_endpoint);
  REQUIRE(result.status == 101);
  Connection& connection = *result.connection;
  auto frame = client_frame(0x1, "hello");
  connection.received(frame.data(), frame.size());
  CHECK(drain(connection) == server_text_frame("hello"));
  for (uint8_t byte : client_frame(0x1, std::string(300, 'z'))) connection.received(&byte, 1);
  CHECK(drain(connection) == server_text_frame(std::string(300, 'z')));
  connection.closed(abi::ClosedReason::kByPeer);
}

TEST_CASE("a close frame is answered with the same code and ends the connection") {
  InstancePool pool({});
  OpenResult result = open(pool, echo_endpoint);
  Connection& connection = *result.connection;
  auto frame = client_frame(0x8, std::string("\x03\xe8", 2));
  connection.received(frame.data(), frame.size());
  CHECK(drain(connection) == std::string("\x88\x02\x03\xe8", 4));
  CHECK(connection.end_requested());
  CHECK_FALSE(connection.abort_requested());
  connection.closed(abi::ClosedReason::kByModule);
}

TEST_CASE("a trap closes that instance's connections with 1011 and a rebuilt instance serves new ones") {
  quiet_log();
  PoolOptions options;
  options.instances = 1;
  options.init_flags = static_cast<uint32_t>(abi::InitFlag::kTestHooks);
  InstancePool pool(options);
  OpenResult bystander = open(pool, echo_endpoint);
  OpenResult victim = open(pool, test_endpoint);
  REQUIRE(victim.status == 101);
  auto frame = client_frame(0x1, "trap");
  victim.connection->received(frame.data(), frame.size());
  CHECK(pool.stats().traps == 1);
  CHECK(pool.stats().rebuilds == 1);
  CHECK(drain(*victim.connection) == std::string("\x88\x02\x03\xf3", 4));
  CHECK(victim.connection->end_requested());
  CHECK(drain(*bystander.connection) == std::string("\x88\x02\x03\xf3", 4));  // same instance, same fate
  // Events for the lost connections go nowhere; their closing does no harm.
  victim.connection->received(frame.data(), frame.size());
  victim.connection->closed(abi::ClosedReason::kByModule);
  bystander.connection->closed(abi::ClosedReason::kByModule);
  CHECK(pool.stats().connections == 0);

  OpenResult fresh = open(pool, echo_endpoint);
  REQUIRE(fresh.status == 101);
  auto hello = client_frame(0x1, "still here");
  fresh.connection->received(hello.data(), hello.size());
  CHECK(drain(*fresh.connection) == server_text_frame("still here"));
  fresh.connection->closed(abi::ClosedReason::kByPeer);
  set_log_sink(nullptr);
}

TEST_CASE("the test-only kind is refused unless test hooks are on") {
  quiet_log();
  InstancePool pool({});
  EndpointVersion test_kind(2001, "test.chatsocket", {}, "kind = test\n");  // its own: it ends up failed
  OpenResult refused = open(pool, test_kind);
  CHECK(refused.status == 500);
  CHECK(refused.body == "Endpoint file, line 1: unknown kind `test` (expected echo or chat or process).\n");
  set_log_sink(nullptr);
}

TEST_CASE("many connections echo correctly from several threads at once") {
  PoolOptions options;
  options.instances = 3;
  InstancePool pool(options);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&pool, &failures, t] {
      std::mt19937 random(t);
      for (int c = 0; c < 20; ++c) {
        OpenResult result = open(pool, echo_endpoint);
        if (result.status != 101) {
          ++failures;
          continue;
        }
        for (int m = 0; m < 20; ++m) {
          std::string payload(random() % 2000, static_cast<char>('a' + m % 26));
          auto frame = client_frame(0x1, payload, static_cast<uint32_t>(random()));
          size_t at = 0;
          while (at < frame.size()) {  // random splits
            size_t n = std::min<size_t>(frame.size() - at, 1 + random() % 700);
            result.connection->received(frame.data() + at, n);
            at += n;
          }
          if (drain(*result.connection) != server_text_frame(payload)) ++failures;
        }
        result.connection->closed(abi::ClosedReason::kByPeer);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
  CHECK(pool.stats().connections == 0);
}

// A clock the rebuild window is read from, moved by the test.
struct FakeClock {
  std::shared_ptr<std::chrono::steady_clock::time_point> at =
      std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  std::function<std::chrono::steady_clock::time_point()> function() const {
    return [at = at] { return *at; };
  }
  void advance(std::chrono::seconds by) { *at += by; }
};

// Opens a connection to the trapping test kind and makes it trap; returns what the victim was sent.
std::string trap_once(InstancePool& pool) {
  OpenResult victim = open(pool, test_endpoint);
  REQUIRE(victim.status == 101);
  auto frame = client_frame(0x1, "trap");
  victim.connection->received(frame.data(), frame.size());
  std::string sent = drain(*victim.connection);
  CHECK(victim.connection->end_requested());
  CHECK_FALSE(victim.connection->abort_requested());
  victim.connection->closed(abi::ClosedReason::kByModule);
  return sent;
}

TEST_CASE("at the default rate ten rebuilds fit in a minute; then 503 with Retry-After until the window moves on") {
  quiet_log();
  FakeClock clock;
  PoolOptions options;
  options.instances = 1;
  options.init_flags = static_cast<uint32_t>(abi::InitFlag::kTestHooks);
  options.clock = clock.function();
  REQUIRE(options.max_rebuilds_per_minute == 10);
  InstancePool pool(options);
  for (int trap = 0; trap < 10; ++trap) {
    trap_once(pool);
    clock.advance(std::chrono::seconds(1));
  }
  CHECK(pool.stats().rebuilds == 10);
  CHECK(pool.stats().instances_alive == 1);

  trap_once(pool);  // the eleventh within the minute: no rebuild
  CHECK(pool.stats().traps == 11);
  CHECK(pool.stats().rebuilds == 10);
  CHECK(pool.stats().instances_alive == 0);
  OpenResult refused = open(pool, echo_endpoint);
  CHECK(refused.status == 503);
  CHECK_FALSE(refused.connection);
  CHECK(refused.body == "The WebSocket handler is restarting too often; try again later.\n");
  // The first rebuild was at 0 s and the clock is at 10 s: it leaves the window in 50 s.
  REQUIRE(refused.headers.size() == 1);
  CHECK(refused.headers[0] == std::make_pair(std::string("Retry-After"), std::string("50")));

  clock.advance(std::chrono::seconds(49));
  CHECK(open(pool, echo_endpoint).status == 503);
  clock.advance(std::chrono::seconds(1));
  OpenResult back = open(pool, echo_endpoint);
  CHECK(back.status == 101);
  CHECK(pool.stats().instances_alive == 1);
  CHECK(pool.stats().rebuilds == 11);
  back.connection->closed(abi::ClosedReason::kByPeer);
  set_log_sink(nullptr);
}

TEST_CASE("past the rebuild rate the last trapped instance's connections still get 1011") {
  quiet_log();
  PoolOptions options;
  options.instances = 1;
  options.init_flags = static_cast<uint32_t>(abi::InitFlag::kTestHooks);
  options.max_rebuilds_per_minute = 2;
  InstancePool pool(options);
  for (int trap = 0; trap < 3; ++trap) CHECK(trap_once(pool) == std::string("\x88\x02\x03\xf3", 4));
  CHECK(pool.stats().rebuilds == 2);
  CHECK(pool.stats().instances_alive == 0);  // the third victim met an instance that was not rebuilt
  set_log_sink(nullptr);
}

TEST_CASE("an endpoint file that does not parse is reported once per version, and every handshake gets 500") {
  capture_log();
  InstancePool pool({});
  EndpointVersion broken(3001, "/site/broken.chatsocket", {}, "kind = echo\ncolour = blue\n");
  for (int i = 0; i < 3; ++i) {
    OpenResult refused = open(pool, broken);
    CHECK(refused.status == 500);
    CHECK(refused.body == "Endpoint file, line 2: unknown key `colour` for kind echo.\n");
  }
  CHECK(lines_containing("endpoint file /site/broken.chatsocket, line 2: unknown key `colour`") == 1);
  set_log_sink(nullptr);
}

TEST_CASE("the site's defaults are part of an endpoint version, and a bad one names the section") {
  capture_log();
  InstancePool pool({});
  std::string path = "core_tests_site.chatsocket";
  std::u16string path16(path.begin(), path.end());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "kind = echo\n";
  SiteDefaults small{"max_message_size = 4\n", "MACHINE/WEBROOT/APPHOST/Site"};
  std::shared_ptr<EndpointVersion> first, again, other, bad;
  REQUIRE(pool.endpoints().find(path16.c_str(), small, first) == EndpointRead::kOk);
  REQUIRE(pool.endpoints().find(path16.c_str(), small, again) == EndpointRead::kOk);
  CHECK(first == again);
  OpenResult limited = open(pool, *first);
  REQUIRE(limited.status == 101);
  send_text(*limited.connection, "too long");
  CHECK(drain(*limited.connection) == std::string("\x88\x1f\x03\xf1message over max_message_size", 33));  // the site's
  limited.connection->closed(abi::ClosedReason::kByPeer);

  REQUIRE(pool.endpoints().find(path16.c_str(), SiteDefaults{}, other) == EndpointRead::kOk);
  CHECK(other->id() != first->id());
  CHECK(first->retired());

  SiteDefaults broken{"max_rate = lots\n", "MACHINE/WEBROOT/APPHOST/Site"};
  REQUIRE(pool.endpoints().find(path16.c_str(), broken, bad) == EndpointRead::kOk);
  OpenResult refused = open(pool, *bad);
  CHECK(refused.status == 500);
  CHECK(refused.body ==
        "Site settings (<system.webServer><chatsocket> in web.config): max_rate must be a whole number of messages per "
        "second from 0 to 100000.\n");
  CHECK(lines_containing("<system.webServer><chatsocket> section for MACHINE/WEBROOT/APPHOST/Site (web.config or "
                         "applicationHost.config), under endpoint file ") == 1);
  CHECK(lines_containing("core_tests_site.chatsocket: max_rate must be") == 1);
  std::remove(path.c_str());
  set_log_sink(nullptr);
}

TEST_CASE("the endpoint cache reads a file once per version and retires the old version when it changes") {
  quiet_log();
  InstancePool pool({});
  std::string path = "core_tests_endpoint.chatsocket";
  std::u16string path16(path.begin(), path.end());
  auto write = [&path](const std::string& text) { std::ofstream(path, std::ios::binary | std::ios::trunc) << text; };
  write("kind = echo\nmax_message_size = 4\n");
  std::shared_ptr<EndpointVersion> first, again, second;
  REQUIRE(pool.endpoints().find(path16.c_str(), first) == EndpointRead::kOk);
  REQUIRE(pool.endpoints().find(path16.c_str(), again) == EndpointRead::kOk);
  CHECK(first == again);
  OpenResult old_connection = open(pool, *first);
  REQUIRE(old_connection.status == 101);

  write("kind = echo\nmax_message_size = 100\n");  // a different size: a new version whatever the clock says
  REQUIRE(pool.endpoints().find(path16.c_str(), second) == EndpointRead::kOk);
  CHECK(second->id() != first->id());
  CHECK(first->retired());
  CHECK_FALSE(second->retired());
  OpenResult new_connection = open(pool, *second);
  REQUIRE(new_connection.status == 101);

  send_text(*old_connection.connection, "too long");
  send_text(*new_connection.connection, "too long");
  // 1009: the old limit holds
  CHECK(drain(*old_connection.connection) == std::string("\x88\x1f\x03\xf1message over max_message_size", 33));
  CHECK(drain(*new_connection.connection) == server_text_frame("too long"));
  old_connection.connection->closed(abi::ClosedReason::kByPeer);
  new_connection.connection->closed(abi::ClosedReason::kByPeer);

  std::remove(path.c_str());
  std::shared_ptr<EndpointVersion> gone;
  CHECK(pool.endpoints().find(path16.c_str(), gone) == EndpointRead::kMissing);
  CHECK(second->retired());
  CHECK(pool.stats().endpoint_versions == 0);
  set_log_sink(nullptr);
}

TEST_CASE("two timers of one connection fire independently, and a cancelled one never fires") {
  PoolOptions options;
  options.init_flags = static_cast<uint32_t>(abi::InitFlag::kTestHooks);
  InstancePool pool(options);
  OpenResult result = open(pool, test_endpoint);
  REQUIRE(result.status == 101);
  Connection& connection = *result.connection;
  send_text(connection, "timer 1 150");
  send_text(connection, "timer 2 20");
  send_text(connection, "timer 3 60");
  send_text(connection, "timer 3 0");
  // Both arrive; slot 3, due between them, would have come second had the cancel not held.
  REQUIRE(wait_for_bytes(connection, 2 * server_text_frame("timer 1 fired").size()));
  CHECK(drain(connection) == server_text_frame("timer 2 fired") + server_text_frame("timer 1 fired"));
  connection.closed(abi::ClosedReason::kByPeer);
}

TEST_CASE("a handler reads request headers and server variables during the handshake") {
  PoolOptions options;
  options.init_flags = static_cast<uint32_t>(abi::InitFlag::kTestHooks);
  InstancePool pool(options);
  EndpointVersion reporting(4001, "report.chatsocket", {}, "kind = test\nreport_headers = Cookie, X-Missing\n");
  FakeRequest request;
  request.headers = {{"Cookie", "session=42"}};
  OpenResult result = pool.open(reporting, upgrade_head(), request);
  REQUIRE(result.status == 101);
  send_text(*result.connection, "request");
  std::string report = drain(*result.connection);
  CHECK(report.find("\"REMOTE_ADDR\":\"192.0.2.7\"") != std::string::npos);
  CHECK(report.find("\"SERVER_PORT\":\"8080\"") != std::string::npos);
  CHECK(report.find("\"HTTPS\":null") != std::string::npos);
  CHECK(report.find("\"Cookie\":\"session=42\",\"X-Missing\":null") != std::string::npos);
  CHECK(report.find("\"path\":\"/echo.chatsocket\"") != std::string::npos);
  result.connection->closed(abi::ClosedReason::kByPeer);
}

TEST_CASE("an allocation failure in an import closes that connection with 1011 and nothing else") {
  capture_log();
  InstancePool pool({});
  OpenResult victim = open(pool, echo_endpoint);
  OpenResult bystander = open(pool, echo_endpoint);
  REQUIRE(victim.status == 101);
  arm_fault(FaultPoint::kImport, 0);
  send_text(*victim.connection, "hello");  // the echo's host_send fails
  CHECK(drain(*victim.connection) == std::string("\x88\x02\x03\xf3", 4));
  CHECK(victim.connection->end_requested());
  CHECK(pool.stats().native_failures == 1);
  CHECK(lines_containing("host_send failed (std::bad_alloc); closing it with 1011") == 1);
  send_text(*victim.connection, "ignored");  // the connection is ending: nothing more reaches the handler
  CHECK(drain(*victim.connection).empty());
  send_text(*bystander.connection, "unaffected");
  CHECK(drain(*bystander.connection) == server_text_frame("unaffected"));
  victim.connection->closed(abi::ClosedReason::kByModule);
  bystander.connection->closed(abi::ClosedReason::kByPeer);
  CHECK(pool.stats().connections == 0);
  disarm_faults();
  set_log_sink(nullptr);
}

TEST_CASE("an allocation failure in a timer callback closes that connection with 1011") {
  quiet_log();
  PoolOptions options;
  options.init_flags = static_cast<uint32_t>(abi::InitFlag::kTestHooks);
  InstancePool pool(options);
  OpenResult result = open(pool, test_endpoint);
  REQUIRE(result.status == 101);
  arm_fault(FaultPoint::kTimer, 0);
  send_text(*result.connection, "timer 1 10");
  REQUIRE(wait_for_bytes(*result.connection, 4));
  CHECK(drain(*result.connection) == std::string("\x88\x02\x03\xf3", 4));
  CHECK(result.connection->end_requested());
  result.connection->closed(abi::ClosedReason::kByModule);
  disarm_faults();
  set_log_sink(nullptr);
}

namespace {
const std::string kGoingAwayFrame = std::string("\x88\x13\x03\xe9", 4) + "server going away";
}  // namespace

TEST_CASE("going away: every open connection hears 1001 once; new handshakes get 503 with Retry-After") {
  quiet_log();
  PoolOptions options;
  options.instances = 2;
  InstancePool pool(options);
  std::vector<std::shared_ptr<Connection>> open_ones;
  for (int i = 0; i < 4; ++i) open_ones.push_back(open(pool, echo_endpoint).connection);
  OpenResult closing = open(pool, echo_endpoint);
  auto close_frame = client_frame(0x8, std::string("\x03\xe8", 2));
  closing.connection->received(close_frame.data(), close_frame.size());
  CHECK(drain(*closing.connection) == std::string("\x88\x02\x03\xe8", 4));

  pool.go_away();
  CHECK(pool.going_away());
  for (auto& connection : open_ones) {
    CHECK(drain(*connection) == kGoingAwayFrame);
    CHECK_FALSE(connection->end_requested());  // the client has close_timeout to answer
  }
  CHECK(drain(*closing.connection).empty());  // it was closing already

  OpenResult refused = open(pool, echo_endpoint);
  CHECK(refused.status == 503);
  CHECK(header_value(refused, "Retry-After") == "1");
  CHECK_FALSE(refused.connection);

  pool.go_away();  // once is all a connection hears
  for (auto& connection : open_ones) {
    CHECK(drain(*connection).empty());
    connection->received(close_frame.data(), close_frame.size());
    CHECK(connection->end_requested());
    CHECK_FALSE(connection->abort_requested());
    connection->closed(abi::ClosedReason::kByModule);
  }
  closing.connection->closed(abi::ClosedReason::kByModule);
  CHECK(pool.stats().connections == 0);
  set_log_sink(nullptr);
}

TEST_CASE("going away while handshakes run on other threads leaves no accepted connection untold") {
  quiet_log();
  PoolOptions options;
  options.instances = 3;
  InstancePool pool(options);
  std::mutex accepted_mutex;
  std::vector<std::shared_ptr<Connection>> accepted;
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        OpenResult result = open(pool, echo_endpoint);
        if (result.status == 503) return;
        if (result.status != 101) {
          ++unexpected;
          return;
        }
        std::lock_guard<std::mutex> lock(accepted_mutex);
        accepted.push_back(result.connection);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  pool.go_away();
  for (auto& thread : threads) thread.join();
  CHECK(unexpected == 0);
  CHECK_FALSE(accepted.empty());
  size_t told = 0;
  for (auto& connection : accepted) {
    told += drain(*connection) == kGoingAwayFrame;
    connection->closed(abi::ClosedReason::kByPeer);
  }
  CHECK(told == accepted.size());
  CHECK(pool.stats().connections == 0);
  set_log_sink(nullptr);
}
