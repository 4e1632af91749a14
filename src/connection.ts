// One accepted WebSocket connection: its parser, its handler and the closing handshake (RFC 6455 §7).
//
// Closing, as the native side sees it:
// * The peer closes: we answer with a close frame (its code, 1000 for an empty close payload, or the
//   code of what was wrong with its close frame), then end gracefully.
// * We close (a handler's closeWith, or failing the connection on a protocol error, 1002, 1007, 1009 …,
//   RFC 6455 §7.1.7): we send our close frame, keep reading and wait for the peer's. Nothing is sent after
//   our close frame, and what arrives is skipped unread (see "Draining" in protocol/frame_parser.ts);
//   reading is resumed if backpressure had paused it. Ending at once instead would leave the client's
//   unread bytes in the socket, and closing a socket with unread data resets it: the client would lose
//   our close frame and see 1006. When the peer's close frame comes, we end gracefully (the server closes
//   TCP first, §7.1.1); if the close timer fires first, we end with abort; EOF ends it as usual.
// * The frame boundaries are lost (a 64-bit length with its top bit set): no close frame of the peer's
//   could be recognised any more, so we send ours (if not sent yet) and end gracefully at once.
// "End gracefully" is host_end(id, 0) with the close timer armed as a guard: a peer that never reads
// would otherwise keep the connection open forever; when the timer fires, host_end(id, 1).
//
// The close timer is slot 0, keepalive and idle the last two; handlers have the slots between. Reading paused
// by a handler (for backpressure) resumes when we close first: nothing is sent after our close frame, so the
// queue no longer limits reading.
//
// Keepalive (ping_interval, pong_timeout): every ping_interval a ping; if nothing at all comes from the client
// within pong_timeout (a pong, or any frame: a pong may queue behind a long message), it is gone or stuck,
// and we close with 1001. Idle (idle_timeout): a message either way marks the connection active; the idle
// timer, when it fires, closes an inactive connection or starts again, so no timer is re-armed per message.

import { CloseCode, Counter, Deflate, Limit, Status } from "./abi_constants";
import { isValidReceivedCloseCode } from "./protocol/close_codes";
import {
  MAX_CLOSE_REASON,
  Opcode,
  writeCloseFrame,
  writeFrameHeader,
  writeFrameHeaderBefore,
} from "./protocol/frame_encoder";
import {
  acceptCompressed,
  createFrameParser,
  drainFrames,
  FrameEvent,
  FrameParser,
  freeFrameParser,
  parseErrorText,
  parseFrames,
  releaseMessage,
} from "./protocol/frame_parser";
import { compressedPayload, compressMessage, deflateParams, releaseCompressed } from "./protocol/message_deflate";
import { DeflateAgreement } from "./protocol/permessage_deflate";
import { UTF8_BOUNDARY, utf8Validate } from "./protocol/utf8";
import { utf8Boundary } from "./text/utf8_repair";
import { Endpoint } from "./endpoint/endpoint";
import { Handler } from "./handlers/handler";
import { count } from "./counters";
import { endConnection, now, pauseReading, reportClosing, sendBytes, setTimer } from "./host";

const SCRATCH_FRAME: usize = memory.data(16, 8);
const CLOSE_FRAME: usize = memory.data(4 + <i32>MAX_CLOSE_REASON, 8);
/** The timer slot of the closing handshake; handlers have 1 to KEEPALIVE_TIMER - 1. */
const CLOSE_TIMER: u32 = 0;
const KEEPALIVE_TIMER: u32 = <u32>Limit.TIMER_SLOTS - 2;
const IDLE_TIMER: u32 = <u32>Limit.TIMER_SLOTS - 1;

export const enum CloseState {
  OPEN = 0,
  CLOSING = 1, // our close frame is sent (we closed first); waiting for the peer's
  ENDED = 2, // host_end called; only timers and the CLOSED event matter now
}

export class Connection {
  readonly id: u32;
  readonly endpoint: Endpoint;
  state: CloseState = CloseState.OPEN;
  private parser: FrameParser;
  private _handler: Handler | null = null;
  private closeSent: bool = false;
  private readingPaused: bool = false;
  private awaitingPong: bool = false;
  private heardSincePing: bool = false;
  /** Since the last ping, reading was paused or our sends backed up: silence then is not the client's. */
  private excusedSincePing: bool = false;
  private sendsBacklogged: bool = false;
  private active: bool = false;
  /** max_rate's token bucket: messages the client may still send, and when it was last filled (0: never). */
  private tokens: f64 = 0;
  private filledAt: u64 = 0;
  /** permessage-deflate: host_deflate's params for our messages (0: not negotiated). */
  private deflateOut: u32 = 0;

