#include "known_issues.h"

#include <cstdlib>
#include <cstring>

#include "utf8_check.h"

namespace cs::fuzz {

bool lenient_utf8_decoding(const void* input, size_t size) {
  static const bool strict = [] {
    const char* value = std::getenv("CHATSOCKET_FUZZ_STRICT");
    return value && std::strcmp(value, "1") == 0;
  }();
  return !strict && !is_utf8(static_cast<const uint8_t*>(input), size);
}

}  // namespace cs::fuzz
