#include "connection_timeouts.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "connection.h"
#include "host_core.h"

namespace cs::host {

int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ConnectionTimeouts::ConnectionTimeouts(HostCore& core) : core_(core), timer_(core.io) {}

void ConnectionTimeouts::start() {
  unsigned shortest = 0;
  for (unsigned ms : {core_.options.header_wait_ms, core_.options.idle_connection_timeout_ms})
    if (ms > 0) shortest = shortest == 0 ? ms : std::min(shortest, ms);
  if (shortest == 0) return;
  period_ms_ = std::clamp(shortest / 4, 10u, 1000u);
  arm();
}

void ConnectionTimeouts::stop() {
  stopped_ = true;
  asio::post(timer_.get_executor(), [this] { timer_.cancel(); });
}

void ConnectionTimeouts::arm() {
  if (stopped_) return;
  timer_.expires_after(std::chrono::milliseconds(period_ms_));
  timer_.async_wait([this](const std::error_code& error) {
    if (error || stopped_) return;
    check();
    arm();
  });
}

void ConnectionTimeouts::check() {
  int64_t now = steady_now_ms();
  std::vector<std::shared_ptr<Connection>> overdue;
  {
    std::lock_guard<std::mutex> lock(core_.connections_mutex);
    for (auto& entry : core_.connections) {
      auto connection = entry.second.lock();
      if (connection && connection->head_overdue(now)) overdue.push_back(std::move(connection));
    }
  }
  // Closed outside the map's lock: closing takes it to forget the connection.
  for (auto& connection : overdue) connection->close_if_head_overdue(now);
}

}  // namespace cs::host
