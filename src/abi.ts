// The boundary with the native side: the exports of docs/ABI.md (version 1), nothing else. This is the
// only file that takes raw connection ids and pointers from the host; it checks them and hands typed
// work to Connection.
//
// Ownership. The host writes its input (request head, endpoint file, received bytes) into the region
// returned by cs_buffer and then calls cs_open/cs_data; the module may read and scribble on that region
// until it returns, and keeps no pointer into it. Everything else in linear memory belongs to the module:
// pointers passed to host_* imports are read before the import returns and may be reused at once.
// A connection's state (parser, message buffer) is created by an accepted cs_open and freed by cs_closed;
// a refused cs_open keeps nothing.

import { EndpointConfig } from "./endpoint/endpoint_config";
import { endpointError, parseEndpointFile } from "./endpoint/endpoint_file";
import { handlerForKind } from "./handlers/handler_for_kind";
import { Connection } from "./connection";
import { writeCloseFrame } from "./protocol/frame_encoder";
import { checkHandshake } from "./protocol/handshake";
import { addResponseHeader, log, LogLevel, setResponseBody } from "./host";

const ABI_VERSION: u32 = 1;
const INIT_TEST_HOOKS: u32 = 1;
/** An input region above this size is given back once a smaller one is asked for. */
const KEEP_INPUT_BYTES: u32 = 1024 * 1024;

let testHooks = false;
let inputRegion: usize = 0;
let inputCapacity: u32 = 0;
const connections = new Map<u32, Connection>();

export function cs_abi_version(): u32 {
  return ABI_VERSION;
}

export function cs_init(flags: u32): void {
  testHooks = (flags & INIT_TEST_HOOKS) != 0;
}

export function cs_buffer(size: u32): usize {
  if (size > inputCapacity || (inputCapacity > KEEP_INPUT_BYTES && size <= KEEP_INPUT_BYTES)) {
    if (inputRegion != 0) heap.free(inputRegion);
    inputCapacity = max(size, 4096);
    inputRegion = heap.alloc(inputCapacity);
  }
  return inputRegion;
}

/** True when [ptr, ptr + len) lies inside linear memory. */
function inMemory(ptr: usize, len: u32): bool {
  const end = <u64>ptr + <u64>len;
  return end <= (<u64>memory.size() << 16);
}

export function cs_open(id: u32, head: usize, headLen: u32, endpoint: usize, endpointLen: u32): u32 {
  if (id == 0 || connections.has(id)) return refuse(id, 500, "Connection id " + id.toString() + " is already in use.");
  if (!inMemory(head, headLen) || !inMemory(endpoint, endpointLen)) return refuse(id, 500, "Request outside memory.");
  const config = parseEndpointFile(endpoint, endpointLen, testHooks);
  if (config == null) return refuse(id, 500, endpointError);
  const result = checkHandshake(head, headLen, (<EndpointConfig>config).protocols);
  if (result.status != 101) {
    if (result.status == 405) addResponseHeader(id, "Allow", "GET");
    if (result.status == 426) addResponseHeader(id, "Sec-WebSocket-Version", "13");
    setResponseBody(id, result.reason);
    return result.status;
  }
  addResponseHeader(id, "Upgrade", "websocket");
  addResponseHeader(id, "Connection", "Upgrade");
  addResponseHeader(id, "Sec-WebSocket-Accept", result.accept);
  if (result.protocol.length > 0) addResponseHeader(id, "Sec-WebSocket-Protocol", result.protocol);
  const conn = new Connection(id, <EndpointConfig>config, handlerForKind((<EndpointConfig>config).kind));
  connections.set(id, conn);
  conn.opened();
  return 101;
}

function refuse(id: u32, status: u32, reason: string): u32 {
  log(LogLevel.WARNING, "cs_open(" + id.toString() + "): " + reason);
  setResponseBody(id, reason);
  return status;
}

/** The connection for `id`, or null (logged) when the host names an id it does not own here. */
function lookup(id: u32, call: string): Connection | null {
  if (connections.has(id)) return connections.get(id);
  log(LogLevel.ERROR, call + ": unknown connection id " + id.toString());
  return null;
}

export function cs_data(id: u32, ptr: usize, len: u32): void {
  const conn = lookup(id, "cs_data");
  if (conn == null) return;
  if (!inMemory(ptr, len)) {
    log(LogLevel.ERROR, "cs_data: bytes outside memory");
    return;
  }
  conn.receive(ptr, len);
}

export function cs_writable(id: u32): void {
  const conn = lookup(id, "cs_writable");
  if (conn != null) conn.writable();
}

export function cs_timer(id: u32): void {
  const conn = lookup(id, "cs_timer");
  if (conn != null) conn.timerFired();
}

export function cs_closed(id: u32, reason: u32): void {
  const conn = lookup(id, "cs_closed");
  if (conn == null) return;
  connections.delete(id);
  conn.closed();
}

export function cs_encode_close(code: u32, out: usize): u32 {
  return <u32>writeCloseFrame(out, code);
}
