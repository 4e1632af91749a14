#include "server_frames.h"

#include <cstdio>
#include <string>

#include "fuzz_failure.h"
#include "utf8_check.h"

namespace cs::fuzz {
namespace {

constexpr uint8_t kText = 0x1, kBinary = 0x2, kClose = 0x8, kPing = 0x9, kPong = 0xA;
constexpr size_t kMaxControlPayload = 125;

// The payload as text for a failure message: printable ASCII as it is, anything else as \xNN; at most 200 bytes.
std::string excerpt(const uint8_t* payload, size_t size) {
  std::string out;
  for (size_t i = 0; i < size && i < 200; ++i) {
    char escaped[8];
    if (payload[i] >= 0x20 && payload[i] < 0x7F && payload[i] != '\\') {
      out += static_cast<char>(payload[i]);
    } else {
      std::snprintf(escaped, sizeof escaped, "\\x%02x", payload[i]);
      out += escaped;
    }
  }
  return out;
}

}  // namespace

bool is_sendable_close_code(uint32_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

void ServerFrames::feed(const uint8_t* bytes, size_t size) {
  if (size == 0) return;
  check(!close_sent_, "the module sent bytes after its close frame");
  pending_.insert(pending_.end(), bytes, bytes + size);
  while (!close_sent_) {
    size_t frame_size = next_frame_size();
    if (frame_size == 0) return;
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(frame_size));
  }
  check(pending_.empty(), "the module sent bytes after its close frame");
}

size_t ServerFrames::next_frame_size() {
  if (pending_.size() < 2) return 0;
  const uint8_t first = pending_[0], second = pending_[1];
  const uint8_t opcode = first & 0x0F;
  check((first & 0x80) != 0, "a server frame without FIN (the module never fragments)");
  const bool compressed = (first & 0x40) != 0;
  check((first & 0x30) == 0, "a server frame with RSV2 or RSV3 set");
  check(!compressed || (compressed_allowed_ && (opcode == kText || opcode == kBinary)),
        "a server frame with RSV1 set without permessage-deflate, or on a control frame");
  check(opcode == kText || opcode == kBinary || opcode == kClose || opcode == kPing || opcode == kPong,
        "a server frame with an opcode a server does not send");
  check((second & 0x80) == 0, "a masked server frame");
  size_t header = 2;
  uint64_t length = second & 0x7F;
  if (length == 126) {
    header = 4;
    if (pending_.size() < header) return 0;
    length = static_cast<uint64_t>(pending_[2]) << 8 | pending_[3];
    check(length >= 126, "a 16-bit length for a payload under 126 bytes");
  } else if (length == 127) {
    header = 10;
    if (pending_.size() < header) return 0;
    length = 0;
    for (size_t i = 2; i < 10; ++i) length = length << 8 | pending_[i];
    check(length >> 63 == 0, "a 64-bit length with its top bit set");
    check(length > 0xFFFF, "a 64-bit length for a payload under 65536 bytes");
  }
  if (opcode >= kClose) check(length <= kMaxControlPayload, "a control frame over 125 bytes");
  if (opcode < kClose && length > max_data_payload_) {
    fail("a data frame of " + std::to_string(length) + " bytes, over max_message_size " +
         std::to_string(max_data_payload_));
  }
  if (pending_.size() - header < length) return 0;
  if (!compressed) check_payload(opcode, pending_.data() + header, static_cast<size_t>(length));
  ++frames_;
  return header + static_cast<size_t>(length);
}

void ServerFrames::check_payload(uint8_t opcode, const uint8_t* payload, size_t size) {
  if (opcode == kText && !is_utf8(payload, size)) fail("a text frame that is not UTF-8: " + excerpt(payload, size));
  if (opcode != kClose) return;
  close_sent_ = true;
  if (size == 0) return;
  check(size >= 2, "a close frame with a 1-byte payload");
  uint32_t code = static_cast<uint32_t>(payload[0]) << 8 | payload[1];
  if (!is_sendable_close_code(code)) fail("a close frame with code " + std::to_string(code));
  if (!is_utf8(payload + 2, size - 2)) fail("a close reason that is not UTF-8: " + excerpt(payload + 2, size - 2));
}

}  // namespace cs::fuzz
