import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BINARY, clientFrame, CLOSE, closeCodeOf, closePayload, parseServerFrames, TEXT } from "./frames";
import { connect, Harness } from "./wasm_harness";

describe("echo endpoint", () => {
  it("sends a text message back unmasked with the same opcode", () => {
    const h = new Harness();
    connect(h, 1);
    h.data(1, clientFrame(TEXT, "hello"));
    const frames = parseServerFrames(h.takeSent(1));
    assert.equal(frames.length, 1);
    assert.deepEqual({ fin: frames[0].fin, masked: frames[0].masked, opcode: frames[0].opcode }, { fin: true, masked: false, opcode: TEXT });
    assert.equal(frames[0].payload.toString(), "hello");
  });

  it("sends a binary message back as binary", () => {
    const h = new Harness();
    connect(h, 7);
    const payload = Buffer.from([0, 1, 2, 0xff, 0xfe]);
    h.data(7, clientFrame(BINARY, payload));
    const [f] = parseServerFrames(h.takeSent(7));
    assert.equal(f.opcode, BINARY);
    assert.deepEqual(f.payload, payload);
  });

  it("unmasks payloads of every length up to 79 and a few longer, whole and in pieces", () => {
    // The unmask loop goes 32, then 8 bytes at a time, then byte by byte, from wherever a piece starts in
    // the mask's four-byte cycle: lengths around each step, and pieces whose sizes shift that cycle.
    const lengths = [...Array.from({ length: 80 }, (_, i) => i), 127, 1000, 4099];
    for (const pieceSize of [0, 1, 3, 7, 33]) {
      const h = new Harness();
      connect(h, 3);
      for (const length of lengths) {
        const payload = Buffer.from(Array.from({ length }, (_, i) => (i * 37 + length) & 0xff));
        const frame = clientFrame(BINARY, payload, { key: Buffer.from([0x5a, 0xc3, 0x01, 0xfe]) });
        if (pieceSize === 0) h.data(3, frame);
        else for (let at = 0; at < frame.length; at += pieceSize) h.data(3, frame.subarray(at, at + pieceSize));
        const [f] = parseServerFrames(h.takeSent(3));
        assert.deepEqual(f.payload, payload, `${length} bytes in pieces of ${pieceSize || "the whole frame"}`);
      }
    }
  });

  it("answers a close with the same code and ends the connection gracefully", () => {
    const h = new Harness();
    connect(h, 2);
    h.data(2, clientFrame(CLOSE, closePayload(1000, "bye")));
    const [f] = parseServerFrames(h.takeSent(2));
    assert.equal(f.opcode, CLOSE);
    assert.equal(closeCodeOf(f), 1000);
    assert.deepEqual(h.ends.get(2), [0]);
  });
});
