#pragma once
// What any WebSocket server must do to a client's text frame, written as a plain C loop: unmask the payload
// into a buffer of its own and check that it is UTF-8. The yardstick of cs_codec_bench.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Unmasks `size` bytes of `payload` with `mask` into `out`; returns 1 when `out` is well-formed UTF-8.
int reference_unmask_and_check(const uint8_t* payload, size_t size, const uint8_t mask[4], uint8_t* out);

#ifdef __cplusplus
}
#endif
