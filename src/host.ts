// The imports of docs/ABI.md (module "env"), each wrapped once so the rest of the module deals in typed
// values and strings. Every import returns a Status. AssemblyScript's own `abort` is one more import
// (env.abort); it traps the instance.

import { CloseFlag, LogLevel, RequestSource, Status } from "./abi_constants";
import { decodeUtf8 } from "./text/utf8_repair";

@external("env", "host_response_header")
declare function host_response_header(id: u32, name: usize, nameLen: u32, value: usize, valueLen: u32): u32;
@external("env", "host_response_body")
declare function host_response_body(id: u32, ptr: usize, len: u32): u32;
@external("env", "host_request_value")
declare function host_request_value(id: u32, source: u32, name: usize, nameLen: u32, out: usize, capacity: u32, outLength: usize): u32;
@external("env", "host_send")
declare function host_send(id: u32, ptr: usize, len: u32): u32;
@external("env", "host_end")
declare function host_end(id: u32, abort: u32): u32;
@external("env", "host_pause")
declare function host_pause(id: u32, paused: u32): u32;
@external("env", "host_timer")
declare function host_timer(id: u32, slot: u32, ms: u32): u32;
@external("env", "host_deflate")
declare function host_deflate(id: u32, params: u32, input: usize, inputLen: u32, out: usize, capacity: u32, outLength: usize): u32;
@external("env", "host_inflate")
declare function host_inflate(id: u32, params: u32, input: usize, inputLen: u32, out: usize, capacity: u32, result: usize): u32;
@external("env", "host_admit")
declare function host_admit(id: u32, cap: u32): u32;
@external("env", "host_process_start")
declare function host_process_start(id: u32, ptr: usize, len: u32): u32;
@external("env", "host_process_write")
declare function host_process_write(id: u32, ptr: usize, len: u32): u32;
@external("env", "host_process_pause_output")
declare function host_process_pause_output(id: u32, paused: u32): u32;
@external("env", "host_process_stop")
declare function host_process_stop(id: u32): u32;
@external("env", "host_room_snapshot")
declare function host_room_snapshot(id: u32, room: usize, roomLen: u32, out: usize, capacity: u32, outLength: usize): u32;
@external("env", "host_room_join")
declare function host_room_join(id: u32, request: usize, requestLen: u32): u32;
@external("env", "host_room_publish")
declare function host_room_publish(id: u32, frame: usize, frameLen: u32, deflated: usize, deflatedLen: u32, windowBits: u32, flags: u32): u32;
@external("env", "host_room_leave")
declare function host_room_leave(id: u32, announce: usize, announceLen: u32, version: u32): u32;
@external("env", "host_now")
declare function host_now(out: usize): u32;
@external("env", "host_endpoint_error")
declare function host_endpoint_error(endpoint: u32, line: u32, ptr: usize, len: u32): u32;
@external("env", "host_closing")
declare function host_closing(id: u32, code: u32, reason: usize, reasonLen: u32, flags: u32): u32;
@external("env", "host_log")
declare function host_log(level: u32, ptr: usize, len: u32): u32;

/** Room for most request values; longer ones get a buffer of their own. */
const VALUE_SCRATCH_BYTES: u32 = 512;
const VALUE_SCRATCH: usize = memory.data(VALUE_SCRATCH_BYTES, 8);
const VALUE_LENGTH: usize = memory.data(4, 4);

export function addResponseHeader(id: u32, name: string, value: string): Status {
  const n = String.UTF8.encode(name);
  const v = String.UTF8.encode(value);
  return <Status>host_response_header(id, changetype<usize>(n), <u32>n.byteLength, changetype<usize>(v), <u32>v.byteLength);
}

export function setResponseBody(id: u32, text: string): Status {
  const b = String.UTF8.encode(text);
  return <Status>host_response_body(id, changetype<usize>(b), <u32>b.byteLength);
}

/** A request header or server variable by name, or null when the server has none (or will not say now). */
export function requestValue(id: u32, source: RequestSource, name: string): string | null {
  const n = String.UTF8.encode(name);
  const nameLen = <u32>n.byteLength;
  let status = <Status>host_request_value(id, source, changetype<usize>(n), nameLen, VALUE_SCRATCH, VALUE_SCRATCH_BYTES, VALUE_LENGTH);
  if (status == Status.OK) return decodeUtf8(VALUE_SCRATCH, load<u32>(VALUE_LENGTH));
  if (status != Status.BUFFER_TOO_SMALL) return null;
  const capacity = load<u32>(VALUE_LENGTH);
  const buffer = heap.alloc(capacity);
  status = <Status>host_request_value(id, source, changetype<usize>(n), nameLen, buffer, capacity, VALUE_LENGTH);
  const value = status == Status.OK ? decodeUtf8(buffer, min(load<u32>(VALUE_LENGTH), capacity)) : null;
  heap.free(buffer);
  return value;
}

export function sendBytes(id: u32, ptr: usize, len: usize): Status {
  return <Status>host_send(id, ptr, <u32>len);
}

/** Ends the connection: after the queued bytes are written, or at once when `abort`. */
export function endConnection(id: u32, abort: bool): Status {
  return <Status>host_end(id, abort ? 1 : 0);
}

export function pauseReading(id: u32, paused: bool): Status {
  return <Status>host_pause(id, paused ? 1 : 0);
}

const DEFLATE_RESULT: usize = memory.data(8, 4);

