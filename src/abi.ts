// The boundary with the native side: the exports of docs/ABI.md, nothing else. This is the only file that
// takes raw ids and pointers from the host; it checks them and hands typed work to Endpoint and Connection.
//
// Ownership. The host writes its input (an endpoint file, a request head, received bytes) into the region
// returned by cs_buffer and then makes the call; the module may read and scribble on that region until it
// returns, and keeps no pointer into it. Everything else in linear memory belongs to the module: pointers
// passed to host_* imports are read before the import returns and may be reused at once.
// An endpoint is created by cs_endpoint_create and forgotten by cs_endpoint_done; each of its connections
// holds it, so its memory goes with the last of them. A connection's state (parser, handler) is created by
// an accepted cs_open and freed by its CLOSED event; a refused cs_open keeps nothing.

import { ABI_VERSION, CloseCode, Event, InitFlag, LogLevel, Status } from "./abi_constants";
import { Connection } from "./connection";
import { COUNTERS } from "./counters";
import { Endpoint, endpointErrorLine, endpointErrorText, parseEndpoint } from "./endpoint/endpoint";
import { writeCloseFrame } from "./protocol/frame_encoder";
import { FRAME_HEADROOM } from "./protocol/limits";
import { setMessageMemoryBudget } from "./protocol/message_memory";
import { checkHandshake, parseRequestHead, RequestHead } from "./protocol/handshake";
import { negotiateDeflate } from "./protocol/permessage_deflate";
import { Request } from "./request";
import { setServerTag } from "./handlers/chat/member_id";
import { addResponseHeader, admitConnection, log, reportEndpointError, setResponseBody } from "./host";

/** A client refused by max_connections tries again after this many seconds (Retry-After). */
const FULL_ENDPOINT_RETRY_SECONDS: u32 = 5;

/** The close reason every connection hears when the server goes away (IIS recycles or stops). */
const GOING_AWAY_REASON = "server going away";

/** An input region above this size is given back once a smaller one is asked for. */
const KEEP_INPUT_BYTES: u32 = 1024 * 1024;

let testHooks = false;
let inputRegion: usize = 0;
let inputCapacity: u32 = 0;
const endpoints = new Map<u32, Endpoint>();
const connections = new Map<u32, Connection>();

export function cs_abi_version(): u32 {
  return ABI_VERSION;
}

export function cs_init(flags: u32, messageMemoryMiB: u32, serverTag: u32): Status {
  testHooks = (flags & InitFlag.TEST_HOOKS) != 0;
  setMessageMemoryBudget(messageMemoryMiB);
  setServerTag(serverTag);
  return Status.OK;
}

/**
 * The input region. FRAME_HEADROOM bytes before it are the module's too, so bytes the native side puts there
 * (a program's output) can be framed in place and sent without a copy.
 */
export function cs_buffer(size: u32): usize {
  if (size > inputCapacity || (inputCapacity > KEEP_INPUT_BYTES && size <= KEEP_INPUT_BYTES)) {
    if (inputRegion != 0) heap.free(inputRegion - FRAME_HEADROOM);
    inputCapacity = max(size, 4096);
    inputRegion = heap.alloc(FRAME_HEADROOM + inputCapacity) + FRAME_HEADROOM;
  }
  return inputRegion;
}

/** True when [ptr, ptr + len) lies inside linear memory. */
function inMemory(ptr: usize, len: u32): bool {
  const end = <u64>ptr + <u64>len;
  return end <= (<u64>memory.size() << 16);
}

export function cs_endpoint_create(id: u32, text: usize, textLen: u32): Status {
  return cs_endpoint_create_in_site(id, 0, 0, text, textLen);
}

export function cs_endpoint_create_in_site(id: u32, defaults: usize, defaultsLen: u32, text: usize, textLen: u32): Status {
  if (id == 0 || endpoints.has(id) || !inMemory(text, textLen) || !inMemory(defaults, defaultsLen)) {
    log(LogLevel.ERROR, "cs_endpoint_create: endpoint " + id.toString() + " is invalid or exists already");
    return Status.BAD_ARGUMENT;
  }
  const endpoint = parseEndpoint(id, defaults, defaultsLen, text, textLen, testHooks);
  if (endpoint == null) {
    reportEndpointError(id, endpointErrorLine, endpointErrorText);
    return Status.BAD_ARGUMENT;
  }
  endpoints.set(id, endpoint);
  return Status.OK;
}

export function cs_endpoint_done(id: u32): Status {
  if (!endpoints.has(id)) return Status.NOT_FOUND;
  endpoints.delete(id);
  return Status.OK;
}

