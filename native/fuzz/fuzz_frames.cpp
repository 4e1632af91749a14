// libFuzzer target: the frame parser, the closing handshake and kind = echo (one endpoint with permessage-deflate:
// RSV1 and inflating too), fed client bytes in fuzzed
// splits (frames_driver.h), with small limits so max_message_size and max_fragments are hit.
#include <cstddef>
#include <cstdint>

#include "frames_driver.h"
#include "fuzz_failure.h"

namespace {

const cs::fuzz::FramesVariant kEcho = {
    0,
    {{"kind = echo\nmax_message_size = 64\nmax_fragments = 4\n", 64},
     {"kind = echo\nmax_message_size = 0\nmax_fragments = 1\nclose_timeout = 1\n", 0},
     {"kind = echo\nmax_message_size = 300\ncompression = permessage-deflate\ncompression_threshold = 0\n", 300},
     {"kind = echo\n", 16777216}}};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cs::fuzz::capture_log();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cs::fuzz::RecordingHost host;
  cs::fuzz::drive_frames(data, size, kEcho, host);
  return 0;
}
