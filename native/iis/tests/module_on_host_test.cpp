// chatsocket.so on the Linux host, many clients on many threads, under each completion policy: echo,
// closing handshakes and clients that vanish, with the host's counters back at zero afterwards; and the host
// stopping under open clients, each of which hears 1001.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <stdlib.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "host.h"
#include "ws_test_client.h"

namespace {

bool eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 2000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

struct RunningHost {
  explicit RunningHost(cs::host::CompletionMode mode, const std::string& site = CHATSOCKET_FIXTURE_SITE,
                       const std::string& schema = "") {
    cs::host::HostOptions options;
    options.module_path = CHATSOCKET_MODULE_PATH;
    options.site_path = site;
    options.chatsocket_schema = schema;
    options.completion_mode = mode;
    options.threads = 3;
    std::string error;
    REQUIRE_MESSAGE(host.start(options, error), error);
  }
  ~RunningHost() { host.stop(); }
  cs::host::Host host;
};

// Why a blocking read failed: errno is cleared before each, so 0 means the server ended TCP.
std::string read_failure() { return errno ? std::strerror(errno) : "the server ended TCP"; }

std::string hex(const std::string& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) out += {digits[b >> 4], digits[b & 15], ' '};
  return out;
}

// One client: `messages` echoes of random sizes, each frame sent in random pieces, then a clean close.
// Returns what went wrong, or "" when nothing did.
std::string echo_session(uint16_t port, unsigned seed, int messages) {
  std::mt19937 random(seed);
  WsTestClient client(port);
  if (int status = client.upgrade("/echo.chatsocket"); status != 101) return "upgrade: " + std::to_string(status);
  for (int m = 0; m < messages; ++m) {
    size_t size = random() % 4 == 0 ? random() % 70000 : random() % 200;
    std::string payload(size, '\0');
    for (char& c : payload) c = static_cast<char>('a' + random() % 26);
    client.send_raw(WsTestClient::frame(0x1, payload), 1 + random() % 3000);
    WsTestClient::Frame reply;
    errno = 0;
    if (!client.read_frame(reply)) return "message " + std::to_string(m) + ": " + read_failure();
    if (reply.opcode != 0x1 || reply.payload != payload)
      return "message " + std::to_string(m) + ": opcode " + std::to_string(reply.opcode) + ", " +
             std::to_string(reply.payload.size()) + " bytes instead of " + std::to_string(size);
  }
  client.send_raw(WsTestClient::frame(0x8, std::string("\x03\xe8", 2)));
  WsTestClient::Frame close;
  errno = 0;
  if (!client.read_frame(close)) return "close: " + read_failure();
  if (close.opcode != 0x8 || close.payload != std::string("\x03\xe8", 2))
    return "close: opcode " + std::to_string(close.opcode) + ", payload " + hex(close.payload);
  errno = 0;
  if (!client.wait_closed()) return "waiting for the end of TCP: " + read_failure();
  return "";
}

// Counts failures and keeps the first few reasons for the report.
class Failures {
 public:
  void add(std::string what) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (++count_ <= 5) reasons_ += what + "\n";
  }
  int count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return count_;
  }
  std::string reasons() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return reasons_;
  }

 private:
  mutable std::mutex mutex_;
  int count_ = 0;
  std::string reasons_;
};

void run_all(cs::host::CompletionMode mode) {
  RunningHost running(mode);
  uint16_t port = running.host.port();

  Failures failures;
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (unsigned c = 0; c < 6; ++c) {
        std::string failed = echo_session(port, t * 100 + c, 25);
        if (!failed.empty()) failures.add("echo session " + std::to_string(t * 100 + c) + ": " + failed);
      }
    });
  }
  // Meanwhile, clients that vanish mid-message.
  threads.emplace_back([&] {
    for (int i = 0; i < 40; ++i) {
      WsTestClient client(port);
      if (int status = client.upgrade("/echo.chatsocket"); status != 101)
        failures.add("vanishing client " + std::to_string(i) + ": upgrade: " + std::to_string(status));
      std::string frame = WsTestClient::frame(0x2, std::string(5000, 'x'));
      client.send_raw(frame.substr(0, 100 + static_cast<size_t>(i) * 50));
      client.abort();
    }
  });
  for (auto& thread : threads) thread.join();
  CHECK_MESSAGE(failures.count() == 0, failures.count() << " failure(s), the first:\n"
                                                        << failures.reasons() << "the module reset "
                                                        << running.host.stats().connection_resets << " connection(s)");

  CHECK(eventually([&] {
    cs::host::StatsSnapshot stats = running.host.stats();
    return stats.active_requests == 0 && stats.upgraded_connections == 0 && stats.open_connections == 0;
  }));
  cs::host::StatsSnapshot stats = running.host.stats();
  CHECK_MESSAGE(stats.violations == 0, stats.last_violation);
  CHECK_MESSAGE(stats.not_implemented == 0, stats.last_not_implemented);
  CHECK(stats.dropped_completions == 0);
}

