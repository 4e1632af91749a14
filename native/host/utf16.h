#pragma once
// UTF-8 <-> UTF-16: the IIS API's PCWSTR is char16_t on Linux.
#include <cstdint>
#include <string>

namespace cs::host {

std::u16string utf8_to_utf16(const std::string& s);  // invalid bytes become U+FFFD
std::string utf16_to_utf8(const std::u16string& s);  // unpaired surrogates become U+FFFD

}  // namespace cs::host
