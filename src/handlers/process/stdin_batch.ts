// What one read from the client gives a program's stdin, gathered: the messages of one DATA event (in text
// mode with their newlines) reach the program in one host_process_write, one system call, rather than one
// or two per message. One buffer serves the whole instance: a DATA event is for one connection, and its
// handler flushes before the event returns (Handler.onReceived).

import { Status } from "../../abi_constants";
import { writeProcessInput } from "../../host";

/** A message this large goes to the program on its own: copying it would cost more than the call saved. */
const DIRECT: usize = 16 << 10;
/** Gathered bytes are flushed before they would pass this, so the buffer stays this small. */
const LIMIT: usize = 64 << 10;

let buffer: usize = 0;
let held: usize = 0;
let owner: u32 = 0;

/** Gathers `len` bytes at `ptr` for connection `id`'s program; BACKPRESSURE or DROPPED if a write on the way said so. */
export function batchInput(id: u32, ptr: usize, len: usize): Status {
  let status = Status.OK;
  // Another connection's bytes are only here if its handler did not flush: they go first, unreported.
  if (held > 0 && owner != id) flushInput(owner);
  if (held > 0 && (len >= DIRECT || held + len > LIMIT)) status = flushInput(id);
  if (status == Status.DROPPED) return status;
  if (len >= DIRECT) {
    const direct = writeProcessInput(id, ptr, len);
    return direct == Status.OK ? status : direct;
  }
  if (buffer == 0) buffer = heap.alloc(LIMIT);
  memory.copy(buffer + held, ptr, len);
  held += len;
  owner = id;
  return status;
}

/** Writes what was gathered for connection `id`: host_process_write's answer, or OK when nothing waited. */
export function flushInput(id: u32): Status {
  if (held == 0 || owner != id) return Status.OK;
  const count = held;
  held = 0;
  return writeProcessInput(id, buffer, count);
}
