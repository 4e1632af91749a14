#!/usr/bin/env node
// Writes the seed corpus of the fuzz targets (native/fuzz/corpus/<target>/): a few inputs of each kind the
// targets take, valid and broken, so the fuzzer starts from every rule's neighbourhood. The files are
// committed; run this again after changing it (`node native/fuzz/make_corpus.mjs`). Files it does not write
// (inputs a fuzz run found, kept as seeds) are left alone; remove a renamed seed's old file by hand.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const here = path.dirname(fileURLToPath(import.meta.url));
const MASK = [0x37, 0xfa, 0x21, 0x3d];
const TEXT = 0x1, BINARY = 0x2, CLOSE = 0x8, PING = 0x9, PONG = 0xa;

/** A client frame: masked unless told otherwise; `length` forces the declared length. */
function frame(opcode, payload = [], { fin = true, rsv = 0, masked = true, length } = {}) {
  const bytes = Buffer.from(payload);
  const n = length ?? bytes.length;
  const header = [(fin ? 0x80 : 0) | rsv | opcode];
  const maskBit = masked ? 0x80 : 0;
  if (n < 126) header.push(maskBit | n);
  else if (n < 65536) header.push(maskBit | 126, n >> 8, n & 0xff);
  else header.push(maskBit | 127, ...Buffer.from(BigInt(n).toString(16).padStart(16, "0"), "hex"));
  const body = masked ? [...MASK, ...bytes.map((b, i) => b ^ MASK[i % 4])] : [...bytes];
  return [...header, ...body];
}

