// Endpoint files (*.chatsocket): the file dropped into a site that makes its URL a WebSocket endpoint.
//
// Format: UTF-8 text (a leading byte order mark is allowed), one `key = value` per line. `#` starts a
// comment that runs to the end of the line; blank lines are ignored; keys are case-insensitive; spaces
// around keys and values are ignored; each key may appear once.
//
// This file only splits lines into Settings. What the keys mean is decided by Endpoint (the keys every
// kind has) and by each kind (its own keys); see endpoint.ts and handlers/kinds.ts.

import { UTF8_BOUNDARY, utf8Validate } from "../protocol/utf8";
import { Settings } from "./settings";

/** The settings of the file text at `ptr`; `failed` is set when a line is not `key = value`. */
export function readEndpointFile(ptr: usize, len: usize): Settings {
  const settings = new Settings();
  const notText = firstLineNotUtf8(ptr, len);
  if (notText > 0) {
    settings.fail(notText, "this line is not UTF-8 text (save the file as UTF-8).");
    return settings;
  }
  let text = String.UTF8.decodeUnsafe(ptr, len);
  if (text.startsWith("\uFEFF")) text = text.substring(1);
  const lines = text.split("\n");
  for (let i = 0; i < lines.length && !settings.failed; i++) {
    const lineNumber = i + 1;
    let line = lines[i];
    const hash = line.indexOf("#");
    if (hash >= 0) line = line.substring(0, hash);
    line = line.trim();
    if (line.length == 0) continue;
    const equals = line.indexOf("=");
    if (equals < 0) {
      settings.fail(lineNumber, "expected `key = value`, found `" + line + "`.");
      break;
    }
    settings.add(line.substring(0, equals).trim().toLowerCase(), line.substring(equals + 1).trim(), lineNumber);
  }
  return settings;
}

/** The number of the first line whose bytes are not UTF-8, or 0 when every line is. */
function firstLineNotUtf8(ptr: usize, len: usize): i32 {
  let line = 1;
  let start: usize = 0;
  for (let i: usize = 0; i <= len; i++) {
    if (i < len && load<u8>(ptr + i) != 0x0a) continue;
    if (utf8Validate(UTF8_BOUNDARY, ptr + start, i - start) != UTF8_BOUNDARY) return line;
    line++;
    start = i + 1;
  }
  return 0;
}