  constructor(id: u32, endpoint: Endpoint) {
    this.id = id;
    this.endpoint = endpoint;
    this.parser = createFrameParser(endpoint.config.maxMessageSize, endpoint.config.maxFragments);
  }

  @inline get handler(): Handler {
    return <Handler>this._handler;
  }

  /** Makes this connection's handler; once, before anything else happens to the connection. */
  attachHandler(): Handler {
    const handler = this.endpoint.createHandler(this);
    this._handler = handler;
    return handler;
  }

  /** permessage-deflate is agreed: messages both ways may be compressed. Before the handler is made. */
  useDeflate(agreement: DeflateAgreement): void {
    const config = this.endpoint.config.deflate;
    this.deflateOut = deflateParams(config, agreement.serverWindowBits, agreement.serverContextTakeover);
    const keep = agreement.clientContextTakeover ? <u32>Deflate.KEEP_CONTEXT : 0;
    acceptCompressed(this.parser, this.id, agreement.clientWindowBits | keep);
  }

  /** The LZ77 window our compressed messages may use (0: no permessage-deflate): a room's frames are made for it. */
  get deflateWindowBits(): u32 {
    return this.deflateOut & <u32>Deflate.WINDOW_BITS_MASK;
  }

  get isOpen(): bool {
    return this.state == CloseState.OPEN;
  }

  /** After the handler's onOpen: the keepalive and idle timers start. */
  opened(): void {
    const config = this.endpoint.config;
    if (config.pingInterval > 0) setTimer(this.id, KEEPALIVE_TIMER, config.pingInterval);
    if (config.idleTimeout > 0) setTimer(this.id, IDLE_TIMER, config.idleTimeout);
  }

  /** For idle_timeout: something happened that the handler counts as a message (its program wrote). */
  markActive(): void {
    this.active = true;
  }

  /** Bytes from the client, any split. */
  receive(ptr: usize, len: usize): void {
    this.heardSincePing = true;
    let pos: usize = 0;
    while (this.state != CloseState.ENDED) {
      pos += parseFrames(this.parser, ptr + pos, len - pos);
      const event = this.parser.event;
      if (event == FrameEvent.NONE) break;
      this.dispatch(event);
    }
    this.handler.onReceived();
  }

  @inline private dispatch(event: u32): void {
    const p = this.parser;
    if (event == FrameEvent.MESSAGE) {
      this.active = true;
      count(Counter.MESSAGES_IN);
      if (this.state == CloseState.OPEN && !this.withinRate()) {
        this.closeWith(CloseCode.POLICY_VIOLATION, "too many messages: over max_rate");
      } else if (this.state == CloseState.OPEN) {
        this.handler.onMessage(p.eventOpcode, p.eventPtr, p.eventLength);
      }
      releaseMessage(p);
    } else if (event == FrameEvent.PING) {
      if (this.state == CloseState.OPEN) this.sendMessageInPlace(Opcode.PONG, p.eventPtr, p.eventLength);
    } else if (event == FrameEvent.PONG) {
      if (this.awaitingPong && this.state == CloseState.OPEN) this.pingAgainLater();
    } else if (event == FrameEvent.CLOSE) {
      this.receivedClose(p.eventPtr, p.eventLength);
    } else if (event == FrameEvent.ERROR) {
      this.closeWith(p.errorCode, parseErrorText(p.error));
    } else if (event == FrameEvent.LOST) {
      this.sendClose(p.errorCode, parseErrorText(p.error), true); // unless ours is out already
      this.endGracefully();
    }
  }

  private receivedClose(ptr: usize, len: u32): void {
    if (this.state == CloseState.CLOSING) return this.endGracefully(); // the answer to our close
    // The peer has closed, even with a faulty close frame: answer and end, there is nothing to wait for.
    this.sendClose(answerToClose(ptr, len), "", false);
    this.endGracefully();
  }

