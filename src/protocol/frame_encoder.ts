// Server frames (RFC 6455 §5.2): FIN set, unmasked; RSV1 on a compressed message (RFC 7692 §6). Pure
// functions over linear memory.

export namespace Opcode {
  export const CONTINUATION: u32 = 0x0;
  export const TEXT: u32 = 0x1;
  export const BINARY: u32 = 0x2;
  export const CLOSE: u32 = 0x8; // opcodes from here on are control frames
  export const PING: u32 = 0x9;
  export const PONG: u32 = 0xa;
}

/** Header bytes for a payload of `len` bytes: 2, 4 (16-bit length) or 10 (64-bit length). */
@inline
export function frameHeaderLength(len: usize): usize {
  if (len < 126) return 2;
  return len <= 0xffff ? 4 : 10;
}

/** The first header byte's RSV1 bit: the payload is compressed (permessage-deflate). */
const RSV1: u32 = 0x40;

/** Writes a final, unmasked frame header for `opcode` and `len` at `out`; returns its length. */
@inline
export function writeFrameHeader(out: usize, opcode: u32, len: usize, compressed: bool = false): usize {
  store<u8>(out, <u8>(0x80 | opcode | (compressed ? RSV1 : 0)));
  if (len < 126) {
    store<u8>(out + 1, <u8>len);
    return 2;
  }
  if (len <= 0xffff) {
    store<u8>(out + 1, 126);
    store<u16>(out + 2, bswap<u16>(<u16>len));
    return 4;
  }
  store<u8>(out + 1, 127);
  store<u64>(out + 2, bswap<u64>(<u64>len));
  return 10;
}

/** Writes the header so that it ends right before `payload`; returns where the frame starts. */
@inline
export function writeFrameHeaderBefore(payload: usize, opcode: u32, len: usize, compressed: bool = false): usize {
  const start = payload - frameHeaderLength(len);
  writeFrameHeader(start, opcode, len, compressed);
  return start;
}

/** The longest close reason: a control frame's payload is at most 125 bytes, 2 of them the code. */
export const MAX_CLOSE_REASON: usize = 123;

/**
 * Writes a close frame carrying `code` and, if `reasonLen` > 0, the reason at `reason` (valid UTF-8, at most
 * MAX_CLOSE_REASON bytes) at `out`; returns its length.
 */
export function writeCloseFrame(out: usize, code: u32, reason: usize = 0, reasonLen: usize = 0): usize {
  store<u8>(out, 0x88);
  store<u8>(out + 1, <u8>(2 + reasonLen));
  store<u16>(out + 2, bswap<u16>(<u16>code));
  if (reasonLen > 0) memory.copy(out + 4, reason, reasonLen);
  return 4 + reasonLen;
}

/** A whole server frame (header and payload) in a buffer of its own, for the native side to keep and share. */
export function encodeFrame(opcode: u32, payload: usize, len: usize, compressed: bool = false): ArrayBuffer {
  const header = frameHeaderLength(len);
  const frame = new ArrayBuffer(<i32>(header + len));
  const at = changetype<usize>(frame);
  writeFrameHeader(at, opcode, len, compressed);
  memory.copy(at + header, payload, len);
  return frame;
}

/** A whole text frame carrying `text`. */
export function encodeTextFrame(text: string): ArrayBuffer {
  const bytes = String.UTF8.encode(text);
  return encodeFrame(Opcode.TEXT, changetype<usize>(bytes), bytes.byteLength);
}
