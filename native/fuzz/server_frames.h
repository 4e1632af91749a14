#pragma once
// The bytes the module sends one client, checked frame by frame as they arrive, whatever the split of the
// host_send calls (RFC 6455 §5.2, §5.5, §7.4): every frame final, unmasked, without RSV bits (but RSV1 on a
// data frame once permessage-deflate is negotiated, RFC 7692; its payload is not inflated here), with an opcode
// a server sends and its shortest length encoding; control frames at most 125 bytes; text valid UTF-8; a
// close frame's code one a peer may receive and its reason UTF-8; nothing at all after the close frame.
// A broken rule is reported with fail().
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cs::fuzz {

class ServerFrames {
 public:
  // Data frames larger than `max_data_payload` are a failure too (an echo never exceeds the limit it read under).
  explicit ServerFrames(uint64_t max_data_payload = UINT64_MAX) : max_data_payload_(max_data_payload) {}

  void feed(const uint8_t* bytes, size_t size);
  // permessage-deflate was negotiated: data frames may carry RSV1.
  void allow_compressed() { compressed_allowed_ = true; }

  bool close_sent() const { return close_sent_; }
  bool at_frame_boundary() const { return pending_.empty(); }
  size_t frames() const { return frames_; }

 private:
  // A complete frame at the front of pending_, or 0 bytes when more are needed; checks the header as soon
  // as it is whole.
  size_t next_frame_size();
  void check_payload(uint8_t opcode, const uint8_t* payload, size_t size);

  uint64_t max_data_payload_;
  std::vector<uint8_t> pending_;
  bool close_sent_ = false;
  bool compressed_allowed_ = false;
  size_t frames_ = 0;
};

// True for a close code a server may put on the wire: 1000-1003, 1007-1014, 3000-4999 (RFC 6455 §7.4).
bool is_sendable_close_code(uint32_t code);

}  // namespace cs::fuzz
