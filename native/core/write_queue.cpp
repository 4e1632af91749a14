#include "write_queue.h"

#include <cstring>

namespace cs {
namespace {
// An emptied queue keeps room for this many segments (the common case: a frame or two at a time); a backlog's
// larger array is given back, and written segments are dropped from the front once they are this many.
constexpr size_t kKeptSegments = 8;
}  // namespace

WriteQueue::PushResult WriteQueue::push(const uint8_t* a, size_t a_size, const uint8_t* b, size_t b_size) {
  SharedBytes segment = a_size + b_size > 0 ? SharedBytes::copy(a, a_size, b, b_size) : SharedBytes();
  std::lock_guard<std::mutex> lock(mutex_);
  return push_locked(std::move(segment));
}

WriteQueue::PushResult WriteQueue::push(SharedBytes bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  return push_locked(std::move(bytes));
}

WriteQueue::PushResult WriteQueue::push_locked(SharedBytes segment) {
  if (!segment.empty()) {
    bytes_ += segment.size();
    segments_.push_back(std::move(segment));
  }
  if (bytes_ > limits_.high_water) {
    backpressure_signalled_ = true;
    return PushResult::kBackpressure;
  }
  return PushResult::kQueued;
}

size_t WriteQueue::front(Segment* out, size_t max_segments) const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t count = 0;
  size_t offset = front_offset_;
  for (size_t i = head_; i < segments_.size() && count < max_segments; ++i) {
    out[count++] = {segments_[i].data() + offset, segments_[i].size() - offset};
    offset = 0;
  }
  return count;
}

bool WriteQueue::consume(size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  bytes_ -= bytes;
  while (bytes > 0 && head_ < segments_.size()) {
    size_t left_in_front = segments_[head_].size() - front_offset_;
    if (bytes >= left_in_front) {
      bytes -= left_in_front;
      segments_[head_++] = SharedBytes();
      front_offset_ = 0;
    } else {
      front_offset_ += bytes;
      bytes = 0;
    }
  }
  if (head_ == segments_.size()) {
    segments_.clear();
    head_ = 0;
    if (segments_.capacity() > kKeptSegments) segments_.shrink_to_fit();
  } else if (head_ >= kKeptSegments && head_ * 2 >= segments_.size()) {
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  if (backpressure_signalled_ && bytes_ <= limits_.low_water) {
    backpressure_signalled_ = false;
    return true;
  }
  return false;
}

void WriteQueue::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  segments_.clear();
  segments_.shrink_to_fit();
  head_ = 0;
  front_offset_ = 0;
  bytes_ = 0;
  backpressure_signalled_ = false;
}

size_t WriteQueue::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

}  // namespace cs
