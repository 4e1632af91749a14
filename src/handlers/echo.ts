// kind = echo: every message goes back to its sender unchanged, with the same opcode. A client that does
// not read its echoes is not read from either: reading pauses while the queue is over its high-water mark.

import { Status } from "../abi_constants";
import { Handler } from "./handler";

export class EchoHandler extends Handler {
  onMessage(opcode: u32, ptr: usize, len: u32): void {
    if (this.conn.sendMessageInPlace(opcode, ptr, len) == Status.BACKPRESSURE) this.conn.pauseReading(true);
  }

  onWritable(): void {
    this.conn.pauseReading(false);
  }
}
