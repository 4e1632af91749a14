#pragma once
// fuzz_frames' input as client bytes on one open connection. The input:
//
//   byte 0   the setup: bits 0-1 pick one of the variant's endpoint files, bits 2-4 make every n-th host_send
//            answer BACKPRESSURE (0: never)
//   byte 1   the split: 0 delivers the rest as one DATA event; n > 0 cuts it into pieces of 1 to n bytes, sizes
//            drawn from a generator seeded with the input's length, so a given input always splits the same way
//   rest     the bytes the client sends, after a valid handshake
//
// Between DATA events it plays a host that honours host_pause and owes WRITABLE after BACKPRESSURE; at the end
// it fires the armed timers and delivers CLOSED.
#include <cstddef>
#include <cstdint>

#include "recording_host.h"

namespace cs::fuzz {

struct FramesEndpoint {
  const char* text;
  uint32_t max_message_size;  // what `text` says: no echoed message may be larger
};

struct FramesVariant {
  uint32_t init_flags;
  FramesEndpoint endpoints[4];
};

// The handshake every fuzz_frames connection opens with.
extern const char kValidHead[];

void drive_frames(const uint8_t* data, size_t size, const FramesVariant& variant, RecordingHost& host);

}  // namespace cs::fuzz
