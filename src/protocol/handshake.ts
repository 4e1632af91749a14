// The opening handshake, server side (RFC 6455 §4.2). Checks run in a fixed order, one status per check;
// the first failing check decides the answer.

import { base64Decode, base64Encode } from "./base64";
import { sha1 } from "./sha1";
import { commaList } from "../text/comma_list";
import { decodeUtf8 } from "../text/utf8_repair";

const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const KEY_AND_GUID: usize = memory.data(128, 8);
const DIGEST: usize = memory.data(20, 4);
const ACCEPT: usize = memory.data(28, 4);
const DECODED_KEY: usize = memory.data(96, 4);

export class HandshakeResult {
  status: u32 = 101;
  /** Why the request was refused (the response body). */
  reason: string = "";
  accept: string = "";
  /** The subprotocol chosen, or "" for none. */
  protocol: string = "";
}

/** The request line and the handshake headers, values of repeated headers joined with ", " as IIS does. */
export class RequestHead {
  method: string = "";
  target: string = "";
  version: string = "";
  upgrade: string | null = null;
  connection: string | null = null;
  wsVersion: string | null = null;
  wsKey: string | null = null;
  wsProtocol: string | null = null;
  wsExtensions: string | null = null;
  origin: string | null = null;
}

function refuse(status: u32, reason: string): HandshakeResult {
  const r = new HandshakeResult();
  r.status = status;
  r.reason = reason;
  return r;
}

function joined(previous: string | null, value: string): string {
  return previous == null ? value : previous + ", " + value;
}

/** Parses the head (UTF-8 text at `ptr`); null when the request line or a header line is malformed. */
export function parseRequestHead(ptr: usize, len: usize): RequestHead | null {
  const text = decodeUtf8(ptr, len); // bytes that are not UTF-8 read as U+FFFD, never as other characters
  const lines = text.split("\n");
  const head = new RequestHead();
  const requestLine = trimCr(lines[0]).split(" ");
  if (requestLine.length != 3) return null;
  head.method = requestLine[0];
  head.target = requestLine[1];
  head.version = requestLine[2];
  for (let i = 1; i < lines.length; i++) {
    const line = trimCr(lines[i]);
    if (line.length == 0) break;
    const colon = line.indexOf(":");
    if (colon <= 0) return null;
    const name = line.substring(0, colon).trim().toLowerCase();
    const value = line.substring(colon + 1).trim();
    if (name == "upgrade") head.upgrade = joined(head.upgrade, value);
    else if (name == "connection") head.connection = joined(head.connection, value);
    else if (name == "sec-websocket-version") head.wsVersion = joined(head.wsVersion, value);
    else if (name == "sec-websocket-key") head.wsKey = joined(head.wsKey, value);
    else if (name == "sec-websocket-protocol") head.wsProtocol = joined(head.wsProtocol, value);
    else if (name == "sec-websocket-extensions") head.wsExtensions = joined(head.wsExtensions, value);
    else if (name == "origin") head.origin = joined(head.origin, value);
  }
  return head;
}

function trimCr(line: string): string {
  return line.endsWith("\r") ? line.substring(0, line.length - 1) : line;
}

/** HTTP/1.1 or any later version. */
function isHttp11OrLater(version: string): bool {
  if (!version.startsWith("HTTP/")) return false;
  const numbers = version.substring(5).split(".");
  if (numbers.length != 2 || !isDigits(numbers[0]) || !isDigits(numbers[1])) return false;
  const major = I32.parseInt(numbers[0]);
  const minor = I32.parseInt(numbers[1]);
  return major > 1 || (major == 1 && minor >= 1);
}

function isDigits(s: string): bool {
  if (s.length == 0 || s.length > 4) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function hasToken(value: string | null, lowercaseToken: string): bool {
  if (value == null) return false;
  const tokens = commaList(value);
  for (let i = 0; i < tokens.length; i++) if (tokens[i].toLowerCase() == lowercaseToken) return true;
  return false;
}

/** base64(SHA-1(key + GUID)) for a key of ASCII characters. */
export function acceptKeyFor(key: string): string {
  const keyLength = key.length;
  for (let i = 0; i < keyLength; i++) store<u8>(KEY_AND_GUID + i, <u8>key.charCodeAt(i));
  for (let i = 0; i < WEBSOCKET_GUID.length; i++) {
    store<u8>(KEY_AND_GUID + keyLength + i, <u8>WEBSOCKET_GUID.charCodeAt(i));
  }
  sha1(KEY_AND_GUID, keyLength + WEBSOCKET_GUID.length, DIGEST);
  base64Encode(DIGEST, 20, ACCEPT);
  return String.UTF8.decodeUnsafe(ACCEPT, 28);
}

/** True when `key` is base64 text of exactly 16 bytes (RFC 6455 §4.1, item 7). */
function isValidKey(key: string): bool {
  if (key.length != 24) return false; // 16 bytes always encode to 24 characters
  for (let i = 0; i < 24; i++) {
    const c = key.charCodeAt(i);
    if (c > 0x7f) return false;
    store<u8>(KEY_AND_GUID + i, <u8>c);
  }
  return base64Decode(KEY_AND_GUID, 24, DECODED_KEY) == 16;
}

/** The first subprotocol the client offers (in its order) that the endpoint supports, or "". */
function chooseProtocol(offered: string | null, supported: string[]): string {
  if (offered == null) return "";
  const tokens = commaList(offered);
  for (let i = 0; i < tokens.length; i++) if (supported.includes(tokens[i])) return tokens[i];
  return "";
}

/** Validates the request head (null: it did not parse) and computes the answer. */
export function checkHandshake(parsed: RequestHead | null, supportedProtocols: string[]): HandshakeResult {
  if (parsed == null) return refuse(400, "Malformed request head.");
  const head = <RequestHead>parsed;
  if (head.method != "GET") return refuse(405, "A WebSocket handshake must use the GET method.");
  if (!isHttp11OrLater(head.version)) return refuse(400, "A WebSocket handshake needs HTTP/1.1 or later.");
  if (!hasToken(head.upgrade, "websocket")) return refuse(400, "The Upgrade header must contain websocket.");
  if (!hasToken(head.connection, "upgrade")) return refuse(400, "The Connection header must contain Upgrade.");
  const version = head.wsVersion;
  // Missing or repeated is a malformed request (400); another single version is one we do not speak (426).
  if (version == null) return refuse(400, "Sec-WebSocket-Version is missing.");
  if (version.includes(",")) return refuse(400, "Sec-WebSocket-Version appears more than once.");
  if (version != "13") return refuse(426, "Sec-WebSocket-Version must be 13.");
  const key = head.wsKey;
  if (key == null) return refuse(400, "Sec-WebSocket-Key is missing.");
  if (!isValidKey(key)) return refuse(400, "Sec-WebSocket-Key must be one base64 value of 16 bytes.");
  const result = new HandshakeResult();
  result.accept = acceptKeyFor(key);
  result.protocol = chooseProtocol(head.wsProtocol, supportedProtocols);
  return result;
}
