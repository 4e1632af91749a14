// permessage-deflate in the Wasm core (RFC 7692): which offer is taken and how it is answered, the RSV1 rules,
// and compressed messages through the harness's zlib.
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { describe, it } from "node:test";

import { Deflate } from "../support/abi_constants";
import { BINARY, CLOSE, CONTINUATION, PING, TEXT, clientFrame, closeCodeOf, parseServerFrames } from "./frames";
import { handshakeHead, Harness } from "./wasm_harness";

const DEFLATE_ECHO = "kind = echo\ncompression = permessage-deflate\ncompression_threshold = 0\n";

function answerTo(offer: string | null, endpoint = DEFLATE_ECHO): string | undefined {
  const r = new Harness().open(1, handshakeHead(offer === null ? {} : { "Sec-WebSocket-Extensions": offer }), endpoint);
  assert.equal(r.status, 101, "declining every offer is no reason to refuse the handshake");
  return r.headers.get("sec-websocket-extensions");
}

/** A message as a permessage-deflate client sends it: compressed, without the 00 00 FF FF tail. */
function compressed(text: string | Buffer): Buffer {
  const out = zlib.deflateRawSync(Buffer.from(text), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

function inflated(payload: Buffer): Buffer {
  return zlib.inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

function openDeflate(endpoint = DEFLATE_ECHO): Harness {
  const h = new Harness();
  const r = h.open(1, handshakeHead({ "Sec-WebSocket-Extensions": "permessage-deflate" }), endpoint);
  assert.match(r.headers.get("sec-websocket-extensions") ?? "", /^permessage-deflate/);
  return h;
}

describe("permessage-deflate negotiation", () => {
  const defaults = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

  it("answers a plain offer with no context takeover both ways (the defaults)", () => {
    assert.equal(answerTo("permessage-deflate"), defaults);
    assert.equal(answerTo("permessage-deflate; client_max_window_bits"), defaults, "15 is the most: nothing to say");
  });

  it("ignores offers on endpoints without compression, and answers none when there is no offer", () => {
    assert.equal(answerTo("permessage-deflate", "kind = echo\n"), undefined);
    assert.equal(answerTo(null), undefined);
  });

  it("keeps context takeover both ways where the endpoint allows it and the client does not ask otherwise", () => {
    const endpoint = DEFLATE_ECHO + "server_no_context_takeover = false\nclient_no_context_takeover = false\n";
    assert.equal(answerTo("permessage-deflate", endpoint), "permessage-deflate");
    assert.equal(answerTo("permessage-deflate; server_no_context_takeover", endpoint), "permessage-deflate; server_no_context_takeover");
    assert.equal(answerTo("permessage-deflate; client_no_context_takeover", endpoint), "permessage-deflate", "the client's is a hint");
  });

  it("takes the smaller of the offered and the configured windows, and says so only where the offer asked", () => {
    const endpoint = DEFLATE_ECHO + "server_max_window_bits = 12\nclient_max_window_bits = 10\n";
    assert.equal(answerTo("permessage-deflate; server_max_window_bits=14; client_max_window_bits", endpoint), defaults + "; server_max_window_bits=12; client_max_window_bits=10");
    assert.equal(answerTo('permessage-deflate; server_max_window_bits="9"', endpoint), defaults + "; server_max_window_bits=9");
    assert.equal(answerTo("permessage-deflate", endpoint), defaults, "a client that cannot be told keeps its window");
  });

  it("declines offers that break RFC 7692's rules, and takes the next acceptable one", () => {
    for (const offer of [
      "permessage-deflate; foo",
      "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
      "permessage-deflate; server_no_context_takeover=1",
      "permessage-deflate; server_max_window_bits",
      "permessage-deflate; server_max_window_bits=16",
      "permessage-deflate; server_max_window_bits=09",
      "permessage-deflate; client_max_window_bits=7",
      "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
      "permessage-deflate; server_max_window_bits=8", // zlib cannot compress with 256 bytes without its header
      "x-webkit-deflate-frame",
    ]) {
      assert.equal(answerTo(offer), undefined, offer);
    }
    assert.equal(answerTo("permessage-deflate; foo, permessage-deflate; server_max_window_bits=11"), defaults + "; server_max_window_bits=11");
  });
});

describe("permessage-deflate messages", () => {
  it("inflates a compressed text message and sends the echo compressed, with RSV1", () => {
    const h = openDeflate();
    const text = "hello, compressed world ".repeat(40);
    h.data(1, clientFrame(TEXT, compressed(text), { rsv: 4 }));
    const [frame] = parseServerFrames(h.takeSent(1));
    assert.equal(frame.opcode, TEXT);
    assert.equal(frame.rsv, 4);
    assert.equal(inflated(frame.payload).toString(), text);
  });

  it("assembles a compressed message from fragments: RSV1 on the first frame only", () => {
    const h = openDeflate();
    const whole = compressed(Buffer.alloc(5000, 7));
    h.data(1, clientFrame(BINARY, whole.subarray(0, 10), { rsv: 4, fin: false }));
    h.data(1, clientFrame(CONTINUATION, whole.subarray(10, 20), { fin: false }));
    h.data(1, clientFrame(CONTINUATION, whole.subarray(20)));
    const [frame] = parseServerFrames(h.takeSent(1));
    assert.deepEqual(inflated(frame.payload), Buffer.alloc(5000, 7));
  });

  it("sends messages under compression_threshold plain", () => {
    const h = openDeflate("kind = echo\ncompression = permessage-deflate\ncompression_threshold = 100\n");
    h.data(1, clientFrame(TEXT, compressed("short"), { rsv: 4 }));
    const [frame] = parseServerFrames(h.takeSent(1));
    assert.equal(frame.rsv, 0);
    assert.equal(frame.payload.toString(), "short");
  });

  for (const [what, frames, code] of [
    ["RSV1 on a continuation frame", [clientFrame(TEXT, "a", { fin: false }), clientFrame(CONTINUATION, "b", { rsv: 4 })], 1002],
    ["RSV1 on a ping", [clientFrame(PING, "", { rsv: 4 })], 1002],
    ["RSV2 on a data frame", [clientFrame(TEXT, "a", { rsv: 2 })], 1002],
    ["bytes that are not DEFLATE", [clientFrame(BINARY, Buffer.from([0xff, 0xff, 0xff]), { rsv: 4 })], 1007],
    ["compressed text that inflates to invalid UTF-8", [clientFrame(TEXT, compressed(Buffer.from([0x61, 0xc3, 0x28])), { rsv: 4 })], 1007],
    ["a message that inflates past max_message_size", [clientFrame(BINARY, compressed(Buffer.alloc(300, 1)), { rsv: 4 })], 1009],
  ] as const) {
    it(`closes the connection for ${what} (${code})`, () => {
      const h = openDeflate(DEFLATE_ECHO + "max_message_size = 200\n");
      for (const frame of frames) h.data(1, frame);
      const sent = parseServerFrames(h.takeSent(1));
      const close = sent.find((f) => f.opcode === CLOSE);
      assert.ok(close, `a close frame among ${sent.length} frames`);
      assert.equal(closeCodeOf(close), code);
    });
  }

  it("closes with 1002 for RSV1 on a connection that did not negotiate compression", () => {
    const h = new Harness();
    h.open(1, handshakeHead({}), DEFLATE_ECHO);
    h.data(1, clientFrame(TEXT, compressed("hi"), { rsv: 4 }));
    assert.equal(closeCodeOf(parseServerFrames(h.takeSent(1))[0]), 1002);
  });

  it("compresses a room's message once, whatever the number of members", () => {
    const h = new Harness();
    const room = "kind = chat\ncompression = permessage-deflate\ncompression_threshold = 0\n";
    for (const id of [1, 2, 3]) h.open(id, handshakeHead({ "Sec-WebSocket-Extensions": "permessage-deflate" }), room);
    const before = h.deflateCalls.length;
    h.data(1, clientFrame(TEXT, compressed("to everyone, ".repeat(20)), { rsv: 4 }));
    const calls = h.deflateCalls.slice(before);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].params & Deflate.KEEP_CONTEXT, 0, "a shared frame cannot depend on one member's context");
  });
});
