// A reference model of what an RFC 6455 server endpoint of kind `echo` decides, given everything the client
// sent: the frames it sends back, the byte at which it sends its close frame, and the byte at which it ends
// the connection (host_end(id, 0)).
// Written from RFC 6455 §5 (framing), §7 (closing), §8 (UTF-8 errors) and RFC 3629 §4 (UTF-8), not from
// src/. It reads the whole stream at once, frame by frame, so it shares no structure with the incremental
// parser it is compared against. Where the RFC leaves a choice, it takes the core's:
// * non-minimal length encodings are accepted for data frames; a control frame must use the 7-bit length
//   (a 126/127 length code is a payload over 125 as far as the 7-bit field can tell) → 1002;
// * the 64-bit length's top bit and the size limit are judged at the first length byte that reveals them:
//   when the least length the field can still hold, whatever bytes follow, breaks the rule (so the top
//   bit at the first of the 8 bytes);
// * a rule revealed by the first byte wins over one revealed later; within the first byte RSV bits come
//   first, then the opcode, then fragmentation; within the second byte the mask bit comes first;
// * text is checked fail-fast: at the first byte after which no valid UTF-8 can follow, across fragments;
// * a close reason is checked once the close frame is complete;
// * an empty close is answered with 1000, a valid close with the same code (no reason);
// * a close frame, valid or not, is the last thing sent;
// * the client's close frame, valid or not, ends the connection at its last byte;
// * after a close of ours the server keeps reading (§7.1.7 fails the connection, but closing TCP on unread
//   bytes would reset it and lose our close frame, and a client that answers our close waits for the
//   server to close TCP, §7.1.1): from the frame that broke the rule (whose end its header still gives:
//   the length field and, with the mask bit, a mask key) it walks frames by their structure alone (any
//   RSV bits, opcode, FIN, mask bit or length encoding), skips every payload unread, and ends at the last
//   byte of the first frame with the close opcode. When the frame that broke the rule is itself a close
//   frame, it is that close: the client has started closing and sends no other;
// * a 64-bit length with its top bit set, in the frame that broke a rule or in any frame after it, loses
//   the frame boundaries: the server ends at that byte (after its close frame, if not sent yet).

export const CONTINUATION = 0x0;
export const TEXT = 0x1;
export const BINARY = 0x2;
export const CLOSE = 0x8;
export const PING = 0x9;
export const PONG = 0xa;

export interface EndpointLimits {
  maxMessageSize: number;
  maxFragments: number;
}

/** Why the server stopped reading: the rule that decided, as a stable name. */
export type Decision =
  | "rsv-without-extension"
  | "reserved-opcode"
  | "fragmented-control"
  | "continuation-without-message"
  | "too-many-fragments"
  | "data-inside-message"
  | "unmasked"
  | "control-too-long"
  | "length-top-bit"
  | "message-too-big"
  | "invalid-utf8-text"
  | "close-empty"
  | "close-one-byte"
  | "close-invalid-code"
  | "close-invalid-reason"
  | "close-echoed";

/** Bytes the server sends once it has read the stream byte at index `at`. */
export interface ServerOutput {
  at: number;
  bytes: Buffer;
}

export type Ending =
  | "still open"
  | "the client closed first"
  | "the client answered our close"
  | "our close unanswered"
  | "frame boundaries lost";

export interface ServerDecisions {
  outputs: ServerOutput[];
  /** Index of the byte that made the server send its close frame (the last output), or -1: still open. */
  closedAt: number;
  /**
   * Index of the byte after which the server ends the connection gracefully, or -1. Equal to closedAt when
   * the client closed first; the last byte of the client's close frame when the server closed first; the
   * first byte of a 64-bit length with its top bit when the frame boundaries are lost.
   */
  endedAt: number;
  ending: Ending;
  closeCode?: number;
  decision?: Decision;
}