  /** Sends a whole message with room for its frame header (frameHeaderLength(len) bytes) before it: no copy. */
  sendMessageInPlace(opcode: u32, ptr: usize, len: usize): Status {
    if (this.closeSent) return Status.DROPPED;
    if (opcode < Opcode.CLOSE) {
      this.active = true;
      count(Counter.MESSAGES_OUT);
      if (this.deflateOut != 0) {
        const compressed = this.sendCompressed(opcode, ptr, len);
        if (compressed >= 0) return <Status>compressed;
      }
    }
    const start = writeFrameHeaderBefore(ptr, opcode, len);
    return this.sent(sendBytes(this.id, start, ptr + len - start));
  }

  /** Notes a send that found the client's queue over its high-water mark (until WRITABLE says it drained). */
  @inline private sent(status: Status): Status {
    if (status == Status.BACKPRESSURE) {
      this.sendsBacklogged = true;
      this.excusedSincePing = true;
    }
    return status;
  }

  /** Called once permessage-deflate is agreed. A data message worth compressing goes out compressed: its Status; else -1. */
  private sendCompressed(opcode: u32, ptr: usize, len: usize): i32 {
    if (len < <usize>this.endpoint.config.deflate.threshold) return -1;
    const n = compressMessage(this.id, this.deflateOut, ptr, len);
    if (n < 0) return -1;
    const payload = compressedPayload();
    const start = writeFrameHeaderBefore(payload, opcode, <usize>n, true);
    const status = this.sent(sendBytes(this.id, start, payload + <usize>n - start));
    releaseCompressed();
    return <i32>status;
  }

  /** Sends a whole message from anywhere in memory (header and payload as two sends). */
  sendMessage(opcode: u32, ptr: usize, len: usize): Status {
    if (this.closeSent) return Status.DROPPED;
    if (opcode < Opcode.CLOSE) {
      this.active = true;
      count(Counter.MESSAGES_OUT);
      if (this.deflateOut != 0) {
        const compressed = this.sendCompressed(opcode, ptr, len);
        if (compressed >= 0) return <Status>compressed;
      }
    }
    const headerLength = writeFrameHeader(SCRATCH_FRAME, opcode, len);
    const status = this.sent(sendBytes(this.id, SCRATCH_FRAME, headerLength));
    if (status == Status.DROPPED) return status;
    return this.sent(sendBytes(this.id, ptr, len));
  }

  sendText(text: string): Status {
    const bytes = String.UTF8.encode(text);
    return this.sendMessage(Opcode.TEXT, changetype<usize>(bytes), bytes.byteLength);
  }

  /** Stops (or resumes) reading from the client: the handler's answer to BACKPRESSURE. */
  pauseReading(paused: bool): void {
    if (paused == this.readingPaused || (paused && this.state != CloseState.OPEN)) return;
    this.readingPaused = paused;
    if (paused) this.excusedSincePing = true;
    pauseReading(this.id, paused);
  }

  /** (Re)arms a handler's timer: slots 1 to KEEPALIVE_TIMER - 1; 0 ms cancels. BAD_ARGUMENT for another slot. */
  setTimer(slot: u32, ms: u32): Status {
    if (slot == CLOSE_TIMER || slot >= KEEPALIVE_TIMER) return Status.BAD_ARGUMENT;
    if (this.state == CloseState.ENDED) return Status.DROPPED;
    return setTimer(this.id, slot, ms);
  }

  /**
   * Starts the closing handshake: for handlers, and to fail the connection (RFC 6455 §7.1.7). The peer
   * has close_timeout ms to answer with its close frame; until then its bytes are read and skipped.
   */
  closeWith(code: u32, reason: string = ""): void {
    if (this.state != CloseState.OPEN) return;
    this.sendClose(code, reason, true);
    this.state = CloseState.CLOSING;
    drainFrames(this.parser);
    if (this.readingPaused) {
      this.readingPaused = false;
      pauseReading(this.id, false);
    }
    setTimer(this.id, CLOSE_TIMER, this.endpoint.config.closeTimeout);
  }

  /**
   * Sends our close frame, once; a reason too long for a control frame is cut between characters. `first`:
   * we close before the client did, which the server counts and logs.
   */
  private sendClose(code: u32, reason: string, first: bool): void {
    if (this.closeSent) return;
    this.closeSent = true;
    this.handler.onClosing();
    const bytes = String.UTF8.encode(reason);
    const ptr = changetype<usize>(bytes);
    const len = min(<usize>bytes.byteLength, MAX_CLOSE_REASON);
    const cut = len < <usize>bytes.byteLength ? utf8Boundary(ptr, len) : len;
    if (first) reportClosing(this.id, code, ptr, cut, this.endpoint.config.logCloses);
    sendBytes(this.id, CLOSE_FRAME, writeCloseFrame(CLOSE_FRAME, code, ptr, cut));
  }

