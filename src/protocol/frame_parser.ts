// Incremental parser for client frames (RFC 6455 §5). One call consumes bytes until it has something to
// report (a message, a control frame, an error) or runs out of input; a TCP split is an ordinary return,
// so any split works, one byte at a time included. Each rule is checked at the first byte that reveals it.
//
// The parser assembles data frames into one message buffer and hands complete messages up; control
// frames are reported as they arrive, also between the fragments of a message.
//
// Compressed messages (permessage-deflate, RFC 7692), once the connection has negotiated it: RSV1 on a
// message's first frame; its payload is unmasked into a scratch region and inflated by zlib (host_inflate)
// into the message buffer as it arrives, so max_message_size and UTF-8 are judged on what it inflates to,
// and a message that inflates past the limit is refused (1009) at that point without inflating the rest.
//
// A broken rule (RSV bits, a known opcode, FIN on control frames, the mask bit, a 7-bit length on control
// frames, fragment order, max_fragments, max_message_size, UTF-8 in text) is reported as ERROR and the
// parser drains from there: the offending frame still has a readable header (its length field and, if
// its mask bit is set, a mask key), so its end is known and its remaining payload is skipped exactly.
// The one exception is a 64-bit length with its top bit set: where that frame ends cannot be known, so
// the parser reports LOST and reads nothing more.
//
// Draining (after our close frame, RFC 6455 §7.1.7): frames are walked through by their structure alone
// (any RSV bits, any opcode, FIN or not, masked or not, any length encoding) and their payloads skipped
// unread, so that the peer's answering close frame can be seen: a frame with the close opcode, reported
// as CLOSE once its payload is skipped. An offending frame that is itself a close frame (a fragmented one,
// one over 125 bytes, an unmasked one) is already the peer's close: the peer has started closing and will
// not send another (Autobahn 7.3.6 waits for us to drop TCP), so it is reported as CLOSE once skipped.

import { CloseCode, Deflate, Status } from "../abi_constants";
import { inflateBytes, inflatedIn, inflatedOut } from "../host";
import { Opcode } from "./frame_encoder";
import { FRAME_HEADROOM, KEEP_BUFFER_BYTES, MAX_CONTROL_PAYLOAD, MIN_BUFFER_BYTES } from "./limits";
import { claimMessageMemory, releaseMessageMemory } from "./message_memory";
import { unmaskCopy } from "./unmask";
import { UTF8_BOUNDARY, UTF8_INVALID, utf8Validate } from "./utf8";

/** Compressed payload is unmasked here, this much at a time, on its way to zlib. */
const INFLATE_SCRATCH_BYTES: usize = 16 * 1024;
const INFLATE_SCRATCH: usize = memory.data(<i32>INFLATE_SCRATCH_BYTES, 8);
/** Where a message already at max_message_size is asked for one more byte: any output is too much. */
const INFLATE_PROBE: usize = memory.data(8, 8);

export const enum ParseStep {
  FIRST_BYTE = 0,
  SECOND_BYTE = 1,
  EXTENDED_LENGTH = 2,
  MASK_KEY = 3,
  PAYLOAD = 4,
  SKIP = 5, // draining: the rest of this frame's payload (skipLength bytes) is ignored
  LOST = 6, // the frame boundaries are lost: everything else is ignored
}

/** What broke a rule (ERROR, LOST): the reason of our close frame, in a few words (parseErrorText). */
export const enum ParseError {
  NONE = 0,
  RESERVED_BITS,
  RESERVED_OPCODE,
  FRAGMENTED_CONTROL,
  STRAY_CONTINUATION,
  TOO_MANY_FRAGMENTS,
  UNFINISHED_MESSAGE,
  UNMASKED,
  LONG_CONTROL,
  LENGTH_OVER_2_63,
  OVER_MAX_SIZE,
  OUT_OF_MEMORY,
  NOT_UTF8,
  NOT_DEFLATE,
  INFLATE_FAILED,
}

