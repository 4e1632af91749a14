#include "reference_loop.h"

#include <string.h>

// Unicode 15, table 3-7: the well-formed byte sequences.
static int utf8_valid(const uint8_t* s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    uint8_t low = 0x80, high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return 0;
    }
    if (n - i < length || s[i + 1] < low || s[i + 1] > high) return 0;
    for (size_t k = 2; k < length; ++k)
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return 0;
    i += length;
  }
  return 1;
}

int reference_unmask_and_check(const uint8_t* payload, size_t size, const uint8_t mask[4], uint8_t* out) {
  // Eight bytes at a time, as a server's C would (ws's bufferutil does the same).
  uint32_t mask32;
  memcpy(&mask32, mask, 4);
  uint64_t mask64 = ((uint64_t)mask32 << 32) | mask32;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    memcpy(&word, payload + i, 8);
    word ^= mask64;
    memcpy(out + i, &word, 8);
  }
  for (; i < size; ++i) out[i] = payload[i] ^ mask[i & 3];
  return utf8_valid(out, size);
}
