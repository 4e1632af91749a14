import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { handshakeHead, Harness } from "./wasm_harness";

function open(extra: Record<string, string | null>, requestLine?: string, endpoint = "kind = echo") {
  return new Harness().open(1, handshakeHead(extra, requestLine), endpoint);
}

describe("handshake", () => {
  it("accepts a valid request with 101, Upgrade and Connection headers", () => {
    const r = open({});
    assert.equal(r.status, 101);
    assert.equal(r.headers.get("upgrade"), "websocket");
    assert.equal(r.headers.get("connection"), "Upgrade");
    assert.equal(r.headers.has("sec-websocket-protocol"), false);
  });

  it("refuses a POST with 405 and Allow: GET", () => {
    const r = open({}, "POST /lobby.chatsocket HTTP/1.1");
    assert.equal(r.status, 405);
    assert.equal(r.headers.get("allow"), "GET");
    assert.match(r.body, /GET/);
  });

  it("refuses HTTP/1.0 with 400", () => {
    const r = open({}, "GET /lobby.chatsocket HTTP/1.0");
    assert.equal(r.status, 400);
    assert.match(r.body, /HTTP\/1\.1/);
  });

  it("accepts HTTP/2.0 as a later version", () => {
    assert.equal(open({}, "GET / HTTP/2.0").status, 101);
  });

  it("refuses a malformed request line with 400", () => {
    assert.equal(open({}, "GET /only-two-parts").status, 400);
  });

  it("refuses a missing Upgrade header with 400", () => {
    const r = open({ Upgrade: null });
    assert.equal(r.status, 400);
    assert.match(r.body, /Upgrade/);
  });

  it("refuses an Upgrade header without websocket with 400", () => {
    assert.equal(open({ Upgrade: "h2c" }).status, 400);
  });

  it("accepts Upgrade as a token list in any case", () => {
    assert.equal(open({ Upgrade: "foo/1, WebSocket" }).status, 101);
  });

  it("accepts Firefox's Connection: keep-alive, Upgrade", () => {
    assert.equal(open({ Connection: "keep-alive, Upgrade" }).status, 101);
  });

  it("refuses a Connection header without upgrade with 400", () => {
    const r = open({ Connection: "keep-alive" });
    assert.equal(r.status, 400);
    assert.match(r.body, /Connection/);
  });

  it("refuses a missing Connection header with 400", () => {
    assert.equal(open({ Connection: null }).status, 400);
  });

  it("refuses Sec-WebSocket-Version 8 with 426 and Sec-WebSocket-Version: 13", () => {
    const r = open({ "Sec-WebSocket-Version": "8" });
    assert.equal(r.status, 426);
    assert.equal(r.headers.get("sec-websocket-version"), "13");
    assert.match(r.body, /13/);
  });

  it("refuses a missing Sec-WebSocket-Version with 400", () => {
    const r = open({ "Sec-WebSocket-Version": null });
    assert.equal(r.status, 400);
    assert.match(r.body, /Sec-WebSocket-Version is missing/);
  });

  it("refuses a repeated Sec-WebSocket-Version (joined as IIS joins it) with 400", () => {
    const r = open({ "Sec-WebSocket-Version": "13, 13" });
    assert.equal(r.status, 400);
    assert.match(r.body, /more than once/);
  });

  it("refuses a missing Sec-WebSocket-Key with 400", () => {
    const r = open({ "Sec-WebSocket-Key": null });
    assert.equal(r.status, 400);
    assert.match(r.body, /Sec-WebSocket-Key/);
  });

  it("refuses a key that decodes to fewer than 16 bytes with 400", () => {
    assert.equal(open({ "Sec-WebSocket-Key": "c2hvcnQ=" }).status, 400);
  });

  it("refuses a key that is not base64 with 400", () => {
    assert.equal(open({ "Sec-WebSocket-Key": "!!!!!!!!!!!!!!!!!!!!!!==" }).status, 400);
  });

  it("refuses a duplicated key joined with a comma with 400", () => {
    assert.equal(open({ "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==, dGhlIHNhbXBsZSBub25jZQ==" }).status, 400);
  });

  it("refuses a key given on two header lines with 400", () => {
    const head = handshakeHead().replace("\r\n\r\n", "\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    assert.equal(new Harness().open(1, head, "kind = echo").status, 400);
  });

  it("reads header names case-insensitively", () => {
    const head =
      "GET / HTTP/1.1\r\nhost: x\r\nUPGRADE: websocket\r\nconnection: upgrade\r\n" +
      "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nSEC-WEBSOCKET-VERSION: 13\r\n\r\n";
    const r = new Harness().open(1, head, "kind = echo");
    assert.equal(r.status, 101);
    assert.equal(r.headers.get("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  it("answers with the first subprotocol the client offers that the endpoint supports", () => {
    const r = open({ "Sec-WebSocket-Protocol": "x, b, a" }, undefined, "kind = echo\nprotocols = a, b");
    assert.equal(r.status, 101);
    assert.equal(r.headers.get("sec-websocket-protocol"), "b");
  });

  it("answers without a subprotocol when none offered is supported", () => {
    const r = open({ "Sec-WebSocket-Protocol": "x, y" }, undefined, "kind = echo\nprotocols = a, b");
    assert.equal(r.status, 101);
    assert.equal(r.headers.has("sec-websocket-protocol"), false);
  });

  it("frees a refused id at once, so it can be opened again", () => {
    const h = new Harness();
    assert.equal(h.open(3, handshakeHead({ Upgrade: null }), "kind = echo").status, 400);
    assert.equal(h.open(3, handshakeHead(), "kind = echo").status, 101);
  });

  it("reads bytes that are not UTF-8 as U+FFFD, never as other characters: a key with C1 in it is refused", () => {
    // C1 6A once decoded to "j": this head carried the RFC's sample key with one byte changed, and got a 101.
    const head = Buffer.from(handshakeHead({ "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25@jZQ==" }), "latin1");
    head[head.indexOf(0x40)] = 0xc1;
    const r = new Harness().open(1, head, "kind = echo");
    assert.equal(r.status, 400);
    assert.equal(r.body, "Sec-WebSocket-Key must be one base64 value of 16 bytes.");
  });
});
