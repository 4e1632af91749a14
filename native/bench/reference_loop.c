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

// Eight bytes at a time, as a server's C would (ws's bufferutil does the same). `out` may be `payload`.
static void unmask(const uint8_t* payload, size_t size, const uint8_t mask[4], uint8_t* out) {
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
}

int reference_unmask_and_check(const uint8_t* payload, size_t size, const uint8_t mask[4], uint8_t* out) {
  unmask(payload, size, mask, out);
  return utf8_valid(out, size);
}

// A server frame's header for `size` bytes, written so that it ends at `payload`; returns where it starts.
static uint8_t* write_header_before(uint8_t* payload, uint8_t opcode, uint64_t size) {
  if (size < 126) {
    payload[-2] = (uint8_t)(0x80 | opcode);
    payload[-1] = (uint8_t)size;
    return payload - 2;
  }
  if (size <= 0xFFFF) {
    uint8_t* start = payload - 4;
    start[0] = (uint8_t)(0x80 | opcode);
    start[1] = 126;
    start[2] = (uint8_t)(size >> 8);
    start[3] = (uint8_t)size;
    return start;
  }
  uint8_t* start = payload - 10;
  start[0] = (uint8_t)(0x80 | opcode);
  start[1] = 127;
  for (int i = 0; i < 8; ++i) start[2 + i] = (uint8_t)(size >> (56 - 8 * i));
  return start;
}

size_t reference_echo_frames(uint8_t* bytes, size_t size, reference_send_fn send, void* context) {
  size_t at = 0;
  while (size - at >= 2) {
    uint8_t first = bytes[at], second = bytes[at + 1];
    uint8_t opcode = first & 0x0F;
    if ((first & 0xF0) != 0x80 || !(second & 0x80) || (opcode != 1 && opcode != 2)) return REFERENCE_BAD_FRAME;
    size_t header = 2;
    uint64_t length = second & 0x7F;
    if (length == 126) {
      if (size - at < 4) break;
      length = ((uint64_t)bytes[at + 2] << 8) | bytes[at + 3];
      header = 4;
    } else if (length == 127) {
      if (size - at < 10) break;
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | bytes[at + 2 + i];
      header = 10;
    }
    if (size - at - header < 4 || size - at - header - 4 < length) break;
    uint8_t* mask = bytes + at + header;
    uint8_t* payload = mask + 4;
    unmask(payload, (size_t)length, mask, payload);
    if (opcode == 1 && !utf8_valid(payload, (size_t)length)) return REFERENCE_BAD_FRAME;
    uint8_t* start = write_header_before(payload, opcode, length);
    send(context, start, (size_t)(payload + length - start));
    at += header + 4 + (size_t)length;
  }
  return at;
}
