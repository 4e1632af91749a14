import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clientFrame, parseServerFrames, PING, PONG, TEXT } from "./frames";
import { connect, Harness, INIT_TEST_HOOKS, SEND_BACKPRESSURE, SEND_OK, WasmTrap } from "./wasm_harness";

describe("ping and pong", () => {
  it("answers a ping with a pong carrying the same payload", () => {
    const h = new Harness();
    connect(h, 1);
    h.data(1, clientFrame(PING, "are you there"));
    const [f] = parseServerFrames(h.takeSent(1));
    assert.equal(f.opcode, PONG);
    assert.equal(f.payload.toString(), "are you there");
  });

  it("answers a 125-byte ping and an empty one, in order", () => {
    const h = new Harness();
    connect(h, 1);
    const big = Buffer.alloc(125, 7);
    h.dataInPieces(1, Buffer.concat([clientFrame(PING, big), clientFrame(PING)]), [1, 1, 1, 50]);
    const frames = parseServerFrames(h.takeSent(1));
    assert.deepEqual(frames.map((f) => [f.opcode, f.payload.length]), [[PONG, 125], [PONG, 0]]);
    assert.ok(frames[0].payload.equals(big));
  });

  it("keeps pongs and echoes in the order their frames arrived", () => {
    const h = new Harness();
    connect(h, 1);
    h.data(1, Buffer.concat([clientFrame(TEXT, "1"), clientFrame(PING, "2"), clientFrame(TEXT, "3")]));
    assert.deepEqual(parseServerFrames(h.takeSent(1)).map((f) => f.payload.toString()), ["1", "2", "3"]);
  });

  it("ignores unsolicited pongs", () => {
    const h = new Harness();
    connect(h, 1);
    h.data(1, clientFrame(PONG, "x"));
    assert.equal(h.takeSent(1).length, 0);
  });
});

describe("backpressure", () => {
  it("pauses reading when host_send reports backpressure and resumes on cs_writable", () => {
    const h = new Harness();
    connect(h, 1);
    h.sendStatus = SEND_BACKPRESSURE;
    h.data(1, clientFrame(TEXT, "a"));
    assert.equal(h.paused.get(1), true);
    h.sendStatus = SEND_OK;
    h.writable(1);
    assert.equal(h.paused.get(1), false);
    h.data(1, clientFrame(TEXT, "b"));
    assert.deepEqual(parseServerFrames(h.takeSent(1)).map((f) => f.payload.toString()), ["a", "b"]);
  });
});

describe("test endpoint", () => {
  it("echoes messages other than trap", () => {
    const h = new Harness(INIT_TEST_HOOKS);
    connect(h, 1, "kind = test");
    h.data(1, clientFrame(TEXT, "trap?"));
    assert.equal(parseServerFrames(h.takeSent(1))[0].payload.toString(), "trap?");
  });

  it("calls abort on the text message trap", () => {
    const h = new Harness(INIT_TEST_HOOKS);
    connect(h, 1, "kind = test");
    assert.throws(() => h.data(1, clientFrame(TEXT, "trap")), WasmTrap);
  });
});