export function parseErrorText(error: ParseError): string {
  switch (error) {
    case ParseError.RESERVED_BITS: return "reserved bits set that no extension agreed on";
    case ParseError.RESERVED_OPCODE: return "reserved opcode";
    case ParseError.FRAGMENTED_CONTROL: return "fragmented control frame";
    case ParseError.STRAY_CONTINUATION: return "continuation frame outside a message";
    case ParseError.TOO_MANY_FRAGMENTS: return "message in more fragments than max_fragments";
    case ParseError.UNFINISHED_MESSAGE: return "new message before the last one ended";
    case ParseError.UNMASKED: return "unmasked frame from a client";
    case ParseError.LONG_CONTROL: return "control frame over 125 bytes";
    case ParseError.LENGTH_OVER_2_63: return "frame length over 2^63";
    case ParseError.OVER_MAX_SIZE: return "message over max_message_size";
    case ParseError.OUT_OF_MEMORY: return "the server's message memory is full";
    case ParseError.NOT_UTF8: return "text that is not UTF-8";
    case ParseError.NOT_DEFLATE: return "compressed message that is not DEFLATE";
    case ParseError.INFLATE_FAILED: return "the server could not inflate the message";
  }
  return "";
}

export const enum FrameEvent {
  NONE = 0,
  MESSAGE = 1, // eventOpcode TEXT/BINARY, eventPtr/eventLength: the whole message (room for a frame header before it)
  PING = 2, // eventPtr/eventLength: the payload (room for a frame header before it)
  PONG = 3,
  CLOSE = 4, // eventPtr/eventLength: the raw close payload (draining: eventLength 0, the payload was skipped)
  ERROR = 5, // errorCode: the close code to fail the connection with; the parser now drains
  LOST = 6, // a 64-bit length with its top bit: nothing more can be parsed; errorCode: the close code
}

/**
 * Fixed per-connection state, one small heap block. The message buffer is a second block (`buffer`),
 * FRAME_HEADROOM + `capacity` bytes, grown on demand and freed after a large message. A control frame is
 * reported where it lies in the input when it is whole there; one that arrives in pieces is gathered in a
 * third block (`control`, FRAME_HEADROOM + 125 bytes), which lives from its first piece until the next call.
 */
@unmanaged
export class FrameParser {
  step: u32;
  maxMessageSize: u32;
  maxFragments: u32;
  draining: bool;
  peerClose: bool; // draining: the frame being skipped is the peer's close frame
  // The frame being read.
  fin: bool;
  rsv1: bool;
  masked: bool;
  opcode: u32;
  bytesLeft: u32; // of the extended length or of the mask key
  extendedLength: u64;
  skipLength: u64; // draining: payload bytes still to skip (a declared length may exceed any buffer)
  mask: u32;
  payloadLength: u32;
  payloadRead: u32;
  // The message being assembled; messageOpcode is 0 while none is open.
  messageOpcode: u32;
  messageLength: u32;
  fragments: u32;
  utf8: u32;
  compressed: bool; // the message is compressed (its first frame had RSV1)
  wireLength: u32; // compressed payload bytes of the message so far
  // permessage-deflate, once negotiated: host_inflate's connection id and params (0: not negotiated).
  inflateId: u32;
  inflateParams: u32;
  buffer: usize;
  capacity: u32;
  control: usize;
  // What made parseFrames return.
  event: u32;
  eventOpcode: u32;
  eventPtr: usize;
  eventLength: u32;
  errorCode: u32;
  error: ParseError;
}

/** The payload of a control frame reported with none (the peer's close frame, skipped while draining). */
const NO_PAYLOAD: usize = memory.data(<i32>FRAME_HEADROOM + 8, 8);

const CONTROL_BLOCK_BYTES: usize = FRAME_HEADROOM + MAX_CONTROL_PAYLOAD;

/** Where the pieces of the control frame being read are gathered (allocated at its first piece). */
function controlPayload(p: FrameParser): usize {
  if (p.control == 0) p.control = heap.alloc(CONTROL_BLOCK_BYTES);
  return p.control + FRAME_HEADROOM;
}

