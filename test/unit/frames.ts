// Client frames to feed the module, a parser for what it sends back, and a seeded random source.
import { randomBytes } from "node:crypto";

export const TEXT = 0x1;
export const BINARY = 0x2;
export const CONTINUATION = 0x0;
export const CLOSE = 0x8;
export const PING = 0x9;
export const PONG = 0xa;

export interface FrameOptions {
  fin?: boolean;
  rsv?: number; // the three RSV bits, 0-7
  masked?: boolean;
  /** Force a length encoding: 7-bit, 16-bit or 64-bit (non-minimal encodings are legal). */
  lengthBytes?: 0 | 2 | 8;
  /** Overrides the 64-bit length field (for lengths no buffer can hold). */
  declaredLength?: bigint;
  /** The mask key (default: random); all zeros puts the payload on the wire as it is. */
  key?: Uint8Array;
}

/** One client frame, masked with a random key (or `key`) unless `masked` is false. */
export function clientFrame(opcode: number, payload: Uint8Array | string = new Uint8Array(0), o: FrameOptions = {}): Buffer {
  const data = typeof payload === "string" ? Buffer.from(payload, "utf8") : Buffer.from(payload);
  const masked = o.masked ?? true;
  const lengthBytes = o.lengthBytes ?? (data.length < 126 ? 0 : data.length <= 0xffff ? 2 : 8);
  const head = Buffer.alloc(2 + lengthBytes);
  head[0] = ((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | opcode;
  const maskBit = masked ? 0x80 : 0;
  if (lengthBytes === 0) head[1] = maskBit | data.length;
  else if (lengthBytes === 2) {
    head[1] = maskBit | 126;
    head.writeUInt16BE(data.length, 2);
  } else {
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(o.declaredLength ?? BigInt(data.length), 2);
  }
  if (!masked) return Buffer.concat([head, data]);
  const key = o.key ?? randomBytes(4);
  const body = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) body[i] = data[i] ^ key[i & 3];
  return Buffer.concat([head, key, body]);
}

/** A close frame payload: code (if any) and reason. */
export function closePayload(code?: number, reason: Uint8Array | string = ""): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const c = Buffer.alloc(2);
  c.writeUInt16BE(code);
  return Buffer.concat([c, typeof reason === "string" ? Buffer.from(reason) : Buffer.from(reason)]);
}

export interface ServerFrame {
  fin: boolean;
  rsv: number;
  masked: boolean;
  opcode: number;
  payload: Buffer;
}

/** Parses complete server frames; throws on trailing partial bytes. */
export function parseServerFrames(buf: Buffer): ServerFrame[] {
  const frames: ServerFrame[] = [];
  let at = 0;
  while (at < buf.length) {
    if (buf.length - at < 2) throw new Error("partial frame header");
    const b0 = buf[at];
    const b1 = buf[at + 1];
    let len = b1 & 0x7f;
    let p = at + 2;
    if (len === 126) {
      len = buf.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      len = Number(buf.readBigUInt64BE(p));
      p += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    if (masked) p += 4;
    if (p + len > buf.length) throw new Error("partial frame payload");
    frames.push({ fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, masked, opcode: b0 & 0x0f, payload: buf.subarray(p, p + len) });
    at = p + len;
  }
  return frames;
}

/** The close code in a server close frame payload. */
export function closeCodeOf(frame: ServerFrame): number | undefined {
  return frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : undefined;
}

/** A small seeded PRNG (mulberry32), so a failing random case can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random piece lengths covering `total` bytes, each between 1 and `maxPiece`. */
export function randomPieces(total: number, random: () => number, maxPiece: number): number[] {
  const pieces: number[] = [];
  let left = total;
  while (left > 0) {
    const n = Math.min(left, 1 + Math.floor(random() * maxPiece));
    pieces.push(n);
    left -= n;
  }
  return pieces;
}
