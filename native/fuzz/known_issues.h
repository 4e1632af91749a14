#pragma once
// Checks relaxed for a known, reported issue of the module, so that a bounded run stays green until it is
// fixed. CHATSOCKET_FUZZ_STRICT=1 applies them anyway: to reproduce the issue, or to prove its fix (then
// delete the relaxation).
//
// Lenient UTF-8: request heads, request values and endpoint files are decoded with AssemblyScript's
// String.UTF8.decodeUnsafe, which takes whatever follows a lead byte as its continuation bytes (C1 6A decodes
// to "j", C0 0A to a line break) and turns F8-FF into lone surrogates. For input that is not UTF-8 the module
// may therefore read another key or subprotocol than the bytes hold, see line breaks the file does not have
// (C0 CA is one), and quote such a line in an endpoint file error that is not UTF-8 either.
#include <cstddef>
#include <cstdint>

namespace cs::fuzz {

// True when `input` is not UTF-8 and CHATSOCKET_FUZZ_STRICT is not set: skip the checks the issue breaks.
bool lenient_utf8_decoding(const void* input, size_t size);

}  // namespace cs::fuzz
