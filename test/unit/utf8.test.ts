import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clientFrame, CLOSE, closeCodeOf, CONTINUATION, parseServerFrames, randomPieces, rng, TEXT } from "./frames";
import { Protocol, UTF8_INVALID } from "./protocol_harness";
import { connect, Harness } from "./wasm_harness";

const INVALID_SNIPPETS = [
  [0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xe0, 0x9f, 0xbf], [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf], [0xf0, 0x80, 0x80, 0x80], [0xf0, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80], [0xff], [0xfe], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc3],
];

/** Mostly valid UTF-8 (all code point ranges); with `invalid`, a few broken snippets mixed in. */
function randomUtf8(random: () => number, pieces: number, invalid: boolean): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < pieces; i++) {
    const r = random();
    if (invalid && r < 0.04) {
      out.push(Buffer.from(INVALID_SNIPPETS[Math.floor(random() * INVALID_SNIPPETS.length)]));
    } else if (r < 0.5) {
      out.push(Buffer.from([0x20 + Math.floor(random() * 95)]));
    } else {
      const ranges = [[0x80, 0x7ff], [0x800, 0xd7ff], [0xe000, 0xffff], [0x10000, 0x10ffff]];
      const [lo, hi] = ranges[Math.floor(random() * ranges.length)];
      out.push(Buffer.from(String.fromCodePoint(lo + Math.floor(random() * (hi - lo + 1))), "utf8"));
    }
  }
  return Buffer.concat(out);
}

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Index of the first byte at which a streaming fatal TextDecoder gives up, or -1. */
function firstBadByte(bytes: Uint8Array): number {
  const d = new TextDecoder("utf-8", { fatal: true });
  for (let i = 0; i < bytes.length; i++) {
    try {
      d.decode(bytes.subarray(i, i + 1), { stream: true });
    } catch {
      return i;
    }
  }
  return -1;
}

describe("utf8 validator", () => {
  const p = new Protocol();

  it("agrees with TextDecoder({fatal:true}) on 3000 random inputs fed in random splits", () => {
    const random = rng(3629);
    for (let n = 0; n < 3000; n++) {
      const bytes = randomUtf8(random, 1 + Math.floor(random() * 40), random() < 0.5);
      const pieces: Buffer[] = [];
      let at = 0;
      for (const len of randomPieces(bytes.length, random, 9)) pieces.push(bytes.subarray(at, (at += len)));
      assert.equal(p.utf8Validate(pieces) === 0, isValidUtf8(bytes), bytes.toString("hex"));
    }
  });

  it("rejects at the same byte as a streaming TextDecoder (fail fast)", () => {
    const random = rng(7);
    for (let n = 0; n < 1500; n++) {
      const bytes = randomUtf8(random, 1 + Math.floor(random() * 30), true);
      let ours = -1;
      for (let i = 1; i <= bytes.length && ours < 0; i++) {
        if (p.utf8Validate([bytes.subarray(0, i)]) === UTF8_INVALID) ours = i - 1;
      }
      assert.equal(ours, firstBadByte(bytes), bytes.toString("hex"));
    }
  });

  it("accepts the edges of every range", () => {
    for (const cp of [0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x10ffff]) {
      assert.equal(p.utf8Validate([Buffer.from(String.fromCodePoint(cp))]), 0, cp.toString(16));
    }
  });

  it("finds a character after an ASCII run at every offset of an eight-byte word", () => {
    // ASCII is skipped eight bytes at a time: what follows a run must be judged at its own byte.
    const snippets = [...INVALID_SNIPPETS, [0xc3, 0xb6], [0xe2, 0x80, 0x94], [0xf0, 0x9f, 0x98, 0x80]];
    for (let run = 0; run <= 24; run++) {
      for (const snippet of snippets) {
        for (const tail of [0, 1, 9]) {
          const bytes = Buffer.concat([Buffer.alloc(run, 0x61), Buffer.from(snippet), Buffer.alloc(tail, 0x62)]);
          const valid = isValidUtf8(bytes);
          const state = p.utf8Validate([bytes]);
          assert.equal(state === 0, valid, bytes.toString("hex"));
          if (!valid && firstBadByte(bytes) >= 0) assert.equal(state, UTF8_INVALID, bytes.toString("hex"));
        }
      }
    }
  });

  it("reports a sequence cut at the end as incomplete, not valid", () => {
    assert.notEqual(p.utf8Validate([Buffer.from([0x61, 0xf0, 0x9f, 0x98])]), 0);
    assert.notEqual(p.utf8Validate([Buffer.from([0x61, 0xf0, 0x9f, 0x98])]), UTF8_INVALID);
  });
});

