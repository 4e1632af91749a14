// SHA-1 (FIPS 180-4) over linear memory. Only used for Sec-WebSocket-Accept, where it is still required.

const SCHEDULE: usize = memory.data(80 * 4, 4);
const TAIL: usize = memory.data(128, 8);

let h0: u32 = 0;
let h1: u32 = 0;
let h2: u32 = 0;
let h3: u32 = 0;
let h4: u32 = 0;

function compressBlock(block: usize): void {
  for (let i: usize = 0; i < 16; i++) {
    store<u32>(SCHEDULE + (i << 2), bswap<u32>(load<u32>(block + (i << 2))));
  }
  for (let i: usize = 16; i < 80; i++) {
    const w =
      load<u32>(SCHEDULE + ((i - 3) << 2)) ^
      load<u32>(SCHEDULE + ((i - 8) << 2)) ^
      load<u32>(SCHEDULE + ((i - 14) << 2)) ^
      load<u32>(SCHEDULE + ((i - 16) << 2));
    store<u32>(SCHEDULE + (i << 2), rotl<u32>(w, 1));
  }
  let a = h0, b = h1, c = h2, d = h3, e = h4;
  for (let i: usize = 0; i < 80; i++) {
    let f: u32, k: u32;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6;
    }
    const t = rotl<u32>(a, 5) + f + e + k + load<u32>(SCHEDULE + (i << 2));
    e = d;
    d = c;
    c = rotl<u32>(b, 30);
    b = a;
    a = t;
  }
  h0 += a;
  h1 += b;
  h2 += c;
  h3 += d;
  h4 += e;
}

/** Writes the 20-byte SHA-1 digest of `len` bytes at `src` to `out`. */
export function sha1(src: usize, len: usize, out: usize): void {
  h0 = 0x67452301;
  h1 = 0xefcdab89;
  h2 = 0x98badcfe;
  h3 = 0x10325476;
  h4 = 0xc3d2e1f0;
  let p = src;
  let rest = len;
  while (rest >= 64) {
    compressBlock(p);
    p += 64;
    rest -= 64;
  }
  // Padding: 0x80, zeros, then the message length in bits as a big-endian u64 ending a block.
  memory.fill(TAIL, 0, 128);
  memory.copy(TAIL, p, rest);
  store<u8>(TAIL + rest, 0x80);
  const tailLength: usize = rest < 56 ? 64 : 128;
  store<u64>(TAIL + tailLength - 8, bswap<u64>(<u64>len << 3));
  compressBlock(TAIL);
  if (tailLength == 128) compressBlock(TAIL + 64);
  store<u32>(out, bswap<u32>(h0));
  store<u32>(out + 4, bswap<u32>(h1));
  store<u32>(out + 8, bswap<u32>(h2));
  store<u32>(out + 12, bswap<u32>(h3));
  store<u32>(out + 16, bswap<u32>(h4));
}
