// The imports of docs/ABI.md (module "env"), each wrapped once so the rest of the module deals in typed
// values and strings. AssemblyScript's own `abort` is the eighth import (env.abort); it traps the instance.

@external("env", "host_header")
declare function host_header(id: u32, name: usize, nameLen: u32, value: usize, valueLen: u32): void;
@external("env", "host_body")
declare function host_body(id: u32, ptr: usize, len: u32): void;
@external("env", "host_send")
declare function host_send(id: u32, ptr: usize, len: u32): u32;
@external("env", "host_end")
declare function host_end(id: u32, abort: u32): void;
@external("env", "host_pause")
declare function host_pause(id: u32, paused: u32): void;
@external("env", "host_timer")
declare function host_timer(id: u32, ms: u32): void;
@external("env", "host_log")
declare function host_log(level: u32, ptr: usize, len: u32): void;

export const enum SendStatus {
  OK = 0,
  BACKPRESSURE = 1, // queued, but stop sending until cs_writable
  DROPPED = 2, // the connection is ending: nothing queued
}

export const enum LogLevel {
  ERROR = 0,
  WARNING = 1,
  INFO = 2,
  DEBUG = 3,
}

export function addResponseHeader(id: u32, name: string, value: string): void {
  const n = String.UTF8.encode(name);
  const v = String.UTF8.encode(value);
  host_header(id, changetype<usize>(n), <u32>n.byteLength, changetype<usize>(v), <u32>v.byteLength);
}

export function setResponseBody(id: u32, text: string): void {
  const b = String.UTF8.encode(text);
  host_body(id, changetype<usize>(b), <u32>b.byteLength);
}

export function sendBytes(id: u32, ptr: usize, len: usize): SendStatus {
  return <SendStatus>host_send(id, ptr, <u32>len);
}

/** Ends the connection: after the queued bytes are written, or at once when `abort`. */
export function endConnection(id: u32, abort: bool): void {
  host_end(id, abort ? 1 : 0);
}

export function pauseReading(id: u32, paused: bool): void {
  host_pause(id, paused ? 1 : 0);
}

/** (Re)arms the connection's one-shot timer; 0 cancels it. */
export function setTimer(id: u32, ms: u32): void {
  host_timer(id, ms);
}

export function log(level: LogLevel, text: string): void {
  const b = String.UTF8.encode(text);
  host_log(level, changetype<usize>(b), <u32>b.byteLength);
}
