// Program output made into valid text: the repair must agree with the browser's own TextDecoder (WHATWG:
// one U+FFFD per maximal invalid subpart), whole or streamed in pieces.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { Protocol } from "./protocol_harness";

const p = new Protocol();
const decoder = () => new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Bytes that are mostly UTF-8 with damage: cut sequences, stray continuations, overlongs, surrogates. */
function damaged(rand: () => number, length: number): Buffer {
  const pieces: number[] = [];
  const tricky = [0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x90, 0x8f];
  while (pieces.length < length) {
    const r = rand();
    if (r < 0.4) pieces.push(0x20 + Math.floor(rand() * 0x5f));
    else if (r < 0.7) pieces.push(...Buffer.from(String.fromCodePoint(0x80 + Math.floor(rand() * 0x10ff7f) % 0x10ff80), "utf8").subarray(0, 1 + Math.floor(rand() * 4)));
    else pieces.push(tricky[Math.floor(rand() * tricky.length)]);
  }
  return Buffer.from(pieces.slice(0, length));
}

describe("UTF-8 repair", () => {
  it("keeps valid text byte for byte", () => {
    const text = Buffer.from("plain, café, 漢字, 😀 and more", "utf8");
    assert.deepEqual(p.utf8Repair(text).text, text);
  });

  it("agrees with TextDecoder on 5000 damaged byte strings", () => {
    const rand = random(7);
    for (let i = 0; i < 5000; i++) {
      const bytes = damaged(rand, 1 + Math.floor(rand() * 40));
      const expected = decoder().decode(bytes);
      assert.equal(p.utf8Repair(bytes).text.toString("utf8"), expected, bytes.toString("hex"));
    }
  });

  it("agrees with a streaming TextDecoder when the bytes come in pieces, holding back an unfinished character", () => {
    const rand = random(11);
    for (let i = 0; i < 2000; i++) {
      const bytes = damaged(rand, 2 + Math.floor(rand() * 40));
      const stream = decoder();
      let expected = "";
      let ours = "";
      let held = Buffer.alloc(0);
      for (let at = 0; at < bytes.length; ) {
        const n = 1 + Math.floor(rand() * 6);
        const piece = bytes.subarray(at, at + n);
        at += n;
        const last = at >= bytes.length;
        expected += stream.decode(piece, { stream: !last });
        const input = Buffer.concat([held, piece]);
        const { text, pending } = p.utf8Repair(input, last);
        ours += text.toString("utf8");
        held = input.subarray(input.length - pending);
      }
      assert.equal(ours, expected, bytes.toString("hex"));
    }
  });

  it("finds the last character boundary at or before a length", () => {
    const text = Buffer.from("aé漢😀", "utf8"); // 1 + 2 + 3 + 4 bytes
    const boundaries = [0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10];
    for (let len = 0; len <= text.length; len++) assert.equal(p.utf8Boundary(text, len), boundaries[len], `length ${len}`);
  });
});