/** Called when nothing points into the control block any more: an event is handled once the next call comes. */
function releaseControl(p: FrameParser): void {
  if (p.control == 0 || (p.step == ParseStep.PAYLOAD && p.opcode >= Opcode.CLOSE)) return;
  heap.free(p.control);
  p.control = 0;
}

export function createFrameParser(maxMessageSize: u32, maxFragments: u32): FrameParser {
  const size = offsetof<FrameParser>();
  const block = heap.alloc(size);
  memory.fill(block, 0, size);
  const p = changetype<FrameParser>(block);
  p.maxMessageSize = maxMessageSize;
  p.maxFragments = maxFragments;
  return p;
}

export function freeFrameParser(p: FrameParser): void {
  freeMessageBuffer(p);
  if (p.control != 0) heap.free(p.control);
  heap.free(changetype<usize>(p));
}

/** permessage-deflate was negotiated: from now on a message's first frame may carry RSV1. */
export function acceptCompressed(p: FrameParser, id: u32, params: u32): void {
  p.inflateId = id;
  p.inflateParams = params;
}

/** Called once a MESSAGE event has been handled: keeps a small buffer for the next message. */
export function releaseMessage(p: FrameParser): void {
  if (p.capacity > KEEP_BUFFER_BYTES) freeMessageBuffer(p);
}

function freeMessageBuffer(p: FrameParser): void {
  if (p.buffer != 0) {
    heap.free(p.buffer);
    releaseMessageMemory(p.capacity);
  }
  p.buffer = 0;
  p.capacity = 0;
}

/**
 * From now on only looks for the peer's close frame (see the top of this file). The message buffer is
 * kept: a handler may call this while it still reads a message from it.
 */
export function drainFrames(p: FrameParser): void {
  if (p.draining || p.step == ParseStep.LOST) return;
  // A close frame already under way (nothing wrong with it so far) is the peer's, crossing ours.
  beginDraining(p, p.step != ParseStep.FIRST_BYTE && p.opcode == Opcode.CLOSE);
}

function beginDraining(p: FrameParser, frameIsPeerClose: bool): void {
  p.draining = true;
  p.peerClose = frameIsPeerClose;
  p.messageOpcode = 0;
  if (p.step == ParseStep.PAYLOAD) {
    p.skipLength = <u64>(p.payloadLength - p.payloadRead);
    p.step = ParseStep.SKIP;
  }
}

/**
 * Consumes bytes at `ptr` until an event or the end of the input; returns how many were consumed.
 * `p.event` says what happened (NONE: all input consumed, more is needed). A control frame or a message in
 * one frame that lies whole in the input is unmasked where it lies and reported there (the input is the caller's
 * scratch; the frame's header and FRAME_HEADROOM bytes before `ptr` may be overwritten); any other
 * payload is unmasked while it is copied out, leaving the input as it was.
 */
export function parseFrames(p: FrameParser, ptr: usize, len: usize): usize {
  p.event = FrameEvent.NONE;
  releaseControl(p);
  let pos: usize = 0;
  while (p.event == FrameEvent.NONE) {
    switch (p.step) {
      case ParseStep.FIRST_BYTE: {
        if (pos == len) return pos;
        if (len - pos >= SHORT_HEADER_BYTES) {
          const n = readShortHeader(p, ptr + pos);
          if (n > 0) {
            pos += n;
            break;
          }
        }
        readFirstByte(p, load<u8>(ptr + pos++));
        break;
      }
      case ParseStep.SECOND_BYTE: {
        if (pos == len) return pos;
        readSecondByte(p, load<u8>(ptr + pos++));
        break;
      }
      case ParseStep.EXTENDED_LENGTH: {
        if (pos == len) return pos;
        readLengthByte(p, load<u8>(ptr + pos++));
        break;
      }
      case ParseStep.MASK_KEY: {
        if (pos == len) return pos;
        p.mask |= (<u32>load<u8>(ptr + pos++)) << ((4 - p.bytesLeft) << 3);
        if (--p.bytesLeft == 0) startPayload(p);
        break;
      }
      case ParseStep.PAYLOAD: {
        const wanted = p.payloadLength - p.payloadRead;
        if (isWholeFrameHere(p, len - pos)) {
          readFrameInPlace(p, ptr + pos);
          pos += wanted;
          break;
        }
        if (wanted > 0) {
          if (pos == len) return pos;
          const n = min(<usize>wanted, len - pos);
          readPayload(p, ptr + pos, n);
          pos += n;
        }
        if (p.step == ParseStep.PAYLOAD && p.payloadRead == p.payloadLength) finishFrame(p);
        break;
      }
      case ParseStep.SKIP: {
        if (p.skipLength > 0) {
          if (pos == len) return pos;
          const n = <usize>min<u64>(p.skipLength, <u64>(len - pos));
          p.skipLength -= <u64>n;
          pos += n;
        }
        if (p.skipLength == 0) endSkippedFrame(p);
        break;
      }
      default:
        return len; // LOST
    }
  }
  return pos;
}

