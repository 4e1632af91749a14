// What a kind of endpoint does with one connection. Each connection owns one Handler, made by its
// endpoint's kind (handlers/kinds.ts), so the handler's fields are that connection's state.
//
// After any call that sends or closes, the connection may no longer be open: re-check `conn.isOpen`.

import { Connection } from "../connection";
import { Request } from "../request";

/** A handshake the handler refuses: the HTTP status, the text body saying why, and for a 503 when to retry. */
export class Refusal {
  constructor(
    readonly status: u32,
    readonly reason: string,
    readonly retryAfterSeconds: u32 = 0,
  ) {}
}

export abstract class Handler {
  constructor(readonly conn: Connection) {}

  /**
   * Before the answer to the handshake: return a Refusal to refuse it. The only moment the request's
   * headers and server variables can be read; keep what is needed.
   */
  admit(request: Request): Refusal | null {
    return null;
  }

  /** The handshake is accepted; nothing has been received yet. */
  onOpen(): void {}

  /**
   * A complete message: `opcode` is TEXT (valid UTF-8) or BINARY. The payload at `ptr` is only valid
   * during the call; the bytes of a frame header before it may be overwritten (Connection.sendMessageInPlace).
   */
  abstract onMessage(opcode: u32, ptr: usize, len: u32): void;

  /** The bytes of one read from the client are all delivered (after their onMessage calls, if any). */
  onReceived(): void {}

  /** The write queue drained after a send answered BACKPRESSURE. */
  onWritable(): void {}

  /** A timer the handler set with conn.setTimer fired. */
  onTimer(slot: u32): void {}

  /** The connection's program (kind = process) wrote `len` bytes at `ptr` to stdout or stderr. */
  onProcessOutput(stderr: bool, ptr: usize, len: u32): void {}

  /** The program's stdin queue drained after host_process_write answered BACKPRESSURE. */
  onProcessStdinWritable(): void {}

  /** The program ended (`code`, or the `signal` that ended it), after the last of its output. */
  onProcessExit(code: u32, signal: u32): void {}

  /**
   * Members of the connection's chat room left without a word (failed, trapped, cut off): their presence
   * records at `ptr` (each a u32 length, then the bytes), for this member to announce.
   */
  onRoomMembersLost(ptr: usize, len: u32): void {}

  /** The closing handshake has begun (either side's close frame): nothing more will be sent. */
  onClosing(): void {}

  /** The transport is gone; the connection and this handler are freed after this returns. */
  onClose(): void {}
}
