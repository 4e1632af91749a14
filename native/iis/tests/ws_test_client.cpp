#include "ws_test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <random>
#include <stdexcept>

WsTestClient::WsTestClient(uint16_t port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) throw std::runtime_error("connect");
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval timeout{30, 0};  // a hang fails the test instead of blocking ctest
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

WsTestClient::~WsTestClient() { abort(); }

void WsTestClient::abort() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

int WsTestClient::upgrade(const std::string& path) {
  send_raw("GET " + path +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  std::string head;
  char c;
  while (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0) {
    if (!read_exactly(&c, 1)) return 0;
    head.push_back(c);
  }
  return std::stoi(head.substr(9, 3));
}

void WsTestClient::send_raw(const std::string& bytes, size_t max_piece) {
  for (size_t at = 0; at < bytes.size();) {
    size_t n = std::min(max_piece, bytes.size() - at);
    ssize_t sent = ::send(fd_, bytes.data() + at, n, MSG_NOSIGNAL);
    if (sent <= 0) throw std::runtime_error("send");
    at += static_cast<size_t>(sent);
  }
}

std::string WsTestClient::frame(uint8_t opcode, const std::string& payload, bool fin) {
  static thread_local std::mt19937 random(std::random_device{}());
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | opcode));
  size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n < 65536) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(static_cast<uint64_t>(n) >> shift));
  }
  char key[4];
  for (char& k : key) k = static_cast<char>(random());
  out.append(key, 4);
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  return out;
}

bool WsTestClient::read_exactly(char* out, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = recv(fd_, out + got, n - got, 0);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

bool WsTestClient::read_frame(Frame& frame) {
  unsigned char head[2];
  if (!read_exactly(reinterpret_cast<char*>(head), 2)) return false;
  frame.fin = (head[0] & 0x80) != 0;
  frame.opcode = head[0] & 0x0f;
  uint64_t length = head[1] & 0x7f;
  if (length >= 126) {
    unsigned char extended[8];
    size_t bytes = length == 126 ? 2 : 8;
    if (!read_exactly(reinterpret_cast<char*>(extended), bytes)) return false;
    length = 0;
    for (size_t i = 0; i < bytes; ++i) length = (length << 8) | extended[i];
  }
  frame.payload.resize(length);
  return length == 0 || read_exactly(&frame.payload[0], length);
}

bool WsTestClient::wait_closed() {
  char sink[4096];
  for (;;) {
    ssize_t r = recv(fd_, sink, sizeof sink, 0);
    if (r == 0) return true;
    if (r < 0) return false;  // timeout or reset
  }
}
