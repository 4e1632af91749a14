#pragma once
// Finished requests are kept here, not freed, so that a module's late call on one hits the poison
// check in valid memory. Entries older than the retention are freed when new ones arrive.
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>

namespace cs::host {

class Request;

class Graveyard {
 public:
  explicit Graveyard(std::chrono::milliseconds retention = std::chrono::seconds(30)) : retention_(retention) {}
  void add(std::shared_ptr<Request> request);
  // Frees the entries whose retention is over; returns how many.
  size_t sweep();
  void clear();
  size_t size() const;

 private:
  std::chrono::milliseconds retention_;
  mutable std::mutex mutex_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::shared_ptr<Request>>> entries_;
};

}  // namespace cs::host
