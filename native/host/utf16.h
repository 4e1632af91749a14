#pragma once
// Small text helpers: UTF-8 -> UTF-16 (the IIS API's PCWSTR on Linux is char16_t), hex formatting.
#include <cstdint>
#include <string>

namespace cs {

std::u16string utf8_to_utf16(const std::string& s);  // invalid bytes become U+FFFD
std::string hex32(int32_t value);

}  // namespace cs
