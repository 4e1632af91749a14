import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BINARY, clientFrame, closeCodeOf, parseServerFrames } from "./frames";
import { connect, handshakeHead, Harness, INIT_TEST_HOOKS } from "./wasm_harness";

function openWith(endpoint: string, flags = 0) {
  return new Harness(flags).open(1, handshakeHead(), endpoint);
}

describe("endpoint file", () => {
  it("accepts comments, blank lines, a byte order mark and keys in any case", () => {
    const r = openWith("\uFEFF# lobby\n\n  KIND = Echo  # trailing comment\r\nMax_Message_Size = 100\r\n");
    assert.equal(r.status, 101);
  });

  it("refuses with 500 naming the line of an unknown key", () => {
    const r = openWith("kind = echo\n# two\ncolour = blue\n");
    assert.equal(r.status, 500);
    assert.match(r.body, /line 3/);
    assert.match(r.body, /colour/);
  });

  it("refuses with 500 when a line is not key = value", () => {
    const r = openWith("kind echo\n");
    assert.equal(r.status, 500);
    assert.match(r.body, /line 1/);
  });

  it("refuses with 500 when kind is missing", () => {
    const r = openWith("max_message_size = 10\n");
    assert.equal(r.status, 500);
    assert.match(r.body, /kind/);
  });

  it("refuses an unknown kind with 500 naming the kinds there are", () => {
    const r = openWith("kind = mirror\n");
    assert.equal(r.status, 500);
    assert.match(r.body, /unknown kind `mirror` \(expected echo or chat or process\)/);
  });

  it("refuses kind test unless cs_init enabled test hooks", () => {
    assert.equal(openWith("kind = test\n").status, 500);
    assert.equal(openWith("kind = test\n", INIT_TEST_HOOKS).status, 101);
  });

  it("refuses bad values with 500 naming the key", () => {
    for (const [line, key] of [
      ["max_message_size = lots", "max_message_size"],
      ["max_message_size = -1", "max_message_size"],
      ["max_message_size = 2000000000", "max_message_size"],
      ["close_timeout = 0", "close_timeout"],
      ["close_timeout = 1.5", "close_timeout"],
      ["max_fragments = 0", "max_fragments"],
      ["protocols = a b", "subprotocol"],
    ]) {
      const r = openWith(`kind = echo\n${line}\n`);
      assert.equal(r.status, 500, line);
      assert.match(r.body, new RegExp(`line 2.*${key}`), line);
    }
  });

  it("refuses a key set twice with 500", () => {
    const r = openWith("kind = echo\nkind = echo\n");
    assert.equal(r.status, 500);
    assert.match(r.body, /line 2/);
  });

  it("applies max_message_size: one byte over closes with 1009", () => {
    const h = new Harness();
    connect(h, 1, "kind = echo\nmax_message_size = 10\n");
    h.data(1, clientFrame(BINARY, Buffer.alloc(10)));
    h.data(1, clientFrame(BINARY, Buffer.alloc(11)));
    const frames = parseServerFrames(h.takeSent(1));
    assert.equal(frames[0].payload.length, 10);
    assert.equal(closeCodeOf(frames[1]), 1009);
  });

  it("applies close_timeout to the close timer", () => {
    const h = new Harness();
    connect(h, 1, "kind = echo\nclose_timeout = 1234\n");
    h.data(1, clientFrame(0x3)); // reserved opcode: we fail the connection and arm the timer
    assert.equal(h.timers.get(1), 1234);
  });

  it("uses a close timer of 5000 ms by default", () => {
    const h = new Harness();
    connect(h, 1);
    h.data(1, clientFrame(0x3));
    assert.equal(h.timers.get(1), 5000);
  });

  it("refuses a file with a line that is not UTF-8, naming that line, and invents no line breaks", () => {
    // C0 CA once decoded to a line break, so this one-line file failed on its "line 2".
    const file = Buffer.concat([Buffer.from("kind = echo\nmax_message_size = 10 "), Buffer.from([0xc0, 0xca]), Buffer.from("\n")]);
    const r = new Harness().open(1, handshakeHead(), file);
    assert.equal(r.status, 500);
    assert.match(r.body, /line 2: this line is not UTF-8 text/);
    assert.doesNotMatch(r.body, /[\uD800-\uDFFF]/);
  });
});
