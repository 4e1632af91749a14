// kind = test-trap (only with INIT_TEST_HOOKS): echoes, but the text message `trap` aborts the instance,
// so tests can check that a trap closes this instance's connections with 1011 and nothing else.

import { Opcode } from "../protocol/frame_encoder";
import { Connection } from "../connection";
import { EchoHandler } from "./echo";

export class TestTrapHandler extends EchoHandler {
  onMessage(conn: Connection, opcode: u32, ptr: usize, len: u32): void {
    if (opcode == Opcode.TEXT && len == 4 && load<u32>(ptr) == 0x70617274 /* "trap" */) {
      abort("test-trap handler: trap requested by the client");
    }
    super.onMessage(conn, opcode, ptr, len);
  }
}
