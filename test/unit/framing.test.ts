import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BINARY, clientFrame, CLOSE, closeCodeOf, CONTINUATION, parseServerFrames, PING, PONG, randomPieces, rng, ServerFrame, TEXT,
} from "./frames";
import { connect, Harness } from "./wasm_harness";

function patterned(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** Feeds `bytes` with `feed` and returns the frames sent back. */
function exchange(bytes: Buffer, feed: (h: Harness, id: number, b: Buffer) => void, endpoint?: string): { h: Harness; frames: ServerFrame[] } {
  const h = new Harness();
  connect(h, 1, endpoint);
  feed(h, 1, bytes);
  return { h, frames: parseServerFrames(h.takeSent(1)) };
}

const whole = (h: Harness, id: number, b: Buffer) => h.data(id, b);
const byteByByte = (h: Harness, id: number, b: Buffer) => h.dataInPieces(id, b, new Array(b.length).fill(1));
const randomSplits = (seed: number, maxPiece: number) => (h: Harness, id: number, b: Buffer) =>
  h.dataInPieces(id, b, randomPieces(b.length, rng(seed), maxPiece));

/**
 * Asserts that the connection was failed with `code`: our close frame is the last thing sent, and the module
 * waits for the client's close frame (RFC 6455 §7.1.7) with the close timer armed, without ending yet.
 */
export function assertFailedWith(h: Harness, id: number, code: number, frames = parseServerFrames(h.takeSent(id))): void {
  const last = frames[frames.length - 1];
  assert.ok(last, "expected a close frame");
  assert.equal(last.opcode, CLOSE);
  assert.equal(closeCodeOf(last), code);
  assert.equal(h.ends.get(id), undefined, "no host_end before the client's close frame");
  assert.equal(h.timers.get(id), 5000);
}

/** Asserts that the client's close was answered with `code` and the connection ended gracefully. */
function assertAnsweredClose(h: Harness, id: number, code: number, frames: ServerFrame[]): void {
  assert.deepEqual(frames.map((f) => [f.opcode, closeCodeOf(f)]), [[CLOSE, code]]);
  assert.deepEqual(h.ends.get(id), [0]);
}

describe("frame parser", () => {
  describe("message sizes", () => {
    for (const size of [0, 1, 125, 126, 65535, 65536]) {
      it(`echoes a ${size}-byte binary message fed whole, byte by byte and in random splits`, () => {
        const payload = patterned(size, size);
        const bytes = clientFrame(BINARY, payload);
        for (const feed of [whole, byteByByte, randomSplits(size, 300)]) {
          const { frames } = exchange(bytes, feed);
          assert.equal(frames.length, 1);
          assert.equal(frames[0].opcode, BINARY);
          assert.ok(frames[0].payload.equals(payload));
        }
      });
    }

    it("echoes an 8 MiB text message fed whole and in random splits", () => {
      const payload = Buffer.alloc(8 << 20, "a");
      const bytes = clientFrame(TEXT, payload);
      for (const feed of [whole, randomSplits(8, 100000)]) {
        const { frames } = exchange(bytes, feed);
        assert.equal(frames.length, 1);
        assert.equal(frames[0].opcode, TEXT);
        assert.ok(frames[0].payload.equals(payload));
      }
    });

    it("accepts non-minimal length encodings", () => {
      const bytes = Buffer.concat([
        clientFrame(TEXT, "16-bit", { lengthBytes: 2 }),
        clientFrame(TEXT, "64-bit", { lengthBytes: 8 }),
      ]);
      const { frames } = exchange(bytes, byteByByte);
      assert.deepEqual(frames.map((f) => f.payload.toString()), ["16-bit", "64-bit"]);
    });

    it("echoes several messages arriving in one read", () => {
      const bytes = Buffer.concat([clientFrame(TEXT, "a"), clientFrame(BINARY, "bb"), clientFrame(TEXT, "ccc")]);
      const { frames } = exchange(bytes, whole);
      assert.deepEqual(frames.map((f) => [f.opcode, f.payload.toString()]), [[TEXT, "a"], [BINARY, "bb"], [TEXT, "ccc"]]);
    });
  });

  describe("fragmentation", () => {
    it("assembles a fragmented message and echoes it as one frame", () => {
      const bytes = Buffer.concat([
        clientFrame(TEXT, "Hel", { fin: false }),
        clientFrame(CONTINUATION, "", { fin: false }),
        clientFrame(CONTINUATION, "lo", { fin: true }),
      ]);
      for (const feed of [whole, byteByByte]) {
        const { frames } = exchange(bytes, feed);
        assert.equal(frames.length, 1);
        assert.equal(frames[0].opcode, TEXT);
        assert.equal(frames[0].payload.toString(), "Hello");
      }
    });

    it("answers a ping between fragments before echoing the message", () => {
      const bytes = Buffer.concat([
        clientFrame(BINARY, "ab", { fin: false }),
        clientFrame(PING, "p"),
        clientFrame(PONG, "unsolicited"),
        clientFrame(CONTINUATION, "cd"),
      ]);
      const { frames } = exchange(bytes, byteByByte);
      assert.deepEqual(frames.map((f) => [f.opcode, f.payload.toString()]), [[PONG, "p"], [BINARY, "abcd"]]);
    });

    it("answers each ping with its own payload, whether it arrives whole or in pieces", () => {
      const long = patterned(125, 7);
      const split = clientFrame(PING, long);
      const cut = Math.floor(split.length / 2);
      const { h, frames: first } = exchange(clientFrame(PING, "first"), whole);
      h.data(1, split.subarray(0, cut));
      h.data(1, Buffer.concat([split.subarray(cut), clientFrame(PING, "third"), clientFrame(TEXT, "text")]));
      h.data(1, clientFrame(PING, ""));
      const frames = [...first, ...parseServerFrames(h.takeSent(1))];
      assert.deepEqual(frames.map((f) => [f.opcode, f.payload.toString("hex")]), [
        [PONG, Buffer.from("first").toString("hex")],
        [PONG, long.toString("hex")],
        [PONG, Buffer.from("third").toString("hex")],
        [TEXT, Buffer.from("text").toString("hex")],
        [PONG, ""],
      ]);
    });

    it("closes with 1009 when a message has more fragments than max_fragments", () => {
      const parts = [clientFrame(TEXT, "a", { fin: false })];
      for (let i = 0; i < 3; i++) parts.push(clientFrame(CONTINUATION, "b", { fin: false }));
      const { h, frames } = exchange(Buffer.concat(parts), whole, "kind = echo\nmax_fragments = 3\n");
      assertFailedWith(h, 1, 1009, frames);
    });

    it("accepts a message of exactly max_fragments fragments", () => {
      const parts = [clientFrame(TEXT, "a", { fin: false }), clientFrame(CONTINUATION, "b", { fin: false }), clientFrame(CONTINUATION, "c")];
      const { frames } = exchange(Buffer.concat(parts), whole, "kind = echo\nmax_fragments = 3\n");
      assert.equal(frames[0].payload.toString(), "abc");
    });

    it("by default takes a message of 1048576 fragments and closes with 1009 at one more", () => {
      const DEFAULT_MAX_FRAGMENTS = 1048576; // the README's default
      const empty = clientFrame(CONTINUATION, "", { fin: false });
      const middle = (count: number) => Buffer.concat(Array.from({ length: count }, () => empty));
      const first = clientFrame(TEXT, "a", { fin: false });
      const accepted = exchange(
        Buffer.concat([first, middle(DEFAULT_MAX_FRAGMENTS - 2), clientFrame(CONTINUATION, "b")]),
        whole,
      );
      assert.deepEqual(accepted.frames.map((f) => [f.opcode, f.payload.toString()]), [[TEXT, "ab"]]);
      const refused = exchange(Buffer.concat([first, middle(DEFAULT_MAX_FRAGMENTS - 1), clientFrame(CONTINUATION, "b")]), whole);
      assertFailedWith(refused.h, 1, 1009, refused.frames);
    });

    it("answers a close that arrives between fragments", () => {
      const bytes = Buffer.concat([clientFrame(TEXT, "a", { fin: false }), clientFrame(CLOSE, Buffer.from([0x03, 0xe8]))]);
      const { h, frames } = exchange(bytes, byteByByte);
      assertAnsweredClose(h, 1, 1000, frames);
    });

    it("closes with 1009 when the assembled message would exceed max_message_size", () => {
      const bytes = Buffer.concat([clientFrame(BINARY, "12345", { fin: false }), clientFrame(CONTINUATION, "123456")]);
      const { h, frames } = exchange(bytes, whole, "kind = echo\nmax_message_size = 10\n");
      assertFailedWith(h, 1, 1009, frames);
    });
  });

  describe("message too big", () => {
    it("closes with 1009 at the length field, before any payload arrives", () => {
      const h = new Harness();
      connect(h, 1);
      const header = clientFrame(BINARY, Buffer.alloc(0), { lengthBytes: 8, declaredLength: 16n * 1024n * 1024n + 1n });
      h.data(1, header.subarray(0, 10)); // opcode + 64-bit length, no mask key yet
      assertFailedWith(h, 1, 1009);
    });

    it("closes with 1009 at the first length byte that reveals it, before the length field is whole", () => {
      const h = new Harness();
      connect(h, 1);
      const header = clientFrame(BINARY, Buffer.alloc(0), { lengthBytes: 8, declaredLength: 17n * 1024n * 1024n }); // 00000000 01100000
      h.dataInPieces(1, header.subarray(0, 7), [1, 1, 1, 1, 1, 1, 1]); // up to the length byte 0x01: still 16 MiB at least
      assert.equal(h.takeSent(1).length, 0);
      h.data(1, header.subarray(7, 8)); // 0x10: at least 17 MiB
      assertFailedWith(h, 1, 1009);
    });

    it("closes with 1009 at the first byte of a 16-bit length that is already too big", () => {
      const h = new Harness();
      connect(h, 1, "kind = echo\nmax_message_size = 100\n");
      h.data(1, clientFrame(BINARY, Buffer.alloc(256)).subarray(0, 3)); // 82 fe 01: 256 at least
      assertFailedWith(h, 1, 1009);
    });

    it("accepts a message of exactly max_message_size bytes", () => {
      const { frames } = exchange(clientFrame(BINARY, Buffer.alloc(100)), whole, "kind = echo\nmax_message_size = 100\n");
      assert.equal(frames[0].payload.length, 100);
    });
  });

  describe("violations", () => {
    const cases: [string, Buffer, number][] = [
      ["closes with 1002 when RSV1 is set", clientFrame(TEXT, "x", { rsv: 4 }), 1002],
      ["closes with 1002 when RSV2 is set", clientFrame(TEXT, "x", { rsv: 2 }), 1002],
      ["closes with 1002 when RSV3 is set", clientFrame(TEXT, "x", { rsv: 1 }), 1002],
      ["closes with 1002 when a client frame is not masked", clientFrame(TEXT, "x", { masked: false }), 1002],
      ["closes with 1002 when a ping carries 126 bytes", clientFrame(PING, Buffer.alloc(126)), 1002],
      ["closes with 1002 when a control frame is fragmented", clientFrame(PING, "x", { fin: false }), 1002],
      ["closes with 1002 when a continuation starts no message", clientFrame(CONTINUATION, "x"), 1002],
      [
        "closes with 1002 when a new data frame arrives while a message is open",
        Buffer.concat([clientFrame(TEXT, "a", { fin: false }), clientFrame(TEXT, "b")]),
        1002,
      ],
    ];
    for (const op of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
      cases.push([`closes with 1002 on reserved opcode 0x${op.toString(16)}`, clientFrame(op, "x"), 1002]);
    }
    for (const [name, bytes, code] of cases) {
      it(name, () => {
        for (const feed of [whole, byteByByte]) {
          const { h, frames } = exchange(bytes, feed);
          assertFailedWith(h, 1, code, frames);
        }
      });
    }

    // A broken close frame is still the client's close: the client has started closing and sends no other.
    for (const [what, bytes] of [
      ["a close carries 126 bytes", clientFrame(CLOSE, Buffer.alloc(126))],
      ["a close frame is fragmented", clientFrame(CLOSE, Buffer.from([0x03, 0xe8]), { fin: false })],
    ] as const) {
      it(`closes with 1002 and ends when ${what}, since that was the client's close`, () => {
        for (const feed of [whole, byteByByte]) {
          const { h, frames } = exchange(bytes, feed);
          assertAnsweredClose(h, 1, 1002, frames);
        }
      });
    }

    it("closes with 1002 and ends at once when the 64-bit length has its top bit set", () => {
      const bytes = clientFrame(BINARY, Buffer.alloc(0), { lengthBytes: 8, declaredLength: 1n << 63n }).subarray(0, 3); // judged at its first byte
      for (const feed of [whole, byteByByte]) {
        const { h, frames } = exchange(bytes, feed);
        assert.deepEqual(frames.map((f) => [f.opcode, closeCodeOf(f)]), [[CLOSE, 1002]]);
        assert.deepEqual(h.ends.get(1), [0], "the frame boundaries are lost: no close frame of the client's can be recognised");
      }
    });

    it("sends nothing more and ignores data after failing the connection", () => {
      const h = new Harness();
      connect(h, 1);
      h.data(1, clientFrame(TEXT, "x", { rsv: 4 }));
      h.takeSent(1);
      h.data(1, clientFrame(TEXT, "after"));
      h.data(1, clientFrame(PING, "after"));
      assert.equal(h.takeSent(1).length, 0);
      assert.equal(h.ends.get(1), undefined);
    });

    it("aborts the connection when the close timer fires after failing it", () => {
      const h = new Harness();
      connect(h, 1);
      h.data(1, clientFrame(TEXT, "x", { masked: false }));
      h.timer(1);
      assert.deepEqual(h.ends.get(1), [1]);
    });
  });
});
