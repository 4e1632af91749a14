#pragma once
// Reads a .chatsocket endpoint file. Its meaning is decided in Wasm (src/endpoint); here only bytes.
#include <string>

namespace cs {

constexpr size_t MAX_ENDPOINT_FILE_BYTES = 64 * 1024;

enum class EndpointRead { ok, missing, too_large, unreadable };

// `utf16_path` is the physical path as the server gives it (UTF-16, NUL-terminated).
EndpointRead read_endpoint_file(const char16_t* utf16_path, std::string& contents);

// UTF-16 (possibly with surrogate pairs) to UTF-8; unpaired surrogates become U+FFFD.
std::string utf16_to_utf8(const char16_t* text);

}  // namespace cs
