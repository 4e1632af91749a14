// The core driven directly, with the real build/chatsocket.wasm linked in: handshake, echo through the
// write queue, traps, and many connections on several threads.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "instance_pool.h"
#include "log.h"

using namespace cs;

namespace {

const char* const ECHO = "kind = echo\n";
const char* const TRAP = "kind = test-trap\n";

std::string upgrade_head(const std::string& key = "dGhlIHNhbXBsZSBub25jZQ==") {
  return "GET /echo.chatsocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
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
    for (int shift = 56; shift >= 0; shift -= 8) frame.push_back(static_cast<uint8_t>(static_cast<uint64_t>(n) >> shift));
  }
  uint8_t key[4] = {static_cast<uint8_t>(mask >> 24), static_cast<uint8_t>(mask >> 16), static_cast<uint8_t>(mask >> 8),
                    static_cast<uint8_t>(mask)};
  frame.insert(frame.end(), key, key + 4);
  for (size_t i = 0; i < n; ++i) frame.push_back(static_cast<uint8_t>(payload[i]) ^ key[i % 4]);
  return frame;
}

std::string drain(Connection& connection) {
  std::string out;
  for (const Segment& segment : connection.queue().front(1 << 20)) {
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

}  // namespace

TEST_CASE("a valid upgrade is accepted with RFC 6455's accept key") {
  InstancePool pool({});
  OpenResult result = pool.open(upgrade_head(), ECHO);
  REQUIRE(result.status == 101);
  CHECK(header_value(result, "Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  REQUIRE(result.connection);
  CHECK(pool.stats().connections == 1);
  result.connection->closed(CLOSED_BY_PEER);
  CHECK(pool.stats().connections == 0);
}

TEST_CASE("a refused upgrade returns its status and frees the id") {
  InstancePool pool({});
  OpenResult result = pool.open(upgrade_head("c2hvcnQ="), ECHO);
  CHECK(result.status == 400);
  CHECK_FALSE(result.connection);
  CHECK_FALSE(result.body.empty());
  CHECK(pool.stats().connections == 0);
}

TEST_CASE("a text frame is echoed through the write queue, whole or split byte by byte") {
  InstancePool pool({});
  OpenResult result = pool.open(upgrade_head(), ECHO);
  REQUIRE(result.status == 101);
  Connection& connection = *result.connection;
  auto frame = client_frame(0x1, "hello");
  connection.received(frame.data(), frame.size());
  CHECK(drain(connection) == server_text_frame("hello"));
  for (uint8_t byte : client_frame(0x1, std::string(300, 'z'))) connection.received(&byte, 1);
  CHECK(drain(connection) == server_text_frame(std::string(300, 'z')));
  connection.closed(CLOSED_BY_PEER);
}

TEST_CASE("a close frame is answered with the same code and ends the connection") {
  InstancePool pool({});
  OpenResult result = pool.open(upgrade_head(), ECHO);
  Connection& connection = *result.connection;
  auto frame = client_frame(0x8, std::string("\x03\xe8", 2));
  connection.received(frame.data(), frame.size());
  CHECK(drain(connection) == std::string("\x88\x02\x03\xe8", 4));
  CHECK(connection.end_requested());
  CHECK_FALSE(connection.abort_requested());
  connection.closed(CLOSED_BY_MODULE);
}

TEST_CASE("a trap closes that instance's connections with 1011 and a rebuilt instance serves new ones") {
  quiet_log();
  PoolOptions options;
  options.instances = 1;
  options.init_flags = INIT_TEST_HOOKS;
  InstancePool pool(options);
  OpenResult bystander = pool.open(upgrade_head(), ECHO);
  OpenResult victim = pool.open(upgrade_head(), TRAP);
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
  victim.connection->closed(CLOSED_BY_MODULE);
  bystander.connection->closed(CLOSED_BY_MODULE);
  CHECK(pool.stats().connections == 0);

  OpenResult fresh = pool.open(upgrade_head(), ECHO);
  REQUIRE(fresh.status == 101);
  auto hello = client_frame(0x1, "still here");
  fresh.connection->received(hello.data(), hello.size());
  CHECK(drain(*fresh.connection) == server_text_frame("still here"));
  fresh.connection->closed(CLOSED_BY_PEER);
  set_log_sink(nullptr);
}

TEST_CASE("the test-only trap kind is refused unless test hooks are on") {
  InstancePool pool({});
  CHECK(pool.open(upgrade_head(), TRAP).status == 500);
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
        OpenResult result = pool.open(upgrade_head(), ECHO);
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
        result.connection->closed(CLOSED_BY_PEER);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
  CHECK(pool.stats().connections == 0);
}

TEST_CASE("past the rebuild rate an instance stays down and new connections get 503, not a crash loop") {
  quiet_log();
  PoolOptions options;
  options.instances = 1;
  options.init_flags = INIT_TEST_HOOKS;
  options.max_rebuilds_per_minute = 3;  // the first build counts too
  InstancePool pool(options);
  auto frame = client_frame(0x1, "trap");
  for (int trap = 0; trap < 3; ++trap) {
    OpenResult victim = pool.open(upgrade_head(), TRAP);
    REQUIRE(victim.status == 101);
    victim.connection->received(frame.data(), frame.size());
    victim.connection->closed(CLOSED_BY_MODULE);
  }
  CHECK(pool.stats().traps == 3);
  CHECK(pool.stats().rebuilds == 2);
  CHECK(pool.stats().instances_alive == 0);
  OpenResult refused = pool.open(upgrade_head(), ECHO);
  CHECK(refused.status == 503);
  CHECK_FALSE(refused.connection);
  set_log_sink(nullptr);
}
