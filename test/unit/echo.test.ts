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
