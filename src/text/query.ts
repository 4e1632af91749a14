// Reading a query string's parameters (application/x-www-form-urlencoded, as a browser's URLSearchParams
// writes them): `+` is a space, %XX an octet, the octets UTF-8. Bytes that are not UTF-8 become U+FFFD.

import { decodeUtf8 } from "./utf8_repair";

/** The first value of `name` in `query` (without its `?`), decoded; null when it is not there. */
export function queryParameter(query: string, name: string): string | null {
  const pairs = query.split("&");
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i];
    const equals = pair.indexOf("=");
    const key = decodeComponent(equals < 0 ? pair : pair.substring(0, equals));
    if (key == name) return equals < 0 ? "" : decodeComponent(pair.substring(equals + 1));
  }
  return null;
}

function hexDigit(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

export function decodeComponent(text: string): string {
  const encoded = String.UTF8.encode(text);
  const src = changetype<usize>(encoded);
  const len = <usize>encoded.byteLength;
  const bytes = heap.alloc(max<usize>(len, 1));
  let out: usize = 0;
  for (let i: usize = 0; i < len; i++) {
    const c = <i32>load<u8>(src + i);
    if (c == 0x2b) {
      store<u8>(bytes + out++, 0x20);
    } else if (c == 0x25 && i + 2 < len && hexDigit(load<u8>(src + i + 1)) >= 0 && hexDigit(load<u8>(src + i + 2)) >= 0) {
      store<u8>(bytes + out++, <u8>((hexDigit(load<u8>(src + i + 1)) << 4) | hexDigit(load<u8>(src + i + 2))));
      i += 2;
    } else {
      store<u8>(bytes + out++, <u8>c);
    }
  }
  const decoded = decodeUtf8(bytes, out);
  heap.free(bytes);
  return decoded;
}
