#pragma once
// A blocking WebSocket client for tests: masked client frames out, server frames in.
#include <cstdint>
#include <string>

class WsTestClient {
 public:
  explicit WsTestClient(uint16_t port);
  ~WsTestClient();
  WsTestClient(const WsTestClient&) = delete;
  WsTestClient& operator=(const WsTestClient&) = delete;

  // Sends the upgrade request for `path` and returns the status of the answer.
  int upgrade(const std::string& path);
  // Sends `bytes` in pieces of at most `max_piece` bytes (1 = byte by byte).
  void send_raw(const std::string& bytes, size_t max_piece = 1 << 30);
  static std::string frame(uint8_t opcode, const std::string& payload, bool fin = true);

  struct Frame {
    uint8_t opcode = 0;
    bool fin = false;
    std::string payload;
  };
  // Reads one server frame; false if the server closed the connection first.
  bool read_frame(Frame& frame);
  // True when the server closes the connection (reads until EOF, discarding).
  bool wait_closed();
  void abort();  // close the socket without a closing handshake

 private:
  bool read_exactly(char* out, size_t n);
  int fd_ = -1;
  std::string buffered_;
};
