// kind = echo: every message goes back to its sender unchanged, with the same opcode.

import { Connection } from "../connection";
import { Handler } from "./handler";

export class EchoHandler extends Handler {
  onMessage(conn: Connection, opcode: u32, ptr: usize, len: u32): void {
    conn.sendMessageInPlace(opcode, ptr, len);
  }
}
