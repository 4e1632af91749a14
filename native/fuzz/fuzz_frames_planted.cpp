// fuzz_frames with two bugs planted, so the tests can show the harness fails when it should (never run it
// for its own sake):
// * a real trap: the endpoint is `kind = test` (cs_init with TEST_HOOKS), whose handler aborts on the text
//   message `trap`, so a masked text frame `trap` traps the instance;
// * a broken rule: this host records every close frame the module sends twice, as if the module had sent
//   something after its close frame, so any input that closes the connection trips that check.
#include <cstddef>
#include <cstdint>

#include "frames_driver.h"
#include "fuzz_failure.h"

namespace {

const cs::fuzz::FramesVariant kTrapping = {static_cast<uint32_t>(cs::abi::InitFlag::kTestHooks),
                                           {{"kind = test\nmax_message_size = 64\nmax_fragments = 4\n", 64},
                                            {"kind = test\nmax_message_size = 0\nmax_fragments = 1\n", 0},
                                            {"kind = test\nmax_message_size = 300\n", 300},
                                            {"kind = test\n", 16777216}}};

class DoubleCloseHost final : public cs::fuzz::RecordingHost {
 public:
  cs::abi::Status send(uint32_t id, const uint8_t* data, size_t size) override {
    cs::abi::Status status = RecordingHost::send(id, data, size);
    if (size > 0 && data[0] == 0x88) RecordingHost::send(id, data, size);
    return status;
  }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cs::fuzz::capture_log();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  DoubleCloseHost host;
  cs::fuzz::drive_frames(data, size, kTrapping, host);
  return 0;
}
