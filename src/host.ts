// The imports of docs/ABI.md (module "env"), each wrapped once so the rest of the module deals in typed
// values and strings. Every import returns a Status. AssemblyScript's own `abort` is one more import
// (env.abort); it traps the instance.

import { LogLevel, RequestSource, Status } from "./abi_constants";

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
@external("env", "host_process_start")
declare function host_process_start(id: u32, ptr: usize, len: u32): u32;
@external("env", "host_process_write")
declare function host_process_write(id: u32, ptr: usize, len: u32): u32;
@external("env", "host_process_pause_output")
declare function host_process_pause_output(id: u32, paused: u32): u32;
@external("env", "host_process_stop")
declare function host_process_stop(id: u32): u32;
@external("env", "host_endpoint_error")
declare function host_endpoint_error(endpoint: u32, line: u32, ptr: usize, len: u32): u32;
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
  if (status == Status.OK) return String.UTF8.decodeUnsafe(VALUE_SCRATCH, load<u32>(VALUE_LENGTH));
  if (status != Status.BUFFER_TOO_SMALL) return null;
  const capacity = load<u32>(VALUE_LENGTH);
  const buffer = heap.alloc(capacity);
  status = <Status>host_request_value(id, source, changetype<usize>(n), nameLen, buffer, capacity, VALUE_LENGTH);
  const value = status == Status.OK ? String.UTF8.decodeUnsafe(buffer, min(load<u32>(VALUE_LENGTH), capacity)) : null;
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

export function reportEndpointError(endpoint: u32, line: i32, text: string): Status {
  const b = String.UTF8.encode(text);
  return <Status>host_endpoint_error(endpoint, <u32>max(line, 0), changetype<usize>(b), <u32>b.byteLength);
}

export function log(level: LogLevel, text: string): void {
  const b = String.UTF8.encode(text);
  host_log(level, changetype<usize>(b), <u32>b.byteLength);
}
