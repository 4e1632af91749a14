import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BINARY, clientFrame, CLOSE, closeCodeOf, closePayload, CONTINUATION, parseServerFrames, PING, PONG, TEXT } from "./frames";
import { CLOSED_BY_PEER, connect, Harness, SEND_BACKPRESSURE } from "./wasm_harness";

function sendClose(payload: Buffer) {
  const h = new Harness();
  connect(h, 1);
  h.data(1, clientFrame(CLOSE, payload));
  return { h, frames: parseServerFrames(h.takeSent(1)) };
}

describe("closing handshake", () => {
  for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]) {
    it(`echoes the valid close code ${code} and ends gracefully`, () => {
      const { h, frames } = sendClose(closePayload(code, "reason"));
      assert.equal(frames.length, 1);
      assert.equal(frames[0].opcode, CLOSE);
      assert.equal(closeCodeOf(frames[0]), code);
      assert.deepEqual(h.ends.get(1), [0]);
    });
  }

  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
    it(`closes with 1002 when the peer sends the invalid close code ${code}`, () => {
      const { h, frames } = sendClose(closePayload(code));
      assert.equal(closeCodeOf(frames[0]), 1002);
      assert.deepEqual(h.ends.get(1), [0]);
    });
  }

  it("replies 1000 to an empty close payload", () => {
    const { h, frames } = sendClose(Buffer.alloc(0));
    assert.equal(frames[0].opcode, CLOSE);
    assert.equal(closeCodeOf(frames[0]), 1000);
    assert.deepEqual(h.ends.get(1), [0]);
  });

  it("closes with 1002 when the close payload is one byte", () => {
    const { frames } = sendClose(Buffer.from([0x03]));
    assert.equal(closeCodeOf(frames[0]), 1002);
  });

  it("closes with 1007 when the close reason is not UTF-8", () => {
    const { frames } = sendClose(closePayload(1000, Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80, 0x65, 0x64])));
    assert.equal(closeCodeOf(frames[0]), 1007);
  });

  it("accepts a 123-byte UTF-8 close reason", () => {
    const { frames } = sendClose(closePayload(1000, "é".repeat(61) + "a"));
    assert.equal(closeCodeOf(frames[0]), 1000);
  });

  it("sends nothing after its close frame and ignores what follows", () => {
    const h = new Harness();
    connect(h, 1);
    h.data(1, Buffer.concat([clientFrame(CLOSE, closePayload(1000)), clientFrame(TEXT, "late")]));
    const frames = parseServerFrames(h.takeSent(1));
    assert.deepEqual(frames.map((f) => f.opcode), [CLOSE]);
  });

  it("arms the close timer when ending and aborts when it fires", () => {
    const { h } = sendClose(closePayload(1000));
    assert.equal(h.timers.get(1), 5000);
    h.timer(1);
    assert.deepEqual(h.ends.get(1), [0, 1]);
  });

  it("ignores the timer while the connection is open", () => {
    const h = new Harness();
    connect(h, 1);
    h.timer(1);
    assert.equal(h.ends.get(1), undefined);
  });

  it("forgets the id after cs_closed and logs later calls for it", () => {
    const h = new Harness();
    connect(h, 1);
    h.closed(1, 1);
    h.data(1, clientFrame(TEXT, "x"));
    assert.equal(h.takeSent(1).length, 0);
    assert.ok(h.logs.some((l) => l.level === 0 && /unknown connection id 1/.test(l.text)));
  });

  it("builds a 1011 close frame with cs_encode_close", () => {
    const h = new Harness();
    const out = h.exports.cs_buffer(16);
    const n = h.exports.cs_encode_close(1011, out);
    assert.deepEqual(Buffer.from(new Uint8Array(h.exports.memory.buffer, out, n)), Buffer.from([0x88, 0x02, 0x03, 0xf3]));
  });
});

const ZERO_KEY = new Uint8Array(4);
const whole = (h: Harness, b: Buffer) => h.data(1, b);
const byteByByte = (h: Harness, b: Buffer) => h.dataInPieces(1, b, new Array(b.length).fill(1));

