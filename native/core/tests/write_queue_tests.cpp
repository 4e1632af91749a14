#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "write_queue.h"

using cs::WriteQueue;

namespace {
const uint8_t* bytes(const std::string& text) { return reinterpret_cast<const uint8_t*>(text.data()); }

std::vector<cs::Segment> front_of(const WriteQueue& queue, size_t max_segments) {
  std::vector<cs::Segment> segments(max_segments);
  segments.resize(queue.front(segments.data(), max_segments));
  return segments;
}
}  // namespace

TEST_CASE("WriteQueue keeps order across segments and partial writes") {
  WriteQueue queue;
  std::string a = "hello ", b = "world";
  queue.push(bytes(a), a.size());
  queue.push(bytes(b), b.size());
  CHECK(queue.size() == 11);
  auto front = front_of(queue, 8);
  REQUIRE(front.size() == 2);
  CHECK(std::string(reinterpret_cast<const char*>(front[0].data), front[0].size) == "hello ");
  queue.consume(3);
  front = front_of(queue, 8);
  CHECK(std::string(reinterpret_cast<const char*>(front[0].data), front[0].size) == "lo ");
  queue.consume(8);
  CHECK(queue.empty());
}

TEST_CASE("WriteQueue signals backpressure above the high-water mark and relief below the low one") {
  cs::WriteLimits limits;
  limits.high_water = 10;
  limits.low_water = 4;
  WriteQueue queue(limits);
  std::string eight(8, 'x');
  CHECK(queue.push(bytes(eight), 8) == WriteQueue::PushResult::kQueued);
  CHECK(queue.push(bytes(eight), 8) == WriteQueue::PushResult::kBackpressure);
  CHECK_FALSE(queue.consume(8));  // 8 left: still above low water
  CHECK(queue.consume(5));        // 3 left: tell the sender
  CHECK_FALSE(queue.consume(3));  // told once
}

TEST_CASE("WriteQueue joins a header and a payload into one segment") {
  WriteQueue queue;
  std::string header = "\x81\x02", payload = "hi";
  queue.push(bytes(header), header.size(), bytes(payload), payload.size());
  auto front = front_of(queue, 8);
  REQUIRE(front.size() == 1);
  CHECK(front[0].size == 4);
}