const text = (s, options) => frame(TEXT, Buffer.from(s, "utf8"), options);
/** A message as a permessage-deflate client compresses it: raw DEFLATE, sync flush, without 00 00 FF FF. */
const deflated = (bytes) => {
  const out = zlib.deflateRawSync(Buffer.from(bytes), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
};
const closeFrame = (code, reason = "") => frame(CLOSE, [code >> 8, code & 0xff, ...Buffer.from(reason, "utf8")]);

/** fuzz_frames' input (frames_driver.h): setup byte (endpoint 0-3, backpressure every n-th send), split byte, bytes. */
function frames({ endpoint = 0, backpressure = 0, split = 0 }, ...parts) {
  return Buffer.from([endpoint | (backpressure << 2), split, ...parts.flat()]);
}

const FRAMES = {
  "text-hello": frames({}, text("hello")),
  "text-hello-byte-by-byte": frames({ split: 1 }, text("hello")),
  "text-utf8-split-across-fragments": frames({ split: 3 }, frame(TEXT, [0x68, 0xc3], { fin: false }), frame(0, [0xa9])),
  "text-empty": frames({}, text("")),
  "text-not-utf8": frames({}, frame(TEXT, [0x68, 0xc3, 0x28])),
  "binary-small": frames({ split: 2 }, frame(BINARY, [0, 1, 2, 0xff])),
  "binary-16bit-length": frames({ endpoint: 2, split: 7 }, frame(BINARY, Array.from({ length: 200 }, (_, i) => i))),
  "binary-over-limit": frames({}, frame(BINARY, Array.from({ length: 100 }, () => 7))),
  "binary-declared-huge": frames({ endpoint: 3 }, frame(BINARY, [1, 2, 3], { length: 1 << 20 })),
  "binary-64bit-top-bit": frames({ endpoint: 3 }, [0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, ...MASK, 1, 2]),
  "fragments-two": frames({ split: 4 }, text("hel", { fin: false }), frame(0, Buffer.from("lo"))),
  "fragments-ping-between": frames({}, text("a", { fin: false }), frame(PING, Buffer.from("p")), frame(0, Buffer.from("b"))),
  "fragments-over-max": frames({}, text("1", { fin: false }), ...[2, 3, 4].map((i) => frame(0, [0x30 + i], { fin: false })), frame(0, Buffer.from("5"))),
  "continuation-without-start": frames({}, frame(0, Buffer.from("x"))),
  "new-message-inside-fragmented": frames({}, text("a", { fin: false }), text("b")),
  "ping-pong": frames({ split: 5 }, frame(PING, Buffer.from("ping")), frame(PONG, Buffer.from("unsolicited"))),
  "ping-fragmented": frames({}, frame(PING, Buffer.from("p"), { fin: false })),
  "ping-over-125": frames({ endpoint: 3 }, frame(PING, Array.from({ length: 126 }, () => 1))),
  "unmasked": frames({}, frame(TEXT, Buffer.from("hi"), { masked: false })),
  "rsv1-set": frames({}, frame(TEXT, Buffer.from("hi"), { rsv: 0x40 })),
  // Endpoint 2 negotiates permessage-deflate (max_message_size 300).
  "deflate-text": frames({ endpoint: 2, split: 3 }, frame(TEXT, deflated(Buffer.from("hello hello hello hello")), { rsv: 0x40 })),
  "deflate-fragments": frames({ endpoint: 2 }, frame(BINARY, deflated(Buffer.alloc(200, 9)).subarray(0, 3), { rsv: 0x40, fin: false }), frame(0, deflated(Buffer.alloc(200, 9)).subarray(3))),
  "deflate-over-limit": frames({ endpoint: 2 }, frame(BINARY, deflated(Buffer.alloc(1000, 1)), { rsv: 0x40 })),
  "deflate-not-deflate": frames({ endpoint: 2 }, frame(BINARY, [0xff, 0xfe, 0xfd], { rsv: 0x40 })),
  "opcode-reserved-data": frames({}, frame(0x3, [1])),
  "opcode-reserved-control": frames({}, frame(0xb, [1])),
  "close-normal-with-reason": frames({}, closeFrame(1000, "bye")),
  "close-empty": frames({}, frame(CLOSE)),
  "close-one-byte": frames({}, frame(CLOSE, [3])),
  "close-code-1005": frames({}, closeFrame(1005)),
  "close-code-4000": frames({ split: 2 }, closeFrame(4000, "app")),
  "close-reason-not-utf8": frames({}, frame(CLOSE, [0x03, 0xe8, 0xff])),
  "close-then-more": frames({}, closeFrame(1001), text("after")),
  "error-then-close-drained": frames({ split: 6 }, frame(0x3, [1]), text("skipped"), closeFrame(1000)),
  "echo-then-close": frames({ split: 9 }, text("one"), frame(BINARY, [2]), closeFrame(1000)),
  "backpressure-every-send": frames({ backpressure: 1, split: 8 }, text("a"), text("b"), text("c"), closeFrame(1000)),
  "backpressure-every-second": frames({ endpoint: 2, backpressure: 2 }, text("a"), frame(PING, []), text("b")),
  "max-size-zero-empty": frames({ endpoint: 1 }, text(""), frame(BINARY, [])),
  "max-size-zero-one-byte": frames({ endpoint: 1 }, text("x")),
};

/** Text with each placeholder character replaced by bytes that are not UTF-8. */
function bytes(text, replacements) {
  return Buffer.concat([...text].map((c) => Buffer.from(replacements[c] ?? Buffer.from(c, "utf8"))));
}

const head = (lines, target = "/echo.chatsocket", requestLine = `GET ${target} HTTP/1.1`) =>
  [requestLine, ...lines, "", ""].join("\r\n");
const KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";
const UPGRADE = ["Host: fuzz.example", "Upgrade: websocket", "Connection: Upgrade"];
const VALID = [...UPGRADE, KEY, "Sec-WebSocket-Version: 13"];

const HANDSHAKE = {
  "valid": head(VALID),
  "valid-protocols": head([...VALID, "Sec-WebSocket-Protocol: superchat, chat"]),
  "valid-protocols-repeated": head([...VALID, "Sec-WebSocket-Protocol: x", "Sec-WebSocket-Protocol: v2.chat"]),
  "valid-origin": head([...VALID, "Origin: https://fuzz.example"]),
  "valid-lowercase-lf-only": head(["host: a", "upgrade: WebSocket", "connection: upgrade", KEY.toLowerCase().replace(/:.*/, ": dGhlIHNhbXBsZSBub25jZQ=="), "sec-websocket-version: 13"]).replaceAll("\r\n", "\n"),
  "valid-connection-list": head([...UPGRADE.slice(0, 2), "Connection: keep-alive, Upgrade", KEY, "Sec-WebSocket-Version: 13"]),
  "valid-chat-room-query": head(VALID, "/lobby.chatsocket?room=general&name=Ada%20L"),
  "chat-room-name-invalid": head(VALID, "/lobby.chatsocket?room=no%20spaces!&name="),
  "chat-name-control-characters": head(VALID, "/lobby.chatsocket?name=%00%1b%7f" + "n".repeat(80)),
  "method-post": head(VALID, undefined, "POST /echo.chatsocket HTTP/1.1"),
  "http-1.0": head(VALID, undefined, "GET /echo.chatsocket HTTP/1.0"),
  "version-8": head([...UPGRADE, KEY, "Sec-WebSocket-Version: 8"]),
  "version-repeated": head([...VALID, "Sec-WebSocket-Version: 13"]),
  "key-missing": head([...UPGRADE, "Sec-WebSocket-Version: 13"]),
  "key-15-bytes": head([...UPGRADE, "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA", "Sec-WebSocket-Version: 13"]),
  "upgrade-missing": head([UPGRADE[0], UPGRADE[2], KEY, "Sec-WebSocket-Version: 13"]),
  "header-without-colon": head([...VALID, "Broken header line"]),
  "request-line-two-parts": head(VALID, undefined, "GET /echo.chatsocket"),
  "headers-for-the-program": head([...VALID, "X-Custom-Header: a=b", "X-Custom-Header: again", "Cookie: c=1"]),
  // C1 6A was once read as "j", and the module accepted the key dGhlIHNhbXBsZSBub25jZQ==.
  "utf8-key-not-utf8": bytes(head([...UPGRADE, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25@jZQ==", "Sec-WebSocket-Version: 13"]), { "@": [0xc1] }),
};

const ENDPOINT = {
  "echo": "kind = echo\n",
  "echo-every-common-key": "# every key\nkind = echo\nmax_message_size = 65536\nmax_fragments = 8\nprotocols = chat, superchat\nclose_timeout = 250\n",
  "echo-bom-crlf-comments": "\ufeffKIND = Echo   # the kind\r\n\r\n  max_message_size=0\r\n",
  "chat": "kind = chat\n",
  "chat-every-key": "kind = chat\nrooms = query\nmax_rooms = 3\nformat = json\necho_self = false\nhistory = 5\nhistory_bytes = 4096\nmax_members = 2\nmax_backlog = 4096\non_backlog = drop\nmax_rate = 0\n",
  "chat-raw": "kind = chat\nformat = raw\n",
  "process-command": 'kind = process\ncommand = ["python3", "-u", "bot.py", "--verbose"]\nenvironment = {"BOT_LANG": "en"}\nstderr = send\n',
  "process-shell-binary": "kind = process\nshell = cat | tr a-z A-Z\nmode = binary\nstderr = drop\nmax_line_length = 4\n",
  "process-raw-idle": 'kind = process\ncommand = ["cat"]\nmode = raw\ndirectory = sub\nidle_timeout = 100\nmax_processes = 1\n',
  "unknown-key": "kind = echo\ncolour = blue\n",
  "kind-missing": "max_message_size = 10\n",
  "kind-unknown": "kind = telnet\n",
  "key-twice": "kind = echo\nkind = chat\n",
  "number-out-of-range": "kind = echo\nmax_message_size = 99999999999\n",
  "protocol-not-token": "kind = echo\nprotocols = good, b@d\n",
  "line-without-equals": "kind = echo\njust words\n",
  "process-command-not-json": 'kind = process\ncommand = ["unterminated\n',
  // C0 CA was once read as a line break, and FF FF FF FF as lone surrogates quoted in the error.
  "utf8-line-break-not-in-file": bytes("kind = echo@colour = blue", { "@": [0xc0, 0xca] }),
  "utf8-error-not-utf8": bytes("kind = echo\n@ = 1\n", { "@": [0xff, 0xff, 0xff, 0xff] }),
};

function write(target, inputs) {
  const dir = path.join(here, "corpus", target);
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(inputs)) writeFileSync(path.join(dir, name), bytes);
}

write("frames", FRAMES);
write("handshake", HANDSHAKE);
write("endpoint", ENDPOINT);