export function cs_open(id: u32, endpointId: u32, head: usize, headLen: u32): u32 {
  if (id == 0 || connections.has(id)) return refuse(id, 500, "Connection id " + id.toString() + " is already in use.");
  if (!endpoints.has(endpointId)) return refuse(id, 500, "Endpoint " + endpointId.toString() + " is unknown.");
  if (!inMemory(head, headLen)) return refuse(id, 500, "Request outside memory.");
  const endpoint = endpoints.get(endpointId);
  const requestHead = parseRequestHead(head, headLen);
  const result = checkHandshake(requestHead, endpoint.config.protocols);
  if (result.status != 101) {
    if (result.status == 405) addResponseHeader(id, "Allow", "GET");
    if (result.status == 426) addResponseHeader(id, "Sec-WebSocket-Version", "13");
    setResponseBody(id, result.reason);
    return result.status;
  }
  const origin = changetype<RequestHead>(requestHead).origin;
  if (!endpoint.config.origins.allows(origin)) {
    setResponseBody(id, "Origin " + (<string>origin) + " may not open this endpoint (allowed_origins).");
    return 403;
  }
  if (endpoint.config.maxConnections > 0 && admitConnection(id, endpoint.config.maxConnections) == Status.LIMIT_REACHED) {
    addResponseHeader(id, "Retry-After", FULL_ENDPOINT_RETRY_SECONDS.toString());
    setResponseBody(id, "This endpoint has reached its limit of " + endpoint.config.maxConnections.toString() + " connections (max_connections); try again later.");
    return 503;
  }
  const conn = new Connection(id, endpoint);
  const deflate = negotiateDeflate(changetype<RequestHead>(requestHead).wsExtensions, endpoint.config.deflate);
  if (deflate != null) conn.useDeflate(deflate); // before the handler: a room member joins with its window
  const handler = conn.attachHandler();
  const refusal = handler.admit(new Request(id, changetype<RequestHead>(requestHead)));
  if (refusal != null) {
    conn.discard();
    if (refusal.retryAfterSeconds > 0) addResponseHeader(id, "Retry-After", refusal.retryAfterSeconds.toString());
    setResponseBody(id, refusal.reason);
    return refusal.status;
  }
  addResponseHeader(id, "Upgrade", "websocket");
  addResponseHeader(id, "Connection", "Upgrade");
  addResponseHeader(id, "Sec-WebSocket-Accept", result.accept);
  if (result.protocol.length > 0) addResponseHeader(id, "Sec-WebSocket-Protocol", result.protocol);
  if (deflate != null) addResponseHeader(id, "Sec-WebSocket-Extensions", deflate.response);
  connections.set(id, conn);
  handler.onOpen();
  conn.opened();
  return 101;
}

function refuse(id: u32, status: u32, reason: string): u32 {
  log(LogLevel.WARNING, "cs_open(" + id.toString() + "): " + reason);
  setResponseBody(id, reason);
  return status;
}

export function cs_event(id: u32, event: u32, a: u32, b: u32): Status {
  if (!connections.has(id)) {
    log(LogLevel.ERROR, "cs_event(" + event.toString() + "): unknown connection id " + id.toString());
    return Status.NOT_FOUND;
  }
  const conn = connections.get(id);
  switch (event) {
    case Event.DATA:
      if (!inMemory(a, b)) {
        log(LogLevel.ERROR, "cs_event: received bytes outside memory");
        return Status.BAD_ARGUMENT;
      }
      conn.receive(a, b);
      return Status.OK;
    case Event.WRITABLE:
      conn.writable();
      return Status.OK;
    case Event.TIMER:
      conn.timerFired(a);
      return Status.OK;
    case Event.CLOSED:
      connections.delete(id);
      conn.closed();
      return Status.OK;
    case Event.PROCESS_STDOUT:
    case Event.PROCESS_STDERR:
      if (!inMemory(a, b)) {
        log(LogLevel.ERROR, "cs_event: program output outside memory");
        return Status.BAD_ARGUMENT;
      }
      if (conn.isOpen) conn.handler.onProcessOutput(event == Event.PROCESS_STDERR, a, b);
      return Status.OK;
    case Event.PROCESS_STDIN_WRITABLE:
      if (conn.isOpen) conn.handler.onProcessStdinWritable();
      return Status.OK;
    case Event.PROCESS_EXITED:
      if (conn.isOpen) conn.handler.onProcessExit(a, b);
      return Status.OK;
    case Event.ROOM_MEMBERS_LOST:
      if (!inMemory(a, b)) {
        log(LogLevel.ERROR, "cs_event: presence records outside memory");
        return Status.BAD_ARGUMENT;
      }
      if (conn.isOpen) conn.handler.onRoomMembersLost(a, b);
      return Status.OK;
    case Event.GOING_AWAY:
      conn.closeWith(CloseCode.GOING_AWAY, GOING_AWAY_REASON);
      return Status.OK;
  }
  log(LogLevel.ERROR, "cs_event: unknown event " + event.toString() + " for connection " + id.toString());
  return Status.BAD_ARGUMENT;
}

export function cs_encode_close(code: u32, out: usize): u32 {
  return <u32>writeCloseFrame(out, code);
}

export function cs_counters(): usize {
  return COUNTERS;
}