/** A masked frame's header with a 7-bit length: what most client frames carry. */
const SHORT_HEADER_BYTES: usize = 6;

/**
 * A short header lying whole at `at` is read in one go, with the same rules and in the same order as byte
 * by byte: returns the bytes consumed, which is fewer than SHORT_HEADER_BYTES when a rule stopped it (the
 * event is set then), and 0 when the header is not a short one.
 */
@inline
function readShortHeader(p: FrameParser, at: usize): usize {
  const second = <u32>load<u8>(at, 1);
  if ((second & 0x80) == 0 || (second & 0x7f) >= 126) return 0;
  readFirstByte(p, <u32>load<u8>(at));
  if (p.event != FrameEvent.NONE) return 1;
  readSecondByte(p, second);
  if (p.event != FrameEvent.NONE) return 2;
  p.mask = load<u32>(at, 2); // the key's first byte is its lowest, as MASK_KEY assembles it
  p.bytesLeft = 0;
  startPayload(p);
  return SHORT_HEADER_BYTES;
}

/** Draining: the skipped frame is over; it may have been the peer's close frame. */
function endSkippedFrame(p: FrameParser): void {
  p.step = ParseStep.FIRST_BYTE;
  if (!p.peerClose) return;
  p.peerClose = false;
  p.event = FrameEvent.CLOSE;
  p.eventPtr = NO_PAYLOAD + FRAME_HEADROOM;
  p.eventLength = 0;
}

/**
 * A rule is broken but the header still says where this frame ends: reports it and drains from here,
 * skipping the rest of this frame. A broken close frame is still the peer's close (see the top).
 */
function fail(p: FrameParser, code: u32, error: ParseError): void {
  p.event = FrameEvent.ERROR;
  p.errorCode = code;
  p.error = error;
  freeMessageBuffer(p); // nobody holds a pointer into it during parseFrames
  beginDraining(p, p.opcode == Opcode.CLOSE);
}

/** A 64-bit length with its top bit set: where this frame ends cannot be known, so nothing more is parsed. */
function loseFrameBoundaries(p: FrameParser): void {
  p.step = ParseStep.LOST;
  p.event = FrameEvent.LOST;
  p.errorCode = CloseCode.PROTOCOL_ERROR;
  p.error = ParseError.LENGTH_OVER_2_63;
}

