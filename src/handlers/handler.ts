// What a kind of endpoint does with one connection. Each connection owns one Handler, made by its
// endpoint's kind (handlers/kinds.ts), so the handler's fields are that connection's state.
//
// After any call that sends or closes, the connection may no longer be open: re-check `conn.isOpen`.

import { Connection } from "../connection";
import { Request } from "../request";

/** A handshake the handler refuses: the HTTP status and the text body saying why. */
export class Refusal {
  constructor(
    readonly status: u32,
    readonly reason: string,
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
   * during the call; FRAME_HEADROOM bytes before it may be overwritten (Connection.sendMessageInPlace).
   */
  abstract onMessage(opcode: u32, ptr: usize, len: u32): void;

  /** The write queue drained after a send answered BACKPRESSURE. */
  onWritable(): void {}

  /** A timer the handler set with conn.setTimer fired. */
  onTimer(slot: u32): void {}

  /** The transport is gone; the connection and this handler are freed after this returns. */
  onClose(): void {}
}