/** Opens a connection and fails it with `violation`; returns the harness with our close frame taken. */
function failed(violation: Buffer, endpoint?: string): Harness {
  const h = new Harness();
  connect(h, 1, endpoint);
  h.data(1, violation);
  const frames = parseServerFrames(h.takeSent(1));
  assert.equal(frames[frames.length - 1].opcode, CLOSE);
  assert.equal(h.ends.get(1), undefined);
  return h;
}

/** A frame header declaring `length` payload bytes (64-bit length), masked with an all-zero key. */
function header(opcode: number, length: bigint): Buffer {
  const b = Buffer.alloc(14);
  b[0] = 0x80 | opcode;
  b[1] = 0x80 | 127;
  b.writeBigUInt64BE(length, 2);
  return b;
}

describe("failing the connection (RFC 6455 §7.1.7)", () => {
  it("skips a 17 MiB message over the 16 MiB limit after its 1009 and ends once the client's close frame is in", () => {
    const h = new Harness();
    connect(h, 1);
    const length = 17 * 1024 * 1024;
    h.data(1, header(BINARY, BigInt(length)));
    assert.deepEqual(parseServerFrames(h.takeSent(1)).map(closeCodeOf), [1009]);
    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    for (let left = length; left > 0; left -= chunk.length) h.data(1, chunk.subarray(0, Math.min(left, chunk.length)));
    assert.equal(h.ends.get(1), undefined, "still reading the payload");
    const close = clientFrame(CLOSE, closePayload(1009)); // what ws answers
    h.dataInPieces(1, close.subarray(0, close.length - 1), new Array(close.length - 1).fill(1));
    assert.equal(h.ends.get(1), undefined, "the close frame is not whole yet");
    h.data(1, close.subarray(close.length - 1));
    assert.deepEqual(h.ends.get(1), [0]);
    assert.equal(h.takeSent(1).length, 0, "nothing after our close frame");
  });

  it("ends at the client's close frame in the same read as the violation", () => {
    const h = new Harness();
    connect(h, 1);
    h.data(1, Buffer.concat([clientFrame(CONTINUATION, "x"), clientFrame(TEXT, "late"), clientFrame(CLOSE, closePayload(1002))]));
    assert.deepEqual(parseServerFrames(h.takeSent(1)).map((f) => [f.opcode, closeCodeOf(f)]), [[CLOSE, 1002]]);
    assert.deepEqual(h.ends.get(1), [0]);
  });

  it("answers nothing after its close frame: no echo, no pong, no second close", () => {
    const h = failed(clientFrame(CONTINUATION, "x"));
    h.data(1, Buffer.concat([clientFrame(TEXT, "echo?"), clientFrame(PING, "pong?"), clientFrame(BINARY, "echo?")]));
    assert.equal(h.takeSent(1).length, 0);
    assert.equal(h.ends.get(1), undefined);
    h.data(1, clientFrame(CLOSE, closePayload(1000)));
    assert.equal(h.takeSent(1).length, 0);
    assert.deepEqual(h.ends.get(1), [0]);
  });

  it("skips the rest of a text frame after a 1007 and checks no UTF-8 after it", () => {
    const bad = clientFrame(TEXT, Buffer.concat([Buffer.from([0xff]), Buffer.alloc(5000, 0x61)]));
    const h = failed(bad.subarray(0, 9)); // header, mask key and the bad byte
    h.data(1, Buffer.concat([bad.subarray(9), clientFrame(TEXT, Buffer.from([0xc0, 0x80]))]));
    assert.equal(h.ends.get(1), undefined);
    h.data(1, clientFrame(CLOSE, closePayload(1007)));
    assert.deepEqual(h.ends.get(1), [0]);
    assert.equal(h.takeSent(1).length, 0);
  });

  it("ignores message rules while draining: order, max_fragments, max_message_size", () => {
    const h = failed(clientFrame(CONTINUATION, "x"), "kind = echo\nmax_message_size = 10\nmax_fragments = 1\n");
    h.data(1, Buffer.concat([
      clientFrame(CONTINUATION, "no message open"),
      clientFrame(TEXT, "a", { fin: false }),
      clientFrame(CONTINUATION, "over max_fragments", { fin: false }),
      clientFrame(BINARY, Buffer.alloc(70000)),
      clientFrame(CLOSE, Buffer.from([0x03])), // a faulty close still answers ours
    ]));
    assert.deepEqual(h.ends.get(1), [0]);
    assert.equal(h.takeSent(1).length, 0);
  });

  // Each violating frame carries an empty close frame as its payload, on the wire as it is (zero mask key):
  // were its payload not skipped exactly, that decoy would end the connection too early.
  const decoy = clientFrame(CLOSE, Buffer.alloc(0), { key: ZERO_KEY });
  const plain = { key: ZERO_KEY };
  for (const [what, violation] of [
    ["an RSV violation", clientFrame(TEXT, decoy, { ...plain, rsv: 4 })],
    ["a reserved data opcode", clientFrame(3, decoy, plain)],
    ["a reserved control opcode", clientFrame(0xb, decoy, plain)],
    ["an unmasked frame", clientFrame(BINARY, decoy, { masked: false })],
    ["an unmasked frame with a 16-bit length", clientFrame(BINARY, Buffer.concat([decoy, Buffer.alloc(200)]), { masked: false })],
    ["a fragmented ping", clientFrame(PING, decoy, { ...plain, fin: false })],
    ["a ping over 125 bytes", clientFrame(PING, Buffer.concat([decoy, Buffer.alloc(120)]), plain)],
    ["a ping with a 64-bit length code", clientFrame(PING, decoy, { ...plain, lengthBytes: 8 })],
  ] as const) {
    it(`after ${what} it waits for the client's close frame and then ends`, () => {
      for (const feed of [whole, byteByByte]) {
        const h = new Harness();
        connect(h, 1);
        feed(h, violation);
        assert.deepEqual(parseServerFrames(h.takeSent(1)).map((f) => [f.opcode, closeCodeOf(f)]), [[CLOSE, 1002]]);
        assert.equal(h.ends.get(1), undefined, "the violating frame is not the client's answer");
        assert.equal(h.timers.get(1), 5000);
        const answer = clientFrame(CLOSE, closePayload(1002));
        byteByByte(h, answer.subarray(0, answer.length - 1));
        assert.equal(h.ends.get(1), undefined, "the close frame is not whole yet");
        h.data(1, answer.subarray(answer.length - 1));
        assert.deepEqual(h.ends.get(1), [0]);
        assert.equal(h.takeSent(1).length, 0, "nothing after our close frame");
      }
    });
  }

  // A close frame that breaks a rule is still the client's close: it has started closing and will send no
  // other (Autobahn 7.3.6 then waits for us to drop TCP). Answered with 1002, it ends once it is whole.
  for (const [what, violation] of [
    ["a fragmented close frame", clientFrame(CLOSE, closePayload(1000), { fin: false })],
    ["a close frame over 125 bytes (Autobahn 7.3.6)", clientFrame(CLOSE, closePayload(1000, "a".repeat(124)))],
    ["an unmasked close frame", clientFrame(CLOSE, closePayload(1000), { masked: false })],
  ] as const) {
    it(`answers ${what} with 1002 and ends once that frame is whole, since it was the client's close`, () => {
      for (const feed of [whole, byteByByte]) {
        const h = new Harness();
        connect(h, 1);
        feed(h, violation.subarray(0, violation.length - 1));
        assert.equal(h.ends.get(1), undefined, "the close frame is not whole yet");
        h.data(1, violation.subarray(violation.length - 1));
        assert.deepEqual(parseServerFrames(h.takeSent(1)).map((f) => [f.opcode, closeCodeOf(f)]), [[CLOSE, 1002]]);
        assert.deepEqual(h.ends.get(1), [0]);
      }
    });
  }

  it("while draining it accepts any RSV bits, opcode, FIN, mask bit and length encoding, and still finds the close frame", () => {
    const h = failed(clientFrame(TEXT, "x", { rsv: 2 }));
    h.data(1, Buffer.concat([
      clientFrame(BINARY, decoy, { ...plain, rsv: 7 }),
      clientFrame(0xf, decoy, plain),
      clientFrame(TEXT, decoy, { masked: false }),
      clientFrame(PING, decoy, { ...plain, fin: false }),
      clientFrame(PONG, Buffer.concat([decoy, Buffer.alloc(300)]), { ...plain, lengthBytes: 8 }),
      clientFrame(CONTINUATION, Buffer.alloc(70000), { masked: false }),
    ]));
    assert.equal(h.ends.get(1), undefined);
    assert.equal(h.takeSent(1).length, 0);
    h.data(1, clientFrame(CLOSE, closePayload(1002)));
    assert.deepEqual(h.ends.get(1), [0]);
  });

  it("while draining a close frame is the client's answer whatever its framing or payload, once its payload is in", () => {
    const h = failed(clientFrame(CONTINUATION, "x"));
    const answer = clientFrame(CLOSE, Buffer.alloc(200, 0xff), { fin: false, rsv: 7, masked: false });
    h.data(1, answer.subarray(0, answer.length - 1));
    assert.equal(h.ends.get(1), undefined, "its payload is not all in");
    h.data(1, answer.subarray(answer.length - 1));
    assert.deepEqual(h.ends.get(1), [0]);
    assert.equal(h.takeSent(1).length, 0);
  });

  it("a 64-bit length with the top bit set ends the connection right after our close frame", () => {
    for (const feed of [whole, byteByByte]) {
      const h = new Harness();
      connect(h, 1);
      feed(h, header(BINARY, (1n << 63n) | 5n).subarray(0, 3)); // judged at the first length byte
      assert.deepEqual(parseServerFrames(h.takeSent(1)).map((f) => [f.opcode, closeCodeOf(f)]), [[CLOSE, 1002]]);
      assert.deepEqual(h.ends.get(1), [0]);
      assert.equal(h.timers.get(1), 5000, "the close timer guards the graceful end");
      h.data(1, clientFrame(CLOSE, closePayload(1002)));
      assert.equal(h.takeSent(1).length, 0);
      h.timer(1);
      assert.deepEqual(h.ends.get(1), [0, 1]);
    }
  });

  it("a 64-bit length with the top bit set in a frame that broke another rule first ends the connection at once", () => {
    const h = new Harness();
    connect(h, 1);
    h.data(1, Buffer.from([0x89, 0x7f, 0x80])); // a ping, unmasked, with a 64-bit length code and the top bit
    assert.deepEqual(parseServerFrames(h.takeSent(1)).map(closeCodeOf), [1002]);
    assert.deepEqual(h.ends.get(1), [0]);
  });

  it("a 64-bit length with the top bit set while draining ends the connection at once, sending nothing more", () => {
    const h = failed(clientFrame(CONTINUATION, "x"));
    h.data(1, Buffer.concat([clientFrame(TEXT, "x", { rsv: 1 }), header(BINARY, 1n << 63n)]));
    assert.deepEqual(h.ends.get(1), [0]);
    assert.equal(h.takeSent(1).length, 0);
  });

  it("a 64-bit length with the top bit set while paused for backpressure still ends after our close frame", () => {
    const h = new Harness();
    connect(h, 1);
    h.sendStatus = SEND_BACKPRESSURE;
    h.data(1, clientFrame(TEXT, "a"));
    assert.equal(h.paused.get(1), true);
    h.data(1, header(TEXT, 1n << 63n));
    assert.deepEqual(parseServerFrames(h.takeSent(1)).map((f) => f.opcode), [TEXT, CLOSE]);
    assert.deepEqual(h.ends.get(1), [0]);
  });

  it("reads on until EOF when the client never answers a framing error", () => {
    const h = failed(clientFrame(TEXT, "x", { rsv: 4 }));
    h.data(1, clientFrame(TEXT, "no close"));
    assert.equal(h.ends.get(1), undefined);
    h.closed(1, CLOSED_BY_PEER); // EOF
    assert.equal(h.logs.filter((l) => l.level === 0).length, 0);
  });

  it("aborts when the close timer fires before the client's close frame", () => {
    const h = failed(header(BINARY, 17n * 1024n * 1024n));
    h.data(1, Buffer.alloc(1000));
    assert.equal(h.timers.get(1), 5000);
    h.timer(1);
    assert.deepEqual(h.ends.get(1), [1]);
  });

  it("resumes reading when it fails for a framing rule while paused for backpressure", () => {
    const h = new Harness();
    connect(h, 1);
    h.sendStatus = SEND_BACKPRESSURE;
    h.data(1, clientFrame(TEXT, "a"));
    assert.equal(h.paused.get(1), true);
    h.data(1, clientFrame(TEXT, "x", { masked: false }));
    assert.equal(h.paused.get(1), false);
    assert.deepEqual(parseServerFrames(h.takeSent(1)).map((f) => f.opcode), [TEXT, CLOSE]);
    h.data(1, clientFrame(CLOSE, closePayload(1002)));
    assert.deepEqual(h.ends.get(1), [0]);
  });

  it("resumes reading when it fails while paused for backpressure, so the client's bytes drain", () => {
    const h = new Harness();
    connect(h, 1);
    h.sendStatus = SEND_BACKPRESSURE;
    h.data(1, clientFrame(TEXT, "a"));
    assert.equal(h.paused.get(1), true);
    h.data(1, clientFrame(CONTINUATION, "x"));
    assert.equal(h.paused.get(1), false);
    assert.deepEqual(parseServerFrames(h.takeSent(1)).map((f) => f.opcode), [TEXT, CLOSE]);
    h.data(1, clientFrame(CLOSE, closePayload(1002)));
    assert.deepEqual(h.ends.get(1), [0]);
  });
});

