#include "endpoint_seats.h"

namespace cs {

struct EndpointSeats::Seat::Counts {
  mutable std::mutex mutex;
  std::unordered_map<std::string, uint32_t> by_path;
};

EndpointSeats::Seat::Seat(std::shared_ptr<Counts> counts, std::string path)
    : counts_(std::move(counts)), path_(std::move(path)) {}

EndpointSeats::Seat::~Seat() {
  if (!counts_) return;
  std::lock_guard<std::mutex> lock(counts_->mutex);
  auto it = counts_->by_path.find(path_);
  if (it != counts_->by_path.end() && --it->second == 0) counts_->by_path.erase(it);
}

EndpointSeats::EndpointSeats() : counts_(std::make_shared<Seat::Counts>()) {}

std::unique_ptr<EndpointSeats::Seat> EndpointSeats::take(const std::string& path, uint32_t cap) {
  std::unique_ptr<Seat> seat(new Seat(counts_, path));  // allocated first: a bad_alloc leaves the counts alone
  std::lock_guard<std::mutex> lock(counts_->mutex);
  uint32_t& count = counts_->by_path[path];
  if (count >= cap) {
    if (count == 0) counts_->by_path.erase(path);
    seat->counts_ = nullptr;  // never counted: nothing to give back
    return nullptr;
  }
  ++count;
  return seat;
}

uint32_t EndpointSeats::held(const std::string& path) const {
  std::lock_guard<std::mutex> lock(counts_->mutex);
  auto it = counts_->by_path.find(path);
  return it == counts_->by_path.end() ? 0 : it->second;
}

}  // namespace cs