/** A server frame (§5.2): FIN, no RSV bits, unmasked, the shortest length encoding. */
export function serverFrame(opcode: number, payload: Uint8Array): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.alloc(2) : n <= 0xffff ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = 0x80 | opcode;
  if (n < 126) head[1] = n;
  else if (n <= 0xffff) {
    head[1] = 126;
    head.writeUInt16BE(n, 2);
  } else {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

export function closeFrame(code: number, reason = ""): Buffer {
  const payload = Buffer.concat([Buffer.alloc(2), Buffer.from(reason)]);
  payload.writeUInt16BE(code);
  return serverFrame(CLOSE, payload);
}

/** The reason the server gives in its close frame when it fails the connection; an answer to the client's
 * close has none. */
export const FAILURE_REASONS: Partial<Record<Decision, string>> = {
  "rsv-without-extension": "reserved bits set that no extension agreed on",
  "reserved-opcode": "reserved opcode",
  "fragmented-control": "fragmented control frame",
  "continuation-without-message": "continuation frame outside a message",
  "too-many-fragments": "message in more fragments than max_fragments",
  "data-inside-message": "new message before the last one ended",
  unmasked: "unmasked frame from a client",
  "control-too-long": "control frame over 125 bytes",
  "message-too-big": "message over max_message_size",
  "length-top-bit": "frame length over 2^63",
  "invalid-utf8-text": "text that is not UTF-8",
};

/** §7.4: codes a peer may send. 1004–1006 and 1015 are reserved or never sent; 1016–2999 unassigned. */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

type ByteRange = readonly [number, number];
const TAIL: ByteRange = [0x80, 0xbf];

/** RFC 3629 §4, UTF8-char: the ranges allowed for the bytes after a lead byte, or null for no such lead. */
function bytesAfterLead(lead: number): ByteRange[] | null {
  if (lead <= 0x7f) return [];
  if (lead >= 0xc2 && lead <= 0xdf) return [TAIL];
  if (lead === 0xe0) return [[0xa0, 0xbf], TAIL];
  if ((lead >= 0xe1 && lead <= 0xec) || lead === 0xee || lead === 0xef) return [TAIL, TAIL];
  if (lead === 0xed) return [[0x80, 0x9f], TAIL];
  if (lead === 0xf0) return [[0x90, 0xbf], TAIL, TAIL];
  if (lead >= 0xf1 && lead <= 0xf3) return [TAIL, TAIL, TAIL];
  if (lead === 0xf4) return [[0x80, 0x8f], TAIL, TAIL];
  return null;
}

/** Follows UTF-8 text byte by byte and says when it can no longer be the start of valid text. */
export class Utf8Prefix {
  private expected: ByteRange[] = [];

  /** False as soon as no valid UTF-8 starts with the bytes fed so far. */
  push(byte: number): boolean {
    const next = this.expected.shift();
    if (next !== undefined) return byte >= next[0] && byte <= next[1];
    const rest = bytesAfterLead(byte);
    if (rest === null) return false;
    this.expected = rest;
    return true;
  }

  get atCharacterBoundary(): boolean {
    return this.expected.length === 0;
  }
}

/** RFC 3629: the bytes are well-formed UTF-8 text. */
export function isUtf8(bytes: Uint8Array): boolean {
  const prefix = new Utf8Prefix();
  return bytes.every((b) => prefix.push(b)) && prefix.atCharacterBoundary;
}

interface OpenMessage {
  opcode: number;
  parts: Buffer[];
  length: number;
  fragments: number;
  text: Utf8Prefix;
}

class Stopped extends Error {}

class EchoEndpointModel {
  readonly result: ServerDecisions = { outputs: [], closedAt: -1, endedAt: -1, ending: "still open" };
  private message: OpenMessage | undefined;

  constructor(
    private readonly stream: Buffer,
    private readonly limits: EndpointLimits,
  ) {}

  run(): ServerDecisions {
    try {
      for (let at = 0; at < this.stream.length; at = this.frame(at));
    } catch (e) {
      if (!(e instanceof Stopped)) throw e;
    }
    return this.result;
  }

  private send(at: number, bytes: Buffer): void {
    this.result.outputs.push({ at, bytes });
  }

  /**
   * Sends our close frame for the byte at `at` and stops the model. `then` says what ends the connection:
   * "ended" (the client had closed), "boundaries lost" (the server ends at once), or the start of the
   * frame that broke the rule, from which to look for the client's close frame.
   */
  private close(at: number, code: number, decision: Decision, then: "ended" | "boundaries lost" | number): never {
    this.send(at, closeFrame(code, FAILURE_REASONS[decision]));
    const r = this.result;
    r.closedAt = at;
    r.closeCode = code;
    r.decision = decision;
    if (then === "ended") [r.endedAt, r.ending] = [at, "the client closed first"];
    else if (then === "boundaries lost") [r.endedAt, r.ending] = [at, "frame boundaries lost"];
    else [r.endedAt, r.ending] = this.clientCloseAfter(then);
    throw new Stopped();
  }

  /**
   * Walks frames from `start` (the frame that broke a rule, itself included) by their structure alone:
   * where the first close frame ends, where a 64-bit length with its top bit is, or -1.
   */
  private clientCloseAfter(start: number): [number, Ending] {
    const s = this.stream;
    const unanswered: [number, Ending] = [-1, "our close unanswered"];
    for (let at = start; at + 1 < s.length; ) {
      const opcode = s[at] & 0x0f;
      const masked = (s[at + 1] & 0x80) !== 0;
      const length7 = s[at + 1] & 0x7f;
      const lengthBytes = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
      let length = BigInt(length7);
      if (lengthBytes === 8 && at + 2 < s.length && (s[at + 2] & 0x80) !== 0) return [at + 2, "frame boundaries lost"];
      if (lengthBytes > 0) {
        if (at + 2 + lengthBytes > s.length) return unanswered;
        length = BigInt(`0x${s.subarray(at + 2, at + 2 + lengthBytes).toString("hex")}`);
      }
      const end = BigInt(at + 2 + lengthBytes + (masked ? 4 : 0)) + length; // header, mask key, payload
      if (end > BigInt(s.length)) return unanswered;
      if (opcode === CLOSE) return [Number(end) - 1, "the client answered our close"];
      at = Number(end);
    }
    return unanswered;
  }

  /** The byte at `at`; stops the model quietly when the client has sent no more. */
  private byte(at: number): number {
    if (at >= this.stream.length) throw new Stopped();
    return this.stream[at];
  }

  /** Reads the frame starting at `start`; returns where the next one starts. */
  private frame(start: number): number {
    const b0 = this.byte(start);
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    const control = opcode >= CLOSE;
    if ((b0 & 0x70) !== 0) this.close(start, 1002, "rsv-without-extension", start);
    if (![CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG].includes(opcode)) this.close(start, 1002, "reserved-opcode", start);
    if (control && !fin) this.close(start, 1002, "fragmented-control", start);
    if (opcode === CONTINUATION) {
      if (this.message === undefined) this.close(start, 1002, "continuation-without-message", start);
      if (this.message.fragments >= this.limits.maxFragments) this.close(start, 1009, "too-many-fragments", start);
    }
    if ((opcode === TEXT || opcode === BINARY) && this.message !== undefined) this.close(start, 1002, "data-inside-message", start);

    const b1 = this.byte(start + 1);
    if ((b1 & 0x80) === 0) this.close(start + 1, 1002, "unmasked", start);
    const length7 = b1 & 0x7f;
    if (control && length7 > 125) this.close(start + 1, 1002, "control-too-long", start);
    const lengthBytes = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
    const room = BigInt(this.limits.maxMessageSize - (opcode === CONTINUATION ? this.message!.length : 0));
    let length = BigInt(length7);
    if (lengthBytes === 0 && !control && length > room) this.close(start + 1, 1009, "message-too-big", start);
    if (lengthBytes > 0) {
      length = 0n;
      for (let i = 0; i < lengthBytes; i++) {
        const at = start + 2 + i;
        length = (length << 8n) | BigInt(this.byte(at));
        const least = length << BigInt(8 * (lengthBytes - 1 - i)); // whatever the bytes still to come
        if (least >= 1n << 63n) this.close(at, 1002, "length-top-bit", "boundaries lost");
        if (least > room) this.close(at, 1009, "message-too-big", start); // control frames never get here
      }
    }
    const lengthEnd = start + 1 + lengthBytes; // the last byte of the length field

    const maskAt = lengthEnd + 1;
    this.byte(maskAt + 3);
    const mask = this.stream.subarray(maskAt, maskAt + 4);
    const payloadAt = maskAt + 4;
    const payloadEnd = payloadAt + Number(length);
    const payload = Buffer.from(this.stream.subarray(payloadAt, Math.min(payloadEnd, this.stream.length)));
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3]; // §5.3
    const last = payloadEnd - 1; // the frame's last byte (its last mask byte when the payload is empty)

    if (control) {
      this.byte(last);
      if (opcode === PING) this.send(last, serverFrame(PONG, payload));
      else if (opcode === CLOSE) this.closeReceived(last, payload);
      return payloadEnd;
    }
    if (opcode !== CONTINUATION) {
      this.message = { opcode, parts: [], length: 0, fragments: 0, text: new Utf8Prefix() };
    }
    const message = this.message!;
    message.fragments++;
    if (message.opcode === TEXT) {
      for (let i = 0; i < payload.length; i++) {
        if (!message.text.push(payload[i])) this.close(payloadAt + i, 1007, "invalid-utf8-text", start);
      }
    }
    this.byte(last);
    message.parts.push(payload);
    message.length += payload.length;
    if (fin) {
      if (message.opcode === TEXT && !message.text.atCharacterBoundary) this.close(last, 1007, "invalid-utf8-text", start);
      this.send(last, serverFrame(message.opcode, Buffer.concat(message.parts)));
      this.message = undefined;
    }
    return payloadEnd;
  }

  /** §5.5.1 and §7.1.5: the close payload is empty or a code and a UTF-8 reason. */
  private closeReceived(at: number, payload: Buffer): never {
    if (payload.length === 0) this.close(at, 1000, "close-empty", "ended");
    if (payload.length === 1) this.close(at, 1002, "close-one-byte", "ended");
    const code = payload.readUInt16BE(0);
    if (!isValidCloseCode(code)) this.close(at, 1002, "close-invalid-code", "ended");
    if (!isUtf8(payload.subarray(2))) this.close(at, 1007, "close-invalid-reason", "ended");
    this.close(at, code, "close-echoed", "ended");
  }
}

/** What the server sends for `stream` (everything the client sent, in order) and where it stops reading. */
export function serverDecisions(stream: Uint8Array, limits: EndpointLimits): ServerDecisions {
  return new EchoEndpointModel(Buffer.from(stream.buffer, stream.byteOffset, stream.length), limits).run();
}