/** Compresses a whole message into `out` (Deflate params); the compressed length, or -1 when it did not fit. */
export function deflateMessage(id: u32, params: u32, ptr: usize, len: usize, out: usize, capacity: usize): i64 {
  const status = <Status>host_deflate(id, params, ptr, <u32>len, out, <u32>capacity, DEFLATE_RESULT);
  return status == Status.OK ? <i64>load<u32>(DEFLATE_RESULT) : -1;
}

/** Inflates message bytes into `out`; inflatedIn() and inflatedOut() then say how much went in and came out. */
export function inflateBytes(id: u32, params: u32, ptr: usize, len: usize, out: usize, capacity: usize): Status {
  return <Status>host_inflate(id, params, ptr, <u32>len, out, <u32>capacity, DEFLATE_RESULT);
}

export function inflatedIn(): u32 {
  return load<u32>(DEFLATE_RESULT);
}

export function inflatedOut(): u32 {
  return load<u32>(DEFLATE_RESULT + 4);
}

/** During cs_open: a place among the `cap` connections its endpoint file may have open; LIMIT_REACHED if none. */
export function admitConnection(id: u32, cap: u32): Status {
  return <Status>host_admit(id, cap);
}

/** (Re)arms the one-shot timer in `slot`; 0 ms cancels it. */
export function setTimer(id: u32, slot: u32, ms: u32): Status {
  return <Status>host_timer(id, slot, ms);
}

/** Runs the connection's program; `description` is host_process_start's NUL-separated fields (docs/ABI.md). */
export function startProcess(id: u32, description: ArrayBuffer): Status {
  return <Status>host_process_start(id, changetype<usize>(description), <u32>description.byteLength);
}

export function writeProcessInput(id: u32, ptr: usize, len: usize): Status {
  return <Status>host_process_write(id, ptr, <u32>len);
}

export function pauseProcessOutput(id: u32, paused: bool): Status {
  return <Status>host_process_pause_output(id, paused ? 1 : 0);
}

export function stopProcess(id: u32): Status {
  return <Status>host_process_stop(id);
}

/** A room as the native side has it: its version, member count and the members' presence records. */
export class RoomSnapshot {
  version: u32 = 0;
  count: u32 = 0;
  records: string[] = [];
}

export function roomSnapshot(id: u32, room: string): RoomSnapshot | null {
  const name = String.UTF8.encode(room);
  const nameLen = <u32>name.byteLength;
  let capacity: u32 = 4096;
  for (let attempt = 0; attempt < 4; attempt++) {
    const out = heap.alloc(capacity);
    const status = <Status>host_room_snapshot(id, changetype<usize>(name), nameLen, out, capacity, VALUE_LENGTH);
    const length = load<u32>(VALUE_LENGTH);
    if (status == Status.OK) {
      const snapshot = new RoomSnapshot();
      snapshot.version = load<u32>(out);
      snapshot.count = load<u32>(out + 4);
      let at: u32 = 8;
      while (at + 4 <= length) {
        const size = load<u32>(out + at);
        snapshot.records.push(String.UTF8.decodeUnsafe(out + at + 4, size));
        at += 4 + size;
      }
      heap.free(out);
      return snapshot;
    }
    heap.free(out);
    if (status != Status.BUFFER_TOO_SMALL) return null;
    capacity = length; // the room grew since: try again with what it needs now
  }
  return null;
}

export function joinRoom(id: u32, request: ArrayBuffer): Status {
  return <Status>host_room_join(id, changetype<usize>(request), <u32>request.byteLength);
}

/** Queues `frame` for the room; members whose window is at least `windowBits` get `deflated` if given. */
export function publishToRoom(id: u32, frame: ArrayBuffer, flags: u32, deflated: ArrayBuffer | null = null, windowBits: u32 = 0): Status {
  const compressed: usize = deflated == null ? 0 : changetype<usize>(deflated);
  const compressedLen = deflated == null ? 0 : <u32>(<ArrayBuffer>deflated).byteLength;
  return <Status>host_room_publish(id, changetype<usize>(frame), <u32>frame.byteLength, compressed, compressedLen, windowBits, flags);
}

export function leaveRoom(id: u32, announce: ArrayBuffer | null, version: u32): Status {
  if (announce == null) return <Status>host_room_leave(id, 0, 0, version);
  return <Status>host_room_leave(id, changetype<usize>(announce), <u32>announce.byteLength, version);
}

const NOW: usize = memory.data(8, 8);

/** Milliseconds since 1970, from the server's clock. */
export function now(): u64 {
  host_now(NOW);
  return load<u64>(NOW);
}

export function reportEndpointError(endpoint: u32, line: i32, text: string): Status {
  const b = String.UTF8.encode(text);
  return <Status>host_endpoint_error(endpoint, <u32>max(line, 0), changetype<usize>(b), <u32>b.byteLength);
}

export function log(level: LogLevel, text: string): void {
  const b = String.UTF8.encode(text);
  host_log(level, changetype<usize>(b), <u32>b.byteLength);
}

/** We close `id` first with `code` and the reason's UTF-8 bytes: for the server's close counters and its log. */
export function reportClosing(id: u32, code: u32, reason: usize, reasonLen: usize, logIt: bool): void {
  host_closing(id, code, reason, <u32>reasonLen, logIt ? <u32>CloseFlag.LOG : 0);
}
