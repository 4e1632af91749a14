// What a kind of endpoint does with a connection once the handshake is accepted. One instance serves
// every connection of its kind, so per-connection state belongs on the Connection, not here.

import { Connection } from "../connection";

export abstract class Handler {
  onOpen(conn: Connection): void {}

  /**
   * A complete message: `opcode` is TEXT (valid UTF-8) or BINARY. The payload at `ptr` is only valid
   * during the call; FRAME_HEADROOM bytes before it may be overwritten (Connection.sendMessageInPlace).
   * The connection may have changed state after any call that sends: re-check `conn.isOpen`.
   */
  abstract onMessage(conn: Connection, opcode: u32, ptr: usize, len: u32): void;

  /** The write queue drained after backpressure. */
  onWritable(conn: Connection): void {}

  /** The transport is gone; the connection's state is freed after this returns. */
  onClose(conn: Connection): void {}
}
