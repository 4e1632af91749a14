import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clientFrame, CLOSE, closeCodeOf, closePayload, parseServerFrames, TEXT } from "./frames";
import { connect, Harness } from "./wasm_harness";

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
