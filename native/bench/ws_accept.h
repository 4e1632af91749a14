#pragma once
// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 section 4.2.2): base64 of the SHA-1 of the
// key followed by the protocol's GUID. For the bench's C programs only; the module has its own.
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WS_ACCEPT_LENGTH 28

// Writes the 28 characters of the accept value and a NUL into out.
void ws_accept(const char* key, size_t key_length, char out[WS_ACCEPT_LENGTH + 1]);

#ifdef __cplusplus
}
#endif
