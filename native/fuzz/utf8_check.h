#pragma once
// Strict UTF-8 (RFC 3629), as RFC 6455 requires of text frames and close reasons: no overlong forms, no
// surrogates, nothing above U+10FFFF, no sequence cut short.
#include <cstddef>
#include <cstdint>

namespace cs::fuzz {

bool is_utf8(const uint8_t* bytes, size_t size);

}  // namespace cs::fuzz