@inline
function readFirstByte(p: FrameParser, b: u32): void {
  const opcode = b & 0x0f;
  p.fin = (b & 0x80) != 0;
  p.opcode = opcode;
  p.step = ParseStep.SECOND_BYTE;
  if (p.draining) {
    p.peerClose = opcode == Opcode.CLOSE; // nothing else matters now
    return;
  }
  // RSV1 only on the first frame of a data message, and only with permessage-deflate; RSV2 and RSV3 never.
  const rsv = b & 0x70;
  p.rsv1 = rsv == 0x40;
  if (rsv != 0 && (!p.rsv1 || p.inflateParams == 0 || opcode == Opcode.CONTINUATION || opcode >= Opcode.CLOSE)) {
    return fail(p, CloseCode.PROTOCOL_ERROR, ParseError.RESERVED_BITS);
  }
  if (opcode >= Opcode.CLOSE) {
    if (opcode > Opcode.PONG) return fail(p, CloseCode.PROTOCOL_ERROR, ParseError.RESERVED_OPCODE);
    if (!p.fin) return fail(p, CloseCode.PROTOCOL_ERROR, ParseError.FRAGMENTED_CONTROL);
  } else if (opcode > Opcode.BINARY) {
    return fail(p, CloseCode.PROTOCOL_ERROR, ParseError.RESERVED_OPCODE);
  }
  if (opcode == Opcode.CONTINUATION) {
    if (p.messageOpcode == 0) return fail(p, CloseCode.PROTOCOL_ERROR, ParseError.STRAY_CONTINUATION);
    if (p.fragments >= p.maxFragments) return fail(p, CloseCode.MESSAGE_TOO_BIG, ParseError.TOO_MANY_FRAGMENTS);
  } else if (opcode <= Opcode.BINARY) {
    if (p.messageOpcode != 0) return fail(p, CloseCode.PROTOCOL_ERROR, ParseError.UNFINISHED_MESSAGE);
  }
}

@inline
function readSecondByte(p: FrameParser, b: u32): void {
  p.masked = (b & 0x80) != 0;
  const length7 = b & 0x7f;
  if (!p.draining) {
    if (!p.masked) fail(p, CloseCode.PROTOCOL_ERROR, ParseError.UNMASKED);
    else if (p.opcode >= Opcode.CLOSE && length7 > MAX_CONTROL_PAYLOAD) fail(p, CloseCode.PROTOCOL_ERROR, ParseError.LONG_CONTROL);
  }
  if (length7 >= 126) {
    p.bytesLeft = length7 == 126 ? 2 : 8;
    p.extendedLength = 0;
    p.step = ParseStep.EXTENDED_LENGTH;
  } else {
    setPayloadLength(p, length7);
  }
}

/**
 * One byte of the 16- or 64-bit length. The bytes still to come can only make the length larger, so the
 * top bit (in the first of 8 bytes) and the size limit are judged on the least length still possible.
 */
function readLengthByte(p: FrameParser, b: u32): void {
  p.extendedLength = (p.extendedLength << 8) | b;
  p.bytesLeft--;
  const least = p.extendedLength << (<u64>p.bytesLeft << 3);
  if ((least >> 63) != 0) return loseFrameBoundaries(p);
  // Non-minimal encodings (a small length in 2 or 8 bytes) are accepted, as most servers do.
  if (!p.draining && least > roomLeft(p)) fail(p, CloseCode.MESSAGE_TOO_BIG, ParseError.OVER_MAX_SIZE); // the length still counts
  if (p.bytesLeft == 0) setPayloadLength(p, p.extendedLength);
}

/**
 * Payload bytes the current data frame may still carry: under max_message_size, or for a compressed message
 * (whose inflated size is judged as it inflates) under a bound on its compressed bytes, so that a stream of
 * empty blocks cannot go on forever either.
 */
function roomLeft(p: FrameParser): u64 {
  const continuing = p.opcode == Opcode.CONTINUATION;
  if (continuing ? p.compressed : p.rsv1) {
    const limit = <u64>p.maxMessageSize + (<u64>p.maxMessageSize >> 6) + 1024;
    return limit - <u64>(continuing ? p.wireLength : 0);
  }
  return <u64>(p.maxMessageSize - (continuing ? p.messageLength : 0));
}

@inline
function setPayloadLength(p: FrameParser, length: u64): void {
  if (!p.draining && p.opcode < Opcode.CLOSE && length > roomLeft(p)) fail(p, CloseCode.MESSAGE_TOO_BIG, ParseError.OVER_MAX_SIZE);
  p.payloadLength = <u32>length; // only read when not draining: within the limits (control frames: at most 125)
  p.skipLength = length;
  p.payloadRead = 0;
  p.mask = 0;
  if (p.masked) {
    p.bytesLeft = 4;
    p.step = ParseStep.MASK_KEY;
  } else {
    startPayload(p); // draining only: an unmasked frame has no mask key
  }
}