describe("the closes the server starts are reported (host_closing), the client's are not", () => {
  it("a protocol error is reported once, with its code and reason, before the close frame", () => {
    const h = new Harness();
    connect(h, 1);
    h.data(1, clientFrame(TEXT, "x", { masked: false }));
    assert.deepEqual(
      h.closings.map((c) => [c.id, c.code]),
      [[1, 1002]],
    );
    assert.equal(closeCodeOf(parseServerFrames(h.takeSent(1))[0]), 1002);
    h.data(1, clientFrame(CLOSE, closePayload(1002)));
    assert.equal(h.closings.length, 1);
  });

  it("log_closes = on marks the report for logging at info; the default does not", () => {
    for (const [endpoint, flags] of [["kind = echo\nlog_closes = on\n", 1], ["kind = echo\n", 0]] as const) {
      const h = new Harness();
      connect(h, 1, endpoint);
      h.data(1, clientFrame(TEXT, Buffer.from([0xff])));
      assert.deepEqual(h.closings, [{ id: 1, code: 1007, reason: h.closings[0]?.reason ?? "", flags }]);
    }
  });

  it("answering the client's close is not reported", () => {
    const { h } = sendClose(closePayload(1000, "bye"));
    assert.deepEqual(h.closings, []);
  });
});

describe("message counters (cs_counters)", () => {
  it("count whole messages in and out, not frames, pings or closes", () => {
    const h = new Harness();
    connect(h, 1);
    const before = h.counters();
    h.data(1, Buffer.concat([clientFrame(TEXT, "a", { fin: false }), clientFrame(CONTINUATION, "b"), clientFrame(PING, "p")]));
    h.data(1, clientFrame(BINARY, "c"));
    h.data(1, clientFrame(CLOSE, closePayload(1000)));
    const after = h.counters();
    assert.deepEqual(
      after.map((n, i) => n - before[i]),
      [2n, 2n],
    );
  });
});
