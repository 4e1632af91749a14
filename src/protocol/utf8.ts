// Incremental UTF-8 validation (RFC 3629) that fails as soon as the bytes seen so far cannot be valid.
//
// The state between calls is one u32: 0 when at a character boundary, otherwise
//   bits 0–7   continuation bytes still expected (1–3)
//   bits 8–15  lowest allowed value of the next byte
//   bits 16–23 highest allowed value of the next byte
// The narrowed ranges after E0, ED, F0 and F4 reject overlongs, surrogates and code points above U+10FFFF
// at the second byte, not at the end of the character.

export const UTF8_BOUNDARY: u32 = 0;
export const UTF8_INVALID: u32 = 0xffffffff;

const ASCII_MASK: u64 = 0x8080808080808080;

/** Continues validation from `state` over `len` bytes at `ptr`; returns the new state or UTF8_INVALID. */
export function utf8Validate(state: u32, ptr: usize, len: usize): u32 {
  let need = state & 0xff;
  let lo = (state >> 8) & 0xff;
  let hi = (state >> 16) & 0xff;
  let p = ptr;
  const end = ptr + len;
  while (p < end) {
    if (need == 0) {
      // ASCII eight bytes at a time, then straight to the first byte that is not (the lowest address is
      // the lowest byte of a little-endian load).
      while (p + 8 <= end) {
        const high = load<u64>(p) & ASCII_MASK;
        if (high != 0) {
          p += <usize>(ctz(high) >> 3);
          break;
        }
        p += 8;
      }
      if (p == end) break;
      const b = <u32>load<u8>(p++);
      if (b < 0x80) continue;
      if (b < 0xc2) return UTF8_INVALID; // stray continuation byte, or overlong C0/C1
      if (b < 0xe0) {
        need = 1;
        lo = 0x80;
        hi = 0xbf;
      } else if (b < 0xf0) {
        need = 2;
        lo = b == 0xe0 ? 0xa0 : 0x80;
        hi = b == 0xed ? 0x9f : 0xbf;
      } else if (b < 0xf5) {
        need = 3;
        lo = b == 0xf0 ? 0x90 : 0x80;
        hi = b == 0xf4 ? 0x8f : 0xbf;
      } else {
        return UTF8_INVALID;
      }
    } else {
      const b = <u32>load<u8>(p++);
      if (b < lo || b > hi) return UTF8_INVALID;
      need--;
      lo = 0x80;
      hi = 0xbf;
    }
  }
  return need == 0 ? UTF8_BOUNDARY : need | (lo << 8) | (hi << 16);
}
