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

import { CloseCode, isValidReceivedCloseCode } from "./protocol/close_codes";
import { Opcode, writeCloseFrame, writeFrameHeader, writeFrameHeaderBefore } from "./protocol/frame_encoder";
import {
  createFrameParser,
  drainFrames,
  FrameEvent,
  FrameParser,
  freeFrameParser,
  parseFrames,
  releaseMessage,
} from "./protocol/frame_parser";
import { UTF8_BOUNDARY, utf8Validate } from "./protocol/utf8";
import { EndpointConfig } from "./endpoint/endpoint_config";
import { Handler } from "./handlers/handler";
import { endConnection, pauseReading, sendBytes, SendStatus, setTimer } from "./host";

const SCRATCH_FRAME: usize = memory.data(16, 8);

export const enum CloseState {
  OPEN = 0,
  CLOSING = 1, // our close frame is sent (we closed first); waiting for the peer's
  ENDED = 2, // host_end called; only cs_timer and cs_closed matter now
}

export class Connection {
  readonly id: u32;
  state: CloseState = CloseState.OPEN;
  private parser: FrameParser;
  private handler: Handler;
  private closeTimeout: u32;
  private closeSent: bool = false;
  private paused: bool = false;

  constructor(id: u32, config: EndpointConfig, handler: Handler) {
    this.id = id;
    this.parser = createFrameParser(config.maxMessageSize, config.maxFragments);
    this.handler = handler;
    this.closeTimeout = config.closeTimeout;
  }

  get isOpen(): bool {
    return this.state == CloseState.OPEN;
  }

  opened(): void {
    this.handler.onOpen(this);
  }

  /** Bytes from the client, any split. */
  receive(ptr: usize, len: usize): void {
    let pos: usize = 0;
    while (this.state != CloseState.ENDED) {
      pos += parseFrames(this.parser, ptr + pos, len - pos);
      const event = this.parser.event;
      if (event == FrameEvent.NONE) return;
      this.dispatch(event);
    }
  }

  private dispatch(event: u32): void {
    const p = this.parser;
    if (event == FrameEvent.MESSAGE) {
      if (this.state == CloseState.OPEN) this.handler.onMessage(this, p.eventOpcode, p.eventPtr, p.eventLength);
      releaseMessage(p);
    } else if (event == FrameEvent.PING) {
      if (this.state == CloseState.OPEN) this.sendMessageInPlace(Opcode.PONG, p.eventPtr, p.eventLength);
    } else if (event == FrameEvent.CLOSE) {
      this.receivedClose(p.eventPtr, p.eventLength);
    } else if (event == FrameEvent.ERROR) {
      this.closeWith(p.errorCode);
    } else if (event == FrameEvent.LOST) {
      this.sendClose(p.errorCode); // unless ours is out already
      this.endGracefully();
    } // unsolicited PONGs are ignored
  }

  private receivedClose(ptr: usize, len: u32): void {
    if (this.state == CloseState.CLOSING) return this.endGracefully(); // the answer to our close
    // The peer has closed, even with a faulty close frame: answer and end, there is nothing to wait for.
    this.sendClose(answerToClose(ptr, len));
    this.endGracefully();
  }

  /** Sends a whole message whose payload has FRAME_HEADROOM writable bytes before it (no copy). */
  sendMessageInPlace(opcode: u32, ptr: usize, len: usize): SendStatus {
    if (this.closeSent) return SendStatus.DROPPED;
    const start = writeFrameHeaderBefore(ptr, opcode, len);
    return this.send(start, ptr + len - start);
  }

  /** Sends a whole message from anywhere in memory (header and payload as two sends). */
  sendMessage(opcode: u32, ptr: usize, len: usize): SendStatus {
    if (this.closeSent) return SendStatus.DROPPED;
    const headerLength = writeFrameHeader(SCRATCH_FRAME, opcode, len);
    const status = this.send(SCRATCH_FRAME, headerLength);
    if (status == SendStatus.DROPPED) return status;
    return this.send(ptr, len);
  }

  private send(ptr: usize, len: usize): SendStatus {
    const status = sendBytes(this.id, ptr, len);
    if (status == SendStatus.BACKPRESSURE && !this.paused) {
      this.paused = true;
      pauseReading(this.id, true);
    }
    return status;
  }

  /**
   * Starts the closing handshake: for handlers, and to fail the connection (RFC 6455 §7.1.7). The peer
   * has close_timeout ms to answer with its close frame; until then its bytes are read and skipped.
   */
  closeWith(code: u32): void {
    if (this.state != CloseState.OPEN) return;
    this.sendClose(code);
    this.state = CloseState.CLOSING;
    drainFrames(this.parser);
    if (this.paused) {
      this.paused = false; // nothing more is sent, so the write queue no longer limits reading
      pauseReading(this.id, false);
    }
    setTimer(this.id, this.closeTimeout);
  }

  private sendClose(code: u32): void {
    if (this.closeSent) return;
    this.closeSent = true;
    sendBytes(this.id, SCRATCH_FRAME, writeCloseFrame(SCRATCH_FRAME, code));
  }

  private endGracefully(): void {
    this.state = CloseState.ENDED;
    setTimer(this.id, this.closeTimeout);
    endConnection(this.id, false);
  }

  writable(): void {
    if (this.paused && this.state != CloseState.ENDED) {
      this.paused = false;
      pauseReading(this.id, false);
    }
    if (this.state == CloseState.OPEN) this.handler.onWritable(this);
  }

  timerFired(): void {
    if (this.state != CloseState.OPEN) {
      this.state = CloseState.ENDED;
      endConnection(this.id, true);
    }
  }

  /** The transport is gone: frees everything this connection holds. */
  closed(): void {
    this.state = CloseState.ENDED;
    this.handler.onClose(this);
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