@inline
function startPayload(p: FrameParser): void {
  if (p.draining) {
    p.step = ParseStep.SKIP;
    return;
  }
  if (p.opcode == Opcode.TEXT || p.opcode == Opcode.BINARY) {
    p.messageOpcode = p.opcode;
    p.messageLength = 0;
    p.fragments = 1;
    p.utf8 = UTF8_BOUNDARY;
    p.compressed = p.rsv1;
    p.wireLength = 0;
  } else if (p.opcode == Opcode.CONTINUATION) {
    p.fragments++;
  }
  p.step = ParseStep.PAYLOAD;
}

/**
 * The frame starting its payload is whole in the input and needs nothing gathered: a control frame, or an
 * uncompressed message in one frame. It is reported from there, with no copy. The bytes before it (its own
 * header, at least 6 of them, earlier frames already reported, the input's FRAME_HEADROOM) are free to
 * overwrite.
 */
@inline
function isWholeFrameHere(p: FrameParser, available: usize): bool {
  if (p.payloadRead != 0 || <usize>p.payloadLength > available) return false;
  return p.opcode >= Opcode.CLOSE || (p.fin && p.opcode != Opcode.CONTINUATION && !p.compressed);
}

function readFrameInPlace(p: FrameParser, payload: usize): void {
  const n = <usize>p.payloadLength;
  unmaskCopy(payload, payload, n, p.mask, 0);
  p.payloadRead = p.payloadLength;
  p.step = ParseStep.FIRST_BYTE;
  if (p.opcode >= Opcode.CLOSE) return reportControl(p, payload);
  if (p.messageOpcode == Opcode.TEXT && utf8Validate(UTF8_BOUNDARY, payload, n) != UTF8_BOUNDARY) {
    return fail(p, CloseCode.INVALID_PAYLOAD, ParseError.NOT_UTF8);
  }
  reportMessage(p, payload, p.payloadLength);
}

/** The message is complete; it is at `payload`, `length` bytes. */
@inline
function reportMessage(p: FrameParser, payload: usize, length: u32): void {
  p.event = FrameEvent.MESSAGE;
  p.eventOpcode = p.messageOpcode;
  p.eventPtr = payload;
  p.eventLength = length;
  p.messageOpcode = 0;
}

/** A control frame is read; its payload is at `payload` (a message being assembled stays open around it). */
function reportControl(p: FrameParser, payload: usize): void {
  p.event = p.opcode == Opcode.PING ? FrameEvent.PING : p.opcode == Opcode.PONG ? FrameEvent.PONG : FrameEvent.CLOSE;
  p.eventPtr = payload;
  p.eventLength = p.payloadLength;
}

function readPayload(p: FrameParser, src: usize, n: usize): void {
  if (p.opcode >= Opcode.CLOSE) {
    unmaskCopy(controlPayload(p) + p.payloadRead, src, n, p.mask, p.payloadRead);
    p.payloadRead += <u32>n;
    return;
  }
  if (p.compressed) return readCompressed(p, src, n);
  if (!reserve(p, p.messageLength + <u32>n)) {
    p.payloadRead += <u32>n; // consumed: the drain skips only what is left of the frame
    return fail(p, CloseCode.TRY_AGAIN_LATER, ParseError.OUT_OF_MEMORY);
  }
  const dst = p.buffer + FRAME_HEADROOM + p.messageLength;
  unmaskCopy(dst, src, n, p.mask, p.payloadRead);
  p.messageLength += <u32>n;
  p.payloadRead += <u32>n;
  if (p.messageOpcode == Opcode.TEXT) {
    p.utf8 = utf8Validate(p.utf8, dst, n);
    if (p.utf8 == UTF8_INVALID) fail(p, CloseCode.INVALID_PAYLOAD, ParseError.NOT_UTF8); // fail fast, mid-frame
  }
}

