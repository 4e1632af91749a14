#pragma once
// What any WebSocket server must do to a client's text frame, written as a plain C loop: unmask the payload
// into a buffer of its own and check that it is UTF-8. The yardstick of cs_codec_bench; beside it, the same
// work in a minimal C echo codec (frame headers read and written, one send per frame).
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Unmasks `size` bytes of `payload` with `mask` into `out`; returns 1 when `out` is well-formed UTF-8.
int reference_unmask_and_check(const uint8_t* payload, size_t size, const uint8_t mask[4], uint8_t* out);

// The least a C server does to echo whole frames: for each masked, final text or binary
// frame lying whole in `bytes`, unmask in place, check text, write the server header in place before the
// payload and hand header and payload to `send`. No fragments, control frames or limits. Returns the bytes of
// the whole frames consumed, or REFERENCE_BAD_FRAME.
typedef void (*reference_send_fn)(void* context, const uint8_t* frame, size_t size);
#define REFERENCE_BAD_FRAME ((size_t)-1)
size_t reference_echo_frames(uint8_t* bytes, size_t size, reference_send_fn send, void* context);

#ifdef __cplusplus
}
#endif