describe("text messages", () => {
  it("echoes valid text and closes with 1007 on invalid text, over random fragments and splits", () => {
    const random = rng(1007);
    const h = new Harness();
    for (let id = 1; id <= 300; id++) {
      connect(h, id);
      const bytes = randomUtf8(random, 1 + Math.floor(random() * 200), random() < 0.5);
      const frames: Buffer[] = [];
      let at = 0;
      const sizes = randomPieces(bytes.length, random, 50);
      sizes.forEach((len, i) => {
        const last = i === sizes.length - 1;
        frames.push(clientFrame(i === 0 ? TEXT : CONTINUATION, bytes.subarray(at, (at += len)), { fin: last }));
      });
      const wire = Buffer.concat(frames);
      h.dataInPieces(id, wire, randomPieces(wire.length, random, 20));
      const sent = parseServerFrames(h.takeSent(id));
      if (isValidUtf8(bytes)) {
        assert.equal(sent.length, 1, bytes.toString("hex"));
        assert.ok(sent[0].payload.equals(bytes));
      } else {
        assert.equal(sent.length, 1, bytes.toString("hex"));
        assert.equal(sent[0].opcode, CLOSE);
        assert.equal(closeCodeOf(sent[0]), 1007);
      }
      h.closed(id);
    }
  });

  it("closes with 1007 in the fragment that breaks UTF-8, before the message ends", () => {
    const h = new Harness();
    connect(h, 1);
    h.data(1, clientFrame(TEXT, "κόσμε", { fin: false }));
    h.data(1, clientFrame(CONTINUATION, Buffer.from([0xce, 0xba, 0xed, 0xa0, 0x80]), { fin: false }));
    const [f] = parseServerFrames(h.takeSent(1));
    assert.equal(closeCodeOf(f), 1007);
    assert.equal(h.ends.get(1), undefined, "waits for the client's close frame");
  });

  it("closes with 1007 mid-frame, as soon as the bad byte arrives", () => {
    const h = new Harness();
    connect(h, 1);
    const frame = clientFrame(TEXT, Buffer.concat([Buffer.from("hello"), Buffer.from([0xf4, 0x90]), Buffer.alloc(1000, 0x61)]));
    h.data(1, frame.subarray(0, 8 + 5 + 2)); // header + mask, "hello", then F4 90
    const [f] = parseServerFrames(h.takeSent(1));
    assert.equal(closeCodeOf(f), 1007);
  });

  it("closes with 1007 when a text message ends inside a character", () => {
    const h = new Harness();
    connect(h, 1);
    h.data(1, clientFrame(TEXT, Buffer.from([0x61, 0xe2, 0x82])));
    assert.equal(closeCodeOf(parseServerFrames(h.takeSent(1))[0]), 1007);
  });

  it("accepts a character split across fragments", () => {
    const h = new Harness();
    connect(h, 1);
    const euro = Buffer.from("€");
    h.data(1, clientFrame(TEXT, euro.subarray(0, 1), { fin: false }));
    h.data(1, clientFrame(CONTINUATION, euro.subarray(1)));
    assert.equal(parseServerFrames(h.takeSent(1))[0].payload.toString(), "€");
  });

  it("does not validate binary messages as UTF-8", () => {
    const h = new Harness();
    connect(h, 1);
    h.data(1, clientFrame(0x2, Buffer.from([0xff, 0xfe])));
    assert.equal(parseServerFrames(h.takeSent(1))[0].opcode, 0x2);
  });
});
