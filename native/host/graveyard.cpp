#include "graveyard.h"

#include <vector>

#include "request.h"

namespace cs::host {

void Graveyard::add(std::shared_ptr<Request> request) {
  sweep();
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.emplace_back(std::chrono::steady_clock::now(), std::move(request));
}

size_t Graveyard::sweep() {
  auto now = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<Request>> expired;  // destroyed outside the lock
  std::lock_guard<std::mutex> lock(mutex_);
  while (!entries_.empty() && now - entries_.front().first > retention_) {
    expired.push_back(std::move(entries_.front().second));
    entries_.pop_front();
  }
  return expired.size();
}

void Graveyard::clear() {
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::shared_ptr<Request>>> gone;
  std::lock_guard<std::mutex> lock(mutex_);
  gone.swap(entries_);
}

size_t Graveyard::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace cs::host