// A copy of the fixture site, free to add endpoint files to.
class ScratchSite {
 public:
  ScratchSite() {
    char pattern[] = "/tmp/cs-module-site-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    root_ = pattern;
    std::filesystem::copy(CHATSOCKET_FIXTURE_SITE, root_, std::filesystem::copy_options::recursive);
  }
  ~ScratchSite() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  void add(const std::string& name, const std::string& text) { std::ofstream(root_ / name) << text; }
  std::string path() const { return root_.string(); }

 private:
  std::filesystem::path root_;
};

// Clients open on echo and on a chat room when the host stops: each gets 1001 with the reason, answers, and
// sees the server close TCP; stop() returns once they are all gone.
void stop_under_open_clients(cs::host::CompletionMode mode) {
  ScratchSite site;
  site.add("room.chatsocket", "kind = chat\n");
  RunningHost running(mode, site.path());
  uint16_t port = running.host.port();
  std::vector<std::unique_ptr<WsTestClient>> clients;
  for (int i = 0; i < 12; ++i) {
    clients.push_back(std::make_unique<WsTestClient>(port));
    REQUIRE(clients.back()->upgrade(i % 2 ? "/echo.chatsocket" : "/room.chatsocket") == 101);
  }
  std::thread stopping([&] { running.host.stop(); });
  const std::string going_away = std::string("\x03\xe9", 2) + "server going away";
  int heard = 0;
  for (auto& client : clients) {
    WsTestClient::Frame frame;
    while (client->read_frame(frame) && frame.opcode != 0x8) {
    }  // a chat room's welcome and presence messages come first
    if (frame.opcode == 0x8 && frame.payload == going_away) ++heard;
    client->send_raw(WsTestClient::frame(0x8, std::string("\x03\xe9", 2)));
    CHECK(client->wait_closed());
  }
  stopping.join();
  CHECK(heard == static_cast<int>(clients.size()));
  CHECK_FALSE(running.host.running());
}

}  // namespace

// The module's one way to its section, IIS's configuration API, on many threads at once: every handshake reads
// it (and releases what it was given), and the limit reaches the connections of a file that does not set it.
TEST_CASE("the site's <chatsocket> section reaches the module through GetAdminManager") {
  ScratchSite site;
  site.add(
      "web.config",
      "<configuration><system.webServer><handlers><add name=\"ChatSocket\" path=\"*.chatsocket\" verb=\"*\" "
      "modules=\"ChatSocketModule\" resourceType=\"Unspecified\"/></handlers>"
      "<chatsocket max_message_size=\"4\" allowed_origins=\"https://a.example\"/></system.webServer></configuration>");
  site.add("small.chatsocket", "kind = echo\n");
  RunningHost running(cs::host::CompletionMode::kMixed, site.path(), CHATSOCKET_SCHEMA_PATH);
  uint16_t port = running.host.port();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        WsTestClient client(port);
        if (client.upgrade("/small.chatsocket") != 101) {
          ++failures;
          continue;
        }
        client.send_raw(WsTestClient::frame(0x1, "too long"));
        WsTestClient::Frame close;
        if (!client.read_frame(close) || close.opcode != 0x8 ||
            close.payload.substr(0, 2) != std::string("\x03\xf1", 2))
          ++failures;  // 1009: the site's max_message_size
        client.abort();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
  cs::host::StatsSnapshot stats = running.host.stats();
  CHECK_MESSAGE(stats.not_implemented == 0, stats.last_not_implemented);
  CHECK_MESSAGE(stats.violations == 0, stats.last_violation);
}

TEST_CASE("stopping the host closes every open client with 1001, completions mixed at random") {
  stop_under_open_clients(cs::host::CompletionMode::kMixed);
}
TEST_CASE("stopping the host closes every open client with 1001, completions after the call returns") {
  stop_under_open_clients(cs::host::CompletionMode::kAfterReturn);
}

TEST_CASE("many clients echo, close and vanish with completions mixed at random") {
  run_all(cs::host::CompletionMode::kMixed);
}
TEST_CASE("many clients echo, close and vanish with every completion synchronous") {
  run_all(cs::host::CompletionMode::kSync);
}
TEST_CASE("many clients echo, close and vanish with every completion before the call returns") {
  run_all(cs::host::CompletionMode::kBeforeReturn);
}
TEST_CASE("many clients echo, close and vanish with every completion after the call returns") {
  run_all(cs::host::CompletionMode::kAfterReturn);
}
