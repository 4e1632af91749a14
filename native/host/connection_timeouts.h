#pragma once
// http.sys's HeaderWait and IdleConnectionTimeout: a connection waiting for a request head holds a deadline
// (Connection::head_deadline_ms), and one timer on the I/O threads closes the connections past theirs, every
// quarter of the shorter timeout (at most every second). So a connection is cut between its timeout and a
// quarter more, and a connection costs no timer of its own.
#include <atomic>
#include <cstdint>

#include <asio.hpp>

namespace cs::host {

struct HostCore;

// Milliseconds of the steady clock, the unit of every head deadline.
int64_t steady_now_ms();

class ConnectionTimeouts {
 public:
  explicit ConnectionTimeouts(HostCore& core);
  void start();  // no-op when both timeouts are 0 (never)
  void stop();

 private:
  void arm();
  void check();

  HostCore& core_;
  asio::steady_timer timer_;
  unsigned period_ms_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace cs::host
