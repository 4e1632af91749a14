import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";

import { ABI_VERSION, Status } from "../support/abi_constants";
import { REPO_ROOT } from "../support/paths";
import { clientFrame, parseServerFrames, TEXT } from "./frames";
import { connect, handshakeHead, Harness, INIT_TEST_HOOKS, wasmModule } from "./wasm_harness";

const source = JSON.parse(readFileSync(path.join(REPO_ROOT, "src", "abi.json"), "utf8")) as {
  exports: Record<string, string>;
  imports: Record<string, string>;
};

describe("ABI (docs/ABI.md, version 5)", () => {
  it("exports exactly the functions src/abi.json lists, and memory", () => {
    const exports = WebAssembly.Module.exports(wasmModule()).map((e) => `${e.kind} ${e.name}`).sort();
    const documented = Object.keys(source.exports).map((name) => `function ${name}`);
    assert.deepEqual(exports, [...documented, "memory memory"].sort());
  });

  it("imports exactly the functions src/abi.json lists, from env", () => {
    const imports = WebAssembly.Module.imports(wasmModule()).map((i) => `${i.module}.${i.name} ${i.kind}`).sort();
    assert.deepEqual(imports, Object.keys(source.imports).map((name) => `env.${name} function`).sort());
  });

  it("reports the version of src/abi.json", () => {
    assert.equal(ABI_VERSION, 5);
    assert.equal(new Harness().exports.cs_abi_version(), ABI_VERSION);
  });

  it("gives an input region of at least the size asked for", () => {
    const h = new Harness();
    const p = h.exports.cs_buffer(3 << 20);
    assert.ok(p > 0 && p + (3 << 20) <= h.memoryBytes());
  });

  it("answers NOT_FOUND, and logs, for events of an id it never opened", () => {
    const h = new Harness();
    assert.equal(h.writable(99), Status.NOT_FOUND);
    assert.equal(h.timer(99), Status.NOT_FOUND);
    assert.equal(h.closed(99), Status.NOT_FOUND);
    assert.equal(h.logs.filter((l) => /unknown connection id 99/.test(l.text)).length, 3);
    assert.equal(h.ends.size, 0);
  });

  it("answers BAD_ARGUMENT for an event number it does not know, and leaves the connection alone", () => {
    const h = new Harness();
    connect(h, 1);
    assert.equal(h.exports.cs_event(1, 99, 0, 0), Status.BAD_ARGUMENT);
    assert.ok(h.logs.some((l) => /unknown event 99/.test(l.text)));
    h.data(1, clientFrame(TEXT, "still open"));
    assert.equal(parseServerFrames(h.takeSent(1))[0].payload.toString(), "still open");
    assert.equal(h.closed(1), Status.OK);
  });

  it("refuses id 0 with 500", () => {
    assert.equal(new Harness().open(0, handshakeHead(), "kind = echo").status, 500);
  });

  it("refuses an endpoint id it was never given with 500", () => {
    const h = new Harness();
    assert.equal(h.openOn(1, 424242, handshakeHead()).status, 500);
    assert.equal(h.writable(1), Status.NOT_FOUND, "the refused id holds nothing");
  });
});

