// The GOING_AWAY event in Wasm alone: the server is going down (IIS's GL_STOP_LISTENING, the host's stop()),
// so every open connection closes with 1001 and runs the usual closing handshake. The native side is the harness.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { Event, Status } from "../support/abi_constants";
import { clientFrame, CLOSE, closePayload, parseServerFrames, TEXT } from "./frames";
import { connect, handshakeHead, Harness } from "./wasm_harness";

function goingAway(h: Harness, id: number): number {
  return h.exports.cs_event(id, Event.GOING_AWAY, 0, 0);
}

function closeFrames(h: Harness, id: number): { code: number; reason: string }[] {
  return parseServerFrames(h.takeSent(id))
    .filter((f) => f.opcode === CLOSE)
    .map((f) => ({ code: f.payload.readUInt16BE(0), reason: f.payload.subarray(2).toString() }));
}

describe("GOING_AWAY", () => {
  it("sends 1001 with its reason, arms the close timer and waits for the client's close frame", () => {
    const h = new Harness();
    connect(h, 1, "kind = echo\nclose_timeout = 1234\n");
    assert.equal(goingAway(h, 1), Status.OK);
    assert.deepEqual(closeFrames(h, 1), [{ code: 1001, reason: "server going away" }]);
    assert.equal(h.timers.get(1), 1234);
    assert.equal(h.ends.get(1), undefined);
    h.data(1, clientFrame(TEXT, "late")); // skipped: nothing follows our close frame
    assert.deepEqual(parseServerFrames(h.takeSent(1)), []);
    h.data(1, clientFrame(CLOSE, closePayload(1001)));
    assert.deepEqual(h.ends.get(1), [0]);
  });

  it("drops a client that never answers when the close timer fires", () => {
    const h = new Harness();
    connect(h, 1);
    goingAway(h, 1);
    h.timer(1, 0);
    assert.deepEqual(h.ends.get(1), [1]);
  });

  it("changes nothing for a connection already closing", () => {
    const h = new Harness();
    connect(h, 1);
    h.data(1, clientFrame(CLOSE, closePayload(1000)));
    assert.deepEqual(closeFrames(h, 1), [{ code: 1000, reason: "" }]);
    assert.equal(goingAway(h, 1), Status.OK);
    assert.deepEqual(h.takeSent(1), Buffer.alloc(0));
    assert.deepEqual(h.ends.get(1), [0]);
  });

  it("stops a connection's program, as any close does", () => {
    const h = new Harness();
    const opened = h.open(1, handshakeHead(), 'kind = process\ncommand = ["cat"]\n');
    assert.equal(opened.status, 101, opened.body);
    goingAway(h, 1);
    assert.deepEqual(h.processCalls.get(1), ["stop"]);
    assert.deepEqual(closeFrames(h, 1), [{ code: 1001, reason: "server going away" }]);
  });

  it("is NOT_FOUND for an id the instance does not hold", () => {
    const h = new Harness();
    assert.equal(goingAway(h, 77), Status.NOT_FOUND);
  });
});
