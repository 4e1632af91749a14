#include "test_support.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <thread>
#include <utility>

TempSite::TempSite(bool websocket_enabled) {
  char pattern[] = "/tmp/cs-host-site-XXXXXX";
  if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  root_ = pattern;
  write("web.config",
        "<?xml version=\"1.0\"?>\n<configuration><system.webServer>\n"
        "  <handlers>\n"
        "    <add name=\"TestModule\" path=\"*.testmod\" verb=\"GET\" modules=\"TestModule\" "
        "resourceType=\"Unspecified\" />\n"
        "  </handlers>\n"
        "  <webSocket enabled=\"" +
            std::string(websocket_enabled ? "true" : "false") +
            "\" />\n"
            "</system.webServer></configuration>\n");
  write("index.html", "<h1>home</h1>");
  write("data.txt", "plain data");
  write("sub/notes.txt", "notes");
  write("docs/index.html", "docs home");
  write("bin/secret.txt", "secret");
  write("App_Data/db.txt", "db");
  write("weird.unknownext", "x");
}

TempSite::~TempSite() {
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

void TempSite::write(const std::string& relative, const std::string& content) {
  auto p = root_ / relative;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

static int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    throw std::runtime_error("connect failed");
  }
  timeval tv{10, 0};  // a hung test fails instead of hanging the suite
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

static HttpReply parse_reply(const std::string& raw) {
  HttpReply r;
  r.raw = raw;
  size_t end = raw.find("\r\n\r\n");
  if (raw.size() < 12 || end == std::string::npos) return r;
  r.status = std::atoi(raw.substr(9, 3).c_str());
  size_t pos = raw.find("\r\n") + 2;
  while (pos < end) {
    size_t eol = raw.find("\r\n", pos);
    std::string line = raw.substr(pos, eol - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower((unsigned char)c));
      size_t v = line.find_first_not_of(' ', colon + 1);
      r.headers[name] = v == std::string::npos ? "" : line.substr(v);
    }
    pos = eol + 2;
  }
  r.body = raw.substr(end + 4);
  auto cl = r.headers.find("content-length");
  if (cl != r.headers.end()) r.body = r.body.substr(0, std::stoul(cl->second));
  return r;
}

HttpReply http_exchange(uint16_t port, const std::string& raw_request) {
  int fd = connect_to(port);
  ::send(fd, raw_request.data(), raw_request.size(), MSG_NOSIGNAL);
  std::string raw;
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return parse_reply(raw);
}

HttpReply get(uint16_t port, const std::string& target, const std::string& method) {
  return http_exchange(port, method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
}

Client::Client(uint16_t port) : fd_(connect_to(port)) {}
Client::~Client() { close(); }
void Client::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}
void Client::send(const std::string& bytes) { ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }

std::string Client::receive_head() {
  char buf[4096];
  while (pending_.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) break;
    pending_.append(buf, static_cast<size_t>(n));
  }
  size_t end = pending_.find("\r\n\r\n");
  if (end == std::string::npos) return std::exchange(pending_, std::string());
  std::string head = pending_.substr(0, end + 4);
  pending_.erase(0, end + 4);
  return head;
}

std::string Client::receive_exactly(size_t n) {
  char buf[4096];
  while (pending_.size() < n) {
    ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
    if (got <= 0) break;
    pending_.append(buf, static_cast<size_t>(got));
  }
  std::string out = pending_.substr(0, n);
  pending_.erase(0, out.size());
  return out;
}

bool Client::wait_closed() {
  char buf[256];
  while (true) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return false;  // timeout
  }
}

cs::host::HostOptions test_options(const TempSite& site, cs::host::CompletionMode mode) {
  cs::host::HostOptions o;
  o.module_path = CS_TEST_MODULE_PATH;
  o.site_path = site.path().string();
  o.module_name = "TestModule";
  o.port = 0;
  o.threads = 4;
  o.completion_mode = mode;
  o.log_level = "error";
  return o;
}

namespace {
void* module_symbol(const char* name) {
  // The host has the module loaded; RTLD_NOLOAD gives us the same copy (and its counters).
  void* handle = dlopen(CS_TEST_MODULE_PATH, RTLD_NOW | RTLD_NOLOAD);
  if (!handle) handle = dlopen(CS_TEST_MODULE_PATH, RTLD_NOW);
  void* symbol = dlsym(handle, name);
  dlclose(handle);
  return symbol;
}
}  // namespace

ModuleReference::ModuleReference() : handle_(dlopen(CS_TEST_MODULE_PATH, RTLD_NOW | RTLD_NOLOAD)) {}
ModuleReference::~ModuleReference() {
  if (handle_) dlclose(handle_);
}

TestModuleCounters module_counters() {
  TestModuleCounters c{};
  reinterpret_cast<void (*)(TestModuleCounters*)>(module_symbol("cs_test_module_counters"))(&c);
  return c;
}

TestRegistration module_registration() {
  TestRegistration r{};
  reinterpret_cast<void (*)(TestRegistration*)>(module_symbol("cs_test_module_registration"))(&r);
  return r;
}

void reset_module_counters() { reinterpret_cast<void (*)()>(module_symbol("cs_test_module_reset"))(); }

bool touch_finished_context() {
  return reinterpret_cast<int (*)()>(module_symbol("cs_test_module_touch_finished_context"))() != 0;
}

bool eventually(const std::function<bool()>& pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}
