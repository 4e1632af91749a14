import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { rng } from "./frames";
import { Protocol } from "./protocol_harness";
import { connect, handshakeHead, Harness } from "./wasm_harness";

function randomBuffer(random: () => number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = Math.floor(random() * 256);
  return b;
}

describe("Sec-WebSocket-Accept", () => {
  it("is s3pPLMBiTxaQ9kYGzzhZRbK+xOo= for RFC 6455's example key", () => {
    const h = new Harness();
    const r = h.open(1, handshakeHead({ "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" }), "kind = echo");
    assert.equal(r.status, 101);
    assert.equal(r.headers.get("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  it("matches node:crypto for 200 random keys", () => {
    const h = new Harness();
    const random = rng(6455);
    for (let id = 1; id <= 200; id++) {
      const key = randomBuffer(random, 16).toString("base64");
      const r = h.open(id, handshakeHead({ "Sec-WebSocket-Key": key }), "kind = echo");
      const expected = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
      assert.equal(r.headers.get("sec-websocket-accept"), expected, `key ${key}`);
      h.closed(id);
    }
  });
});

describe("sha1", () => {
  const p = new Protocol();
  it("matches node:crypto for every length from 0 to 300 bytes", () => {
    const random = rng(1);
    for (let n = 0; n <= 300; n++) {
      const data = randomBuffer(random, n);
      assert.deepEqual(p.sha1(data), createHash("sha1").update(data).digest(), `length ${n}`);
    }
  });

  it("matches node:crypto on a 1 MiB input", () => {
    const data = randomBuffer(rng(2), 1 << 20);
    assert.deepEqual(p.sha1(data), createHash("sha1").update(data).digest());
  });
});

describe("base64", () => {
  const p = new Protocol();
  it("encodes like Buffer for every length from 0 to 100 bytes", () => {
    const random = rng(3);
    for (let n = 0; n <= 100; n++) {
      const data = randomBuffer(random, n);
      assert.equal(p.base64Encode(data), data.toString("base64"), `length ${n}`);
    }
  });

  it("decodes what Buffer encodes", () => {
    const random = rng(4);
    for (let n = 0; n <= 100; n++) {
      const data = randomBuffer(random, n);
      assert.deepEqual(p.base64Decode(data.toString("base64")), data, `length ${n}`);
    }
  });

  it("rejects text that is not padded base64", () => {
    for (const bad of ["abc", "ab=c", "a===", "====", "ab!d", "dGhlIHNhbXBsZSBub25jZQ", "dGhl IHNh", "Zg==Zg=="]) {
      assert.equal(p.base64Decode(bad), null, bad);
    }
  });
});

describe("unmask", () => {
  const p = new Protocol();
  it("matches a byte loop at every length and starting offset", () => {
    const random = rng(5);
    const key = randomBuffer(random, 4);
    for (let n = 0; n <= 40; n++) {
      for (let offset = 0; offset < 4; offset++) {
        const data = randomBuffer(random, n);
        const expected = Buffer.from(data.map((b, i) => b ^ key[(i + offset) & 3]));
        assert.deepEqual(p.unmaskCopy(data, key, offset), expected, `length ${n} offset ${offset}`);
      }
    }
  });
});

describe("connection ids", () => {
  it("refuses a second cs_open for an id that is still open", () => {
    const h = new Harness();
    connect(h, 5);
    assert.equal(h.open(5, handshakeHead(), "kind = echo").status, 500);
  });
});
