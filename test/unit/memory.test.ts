import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BINARY, clientFrame, CLOSE, closePayload, CONTINUATION, randomPieces, rng, TEXT } from "./frames";
import { CLOSED_BY_MODULE, CLOSED_BY_PEER, connect, handshakeHead, Harness } from "./wasm_harness";

/** One round: many connections, some with big (fragmented) messages, some closed mid-message. */
function round(h: Harness, firstId: number, random: () => number): void {
  const big = Buffer.alloc(1 << 20, 0x61);
  for (let id = firstId; id < firstId + 40; id++) {
    connect(h, id);
    const kind = id % 4;
    if (kind === 0) {
      const wire = clientFrame(TEXT, big);
      h.dataInPieces(id, wire, randomPieces(wire.length, random, 70000));
    } else if (kind === 1) {
      h.data(id, clientFrame(BINARY, big.subarray(0, 300000), { fin: false }));
      h.data(id, clientFrame(CONTINUATION, big.subarray(0, 300000)));
    } else if (kind === 2) {
      h.data(id, clientFrame(BINARY, big.subarray(0, 500000), { fin: false })); // left unfinished
    } else {
      h.data(id, clientFrame(TEXT, "small"));
    }
    h.data(id, clientFrame(CLOSE, closePayload(1000)));
    h.takeSent(id);
    h.closed(id, kind === 2 ? CLOSED_BY_PEER : CLOSED_BY_MODULE);
  }
  // Refusals must keep nothing either.
  for (let id = firstId; id < firstId + 40; id++) h.open(id, handshakeHead({ Upgrade: null }), "kind = echo");
}

describe("memory", () => {
  it("stops growing once connections and big messages come and go (heap reuse)", () => {
    const h = new Harness();
    const random = rng(42);
    for (let r = 0; r < 3; r++) round(h, 1 + r * 100, random); // warm up: the heap reaches its working size
    const settled = h.memoryBytes();
    for (let r = 3; r < 15; r++) round(h, 1 + r * 100, random);
    assert.equal(h.memoryBytes(), settled);
  });
});
