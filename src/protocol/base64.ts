// Base64 (RFC 4648 §4, standard alphabet, with padding) over linear memory.

function encodeSextet(v: u32): u32 {
  if (v < 26) return 0x41 + v; // A-Z
  if (v < 52) return 0x61 + v - 26; // a-z
  if (v < 62) return 0x30 + v - 52; // 0-9
  return v == 62 ? 0x2b : 0x2f; // + /
}

/** The value of one base64 character, or -1 for a character outside the alphabet. */
function decodeSextet(c: u32): i32 {
  if (c >= 0x41 && c <= 0x5a) return <i32>(c - 0x41);
  if (c >= 0x61 && c <= 0x7a) return <i32>(c - 0x61 + 26);
  if (c >= 0x30 && c <= 0x39) return <i32>(c - 0x30 + 52);
  if (c == 0x2b) return 62;
  if (c == 0x2f) return 63;
  return -1;
}

export function base64EncodedLength(len: usize): usize {
  return ((len + 2) / 3) * 4;
}

/** Encodes `len` bytes at `src` to `out`; returns the number of characters written. */
export function base64Encode(src: usize, len: usize, out: usize): usize {
  let o = out;
  let i: usize = 0;
  for (; i + 3 <= len; i += 3) {
    const v = (<u32>load<u8>(src + i) << 16) | (<u32>load<u8>(src + i + 1) << 8) | load<u8>(src + i + 2);
    store<u8>(o, encodeSextet(v >> 18));
    store<u8>(o + 1, encodeSextet((v >> 12) & 63));
    store<u8>(o + 2, encodeSextet((v >> 6) & 63));
    store<u8>(o + 3, encodeSextet(v & 63));
    o += 4;
  }
  const rest = len - i;
  if (rest > 0) {
    let v = <u32>load<u8>(src + i) << 16;
    if (rest == 2) v |= <u32>load<u8>(src + i + 1) << 8;
    store<u8>(o, encodeSextet(v >> 18));
    store<u8>(o + 1, encodeSextet((v >> 12) & 63));
    store<u8>(o + 2, rest == 2 ? encodeSextet((v >> 6) & 63) : 0x3d);
    store<u8>(o + 3, 0x3d);
    o += 4;
  }
  return o - out;
}

/**
 * Decodes `len` characters at `src` to `out` (room for len / 4 * 3 bytes); returns the number of bytes, or
 * -1 when the text is not padded base64 (wrong length, a foreign character, `=` anywhere but the end).
 */
export function base64Decode(src: usize, len: usize, out: usize): i32 {
  if ((len & 3) != 0) return -1;
  let padding: usize = 0;
  if (len > 0 && load<u8>(src + len - 1) == 0x3d) padding = load<u8>(src + len - 2) == 0x3d ? 2 : 1;
  let o = out;
  for (let i: usize = 0; i < len; i += 4) {
    const last = i + 4 == len;
    const count: usize = last ? 4 - padding : 4;
    let v: u32 = 0;
    for (let j: usize = 0; j < 4; j++) {
      let s: i32 = 0;
      if (j < count) {
        s = decodeSextet(load<u8>(src + i + j));
        if (s < 0) return -1;
      }
      v = (v << 6) | <u32>s;
    }
    store<u8>(o, <u8>(v >> 16));
    if (count > 2) store<u8>(o + 1, <u8>(v >> 8));
    if (count > 3) store<u8>(o + 2, <u8>v);
    o += count - 1;
  }
  return <i32>(o - out);
}
