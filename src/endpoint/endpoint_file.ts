// Endpoint files (*.chatsocket): the file dropped into a site that makes its URL a WebSocket endpoint.
//
// Format: UTF-8 text (a leading byte order mark is allowed), one `key = value` per line. `#` starts a
// comment that runs to the end of the line; blank lines are ignored; keys are case-insensitive; spaces
// around keys and values are ignored; each key may appear once.
//
//   kind              required. `echo`: every message is sent back as it came (text or binary).
//                     `chat` and `process` are planned but not supported yet.
//   max_message_size  the largest message accepted, in bytes, 0 to 1073741824; default 16777216 (16 MiB).
//                     A bigger message closes the connection with 1009 as soon as its length is known.
//   max_fragments     the most frames one message may be split into, 1 to 2147483647; default 1048576.
//                     More closes the connection with 1009.
//   protocols         the subprotocols the endpoint speaks, comma-separated, e.g. `protocols = v2.chat, v1.chat`.
//                     The server answers with the first one the client offers (in the client's order) that
//                     is listed here, or with none. Default: none.
//   close_timeout     how long to wait for the client to finish the closing handshake, in milliseconds,
//                     1 to 3600000; default 5000. After it the connection is dropped.
//
// Example:
//   # lobby.chatsocket
//   kind = echo
//   max_message_size = 65536
//   protocols = chat.v1
//
// A file that cannot be parsed (unknown key, bad value, missing kind) refuses every connection with
// status 500 and a body naming the line and the problem.

import { tokenList } from "../protocol/handshake";
import { MAX_CLOSE_TIMEOUT, MAX_MAX_FRAGMENTS, MAX_MAX_MESSAGE_SIZE } from "../protocol/limits";
import { EndpointConfig, EndpointKind } from "./endpoint_config";

/** Why the last parseEndpointFile returned null. */
export let endpointError: string = "";

function failAt(lineNumber: i32, message: string): EndpointConfig | null {
  endpointError = "Endpoint file, line " + lineNumber.toString() + ": " + message;
  return null;
}

/** Parses the file text at `ptr`; returns null and sets `endpointError` when it is not valid. */
export function parseEndpointFile(ptr: usize, len: usize, testHooks: bool): EndpointConfig | null {
  let text = String.UTF8.decodeUnsafe(ptr, len);
  if (text.startsWith("\uFEFF")) text = text.substring(1);
  const lines = text.split("\n");
  const config = new EndpointConfig();
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const lineNumber = i + 1;
    let line = lines[i];
    const hash = line.indexOf("#");
    if (hash >= 0) line = line.substring(0, hash);
    line = line.trim();
    if (line.length == 0) continue;
    const equals = line.indexOf("=");
    if (equals < 0) return failAt(lineNumber, "expected `key = value`, found `" + line + "`.");
    const key = line.substring(0, equals).trim().toLowerCase();
    const value = line.substring(equals + 1).trim();
    if (seen.has(key)) return failAt(lineNumber, "`" + key + "` is set twice.");
    seen.add(key);
    if (key == "kind") {
      const kind = value.toLowerCase();
      if (kind == "echo") config.kind = EndpointKind.ECHO;
      else if (kind == "test-trap" && testHooks) config.kind = EndpointKind.TEST_TRAP;
      else if (kind == "chat" || kind == "process") return failAt(lineNumber, "kind `" + kind + "`: kind not supported yet.");
      else return failAt(lineNumber, "unknown kind `" + value + "` (expected echo).");
    } else if (key == "max_message_size") {
      const n = parseCount(value, 0, MAX_MAX_MESSAGE_SIZE);
      if (n < 0) return failAt(lineNumber, "max_message_size must be a whole number of bytes from 0 to " + MAX_MAX_MESSAGE_SIZE.toString() + ".");
      config.maxMessageSize = <u32>n;
    } else if (key == "max_fragments") {
      const n = parseCount(value, 1, MAX_MAX_FRAGMENTS);
      if (n < 0) return failAt(lineNumber, "max_fragments must be a whole number from 1 to " + MAX_MAX_FRAGMENTS.toString() + ".");
      config.maxFragments = <u32>n;
    } else if (key == "close_timeout") {
      const n = parseCount(value, 1, MAX_CLOSE_TIMEOUT);
      if (n < 0) return failAt(lineNumber, "close_timeout must be a whole number of milliseconds from 1 to " + MAX_CLOSE_TIMEOUT.toString() + ".");
      config.closeTimeout = <u32>n;
    } else if (key == "protocols") {
      const protocols = tokenList(value);
      for (let j = 0; j < protocols.length; j++) {
        if (!isToken(protocols[j])) return failAt(lineNumber, "`" + protocols[j] + "` is not a valid subprotocol name.");
      }
      config.protocols = protocols;
    } else {
      return failAt(lineNumber, "unknown key `" + key + "`.");
    }
  }
  if (config.kind == EndpointKind.NONE) {
    endpointError = "Endpoint file: `kind` is missing (for example `kind = echo`).";
    return null;
  }
  return config;
}

/** A decimal number within [lowest, highest], or -1. */
function parseCount(value: string, lowest: u32, highest: u32): i64 {
  if (value.length == 0 || value.length > 10) return -1;
  let n: i64 = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
  }
  return n < <i64>lowest || n > <i64>highest ? -1 : n;
}

/** An HTTP token (RFC 9110 §5.6.2), as subprotocol names must be. */
function isToken(s: string): bool {
  if (s.length == 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    if (!alnum && "!#$%&'*+-.^_`|~".indexOf(String.fromCharCode(c)) < 0) return false;
  }
  return true;
}