describe("endpoint contexts", () => {
  it("parses an endpoint once and opens any number of connections on it", () => {
    const h = new Harness();
    const endpoint = h.endpoint("kind = echo\n");
    assert.ok("id" in endpoint);
    for (let id = 1; id <= 3; id++) assert.equal(h.openOn(id, endpoint.id, handshakeHead()).status, 101);
  });

  it("reports a file that does not parse through host_endpoint_error with its line, and keeps nothing", () => {
    const h = new Harness();
    const created = h.endpoint("kind = echo\nmax_message_size = lots\n");
    assert.ok("refusal" in created);
    assert.deepEqual(h.endpointErrors, [
      { endpoint: 1000000, line: 2, text: "max_message_size must be a whole number of bytes from 0 to 1073741824." },
    ]);
    assert.equal(h.openOn(1, 1000000, handshakeHead()).status, 500, "a failed endpoint id is unknown");
  });

  it("reports a missing kind as a problem of the whole file (line 0)", () => {
    const h = new Harness();
    h.endpoint("# nothing\n");
    assert.equal(h.endpointErrors[0].line, 0);
    assert.match(h.endpointErrors[0].text, /kind/);
  });

  it("keeps an endpoint's settings for its open connections after cs_endpoint_done", () => {
    const h = new Harness();
    connect(h, 1, "kind = echo\nmax_message_size = 4\n");
    assert.equal(h.endpointDone("kind = echo\nmax_message_size = 4\n"), Status.OK);
    connect(h, 2, "kind = echo\nmax_message_size = 100\n");
    h.data(1, clientFrame(TEXT, "too long"));
    h.data(2, clientFrame(TEXT, "too long"));
    assert.equal(parseServerFrames(h.takeSent(1))[0].payload.readUInt16BE(0), 1009, "the old limit still holds");
    assert.equal(parseServerFrames(h.takeSent(2))[0].payload.toString(), "too long");
  });

  it("answers NOT_FOUND for cs_endpoint_done of an unknown endpoint", () => {
    assert.equal(new Harness().exports.cs_endpoint_done(7), Status.NOT_FOUND);
  });

  it("refuses to create an endpoint id twice", () => {
    const h = new Harness();
    const text = Buffer.from("kind = echo\n");
    const p = h.exports.cs_buffer(text.length);
    new Uint8Array(h.exports.memory.buffer).set(text, p);
    assert.equal(h.exports.cs_endpoint_create(5, p, text.length), Status.OK);
    assert.equal(h.exports.cs_endpoint_create(5, p, text.length), Status.BAD_ARGUMENT);
  });
});

describe("kind = test (test hooks)", () => {
  it("reports the query string, server variables and the headers its file names", () => {
    const h = new Harness(INIT_TEST_HOOKS);
    const head = handshakeHead({ "X-Custom": "custom value", Cookie: "a=1" }, "GET /t.chatsocket?room=blue&x=%20 HTTP/1.1");
    const r = h.open(1, head, "kind = test\nreport_headers = X-Custom, Cookie, Authorization\n");
    assert.equal(r.status, 101);
    h.data(1, clientFrame(TEXT, "request"));
    const report = JSON.parse(parseServerFrames(h.takeSent(1))[0].payload.toString());
    assert.deepEqual(report, {
      path: "/t.chatsocket",
      query: "room=blue&x=%20",
      REMOTE_ADDR: "127.0.0.1",
      REMOTE_PORT: "50000",
      SERVER_NAME: "localhost",
      SERVER_PORT: "80",
      HTTPS: "off",
      headers: { "X-Custom": "custom value", Cookie: "a=1", Authorization: null },
    });
  });

  it("reads a request value longer than its scratch buffer", () => {
    const h = new Harness(INIT_TEST_HOOKS);
    const long = "v".repeat(5000);
    h.open(1, handshakeHead({ "X-Long": long }), "kind = test\nreport_headers = X-Long\n");
    h.data(1, clientFrame(TEXT, "request"));
    assert.equal(JSON.parse(parseServerFrames(h.takeSent(1))[0].payload.toString()).headers["X-Long"], long);
  });

  it("sets timers in independent slots and hears each one", () => {
    const h = new Harness(INIT_TEST_HOOKS);
    connect(h, 1, "kind = test\n");
    h.data(1, clientFrame(TEXT, "timer 1 100"));
    h.data(1, clientFrame(TEXT, "timer 2 200"));
    assert.equal(h.timerSlots.get("1/1"), 100);
    assert.equal(h.timerSlots.get("1/2"), 200);
    h.timer(1, 2);
    h.timer(1, 1);
    const texts = parseServerFrames(h.takeSent(1)).map((f) => f.payload.toString());
    assert.deepEqual(texts, ["timer 2 fired", "timer 1 fired"]);
    assert.equal(h.timers.get(1), undefined, "the close timer (slot 0) was never touched");
  });

  it("refuses the close timer's slot and slots past TIMER_SLOTS to handlers", () => {
    const h = new Harness(INIT_TEST_HOOKS);
    connect(h, 1, "kind = test\n");
    h.data(1, clientFrame(TEXT, "timer 0 100"));
    h.data(1, clientFrame(TEXT, "timer 8 100"));
    const texts = parseServerFrames(h.takeSent(1)).map((f) => f.payload.toString());
    assert.deepEqual(texts, ["timer 0 refused", "timer 8 refused"]);
  });

  it("refuses report_headers that are not header names", () => {
    const r = new Harness(INIT_TEST_HOOKS).open(1, handshakeHead(), "kind = test\nreport_headers = a b\n");
    assert.equal(r.status, 500);
    assert.match(r.body, /line 2.*not a header name/);
  });
});
