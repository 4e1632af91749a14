// Turning bytes a program wrote into text a WebSocket text frame may carry: valid UTF-8 is kept as it is,
// and each maximal invalid subpart becomes U+FFFD, as a WHATWG TextDecoder (the browser's own) does. A
// program's output is never sent as an invalid text frame, and nothing of it is silently dropped.

import { UTF8_BOUNDARY, utf8Validate } from "../protocol/utf8";

/** When the last repairUtf8 was not final: how many bytes at the end start a sequence yet to complete. */
export let utf8Pending: usize = 0;

// @ts-ignore: decorator
@inline
function replacement(dst: usize, at: usize): usize {
  store<u8>(dst + at, 0xef);
  store<u8>(dst + at + 1, 0xbf);
  store<u8>(dst + at + 2, 0xbd);
  return at + 3;
}

/**
 * Writes the `len` bytes at `src` to `dst` as valid UTF-8 and returns how many bytes it wrote. `dst` needs
 * room for 3 × len bytes and may not overlap `src`. When `final` is false, an incomplete sequence at the end
 * is left out and its length put in utf8Pending, so the caller can prepend it to what comes next.
 */
export function repairUtf8(src: usize, len: usize, dst: usize, final: bool): usize {
  // Nearly all output is valid already: the validator's 8-bytes-at-a-time pass and one copy.
  if (utf8Validate(UTF8_BOUNDARY, src, len) == UTF8_BOUNDARY) {
    memory.copy(dst, src, len);
    utf8Pending = 0;
    return len;
  }
  let out: usize = 0;
  let needed: u32 = 0;
  let seen: u32 = 0;
  let lower: u32 = 0x80;
  let upper: u32 = 0xbf;
  let start: usize = 0;
  let i: usize = 0;
  while (i < len) {
    const b = <u32>load<u8>(src + i);
    if (needed == 0) {
      if (b <= 0x7f) {
        store<u8>(dst + out++, <u8>b);
      } else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1;
        start = i;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b == 0xe0) lower = 0xa0;
        if (b == 0xed) upper = 0x9f;
        needed = 2;
        start = i;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b == 0xf0) lower = 0x90;
        if (b == 0xf4) upper = 0x8f;
        needed = 3;
        start = i;
      } else {
        out = replacement(dst, out);
      }
      i++;
      continue;
    }
    if (b < lower || b > upper) {
      // The sequence so far is a maximal subpart: one U+FFFD for it, and this byte starts afresh.
      needed = seen = 0;
      lower = 0x80;
      upper = 0xbf;
      out = replacement(dst, out);
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    seen++;
    i++;
    if (seen == needed) {
      memory.copy(dst + out, src + start, i - start);
      out += i - start;
      needed = seen = 0;
    }
  }
  utf8Pending = 0;
  if (needed != 0) {
    if (final) out = replacement(dst, out);
    else utf8Pending = len - start;
  }
  return out;
}

/** The largest n ≤ len such that the first n bytes at `ptr` end on a character boundary of valid UTF-8. */
export function utf8Boundary(ptr: usize, len: usize): usize {
  let cut = len;
  // Step back over continuation bytes (at most 3) to the lead byte of the last character.
  let back: usize = 0;
  while (back < 3 && back < cut && (load<u8>(ptr + cut - 1 - back) & 0xc0) == 0x80) back++;
  if (back == cut) return cut; // nothing but continuation bytes: no boundary to find, cut anywhere
  const lead = <u32>load<u8>(ptr + cut - 1 - back);
  const size: usize = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return back + 1 >= size ? cut : cut - 1 - back;
}

/**
 * The `len` bytes at `ptr` as a string: valid UTF-8 as it is, each invalid subpart as U+FFFD. Unlike
 * String.UTF8.decodeUnsafe, never takes a byte that is not a continuation byte as one (C1 6A is not "j").
 */
export function decodeUtf8(ptr: usize, len: usize): string {
  if (utf8Validate(UTF8_BOUNDARY, ptr, len) == UTF8_BOUNDARY) return String.UTF8.decodeUnsafe(ptr, len);
  const repaired = heap.alloc(max<usize>(len * 3, 1));
  const text = String.UTF8.decodeUnsafe(repaired, repairUtf8(ptr, len, repaired, true));
  heap.free(repaired);
  return text;
}
