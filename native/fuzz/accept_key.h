#pragma once
// Sec-WebSocket-Accept computed here, independently of the module: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2).
#include <string>
#include <string_view>

namespace cs::fuzz {

std::string accept_key_for(std::string_view key);

}  // namespace cs::fuzz