function finishFrame(p: FrameParser): void {
  p.step = ParseStep.FIRST_BYTE;
  if (p.opcode >= Opcode.CLOSE) return reportControl(p, controlPayload(p));
  if (!p.fin) return;
  if (p.compressed && !inflateInto(p, 0, 0, true)) return;
  if (p.messageOpcode == Opcode.TEXT && p.utf8 != UTF8_BOUNDARY) return fail(p, CloseCode.INVALID_PAYLOAD, ParseError.NOT_UTF8);
  // an empty one needs headroom too
  if (!reserve(p, p.messageLength)) return fail(p, CloseCode.TRY_AGAIN_LATER, ParseError.OUT_OF_MEMORY);
  reportMessage(p, p.buffer + FRAME_HEADROOM, p.messageLength);
}

/**
 * Makes the message buffer hold at least `needed` bytes (plus headroom), doubling up to the size limit;
 * false when the instance's message memory (protocol/message_memory.ts) has no room for the growth.
 */
function reserve(p: FrameParser, needed: u32): bool {
  if (p.buffer != 0 && needed <= p.capacity) return true;
  let capacity = max(MIN_BUFFER_BYTES, min(p.capacity << 1, p.maxMessageSize));
  if (capacity < needed) capacity = needed;
  if (!claimMessageMemory(<u64>(capacity - p.capacity))) return false;
  const size = FRAME_HEADROOM + <usize>capacity;
  p.buffer = p.buffer == 0 ? heap.alloc(size) : heap.realloc(p.buffer, size);
  p.capacity = capacity;
  return true;
}

/** Compressed payload: unmasked into the scratch region a piece at a time, each piece inflated at once. */
function readCompressed(p: FrameParser, src: usize, n: usize): void {
  const offset = p.payloadRead;
  p.payloadRead += <u32>n; // consumed whatever happens: a failure skips only the rest of the frame
  p.wireLength += <u32>n;
  for (let done: usize = 0; done < n; ) {
    const piece = min(n - done, INFLATE_SCRATCH_BYTES);
    unmaskCopy(INFLATE_SCRATCH, src + done, piece, p.mask, <usize>offset + done);
    if (!inflateInto(p, INFLATE_SCRATCH, piece, false)) return;
    done += piece;
  }
}

/**
 * Inflates `n` compressed bytes (and with `end`, the end of the message) into the message buffer, growing it
 * up to max_message_size and checking text as it comes. False when it failed the connection (the event is set).
 */
function inflateInto(p: FrameParser, src: usize, n: usize, end: bool): bool {
  const params = p.inflateParams | (end ? <u32>Deflate.END : 0);
  let input = src;
  let left = n;
  while (true) {
    let out = INFLATE_PROBE;
    let room: usize = 1;
    if (p.messageLength < p.capacity) {
      out = p.buffer + FRAME_HEADROOM + p.messageLength;
      room = <usize>(p.capacity - p.messageLength);
    } else if (p.messageLength < p.maxMessageSize) {
      if (!reserve(p, p.messageLength + 1)) {
        fail(p, CloseCode.TRY_AGAIN_LATER, ParseError.OUT_OF_MEMORY);
        return false;
      }
      continue;
    }
    const status = inflateBytes(p.inflateId, params, input, left, out, room);
    const produced = inflatedOut();
    if (out == INFLATE_PROBE && produced > 0) {
      fail(p, CloseCode.MESSAGE_TOO_BIG, ParseError.OVER_MAX_SIZE);
      return false;
    }
    if (status != Status.OK && status != Status.BUFFER_TOO_SMALL) {
      if (status == Status.INVALID_DATA) fail(p, CloseCode.INVALID_PAYLOAD, ParseError.NOT_DEFLATE);
      else fail(p, CloseCode.INTERNAL_ERROR, ParseError.INFLATE_FAILED);
      return false;
    }
    if (produced > 0 && p.messageOpcode == Opcode.TEXT) {
      p.utf8 = utf8Validate(p.utf8, out, produced);
      if (p.utf8 == UTF8_INVALID) {
        fail(p, CloseCode.INVALID_PAYLOAD, ParseError.NOT_UTF8);
        return false;
      }
    }
    p.messageLength += produced;
    input += inflatedIn();
    left -= inflatedIn();
    if (status == Status.OK) return true;
  }
  return false; // not reached
}