  private endGracefully(): void {
    this.state = CloseState.ENDED;
    setTimer(this.id, CLOSE_TIMER, this.endpoint.config.closeTimeout);
    endConnection(this.id, false);
  }

  writable(): void {
    this.sendsBacklogged = false;
    if (this.state == CloseState.OPEN) this.handler.onWritable();
  }

  timerFired(slot: u32): void {
    if (slot != CLOSE_TIMER) {
      if (this.state != CloseState.OPEN) return;
      if (slot == KEEPALIVE_TIMER) this.keepalive();
      else if (slot == IDLE_TIMER) this.idleCheck();
      else this.handler.onTimer(slot);
      return;
    }
    if (this.state != CloseState.OPEN) {
      this.state = CloseState.ENDED;
      endConnection(this.id, true);
    }
  }

  /** One more message within max_rate? A bucket of max_rate tokens, refilled at max_rate a second. */
  private withinRate(): bool {
    const rate = this.endpoint.config.maxRate;
    if (rate == 0) return true;
    const time = now();
    if (this.filledAt == 0) this.tokens = <f64>rate; // the first message: a full bucket
    const elapsed = this.filledAt > 0 && time > this.filledAt ? time - this.filledAt : 0;
    this.filledAt = time;
    this.tokens = min<f64>(<f64>rate, this.tokens + (<f64>elapsed * <f64>rate) / 1000.0);
    if (this.tokens < 1.0) return false;
    this.tokens -= 1.0;
    return true;
  }

  private keepalive(): void {
    const config = this.endpoint.config;
    if (!this.awaitingPong) {
      this.awaitingPong = true;
      this.heardSincePing = false;
      this.excusedSincePing = this.readingPaused || this.sendsBacklogged;
      this.sent(sendBytes(this.id, SCRATCH_FRAME, writeFrameHeader(SCRATCH_FRAME, Opcode.PING, 0)));
      setTimer(this.id, KEEPALIVE_TIMER, config.pongTimeout);
    } else if (this.heardSincePing || this.excusedSincePing) {
      // While we read nothing (pongs included), or the ping waits behind our own backlog, silence is ours.
      this.pingAgainLater();
    } else {
      this.closeWith(CloseCode.GOING_AWAY, "no answer to a ping within " + config.pongTimeout.toString() + " ms");
    }
  }

  private pingAgainLater(): void {
    this.awaitingPong = false;
    setTimer(this.id, KEEPALIVE_TIMER, this.endpoint.config.pingInterval);
  }

  private idleCheck(): void {
    if (!this.active) {
      this.closeWith(CloseCode.GOING_AWAY, "idle for " + this.endpoint.config.idleTimeout.toString() + " ms");
      return;
    }
    this.active = false;
    setTimer(this.id, IDLE_TIMER, this.endpoint.config.idleTimeout);
  }

  /** The handshake was refused after the handler was made: frees the parser; no event follows. */
  discard(): void {
    this.state = CloseState.ENDED;
    freeFrameParser(this.parser);
    this.parser = changetype<FrameParser>(0);
  }

  /** The transport is gone: frees everything this connection holds. */
  closed(): void {
    this.state = CloseState.ENDED;
    this.handler.onClose();
    freeFrameParser(this.parser);
    this.parser = changetype<FrameParser>(0);
  }
}

/** The code to answer a peer's close payload with (RFC 6455 §5.5.1, §7.1.5, §7.4). */
function answerToClose(ptr: usize, len: u32): u32 {
  if (len == 0) return CloseCode.NORMAL;
  if (len == 1) return CloseCode.PROTOCOL_ERROR;
  const code = <u32>bswap<u16>(load<u16>(ptr));
  if (!isValidReceivedCloseCode(code)) return CloseCode.PROTOCOL_ERROR;
  if (utf8Validate(UTF8_BOUNDARY, ptr + 2, len - 2) != UTF8_BOUNDARY) return CloseCode.INVALID_PAYLOAD;
  return code;
}
